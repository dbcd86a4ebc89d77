//! [`CachedEncoder`]: an [`Encoder`] that remembers vectors on disk, keyed by model, text kind
//! and text, so retraining a head or re-running an evaluation does not embed the same texts
//! again. The cache file is append-only: `u64 key` then `dim` f32 values per entry.

use super::{EncodeError, Encoder, TextKind};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// An encoder with a persistent vector cache.
pub struct CachedEncoder<'a> {
    inner: &'a dyn Encoder,
    path: PathBuf,
    map: Mutex<HashMap<u64, Vec<f32>>>,
}

fn key(model: &str, kind: TextKind, text: &str) -> u64 {
    let k = match kind {
        TextKind::Query => "q",
        TextKind::Passage => "p",
    };
    [model, k, text]
        .iter()
        .fold(0xcbf29ce484222325u64, |h, part| {
            part.bytes()
                .chain(std::iter::once(0xff))
                .fold(h, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
        })
}

fn cache_err(path: &Path, e: std::io::Error) -> EncodeError {
    EncodeError::Model {
        dir: path.to_path_buf(),
        why: format!("embedding cache: {e}; delete the file to start a fresh cache"),
    }
}

impl<'a> CachedEncoder<'a> {
    /// Wraps `inner`, reading what `path` already holds.
    pub fn open(inner: &'a dyn Encoder, path: &Path) -> Result<CachedEncoder<'a>, EncodeError> {
        let mut map = HashMap::new();
        if let Ok(mut f) = std::fs::File::open(path) {
            let mut raw = Vec::new();
            f.read_to_end(&mut raw).map_err(|e| cache_err(path, e))?;
            let entry = 8 + inner.dim() * 4;
            // A torn last entry (interrupted run) is ignored.
            for chunk in raw.chunks_exact(entry) {
                let k = u64::from_le_bytes(chunk[..8].try_into().expect("8 bytes"));
                let v = chunk[8..]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                    .collect();
                map.insert(k, v);
            }
        }
        Ok(CachedEncoder {
            inner,
            path: path.to_path_buf(),
            map: Mutex::new(map),
        })
    }

    /// Number of cached vectors.
    pub fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Encoder for CachedEncoder<'_> {
    same_model_as!(inner);

    fn embed(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Vec<f32>>, EncodeError> {
        let keys: Vec<u64> = texts.iter().map(|t| key(self.name(), kind, t)).collect();
        let missing: Vec<usize> = {
            let map = self
                .map
                .lock()
                .map_err(|_| EncodeError::Torch("cache poisoned".into()))?;
            (0..texts.len())
                .filter(|&i| !map.contains_key(&keys[i]))
                .collect()
        };
        if !missing.is_empty() {
            let todo: Vec<&str> = missing.iter().map(|&i| texts[i]).collect();
            let vecs = self.inner.embed(&todo, kind)?;
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| cache_err(dir, e))?;
            }
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)
                .map_err(|e| cache_err(&self.path, e))?;
            let mut w = std::io::BufWriter::new(f);
            let mut map = self
                .map
                .lock()
                .map_err(|_| EncodeError::Torch("cache poisoned".into()))?;
            for (&i, v) in missing.iter().zip(vecs) {
                w.write_all(&keys[i].to_le_bytes())
                    .map_err(|e| cache_err(&self.path, e))?;
                for x in &v {
                    w.write_all(&x.to_le_bytes())
                        .map_err(|e| cache_err(&self.path, e))?;
                }
                map.insert(keys[i], v);
            }
            w.flush().map_err(|e| cache_err(&self.path, e))?;
        }
        let map = self
            .map
            .lock()
            .map_err(|_| EncodeError::Torch("cache poisoned".into()))?;
        Ok(keys.iter().map(|k| map[k].clone()).collect())
    }
}
