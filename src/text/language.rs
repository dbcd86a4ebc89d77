//! Language detection tuned for survey answers, many of them one or two words long.
//!
//! The script decides first ([`ScriptRules`]): Hebrew letters mean `he`, Hangul `ko`, kana
//! `ja`, Han alone `zh`. Arabic script is split into Persian, Urdu and Arabic by letters only
//! one of them uses, a short-answer lexicon and whatlang; Cyrillic into Russian, Ukrainian and
//! others the same way. Latin text goes to whatlang restricted to an allowlist of Latin-script
//! languages ([`LatinRules`]), with the lexicon deciding answers of up to three words, where
//! trigram statistics are unreliable. Unknown stays `und` with a low confidence.

use super::lexicon;
use super::normalize::for_model;
use super::script::{Script, ScriptCounts};
use serde::{Deserialize, Serialize};
use whatlang::{Detector, Lang};

/// A detected language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detected {
    /// ISO 639-1 code (`en`, `he`, `fa`, `ar`, `ru`, ...), or `und` when unknown.
    pub lang: String,
    /// Confidence in `[0, 1]`.
    pub confidence: f32,
}

impl Detected {
    fn new(lang: &str, confidence: f32) -> Detected {
        Detected {
            lang: lang.to_string(),
            confidence: confidence.clamp(0.0, 1.0),
        }
    }

    fn undetermined(confidence: f32) -> Detected {
        Detected::new("und", confidence)
    }
}

/// A language detector.
pub trait LanguageDetector: Send + Sync {
    /// Detects the language of `text`.
    fn detect(&self, text: &str) -> Detected;
}

/// Maps a whatlang language to ISO 639-1 (`und` for the few without a two-letter code).
pub fn iso639_1(lang: Lang) -> &'static str {
    match lang {
        Lang::Epo => "eo",
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Ben => "bn",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ukr => "uk",
        Lang::Kat => "ka",
        Lang::Ara => "ar",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Heb => "he",
        Lang::Yid => "yi",
        Lang::Pol => "pl",
        Lang::Amh => "am",
        Lang::Jav => "jv",
        Lang::Kor => "ko",
        Lang::Nob => "nb",
        Lang::Dan => "da",
        Lang::Swe => "sv",
        Lang::Fin => "fi",
        Lang::Tur => "tr",
        Lang::Nld => "nl",
        Lang::Hun => "hu",
        Lang::Ces => "cs",
        Lang::Ell => "el",
        Lang::Bul => "bg",
        Lang::Bel => "be",
        Lang::Mar => "mr",
        Lang::Kan => "kn",
        Lang::Ron => "ro",
        Lang::Slv => "sl",
        Lang::Hrv => "hr",
        Lang::Srp => "sr",
        Lang::Mkd => "mk",
        Lang::Lit => "lt",
        Lang::Lav => "lv",
        Lang::Est => "et",
        Lang::Tam => "ta",
        Lang::Vie => "vi",
        Lang::Urd => "ur",
        Lang::Tha => "th",
        Lang::Guj => "gu",
        Lang::Uzb => "uz",
        Lang::Pan => "pa",
        Lang::Aze => "az",
        Lang::Ind => "id",
        Lang::Tel => "te",
        Lang::Pes => "fa",
        Lang::Mal => "ml",
        Lang::Ori => "or",
        Lang::Mya => "my",
        Lang::Nep => "ne",
        Lang::Sin => "si",
        Lang::Khm => "km",
        Lang::Tuk => "tk",
        Lang::Aka => "ak",
        Lang::Zul => "zu",
        Lang::Sna => "sn",
        Lang::Afr => "af",
        Lang::Lat => "la",
        Lang::Slk => "sk",
        Lang::Cat => "ca",
        Lang::Tgl => "tl",
        Lang::Hye => "hy",
    }
}

/// Lower-cased words of a text (letters, digits, apostrophes; ZWNJ dropped) for lexicon
/// lookups.
fn words(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '\u{200C}'))
        .filter(|w| w.chars().any(char::is_alphabetic))
        .map(|w| w.replace('\u{200C}', ""))
        .collect()
}

/// whatlang restricted to `allow`: (ISO 639-1 code, confidence, reliable).
fn whatlang_among(text: &str, allow: &[Lang]) -> Option<(&'static str, f32, bool)> {
    Detector::with_allowlist(allow.to_vec())
        .detect(text)
        .map(|i| (iso639_1(i.lang()), i.confidence() as f32, i.is_reliable()))
}

/// Latin-script languages whatlang may answer for Latin text.
const LATIN: &[Lang] = &[
    Lang::Eng,
    Lang::Spa,
    Lang::Por,
    Lang::Ita,
    Lang::Fra,
    Lang::Deu,
    Lang::Nld,
    Lang::Tur,
    Lang::Pol,
    Lang::Swe,
    Lang::Dan,
    Lang::Nob,
    Lang::Fin,
    Lang::Ces,
    Lang::Ron,
    Lang::Hun,
    Lang::Ind,
    Lang::Vie,
];

/// Latin text: whatlang over `LATIN`, the lexicon for short answers.
pub struct LatinRules;

impl LanguageDetector for LatinRules {
    fn detect(&self, text: &str) -> Detected {
        let ws = words(text);
        let hits = lexicon::hits(&ws);
        let wl = whatlang_among(text, LATIN);
        let short = ws.len() <= 3;
        if short {
            if let Some(&(_, top)) = hits.first() {
                let tied: Vec<&str> = hits
                    .iter()
                    .filter(|(_, n)| *n == top)
                    .map(|(l, _)| *l)
                    .collect();
                if tied.len() == 1 {
                    let coverage = top as f32 / ws.len().max(1) as f32;
                    return Detected::new(tied[0], 0.5 + 0.4 * coverage);
                }
                // Shared words ("super", "no"): let the trigram model choose among them.
                if let Some((l, _, _)) = wl.filter(|(l, _, _)| tied.contains(l)) {
                    return Detected::new(l, 0.4);
                }
                return Detected::new(tied[0], 0.3);
            }
            return match wl {
                Some((l, c, true)) => Detected::new(l, c),
                Some((l, c, false)) if ws.len() >= 3 => Detected::new(l, c * 0.5),
                Some((_, c, false)) => Detected::undetermined(c * 0.2),
                None => Detected::undetermined(0.0),
            };
        }
        match wl {
            Some((l, c, _)) => {
                let of = |lang: &str| hits.iter().find(|(x, _)| *x == lang).map_or(0, |h| h.1);
                // A clear lexicon majority overrides a trigram guess on informal text; an
                // unsure trigram guess yields to any lexicon lead.
                match hits.first() {
                    Some(&(top, n)) if top != l && (n >= of(l) + 2 || (n > of(l) && c < 0.5)) => {
                        Detected::new(top, 0.6)
                    }
                    _ => Detected::new(l, c),
                }
            }
            None => match hits.first() {
                Some(&(l, _)) => Detected::new(l, 0.4),
                None => Detected::undetermined(0.1),
            },
        }
    }
}

fn count(text: &str, set: &[char]) -> usize {
    text.chars().filter(|c| set.contains(c)).count()
}

/// Arabic script: Urdu, Persian or Arabic.
pub struct ArabicRules;

impl LanguageDetector for ArabicRules {
    fn detect(&self, text: &str) -> Detected {
        // Letters of Urdu only (ٹ ڈ ڑ ں ے ھ ہ), of Persian (پ چ ژ گ ی ک and ZWNJ; Urdu also
        // uses them, so Urdu is checked first) and of Arabic (ي ى ك ة).
        let urdu = count(text, &['ٹ', 'ڈ', 'ڑ', 'ں', 'ے', 'ھ', 'ہ']);
        if urdu > 0 {
            return Detected::new("ur", 0.85);
        }
        let ws = words(text);
        let hits = lexicon::hits(&ws);
        let of = |lang: &str| hits.iter().find(|(x, _)| *x == lang).map_or(0, |h| h.1);
        let fa_letters = count(text, &['پ', 'چ', 'ژ', 'گ', 'ی', 'ک', '\u{200C}']);
        let ar_letters = count(text, &['ي', 'ى', 'ك', 'ة']);
        let wl = whatlang_among(text, &[Lang::Ara, Lang::Pes, Lang::Urd]);
        let mut fa = fa_letters as f32 + 2.0 * of("fa") as f32;
        let mut ar = ar_letters as f32 + 2.0 * of("ar") as f32;
        match wl {
            Some(("fa", c, _)) => fa += c,
            Some(("ar", c, _)) => ar += c,
            Some(("ur", c, true)) if fa == 0.0 && ar == 0.0 => return Detected::new("ur", c),
            _ => {}
        }
        let margin = (fa - ar).abs();
        let conf = (0.6 + 0.1 * margin).min(0.95);
        if fa > ar {
            Detected::new("fa", conf)
        } else if ar > fa {
            Detected::new("ar", conf)
        } else {
            Detected::new("ar", 0.4)
        }
    }
}

/// Cyrillic script: Russian, Ukrainian, Belarusian, Serbian, Macedonian, Bulgarian.
pub struct CyrillicRules;

impl LanguageDetector for CyrillicRules {
    fn detect(&self, text: &str) -> Detected {
        let lower = text.to_lowercase();
        let ru = count(&lower, &['ы', 'э', 'ъ', 'ё']);
        let uk = count(&lower, &['і', 'ї', 'є', 'ґ']);
        if count(&lower, &['ў']) > 0 {
            return Detected::new("be", 0.85);
        }
        if count(&lower, &['ђ', 'ћ', 'џ', 'љ', 'њ', 'ј']) > 0 {
            let wl = whatlang_among(text, &[Lang::Srp, Lang::Mkd]);
            return Detected::new(wl.map_or("sr", |w| w.0), 0.8);
        }
        if count(&lower, &['ѓ', 'ќ', 'ѕ']) > 0 {
            return Detected::new("mk", 0.85);
        }
        if uk > 0 && ru == 0 {
            return Detected::new("uk", 0.9);
        }
        if ru > 0 && uk == 0 {
            return Detected::new("ru", 0.9);
        }
        let ws = words(text);
        let hits = lexicon::hits(&ws);
        let wl = whatlang_among(text, &[Lang::Rus, Lang::Ukr, Lang::Bul]);
        if ws.len() <= 3 {
            if let Some(&(l, _)) = hits.first() {
                return Detected::new(l, 0.7);
            }
        }
        match wl {
            Some((l, c, true)) => Detected::new(l, c),
            Some((_, c, false)) => Detected::new("ru", c.max(0.3)),
            None => Detected::new("ru", 0.3),
        }
    }
}

/// The default detector: script rules, then the per-script rules above.
pub struct ScriptRules;

impl LanguageDetector for ScriptRules {
    fn detect(&self, text: &str) -> Detected {
        let text = for_model(text);
        let counts = ScriptCounts::of(&text);
        let letters = counts.total();
        let sure = if letters >= 3 { 0.95 } else { 0.8 };
        match counts.dominant() {
            None => Detected::undetermined(0.0),
            Some(Script::Hebrew) => Detected::new("he", sure),
            Some(Script::Hangul) => Detected::new("ko", sure),
            Some(Script::Kana) => Detected::new("ja", sure),
            Some(Script::Han) => Detected::new("zh", sure * 0.95),
            Some(Script::Greek) => Detected::new("el", sure),
            Some(Script::Thai) => Detected::new("th", sure),
            Some(Script::Armenian) => Detected::new("hy", sure),
            Some(Script::Georgian) => Detected::new("ka", sure),
            Some(Script::Devanagari) => {
                let wl = whatlang_among(&text, &[Lang::Hin, Lang::Mar, Lang::Nep]);
                Detected::new(wl.map_or("hi", |w| w.0), 0.8)
            }
            Some(Script::Arabic) => ArabicRules.detect(&text),
            Some(Script::Cyrillic) => CyrillicRules.detect(&text),
            Some(Script::Latin) => LatinRules.detect(&text),
            Some(Script::Other) => match whatlang::detect(&text) {
                Some(i) if i.is_reliable() => {
                    Detected::new(iso639_1(i.lang()), i.confidence() as f32)
                }
                _ => Detected::undetermined(0.1),
            },
        }
    }
}

/// Detects the language of an answer with [`ScriptRules`].
pub fn detect(text: &str) -> Detected {
    ScriptRules.detect(text)
}
