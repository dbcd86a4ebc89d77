//! Suggestion detection: does a sentence ask for a change ("please add live chat", "would love
//! weekend delivery", "תוסיפו צ'אט", "کاش آخر هفته هم ارسال داشتید")?
//!
//! Multilingual cue lexicons matched on [`fold`]ed text (lower-cased, vowel marks stripped,
//! Arabic/Persian letter variants unified) at word boundaries. A cue ending in `*` is a stem and
//! needs no boundary on its right (`צריך ל*` matches `צריך לשפר`). Hebrew cues also match with
//! the attached conjunction ו/ש in front (`ותוסיפו`). The cues of *every* language are tried,
//! whatever the detected language: detection on short answers is often wrong, and the scripts
//! barely overlap, so cross-language false hits are rare.

use crate::text::normalize::fold;
use std::sync::OnceLock;

/// Cue phrases per language (ISO 639-1), as written; folded once at first use.
pub const CUES: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "please",
            "pls",
            "plz",
            "would love",
            "i'd love",
            "i would love",
            "wish",
            "should",
            "could you",
            "can you",
            "it would be great",
            "would be great",
            "would be nice",
            "would be nicer",
            "would be perfect",
            "would be the cherry",
            "would make it",
            "would fix",
            "i'd like",
            "i would like",
            "need a",
            "need an",
            "needs a",
            "needs an",
            "hope you",
            "consider",
            "why not",
            "why is there no",
            "why isn't there",
            "where is",
            "any chance",
            "only thing missing",
            "is missing",
            "add a",
            "add an",
            "bring back",
            "let people",
            "let us",
            "lower the",
            "make it",
            "if you added",
            "if you offered",
            "if you had",
            "suggest",
            "suggestion",
            "recommend adding",
            "it'd be",
            "i'd order",
            "i'd buy",
            "would order more",
            "more often if",
        ],
    ),
    (
        "he",
        &[
            "הייתי רוצה",
            "הייתי שמח",
            "הייתי שמחה",
            "כדאי",
            "תוסיפו",
            "אשמח",
            "חבל ש*",
            "מבקש",
            "מבקשת",
            "מבקשים",
            "צריך ל*",
            "צריכים ל*",
            "תעשו",
            "תורידו",
            "תשפרו",
            "חסר לי",
            "חסרים",
            "חסר",
            "היה הופך",
            "היה נחמד",
            "יהיה נחמד",
            "אם יהיה",
            "אם היה",
            "למה אין",
            "נא ל*",
            "בבקשה",
            "מציע",
            "מציעה",
            "הצעה",
        ],
    ),
    (
        "fa",
        &[
            "لطفا",
            "لطفاً",
            "کاش",
            "ای کاش",
            "بهتر است",
            "بهتره",
            "بهتر میشه",
            "بهتر می‌شه",
            "پیشنهاد",
            "اضافه کنید",
            "اضافه کنین",
            "ممنون میشم",
            "ممنون می‌شم",
            "بذارید",
            "بزارید",
            "کم کنید",
            "کم کنین",
            "داشته باشید",
            "عالی می‌شد",
            "عالی میشد",
            "خوب بود اگه",
            "چرا ندارید",
            "می‌خواهم بتونم",
            "میخواهم بتونم",
        ],
    ),
    (
        "ar",
        &[
            "أتمنى",
            "نتمنى",
            "يرجى",
            "الرجاء",
            "أرجو",
            "ليت",
            "يا ريت",
            "ياريت",
            "أقترح",
            "نقترح",
            "نريد",
            "أضيفوا",
            "خفضوا",
            "ليش ما في",
            "ليش ما فيه",
            "لماذا لا",
            "من فضلكم",
            "من فضلك",
            "لو سمحت",
            "لو سمحتم",
            "نفسي",
            "يحتاج",
            "لو فيه",
            "لو في",
            "وفروا",
            "كنت طلبت",
            "كنت اشتريت",
        ],
    ),
    (
        "ru",
        &[
            "пожалуйста",
            "хотелось бы",
            "хочется",
            "добавьте",
            "было бы здорово",
            "было бы неплохо",
            "было бы хорошо",
            "было бы удобно",
            "предлагаю",
            "сделайте",
            "верните",
            "нужен",
            "нужна",
            "нужно",
            "не хватает",
            "почему нет",
            "почему бы не",
        ],
    ),
    (
        "es",
        &[
            "por favor",
            "porfa",
            "ojalá",
            "deberían",
            "debería",
            "me gustaría",
            "sería genial",
            "sería bueno",
            "sería perfecto",
            "añadan",
            "agreguen",
            "pongan",
            "bajen",
            "podrían",
            "les falta",
            "estaría bien",
            "compraría",
            "pediría",
        ],
    ),
    (
        "de",
        &[
            "bitte",
            "wäre schön",
            "wäre super",
            "wäre toll",
            "wäre gut",
            "wäre hilfreich",
            "wäre echt",
            "wäre klasse",
            "sollten",
            "sollte",
            "ich wünsche",
            "wünsche mir",
            "würde mich freuen",
            "fügt hinzu",
            "fügen sie",
            "hätte gern",
            "hätte gerne",
            "wünschenswert",
            "fehlt",
        ],
    ),
    (
        "fr",
        &[
            "s'il vous plaît",
            "svp",
            "j'aimerais",
            "il faudrait",
            "ce serait bien",
            "serait top",
            "serait bien",
            "serait génial",
            "ajoutez",
            "vous devriez",
            "mettez",
            "baissez",
            "proposez",
            "pourquoi pas",
            "merci de",
            "ce serait trop demander",
        ],
    ),
];

/// Phrases that look like a cue but ask about the respondent's own case ("where is my
/// order?"), not for a change; blanked out before the cues are matched.
pub const NOT_CUES: &[&str] = &["where is my", "where's my", "where are my"];

/// A folded cue and whether it is a stem (no right boundary).
struct Cue {
    text: String,
    stem: bool,
}

fn cues() -> &'static [Cue] {
    static C: OnceLock<Vec<Cue>> = OnceLock::new();
    C.get_or_init(|| {
        let mut out = Vec::new();
        for (lang, list) in CUES {
            for raw in *list {
                let stem = raw.ends_with('*');
                let text = fold(raw.trim_end_matches('*'));
                if *lang == "he" {
                    for prefix in ["ו", "ש"] {
                        out.push(Cue {
                            text: format!("{prefix}{text}"),
                            stem,
                        });
                    }
                }
                out.push(Cue { text, stem });
            }
        }
        out
    })
}

/// Whether `c` continues a word (so a cue next to it is not at a word boundary).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\u{200C}'
}

/// Whether `cue` occurs in `text` with word boundaries.
fn has_cue(text: &str, cue: &Cue) -> bool {
    text.match_indices(cue.text.as_str()).any(|(at, m)| {
        let before = text[..at].chars().next_back();
        let after = text[at + m.len()..].chars().next();
        !before.is_some_and(is_word_char) && (cue.stem || !after.is_some_and(is_word_char))
    })
}

/// Whether a sentence suggests a change. `lang` is the answer's detected language; the cues of
/// all languages are tried (see the module docs), so it only documents the call.
pub fn is_suggestion(sentence: &str, lang: &str) -> bool {
    let _ = lang;
    let mut text = fold(sentence);
    for not in NOT_CUES {
        text = text.replace(not, " ");
    }
    !text.trim().is_empty() && cues().iter().any(|c| has_cue(&text, c))
}

#[cfg(test)]
mod tests {
    use super::is_suggestion;

    #[test]
    fn finds_suggestions_in_many_languages() {
        for (s, l) in [
            ("Please add live chat", "en"),
            ("Would love weekend delivery.", "en"),
            ("ותוסיפו צ'אט חי באתר", "he"),
            ("کاش آخر هفته هم ارسال داشتید", "fa"),
            ("لطفاً یه دکمه ساده برای لغو بذارید", "fa"),
            ("أتمنى توصيل في عطلة نهاية الأسبوع", "ar"),
            ("Добавьте доставку по выходным", "ru"),
            ("Ojalá hubiera entregas los sábados", "es"),
            ("Bitte einen einfachen Kündigungsbutton", "de"),
            ("baissez le seuil de livraison gratuite", "fr"),
            ("צריך לשפר את האתר", "he"),
            (
                "App is fine but way too bright at night, where is dark mode?",
                "en",
            ),
            ("Ein Live-Chat wäre echt hilfreich", "de"),
        ] {
            assert!(is_suggestion(s, l), "{s}");
        }
    }

    #[test]
    fn ignores_plain_statements_and_word_fragments() {
        for (s, l) in [
            ("Great, no complaints", "en"),
            ("The wishlist feature is great", "en"),
            ("Parcel never arrived", "en"),
            ("Where is my order???", "en"),
            ("המשלוח הגיע מהר", "he"),
            ("", "und"),
        ] {
            assert!(!is_suggestion(s, l), "{s}");
        }
    }
}
