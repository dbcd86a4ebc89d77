//! Text normalization: what the encoder sees ([`for_model`]) and what matching and indexing
//! compare ([`fold`]).
//!
//! Each step is a [`Normalizer`]; [`Sequence`] chains them. Folding decisions, all chosen so a
//! query typed on any keyboard, with or without vowel marks, matches the stored answer:
//! - Hebrew niqqud and cantillation (the combining marks of U+0591-U+05C7) are removed; the
//!   Hebrew punctuation in that block (maqaf U+05BE, paseq, sof pasuq, nun hafukha) is kept.
//! - Arabic tashkeel (U+064B-U+065F, U+0670), Quranic annotation marks (U+06D6-U+06ED) and
//!   tatweel (U+0640) are removed.
//! - Yeh forms ي ى ی become Persian yeh ی (U+06CC); kaf forms ك ک become keheh ک (U+06A9);
//!   alef forms أ إ آ ٱ become bare alef ا.
//! - Teh marbuta ة and heh with yeh ۀ become heh ه: users type them interchangeably at word
//!   ends, and search engines for Arabic treat them as one letter for matching.
//! - Arabic-Indic and Persian digits become ASCII digits; curly apostrophes and the Hebrew
//!   geresh become `'`, the Hebrew gershayim becomes `"`.
//! - ZWNJ (U+200C) is kept: in Persian it separates morphemes inside one word (می‌خواهم).

use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// One normalization step.
pub trait Normalizer: Send + Sync {
    /// Returns the normalized text.
    fn normalize(&self, text: &str) -> String;
}

/// Runs normalizers in order.
pub struct Sequence(pub Vec<Box<dyn Normalizer>>);

impl Normalizer for Sequence {
    fn normalize(&self, text: &str) -> String {
        let mut out = text.to_string();
        for n in &self.0 {
            out = n.normalize(&out);
        }
        out
    }
}

/// Unicode NFKC: compatibility forms (full-width letters, ligatures, presentation forms of
/// Arabic letters) become their plain letters.
pub struct Nfkc;

impl Normalizer for Nfkc {
    fn normalize(&self, text: &str) -> String {
        text.nfkc().collect()
    }
}

/// Removes control characters, bidi controls and byte-order marks; keeps whitespace (for
/// [`CollapseWhitespace`]), ZWNJ and ZWJ (ZWJ joins emoji sequences).
pub struct StripControls;

/// Whether a character is invisible formatting that carries no meaning for the encoder or
/// for matching.
fn is_noise_control(c: char) -> bool {
    if c.is_whitespace() {
        return false;
    }
    c.is_control()
        || matches!(c,
            '\u{200B}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{00AD}')
}

impl Normalizer for StripControls {
    fn normalize(&self, text: &str) -> String {
        text.chars().filter(|c| !is_noise_control(*c)).collect()
    }
}

/// Turns every run of whitespace (newlines included) into one space and trims both ends.
pub struct CollapseWhitespace;

impl Normalizer for CollapseWhitespace {
    fn normalize(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for word in text.split_whitespace() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        out
    }
}

/// Unicode lower-casing.
pub struct Lowercase;

impl Normalizer for Lowercase {
    fn normalize(&self, text: &str) -> String {
        text.to_lowercase()
    }
}

/// Removes Hebrew niqqud/cantillation and Arabic tashkeel/tatweel (see the module docs).
pub struct StripMarks;

/// Whether `c` is a Hebrew or Arabic vowel/cantillation mark or the tatweel.
pub fn is_strippable_mark(c: char) -> bool {
    matches!(c,
        '\u{0591}'..='\u{05BD}' | '\u{05BF}' | '\u{05C1}'..='\u{05C2}' | '\u{05C4}'..='\u{05C5}'
        | '\u{05C7}'
        | '\u{0610}'..='\u{061A}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}'
        | '\u{06D6}'..='\u{06DC}' | '\u{06DF}'..='\u{06E8}' | '\u{06EA}'..='\u{06ED}')
}

impl Normalizer for StripMarks {
    fn normalize(&self, text: &str) -> String {
        text.chars().filter(|c| !is_strippable_mark(*c)).collect()
    }
}

/// Unifies letter variants (yeh, kaf, alef, teh marbuta, digits, apostrophes; see the module
/// docs).
pub struct UnifyLetters;

/// The unified form of one character.
pub fn unify_char(c: char) -> char {
    match c {
        'ي' | 'ى' | 'ی' => 'ی',
        'ك' | 'ک' => 'ک',
        'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
        'ة' | 'ۀ' => 'ه',
        '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
        '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{05F3}' => '\'',
        '\u{05F4}' => '"',
        _ => c,
    }
}

impl Normalizer for UnifyLetters {
    fn normalize(&self, text: &str) -> String {
        text.chars().map(unify_char).collect()
    }
}

/// NFKC, control characters removed, whitespace collapsed: the start of every pipeline.
fn cleanup_steps() -> Vec<Box<dyn Normalizer>> {
    vec![
        Box::new(Nfkc),
        Box::new(StripControls),
        Box::new(CollapseWhitespace),
    ]
}

fn model_pipeline() -> &'static Sequence {
    static P: OnceLock<Sequence> = OnceLock::new();
    P.get_or_init(|| Sequence(cleanup_steps()))
}

fn fold_pipeline() -> &'static Sequence {
    static P: OnceLock<Sequence> = OnceLock::new();
    P.get_or_init(|| {
        let mut steps = cleanup_steps();
        steps.push(Box::new(Lowercase));
        steps.push(Box::new(StripMarks));
        steps.push(Box::new(UnifyLetters));
        Sequence(steps)
    })
}

/// What the encoder sees: NFKC, control characters removed, whitespace collapsed, trimmed.
pub fn for_model(text: &str) -> String {
    model_pipeline().normalize(text)
}

/// What matching and indexing compare: [`for_model`], lower-cased, vowel marks stripped and
/// letter variants unified (see the module docs for each decision). ZWNJ is kept.
pub fn fold(text: &str) -> String {
    fold_pipeline().normalize(text)
}
