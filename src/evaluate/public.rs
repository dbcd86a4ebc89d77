//! `verbatim eval --public DIR`: sentiment on the public test splits of `../shared/data` (rows
//! that `train-sentiment` never fits, see [`datasets::public_tests`]), per set and language:
//! accuracy, macro-F1 (3-class where the set has neutral rows, else negative vs positive),
//! binary accuracy (argmax of negative vs positive on the non-neutral rows) and a confusion
//! matrix. Each set/language uses its first `rows` rows after a shuffle seeded by `seed`.

use crate::classify::datasets::{self, Labeled};
use crate::classify::metrics::label_scores;
use crate::classify::sentiment::{sentiments, SentimentHead};
use crate::classify::ClassifyError;
use crate::encode::{Encoder, TextKind};
use crate::record::SentimentLabel;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Scores of one public set in one language.
#[derive(Debug, Clone, Serialize)]
pub struct PublicScores {
    /// Set name, e.g. `arabic-reviews/PROD`.
    pub set: String,
    /// Language.
    pub lang: String,
    /// Test rows the set has in this language.
    pub rows_available: usize,
    /// Rows scored: the first `rows` after a shuffle with `seed`.
    pub rows_used: usize,
    /// The shuffle's seed.
    pub seed: u64,
    /// 3 when the set has neutral rows, else 2.
    pub classes: usize,
    /// Share of rows whose 3-class argmax is the gold label.
    pub accuracy: f64,
    /// Macro-F1 over the set's classes (negative vs positive argmax on a 2-class set).
    pub macro_f1: f64,
    /// Argmax of negative vs positive on the non-neutral rows.
    pub binary_accuracy: f64,
    /// Non-neutral rows.
    pub binary_n: usize,
    /// Rows gold `[negative, neutral, positive]` x predicted (3-class argmax), same order.
    pub confusion: [[usize; 3]; 3],
}

/// The seeded selection of at most `rows` rows of each (set, language), in a stable order.
pub fn select(
    all: Vec<Labeled>,
    rows: usize,
    seed: u64,
) -> Vec<(String, String, usize, Vec<Labeled>)> {
    let mut groups: BTreeMap<(String, String), Vec<Labeled>> = BTreeMap::new();
    for l in all.into_iter().filter(|l| l.sentiment.is_some()) {
        groups
            .entry((l.source.clone(), l.lang.clone()))
            .or_default()
            .push(l);
    }
    groups
        .into_iter()
        .map(|((set, lang), mut v)| {
            let n = v.len();
            v.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
            v.truncate(rows);
            (set, lang, n, v)
        })
        .collect()
}

/// Scores of `pairs` of (gold, predicted probabilities).
fn score(pairs: &[(SentimentLabel, [f32; 3])]) -> (usize, f64, f64, f64, usize, [[usize; 3]; 3]) {
    let classes = if pairs.iter().any(|p| p.0 == SentimentLabel::Neutral) {
        3
    } else {
        2
    };
    let argmax = |p: &[f32; 3]| crate::classify::sentiment::to_sentiment(*p).label;
    let binary = |p: &[f32; 3]| {
        if p[0] > p[2] {
            SentimentLabel::Negative
        } else {
            SentimentLabel::Positive
        }
    };
    let three: Vec<_> = pairs.iter().map(|(g, p)| (*g, argmax(p))).collect();
    let bin: Vec<_> = pairs
        .iter()
        .filter(|(g, _)| *g != SentimentLabel::Neutral)
        .map(|(g, p)| (*g, binary(p)))
        .collect();
    let mut confusion = [[0usize; 3]; 3];
    for (g, p) in &three {
        confusion[g.index()][p.index()] += 1;
    }
    let macro_f1 = if classes == 3 {
        label_scores(&three).macro_f1
    } else {
        label_scores(&bin).macro_f1
    };
    let b = label_scores(&bin);
    (
        classes,
        label_scores(&three).accuracy,
        macro_f1,
        b.accuracy,
        b.n,
        confusion,
    )
}

/// Scores every public test set found under `data_dir`, `rows` rows per set and language.
pub fn run_public(
    data_dir: &Path,
    rows: usize,
    seed: u64,
    encoder: &dyn Encoder,
    head: &SentimentHead,
) -> Result<Vec<PublicScores>, ClassifyError> {
    let sets = select(datasets::public_tests(data_dir)?, rows, seed);
    if sets.is_empty() {
        return Err(ClassifyError::Format {
            path: data_dir.to_path_buf(),
            why: "no public test set found; point --public at the shared data folder (see its README.md)".into(),
        });
    }
    let mut out = Vec::new();
    for (set, lang, available, items) in sets {
        let texts = datasets::model_texts(&items);
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let encoded = encoder.encode(&refs, TextKind::Passage)?;
        let pairs: Vec<(SentimentLabel, [f32; 3])> = items
            .iter()
            .zip(sentiments(&encoded, head))
            .filter_map(|(l, s)| Some((l.sentiment?, s.probs)))
            .collect();
        let (classes, accuracy, macro_f1, binary_accuracy, binary_n, confusion) = score(&pairs);
        out.push(PublicScores {
            set,
            lang,
            rows_available: available,
            rows_used: pairs.len(),
            seed,
            classes,
            accuracy,
            macro_f1,
            binary_accuracy,
            binary_n,
            confusion,
        });
    }
    Ok(out)
}
