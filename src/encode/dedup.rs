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

use super::{EncodeError, Encoded, Encoder, Part, TextKind};
use std::collections::HashMap;
use std::sync::Mutex;

/// Vectors kept by default: 32,768 entries, about 50 MiB at 384 dimensions.
pub const DEFAULT_CAPACITY: usize = 32_768;

/// A text, or a part of it (its byte range), by kind.
type Key = (TextKind, String, Option<(usize, usize)>);

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
        self.serve(texts, &[], kind)
    }

    fn pools_parts(&self) -> bool {
        self.inner.pools_parts()
    }

    /// Parts are held by their text and range.
    fn encode_pooled(
        &self,
        texts: &[&str],
        parts: &[Part],
        kind: TextKind,
    ) -> Result<Encoded, EncodeError> {
        self.serve(texts, parts, kind)
    }
}

impl DedupEncoder<'_> {
    /// Serves the texts and parts held in the map and hands the inner encoder the rest, each
    /// distinct one once. Parts come here only when the inner encoder pools them: each is
    /// held by its text and range, and one that is not held brings its text along. Parts
    /// embedded alone arrive as texts of their own ([`Encoder::encode_parts`]), so a sentence
    /// repeated in many answers is embedded once.
    fn serve(
        &self,
        texts: &[&str],
        parts: &[Part],
        kind: TextKind,
    ) -> Result<Encoded, EncodeError> {
        let keys: Vec<Key> = texts
            .iter()
            .map(|t| (kind, t.to_string(), None))
            .chain(parts.iter().map(|p| {
                let r = Some((p.range.start, p.range.end));
                (kind, texts[p.of].to_string(), r)
            }))
            .collect();
        let (out, todo) = {
            let mut memo = self.memo.lock().map_err(poisoned)?;
            Todo::plan(&mut memo, &keys, texts, parts)
        };
        let fresh = match todo.texts.is_empty() {
            true => Encoded::default(),
            false => self.inner.encode_parts(&todo.texts, &todo.parts, kind)?,
        };
        let unit = |i: usize| -> Unit {
            (
                fresh.vectors[i].clone(),
                fresh.sentiment.as_ref().map(|p| p[i]),
            )
        };
        let mut memo = self.memo.lock().map_err(poisoned)?;
        memo.stats.texts += keys.len() as u64;
        memo.stats.encoded += todo.keys.len() as u64;
        for (i, key) in todo.keys.iter().enumerate() {
            memo.insert(key.clone(), unit(i), self.capacity);
        }
        drop(memo);
        let n = todo.texts.len();
        let units: Vec<Unit> = out
            .into_iter()
            .map(|r| match r {
                Served::Held(u) => u,
                Served::Text(i) => unit(i),
                Served::Part(j) => unit(n + j),
            })
            .collect();
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

/// Where one asked-for text or part comes from.
enum Served {
    /// The map held it.
    Held(Unit),
    /// The inner encoder's text `i`.
    Text(usize),
    /// The inner encoder's part `j`.
    Part(usize),
}

/// What the inner encoder is handed: distinct texts and parts, and the key of each (texts,
/// then parts) to remember it by.
struct Todo<'t> {
    texts: Vec<&'t str>,
    parts: Vec<Part>,
    keys: Vec<Key>,
}

impl<'t> Todo<'t> {
    /// Looks each of `keys` (texts, then parts) up in `memo`; what is missing goes to the
    /// inner encoder once.
    fn plan(
        memo: &mut Memo,
        keys: &[Key],
        texts: &[&'t str],
        parts: &[Part],
    ) -> (Vec<Served>, Todo<'t>) {
        let mut todo = Todo {
            texts: Vec::new(),
            parts: Vec::new(),
            keys: Vec::new(),
        };
        let mut text_at: HashMap<&str, usize> = HashMap::new();
        let mut part_at: HashMap<(usize, usize, usize), usize> = HashMap::new();
        let mut out = Vec::with_capacity(keys.len());
        let mut part_keys = Vec::new();
        for (k, key) in keys.iter().enumerate() {
            if let Some(u) = memo.get(key) {
                out.push(Served::Held(u));
                continue;
            }
            let parent = match k.checked_sub(texts.len()) {
                None => texts[k],
                Some(j) => texts[parts[j].of],
            };
            let ti = *text_at.entry(parent).or_insert_with(|| {
                todo.texts.push(parent);
                todo.keys.push((key.0, parent.to_string(), None));
                todo.texts.len() - 1
            });
            let Some(j) = k.checked_sub(texts.len()) else {
                out.push(Served::Text(ti));
                continue;
            };
            let r = &parts[j].range;
            let pj = *part_at.entry((ti, r.start, r.end)).or_insert_with(|| {
                todo.parts.push(Part {
                    of: ti,
                    range: r.clone(),
                });
                part_keys.push(key.clone());
                todo.parts.len() - 1
            });
            out.push(Served::Part(pj));
        }
        todo.keys.extend(part_keys);
        (out, todo)
    }
}
