//! The analyze stage: mergeable aggregates of a run ([`stats::RunStats`]), NPS with confidence
//! intervals ([`nps`]), theme impact with bootstrap intervals ([`impact`]), key drivers by
//! Johnson's relative weights ([`drivers`]), suggestion detection ([`suggestion`]), ranked
//! improvement ideas ([`ideas`]), follow-up lists per theme owner ([`followup`]), and the
//! analyst's next questions: why NPS moved ([`compare`]), what is new or growing ([`trends`]),
//! segments against the rest ([`segments`]), with their tests ([`signif`]) over theme-set
//! counts (`slices`).
//!
//! Everything numeric is computed from [`stats::RunStats`], which holds counts only (no answers),
//! so shard runs merged with [`stats::RunStats::merge`] give exactly the numbers of one run over
//! the whole export.

pub mod compare;
pub mod drivers;
pub(crate) mod eigen;
pub mod followup;
pub mod ideas;
pub mod impact;
pub mod nps;
pub mod period;
pub mod segments;
pub mod signif;
pub(crate) mod slices;
pub mod stats;
pub mod suggestion;
pub mod themes;
pub mod trends;

use crate::error::ErrorKind;
use crate::record::ReadError;
use std::path::PathBuf;

/// Errors of the analyze stage.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] crate::error::IoError),
    /// A run file is not what `verbatim analyze` writes.
    #[error("{path}: {why}; re-run `verbatim analyze` to rewrite it")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong (line numbers are 1-based).
        why: String,
    },
    /// Two runs cannot be merged.
    #[error("cannot merge: {0}")]
    Mismatch(String),
    /// The embedding store of a run.
    #[error(transparent)]
    Store(#[from] crate::encode::store::StoreError),
    /// The vector index of a run.
    #[error(transparent)]
    Vector(#[from] crate::vector::VectorError),
    /// The search index of a run.
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    /// A bad option or an unusable input.
    #[error("{0}")]
    Usage(String),
}

impl From<ReadError> for AnalyzeError {
    fn from(e: ReadError) -> AnalyzeError {
        match e {
            ReadError::Io(e) => AnalyzeError::Io(e),
            ReadError::Corrupt { path, why } => AnalyzeError::Corrupt { path, why },
        }
    }
}

impl AnalyzeError {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AnalyzeError::Io(_) => ErrorKind::Io,
            AnalyzeError::Corrupt { .. } => ErrorKind::Corrupt,
            AnalyzeError::Mismatch(_) | AnalyzeError::Usage(_) => ErrorKind::User,
            AnalyzeError::Store(e) => e.kind(),
            AnalyzeError::Vector(e) => e.kind(),
            AnalyzeError::Index(e) => e.kind(),
        }
    }
}
