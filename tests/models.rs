//! Model quality on real text with the real models, against measured floors.
//!
//! - Sentiment (shipped head, models/heads/sentiment.json) on corpora/eval: macro-F1 >= 0.75
//!   overall and >= 0.65 in every language (issue floors; measured values are in README.md).
//! - Codebook themes (corpora/eval/themes.yaml with its calibration fitted on corpora/dev):
//!   micro-F1 >= 0.70.
//! - Cross-lingual: a theme described only in English is raised by Persian, Hebrew and Arabic
//!   answers.
//! - Zero-shot: a descriptions-only codebook raises the right theme on Hebrew, Persian and
//!   Arabic answers; its dev micro-F1 and that of self-training clear measured floors.
//! - Training, self-training and discovery are deterministic for a seed.
//! - The shipped tuned sentiment top (models/heads/sentiment-tuned.safetensors) loads, leaves
//!   the embeddings unchanged, clears a measured dev floor and labels the suggestion
//!   examples by the convention; fine-tuning is reproducible for a seed.
//! - Pooled parts: sentences pooled from their answer's pass keep dev's scores but blur
//!   sentence sentiment inside an answer, and (an ignored experiment) no head trained on
//!   pooled sentences reads it back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use verbatim::classify::codebook::{Codebook, ThemeModel};
use verbatim::classify::datasets::{read_jsonl, Labeled, Split};
use verbatim::classify::discovery::{discover, DiscoveryItem, DiscoveryOptions};
use verbatim::classify::mlp::{stack, Mlp, TrainConfig};
use verbatim::classify::sentiment::{to_sentiment, SentimentHead};
use verbatim::classify::train::{train_sentiment, SentimentTraining};
use verbatim::encode::{Encoder, TextKind};
use verbatim::record::SentimentLabel;

use verbatim::evaluate::evaluate;

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

#[test]
fn sentiment_and_codebook_themes_beat_the_floors_on_the_eval_set() {
    let items = read_jsonl(&repo("corpora/eval/labeled.jsonl"), Split::Test).unwrap();
    let head = SentimentHead::load(&repo("models/heads/sentiment.json")).unwrap();
    let cb = Codebook::load(&repo("corpora/eval/themes.yaml")).unwrap();
    assert!(
        cb.calibration.is_some(),
        "themes.yaml carries its dev calibration"
    );
    let model = ThemeModel::build(&cb, crate::common::encoder()).unwrap();
    let report = evaluate(&items, crate::common::encoder(), &head, Some(&model)).unwrap();

    let mut table = String::new();
    for (lang, s) in &report.per_language {
        let se = s.sentiment.unwrap();
        let th = s.themes.unwrap();
        table += &format!(
            "{lang}: sentiment macro-F1 {:.3}, themes micro-F1 {:.3}\n",
            se.macro_f1, th.micro_f1
        );
    }
    println!("{table}");
    let overall = report.overall.sentiment.unwrap();
    let themes = report.overall.themes.unwrap();
    println!(
        "overall: sentiment macro-F1 {:.3}, themes micro-F1 {:.3}",
        overall.macro_f1, themes.micro_f1
    );
    assert_eq!(overall.n, 384);
    assert_eq!(report.per_language.len(), 8);
    assert!(
        overall.macro_f1 >= 0.75,
        "sentiment macro-F1 {}",
        overall.macro_f1
    );
    for (lang, s) in &report.per_language {
        let f = s.sentiment.unwrap().macro_f1;
        assert!(f >= 0.65, "{lang}: sentiment macro-F1 {f}\n{table}");
    }
    assert!(
        themes.micro_f1 >= 0.70,
        "themes micro-F1 {}",
        themes.micro_f1
    );
}

/// Issue 12's gate for int8 as the default: on corpora/dev, sentiment macro-F1 (shipped f32
/// head) and codebook theme micro-F1 (classifier trained on the codebook embedded by the same
/// encoder, the codebook's calibration) lose less than 0.01 against f32. Measured (per-token
/// int8 in every linear layer, the default since stop 22): sentiment 0.7676 vs 0.7676,
/// themes 0.7546 vs 0.7609 (stop 19, layer 4's FFN output f32: 0.7611 and 0.7647) (`verbatim eval
/// corpora/dev/labeled.jsonl --codebook corpora/eval/themes.yaml --precision f32|int8`);
/// cross-lingual recall is in tests/retrieve.rs. The theme check is one-sided: on 128 answers
/// one mention moves micro-F1 by about 0.004, and vectors 0.999 apart move it by +-0.01 either
/// way (per-batch int8 gained 0.012 here).
#[test]
fn int8_weights_keep_dev_sentiment_and_themes_within_the_gate() {
    let (s32, t32) = dev_scores(crate::common::encoder_f32());
    let (s8, t8) = dev_scores(crate::common::encoder());
    println!("dev sentiment macro-F1 f32 {s32:.4} int8 {s8:.4}; themes micro-F1 f32 {t32:.4} int8 {t8:.4}");
    assert!(
        (s8 - s32).abs() < 0.01,
        "sentiment: f32 {s32:.4} vs int8 {s8:.4}"
    );
    assert!(t8 > t32 - 0.01, "themes: f32 {t32:.4} vs int8 {t8:.4}");
}

/// Sentiment macro-F1 (shipped head) and codebook theme micro-F1 (classifier trained on the
/// codebook embedded by `enc`, the codebook's calibration) of `enc` on corpora/dev.
fn dev_scores(enc: &verbatim::encode::BertEncoder) -> (f64, f64) {
    let items = read_jsonl(&repo("corpora/dev/labeled.jsonl"), Split::Test).unwrap();
    let head = SentimentHead::load(&repo("models/heads/sentiment.json")).unwrap();
    let cb = Codebook::load(&repo("corpora/eval/themes.yaml")).unwrap();
    let model = ThemeModel::build(&cb, enc).unwrap();
    let o = evaluate(&items, enc, &head, Some(&model)).unwrap().overall;
    (o.sentiment.unwrap().macro_f1, o.themes.unwrap().micro_f1)
}

/// Sentences and clauses pooled from their answer's pass (`--parts pooled`, one encoder pass
/// per answer) against each embedded alone (the default), on corpora/dev: sentiment (answer
/// vectors) stays, and themes (scored on sentences and clauses) lose less than 0.01. Measured
/// (`verbatim eval corpora/dev/labeled.jsonl --codebook corpora/eval/themes.yaml --parts
/// alone|pooled [--precision f32]`): themes 0.760 alone vs 0.772 pooled at int8, 0.755 vs
/// 0.783 at f32; sentiment 0.769 both. Nearly every dev answer is one sentence, so this says
/// little about sentences inside longer answers: see the joined-answers test below.
#[test]
fn pooled_parts_keep_dev_sentiment_and_themes_within_the_gate() {
    let (sa, ta) = dev_scores(crate::common::encoder());
    let (sp, tp) = dev_scores(crate::common::encoder_pooled());
    println!("dev sentiment macro-F1 alone {sa:.4} pooled {sp:.4}; themes micro-F1 alone {ta:.4} pooled {tp:.4}");
    assert!(
        (sp - sa).abs() < 0.005,
        "sentiment: alone {sa:.4} vs pooled {sp:.4}"
    );
    assert!(tp > ta - 0.01, "themes: alone {ta:.4} vs pooled {tp:.4}");
}

/// Dev answers of one sentence, joined in pairs of the same language and different labels
/// ("A. B."), each sentence with its own answer's label: what sentence sentiment and `mixed`
/// meet inside a longer answer.
fn joined_dev_answers() -> Vec<(Labeled, [SentimentLabel; 2])> {
    let items = read_jsonl(&repo("corpora/dev/labeled.jsonl"), Split::Test).unwrap();
    let singles = one_sentence(&items);
    let mut out = Vec::new();
    for (i, a) in singles.iter().enumerate() {
        let other = |b: &&&Labeled| b.lang == a.lang && b.sentiment != a.sentiment;
        if let Some(joined) = singles[i + 1..].iter().find(other).and_then(|b| join(a, b)) {
            out.push(joined);
        }
    }
    out
}

/// The labeled one-sentence texts of `items`.
fn one_sentence(items: &[Labeled]) -> Vec<&Labeled> {
    let one = |t: &str| verbatim::encode::EmbedUnits::whole(t).sentences.len() == 1;
    items
        .iter()
        .filter(|it| it.sentiment.is_some() && one(&it.text))
        .collect()
}

/// `a` and `b` as one two-sentence answer (a full stop added after `a` where it has none) with
/// the gold sentiment of each sentence; `None` if the join is not read as two sentences.
fn join(a: &Labeled, b: &Labeled) -> Option<(Labeled, [SentimentLabel; 2])> {
    let first = a.text.trim_end();
    let stop = first.ends_with(['.', '!', '?', '؟', '。']);
    let text = format!("{first}{} {}", if stop { "" } else { "." }, b.text.trim());
    let two = verbatim::encode::EmbedUnits::whole(&text).sentences.len() == 2;
    let gold = [a.sentiment?, b.sentiment?];
    two.then(|| (Labeled { text, ..a.clone() }, gold))
}

/// Sentence sentiment (accuracy over the joined answers' sentences) and the share of
/// positive + negative pairs marked mixed, with `enc` and the shipped head.
fn joined_sentence_scores(enc: &verbatim::encode::BertEncoder) -> (f64, f64) {
    let head = SentimentHead::load(&repo("models/heads/sentiment.json")).unwrap();
    joined_scores_with(enc, &|sentences, _| head.predict(sentences))
}

/// Labels an answer's sentence vectors (given its answer vector too).
type SentencePredict<'a> = dyn Fn(&[Vec<f32>], &[f32]) -> Vec<verbatim::record::Sentiment> + 'a;

/// [`joined_sentence_scores`] with `predict` labelling the sentences.
fn joined_scores_with(
    enc: &verbatim::encode::BertEncoder,
    predict: &SentencePredict,
) -> (f64, f64) {
    use verbatim::classify::sentiment::is_mixed;
    let joined = joined_dev_answers();
    let items: Vec<Labeled> = joined.iter().map(|(l, _)| l.clone()).collect();
    let emb = verbatim::evaluate::embed_labeled(&items, enc).unwrap();
    let (mut pairs, mut mixed, mut opposite) = (Vec::new(), 0, 0);
    for (((_, gold), sentences), answer) in joined.iter().zip(&emb.sentences).zip(&emb.answers) {
        let got = predict(sentences, answer);
        pairs.extend(gold.iter().zip(&got).map(|(g, p)| (*g, p.label)));
        if gold.contains(&SentimentLabel::Positive) && gold.contains(&SentimentLabel::Negative) {
            opposite += 1;
            mixed += is_mixed(&got) as usize;
        }
    }
    println!(
        "{} joined answers, {opposite} positive + negative",
        joined.len()
    );
    let right = pairs.iter().filter(|(g, p)| g == p).count();
    let accuracy = right as f64 / pairs.len().max(1) as f64;
    (accuracy, mixed as f64 / opposite.max(1) as f64)
}

/// Sentence sentiment inside an answer, each sentence embedded alone (the default) and pooled
/// from the answer's pass, on joined dev answers ([`joined_dev_answers`]: 115 answers, 37 of
/// them a positive and a negative sentence). Measured: sentence accuracy 0.778 alone, 0.587
/// pooled; mixed found 0.568 alone, 0.081 pooled. A pooled sentence takes on its answer's
/// sentiment, which is why pooling is not the default; the floors keep both where they are.
#[test]
fn sentences_keep_their_own_sentiment_inside_an_answer_unless_pooled() {
    let (fa, ma) = joined_sentence_scores(crate::common::encoder());
    let (fp, mp) = joined_sentence_scores(crate::common::encoder_pooled());
    println!("joined dev answers: sentence accuracy alone {fa:.4} pooled {fp:.4}; mixed found alone {ma:.3} pooled {mp:.3}");
    assert!(
        fa >= 0.75 && ma >= 0.5,
        "alone: accuracy {fa:.4}, mixed {ma:.3}"
    );
    assert!(fp >= 0.55, "pooled: accuracy {fp:.4}, mixed {mp:.3}");
    assert!(
        fa > fp + 0.1 && ma > mp + 0.3,
        "pooling still blurs sentence sentiment"
    );
}

/// The codebook classifier's themes hardly depend on its training seed: its step size decays
/// to zero, so training ends at the optimum. With a constant step, dev theme micro-F1 spread
/// from 0.662 to 0.768 over seeds 1-10 (f32; the shipped seed 7 gave 0.753); now seeds 1, 2,
/// 3, 4 and 7 give 0.757-0.769 (default int8 encoder, thresholds 0.40 / 0.20; measured
/// 2026-12-03).
#[test]
fn codebook_themes_hardly_depend_on_the_training_seed() {
    let items = read_jsonl(&repo("corpora/dev/labeled.jsonl"), Split::Test).unwrap();
    let head = SentimentHead::load(&repo("models/heads/sentiment.json")).unwrap();
    let cb = Codebook::load(&repo("corpora/eval/themes.yaml")).unwrap();
    let enc = crate::common::encoder();
    let f1: Vec<f64> = [1, 2, 3, 4, 7]
        .iter()
        .map(|&seed| {
            let model = ThemeModel::build_seeded(&cb, enc, seed).unwrap();
            let o = evaluate(&items, enc, &head, Some(&model)).unwrap().overall;
            o.themes.unwrap().micro_f1
        })
        .collect();
    println!("dev theme micro-F1, seeds 1 2 3 4 7: {f1:.4?}");
    let spread = f1
        .iter()
        .fold(0.0f64, |m, a| f1.iter().fold(m, |m, b| m.max(a - b)));
    assert!(spread < 0.02, "spread {spread:.4}: {f1:?}");
    assert!(f1.iter().all(|&f| f >= 0.74), "{f1:?}");
}

#[test]
fn a_codebook_written_in_english_only_themes_hebrew_persian_and_arabic_answers() {
    // The eval codebook with its non-English examples removed: descriptions and examples in
    // English only, as many analysts write them.
    let mut cb = Codebook::load(&repo("corpora/eval/themes.yaml")).unwrap();
    let english = |e: &String| verbatim::text::language::detect(e).lang == "en";
    for t in &mut cb.themes {
        t.examples.retain(english);
        assert!(t.examples.len() >= 3, "{} keeps English examples", t.id);
    }
    cb.none_examples.retain(english);
    let model = ThemeModel::build(&cb, crate::common::encoder()).unwrap();
    let items: Vec<_> = read_jsonl(&repo("corpora/eval/labeled.jsonl"), Split::Test)
        .unwrap()
        .into_iter()
        .filter(|i| ["he", "fa", "ar"].contains(&i.lang.as_str()))
        .collect();
    let head = SentimentHead::load(&repo("models/heads/sentiment.json")).unwrap();
    let report = evaluate(&items, crate::common::encoder(), &head, Some(&model)).unwrap();
    for (lang, s) in &report.per_language {
        let f = s.themes.unwrap().micro_f1;
        println!("{lang}: theme micro-F1 {f:.3} with an English-only codebook");
        assert!(f >= FLOOR_ENGLISH_ONLY, "{lang}: {f}");
    }
}

/// Floor for he/fa/ar answers against an English-only codebook (measured 0.515-0.574).
const FLOOR_ENGLISH_ONLY: f64 = 0.5;

#[test]
fn training_the_sentiment_head_is_reproducible_for_a_seed() {
    // The hand-written in-domain set alone keeps this fast; same seed, same weights.
    let data = read_jsonl(&repo("corpora/train/sentiment.jsonl"), Split::Train).unwrap();
    let mut data2 = data.clone();
    // A test split so training reports something: every 5th example.
    for (i, d) in data2.iter_mut().enumerate() {
        if i % 5 == 0 {
            d.split = Split::Test;
        }
    }
    let opts = SentimentTraining {
        max_per_class: 40,
        max_test_per_class: 10,
        config: TrainConfig {
            hidden: 0,
            epochs: 20,
            ..Default::default()
        },
        source_weight: BTreeMap::new(),
    };
    let (a, ra) = train_sentiment(&data2, crate::common::encoder(), &opts, &|_, _| {}).unwrap();
    let (b, _) = train_sentiment(&data2, crate::common::encoder(), &opts, &|_, _| {}).unwrap();
    assert_eq!(a.mlp, b.mlp);
    let other = SentimentTraining {
        config: TrainConfig {
            seed: 8,
            ..opts.config.clone()
        },
        ..opts.clone()
    };
    let (c, _) = train_sentiment(&data2, crate::common::encoder(), &other, &|_, _| {}).unwrap();
    assert_ne!(a.mlp, c.mlp, "another seed gives other weights");
    // Even trained on 8 x ~38 examples, held-out accuracy is far above chance (1/3).
    assert!(ra.test_overall.accuracy > 0.6, "{:?}", ra.test_overall);
}

#[test]
fn discovery_is_deterministic_and_finds_the_eval_themes() {
    let items = read_jsonl(&repo("corpora/eval/labeled.jsonl"), Split::Test).unwrap();
    let texts: Vec<String> = items
        .iter()
        .map(|i| verbatim::text::normalize::for_model(&i.text))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vectors = crate::common::encoder()
        .embed(&refs, TextKind::Passage)
        .unwrap();
    let ditems: Vec<DiscoveryItem> = items
        .iter()
        .zip(&vectors)
        .map(|(i, v)| DiscoveryItem {
            text: &i.text,
            lang: &i.lang,
            vector: v,
        })
        .collect();
    let opts = DiscoveryOptions {
        k: Some(8),
        seed: 7,
        ..Default::default()
    };
    let a = discover(&ditems, &opts);
    let b = discover(&ditems, &opts);
    assert_eq!(a.assignment, b.assignment);
    assert_eq!(
        a.themes.iter().map(|t| &t.id).collect::<Vec<_>>(),
        b.themes.iter().map(|t| &t.id).collect::<Vec<_>>()
    );
    let other = a.assignment.iter().filter(|x| x.is_none()).count();
    assert!(
        other as f64 <= 0.10 * items.len() as f64,
        "other bucket {other} of {}",
        items.len()
    );
    // Purity: the share of clustered answers whose cluster's majority gold theme they carry.
    let mut by_cluster: BTreeMap<usize, BTreeMap<&str, usize>> = BTreeMap::new();
    let mut clustered = 0;
    for (it, c) in items.iter().zip(&a.assignment) {
        if let Some(c) = c {
            clustered += 1;
            for t in it.themes.iter().flatten() {
                *by_cluster
                    .entry(*c)
                    .or_default()
                    .entry(t.as_str())
                    .or_default() += 1;
            }
        }
    }
    let majority: usize = by_cluster
        .values()
        .map(|m| m.values().copied().max().unwrap_or(0))
        .sum();
    let purity = majority as f64 / clustered as f64;
    println!("discovery purity {purity:.3} over {clustered} answers, other {other}");
    assert!(purity >= 0.5, "purity {purity} (measured 0.567)");
    // Every theme has keyphrases in at least one language.
    assert!(a
        .themes
        .iter()
        .all(|t| t.keyphrases.values().any(|v| !v.is_empty())));
}

/// Dev-like answers (not from corpora/test) and the theme each should raise.
const ZERO_SHOT_CASES: &[(&str, &str, &str)] = &[
    ("he", "החבילה הגיעה אחרי שלושה שבועות", "delivery"),
    ("he", "חייבו את הכרטיס שלי פעמיים", "billing"),
    ("he", "האפליקציה נתקעת כשאני מנסה להתחבר", "app_website"),
    ("he", "המחירים אצלכם גבוהים מדי", "price"),
    ("fa", "بسته‌ام سه هفته بعد رسید", "delivery"),
    ("fa", "دو بار از کارتم پول کم شد", "billing"),
    ("fa", "اپلیکیشن موقع ورود به حساب قفل می‌کنه", "app_website"),
    ("fa", "همه چیز گرون شده، قیمت‌ها بالا رفته", "price"),
    ("ar", "الشحنة وصلت بعد ثلاث أسابيع", "delivery"),
    ("ar", "الفاتورة فيها رسوم ما طلبتها", "billing"),
    ("ar", "الموقع ما يفتح صفحة السلة أبداً", "app_website"),
    ("ar", "الأسعار عندكم مرتفعة", "price"),
];

#[test]
fn a_descriptions_only_codebook_raises_the_right_theme_in_hebrew_persian_and_arabic() {
    let cb = Codebook::load(&repo("corpora/eval/themes-descriptions.yaml")).unwrap();
    assert!(cb.is_zero_shot(), "no examples: scored zero-shot");
    let model = ThemeModel::build(&cb, crate::common::encoder()).unwrap();
    let texts: Vec<&str> = ZERO_SHOT_CASES.iter().map(|c| c.1).collect();
    let vectors = crate::common::encoder()
        .embed(&texts, TextKind::Passage)
        .unwrap();
    let mut right = BTreeMap::<&str, usize>::new();
    for ((lang, text, want), v) in ZERO_SHOT_CASES.iter().zip(&vectors) {
        let raised: Vec<&str> = ThemeModel::raise(&model.similarities(v), model.calibration)
            .into_iter()
            .map(|(t, _)| model.ids()[t].as_str())
            .collect();
        println!("{lang} {text:?}: {raised:?} (want {want})");
        *right.entry(lang).or_default() += usize::from(raised.contains(want));
    }
    for (lang, n) in &right {
        assert!(*n >= ZERO_SHOT_RIGHT_PER_LANGUAGE, "{lang}: {n} of 4 right");
    }
    let total: usize = right.values().sum();
    assert!(total >= ZERO_SHOT_RIGHT_TOTAL, "{total} of 12 right");
}

/// Of the 4 answers per language above, at least this many raise their theme (measured: he 2,
/// fa 3, ar 3; the misses are a late parcel read as wait_time and two answers below the
/// threshold).
const ZERO_SHOT_RIGHT_PER_LANGUAGE: usize = 2;
/// Of all 12 (measured 9).
const ZERO_SHOT_RIGHT_TOTAL: usize = 8;

#[test]
fn zero_shot_themes_beat_the_dev_floor_and_self_training_is_reproducible() {
    use verbatim::classify::zero_shot::self_train;
    use verbatim::evaluate::{embed_labeled, evaluate_embedded, unit_vectors};
    let cb = Codebook::load(&repo("corpora/eval/themes-descriptions.yaml")).unwrap();
    let model = ThemeModel::build(&cb, crate::common::encoder()).unwrap();
    let dev = read_jsonl(&repo("corpora/dev/labeled.jsonl"), Split::Train).unwrap();
    let emb = embed_labeled(&dev, crate::common::encoder()).unwrap();
    let head = SentimentHead::load(&repo("models/heads/sentiment.json")).unwrap();
    let zero = evaluate_embedded(&dev, &emb, &head, Some(&model));
    let f = zero.overall.themes.unwrap().micro_f1;
    println!("dev: descriptions-only micro-F1 {f:.3}");
    assert!(f >= 0.55, "zero-shot dev micro-F1 {f} (measured 0.613)");

    let units = unit_vectors(&emb);
    let a = self_train(&model, crate::common::encoder(), &units, 7).unwrap();
    let b = self_train(&model, crate::common::encoder(), &units, 7).unwrap();
    let c = self_train(&model, crate::common::encoder(), &units, 8).unwrap();
    let scores = |m: &ThemeModel| units.iter().map(|u| m.similarities(u)).collect::<Vec<_>>();
    assert_eq!(scores(&a), scores(&b), "same seed, same model");
    assert_ne!(scores(&a), scores(&c), "another seed, other weights");
    let st = evaluate_embedded(&dev, &emb, &head, Some(&a));
    let f = st.overall.themes.unwrap().micro_f1;
    println!("dev: self-trained micro-F1 {f:.3}");
    assert!(f >= 0.57, "self-trained dev micro-F1 {f} (measured 0.635)");
}

/// The default encoder with the shipped tuned sentiment top attached.
fn tuned_encoder() -> verbatim::encode::BertEncoder {
    let mut enc = verbatim::encode::BertEncoder::load(
        &crate::common::model_dir(),
        verbatim::encode::EncoderOptions::default(),
    )
    .unwrap();
    enc.attach_sentiment(&repo("models/heads/sentiment-tuned.safetensors"))
        .unwrap();
    enc
}

#[test]
fn the_shipped_tuned_sentiment_keeps_the_embeddings_and_beats_the_dev_floor() {
    let enc = tuned_encoder();
    let items = read_jsonl(&repo("corpora/dev/labeled.jsonl"), Split::Test).unwrap();
    let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
    let tuned = enc.encode(&texts[..16], TextKind::Passage).unwrap();
    let base = crate::common::encoder()
        .embed(&texts[..16], TextKind::Passage)
        .unwrap();
    assert_eq!(tuned.sentiment.as_ref().map(Vec::len), Some(16));
    for (a, b) in tuned.vectors.iter().zip(&base) {
        assert!(
            crate::common::cos(a, b) > 0.99999,
            "the base top layers give the embeddings"
        );
    }
    // Through the run's dedup wrapper (repeats served from its map) the probabilities stay.
    let dedup = verbatim::encode::DedupEncoder::new(&enc, 1024);
    let twice: Vec<&str> = texts[..4].iter().chain(&texts[..4]).copied().collect();
    let d = dedup.encode(&twice, TextKind::Passage).unwrap();
    let probs = tuned.sentiment.as_ref().unwrap();
    for (i, p) in d.sentiment.unwrap().iter().enumerate() {
        let q = probs[i % 4];
        assert!(
            p.iter().zip(q).all(|(a, b)| (a - b).abs() < 1e-4),
            "{p:?} vs {q:?}"
        );
    }
    let head = SentimentHead::load(&repo("models/heads/sentiment.json")).unwrap();
    let report = evaluate(&items, &enc, &head, None).unwrap();
    let f1 = report.overall.sentiment.unwrap().macro_f1;
    println!("dev sentiment macro-F1 with the tuned top: {f1:.3}");
    assert!(f1 >= TUNED_DEV_FLOOR, "dev macro-F1 {f1}");
}

/// Which of the four examples the shipped tuned top labels by the convention (measured;
/// "I waited 40 minutes on hold. Please add a live chat" still comes out neutral and
/// "משלוח יקר ואיטי" positive).
const EXAMPLES_RIGHT: [bool; 4] = [true, false, false, true];

/// Measured dev macro-F1 of the shipped tuned top, less a margin (README has the number).
const TUNED_DEV_FLOOR: f64 = 0.74;

#[test]
fn the_tuned_sentiment_labels_suggestions_by_what_they_say_about_the_experience() {
    use verbatim::record::SentimentLabel::{Negative, Neutral};
    let enc = tuned_encoder();
    let cases = [
        (
            "Delivery was ok. It would be nice to track the courier",
            Neutral,
        ),
        (
            "I waited 40 minutes on hold. Please add a live chat",
            Negative,
        ),
        ("משלוח יקר ואיטי", Negative),
        ("the shipping fee is too high on small orders", Negative),
    ];
    let texts: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let got = enc.encode(&texts, TextKind::Passage).unwrap();
    let mut report = String::new();
    let mut right = Vec::new();
    for ((text, want), p) in cases.iter().zip(got.sentiment.unwrap()) {
        let label = verbatim::classify::sentiment::to_sentiment(p).label;
        report += &format!("{text}: {label:?} {p:?} (convention: {want:?})\n");
        right.push(label == *want);
    }
    println!("{report}");
    assert_eq!(right, EXAMPLES_RIGHT, "{report}");
}

#[test]
fn fine_tuning_the_top_layer_is_reproducible_for_a_seed() {
    use verbatim::classify::train::fine_tune_sentiment;
    use verbatim::encode::tuned::TuneOptions;
    let data = read_jsonl(&repo("corpora/train/sentiment.jsonl"), Split::Train).unwrap();
    let head = SentimentHead::load(&repo("models/heads/sentiment.json")).unwrap();
    let opts = SentimentTraining {
        max_per_class: 6,
        ..Default::default()
    };
    let tune = |seed| TuneOptions {
        layers: 1,
        epochs: 1,
        batch: 16,
        seed,
        ..Default::default()
    };
    let run = |seed| {
        fine_tune_sentiment(
            &data,
            crate::common::encoder_f32(),
            &head,
            &opts,
            &tune(seed),
            &|_, _, _| {},
        )
        .unwrap()
        .0
    };
    // The default (int8) encoder has released its f32 linear weights: refused by name.
    let refused = fine_tune_sentiment(
        &data,
        crate::common::encoder(),
        &head,
        &opts,
        &tune(7),
        &|_, _, _| {},
    );
    let Err(err) = refused else {
        panic!("an int8 encoder is refused")
    };
    let err = err.to_string();
    assert!(err.contains("--precision f32"), "{err}");
    let (a, b, c) = (run(7), run(7), run(8));
    let names: Vec<&str> = a.iter().map(|t| t.0.as_str()).collect();
    assert!(names.contains(&"classifier.weight"));
    assert!(names
        .iter()
        .all(|n| n.starts_with("classifier.") || n.starts_with("encoder.layer.11.")));
    assert_eq!(
        names.len(),
        2 + 16,
        "one layer (16 tensors) and the classifier"
    );
    // Largest weight difference between two runs.
    let diff = |x: &[(String, tch::Tensor)], y: &[(String, tch::Tensor)]| {
        x.iter()
            .zip(y)
            .map(|(p, q)| {
                assert_eq!(p.0, q.0);
                (&p.1 - &q.1).abs().max().double_value(&[])
            })
            .fold(0.0f64, f64::max)
    };
    let (same, other) = (diff(&a, &b), diff(&a, &c));
    println!("largest weight difference: same seed {same:e}, other seed {other:e}");
    // libtorch's CPU kernels are not bit-exact from run to run (measured 1e-6..4e-6 apart for
    // one seed, with one or two threads); another seed moves weights by ~1e-2.
    assert!(
        same <= 2e-5,
        "the same seed gives the same weights (max diff {same:e})"
    );
    assert!(
        other >= 1e-3,
        "another seed gives other weights (max diff {other:e})"
    );

    // Before any step the tuned top is the linear head (saved as fp16, loaded, attached).
    let zero = TuneOptions {
        epochs: 0,
        ..tune(7)
    };
    let (t0, _) = fine_tune_sentiment(
        &data,
        crate::common::encoder_f32(),
        &head,
        &opts,
        &zero,
        &|_, _, _| {},
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tuned.safetensors");
    verbatim::encode::tuned::save(&t0, &file).unwrap();
    let mut enc = verbatim::encode::BertEncoder::load(
        &crate::common::model_dir(),
        verbatim::encode::EncoderOptions::default(),
    )
    .unwrap();
    enc.attach_sentiment(&file).unwrap();
    let texts = [
        "Delivery was late again.",
        "Alles bestens, danke!",
        "המשלוח הגיע",
    ];
    let got = enc.encode(&texts, TextKind::Passage).unwrap();
    let want = head.predict(&got.vectors);
    for (p, w) in got.sentiment.unwrap().iter().zip(&want) {
        assert!(
            p.iter().zip(w.probs).all(|(a, b)| (a - b).abs() < 0.02),
            "{p:?} vs {:?}",
            w.probs
        );
    }
}

/// Can a head read a sentence's own sentiment back from its pooled vector? Trained on the
/// pooled sentences of 4,193 two-sentence answers joined from one-sentence training examples
/// (the shipped head's seed-7 sample of the train splits, same language, any labels), scored
/// on the joined dev answers. Measured (int8, 2026-12-04), sentence accuracy (mixed found):
/// the shipped head 0.587 (0.081); a linear head on the pooled sentence 0.578 (0.000); one
/// ReLU layer of 256 over the sentence and answer vectors side by side 0.626 (0.351); embedded
/// alone, the shipped head 0.778 (0.568). The pooled vectors have lost most of it (training
/// accuracy 0.62-0.68), so pooling stays opt-in. Run with `--ignored` (about 45 s).
#[test]
#[ignore]
fn no_head_reads_a_sentence_sentiment_back_from_its_pooled_vector() {
    let (enc, heads) = (crate::common::encoder_pooled(), pooled_part_heads());
    let lab = |r: ndarray::ArrayView1<f32>| to_sentiment([r[0], r[1], r[2]]);
    let (part, _) = joined_scores_with(enc, &|s, _| {
        let p = heads.0.predict(stack(s, heads.0.dim).view());
        p.rows().into_iter().map(lab).collect()
    });
    let (both, mixed) = joined_scores_with(enc, &|s, a| {
        let x: Vec<Vec<f32>> = s.iter().map(|v| [v.as_slice(), a].concat()).collect();
        let p = heads.1.predict(stack(&x, heads.1.dim).view());
        p.rows().into_iter().map(lab).collect()
    });
    println!("joined dev answers, pooled: linear part head {part:.4}; sentence + answer MLP {both:.4} (mixed {mixed:.3})");
    assert!(
        part < 0.7 && both < 0.7,
        "a head recovers sentence sentiment: {part:.4} {both:.4}; reconsider pooled parts"
    );
}

/// A linear head over pooled sentence vectors and an MLP over [sentence, answer], trained on
/// two-sentence answers joined from the shipped head's training sample.
fn pooled_part_heads() -> (Mlp, Mlp) {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    use verbatim::classify::train::{balanced_weights, sample};
    let mut data = verbatim::classify::datasets::shared_sentiment(&repo("../shared/data")).unwrap();
    data.extend(read_jsonl(&repo("corpora/train/sentiment.jsonl"), Split::Train).unwrap());
    let train = sample(&data, Split::Train, 600, 7);
    let mut by_lang: BTreeMap<&str, Vec<&Labeled>> = BTreeMap::new();
    for l in one_sentence(&train)
        .into_iter()
        .filter(|l| l.text.len() < 300)
    {
        by_lang.entry(l.lang.as_str()).or_default().push(l);
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let (mut items, mut parts) = (Vec::new(), Vec::new());
    for v in by_lang.values_mut() {
        v.shuffle(&mut rng);
        for pair in v.chunks_exact(2) {
            if let Some((joined, _)) = join(pair[0], pair[1]) {
                items.push(joined);
                parts.extend([pair[0].clone(), pair[1].clone()]);
            }
        }
    }
    let emb = verbatim::evaluate::embed_labeled(&items, crate::common::encoder_pooled()).unwrap();
    let sentences: Vec<Vec<f32>> = emb.sentences.iter().flatten().cloned().collect();
    let answers = emb.answers.iter().flat_map(|a| [a, a]);
    let both: Vec<Vec<f32>> = sentences
        .iter()
        .zip(answers)
        .map(|(s, a)| [s.as_slice(), a].concat())
        .collect();
    let y: Vec<usize> = parts.iter().map(|l| l.sentiment.unwrap().index()).collect();
    let sw = [("sentiment".to_string(), 8.0)].into();
    let w = balanced_weights(&parts, &sw);
    let config = |hidden| TrainConfig {
        hidden,
        epochs: 100,
        lr_decay: true,
        ..Default::default()
    };
    (
        Mlp::train(stack(&sentences, 384).view(), &y, &w, 3, &config(0)),
        Mlp::train(stack(&both, 768).view(), &y, &w, 3, &config(256)),
    )
}
