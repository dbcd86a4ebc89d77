//! The one trait every input format implements: a stream of raw rows of typed cells.

use super::IngestError;
use chrono::NaiveDate;

/// One cell value as the file format gives it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// Blank cell, missing JSON key or JSON null.
    Empty,
    /// Text (CSV fields are always text).
    Text(String),
    /// A number (XLSX numeric cells, JSON numbers).
    Number(f64),
    /// A date typed as such by the format (XLSX date-formatted cells).
    Date(NaiveDate),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl Cell {
    /// The cell as text, as it would appear in a CSV export.
    pub(crate) fn to_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => format_number(*n),
            Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
        }
    }
}

/// Formats a number without a spurious `.0` on whole values (spreadsheets store 9 as 9.0).
pub(crate) fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A row's problem found while reading it (before validation), tied to a column index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RowFault {
    /// Index of the column at fault, when one is.
    pub column: Option<usize>,
    /// What is wrong and what to do.
    pub reason: String,
}

/// One row from a source.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum RawBody {
    /// Cells aligned with the source's columns (missing trailing cells are not allowed;
    /// sources report ragged rows as faults).
    Cells(Vec<Cell>),
    /// The row could not be read as cells.
    Fault(RowFault),
}

/// A row with its 1-based data row number.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawRow {
    /// 1-based data row number (header rows excluded; JSONL: the line number).
    pub row: u64,
    /// Cells or the fault.
    pub body: RawBody,
}

impl RawRow {
    /// Whether every cell is blank or whitespace (a spacer row, not an answer).
    pub(crate) fn is_blank(&self) -> bool {
        match &self.body {
            RawBody::Cells(cells) => cells.iter().all(|c| match c {
                Cell::Empty => true,
                Cell::Text(s) => s.trim().is_empty(),
                Cell::Number(_) | Cell::Date(_) => false,
            }),
            RawBody::Fault(_) => false,
        }
    }
}

/// A format-specific reader of data rows. Header rows are consumed when the source is
/// opened; the columns come with it.
pub(crate) trait RowSource: Send {
    /// The next data row, `Ok(None)` at the end; `Err` only for failures that stop reading
    /// (I/O errors), never for a bad row.
    fn next_row(&mut self) -> Result<Option<RawRow>, IngestError>;
    /// Bytes of the input consumed so far (for progress).
    fn bytes_read(&self) -> u64;
}
