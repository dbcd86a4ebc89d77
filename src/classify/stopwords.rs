//! Short stop-word lists for theme keyphrases: function words that would otherwise top every
//! cluster's keyphrase list. Matched after folding (lowercase, marks stripped).

/// Whether `w` (folded) is a stop word in any supported language.
pub fn is_stopword(w: &str) -> bool {
    STOP.binary_search(&w).is_ok() || w.chars().count() < 2 || w.chars().all(|c| c.is_numeric())
}

// Sorted (checked by a test) so lookup is a binary search.
static STOP: &[&str] = &[
    "a", "aber", "al", "all", "also", "am", "an", "and", "are", "as", "at", "auch", "auf", "aus",
    "be", "bei", "but", "by", "ce", "con", "da", "das", "dass", "de", "del", "dem", "den", "der",
    "des", "die", "do", "du", "e", "ein", "eine", "einen", "el", "en", "es", "est", "et", "for",
    "from", "gut", "had", "has", "have", "he", "het", "i", "ich", "il", "in", "is", "ist", "it",
    "its", "ja", "je", "la", "las", "le", "les", "lo", "los", "me", "mi", "mit", "my", "ne",
    "nicht", "no", "not", "of", "on", "or", "our", "pas", "pour", "que", "qui", "se", "sehr",
    "sie", "so", "su", "that", "the", "their", "there", "they", "this", "to", "un", "una", "und",
    "une", "very", "was", "we", "were", "what", "wir", "with", "y", "you", "your", "zu", "в", "во",
    "все", "вы", "да", "для", "до", "же", "за", "и", "из", "как", "мне", "мы", "на", "не", "но",
    "о", "от", "по", "с", "так", "то", "у", "уже", "что", "это", "я", "אבל", "או", "אותו", "אין",
    "אם", "אני", "את", "אתם", "גם", "הוא", "היא", "היה", "הם", "זאת", "זה", "יש", "כי", "כל", "לא",
    "לי", "מאוד", "על", "עם", "של", "שלא", "שלי", "أن", "إلى", "التي", "الذي", "الى", "اما", "ان",
    "انا", "او", "اون", "این", "با", "برای", "به", "تا", "خیلی", "در", "را", "على", "عن", "في",
    "كان", "لا", "لم", "ما", "مع", "من", "هذا", "هذه", "هم", "هو", "و", "يا", "که", "یک",
];

#[cfg(test)]
mod tests {
    #[test]
    fn list_is_sorted_for_binary_search() {
        let mut sorted = super::STOP.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, super::STOP.to_vec());
    }
}
