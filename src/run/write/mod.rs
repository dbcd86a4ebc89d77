//! Writers of a run's row-level files: `rejects.csv` ([`RejectsWriter`]), `responses.jsonl`
//! ([`ResponsesWriter`]) and, with `--format parquet`, `responses.parquet` ([`ParquetWriter`]).
//! [`super::RunWriter`] creates them inside the run folder being written; nothing else does.
//!
//! Every writer follows the same life cycle: `create` (the file exists from then on), `write`
//! one item at a time (buffered, streaming), `finish` (flushes and returns the item count).
//! `rejects.csv` goes through [`crate::safe_csv::SafeCsv`], like every CSV the project writes.

mod error;
mod parquet;
mod rejects;
mod responses;

pub use error::OutputError;
pub use parquet::ParquetWriter;
pub use rejects::RejectsWriter;
pub use responses::ResponsesWriter;

use crate::error::IoResultExt;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Creates (or truncates) the run file `name` (a [`super::layout`] constant) in `dir`.
fn create(dir: &Path, name: &str) -> Result<(PathBuf, File), OutputError> {
    let path = dir.join(name);
    let file = File::create(&path).at(&path)?;
    Ok((path, file))
}

#[cfg(test)]
pub(crate) mod tests;
