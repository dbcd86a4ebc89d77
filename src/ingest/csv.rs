//! Delimited text (CSV, TSV, semicolon and pipe files), streamed record by record.
//!
//! Fields are read as bytes and checked for UTF-8 one by one, so a single bad field rejects
//! its row and reading goes on. Records come from [`super::split`], which gives a stray
//! quote's row up as one reject and reads the lines after it again as rows.

use super::decode::{utf8_reader, CountingReader, TextEncoding};
use super::header::{self, Layout};
use super::source::{Cell, RawBody, RawRow, RowFault, RowSource};
use super::split::{first_break, FieldLimits, Scanned, Splitter};
use super::IngestError;
use crate::error::IoResultExt;
use encoding_rs::Encoding;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Delimiters tried when sniffing, in order of preference on ties.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Bytes looked at to sniff the delimiter.
const SAMPLE_BYTES: usize = 64 * 1024;

/// Header rows read ahead to detect multi-row headers (Qualtrics has three).
const HEADER_LOOKAHEAD: usize = 3;

/// A streaming reader of a delimited file.
pub(crate) struct CsvSource {
    path: PathBuf,
    splitter: Splitter<Box<dyn Read + Send>>,
    /// Records read ahead for header detection that turned out to be data, with their bytes.
    pending: VecDeque<(Scanned, Vec<u8>)>,
    names: Vec<String>,
    row: u64,
    bytes: Arc<AtomicU64>,
}

/// How to read a delimited file.
pub(crate) struct CsvSettings {
    /// Tab-delimited regardless of content (`.tsv`).
    pub tsv: bool,
    /// Encoding given by the user (overrides detection).
    pub encoding: Option<&'static Encoding>,
    /// Limits of multi-line quoted fields.
    pub limits: FieldLimits,
}

/// Opens `path`, detects encoding and delimiter (a `.tsv` file is tab-delimited; Excel's
/// `sep=X` first line names it), and reads the header. Returns the encoding used too.
pub(crate) fn open(
    path: &Path,
    settings: &CsvSettings,
) -> Result<(CsvSource, Layout, TextEncoding), IngestError> {
    let file = File::open(path).at(path)?;
    let bytes = Arc::new(AtomicU64::new(0));
    let (mut text, encoding) =
        utf8_reader(CountingReader::new(file, bytes.clone()), settings.encoding)
            .map_err(|e| e.into_ingest(path))?;

    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    text.by_ref()
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)
        .at(path)?;
    let (excel_sep, skip) = excel_separator(&sample);
    let delimiter = match excel_sep {
        Some(d) => d,
        None if settings.tsv => b'\t',
        None => sniff_delimiter(&sample, sample.len() < SAMPLE_BYTES),
    };
    sample.drain(..skip);
    let stream: Box<dyn Read + Send> = Box::new(io::Cursor::new(sample).chain(text));
    let mut source = CsvSource {
        path: path.to_path_buf(),
        splitter: Splitter::new(stream, delimiter, settings.limits),
        pending: VecDeque::new(),
        names: Vec::new(),
        row: 0,
        bytes,
    };
    for _ in 0..HEADER_LOOKAHEAD {
        match source.read_record()? {
            Some(record) => {
                let raw = source.splitter.last_raw().to_vec();
                source.pending.push_back((record, raw));
            }
            None => break,
        }
    }
    let head: Vec<Vec<String>> = source.pending.iter().map(|p| lossy_fields(&p.0)).collect();
    let layout = header::detect(&head).ok_or_else(|| IngestError::NoHeader {
        path: path.to_path_buf(),
    })?;
    source
        .pending
        .drain(..layout.kind.rows().min(source.pending.len()));
    source.names = layout.columns.iter().map(|c| c.name.clone()).collect();
    Ok((source, layout, encoding))
}

fn lossy_fields(s: &Scanned) -> Vec<String> {
    match s {
        Scanned::Record { fields, .. } => fields
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect(),
        Scanned::Stray { .. } => Vec::new(),
    }
}

/// Excel's `sep=X` first line: the delimiter it names and the bytes of the line to skip.
pub(crate) fn excel_separator(sample: &[u8]) -> (Option<u8>, usize) {
    let line_end = sample
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(sample.len());
    let line = sample[..line_end]
        .strip_suffix(b"\r")
        .unwrap_or(&sample[..line_end]);
    match line {
        [b's' | b'S', b'e' | b'E', b'p' | b'P', b'=', d] if !d.is_ascii_alphanumeric() => {
            (Some(*d), (line_end + 1).min(sample.len()))
        }
        _ => (None, 0),
    }
}

impl CsvSource {
    fn read_record(&mut self) -> Result<Option<Scanned>, IngestError> {
        let row = self.row;
        let after = |e| io::Error::other(format!("after data row {row}: {e}"));
        Ok(self.splitter.next_record().map_err(after).at(&self.path)?)
    }

    /// The row's cells or its fault; `raw` (the bytes of a record read ahead) lets a broken
    /// multi-line record give its later lines back to be read as rows.
    fn body_of(&mut self, scanned: Scanned, raw: Option<Vec<u8>>) -> RawBody {
        let (fields, lines, span_at) = match scanned {
            Scanned::Record {
                fields,
                lines,
                span_at,
            } => (fields, lines, span_at),
            Scanned::Stray { column, reason } => {
                return RawBody::Fault(RowFault {
                    column: Some(column).filter(|&c| c < self.names.len()),
                    reason,
                })
            }
        };
        if fields.len() != self.names.len() {
            return RawBody::Fault(self.ragged(fields.len(), (lines, span_at), raw));
        }
        let mut cells = Vec::with_capacity(fields.len());
        for (i, field) in fields.into_iter().enumerate() {
            match String::from_utf8(field) {
                Ok(s) if s.is_empty() => cells.push(Cell::Empty),
                Ok(s) => cells.push(Cell::Text(s)),
                Err(_) => {
                    return RawBody::Fault(RowFault {
                        column: Some(i),
                        reason: format!(
                            "invalid UTF-8 in column {}; re-save the file as UTF-8 or pass \
                             --encoding LABEL",
                            self.names[i]
                        ),
                    })
                }
            }
        }
        RawBody::Cells(cells)
    }

    /// The fault of a record with the wrong number of fields; `span` is (line breaks in
    /// quoted fields, where the last quoted field spanning lines opened).
    fn ragged(&mut self, got: usize, span: (usize, usize), raw: Option<Vec<u8>>) -> RowFault {
        let want = self.names.len();
        let (lines, span_at) = span;
        if lines > 0 {
            // A quoted field ran across lines and the count came out wrong: a stray quote
            // took the next rows along. Give them back.
            match raw {
                None => self.splitter.resync_after(span_at),
                Some(raw) => self.unread_pending(raw, span_at),
            }
            return RowFault {
                column: None,
                reason: format!(
                    "stray quote: a quoted field opened in this row runs over {} more lines \
                     and gives {got} fields where the header has {want}; this row was skipped \
                     and the lines after it read as rows; remove the stray quote",
                    lines
                ),
            };
        }
        RowFault {
            column: None,
            reason: format!(
                "row has {got} fields but the header has {want}; check for a stray quote or \
                 delimiter in this row"
            ),
        }
    }
}

impl CsvSource {
    /// Gives back the lines of a record read ahead after the one holding its byte `at`, and
    /// the records read ahead after it, to be read again.
    fn unread_pending(&mut self, raw: Vec<u8>, at: usize) {
        let at = at.min(raw.len());
        let cut = first_break(&raw[at..]).map_or(raw.len(), |i| at + i + 1);
        let mut again = raw[cut..].to_vec();
        for (_, later) in self.pending.drain(..) {
            again.extend_from_slice(&later);
        }
        self.splitter.unread(again);
    }
}

impl RowSource for CsvSource {
    fn next_row(&mut self) -> Result<Option<RawRow>, IngestError> {
        let body = if let Some((record, raw)) = self.pending.pop_front() {
            self.body_of(record, Some(raw))
        } else if let Some(record) = self.read_record()? {
            self.body_of(record, None)
        } else {
            return Ok(None);
        };
        self.row += 1;
        Ok(Some(RawRow {
            row: self.row,
            body,
        }))
    }

    fn bytes_read(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}

/// Picks the delimiter whose count per record is non-zero and the same on the most records
/// of the sample (quote-aware); ties go to the higher count, then to the list order.
/// `complete` says the sample holds the whole file (otherwise its last record may be cut).
pub(crate) fn sniff_delimiter(sample: &[u8], complete: bool) -> u8 {
    let records = split_records(sample, complete, 50);
    let mut best = (b',', 0usize, 0usize);
    for &delimiter in &DELIMITERS {
        let counts: Vec<usize> = records
            .iter()
            .map(|r| count_unquoted(r, delimiter))
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first == 0 {
            continue;
        }
        let agreeing = counts.iter().filter(|&&c| c == first).count();
        if (agreeing, first) > (best.1, best.2) {
            best = (delimiter, agreeing, first);
        }
    }
    best.0
}

/// Splits a sample into at most `max` records at newlines outside quotes; blank lines dropped.
fn split_records(sample: &[u8], complete: bool, max: usize) -> Vec<&[u8]> {
    let mut records = Vec::new();
    let mut in_quotes = false;
    let mut start = 0;
    for (i, &b) in sample.iter().enumerate() {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' if !in_quotes => {
                let record = &sample[start..i];
                if !record.iter().all(|c| c.is_ascii_whitespace()) {
                    records.push(record);
                }
                start = i + 1;
                if records.len() == max {
                    return records;
                }
            }
            _ => {}
        }
    }
    if complete && start < sample.len() {
        records.push(&sample[start..]);
    }
    records
}

fn count_unquoted(record: &[u8], delimiter: u8) -> usize {
    let mut in_quotes = false;
    let mut count = 0;
    for &b in record {
        if b == b'"' {
            in_quotes = !in_quotes;
        } else if b == delimiter && !in_quotes {
            count += 1;
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_sep_line() {
        assert_eq!(excel_separator(b"sep=;\r\na;b\n"), (Some(b';'), 7));
        assert_eq!(excel_separator(b"SEP=|"), (Some(b'|'), 5));
        assert_eq!(excel_separator(b"sep,text\n"), (None, 0));
        assert_eq!(excel_separator(b"sep=ab\n"), (None, 0));
    }

    #[test]
    fn sniffs_common_delimiters() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n", true), b',');
        assert_eq!(
            sniff_delimiter(
                b"id;text;score\n1;\"hello, world\";9\n2;fine, thanks;7\n",
                true
            ),
            b';'
        );
        assert_eq!(sniff_delimiter(b"a\tb\n1\t2\n", true), b'\t');
        assert_eq!(sniff_delimiter(b"a|b|c\n1|2|3", true), b'|');
        assert_eq!(sniff_delimiter(b"text\nhello\n", true), b',');
        // A newline inside quotes does not split the record.
        assert_eq!(
            sniff_delimiter(b"id;text\n1;\"line one\nline, two\"\n2;ok\n", true),
            b';'
        );
    }
}
