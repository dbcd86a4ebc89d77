//! JSON Lines (.jsonl, .ndjson): one JSON object per line, streamed. The keys of the first
//! object are the columns; a later line missing a key has a blank cell there, and keys the
//! first object lacks are ignored.

use super::decode::{utf8_reader, CountingReader, TextEncoding};
use super::header::{Column, HeaderKind, Layout};
use super::source::{Cell, RawBody, RawRow, RowFault, RowSource};
use super::IngestError;
use crate::error::IoResultExt;
use serde_json::{Map, Value};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Lines read while looking for the first object before giving up on the file.
const MAX_LEADING_BAD_LINES: usize = 1000;

/// A streaming reader of a JSON Lines file.
pub(crate) struct JsonlSource {
    path: PathBuf,
    reader: BufReader<Box<dyn Read + Send>>,
    keys: Vec<String>,
    /// Rows parsed while looking for the first object.
    pending: VecDeque<RawRow>,
    line: u64,
    buf: Vec<u8>,
    bytes: Arc<AtomicU64>,
}

/// A parsed line: an object, or why it is not one.
enum Line {
    Blank,
    Object(Map<String, Value>),
    Bad(String),
}

/// Opens `path` and takes the columns from its first JSON object line.
pub(crate) fn open(
    path: &Path,
    encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<(JsonlSource, Layout, TextEncoding), IngestError> {
    let file = File::open(path).at(path)?;
    let bytes = Arc::new(AtomicU64::new(0));
    let (text, encoding) = utf8_reader(CountingReader::new(file, bytes.clone()), encoding)
        .map_err(|e| e.into_ingest(path))?;
    let mut source = JsonlSource {
        path: path.to_path_buf(),
        reader: BufReader::with_capacity(64 * 1024, text),
        keys: Vec::new(),
        pending: VecDeque::new(),
        line: 0,
        buf: Vec::new(),
        bytes,
    };
    let first = loop {
        if source.pending.len() >= MAX_LEADING_BAD_LINES {
            return Err(IngestError::NoHeader {
                path: path.to_path_buf(),
            });
        }
        match source.read_line()? {
            None => {
                return Err(IngestError::NoHeader {
                    path: path.to_path_buf(),
                })
            }
            Some(Line::Blank) => {}
            Some(Line::Bad(reason)) => source.pending.push_back(RawRow {
                row: source.line,
                body: RawBody::Fault(RowFault {
                    column: None,
                    reason,
                }),
            }),
            Some(Line::Object(object)) => break object,
        }
    };
    source.keys = first.keys().cloned().collect();
    let row = RawRow {
        row: source.line,
        body: source.cells(first),
    };
    source.pending.push_back(row);
    let columns = source
        .keys
        .iter()
        .map(|k| Column {
            name: k.clone(),
            aliases: Vec::new(),
        })
        .collect();
    Ok((
        source,
        Layout {
            kind: HeaderKind::Plain,
            columns,
        },
        encoding,
    ))
}

impl JsonlSource {
    /// Reads and parses the next line; `None` at end of input.
    fn read_line(&mut self) -> Result<Option<Line>, IngestError> {
        self.buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .at(&self.path)?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        let line = self.line;
        let Ok(text) = std::str::from_utf8(&self.buf) else {
            return Ok(Some(Line::Bad(format!(
                "invalid UTF-8 on line {line}; re-save the file as UTF-8"
            ))));
        };
        if text.trim().is_empty() {
            return Ok(Some(Line::Blank));
        }
        Ok(Some(match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(object)) => Line::Object(object),
            Ok(other) => Line::Bad(format!(
                "line {line} is a JSON {}, not an object; each line must be one JSON object",
                kind(&other)
            )),
            Err(e) => Line::Bad(format!(
                "line {line} is not valid JSON ({e}); each line must be one JSON object"
            )),
        }))
    }

    fn cells(&self, mut object: Map<String, Value>) -> RawBody {
        RawBody::Cells(
            self.keys
                .iter()
                .map(|k| to_cell(object.remove(k)))
                .collect(),
        )
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn to_cell(value: Option<Value>) -> Cell {
    match value {
        None | Some(Value::Null) => Cell::Empty,
        Some(Value::String(s)) if s.is_empty() => Cell::Empty,
        Some(Value::String(s)) => Cell::Text(s),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) => Cell::Number(f),
            None => Cell::Text(n.to_string()),
        },
        Some(Value::Bool(b)) => Cell::Text(b.to_string()),
        // Nested values are kept as their JSON text so nothing is lost.
        Some(other) => Cell::Text(other.to_string()),
    }
}

impl RowSource for JsonlSource {
    fn next_row(&mut self) -> Result<Option<RawRow>, IngestError> {
        if let Some(row) = self.pending.pop_front() {
            return Ok(Some(row));
        }
        loop {
            let body = match self.read_line()? {
                None => return Ok(None),
                Some(Line::Blank) => continue,
                Some(Line::Object(object)) => self.cells(object),
                Some(Line::Bad(reason)) => RawBody::Fault(RowFault {
                    column: None,
                    reason,
                }),
            };
            return Ok(Some(RawRow {
                row: self.line,
                body,
            }));
        }
    }

    fn bytes_read(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}
