//! [`DedupEncoder`]: embeds each distinct text once per run. Survey exports repeat short
//! answers ("good", "ok", "nothing", "-"), and a chunk's sentences and clauses often equal one
//! another; this wrapper hands the inner encoder each distinct text once and serves repeats
//! from a bounded in-memory map of vectors.
//!
//! The map is bounded by entry count (`capacity`): it keeps two generations, the current one
//! and the one before. A hit in the older generation moves the entry to the current one; when
//! the current generation reaches half the capacity, the older one is dropped and the current
//! one becomes the older. So frequently repeated texts stay, memory stays under `capacity`
//! vectors (about `capacity` x (dim x 4 + text length) bytes), and the cost is O(1) per text.

use super::{EncodeError, Encoded, Encoder, TextKind};
use std::collections::HashMap;
use std::sync::Mutex;

/// Vectors kept by default: 32,768 entries, about 50 MiB at 384 dimensions.
pub const DEFAULT_CAPACITY: usize = 32_768;

type Key = (TextKind, String);

/// A text's vector and, from a tuned sentiment top, its class probabilities.
type Unit = (Vec<f32>, Option<[f32; 3]>);

#[derive(Default)]
struct Memo {
    current: HashMap<Key, Unit>,
    older: HashMap<Key, Unit>,
    stats: DedupStats,
}

impl Memo {
    /// The vector of `key`, promoting it to the current generation on an older hit.
    fn get(&mut self, key: &Key) -> Option<Unit> {
        if let Some(v) = self.current.get(key) {
            return Some(v.clone());
        }
        let v = self.older.remove(key)?;
        self.current.insert(key.clone(), v.clone());
        Some(v)
    }

    fn insert(&mut self, key: Key, v: Unit, capacity: usize) {
        if capacity == 0 {
            return;
        }
        if self.current.len() >= capacity.div_ceil(2) {
            self.older = std::mem::take(&mut self.current);
        }
        self.current.insert(key, v);
    }
}

/// Texts asked for and texts the inner encoder embedded, over the wrapper's life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DedupStats {
    /// Texts passed to [`Encoder::embed`].
    pub texts: u64,
    /// Texts the inner encoder embedded (the rest were repeats).
    pub encoded: u64,
}

/// An encoder that embeds each distinct (kind, text) once while it is in its bounded map.
pub struct DedupEncoder<'a> {
    inner: &'a dyn Encoder,
    capacity: usize,
    memo: Mutex<Memo>,
}

fn poisoned<T>(_: T) -> EncodeError {
    EncodeError::Torch("dedup map poisoned by an earlier panic".into())
}

impl<'a> DedupEncoder<'a> {
    /// Wraps `inner`, keeping at most `capacity` vectors (0 = dedupe within each call only).
    pub fn new(inner: &'a dyn Encoder, capacity: usize) -> DedupEncoder<'a> {
        DedupEncoder {
            inner,
            capacity,
            memo: Mutex::new(Memo::default()),
        }
    }

    /// Texts asked for and texts embedded so far.
    pub fn stats(&self) -> DedupStats {
        self.memo.lock().map(|m| m.stats).unwrap_or_default()
    }

    /// Vectors held now (at most the capacity).
    pub fn len(&self) -> usize {
        self.memo
            .lock()
            .map(|m| m.current.len() + m.older.len())
            .unwrap_or(0)
    }

    /// Whether no vector is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Encoder for DedupEncoder<'_> {
    same_model_as!(inner);

    fn embed(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Vec<f32>>, EncodeError> {
        Ok(self.encode(texts, kind)?.vectors)
    }

    fn encode(&self, texts: &[&str], kind: TextKind) -> Result<Encoded, EncodeError> {
        // Each text's unit, or the index of its distinct text in `todo`.
        let mut out: Vec<Result<Unit, usize>> = Vec::with_capacity(texts.len());
        let mut todo: Vec<&str> = Vec::new();
        let mut first: HashMap<&str, usize> = HashMap::new();
        {
            let mut memo = self.memo.lock().map_err(poisoned)?;
            for &t in texts {
                match memo.get(&(kind, t.to_string())) {
                    Some(v) => out.push(Ok(v)),
                    None => out.push(Err(*first.entry(t).or_insert_with(|| {
                        todo.push(t);
                        todo.len() - 1
                    }))),
                }
            }
        }
        let fresh = if todo.is_empty() {
            Encoded::default()
        } else {
            self.inner.encode(&todo, kind)?
        };
        let unit = |i: usize| -> Unit {
            (
                fresh.vectors[i].clone(),
                fresh.sentiment.as_ref().map(|p| p[i]),
            )
        };
        let mut memo = self.memo.lock().map_err(poisoned)?;
        memo.stats.texts += texts.len() as u64;
        memo.stats.encoded += todo.len() as u64;
        for (i, t) in todo.iter().enumerate() {
            memo.insert((kind, t.to_string()), unit(i), self.capacity);
        }
        drop(memo);
        let units: Vec<Unit> = out.into_iter().map(|r| r.unwrap_or_else(unit)).collect();
        let sentiment = units
            .iter()
            .map(|u| u.1)
            .collect::<Option<Vec<[f32; 3]>>>()
            .filter(|_| !units.is_empty());
        Ok(Encoded {
            vectors: units.into_iter().map(|u| u.0).collect(),
            sentiment,
        })
    }
}
