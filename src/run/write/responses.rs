//! `responses.jsonl`: one serde_json [`Response`] per line, in `seq` order.

use super::{create, OutputError};
use crate::error::IoResultExt;
use crate::record::Response;
use crate::run::layout;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes `RUN_DIR/responses.jsonl`, buffered.
pub struct ResponsesWriter {
    path: PathBuf,
    writer: BufWriter<File>,
    count: u64,
}

impl ResponsesWriter {
    /// Creates `dir/responses.jsonl` (replacing an old one).
    pub fn create(dir: &Path) -> Result<ResponsesWriter, OutputError> {
        Self::create_named(dir, layout::RESPONSES)
    }

    /// Creates `dir/name` (a [`layout`] file of answers in this format).
    pub fn create_named(dir: &Path, name: &str) -> Result<ResponsesWriter, OutputError> {
        let (path, file) = create(dir, name)?;
        Ok(ResponsesWriter {
            path,
            writer: BufWriter::with_capacity(256 * 1024, file),
            count: 0,
        })
    }

    /// Appends one response. Its `seq` must equal the number of responses written before it,
    /// which keeps line i aligned with vector i of the embedding store.
    pub fn write(&mut self, response: &Response) -> Result<(), OutputError> {
        if response.seq != self.count {
            return Err(OutputError::OutOfOrder {
                path: self.path.clone(),
                expected: self.count,
                got: response.seq,
            });
        }
        serde_json::to_writer(&mut self.writer, response).map_err(|source| OutputError::Json {
            path: self.path.clone(),
            source,
        })?;
        self.writer.write_all(b"\n").at(&self.path)?;
        self.count += 1;
        Ok(())
    }

    /// Flushes the file; returns the number of responses written.
    pub fn finish(mut self) -> Result<u64, OutputError> {
        self.writer.flush().at(&self.path)?;
        Ok(self.count)
    }
}
