//! Common words of short survey answers per language. Statistical detectors need a few dozen
//! characters; one- and two-word answers ("gracias", "danke", "خیلی خوب") are decided by
//! these lists instead. Words are lower-case; a word may belong to several languages.

use std::collections::HashMap;
use std::sync::OnceLock;

/// (ISO 639-1 code, words separated by white space). Kept to frequent, short-answer
/// vocabulary: thanks, yes/no, good/bad, very, nothing, everything, and the commonest function
/// words.
const WORDS: &[(&str, &str)] = &[
    (
        "en",
        "they me my after for with said value money kept days went again prices great \
         good nice thanks thank you nothing none nope yes love excellent awesome amazing \
         bad terrible awful slow fast perfect fine happy price service delivery support \
         easy helpful poor expensive cheap quick best worst the and was is it very not \
         app cool super ok okay top no all everything wonderful horrible useless keep meh",
    ),
    (
        "es",
        "normalito buenos productos algo caros tardan pongan gracias bueno buena buen muy \
         bien nada excelente genial malo mala todo nunca rápido lento caro precio \
         servicio entrega el la es y con por no sí súper super perfecto fatal pésimo \
         encanta me que lo",
    ),
    (
        "de",
        "ohne etwas gute produkte empfehlung klare schon passt artikel danke gut sehr \
         nichts alles schlecht toll prima schnell langsam teuer preis lieferung ist und \
         nicht war das die der mit super top ja nein perfekt klasse zufrieden ok bitte \
         schade mangelhaft es ich",
    ),
    (
        "fr",
        "livreur désagréable merci bien très rien nul génial parfait tout bon bonne lent \
         rapide cher prix livraison c'est et est le la les pas avec oui non super top \
         excellent bravo satisfait je",
    ),
    (
        "it",
        "grazie bene niente ottimo buono molto tutto lento veloce caro prezzo è il non sì \
         perfetto bravi pessimo no",
    ),
    (
        "pt",
        "obrigado obrigada bom boa ótimo ótima muito tudo nada lento rápido caro preço \
         entrega não é sim excelente perfeito péssimo",
    ),
    (
        "nl",
        "bedankt dank goed niets prima snel langzaam duur prijs levering het een niet en \
         super top perfect heel erg",
    ),
    (
        "tr",
        "teşekkürler teşekkür güzel iyi kötü çok hızlı yavaş pahalı fiyat teslimat ve bir \
         harika süper evet hayır mükemmel",
    ),
    (
        "pl",
        "dziękuję dzięki dobrze dobry świetnie nic szybko wolno drogo cena dostawa nie \
         jest super bardzo tak polecam",
    ),
    (
        "ru",
        "спасибо хорошо отлично нормально плохо ничего всё все очень да нет супер быстро \
         медленно дорого цена доставка и не это класс ужасно хороший отличный",
    ),
    (
        "uk",
        "дякую добре чудово нормально погано нічого все дуже так ні супер швидко повільно \
         дорого ціна доставка і не це",
    ),
    (
        "fa",
        "خوب بود است نه خیلی ممنون مرسی عالی بد هست را که این بله چیزی همه چیز تشکر سپاس \
         کند گران ارسال نیست ولی اما هم برای با از دارد میخواهم",
    ),
    (
        "ar",
        "شكرا جيد جدا ممتاز في على هذا هذه لا كان نعم رائع سيء ليس الخدمة التوصيل السعر \
         كل شيء جميل عن مع إلى الى لم بطيء سريع غالي",
    ),
];

fn table() -> &'static HashMap<&'static str, Vec<&'static str>> {
    static T: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    T.get_or_init(|| {
        let mut m: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for (lang, words) in WORDS {
            for w in words.split_whitespace() {
                let langs = m.entry(w).or_default();
                if !langs.contains(lang) {
                    langs.push(lang);
                }
            }
        }
        m
    })
}

/// Languages whose short-answer lexicon contains `word` (already lower-cased).
pub(crate) fn languages_of(word: &str) -> &'static [&'static str] {
    table().get(word).map_or(&[], |v| v.as_slice())
}

/// Lexicon hits per language over the words of `text`, most hits first (ties in lexicon
/// order, so the result is deterministic).
pub(crate) fn hits(words: &[String]) -> Vec<(&'static str, usize)> {
    let mut out: Vec<(&'static str, usize)> = Vec::new();
    for w in words {
        for lang in languages_of(w) {
            match out.iter_mut().find(|(l, _)| l == lang) {
                Some((_, n)) => *n += 1,
                None => out.push((lang, 1)),
            }
        }
    }
    let order = |l: &str| {
        WORDS
            .iter()
            .position(|(x, _)| *x == l)
            .unwrap_or(usize::MAX)
    };
    out.sort_by(|a, b| b.1.cmp(&a.1).then(order(a.0).cmp(&order(b.0))));
    out
}
