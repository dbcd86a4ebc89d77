//! `rejects.csv`: one line per rejected input row (`row,column,reason`).

use super::{create, OutputError};
use crate::error::IoResultExt;
use crate::record::Reject;
use crate::run::layout;
use crate::safe_csv::SafeCsv;
use std::fs::File;
use std::path::PathBuf;

/// Writes `RUN_DIR/rejects.csv`. The file and its header exist from `create` on, so an empty
/// rejects list is a file with only the header.
pub struct RejectsWriter {
    path: PathBuf,
    writer: SafeCsv<File>,
    count: u64,
}

impl RejectsWriter {
    /// Creates `dir/rejects.csv` (replacing an old one) and writes the header.
    pub fn create(dir: &std::path::Path) -> Result<RejectsWriter, OutputError> {
        let (path, file) = create(dir, layout::REJECTS)?;
        let mut writer = RejectsWriter {
            writer: SafeCsv::new(file),
            path,
            count: 0,
        };
        writer.record(["row", "column", "reason"])?;
        // Flushed at once so the header is on disk even if the run stops before finish.
        writer.writer.flush().at(&writer.path)?;
        Ok(writer)
    }

    fn record(&mut self, fields: [&str; 3]) -> Result<(), OutputError> {
        self.writer.row(fields).map_err(|source| OutputError::Csv {
            path: self.path.clone(),
            source,
        })
    }

    /// Appends one reject.
    pub fn write(&mut self, reject: &Reject) -> Result<(), OutputError> {
        let row = reject.row.to_string();
        self.record([&row, reject.column.as_deref().unwrap_or(""), &reject.reason])?;
        self.count += 1;
        Ok(())
    }

    /// Flushes the file; returns the number of rejects written.
    pub fn finish(mut self) -> Result<u64, OutputError> {
        self.writer.flush().at(&self.path)?;
        Ok(self.count)
    }
}
