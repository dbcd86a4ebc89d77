//! HTML snippets of semantic hits: the escaped answer with the sentence nearest to the query
//! marked, so an analyst sees why a Hebrew answer matched an English query.

pub use crate::html::escape as escape_html;
use crate::record::Response;

/// Longest snippet, in characters, before it is cut with an ellipsis.
pub const MAX_CHARS: usize = 600;

/// Cuts `s` to at most `max` characters (on a character boundary), adding `…` when cut.
fn cut(s: &str, max: usize) -> (&str, bool) {
    match s.char_indices().nth(max) {
        Some((i, _)) => (&s[..i], true),
        None => (s, false),
    }
}

/// The answer as escaped HTML with sentence `best` (an index into `r.sentences`) in `<mark>`;
/// no mark when the answer is a single sentence (the whole answer matched).
pub fn marked(r: &Response, best: Option<usize>) -> String {
    let text = r.text.as_str();
    let span = best
        .filter(|_| r.sentences.len() > 1)
        .and_then(|b| r.sentences.get(b))
        .filter(|s| s.start < s.end && s.end <= text.len())
        .filter(|s| text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
    let Some(s) = span else {
        let (t, more) = cut(text, MAX_CHARS);
        return escape_html(t) + if more { "…" } else { "" };
    };
    // Keep the marked sentence in view: start the snippet at most a few sentences before it.
    let (before, mid, after) = (&text[..s.start], &text[s.start..s.end], &text[s.end..]);
    let lead: String = {
        let n = before.chars().count();
        if n > 200 {
            let skip = before.char_indices().nth(n - 200).map_or(0, |(i, _)| i);
            format!("…{}", escape_html(&before[skip..]))
        } else {
            escape_html(before)
        }
    };
    let (tail, more) = cut(after, MAX_CHARS.saturating_sub(mid.chars().count()).max(80));
    format!(
        "{lead}<mark>{}</mark>{}{}",
        escape_html(mid),
        escape_html(tail),
        if more { "…" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape_html("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn cuts_long_text_on_a_char_boundary() {
        let s = "ש".repeat(700);
        let (t, more) = cut(&s, MAX_CHARS);
        assert!(more);
        assert_eq!(t.chars().count(), MAX_CHARS);
    }
}
