//! Writing-system classification of characters and texts, the backbone of language detection
//! (the script alone settles Hebrew, Korean, Japanese; it narrows the rest).

/// A writing system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Script {
    /// Latin letters (ASCII and the Latin extension blocks).
    Latin,
    /// Cyrillic.
    Cyrillic,
    /// Greek.
    Greek,
    /// Hebrew.
    Hebrew,
    /// Arabic (Arabic, Persian, Urdu).
    Arabic,
    /// Chinese characters (also used in Japanese).
    Han,
    /// Japanese kana.
    Kana,
    /// Korean.
    Hangul,
    /// Thai.
    Thai,
    /// Devanagari (Hindi, Marathi, Nepali).
    Devanagari,
    /// Armenian.
    Armenian,
    /// Georgian.
    Georgian,
    /// Any other letter.
    Other,
}

/// The script of a letter, or `None` for digits, punctuation, symbols, spaces and marks.
pub fn of_char(c: char) -> Option<Script> {
    if !c.is_alphabetic() {
        return None;
    }
    let s = match c as u32 {
        0x0041..=0x024F | 0x1E00..=0x1EFF | 0x2C60..=0x2C7F | 0xA720..=0xA7FF => Script::Latin,
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
        0x0400..=0x052F | 0x1C80..=0x1C8F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        0x0530..=0x058F => Script::Armenian,
        0x0590..=0x05FF | 0xFB1D..=0xFB4F => Script::Hebrew,
        0x0600..=0x06FF | 0x0750..=0x077F | 0x08A0..=0x08FF | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
            Script::Arabic
        }
        0x0900..=0x097F => Script::Devanagari,
        0x0E00..=0x0E7F => Script::Thai,
        0x10A0..=0x10FF => Script::Georgian,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => Script::Hangul,
        0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => Script::Kana,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF => Script::Han,
        _ => Script::Other,
    };
    Some(s)
}

/// Letter counts per script of a text.
#[derive(Debug, Clone, Default)]
pub struct ScriptCounts {
    counts: Vec<(Script, usize)>,
}

impl ScriptCounts {
    /// Counts the letters of `text` by script.
    pub fn of(text: &str) -> ScriptCounts {
        let mut counts: Vec<(Script, usize)> = Vec::new();
        for s in text.chars().filter_map(of_char) {
            match counts.iter_mut().find(|(k, _)| *k == s) {
                Some((_, n)) => *n += 1,
                None => counts.push((s, 1)),
            }
        }
        ScriptCounts { counts }
    }

    /// Letters of script `s`.
    pub fn get(&self, s: Script) -> usize {
        self.counts
            .iter()
            .find(|(k, _)| *k == s)
            .map_or(0, |(_, n)| *n)
    }

    /// All letters.
    pub fn total(&self) -> usize {
        self.counts.iter().map(|(_, n)| n).sum()
    }

    /// The script with the most letters (ties go to the one seen first), `None` without
    /// letters. Kana outranks Han when present at all, because Japanese text mixes both and
    /// kana never appears in Chinese.
    pub fn dominant(&self) -> Option<Script> {
        if self.get(Script::Kana) > 0 {
            return Some(Script::Kana);
        }
        let mut best: Option<(Script, usize)> = None;
        for &(s, n) in &self.counts {
            if best.is_none_or(|(_, b)| n > b) {
                best = Some((s, n));
            }
        }
        best.map(|(s, _)| s)
    }
}
