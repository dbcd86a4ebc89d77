//! [`Row`]: one row of an HTML table of the report, header or body, built cell by cell, so
//! every table writes the same markup (`class="num"` right-aligns a number, `dir="auto"` lets
//! right-to-left text run its own way) and escapes text in one place.

use crate::html::escape as esc;
use std::fmt::{Display, Write};

/// A `<tr>` being built; [`Row::end`] appends it to the page.
pub(crate) struct Row {
    html: String,
    tag: &'static str,
}

impl Row {
    /// A header row (`<th>` cells).
    pub(crate) fn head() -> Row {
        Row {
            html: "<tr>".into(),
            tag: "th",
        }
    }

    /// A body row (`<td>` cells).
    pub(crate) fn body() -> Row {
        Row {
            html: "<tr>".into(),
            tag: "td",
        }
    }

    /// A cell with `attrs` (each with a leading space) holding `html` as is.
    pub(crate) fn cell(mut self, attrs: &str, html: impl Display) -> Row {
        let _ = write!(self.html, "<{}{attrs}>{html}</{}>", self.tag, self.tag);
        self
    }

    /// A cell holding `html` as is.
    pub(crate) fn plain(self, html: impl Display) -> Row {
        self.cell("", html)
    }

    /// A right-aligned cell holding `html` (a number, usually) as is.
    pub(crate) fn num(self, html: impl Display) -> Row {
        self.cell(" class=\"num\"", html)
    }

    /// Header cells from `spec`: labels separated by `|`, a label starting with `>` right-aligned
    /// (a number column), as in `"theme|>mentions|>share"`.
    pub(crate) fn labels(self, spec: &str) -> Row {
        spec.split('|')
            .fold(self, |row, l| match l.strip_prefix('>') {
                Some(l) => row.num(esc(l)),
                None => row.plain(esc(l)),
            })
    }

    /// A cell of user text, escaped, in its own direction.
    pub(crate) fn text(self, text: &str) -> Row {
        self.cell(" dir=\"auto\"", esc(text))
    }

    /// Opens a table with `attrs` on `s`, this row as its header.
    pub(crate) fn table(self, s: &mut String, attrs: &str) {
        let _ = write!(s, "<table{attrs}>");
        self.end(s);
    }

    /// Appends the row, closed, to `s`.
    pub(crate) fn end(self, s: &mut String) {
        s.push_str(&self.html);
        s.push_str("</tr>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_header_and_body_cells_escaping_text() {
        let mut s = String::new();
        Row::head().labels("theme|>mentions").end(&mut s);
        Row::body().text("<b>שירות</b>").num(12).end(&mut s);
        assert_eq!(
            s,
            "<tr><th>theme</th><th class=\"num\">mentions</th></tr>\
             <tr><td dir=\"auto\">&lt;b&gt;שירות&lt;/b&gt;</td><td class=\"num\">12</td></tr>"
        );
    }
}
