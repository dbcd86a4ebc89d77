//! Sentence segmentation for Latin, Cyrillic, Hebrew, Arabic and Persian answers.
//!
//! [`RuleSplitter`] breaks after `.` `!` `?` `…`, the Arabic/Persian question mark `؟`,
//! semicolon `؛` and full stop `۔`, the CJK full stop and marks, and at line breaks. It does
//! not break inside decimal numbers (`3.5`), URLs and dotted forms (`example.com`, `z.B.`),
//! after known abbreviations (`e.g.`, `Mr.`, `т.е.`), single-letter initials, list numbers
//! (`1.`), or after an ellipsis that the sentence continues in lower case. Closing quotes and
//! brackets stay with the sentence they close, and a run of emoji after a terminator
//! ("Great app! 😍😍 But...") stays with the sentence before it. Pieces without letters,
//! digits or emoji (a stray `!!!` on its own line) join the previous sentence.

use std::ops::Range;

/// A sentence splitter.
pub trait SentenceSplitter: Send + Sync {
    /// Byte ranges of the sentences of `text`: trimmed, non-empty, in order.
    fn split(&self, text: &str) -> Vec<Range<usize>>;
}

/// The rule-based splitter described in the module docs.
pub struct RuleSplitter;

/// Abbreviations (lower-case, without their final dot) after which a `.` does not end a
/// sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "e.g", "i.e", "eg", "ie", "cf",
    "approx", "incl", "dept", "tel", "z.b", "d.h", "u.a", "bzw", "ca", "nr", "ggf", "evtl", "inkl",
    "bspw", "p.ej", "ej", "sra", "srta", "mme", "mlle", "т.е", "т.к", "т.н", "т.п", "др", "г",
    "ул", "им", "см", "напр",
];

fn is_terminator(c: char) -> bool {
    matches!(
        c,
        '.' | '!' | '?' | '…' | '؟' | '؛' | '۔' | '。' | '！' | '？' | '‼' | '⁉' | '⁈' | '⁇'
    )
}

fn is_closer(c: char) -> bool {
    matches!(
        c,
        '"' | '\'' | '”' | '’' | '»' | '›' | ')' | ']' | '}' | '）' | '」' | '』'
    )
}

fn is_line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{0085}')
}

/// Emoji and pictographic symbols (with their joiners and modifiers).
fn is_emoji(c: char) -> bool {
    let u = c as u32;
    !c.is_alphanumeric()
        && !c.is_whitespace()
        && !is_terminator(c)
        && (u >= 0x2190 || u == 0x200D || u == 0x20E3 || u == 0x00A9 || u == 0x00AE)
}

fn has_content(s: &str) -> bool {
    s.chars().any(|c| c.is_alphanumeric() || is_emoji(c))
}

/// `range` without surrounding whitespace (and bidi marks), or `None` when nothing is left.
fn trimmed(text: &str, range: Range<usize>) -> Option<Range<usize>> {
    let s = &text[range.clone()];
    let junk = |c: char| c.is_whitespace() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{FEFF}');
    let start = range.start + (s.len() - s.trim_start_matches(junk).len());
    let end = range.start + s.trim_end_matches(junk).len();
    (start < end).then_some(start..end)
}

impl RuleSplitter {
    /// Whether the `.` at char index `i` (a single dot) ends a sentence that began at byte
    /// `start`.
    fn dot_ends_sentence(text: &str, chars: &[(usize, char)], i: usize, start: usize) -> bool {
        let next = chars.get(i + 1).map(|x| x.1);
        // "3.5", "example.com", "z.B.": a dot glued to the next letter or digit.
        if next.is_some_and(|n| n.is_alphanumeric()) {
            return false;
        }
        let dot_at = chars[i].0;
        let before = &text[start..dot_at];
        let word = before
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("")
            .trim_start_matches(['(', '"', '\'', '«']);
        let lower = word.to_lowercase();
        if ABBREVIATIONS.contains(&lower.as_str()) {
            return false;
        }
        let mut wc = word.chars();
        if let (Some(c), None) = (wc.next(), wc.next()) {
            if c.is_uppercase() {
                return false; // an initial: "J. Smith"
            }
        }
        // A list number at the start of a sentence: "1. Price 2. Delivery".
        let so_far = before.trim();
        if !so_far.is_empty() && so_far.len() <= 3 && so_far.chars().all(|c| c.is_ascii_digit()) {
            return false;
        }
        true
    }
}

impl SentenceSplitter for RuleSplitter {
    fn split(&self, text: &str) -> Vec<Range<usize>> {
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let byte_at = |k: usize| chars.get(k).map_or(text.len(), |x| x.0);
        let mut pieces: Vec<Range<usize>> = Vec::new();
        let mut start = 0usize;
        let mut i = 0usize;
        while i < chars.len() {
            let c = chars[i].1;
            if is_line_break(c) {
                pieces.push(start..chars[i].0);
                start = byte_at(i + 1);
                i += 1;
                continue;
            }
            if !is_terminator(c) {
                i += 1;
                continue;
            }
            // The run of terminators and closing quotes/brackets: "?!", "...", ".)".
            let mut j = i;
            let mut dots = 0;
            let mut ellipsis = false;
            while j < chars.len() && (is_terminator(chars[j].1) || is_closer(chars[j].1)) {
                match chars[j].1 {
                    '.' => dots += 1,
                    '…' => ellipsis = true,
                    _ => {}
                }
                j += 1;
            }
            ellipsis |= dots >= 2;
            let run_is_single_dot = j == i + 1 && c == '.';
            let next_visible = chars[j..]
                .iter()
                .map(|x| x.1)
                .find(|c| !c.is_whitespace() || is_line_break(*c));
            let breaks = if run_is_single_dot {
                Self::dot_ends_sentence(text, &chars, i, start)
            } else {
                !(ellipsis && next_visible.is_some_and(|n| n.is_lowercase()))
            };
            if !breaks {
                i = j;
                continue;
            }
            // Emoji right after the terminator belong to the sentence they react to.
            let mut k = j;
            while k < chars.len() && chars[k].1.is_whitespace() && !is_line_break(chars[k].1) {
                k += 1;
            }
            let emoji_start = k;
            while k < chars.len() && is_emoji(chars[k].1) {
                k += 1;
            }
            let ends_run = k == chars.len() || chars[k].1.is_whitespace();
            let end_k = if k > emoji_start && ends_run { k } else { j };
            let end = byte_at(end_k);
            pieces.push(start..end);
            start = end;
            i = end_k;
        }
        pieces.push(start..text.len());
        sentences_of(text, pieces)
    }
}

/// The trimmed, non-empty pieces of `text` as sentences: a content-free piece (punctuation,
/// emoji) joins the sentence before it, or the first real sentence when it leads.
fn sentences_of(text: &str, pieces: Vec<Range<usize>>) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    // Start of leading content-free pieces, merged into the first real sentence.
    let mut pending: Option<usize> = None;
    for p in pieces {
        let Some(mut r) = trimmed(text, p) else {
            continue;
        };
        if !has_content(&text[r.clone()]) {
            match out.last_mut() {
                Some(last) => last.end = r.end,
                None => {
                    pending.get_or_insert(r.start);
                }
            }
            continue;
        }
        if let Some(s) = pending.take() {
            r.start = s;
        }
        out.push(r);
    }
    if let Some(s) = pending {
        // Nothing but punctuation: the whole trimmed text is the one sentence.
        out.extend(trimmed(text, s..text.len()));
    }
    out
}

/// Byte ranges of the sentences of `text` (trimmed, non-empty, into the original text), by
/// [`RuleSplitter`].
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    RuleSplitter.split(text)
}

/// Words that join contrasting clauses ("great staff but late delivery"), per language.
const CONTRAST: &[&str] = &[
    "but",
    "however",
    "although",
    "though",
    "אבל",
    "אך",
    "ولی",
    "اما",
    "ولیکن",
    "لكن",
    "ولكن",
    "но",
    "однако",
    "pero",
    "aunque",
    "aber",
    "doch",
    "jedoch",
    "mais",
    "cependant",
];

/// Clauses of one sentence for theme detection: pieces between commas, semicolons, colons
/// (Latin and Arabic forms) and before contrast words, each with at least two words. A sentence
/// that does not split returns nothing (the sentence itself is the unit).
pub fn clauses(sentence: &str) -> Vec<Range<usize>> {
    let mut cuts = vec![0];
    let mut word_start = None;
    for (i, c) in sentence.char_indices() {
        if matches!(c, ',' | ';' | ':' | '،' | '؛' | '—' | '–') {
            cuts.push(i + c.len_utf8());
            word_start = None;
            continue;
        }
        if c.is_alphabetic() {
            if word_start.is_none() {
                word_start = Some(i);
            }
        } else if let Some(s) = word_start.take() {
            let w = sentence[s..i].to_lowercase();
            let w = w
                .strip_prefix('و')
                .filter(|r| CONTRAST.contains(r))
                .unwrap_or(&w);
            if CONTRAST.contains(&w) && s > 0 {
                cuts.push(s);
            }
        }
    }
    if let Some(s) = word_start {
        let w = sentence[s..].to_lowercase();
        if CONTRAST.contains(&w.as_str()) && s > 0 {
            cuts.push(s);
        }
    }
    cuts.push(sentence.len());
    cuts.sort_unstable();
    cuts.dedup();
    let words = |r: &Range<usize>| {
        sentence[r.clone()]
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphabetic))
            .count()
    };
    let pieces: Vec<Range<usize>> = cuts
        .windows(2)
        .map(|w| w[0]..w[1])
        .filter(|r| words(r) >= 2)
        .collect();
    if pieces.len() < 2 {
        Vec::new()
    } else {
        pieces
    }
}
