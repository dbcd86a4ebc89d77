//! Sentiment: a trained softmax head over sentence embeddings that returns negative / neutral /
//! positive probabilities, and the "mixed" rule over an answer's sentences.

use super::mlp::{stack, Mlp};
use super::ClassifyError;
use crate::error::IoResultExt;
use crate::record::{Sentiment, SentimentLabel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The sentiment head shipped in `models/heads/sentiment.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SentimentHead {
    /// Encoder the head was trained on; embeddings of another encoder are meaningless to it.
    pub encoder: String,
    /// Training provenance: examples per source and label, the seed, settings.
    pub provenance: BTreeMap<String, serde_json::Value>,
    /// The classifier, classes in `[negative, neutral, positive]` order.
    pub mlp: Mlp,
}

/// Probability a sentence needs for one class before it counts towards "mixed".
pub const MIXED_MIN_PROB: f32 = 0.6;

impl SentimentHead {
    /// Loads a head from JSON.
    pub fn load(path: &Path) -> Result<SentimentHead, ClassifyError> {
        let raw = std::fs::read(path).at(path)?;
        serde_json::from_slice(&raw).map_err(|e| ClassifyError::Format {
            path: path.to_path_buf(),
            why: format!(
                "{e}; re-create it with `verbatim train-sentiment` or restore it from git"
            ),
        })
    }

    /// Saves the head as JSON.
    pub fn save(&self, path: &Path) -> Result<(), ClassifyError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).at(dir)?;
        }
        let json = serde_json::to_vec(self).expect("head serializes");
        Ok(std::fs::write(path, json).at(path)?)
    }

    /// Sentiment of each embedding.
    pub fn predict(&self, vectors: &[Vec<f32>]) -> Vec<Sentiment> {
        if vectors.is_empty() {
            return Vec::new();
        }
        let p = self.mlp.predict(stack(vectors, self.mlp.dim).view());
        p.rows()
            .into_iter()
            .map(|r| to_sentiment([r[0], r[1], r[2]]))
            .collect()
    }
}

/// Sentiment of each encoded text: the tuned top's probabilities when the encoder has one
/// (`Encoded::sentiment`), else the linear head over the vectors.
pub fn sentiments(encoded: &crate::encode::Encoded, head: &SentimentHead) -> Vec<Sentiment> {
    match &encoded.sentiment {
        Some(p) => p.iter().map(|&p| to_sentiment(p)).collect(),
        None => head.predict(&encoded.vectors),
    }
}

/// Builds a [`Sentiment`] from `[negative, neutral, positive]` probabilities.
pub fn to_sentiment(probs: [f32; 3]) -> Sentiment {
    let best = (0..3)
        .max_by(|&a, &b| probs[a].total_cmp(&probs[b]))
        .unwrap_or(1);
    Sentiment {
        label: SentimentLabel::ALL[best],
        probs,
    }
}

/// True when at least one sentence is clearly positive and another clearly negative
/// ("great staff but the delivery was late").
pub fn is_mixed(sentences: &[Sentiment]) -> bool {
    let clear = |l: SentimentLabel| {
        sentences
            .iter()
            .any(|s| s.label == l && s.probs[l.index()] >= MIXED_MIN_PROB)
    };
    clear(SentimentLabel::Positive) && clear(SentimentLabel::Negative)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_needs_a_clear_positive_and_a_clear_negative_sentence() {
        let pos = to_sentiment([0.1, 0.1, 0.8]);
        let neg = to_sentiment([0.7, 0.2, 0.1]);
        let weak_neg = to_sentiment([0.45, 0.35, 0.2]);
        assert!(is_mixed(&[pos, neg]));
        assert!(!is_mixed(&[pos, weak_neg]));
        assert!(!is_mixed(&[pos]));
        assert_eq!(neg.label, SentimentLabel::Negative);
    }
}
