//! Keyword snippets: the answer with the words that matched the query marked, cut to a
//! window around the densest run of matches.
//!
//! The answer is re-analyzed exactly as it was indexed (same words, same forms, in its
//! language), so a word is marked when any of its indexed forms is a query term: `המשלוח`
//! lights up for the query `משלוח`, `deliveries` for `delivery`.

use super::super::snippet::{Emphasis, Snippet};
use crate::index::analyzer::indexed_words;
use std::collections::HashSet;

/// Longest snippet, in characters.
pub const SNIPPET_CHARS: usize = 300;
/// Characters of context kept before the first marked word of a cut snippet.
const LEAD_CHARS: usize = 40;

/// The snippet of answer `text` (language `lang`) for the query terms `terms`.
pub fn snippet(text: &str, lang: &str, terms: &HashSet<String>) -> Snippet {
    let words = indexed_words(text, lang);
    let marked: Vec<(usize, usize)> = words
        .iter()
        .filter(|w| w.forms.iter().any(|f| terms.contains(f)))
        .map(|w| (w.word.start, w.word.end))
        .collect();
    let (from, to) = window(text, &marked);
    let lead = if from > 0 { "…" } else { "" };
    let shift = |i: usize| i - from + lead.len();
    Snippet {
        text: format!(
            "{lead}{}{}",
            &text[from..to],
            if to < text.len() { "…" } else { "" }
        ),
        marks: marked
            .iter()
            .filter(|&&(s, e)| s >= from && e <= to)
            .map(|&(s, e)| shift(s)..shift(e))
            .collect(),
        emphasis: Emphasis::Terms,
    }
}

/// Byte offset `n` characters after `from` (or the end).
fn chars_after(text: &str, from: usize, n: usize) -> usize {
    text[from..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(i, _)| from + i)
}

/// The byte range shown: the whole text when short, else [`SNIPPET_CHARS`] characters starting
/// a little before the marked word that begins the most marked words within the window; cuts
/// fall on spaces.
fn window(text: &str, marked: &[(usize, usize)]) -> (usize, usize) {
    if text.chars().count() <= SNIPPET_CHARS {
        return (0, text.len());
    }
    let span = SNIPPET_CHARS - LEAD_CHARS;
    let best = (0..marked.len())
        .max_by_key(|&i| {
            let limit = chars_after(text, marked[i].0, span);
            let n = marked[i..].iter().take_while(|m| m.1 <= limit).count();
            (n, std::cmp::Reverse(i))
        })
        .map(|i| marked[i].0);
    let from = match best {
        None => 0,
        Some(start) => {
            let before = text[..start].chars().count();
            let back = text
                .char_indices()
                .nth(before.saturating_sub(LEAD_CHARS))
                .map_or(0, |(i, _)| i);
            if back == 0 {
                0
            } else {
                // Start after a space so no word is cut.
                text[back..start].find(' ').map_or(start, |i| back + i + 1)
            }
        }
    };
    let mut to = chars_after(text, from, SNIPPET_CHARS);
    if to < text.len() {
        if let Some(i) = text[from..to].rfind(' ').filter(|&i| i > 0) {
            to = from + i;
        }
    }
    (from, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(t: &[&str]) -> HashSet<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn marks_prefixed_forms_and_escapes() {
        let s = snippet("<i>והמשלוח</i> איחר & נשבר", "he", &terms(&["משלוח"]));
        assert_eq!(&s.text[s.marks[0].clone()], "והמשלוח");
        assert_eq!(
            s.html(),
            "&lt;i&gt;<b>והמשלוח</b>&lt;/i&gt; איחר &amp; נשבר"
        );
    }

    #[test]
    fn long_answers_are_cut_around_the_matches() {
        let text = format!(
            "{} late delivery again {}",
            "word ".repeat(100),
            "tail ".repeat(100)
        );
        let s = snippet(&text, "en", &terms(&["delivery"])).html();
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("late <b>delivery</b> again"));
        assert!(s.chars().count() <= SNIPPET_CHARS + 2 + 7);
        // No match: the beginning.
        let s = snippet(&text, "en", &terms(&["zzz"])).html();
        assert!(s.starts_with("word word") && s.ends_with('…'));
    }
}
