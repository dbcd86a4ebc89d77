//! Words and keyphrase terms of a sentence, for labelling themes and ideas: one tokenizer, so
//! a theme's keyphrases and an idea's label are cut the same way. (The keyword index has its
//! own segmentation with byte spans, [`crate::index::words`]; language detection lower-cases
//! words for its lexicons in [`crate::text::language`].)

use super::normalize::fold;

/// Folded word tokens of a sentence: runs of letters and digits, with ZWNJ (Persian) and
/// apostrophes kept inside words and trimmed at their ends; Hebrew niqqud and Arabic tashkeel
/// are dropped by [`fold`].
pub fn tokens(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !(c.is_alphanumeric() || c == '\u{200C}' || c == '\''))
        .map(|w| w.trim_matches(|c| c == '\u{200C}' || c == '\''))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Unigram and bigram terms of a sentence: the [`tokens`] for which `skip` is false, then
/// every pair of neighbouring tokens of which neither is skipped (a bigram never starts or
/// ends with a stop word).
pub fn terms(text: &str, skip: impl Fn(&str) -> bool) -> Vec<String> {
    let ws = tokens(text);
    let mut out: Vec<String> = ws.iter().filter(|w| !skip(w)).cloned().collect();
    for pair in ws.windows(2) {
        if !skip(&pair[0]) && !skip(&pair[1]) {
            out.push(format!("{} {}", pair[0], pair[1]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_persian_zwnj_and_skips_stop_words_in_bigrams() {
        assert_eq!(
            tokens("'Late' delivery, می\u{200C}خواهم!"),
            ["late", "delivery", "می\u{200C}خواهم"]
        );
        let t = terms("the late delivery", |w| w == "the");
        assert_eq!(t, ["late", "delivery", "late delivery"]);
    }
}
