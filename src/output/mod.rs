//! Writers of a run's row-level files: `rejects.csv` ([`RejectsWriter`]), `responses.jsonl`
//! ([`ResponsesWriter`]) and, with `--format parquet`, `responses.parquet` ([`ParquetWriter`]).
//!
//! Every writer follows the same life cycle: `create` (the file exists from then on), `write`
//! one item at a time (buffered, streaming), `finish` (flushes and returns the item count).
//!
//! Every CSV the project writes goes through [`SafeCsv`] (`safe_csv`), which neutralizes
//! cells a spreadsheet would run as formulas.

mod error;
mod parquet_file;
mod rejects;
mod responses;
pub(crate) mod safe_csv;

pub use error::OutputError;
pub use parquet_file::{ParquetWriter, PARQUET_FILE, ROWS_PER_GROUP};
pub use rejects::{RejectsWriter, REJECTS_FILE};
pub use responses::{ResponsesWriter, RESPONSES_FILE};
pub use safe_csv::SafeCsv;

#[cfg(test)]
mod tests;
