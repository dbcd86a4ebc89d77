//! The one CSV writer for every CSV verbatim writes (`ideas.csv`, the report's `drivers.csv`,
//! `themes.csv` and `nps.csv`, `rejects.csv`, serve's export).
//!
//! Cells come from untrusted answers and column names, and a spreadsheet runs a cell that
//! starts with `=`, `+`, `-` or `@` as a formula (a tab or CR at the start can hide one). Such
//! a cell, header cells included, gets a leading apostrophe (`'=HYPERLINK(...)`), which
//! spreadsheets show as text. A plain number (`-12.5`, `+3`, `1e-3`) is left as it is: it is
//! not a formula, and a numeric column must stay numeric.

use std::borrow::Cow;
use std::io::Write;

/// `s` safe to open in a spreadsheet: a leading `'` when it could start a formula.
pub fn neutralize(s: &str) -> Cow<'_, str> {
    let risky = matches!(s.chars().next(), Some('=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && !is_number(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A plain decimal number such as `-12.5`, `+3` or `-1e-3` (no `inf`/`NaN` words).
fn is_number(s: &str) -> bool {
    s.parse::<f64>().is_ok()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
}

/// A CSV writer whose every cell goes through `neutralize`.
pub struct SafeCsv<W: Write> {
    inner: csv::Writer<W>,
}

impl<W: Write> SafeCsv<W> {
    /// Writes CSV to `w`.
    pub fn new(w: W) -> SafeCsv<W> {
        SafeCsv {
            inner: csv::Writer::from_writer(w),
        }
    }

    /// Writes one row (a header row too).
    pub fn row<I, S>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| neutralize(c.as_ref()).into_owned())
            .collect();
        self.inner.write_record(&cells)
    }

    /// Flushes buffered rows to the underlying writer.
    pub fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> Result<W, std::io::Error> {
        self.inner.into_inner().map_err(|e| e.into_error())
    }
}

/// Rows as CSV text in memory (header first).
pub fn to_string<S: AsRef<str>>(header: &[&str], rows: &[Vec<S>]) -> String {
    let mut w = SafeCsv::new(Vec::new());
    // Writing to memory cannot fail: Strings are valid UTF-8 and a Vec always takes bytes.
    let _ = w.row(header);
    for r in rows {
        let _ = w.row(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralizes_formula_starts_but_not_numbers() {
        for (cell, want) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-5 stars", "'-5 stars"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("-1+2", "'-1+2"),
            ("-inf", "'-inf"),
            ("fine", "fine"),
            ("", ""),
            ("-12.5", "-12.5"),
            ("+3", "+3"),
            ("-1e-3", "-1e-3"),
        ] {
            assert_eq!(neutralize(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn every_cell_of_every_row_goes_through_it() {
        let text = to_string(&["=head", "n"], &[vec!["@x", "-3"], vec!["ok", "=1+1"]]);
        assert_eq!(text, "'=head,n\n'@x,-3\nok,'=1+1\n");
    }
}
