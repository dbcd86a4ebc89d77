//! Spreadsheets (.xlsx, .xlsm, .xls): the first sheet, loaded by calamine (the format needs the
//! whole sheet in memory), then handed out row by row.

use super::header::{self, Layout};
use super::source::{Cell, RawBody, RawRow, RowSource};
use super::IngestError;
use calamine::{open_workbook_auto, Data, Range, Reader};
use chrono::NaiveDate;
use std::path::Path;

/// Rows of the first sheet of a workbook.
pub(crate) struct XlsxSource {
    range: Range<Data>,
    /// Index (within the range) of the next row to hand out.
    next: usize,
    first_data: usize,
    row: u64,
    file_size: u64,
}

/// Opens the workbook at `path` and reads the header of its first sheet.
pub(crate) fn open(path: &Path, file_size: u64) -> Result<(XlsxSource, Layout), IngestError> {
    let workbook_err = |why: String| IngestError::Workbook {
        path: path.to_path_buf(),
        why,
    };
    let mut workbook = open_workbook_auto(path).map_err(|e| workbook_err(e.to_string()))?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| workbook_err("the workbook has no sheets".into()))?
        .map_err(|e| workbook_err(e.to_string()))?;
    let width = range.width();
    let head: Vec<Vec<String>> = (0..range.height().min(3))
        .map(|r| {
            (0..width)
                .map(|c| to_cell(range.get((r, c))).to_text())
                .collect()
        })
        .collect();
    let layout = header::detect(&head).ok_or_else(|| IngestError::NoHeader {
        path: path.to_path_buf(),
    })?;
    let first_data = layout.kind.rows();
    Ok((
        XlsxSource {
            range,
            next: first_data,
            first_data,
            row: 0,
            file_size,
        },
        layout,
    ))
}

/// Converts a calamine cell; date-formatted numbers become dates.
fn to_cell(data: Option<&Data>) -> Cell {
    match data {
        None | Some(Data::Empty) => Cell::Empty,
        Some(Data::String(s)) if s.is_empty() => Cell::Empty,
        Some(Data::String(s)) | Some(Data::DateTimeIso(s)) | Some(Data::DurationIso(s)) => {
            Cell::Text(s.clone())
        }
        Some(Data::Float(f)) => Cell::Number(*f),
        Some(Data::Int(i)) => Cell::Number(*i as f64),
        Some(Data::Bool(b)) => Cell::from(if *b { "TRUE" } else { "FALSE" }),
        Some(Data::Error(e)) => Cell::Text(e.to_string()),
        Some(Data::DateTime(dt)) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            // Excel's phantom 1900-02-29 has no real date; keep the serial so that
            // validation reports it.
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
                .map(Cell::Date)
                .unwrap_or(Cell::Number(dt.as_f64()))
        }
        Some(Data::DateTime(dt)) => Cell::Number(dt.as_f64()),
    }
}

impl RowSource for XlsxSource {
    fn next_row(&mut self) -> Result<Option<RawRow>, IngestError> {
        if self.next >= self.range.height() {
            return Ok(None);
        }
        let r = self.next;
        let cells = (0..self.range.width())
            .map(|c| to_cell(self.range.get((r, c))))
            .collect();
        self.next += 1;
        self.row += 1;
        Ok(Some(RawRow {
            row: self.row,
            body: RawBody::Cells(cells),
        }))
    }

    /// The sheet is in memory once open; progress is the share of rows handed out, in bytes.
    fn bytes_read(&self) -> u64 {
        let total = self.range.height().saturating_sub(self.first_data);
        if total == 0 {
            return self.file_size;
        }
        let done = self.next.saturating_sub(self.first_data);
        (self.file_size as u128 * done as u128 / total as u128) as u64
    }
}
