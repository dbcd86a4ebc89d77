//! Training of the sentiment head (`verbatim train-sentiment`): sample labeled examples per
//! source, language and class, embed them, fit the [`Mlp`] with language- and class-balanced
//! weights, and score the held-out part per language.

use super::datasets::{Labeled, Split};
use super::metrics::{label_scores, LabelScores};
use super::mlp::{stack, Mlp, TrainConfig};
use super::sentiment::SentimentHead;
use super::ClassifyError;
use crate::encode::{Encoder, TextKind};
use crate::record::SentimentLabel;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeMap;

/// Settings of a training run.
#[derive(Debug, Clone)]
pub struct SentimentTraining {
    /// Most training examples per (language, class).
    pub max_per_class: usize,
    /// Most held-out examples per (language, class) to score.
    pub max_test_per_class: usize,
    /// Classifier settings (seed included).
    pub config: TrainConfig,
    /// Weight multipliers by source name: in-domain survey answers count more than tweets
    /// or product reviews of the same language and class.
    pub source_weight: BTreeMap<String, f32>,
}

impl Default for SentimentTraining {
    fn default() -> Self {
        SentimentTraining {
            max_per_class: 300,
            max_test_per_class: 100,
            config: TrainConfig::default(),
            source_weight: BTreeMap::new(),
        }
    }
}

/// What a training run measured.
#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    /// Training examples per language.
    pub train_per_lang: BTreeMap<String, usize>,
    /// Held-out scores per language.
    pub test_per_lang: BTreeMap<String, LabelScores>,
    /// Held-out scores per source data set.
    pub test_per_source: BTreeMap<String, LabelScores>,
    /// Held-out scores over everything.
    pub test_overall: LabelScores,
}

/// Seeded sample of at most `cap` examples per (language, class) of one split, drawn in turn
/// from each source that has that language and class, so no single data set dominates.
pub fn sample(all: &[Labeled], split: Split, cap: usize, seed: u64) -> Vec<Labeled> {
    type Key = (String, SentimentLabel);
    let mut groups: BTreeMap<Key, BTreeMap<String, Vec<&Labeled>>> = BTreeMap::new();
    for l in all.iter().filter(|l| l.split == split) {
        if let Some(s) = l.sentiment {
            groups
                .entry((l.lang.clone(), s))
                .or_default()
                .entry(l.source.clone())
                .or_default()
                .push(l);
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::new();
    for (_, sources) in groups {
        let mut lists: Vec<Vec<&Labeled>> = sources
            .into_values()
            .map(|mut v| {
                v.shuffle(&mut rng);
                v
            })
            .collect();
        let mut taken = 0;
        let mut round = 0;
        while taken < cap && lists.iter().any(|l| round < l.len()) {
            for l in lists.iter_mut() {
                if taken < cap && round < l.len() {
                    out.push(l[round].clone());
                    taken += 1;
                }
            }
            round += 1;
        }
        lists.clear();
    }
    out
}

fn embed_all(
    encoder: &dyn Encoder,
    items: &[Labeled],
    progress: &dyn Fn(usize, usize),
) -> Result<Vec<Vec<f32>>, ClassifyError> {
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(256) {
        let texts = super::datasets::model_texts(chunk);
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        out.extend(encoder.embed(&refs, TextKind::Passage)?);
        progress(out.len(), items.len());
    }
    Ok(out)
}

/// Example weights (mean 1): every language weighs the same in total, and within a language
/// every class does (a language with 3,000 examples must not drown one with 60); a source in
/// `source_weight` counts that many times more.
pub fn balanced_weights(train: &[Labeled], source_weight: &BTreeMap<String, f32>) -> Vec<f32> {
    let mut counts: BTreeMap<(&str, SentimentLabel), usize> = BTreeMap::new();
    let mut lang_classes: BTreeMap<&str, usize> = BTreeMap::new();
    for l in train {
        let s = l.sentiment.expect("sampled examples are labeled");
        if *counts.entry((l.lang.as_str(), s)).or_default() == 0 {
            *lang_classes.entry(l.lang.as_str()).or_default() += 1;
        }
        *counts
            .get_mut(&(l.lang.as_str(), s))
            .expect("just inserted") += 1;
    }
    let weights: Vec<f32> = train
        .iter()
        .map(|l| {
            let s = l.sentiment.expect("labeled");
            let boost = source_weight.get(&l.source).copied().unwrap_or(1.0);
            boost / (counts[&(l.lang.as_str(), s)] as f32 * lang_classes[l.lang.as_str()] as f32)
        })
        .collect();
    let mean_w = weights.iter().sum::<f32>() / weights.len().max(1) as f32;
    weights.iter().map(|w| w / mean_w).collect()
}

/// Fine-tunes the encoder's top layers and a classifier started from `head` on a balanced,
/// seeded sample of the train split of `data` (see [`crate::encode::tuned`]). Returns the
/// tuned tensors and the examples used per source/language and class.
pub fn fine_tune_sentiment(
    data: &[Labeled],
    encoder: &crate::encode::BertEncoder,
    head: &SentimentHead,
    opts: &SentimentTraining,
    tune: &crate::encode::tuned::TuneOptions,
    progress: &dyn Fn(&str, usize, usize),
) -> Result<(Vec<(String, tch::Tensor)>, serde_json::Value), ClassifyError> {
    if head.mlp.hidden.is_some() {
        return Err(ClassifyError::Format {
            path: "models/heads/sentiment.json".into(),
            why: "fine-tuning starts from a linear head (train it with --hidden 0)".into(),
        });
    }
    let train = sample(data, Split::Train, opts.max_per_class, tune.seed);
    let weights = balanced_weights(&train, &opts.source_weight);
    let texts = super::datasets::model_texts(&train);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let tokens = encoder.tokenize(&refs, TextKind::Passage)?;
    let examples: Vec<crate::encode::tuned::TuneExample> = tokens
        .into_iter()
        .zip(&train)
        .zip(&weights)
        .map(|((ids, l), &weight)| crate::encode::tuned::TuneExample {
            ids,
            label: l.sentiment.expect("labeled").index() as i64,
            weight,
        })
        .collect();
    let (w, b) = &head.mlp.out;
    let w: Vec<f32> = w.iter().copied().collect();
    let b: Vec<f32> = b.iter().copied().collect();
    let tensors = encoder.fine_tune(&examples, (&w, &b), tune, progress)?;
    let provenance = serde_json::json!({
        "encoder": encoder.name(),
        "options": tune,
        "max_per_class": opts.max_per_class,
        "source_weight": opts.source_weight,
        "train_examples": examples_per_source(&train),
    });
    Ok((tensors, provenance))
}

/// Examples used per `source/lang` and class, for the provenance.
fn examples_per_source(train: &[Labeled]) -> BTreeMap<String, BTreeMap<&str, usize>> {
    let mut per_source: BTreeMap<String, BTreeMap<&str, usize>> = BTreeMap::new();
    for l in train {
        *per_source
            .entry(format!("{}/{}", l.source, l.lang))
            .or_default()
            .entry(l.sentiment.expect("labeled").as_str())
            .or_default() += 1;
    }
    per_source
}

/// Fits the classifier on the embedded train sample with balanced weights.
fn fit_mlp(train: &[Labeled], xv: &[Vec<f32>], dim: usize, opts: &SentimentTraining) -> Mlp {
    let y: Vec<usize> = train
        .iter()
        .map(|l| l.sentiment.expect("labeled").index())
        .collect();
    let weights = balanced_weights(train, &opts.source_weight);
    Mlp::train(stack(xv, dim).view(), &y, &weights, 3, &opts.config)
}

/// Training provenance: examples per source and class, and the settings.
fn provenance(train: &[Labeled], opts: &SentimentTraining) -> BTreeMap<String, serde_json::Value> {
    let mut provenance = BTreeMap::new();
    provenance.insert(
        "train_examples".into(),
        serde_json::json!(examples_per_source(train)),
    );
    provenance.insert("config".into(), serde_json::json!(opts.config));
    provenance.insert(
        "source_weight".into(),
        serde_json::json!(opts.source_weight),
    );
    provenance.insert(
        "max_per_class".into(),
        serde_json::json!(opts.max_per_class),
    );
    provenance
}

/// Scores the head on the embedded held-out sample per language, per source and overall.
fn score_held_out(
    head: &SentimentHead,
    train: &[Labeled],
    test: &[Labeled],
    tv: &[Vec<f32>],
) -> TrainReport {
    let pred = head.predict(tv);
    let pairs = |f: &dyn Fn(&Labeled) -> bool| -> Vec<(SentimentLabel, SentimentLabel)> {
        test.iter()
            .zip(&pred)
            .filter(|(l, _)| f(l))
            .map(|(l, p)| (l.sentiment.expect("labeled"), p.label))
            .collect()
    };
    let mut train_per_lang = BTreeMap::new();
    for l in train {
        *train_per_lang.entry(l.lang.clone()).or_insert(0) += 1;
    }
    let langs: std::collections::BTreeSet<&str> = test.iter().map(|l| l.lang.as_str()).collect();
    let sources: std::collections::BTreeSet<String> = test
        .iter()
        .map(|l| format!("{}/{}", l.source, l.lang))
        .collect();
    TrainReport {
        train_per_lang,
        test_per_lang: langs
            .iter()
            .map(|&g| (g.to_string(), label_scores(&pairs(&|l| l.lang == g))))
            .collect(),
        test_per_source: sources
            .iter()
            .map(|s| {
                (
                    s.clone(),
                    label_scores(&pairs(&|l| format!("{}/{}", l.source, l.lang) == *s)),
                )
            })
            .collect(),
        test_overall: label_scores(&pairs(&|_| true)),
    }
}

/// Trains a head on the train split of `data` and scores it on the test split: sample both
/// splits, embed them, fit the classifier, record provenance, score the held-out part.
pub fn train_sentiment(
    data: &[Labeled],
    encoder: &dyn Encoder,
    opts: &SentimentTraining,
    progress: &dyn Fn(usize, usize),
) -> Result<(SentimentHead, TrainReport), ClassifyError> {
    let seed = opts.config.seed;
    let train = sample(data, Split::Train, opts.max_per_class, seed);
    let test = sample(data, Split::Test, opts.max_test_per_class, seed);
    let total = train.len() + test.len();
    let xv = embed_all(encoder, &train, &|d, _| progress(d, total))?;
    let tv = embed_all(encoder, &test, &|d, _| progress(train.len() + d, total))?;
    let mut head = SentimentHead {
        encoder: encoder.name().to_string(),
        provenance: provenance(&train, opts),
        mlp: fit_mlp(&train, &xv, encoder.dim(), opts),
    };
    let report = score_held_out(&head, &train, &test, &tv);
    head.provenance
        .insert("held_out".into(), serde_json::json!(report));
    Ok((head, report))
}
