//! Ingest stage: reads a survey export (CSV/TSV, XLSX, JSONL) row by row and hands on validated
//! [`Record`]s or [`Reject`]s.
//!
//! [`Ingest`] is the public entry point; each format implements one internal trait
//! (`source::RowSource`) and shares header detection (`header`), column resolution, encoding
//! handling and row validation. Delimited and JSONL inputs stream in constant memory (apart from
//! the set of ids seen, needed to catch duplicates); spreadsheets are loaded by sheet.
//!
//! Row numbers are 1-based data row numbers (header rows excluded; for JSONL the line
//! number). Rows whose every cell is blank yield nothing but keep their number; empty lines of
//! delimited text are not rows at all (the CSV reader skips them).

mod chunks;
mod columns;
mod csv;
mod decode;
pub(crate) mod header;
mod jsonl;
mod source;
mod split;
mod validate;
mod xlsx;

pub use chunks::{Chunk, ChunkedIngest};
pub use header::HeaderKind;
pub use split::FieldLimits;

use crate::error::{ErrorKind, IoError};
use crate::record::{Record, Reject};
use crate::text::pii::PiiCounts;
use columns::Unresolved;
use source::{RawBody, RowSource};
use std::path::{Path, PathBuf};
use validate::{Roles, Validator};

/// Which columns hold what, as the user named them (header id, question text, Qualtrics
/// ImportId or SurveyMonkey "Question - Option"; case-insensitive), and how to read the text.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Column with the open-text answer (required).
    pub text_col: String,
    /// Column with the 0-10 score.
    pub score_col: Option<String>,
    /// Column with the respondent id; without it ids are `row-N`.
    pub id_col: Option<String>,
    /// Column with the response date.
    pub date_col: Option<String>,
    /// Columns to break results down by.
    pub segment_cols: Vec<String>,
    /// Encoding label of a delimited or JSONL file (`windows-1255`, `latin1`, ...); without it
    /// the encoding is detected.
    pub encoding: Option<String>,
    /// How far a quoted CSV field may run across lines before it counts as a stray quote.
    pub field_limits: FieldLimits,
    /// Keep personal data (`--keep-pii`); by default emails, phones, card numbers, IBANs and
    /// national ids are redacted from the answer and every column without a role
    /// ([`crate::text::pii`]).
    pub keep_pii: bool,
}

/// One data row's outcome.
#[derive(Debug, Clone, PartialEq)]
pub enum RowOutcome {
    /// The row is valid.
    Record(Record),
    /// The row was rejected, with the reason.
    Rejected(Reject),
}

/// Errors that stop ingest before (or while) reading rows. Each message names the file and
/// says what to fix.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The input file does not exist.
    #[error("input file {path} not found; check the path and the current directory")]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The file (or folder) could not be read.
    #[error("cannot read {0}; check that it is a readable file")]
    Read(#[from] IoError),
    /// The extension names no supported format.
    #[error(
        "{path}: unsupported file type {ext:?}; save the export as .csv, .tsv, .txt (delimited \
         text), .xlsx, .xlsm, .xls (spreadsheet) or .jsonl/.ndjson (one JSON object per line)"
    )]
    UnknownFormat {
        /// The input path.
        path: PathBuf,
        /// Its extension (empty when it has none).
        ext: String,
    },
    /// The file has no header row (it is empty, or its first row is blank).
    #[error(
        "{path} has no header row; the first row must name the columns (for JSONL: the file \
         must contain a JSON object line)"
    )]
    NoHeader {
        /// The input path.
        path: PathBuf,
    },
    /// A spreadsheet could not be opened.
    #[error("cannot open workbook {path}: {why}; check that it is an Excel file and not open-locked or password protected")]
    Workbook {
        /// The input path.
        path: PathBuf,
        /// The reader's explanation.
        why: String,
    },
    /// The file's text encoding is unknown or uncertain.
    #[error("{message}")]
    Encoding {
        /// The input path.
        path: PathBuf,
        /// Full explanation, naming the encoding and the option to pass.
        message: String,
    },
    /// A column named in the options is absent or ambiguous.
    #[error("{message}")]
    Column {
        /// The input path.
        path: PathBuf,
        /// The column as the user named it.
        column: String,
        /// Full explanation: the file, the available columns, the closest match.
        message: String,
    },
}

impl IngestError {
    /// What kind of failure this is: a missing or unreadable file is an I/O error, anything
    /// else about the export is the user's to fix (the message says how).
    pub fn kind(&self) -> ErrorKind {
        match self {
            IngestError::NotFound { .. } | IngestError::Read(_) => ErrorKind::Io,
            IngestError::UnknownFormat { .. }
            | IngestError::NoHeader { .. }
            | IngestError::Workbook { .. }
            | IngestError::Encoding { .. }
            | IngestError::Column { .. } => ErrorKind::User,
        }
    }
}

/// The input formats, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Delimited { tsv: bool },
    Spreadsheet,
    JsonLines,
}

impl Format {
    fn of(path: &Path) -> Result<Format, IngestError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" => Ok(Format::Delimited { tsv: false }),
            "tsv" | "tab" => Ok(Format::Delimited { tsv: true }),
            "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => Ok(Format::Spreadsheet),
            "jsonl" | "ndjson" => Ok(Format::JsonLines),
            _ => Err(IngestError::UnknownFormat {
                path: path.to_path_buf(),
                ext,
            }),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Format::Delimited { .. } => "csv",
            Format::Spreadsheet => "xlsx",
            Format::JsonLines => "jsonl",
        }
    }
}

/// A running ingest of one file: an iterator of [`RowOutcome`]s in file order.
pub struct Ingest {
    source: Box<dyn RowSource>,
    format: Format,
    kind: HeaderKind,
    encoding: Option<&'static str>,
    columns: Vec<String>,
    segment_columns: Vec<String>,
    validator: Validator,
    pii: Option<Redactor>,
    bytes_total: Option<u64>,
    last_row: u64,
    error: Option<IngestError>,
    done: bool,
}

impl std::fmt::Debug for Ingest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ingest")
            .field("format", &self.format)
            .field("kind", &self.kind)
            .field("columns", &self.columns)
            .field("last_row", &self.last_row)
            .finish_non_exhaustive()
    }
}

impl Ingest {
    /// Opens `path`, reads its header and resolves the columns named in `opts`.
    pub fn open(path: &Path, opts: &IngestOptions) -> Result<Ingest, IngestError> {
        let meta = std::fs::metadata(path).map_err(|source| {
            if source.kind() == std::io::ErrorKind::NotFound {
                IngestError::NotFound {
                    path: path.to_path_buf(),
                }
            } else {
                IoError::new(path, source).into()
            }
        })?;
        if meta.is_dir() {
            let folder = std::io::Error::other("it is a folder, not a file");
            return Err(IoError::new(path, folder).into());
        }
        let format = Format::of(path)?;
        let (source, layout, encoding) = open_source(path, format, meta.len(), opts)?;

        let find = |wanted: &str| -> Result<usize, IngestError> {
            columns::resolve(&layout.columns, wanted)
                .map_err(|why| column_error(path, wanted, why, &layout.columns))
        };
        let optional = |wanted: &Option<String>| wanted.as_deref().map(find).transpose();
        let roles = Roles {
            text: find(&opts.text_col)?,
            score: optional(&opts.score_col)?,
            id: optional(&opts.id_col)?,
            date: optional(&opts.date_col)?,
            segments: opts
                .segment_cols
                .iter()
                .map(|s| find(s))
                .collect::<Result<_, _>>()?,
        };
        let columns: Vec<String> = layout.columns.iter().map(|c| c.name.clone()).collect();
        let segment_columns = roles.segments.iter().map(|&i| columns[i].clone()).collect();
        let pii = (!opts.keep_pii).then(|| Redactor::new(&roles, &columns));
        let validator = Validator::new(roles, columns.clone(), format == Format::Spreadsheet);
        Ok(Ingest {
            source,
            format,
            kind: layout.kind,
            encoding,
            columns,
            segment_columns,
            validator,
            pii,
            bytes_total: Some(meta.len()),
            last_row: 0,
            error: None,
            done: false,
        })
    }

    /// Column names in file order (the keys of [`Record::fields`]).
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The input format: `"csv"` (any delimited text), `"xlsx"` (any spreadsheet) or `"jsonl"`.
    pub fn format(&self) -> &'static str {
        self.format.name()
    }

    /// The text encoding read (`UTF-8`, `UTF-16LE`, `windows-1255`, ...); `None` for
    /// spreadsheets.
    pub fn encoding(&self) -> Option<&'static str> {
        self.encoding
    }

    /// The header layout found (plain, Qualtrics, SurveyMonkey).
    pub fn header_kind(&self) -> HeaderKind {
        self.kind
    }

    /// Resolved names of the segment columns, in option order (the keys of
    /// [`Record::segments`]).
    pub fn segment_columns(&self) -> &[String] {
        &self.segment_columns
    }

    /// Size of the input file in bytes, for a progress bar.
    pub fn bytes_total(&self) -> Option<u64> {
        self.bytes_total
    }

    /// Input bytes consumed so far, for a progress bar.
    pub fn bytes_read(&self) -> u64 {
        self.source.bytes_read()
    }

    /// Personal data redacted so far, per kind (empty with `keep_pii`).
    pub fn pii_counts(&self) -> PiiCounts {
        self.pii
            .as_ref()
            .map(|p| p.counts.clone())
            .unwrap_or_default()
    }

    /// The error that stopped reading early (after the last row handed out), if any. Reading
    /// stops at an I/O error; the iterator then yields one last reject describing it.
    pub fn error(&self) -> Option<&IngestError> {
        self.error.as_ref()
    }

    /// Takes the error that stopped reading early, to hand it on.
    pub fn take_error(&mut self) -> Option<IngestError> {
        self.error.take()
    }
}

impl Iterator for Ingest {
    type Item = RowOutcome;

    fn next(&mut self) -> Option<RowOutcome> {
        if self.done {
            return None;
        }
        let next = loop {
            match self.source.next_row() {
                // A row with every cell blank is spacing (Excel's used range often ends in
                // some), not an answer: it yields nothing but keeps its row number, so
                // numbers still match a spreadsheet view.
                Ok(Some(raw)) if raw.is_blank() => self.last_row = raw.row,
                other => break other,
            }
        };
        match next {
            Ok(None) => {
                self.done = true;
                None
            }
            Ok(Some(raw)) => {
                self.last_row = raw.row;
                Some(match raw.body {
                    RawBody::Cells(cells) => match self.validator.check(raw.row, cells) {
                        Ok(mut record) => {
                            if let Some(p) = &mut self.pii {
                                p.redact(&mut record);
                            }
                            RowOutcome::Record(record)
                        }
                        Err(reject) => RowOutcome::Rejected(reject),
                    },
                    RawBody::Fault(fault) => RowOutcome::Rejected(Reject {
                        row: raw.row,
                        column: fault.column.and_then(|i| self.columns.get(i).cloned()),
                        reason: fault.reason,
                    }),
                })
            }
            Err(e) => {
                // Surface the failure in rejects.csv as well, so a truncated run is visible
                // to someone reading the run folder rather than only the terminal.
                self.done = true;
                let reject = Reject {
                    row: self.last_row + 1,
                    column: None,
                    reason: format!("reading stopped here: {e}"),
                };
                self.error = Some(e);
                Some(RowOutcome::Rejected(reject))
            }
        }
    }
}

/// Redacts personal data from a record's answer and the columns that have no role (id, score,
/// date and segment columns are left as they are), counting the finds.
struct Redactor {
    text_column: String,
    protected: Vec<String>,
    counts: PiiCounts,
}

impl Redactor {
    fn new(roles: &Roles, columns: &[String]) -> Redactor {
        let protected = [roles.score, roles.id, roles.date]
            .into_iter()
            .flatten()
            .chain(roles.segments.iter().copied())
            .map(|i| columns[i].clone())
            .collect();
        Redactor {
            text_column: columns[roles.text].clone(),
            protected,
            counts: PiiCounts::default(),
        }
    }

    fn redact(&mut self, record: &mut Record) {
        let (text, found) = crate::text::pii::redact(&record.text);
        self.counts.add(&found);
        record.text = text;
        for (name, value) in record.fields.iter_mut() {
            if self.protected.contains(name) {
                continue;
            }
            let (v, found) = crate::text::pii::redact(value);
            if *name != self.text_column {
                self.counts.add(&found);
            }
            *value = v;
        }
    }
}

/// A format's row source, its header layout and the text encoding used.
type Opened = (Box<dyn RowSource>, header::Layout, Option<&'static str>);

/// Opens the row source of `format`.
fn open_source(
    path: &Path,
    format: Format,
    len: u64,
    opts: &IngestOptions,
) -> Result<Opened, IngestError> {
    let encoding = match opts.encoding.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(label) => Some(
            encoding_rs::Encoding::for_label(label.as_bytes()).ok_or_else(|| {
                IngestError::Encoding {
                    path: path.to_path_buf(),
                    message: format!(
                        "--encoding {label:?} is not an encoding label; use e.g. utf-8, \
                         windows-1255 (Hebrew), windows-1256 (Arabic), windows-1252 (Western)"
                    ),
                }
            })?,
        ),
    };
    Ok(match format {
        Format::Delimited { tsv } => {
            let settings = csv::CsvSettings {
                tsv,
                encoding,
                limits: opts.field_limits,
            };
            let (s, l, e) = csv::open(path, &settings)?;
            (Box::new(s), l, Some(e.name()))
        }
        Format::Spreadsheet => {
            let (s, l) = xlsx::open(path, len)?;
            (Box::new(s), l, None)
        }
        Format::JsonLines => {
            let (s, l, e) = jsonl::open(path, encoding)?;
            (Box::new(s), l, Some(e.name()))
        }
    })
}

fn column_error(
    path: &Path,
    wanted: &str,
    why: Unresolved,
    columns: &[header::Column],
) -> IngestError {
    let file = path.display();
    let available = columns::available(columns);
    let message = match why {
        Unresolved::Missing {
            suggestion: Some(s),
        } => {
            format!("column \"{wanted}\" not found in {file}; did you mean \"{s}\"? available: {available}")
        }
        Unresolved::Missing { suggestion: None } => {
            format!("column \"{wanted}\" not found in {file}; available: {available}")
        }
        Unresolved::Ambiguous { matches } => format!(
            "column \"{wanted}\" is ambiguous in {file}: it matches {}; name one of them exactly",
            matches
                .iter()
                .map(|m| format!("\"{m}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    IngestError::Column {
        path: path.to_path_buf(),
        column: wanted.to_string(),
        message,
    }
}
