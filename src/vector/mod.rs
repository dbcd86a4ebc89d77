//! Approximate nearest-neighbour search over a run's answer vectors (`RUN_DIR/vectors/`).
//!
//! The index is an IVF (inverted file): spherical k-means splits the vectors into about
//! `sqrt(n)` lists; each vector is stored in its list as an int8 code of its residual from the
//! list centroid (one f32 scale per vector). A query scores the centroids, scans the codes of
//! the nearest lists (`probe`), keeps the best candidates and re-ranks them with the exact f32
//! vectors from the run's memory-mapped embedding store (`RUN_DIR/embeddings/`). Everything is
//! memory-mapped, so opening is instant and memory use stays at the page cache.
//!
//! Layout of `RUN_DIR/vectors/`:
//! - `meta.json`     [`VectorMeta`]
//! - `centroids.f32` `lists * dim` little-endian f32, normalized centroids
//! - `offsets.u64`   `lists + 1` little-endian u64: list `l` owns entries `off[l]..off[l+1]`
//! - `ids.u32`       little-endian u32 per entry: the answer's `seq`
//! - `scales.f32`    little-endian f32 per entry: residual = code * scale
//! - `codes.i8`      `dim` signed bytes per entry

mod build;
mod files;
mod index;
pub(crate) mod kernel;
pub(crate) mod kmeans;
pub(crate) mod ops;

pub use build::BuildOptions;
pub use index::{brute_force, VectorIndex};

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Format version written to `meta.json`; bumped when the layout changes.
pub const FORMAT_VERSION: u32 = 1;

/// Sizes and provenance of a vector index, kept in `meta.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorMeta {
    /// Layout version ([`FORMAT_VERSION`]).
    pub version: u32,
    /// Vector dimension.
    pub dim: usize,
    /// Number of indexed vectors (answers).
    pub count: u64,
    /// Number of inverted lists.
    pub lists: usize,
    /// Seed of the k-means training sample and initialization.
    pub seed: u64,
    /// Encoder name copied from the embedding store.
    pub model: String,
    /// The embedding store used for exact re-ranking, relative to the index folder.
    pub store: String,
}

/// Errors of the vector index.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    /// A file could not be read or written.
    #[error("vector index {0}")]
    Io(#[from] crate::error::IoError),
    /// The files are inconsistent or do not match the embedding store.
    #[error(
        "vector index {path} is damaged or stale: {why}; re-run `verbatim analyze` to rebuild it"
    )]
    Corrupt {
        /// The index folder.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The embedding store used for re-ranking could not be opened.
    #[error(transparent)]
    Store(#[from] crate::encode::store::StoreError),
}

impl VectorError {
    /// What kind of failure this is.
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            VectorError::Io(_) => crate::error::ErrorKind::Io,
            VectorError::Corrupt { .. } => crate::error::ErrorKind::Corrupt,
            VectorError::Store(e) => e.kind(),
        }
    }
}

#[cfg(test)]
mod tests;
