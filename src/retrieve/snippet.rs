//! [`Snippet`]: the part of an answer a hit shows, with what matched marked as byte ranges,
//! and its one HTML rendering ([`Snippet::html`]; the CLI renders it for the terminal).
//!
//! Keyword hits mark the query's words (`keyword::highlight`); semantic hits mark
//! the sentence nearest to the query ([`marked`]), so an analyst sees why a Hebrew answer
//! matched an English query.

use crate::html::escape;
use crate::record::Response;
use std::ops::Range;

/// Longest semantic snippet, in characters, before it is cut with an ellipsis.
pub const MAX_CHARS: usize = 600;

/// What the marks of a snippet stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Emphasis {
    /// Words that match the query (HTML `<b>`).
    #[default]
    Terms,
    /// The passage nearest in meaning to the query (HTML `<mark>`).
    Passage,
}

/// The text a hit shows and what in it matched.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snippet {
    /// The answer or a window of it, as plain text, with `…` where it was cut.
    pub text: String,
    /// Byte ranges of `text` that matched: in order, not overlapping, on character boundaries.
    pub marks: Vec<Range<usize>>,
    /// What the marks stand for.
    pub emphasis: Emphasis,
}

impl Snippet {
    /// A snippet with nothing marked.
    pub fn plain(text: &str) -> Snippet {
        Snippet {
            text: text.to_string(),
            ..Snippet::default()
        }
    }

    /// The text in pieces, each with whether it is marked, in order; together they are
    /// `text`.
    pub fn pieces(&self) -> Vec<(&str, bool)> {
        let mut out = Vec::with_capacity(2 * self.marks.len() + 1);
        let mut at = 0;
        for m in &self.marks {
            if m.start > at {
                out.push((&self.text[at..m.start], false));
            }
            out.push((&self.text[m.clone()], true));
            at = m.end;
        }
        if at < self.text.len() || out.is_empty() {
            out.push((&self.text[at..], false));
        }
        out
    }

    /// As HTML: the text escaped, matched terms in `<b>`, a matched passage in `<mark>`.
    pub fn html(&self) -> String {
        let tag = match self.emphasis {
            Emphasis::Terms => "b",
            Emphasis::Passage => "mark",
        };
        let mut out = String::with_capacity(self.text.len() + 16);
        for (piece, marked) in self.pieces() {
            if marked {
                out.push_str(&format!("<{tag}>{}</{tag}>", escape(piece)));
            } else {
                out.push_str(&escape(piece));
            }
        }
        out
    }

    /// Serializes the snippet as its HTML (the `snippet_html` of the API and `search --json`).
    pub(crate) fn serialize_html<S: serde::Serializer>(
        s: &Snippet,
        ser: S,
    ) -> Result<S::Ok, S::Error> {
        ser.serialize_str(&s.html())
    }
}

/// Cuts `s` to at most `max` characters (on a character boundary), saying whether it cut.
fn cut(s: &str, max: usize) -> (&str, bool) {
    match s.char_indices().nth(max) {
        Some((i, _)) => (&s[..i], true),
        None => (s, false),
    }
}

/// The answer with sentence `best` (an index into `r.sentences`) marked as the passage; no
/// mark when the answer is a single sentence (the whole answer matched).
pub fn marked(r: &Response, best: Option<usize>) -> Snippet {
    let text = r.text.as_str();
    let span = best
        .filter(|_| r.sentences.len() > 1)
        .and_then(|b| r.sentences.get(b))
        .filter(|s| s.start < s.end && s.end <= text.len())
        .filter(|s| text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
    let Some(s) = span else {
        let (t, more) = cut(text, MAX_CHARS);
        return Snippet::plain(&(t.to_string() + if more { "…" } else { "" }));
    };
    // Keep the marked sentence in view: start the snippet at most a few sentences before it.
    let (before, mid, after) = (&text[..s.start], &text[s.start..s.end], &text[s.end..]);
    let mut shown = {
        let n = before.chars().count();
        if n > 200 {
            let skip = before.char_indices().nth(n - 200).map_or(0, |(i, _)| i);
            format!("…{}", &before[skip..])
        } else {
            before.to_string()
        }
    };
    let mark = shown.len()..shown.len() + mid.len();
    let (tail, more) = cut(after, MAX_CHARS.saturating_sub(mid.chars().count()).max(80));
    shown.push_str(mid);
    shown.push_str(tail);
    if more {
        shown.push('…');
    }
    Snippet {
        text: shown,
        marks: vec![mark],
        emphasis: Emphasis::Passage,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_the_text_and_marks_terms_or_a_passage() {
        let mut s = Snippet {
            text: "<i>late</i> & 'lost'".into(),
            marks: vec![3..7, 15..19],
            emphasis: Emphasis::Terms,
        };
        assert_eq!(
            s.html(),
            "&lt;i&gt;<b>late</b>&lt;/i&gt; &amp; &#39;<b>lost</b>&#39;"
        );
        s.emphasis = Emphasis::Passage;
        let whole = 0..s.text.len();
        s.marks = vec![whole];
        assert_eq!(
            s.html(),
            "<mark>&lt;i&gt;late&lt;/i&gt; &amp; &#39;lost&#39;</mark>"
        );
        assert_eq!(Snippet::plain("").html(), "");
        assert_eq!(Snippet::plain("a<b").pieces(), [("a<b", false)]);
    }

    #[test]
    fn cuts_long_text_on_a_char_boundary() {
        let s = "ש".repeat(700);
        let (t, more) = cut(&s, MAX_CHARS);
        assert!(more);
        assert_eq!(t.chars().count(), MAX_CHARS);
    }
}
