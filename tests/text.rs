//! The text stage on real multilingual answers: language detection (short answers included),
//! normalization for matching (niqqud, tashkeel, letter variants, ZWNJ) and sentence splitting
//! in Hebrew, Persian, Arabic, Latin and Cyrillic scripts.

use verbatim::text::language::detect;
use verbatim::text::normalize::{fold, for_model};
use verbatim::text::segment::sentences;

fn lang(text: &str) -> String {
    detect(text).lang
}

#[test]
fn detects_the_languages_of_full_answers() {
    let cases = [
        ("המשלוח הגיע באיחור של שבוע ואף אחד לא ענה לטלפון", "he"),
        ("سفارشم ده روز دیر رسید و پشتیبانی هم جواب نمی‌داد", "fa"),
        ("وصل الطلب متأخرا أسبوعا ولم يرد أحد على الهاتف", "ar"),
        ("Заказ пришёл на неделю позже, и никто не отвечал", "ru"),
        (
            "The order arrived a week late and nobody answered the phone",
            "en",
        ),
        (
            "El pedido llegó con una semana de retraso y nadie contestó",
            "es",
        ),
        (
            "Die Bestellung kam eine Woche zu spät und niemand ging ans Telefon",
            "de",
        ),
        (
            "La commande est arrivée avec une semaine de retard et personne ne répondait",
            "fr",
        ),
        (
            "They kept billing me after I cancelled. Unacceptable.",
            "en",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(lang(text), want, "{text}");
    }
}

#[test]
fn detects_one_and_two_word_answers() {
    let cases = [
        ("תודה", "he"),
        ("خیلی خوب", "fa"),
        ("ممتاز جدا", "ar"),
        ("спасибо", "ru"),
        ("gracias", "es"),
        ("danke", "de"),
        ("merci", "fr"),
        ("great service", "en"),
    ];
    for (text, want) in cases {
        assert_eq!(lang(text), want, "{text}");
    }
    // An emoji has no language: it stays undetermined instead of guessing.
    assert_eq!(lang("👍"), "und");
}

#[test]
fn folding_strips_niqqud_and_tashkeel_and_unifies_letters() {
    // Hebrew with niqqud folds to the plain spelling.
    assert_eq!(fold("שָׁלוֹם"), fold("שלום"));
    // Arabic with tashkeel and tatweel folds to the bare word.
    assert_eq!(fold("مُمْتَـــاز"), fold("ممتاز"));
    // Arabic yeh/kaf typed on an Arabic keyboard match the Persian letters.
    assert_eq!(fold("كيفيت"), fold("کیفیت"));
    // ZWNJ stays: it is meaningful inside Persian words.
    assert!(fold("می‌خواهم").contains('\u{200C}'));
    // Case folds for Latin and Cyrillic.
    assert_eq!(fold("Delivery"), fold("delivery"));
    assert_eq!(fold("ДОСТАВКА"), fold("доставка"));
}

#[test]
fn model_text_is_nfkc_and_keeps_the_words() {
    let t = for_model("ﬁne  service\u{00A0}!");
    assert!(t.starts_with("fine"), "{t}");
    assert!(!t.contains("  "), "{t:?}");
}

fn split(text: &str) -> Vec<&str> {
    sentences(text)
        .into_iter()
        .map(|r| text[r].trim())
        .collect()
}

#[test]
fn splits_sentences_in_every_script() {
    assert_eq!(
        split("השירות מצוין. המשלוח איטי מאוד! אחזור שוב?").len(),
        3,
        "Hebrew"
    );
    // Persian and Arabic use the Arabic question mark and full stop; the Persian text has ZWNJ.
    assert_eq!(
        split("پشتیبانی عالی بود. ولی ارسال خیلی دیر شد؟ دیگه نمی‌خرم").len(),
        3
    );
    assert_eq!(
        split("الخدمة ممتازة. لكن التوصيل تأخر كثيرا؟ لن أشتري مرة أخرى").len(),
        3
    );
    assert_eq!(split("Доставка быстрая. Но цены высокие!").len(), 2);
    assert_eq!(split("Great staff. But the delivery was late.").len(), 2);
    // Abbreviations and decimals do not end a sentence.
    assert_eq!(split("It cost 4.99 which is fine.").len(), 1);
}
