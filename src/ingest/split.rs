//! Splits delimited text into records of fields (RFC 4180 quoting, lenient like the `csv`
//! crate), and recovers from stray quotes so that no physical row is swallowed.
//!
//! A quoted field may span lines, but only so far: a quote that never closes (the file ends
//! inside it), that closes on a later line in the middle of a field, or whose field runs past
//! [`FieldLimits`] is a stray quote. Its record's first line becomes one reject and the lines
//! after it are read again as records ([`Splitter::resync_after`]).

use std::io::{self, Read};

/// How far a quoted field may run across lines before it counts as a stray quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldLimits {
    /// Most line breaks inside one quoted field.
    pub max_lines: usize,
    /// Most characters in one quoted field that spans lines (single-line fields are unlimited:
    /// they cannot swallow other rows).
    pub max_chars: usize,
}

impl Default for FieldLimits {
    fn default() -> Self {
        FieldLimits {
            max_lines: 200,
            max_chars: 100_000,
        }
    }
}

/// One record read from the text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scanned {
    /// The record's fields; `lines` counts the line breaks inside quoted fields, and
    /// `span_at` is where (in the record's bytes) the last quoted field that spans lines
    /// opened.
    Record {
        fields: Vec<Vec<u8>>,
        lines: usize,
        span_at: usize,
    },
    /// A stray quote in `column`: the record's first line is given up, the rest read again.
    Stray { column: usize, reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Start,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// What one byte did to a record.
enum Step {
    More,
    End,
    /// A quote closed on a later line with more text right after it.
    BadClose,
}

/// The record being assembled.
struct Assembly {
    fields: Vec<Vec<u8>>,
    cur: Vec<u8>,
    state: State,
    started: bool,
    field_lines: usize,
    field_chars: usize,
    lines: usize,
    /// Bytes of the record stepped through so far.
    consumed: usize,
    /// Where (in the record's bytes) the last quoted field opened.
    quote_at: usize,
    /// Where the last quoted field that spans lines opened.
    span_at: usize,
}

impl Assembly {
    fn new() -> Self {
        Assembly {
            fields: Vec::new(),
            cur: Vec::new(),
            state: State::Start,
            started: false,
            field_lines: 0,
            field_chars: 0,
            lines: 0,
            consumed: 0,
            quote_at: 0,
            span_at: 0,
        }
    }

    fn end_field(&mut self) {
        self.fields.push(std::mem::take(&mut self.cur));
        self.state = State::Start;
    }

    fn step(&mut self, b: u8, delimiter: u8) -> Step {
        let newline = b == b'\n' || b == b'\r';
        self.consumed += 1;
        match self.state {
            State::Start | State::Unquoted if b == delimiter => self.end_field(),
            State::Start | State::Unquoted | State::QuoteInQuoted if newline => {
                self.end_field();
                return Step::End;
            }
            State::Start if b == b'"' => {
                self.state = State::Quoted;
                self.quote_at = self.consumed - 1;
                self.field_lines = 0;
                self.field_chars = 0;
            }
            State::Start | State::Unquoted => {
                self.cur.push(b);
                self.state = State::Unquoted;
            }
            State::Quoted if b == b'"' => self.state = State::QuoteInQuoted,
            State::Quoted => {
                self.cur.push(b);
                if b == b'\n' {
                    self.field_lines += 1;
                    self.lines += 1;
                    self.span_at = self.quote_at;
                }
                self.field_chars += (b & 0xC0 != 0x80) as usize;
            }
            State::QuoteInQuoted if b == b'"' => {
                self.cur.push(b'"');
                self.state = State::Quoted;
            }
            State::QuoteInQuoted if b == delimiter => self.end_field(),
            State::QuoteInQuoted if self.field_lines > 0 => return Step::BadClose,
            State::QuoteInQuoted => {
                // `"a"b` on one line: the text after the closing quote is kept, as the csv
                // crate does.
                self.cur.push(b);
                self.state = State::Unquoted;
            }
        }
        Step::More
    }

    /// Why the open quoted field counts as a stray quote, if it does.
    fn over(&self, limits: FieldLimits) -> Option<String> {
        if self.state != State::Quoted || self.field_lines == 0 {
            return None;
        }
        if self.field_lines > limits.max_lines {
            return Some(format!(
                "stray quote: a quoted field opened in this row runs past {} lines without \
                 closing; this row was skipped and the lines after it read as rows; close the \
                 quote, or raise --max-field-lines if an answer really is that long",
                limits.max_lines
            ));
        }
        (self.field_chars > limits.max_chars).then(|| {
            format!(
                "stray quote: a quoted field opened in this row runs past {} characters over \
                 several lines without closing; this row was skipped and the lines after it \
                 read as rows; close the quote, or raise --max-field-chars if an answer \
                 really is that long",
                limits.max_chars
            )
        })
    }
}

/// Reads records from a stream of UTF-8 (or byte-compatible) text.
pub(crate) struct Splitter<R> {
    input: R,
    buf: Vec<u8>,
    pos: usize,
    delimiter: u8,
    limits: FieldLimits,
    /// Bytes of the record being read (or last read), for [`Splitter::resync`].
    raw: Vec<u8>,
}

const CHUNK: usize = 64 * 1024;

impl<R: Read> Splitter<R> {
    /// A splitter of `input` on `delimiter`.
    pub(crate) fn new(input: R, delimiter: u8, limits: FieldLimits) -> Self {
        Splitter {
            input,
            buf: Vec::new(),
            pos: 0,
            delimiter,
            limits,
            raw: Vec::new(),
        }
    }

    fn byte(&mut self) -> io::Result<Option<u8>> {
        if self.pos == self.buf.len() {
            self.buf.resize(CHUNK, 0);
            self.pos = 0;
            let n = loop {
                match self.input.read(&mut self.buf) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.buf.clear();
                        return Err(e);
                    }
                }
            };
            self.buf.truncate(n);
            if n == 0 {
                return Ok(None);
            }
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        self.raw.push(b);
        Ok(Some(b))
    }

    /// The bytes of the record last read (empty after a stray quote).
    pub(crate) fn last_raw(&self) -> &[u8] {
        &self.raw
    }

    /// Puts `bytes` back in front of the input, to be read next.
    pub(crate) fn unread(&mut self, mut bytes: Vec<u8>) {
        bytes.extend_from_slice(&self.buf[self.pos..]);
        self.buf = bytes;
        self.pos = 0;
    }

    /// Puts the bytes of the last record after the line holding its byte `at` (where a stray
    /// quote opened) back in front of the input, so they are read again as records.
    pub(crate) fn resync_after(&mut self, at: usize) {
        let at = at.min(self.raw.len());
        let cut = first_break(&self.raw[at..]).map_or(self.raw.len(), |i| at + i + 1);
        let again = self.raw.split_off(cut);
        self.raw.clear();
        self.unread(again);
    }

    /// The next record, `None` at the end of the input. Empty lines are skipped.
    pub(crate) fn next_record(&mut self) -> io::Result<Option<Scanned>> {
        self.raw.clear();
        let mut rec = Assembly::new();
        loop {
            let Some(b) = self.byte()? else {
                return Ok(self.at_end(rec));
            };
            if !rec.started && (b == b'\n' || b == b'\r') {
                self.raw.clear();
                continue;
            }
            rec.started = true;
            let column = rec.fields.len();
            match rec.step(b, self.delimiter) {
                Step::End => return Ok(Some(record(rec))),
                Step::BadClose => {
                    return Ok(Some(self.stray(column, rec.quote_at, BAD_CLOSE.into())))
                }
                Step::More => {}
            }
            if let Some(reason) = rec.over(self.limits) {
                return Ok(Some(self.stray(column, rec.quote_at, reason)));
            }
        }
    }

    fn at_end(&mut self, mut rec: Assembly) -> Option<Scanned> {
        if !rec.started {
            return None;
        }
        let quoted = &self.raw[rec.quote_at.min(self.raw.len())..];
        let rest = first_break(quoted).map_or(&[][..], |i| &quoted[i + 1..]);
        if rec.state == State::Quoted && !rest.iter().all(|b| b.is_ascii_whitespace()) {
            return Some(self.stray(rec.fields.len(), rec.quote_at, UNCLOSED.into()));
        }
        rec.end_field();
        Some(record(rec))
    }

    fn stray(&mut self, column: usize, quote_at: usize, reason: String) -> Scanned {
        self.resync_after(quote_at);
        Scanned::Stray { column, reason }
    }
}

const UNCLOSED: &str = "stray quote: a quote opened in this row never closes (the file ends \
    inside it); this row was skipped and the lines after it read as rows; remove the stray \
    quote or close it";

const BAD_CLOSE: &str = "stray quote: a quote opened in this row closes on a later line in \
    the middle of a field; this row was skipped and the lines after it read as rows; remove \
    the stray quote or close it";

fn record(rec: Assembly) -> Scanned {
    Scanned::Record {
        fields: rec.fields,
        lines: rec.lines,
        span_at: rec.span_at,
    }
}

/// Index of the first line break (`\n`, else a lone `\r`).
pub(crate) fn first_break(raw: &[u8]) -> Option<usize> {
    raw.iter()
        .position(|&b| b == b'\n')
        .or_else(|| raw.iter().position(|&b| b == b'\r'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str, limits: FieldLimits) -> Vec<Scanned> {
        let mut s = Splitter::new(text.as_bytes(), b',', limits);
        std::iter::from_fn(|| s.next_record().unwrap()).collect()
    }

    fn fields(s: &Scanned) -> Vec<String> {
        match s {
            Scanned::Record { fields, .. } => fields
                .iter()
                .map(|f| String::from_utf8(f.clone()).unwrap())
                .collect(),
            Scanned::Stray { .. } => vec!["<stray>".into()],
        }
    }

    #[test]
    fn quoting_like_rfc_4180() {
        let got = split(
            "a,b\r\n\n\"x, \"\"y\"\"\",\"two\nlines\"\n\"a\"b,c\r",
            FieldLimits::default(),
        );
        let got: Vec<_> = got.iter().map(fields).collect();
        assert_eq!(
            got,
            [
                vec!["a", "b"],
                vec!["x, \"y\"", "two\nlines"],
                vec!["ab", "c"]
            ]
        );
    }

    #[test]
    fn unclosed_quote_gives_up_one_line() {
        let got = split("1,\"open\n2,b\n3,c\n", FieldLimits::default());
        let got: Vec<_> = got.iter().map(fields).collect();
        assert_eq!(got, [vec!["<stray>"], vec!["2", "b"], vec!["3", "c"]]);
        // A quote closing mid-field on a later line is stray too.
        let got = split("1,\"open\n2,\"b\"\n", FieldLimits::default());
        let got: Vec<_> = got.iter().map(fields).collect();
        assert_eq!(got, [vec!["<stray>"], vec!["2", "b"]]);
    }

    #[test]
    fn long_fields_hit_the_limits() {
        let limits = FieldLimits {
            max_lines: 2,
            max_chars: 1_000,
        };
        let got = split("1,\"a\nb\nc\nd\"\n2,x\n", limits);
        assert!(
            matches!(&got[0], Scanned::Stray { column: 1, reason } if reason.contains("2 lines"))
        );
        assert_eq!(got.iter().map(fields).collect::<Vec<_>>().len(), 5);
        let long = format!("1,\"a\n{}\"\n2,x\n", "y".repeat(2_000));
        let got = split(&long, limits);
        assert!(
            matches!(&got[0], Scanned::Stray { reason, .. } if reason.contains("1000 characters"))
        );
        // On one line any length is fine.
        let long = format!("1,\"{}\"\n", "y".repeat(2_000));
        assert_eq!(fields(&split(&long, limits)[0])[1].len(), 2_000);
    }
}
