//! On-disk embedding store of a run: one L2-normalized vector per answer and per sentence.
//!
//! Layout inside `RUN_DIR/embeddings/`:
//! - `answers.f32`   row-major little-endian f32, `dim` values per answer, in `responses.jsonl` order
//! - `sentences.f32` the same for sentences, answers' sentences one after the other
//! - `sentences.idx` little-endian u64, `n_answers + 1` offsets: answer `i` owns sentence vectors
//!   `idx[i]..idx[i+1]`
//! - `meta.json`     `{"dim": .., "answers": .., "sentences": .., "model": ..}`
//!
//! Vectors are appended while a run streams and read back through a memory map, so nothing here
//! needs memory proportional to the export.

use crate::error::{ErrorKind, IoError, IoResultExt};
use memmap2::Mmap;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Errors of the embedding store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file could not be read or written.
    #[error("embedding store {0}")]
    Io(#[from] IoError),
    /// The files do not agree with each other or with `meta.json`.
    #[error("embedding store {path} is damaged: {why}; re-run `verbatim analyze` to rebuild it")]
    Corrupt {
        /// The store folder.
        path: PathBuf,
        /// What is inconsistent.
        why: String,
    },
}

impl StoreError {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::Io(_) => ErrorKind::Io,
            StoreError::Corrupt { .. } => ErrorKind::Corrupt,
        }
    }
}

/// Sizes and provenance of a store, kept in `meta.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreMeta {
    /// Vector dimension.
    pub dim: usize,
    /// Number of answer vectors.
    pub answers: u64,
    /// Number of sentence vectors.
    pub sentences: u64,
    /// Name of the encoder that made the vectors.
    pub model: String,
}

/// Appends vectors to a new store.
pub struct StoreWriter {
    dir: PathBuf,
    meta: StoreMeta,
    answers: BufWriter<File>,
    sentences: BufWriter<File>,
    idx: BufWriter<File>,
}

fn write_f32s(w: &mut impl Write, v: &[f32]) -> std::io::Result<()> {
    for x in v {
        w.write_all(&x.to_le_bytes())?;
    }
    Ok(())
}

impl StoreWriter {
    /// Creates (or truncates) a store in `dir` for vectors of `dim` values.
    pub fn create(dir: &Path, dim: usize, model: &str) -> Result<StoreWriter, StoreError> {
        std::fs::create_dir_all(dir).at(dir)?;
        let open = |name: &str| -> Result<BufWriter<File>, StoreError> {
            let p = dir.join(name);
            Ok(BufWriter::with_capacity(1 << 20, File::create(&p).at(&p)?))
        };
        let mut idx = open("sentences.idx")?;
        idx.write_all(&0u64.to_le_bytes()).at(dir)?;
        Ok(StoreWriter {
            dir: dir.to_path_buf(),
            meta: StoreMeta {
                dim,
                answers: 0,
                sentences: 0,
                model: model.to_string(),
            },
            answers: open("answers.f32")?,
            sentences: open("sentences.f32")?,
            idx,
        })
    }

    /// Appends one answer vector and the vectors of its sentences.
    pub fn push(&mut self, answer: &[f32], sentences: &[Vec<f32>]) -> Result<(), StoreError> {
        let dim = self.meta.dim;
        if answer.len() != dim || sentences.iter().any(|s| s.len() != dim) {
            return Err(StoreError::Corrupt {
                path: self.dir.clone(),
                why: format!("vector of wrong dimension (expected {dim})"),
            });
        }
        let dir = self.dir.clone();
        write_f32s(&mut self.answers, answer).at(&dir)?;
        for s in sentences {
            write_f32s(&mut self.sentences, s).at(&dir)?;
        }
        self.meta.answers += 1;
        self.meta.sentences += sentences.len() as u64;
        self.idx
            .write_all(&self.meta.sentences.to_le_bytes())
            .at(&dir)?;
        Ok(())
    }

    /// Flushes the files and writes `meta.json`.
    pub fn finish(mut self) -> Result<StoreMeta, StoreError> {
        let dir = self.dir.clone();
        self.answers.flush().at(&dir)?;
        self.sentences.flush().at(&dir)?;
        self.idx.flush().at(&dir)?;
        let p = dir.join("meta.json");
        let json = serde_json::to_vec_pretty(&self.meta).expect("meta serializes");
        std::fs::write(&p, json).at(&p)?;
        Ok(self.meta)
    }
}

/// Read-only, memory-mapped view of a store.
pub struct Store {
    meta: StoreMeta,
    answers: Option<Mmap>,
    sentences: Option<Mmap>,
    idx: Mmap,
}

/// A read-only memory map of a run file (of the store or the vector index); `None` for an
/// empty file, which cannot be mapped (an empty store or index is valid).
pub(crate) fn map(path: &Path) -> Result<Option<Mmap>, IoError> {
    let f = File::open(path).at(path)?;
    if f.metadata().at(path)?.len() == 0 {
        return Ok(None);
    }
    // SAFETY: a run folder's files are written once (by `StoreWriter`, `VectorIndex::build`)
    // and never modified while mapped; rewriting a run while it is read is a user error that
    // at worst yields wrong vectors.
    Ok(Some(unsafe { Mmap::map(&f) }.at(path)?))
}

fn as_f32s(bytes: &[u8]) -> &[f32] {
    // Mmaps are page-aligned, so the f32 view is aligned; lengths are checked on open.
    let (pre, mid, _) = unsafe { bytes.align_to::<f32>() };
    debug_assert!(pre.is_empty());
    mid
}

impl Store {
    /// Opens the store in `dir` (usually `RUN_DIR/embeddings`).
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let mp = dir.join("meta.json");
        let raw = std::fs::read(&mp).at(&mp)?;
        let meta: StoreMeta = serde_json::from_slice(&raw).map_err(|e| StoreError::Corrupt {
            path: dir.to_path_buf(),
            why: format!("meta.json: {e}"),
        })?;
        let answers = map(&dir.join("answers.f32"))?;
        let sentences = map(&dir.join("sentences.f32"))?;
        let idx = map(&dir.join("sentences.idx"))?.ok_or_else(|| StoreError::Corrupt {
            path: dir.to_path_buf(),
            why: "sentences.idx is empty".into(),
        })?;
        let len = |m: &Option<Mmap>| m.as_ref().map_or(0, |m| m.len() as u64);
        let dim = meta.dim as u64 * 4;
        if len(&answers) != meta.answers * dim
            || len(&sentences) != meta.sentences * dim
            || idx.len() as u64 != (meta.answers + 1) * 8
        {
            return Err(StoreError::Corrupt {
                path: dir.to_path_buf(),
                why: "file sizes do not match meta.json".into(),
            });
        }
        Ok(Store {
            meta,
            answers,
            sentences,
            idx,
        })
    }

    /// Sizes and provenance.
    pub fn meta(&self) -> &StoreMeta {
        &self.meta
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.meta.dim
    }

    /// Number of answers.
    pub fn len(&self) -> usize {
        self.meta.answers as usize
    }

    /// Whether the store holds no answers.
    pub fn is_empty(&self) -> bool {
        self.meta.answers == 0
    }

    /// All answer vectors, row-major (`len() * dim()` values).
    pub fn answers(&self) -> &[f32] {
        self.answers.as_deref().map_or(&[], as_f32s)
    }

    /// The vector of answer `i` (0-based, `responses.jsonl` order).
    pub fn answer(&self, i: usize) -> &[f32] {
        let d = self.meta.dim;
        &self.answers()[i * d..(i + 1) * d]
    }

    /// All sentence vectors, row-major.
    pub fn sentences(&self) -> &[f32] {
        self.sentences.as_deref().map_or(&[], as_f32s)
    }

    /// The range of sentence vectors that belong to answer `i`.
    pub fn sentence_range(&self, i: usize) -> std::ops::Range<usize> {
        let at = |k: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&self.idx[k * 8..k * 8 + 8]);
            u64::from_le_bytes(b) as usize
        };
        at(i)..at(i + 1)
    }

    /// The vector of sentence `j` (global sentence index).
    pub fn sentence(&self, j: usize) -> &[f32] {
        let d = self.meta.dim;
        &self.sentences()[j * d..(j + 1) * d]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_vectors_and_sentence_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = StoreWriter::create(dir.path(), 2, "test").unwrap();
        w.push(&[1.0, 0.0], &[vec![0.5, 0.5], vec![0.0, 1.0]])
            .unwrap();
        w.push(&[0.0, 1.0], &[]).unwrap();
        let meta = w.finish().unwrap();
        assert_eq!((meta.answers, meta.sentences), (2, 2));
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.answer(1), &[0.0, 1.0]);
        assert_eq!(s.sentence_range(0), 0..2);
        assert_eq!(s.sentence_range(1), 2..2);
        assert_eq!(s.sentence(1), &[0.0, 1.0]);
    }
}
