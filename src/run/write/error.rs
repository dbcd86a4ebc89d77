//! The error type of the run-file writers.

use crate::error::{ErrorKind, IoError};
use std::path::PathBuf;

/// Errors writing run files. Each names the file and what to check.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The file could not be created, written or flushed.
    #[error(
        "cannot write {0}; check that the run folder exists and is writable, and free disk space"
    )]
    Io(#[from] IoError),
    /// The embedding store.
    #[error(transparent)]
    Store(#[from] crate::encode::store::StoreError),
    /// The keyword index.
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    /// A CSV record could not be written.
    #[error("cannot write {path}: {source}; check free disk space and permissions")]
    Csv {
        /// The file.
        path: PathBuf,
        /// The CSV error.
        source: csv::Error,
    },
    /// The vector index.
    #[error(transparent)]
    Vector(#[from] crate::vector::VectorError),
    /// A value could not be serialized as JSON.
    #[error("cannot write {path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The serializer error.
        source: serde_json::Error,
    },
    /// The statistics (`stats.json`).
    #[error(transparent)]
    Stats(#[from] crate::analyze::AnalyzeError),
    /// The Parquet encoder failed.
    #[error("cannot write {path}: {source}")]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The Parquet error.
        source: parquet::errors::ParquetError,
    },
    /// The run folder as a whole (provenance, putting the run in place).
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
    /// Responses must arrive in `seq` order (0, 1, 2, ...) so that line i matches vector i of
    /// the embedding store.
    #[error("{path}: response seq {got} written where seq {expected} was due; responses must be written in seq order")]
    OutOfOrder {
        /// The file.
        path: PathBuf,
        /// The seq due next.
        expected: u64,
        /// The seq received.
        got: u64,
    },
    /// A response's date is not `YYYY-MM-DD`.
    #[error("{path}: response seq {seq} has date {date:?}, not YYYY-MM-DD")]
    BadDate {
        /// The file.
        path: PathBuf,
        /// The response's seq.
        seq: u64,
        /// The date as found.
        date: String,
    },
}

impl OutputError {
    /// What kind of failure this is: answers out of order or with a malformed date are not
    /// what the pipeline writes, so a corrupt run.
    pub fn kind(&self) -> ErrorKind {
        match self {
            OutputError::Io(_)
            | OutputError::Csv { .. }
            | OutputError::Json { .. }
            | OutputError::Parquet { .. } => ErrorKind::Io,
            OutputError::OutOfOrder { .. } | OutputError::BadDate { .. } => ErrorKind::Corrupt,
            OutputError::Store(e) => e.kind(),
            OutputError::Index(e) => e.kind(),
            OutputError::Vector(e) => e.kind(),
            OutputError::Stats(e) => e.kind(),
            OutputError::Run(e) => e.kind(),
        }
    }
}
