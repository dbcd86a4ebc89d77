//! Delimited text (CSV, TSV, semicolon and pipe files), streamed record by record.
//!
//! Fields are read as bytes and checked for UTF-8 one by one, so a single bad field rejects
//! its row and reading goes on.

use super::decode::{utf8_reader, CountingReader};
use super::header::{self, Layout};
use super::source::{Cell, RawBody, RawRow, RowFault, RowSource};
use super::IngestError;
use csv::ByteRecord;
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
    reader: csv::Reader<Box<dyn Read + Send>>,
    /// Records read ahead for header detection that turned out to be data.
    pending: VecDeque<ByteRecord>,
    record: ByteRecord,
    names: Vec<String>,
    row: u64,
    bytes: Arc<AtomicU64>,
}

/// Opens `path`, sniffs encoding and delimiter (a `.tsv` file is tab-delimited), and reads
/// the header.
pub(crate) fn open(path: &Path, tsv: bool) -> Result<(CsvSource, Layout), IngestError> {
    let io_err = |source: io::Error| IngestError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io_err)?;
    let bytes = Arc::new(AtomicU64::new(0));
    let (mut text, _encoding) =
        utf8_reader(CountingReader::new(file, bytes.clone())).map_err(io_err)?;

    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    text.by_ref()
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)
        .map_err(io_err)?;
    let delimiter = if tsv {
        b'\t'
    } else {
        sniff_delimiter(&sample, sample.len() < SAMPLE_BYTES)
    };
    let stream: Box<dyn Read + Send> = Box::new(io::Cursor::new(sample).chain(text));
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(64 * 1024)
        .from_reader(stream);

    let mut source = CsvSource {
        path: path.to_path_buf(),
        reader,
        pending: VecDeque::new(),
        record: ByteRecord::new(),
        names: Vec::new(),
        row: 0,
        bytes,
    };
    for _ in 0..HEADER_LOOKAHEAD {
        match source.read_record()? {
            Some(record) => source.pending.push_back(record),
            None => break,
        }
    }
    let head: Vec<Vec<String>> = source
        .pending
        .iter()
        .map(|r| {
            r.iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect()
        })
        .collect();
    let layout = header::detect(&head).ok_or_else(|| IngestError::NoHeader {
        path: path.to_path_buf(),
    })?;
    source
        .pending
        .drain(..layout.kind.rows().min(source.pending.len()));
    source.names = layout.columns.iter().map(|c| c.name.clone()).collect();
    Ok((source, layout))
}

impl CsvSource {
    /// Reads the next record into `self.record`; false at end of input.
    fn read_into(&mut self) -> Result<bool, IngestError> {
        self.reader
            .read_byte_record(&mut self.record)
            .map_err(|e| IngestError::Read {
                path: self.path.clone(),
                source: io::Error::other(format!("after data row {}: {e}", self.row)),
            })
    }

    fn read_record(&mut self) -> Result<Option<ByteRecord>, IngestError> {
        Ok(self.read_into()?.then(|| self.record.clone()))
    }

    fn to_body(&self, record: &ByteRecord) -> RawBody {
        if record.len() != self.names.len() {
            return RawBody::Fault(RowFault {
                column: None,
                reason: format!(
                    "row has {} fields but the header has {}; check for a stray quote or \
                     delimiter in this row",
                    record.len(),
                    self.names.len()
                ),
            });
        }
        let mut cells = Vec::with_capacity(record.len());
        for (i, field) in record.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok("") => cells.push(Cell::Empty),
                Ok(s) => cells.push(Cell::Text(s.to_string())),
                Err(_) => {
                    return RawBody::Fault(RowFault {
                        column: Some(i),
                        reason: format!(
                            "invalid UTF-8 in column {}; re-save the file as UTF-8",
                            self.names[i]
                        ),
                    })
                }
            }
        }
        RawBody::Cells(cells)
    }
}

impl RowSource for CsvSource {
    fn next_row(&mut self) -> Result<Option<RawRow>, IngestError> {
        let body = if let Some(record) = self.pending.pop_front() {
            self.to_body(&record)
        } else if self.read_into()? {
            self.to_body(&self.record)
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
