//! Word segmentation for the keyword index: where the words of a text are (byte spans into the
//! original text, so snippets can mark them) and their folded form (what is compared).
//!
//! One rule set serves every script, so a query and an answer always split the same way:
//! - a word is a run of letters and digits (any script), with combining marks (niqqud,
//!   tashkeel, Indic vowel signs) kept inside it;
//! - joiners inside a word keep it whole: ZWNJ/ZWJ (Persian `می‌خواهم`), and apostrophes and
//!   quotes between two letters (`don't`, `l'avion`, Hebrew `צ'יפס`, `צה"ל`);
//! - scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) give one
//!   word per character; a query of several such characters becomes a phrase, which matches
//!   the same character sequence.

use crate::text::normalize;
use unicode_normalization::char::is_combining_mark;

/// Zero-width non-joiner (Persian half-space).
pub const ZWNJ: char = '\u{200C}';
/// Zero-width joiner.
const ZWJ: char = '\u{200D}';

/// A word of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Byte offset of the first character in the original text.
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
    /// The folded form ([`fold_word`]).
    pub folded: String,
}

/// Whether `c` belongs to a script written without spaces between words.
fn unspaced(c: char) -> bool {
    matches!(c as u32,
        0x0E00..=0x0EFF              // Thai, Lao
        | 0x1000..=0x109F            // Myanmar
        | 0x1780..=0x17FF            // Khmer
        | 0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F // kana
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
    // Han
}

/// Characters that join two letters into one word when they stand between them.
fn is_inner_joiner(c: char) -> bool {
    matches!(
        c,
        '\'' | '"' | '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{05F3}' | '\u{05F4}' | ZWNJ | ZWJ
    )
}

/// Whether a joiner is one the folded word keeps as a part boundary (see [`parts`]).
pub fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '"' | ZWNJ | ZWJ)
}

/// The folded form of one word: [`normalize::fold`] (case, vowel marks, letter variants),
/// with whitespace that compatibility folding may introduce removed.
pub fn fold_word(raw: &str) -> String {
    if raw.bytes().all(|b| b.is_ascii_alphanumeric()) {
        // Same result as `fold` for plain ASCII words, without its allocations.
        return raw.to_ascii_lowercase();
    }
    let mut f = normalize::fold(raw);
    f.retain(|c| !c.is_whitespace());
    f
}

/// Byte spans of the words of `text`.
pub fn spans(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        if unspaced(c) {
            if let Some(s) = start.take() {
                out.push((s, i));
            }
            // The character and the marks that follow it.
            let mut end = i + c.len_utf8();
            while let Some(&(j, m)) = chars.peek() {
                if !is_combining_mark(m) {
                    break;
                }
                end = j + m.len_utf8();
                chars.next();
            }
            out.push((i, end));
            continue;
        }
        let letter = c.is_alphanumeric();
        match start {
            None if letter => start = Some(i),
            None => {}
            Some(_) if letter || is_combining_mark(c) => {}
            Some(s) => {
                let joins =
                    is_inner_joiner(c) && next.is_some_and(|n| n.is_alphanumeric() && !unspaced(n));
                if !joins {
                    out.push((s, i));
                    start = None;
                }
            }
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// The words of `text` with their folded forms (words that fold to nothing are skipped).
pub fn words(text: &str) -> Vec<Word> {
    spans(text)
        .into_iter()
        .filter_map(|(start, end)| {
            let folded = fold_word(&text[start..end]);
            (!folded.is_empty()).then_some(Word { start, end, folded })
        })
        .collect()
}

/// The form a folded word is matched by: ZWNJ and ZWJ removed, since Persian writers use a
/// half-space, a space or nothing between the same morphemes (`می‌خواهم`, `میخواهم`).
pub fn surface(folded: &str) -> String {
    folded.chars().filter(|&c| c != ZWNJ && c != ZWJ).collect()
}

/// The pieces of a folded word between its joiners (`کتاب‌ها` -> `کتاب`, `ها`;
/// `l'avion` -> `l`, `avion`); empty when the word has no joiner.
pub fn parts(folded: &str) -> Vec<&str> {
    if !folded.chars().any(is_joiner) {
        return Vec::new();
    }
    folded.split(is_joiner).filter(|p| !p.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.folded).collect()
    }

    #[test]
    fn splits_every_script_on_spaces_and_punctuation() {
        assert_eq!(
            folded("Late delivery, again! Доставка опоздала."),
            ["late", "delivery", "again", "доставка", "опоздала"]
        );
        assert_eq!(folded("המשלוח הגיע מאוחר."), ["המשלוח", "הגיע", "מאוחר"]);
        assert_eq!(folded("التوصيل تأخر كثيرا"), ["التوصیل", "تاخر", "کثیرا"]);
    }

    #[test]
    fn keeps_marks_and_joiners_inside_words() {
        // Niqqud and tashkeel stay in the word and fold away.
        assert_eq!(folded("שָׁלוֹם"), ["שלום"]);
        assert_eq!(folded("الْكِتَابُ"), ["الکتاب"]);
        // ZWNJ joins Persian morphemes; apostrophes join letters.
        let w = words("می\u{200C}خواهم don't 'quoted'");
        assert_eq!(w[0].folded, "می\u{200C}خواهم");
        assert_eq!(w[1].folded, "don't");
        assert_eq!(w[2].folded, "quoted");
        assert_eq!(surface(&w[0].folded), "میخواهم");
        assert_eq!(parts(&w[0].folded), ["می", "خواهم"]);
    }

    #[test]
    fn spans_point_into_the_original_text() {
        let text = "Hi «שָׁלוֹם» 東京";
        let w = words(text);
        assert_eq!(&text[w[1].start..w[1].end], "שָׁלוֹם");
        assert_eq!(
            w.iter().map(|w| w.folded.as_str()).collect::<Vec<_>>(),
            ["hi", "שלום", "東", "京"]
        );
    }
}
