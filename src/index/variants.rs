//! Extra forms of a word that the index stores at the word's position, so a search for the
//! bare word finds its inflected or prefixed forms:
//!
//! - Hebrew: the one-letter prefixes ו ה ב ל ש מ כ attach to the next word and stack in a
//!   fixed order: ו (and), ש (that), one of ב כ ל מ (in, like, to, from), ה (the), as in
//!   `והמשלוח` = and + the + delivery. Prefix letters are peeled off in that order (leaving at
//!   least two letters) and every remainder is indexed, so `משלוח` finds `המשלוח` and
//!   `והמשלוח`. The order keeps `משלוח` itself from being read as מ + ש + `לוח` (board).
//! - Arabic script: clitics stack as conjunction (و ف), preposition (ب ك ل), article (ال;
//!   ل + ال is written لل), as in `وبالخدمة` = and + with + the + service. In Arabic each is
//!   peeled off in that order (a clitic only when three letters remain, the article when two
//!   remain) and every remainder is indexed; in Persian, Urdu and the like, where these
//!   letters start ordinary words, only an initial ال (Arabic loanwords) is. This is the prefix
//!   half of Larkey's "light10" stemmer, the usual baseline for Arabic retrieval.
//! - Joined words: the pieces between a ZWNJ or an apostrophe (`کتاب‌ها` -> `کتاب`;
//!   `l'avion` -> `avion`) and the word without its apostrophes (`don't` -> `dont`).
//! - Snowball stems (tantivy's [`Stemmer`]) in the answer's language, for the languages that
//!   have one (English, Russian, German, French, Spanish, ...). The stem is added next to the
//!   word, not instead of it, so exact forms still match and rank above stem-only matches; the
//!   query side adds the stems of its words in each stemmed language of the index (the query's
//!   language is unknown; a stem of a foreign word rarely collides with a real word).
//!   Arabic gets the prefix rules above instead of Snowball, whose Arabic rules expect the
//!   Arabic yeh and kaf that folding turned into their Persian forms.
//!
//! Only the index adds prefix-stripped forms; the query keeps the word as typed. Stripping on
//! the query side too would turn `בית` (house) into `ית` and match unrelated words.

use super::words::{self, ZWNJ};
use std::cell::RefCell;
use std::collections::HashMap;
use tantivy::tokenizer::{Language, RawTokenizer, Stemmer, TextAnalyzer};

/// Hebrew prefix letters in the order they stack; each slot is used at most once.
const HEBREW_PREFIX_SLOTS: [&[char]; 4] = [&['ו'], &['ש'], &['ב', 'כ', 'ל', 'מ'], &['ה']];
/// Arabic conjunctions and prepositions, after folding (ك is folded to ک).
const ARABIC_CONJUNCTIONS: [char; 2] = ['و', 'ف'];
const ARABIC_PREPOSITIONS: [char; 3] = ['ب', 'ک', 'ل'];

/// Languages written in Arabic script whose words are not Arabic clitic-prefixed.
const NON_ARABIC_ARABIC_SCRIPT: [&str; 6] = ["fa", "ur", "ps", "ku", "ckb", "sd"];

fn is_hebrew(c: char) -> bool {
    ('\u{05D0}'..='\u{05EA}').contains(&c)
}

fn is_arabic_script(c: char) -> bool {
    ('\u{0600}'..='\u{06FF}').contains(&c)
}

/// The Snowball stemmer for a language code, if tantivy has one (Arabic excluded, see the
/// module docs).
pub fn stem_language(lang: &str) -> Option<Language> {
    Some(match lang {
        "da" => Language::Danish,
        "nl" => Language::Dutch,
        "en" => Language::English,
        "fi" => Language::Finnish,
        "fr" => Language::French,
        "de" => Language::German,
        "el" => Language::Greek,
        "hu" => Language::Hungarian,
        "it" => Language::Italian,
        "no" | "nb" | "nn" => Language::Norwegian,
        "pt" => Language::Portuguese,
        "ro" => Language::Romanian,
        "ru" => Language::Russian,
        "es" => Language::Spanish,
        "sv" => Language::Swedish,
        "ta" => Language::Tamil,
        "tr" => Language::Turkish,
        _ => return None,
    })
}

thread_local! {
    /// One stemming analyzer per language and thread (`TextAnalyzer` streams need `&mut`).
    static STEMMERS: RefCell<HashMap<String, TextAnalyzer>> = RefCell::new(HashMap::new());
}

/// The Snowball stem of a folded (lower-case) word.
pub fn stem(word: &str, lang: Language) -> String {
    STEMMERS.with(|s| {
        let mut s = s.borrow_mut();
        let analyzer = s.entry(format!("{lang:?}")).or_insert_with(|| {
            TextAnalyzer::builder(RawTokenizer::default())
                .filter(Stemmer::new(lang))
                .build()
        });
        let mut stream = analyzer.token_stream(word);
        let mut out = word.to_string();
        stream.process(&mut |t| out = t.text.clone());
        out
    })
}

/// Remainders after peeling Hebrew prefix letters off `w`.
fn hebrew_stems(w: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = w.chars().collect();
    if !chars.first().copied().is_some_and(is_hebrew) {
        return;
    }
    let mut slot = 0;
    for (i, c) in chars.iter().enumerate() {
        let Some(found) =
            (slot..HEBREW_PREFIX_SLOTS.len()).find(|&k| HEBREW_PREFIX_SLOTS[k].contains(c))
        else {
            break;
        };
        if chars.len() - i - 1 < 2 {
            break;
        }
        out.push(chars[i + 1..].iter().collect());
        slot = found + 1;
    }
}

/// `stripped` (a word less a prefix) when it keeps at least `min` characters.
fn at_least(stripped: Option<&str>, min: usize) -> Option<&str> {
    stripped.filter(|r| r.chars().count() >= min)
}

/// Remainders after stripping Arabic clitics and article off `w`.
fn arabic_stems(w: &str, lang: &str, out: &mut Vec<String>) {
    if !w.chars().next().is_some_and(is_arabic_script) {
        return;
    }
    let mut rest = w;
    if !NON_ARABIC_ARABIC_SCRIPT.contains(&lang) {
        if let Some(r) = at_least(rest.strip_prefix(ARABIC_CONJUNCTIONS), 3) {
            out.push(r.to_string());
            rest = r;
        }
        if let Some(r) = at_least(rest.strip_prefix("لل"), 2) {
            out.push(r.to_string());
            return;
        }
        if let Some(r) = at_least(rest.strip_prefix(ARABIC_PREPOSITIONS), 3) {
            out.push(r.to_string());
            rest = r;
        }
    }
    if let Some(r) = at_least(rest.strip_prefix("ال"), 2) {
        out.push(r.to_string());
    }
}

/// Persian plural and possessive suffixes, longest first (folded spelling: Persian yeh).
const PERSIAN_SUFFIXES: &[&str] = &[
    "هایمان",
    "هایتان",
    "هایشان",
    "هایم",
    "هایت",
    "هایش",
    "های",
    "ها",
    "مان",
    "تان",
    "شان",
    "ام",
    "ات",
    "اش",
    "م",
    "ت",
    "ش",
];

/// Persian answers also index the word without a plural or possessive suffix, so the query
/// سفارش ("order") finds سفارشم ("my order") and سفارش‌ها ("orders"). Queries keep their
/// surface form, so a stripped form can only add matches for the bare word.
fn persian_stems(w: &str, lang: &str, out: &mut Vec<String>) {
    if lang != "fa" || !w.chars().next().is_some_and(is_arabic_script) {
        return;
    }
    if let Some(r) = PERSIAN_SUFFIXES
        .iter()
        .find_map(|s| w.strip_suffix(s))
        .filter(|r| r.chars().count() >= 3)
    {
        out.push(r.to_string());
    }
}

/// Every form the index stores for a folded word of an answer in `lang`: the surface form
/// first ([`words::surface`]), then the extra forms of the module docs, without duplicates.
pub fn index_forms(folded: &str, lang: &str) -> Vec<String> {
    let surface = words::surface(folded);
    let mut bases = vec![surface.clone()];
    for p in words::parts(folded) {
        if p.chars().count() >= 2 {
            bases.push(p.to_string());
        }
    }
    if folded.contains(['\'', '"']) {
        bases.push(
            surface
                .chars()
                .filter(|c| !matches!(c, '\'' | '"'))
                .collect(),
        );
    }
    let stemmer = stem_language(lang);
    let mut out = Vec::with_capacity(bases.len() * 2);
    for b in &bases {
        out.push(b.clone());
        hebrew_stems(b, &mut out);
        arabic_stems(b, lang, &mut out);
        persian_stems(b, lang, &mut out);
        if let Some(l) = stemmer {
            out.push(stem(b, l));
        }
    }
    let mut seen = std::collections::HashSet::with_capacity(out.len());
    out.retain(|f| !f.is_empty() && !f.contains(ZWNJ) && seen.insert(f.clone()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(forms: &[String], f: &str) -> bool {
        forms.iter().any(|x| x == f)
    }

    #[test]
    fn hebrew_prefixes_are_peeled_off() {
        let f = index_forms("והמשלוח", "he");
        assert_eq!(f[0], "והמשלוח");
        assert!(has(&f, "המשלוח") && has(&f, "משלוח"), "{f:?}");
        let f = index_forms("בבית", "he");
        assert!(has(&f, "בית"));
        assert!(has(&index_forms("שבמשלוח", "he"), "משלוח"));
        // Prefix order: מ then ש is not a prefix sequence.
        assert_eq!(index_forms("משלוח", "he"), ["משלוח", "שלוח"]);
        // Two letters stay.
        assert!(!index_forms("של", "he")
            .iter()
            .any(|x| x.chars().count() < 2));
    }

    #[test]
    fn arabic_article_and_clitics_are_stripped() {
        let f = index_forms("والتوصیل", "ar");
        assert!(has(&f, "توصیل") && has(&f, "التوصیل"), "{f:?}");
        assert!(has(&index_forms("بالمنتج", "ar"), "منتج"));
        assert!(has(&index_forms("وبالخدمه", "ar"), "خدمه"));
        assert!(has(&index_forms("للعملاء", "ar"), "عملاء"));
        // Persian: the article of a loanword goes, ordinary initial letters stay.
        assert!(has(&index_forms("الکترونیک", "fa"), "کترونیک"));
        assert_eq!(index_forms("بسیار", "fa"), ["بسیار"]);
    }

    #[test]
    fn persian_suffixes_are_stripped_for_the_index() {
        assert!(has(&index_forms("سفارشم", "fa"), "سفارش"));
        assert!(has(&index_forms("کتابها", "fa"), "کتاب"));
        // Too short a remainder stays whole.
        assert_eq!(index_forms("کمم", "fa"), ["کمم"]);
    }

    #[test]
    fn joined_words_index_their_pieces() {
        let f = index_forms("کتاب\u{200C}ها", "fa");
        assert_eq!(f[0], "کتابها");
        assert!(has(&f, "کتاب"));
        let f = index_forms("l'avion", "fr");
        assert!(has(&f, "avion") && has(&f, "l'avion"));
        assert!(has(&index_forms("don't", "en"), "dont"));
    }

    #[test]
    fn latin_and_cyrillic_words_get_their_stem() {
        assert!(has(
            &index_forms("deliveries", "en"),
            &stem("delivery", Language::English)
        ));
        assert!(has(
            &index_forms("доставки", "ru"),
            &stem("доставка", Language::Russian)
        ));
        // No stemmer: the word alone.
        assert_eq!(index_forms("סליחה", "he"), ["סליחה"]);
        assert_eq!(stem_language("he"), None);
    }
}
