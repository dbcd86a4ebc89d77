//! The text analyzer of the keyword index: [`super::words`] segmentation and folding plus the
//! [`super::variants`] forms, as tantivy tokens.
//!
//! Answers are indexed pre-tokenized ([`index_tokens`]) because the stemmer depends on the
//! answer's language, which tantivy's per-field analyzers cannot see. The same analysis is
//! registered as the field's tantivy tokenizer ([`TOKENIZER`], language-neutral: no stems) so
//! that tantivy tools reading the index tokenize the field compatibly.

use super::variants::{index_forms, stem, stem_language};
use super::words::{self, Word};
use tantivy::tokenizer::{Language, Token, TokenStream, Tokenizer};
use tantivy::Index;

/// Name of the registered tokenizer of the text field.
pub const TOKENIZER: &str = "verbatim";

/// A word of an answer with every form the index stores for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedWord {
    /// The word and its span in the answer.
    pub word: Word,
    /// Its indexed forms, surface form first.
    pub forms: Vec<String>,
}

/// The words of an answer in language `lang` with their indexed forms.
pub fn indexed_words(text: &str, lang: &str) -> Vec<IndexedWord> {
    words::words(text)
        .into_iter()
        .map(|word| {
            let forms = index_forms(&word.folded, lang);
            IndexedWord { word, forms }
        })
        .collect()
}

/// The tokens of an answer: one position per word; a word's forms share its position and
/// offsets (like synonyms), so phrases still line up.
pub fn index_tokens(text: &str, lang: &str) -> Vec<Token> {
    let mut out = Vec::new();
    for (position, w) in indexed_words(text, lang).into_iter().enumerate() {
        for form in w.forms {
            out.push(Token {
                offset_from: w.word.start,
                offset_to: w.word.end,
                position,
                text: form,
                position_length: 1,
            });
        }
    }
    out
}

/// A word of a query, analyzed the way the index analyzes answers, minus the index-only
/// forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    /// The folded word as the index stores it (joiners removed).
    pub surface: String,
    /// Its pieces between ZWNJs (`می‌خواهم` -> `می`, `خواهم`), to also match the pieces
    /// written with a space; empty for most words.
    pub zwnj_parts: Vec<String>,
}

/// The words of a query text.
pub fn query_words(text: &str) -> Vec<QueryWord> {
    words::words(text)
        .into_iter()
        .map(|w| QueryWord {
            surface: words::surface(&w.folded),
            zwnj_parts: if w.folded.contains(words::ZWNJ) {
                w.folded
                    .split(words::ZWNJ)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect()
            } else {
                Vec::new()
            },
        })
        .collect()
}

/// The stems of a query word in each of `langs`, other than the word itself, without
/// duplicates.
pub fn query_stems(surface: &str, langs: &[Language]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for &l in langs {
        let s = stem(surface, l);
        if s != surface && !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The Snowball languages of a set of answer language codes.
pub fn stem_languages<'a>(langs: impl IntoIterator<Item = &'a str>) -> Vec<Language> {
    let mut out = Vec::new();
    for l in langs {
        if let Some(s) = stem_language(l) {
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// The language-neutral tantivy tokenizer of the text field ([`TOKENIZER`]).
#[derive(Debug, Clone, Default)]
pub struct VerbatimTokenizer;

/// Tokens of one text, handed out in order.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for VerbatimTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream {
            tokens: index_tokens(text, "und"),
            next: 0,
        }
    }
}

/// Registers [`TOKENIZER`] with an index (needed to write to it).
pub fn register(index: &Index) {
    index.tokenizers().register(TOKENIZER, VerbatimTokenizer);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_a_word_share_its_position_and_span() {
        let text = "שלום, והמשלוח איחר";
        let toks = index_tokens(text, "he");
        let at1: Vec<&Token> = toks.iter().filter(|t| t.position == 1).collect();
        assert!(at1.len() >= 3, "{at1:?}");
        assert!(at1.iter().any(|t| t.text == "משלוח"));
        assert!(at1
            .iter()
            .all(|t| &text[t.offset_from..t.offset_to] == "והמשלוח"));
        assert_eq!(toks.last().map(|t| t.position), Some(2));
    }

    #[test]
    fn query_and_answer_fold_the_same_way() {
        // Vowel marks, letter variants and ZWNJ as typed differently on each side.
        let pairs = [
            ("שָׁלוֹם", "שלום"),
            ("كيف", "کیف"),
            ("الْمُنْتَج", "المنتج"),
            ("می\u{200C}خواهم", "میخواهم"),
            ("ДОСТАВКА", "доставка"),
        ];
        for (answer, query) in pairs {
            let q = &query_words(query)[0].surface;
            assert!(
                index_tokens(answer, "und").iter().any(|t| &t.text == q),
                "{answer} vs {query}"
            );
        }
        assert_eq!(
            query_words("می\u{200C}خواهم")[0].zwnj_parts,
            ["می", "خواهم"]
        );
    }

    #[test]
    fn query_stems_cover_each_index_language() {
        let langs = stem_languages(["en", "ru", "he", "en"]);
        assert_eq!(langs, [Language::English, Language::Russian]);
        assert_eq!(query_stems("deliveries", &langs), ["deliveri"]);
        assert!(query_stems("משלוח", &langs).is_empty());
    }

    #[test]
    fn registered_tokenizer_matches_index_tokens() {
        let mut t = VerbatimTokenizer;
        let mut s = t.token_stream("Late deliveries");
        let mut got = Vec::new();
        while s.advance() {
            got.push(s.token().text.clone());
        }
        assert_eq!(got, ["late", "deliveries"]);
    }
}
