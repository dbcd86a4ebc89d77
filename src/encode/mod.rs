//! Encode stage: turns text into L2-normalized sentence embeddings.
//!
//! [`Encoder`] is the one trait; [`bert::BertEncoder`] runs a Hugging Face BERT/XLM-R/DistilBERT
//! folder on libtorch: BERT and XLM-R through the fused forward of `lean`, DistilBERT through
//! rust-bert. [`EmbedUnits`] and [`EmbedPlan`] decide what of an answer is embedded and lay a
//! batch out for one call (sentences and clauses as [`Part`]s of their answer, embedded alone or
//! pooled from its pass, [`Parts`]); [`dedup`] embeds each distinct text of a run once; [`store`] keeps a
//! run's vectors on disk.

/// The [`Encoder`] methods that name the model (`dim`, `name`, `fingerprint`) of an encoder
/// that wraps another one in its field `$inner`: a wrapper embeds with the same model.
macro_rules! same_model_as {
    ($inner:ident) => {
        fn dim(&self) -> usize {
            self.$inner.dim()
        }

        fn name(&self) -> &str {
            self.$inner.name()
        }

        fn fingerprint(&self) -> String {
            self.$inner.fingerprint()
        }
    };
}

pub(crate) mod attend;
pub mod bert;
pub(crate) mod cache;
pub mod dedup;
pub mod import_e5;
pub(crate) mod lean;
pub(crate) mod parts;
pub(crate) mod plan;
pub(crate) mod qgemm;
pub mod store;
pub(crate) mod token_scale;
pub mod tuned;
pub(crate) mod weights;

pub use bert::{BertEncoder, EncoderOptions, Engine, Parts, Precision};
pub use cache::CachedEncoder;
pub use dedup::DedupEncoder;
pub use plan::{
    EmbedPlan, EmbedUnits, Span, Split, MAX_EMBED_CHARS, MAX_EMBED_SENTENCES, MAX_UNIT_CHARS,
};

/// Whether a text is a search query or a stored passage. E5-family models were trained with
/// different prefixes for the two; other models ignore the distinction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextKind {
    /// A search query or a theme description.
    Query,
    /// An answer or sentence being indexed or classified.
    Passage,
}

/// Errors of the encode stage.
#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    /// The model folder is missing a file or holds something unusable.
    #[error("model folder {dir}: {why}")]
    Model {
        /// The model folder.
        dir: std::path::PathBuf,
        /// What is wrong and what to do.
        why: String,
    },
    /// Tokenization failed.
    #[error("tokenizer: {0}")]
    Tokenizer(String),
    /// libtorch reported an error while running the model.
    #[error("model inference: {0}")]
    Torch(String),
}

/// [`EncodeError::Model`] for the model folder `dir`.
pub(crate) fn model_err(dir: &std::path::Path, why: impl Into<String>) -> EncodeError {
    EncodeError::Model {
        dir: dir.to_path_buf(),
        why: why.into(),
    }
}

impl EncodeError {
    /// What kind of failure this is: a model folder that lacks a file or holds an unusable one
    /// is the user's to fix (the message says how); a tokenizer or model that fails on its
    /// input is a corrupt model.
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            EncodeError::Model { .. } => crate::error::ErrorKind::User,
            EncodeError::Tokenizer(_) | EncodeError::Torch(_) => crate::error::ErrorKind::Corrupt,
        }
    }
}

/// What one encoder call returns: a vector per text and, when a tuned sentiment top is attached
/// ([`BertEncoder::attach_sentiment`]), `[negative, neutral, positive]` probabilities per text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Encoded {
    /// L2-normalized embedding per text, in input order.
    pub vectors: Vec<Vec<f32>>,
    /// Tuned sentiment probabilities per text, in input order.
    pub sentiment: Option<Vec<[f32; 3]>>,
}

/// A part of one text of an [`Encoder::encode_parts`] call: the bytes `range` of text `of`
/// (a sentence or clause of an answer).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Part {
    /// Index of the text the part is of.
    pub of: usize,
    /// Byte range of the part in that text (on char boundaries).
    pub range: std::ops::Range<usize>,
}

/// Turns texts into L2-normalized embedding vectors (cosine similarity = dot product).
pub trait Encoder: Send + Sync {
    /// Vector dimension.
    fn dim(&self) -> usize;
    /// A short name of the model, recorded with stored vectors.
    fn name(&self) -> &str;
    /// What identifies the model's weights beyond its name (recorded in provenance.json so
    /// that `merge` refuses runs of different models); the name when nothing more is known.
    fn fingerprint(&self) -> String {
        self.name().to_string()
    }
    /// Embeds `texts`, one vector per text, in input order.
    fn embed(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Vec<f32>>, EncodeError>;
    /// Embeds `texts` and, where the encoder has a tuned sentiment top, classifies them in the
    /// same pass (the lower layers run once for both).
    fn encode(&self, texts: &[&str], kind: TextKind) -> Result<Encoded, EncodeError> {
        Ok(Encoded {
            vectors: self.embed(texts, kind)?,
            sentiment: None,
        })
    }
    /// Embeds `texts` and then `parts` of them: row `texts.len() + j` of the result is part
    /// `j`'s. An encoder that does not pool parts ([`Encoder::pools_parts`]) embeds each part's
    /// text on its own, as one more text; one that does gets them in
    /// [`Encoder::encode_pooled`].
    fn encode_parts(
        &self,
        texts: &[&str],
        parts: &[Part],
        kind: TextKind,
    ) -> Result<Encoded, EncodeError> {
        match self.pools_parts() && !parts.is_empty() {
            true => self.encode_pooled(texts, parts, kind),
            false => self.encode(&with_parts(texts, parts), kind),
        }
    }
    /// Whether [`Encoder::encode_parts`] pools a part from its text's pass, so that its vector
    /// depends on the text around it (else a part's vector is its own text's).
    fn pools_parts(&self) -> bool {
        false
    }
    /// [`Encoder::encode_parts`] of an encoder that pools parts (only called when
    /// [`Encoder::pools_parts`]): [`BertEncoder`] with [`Parts::Pooled`] pools a part from the
    /// token states of its text's one pass. This default embeds each part's text on its own.
    fn encode_pooled(
        &self,
        texts: &[&str],
        parts: &[Part],
        kind: TextKind,
    ) -> Result<Encoded, EncodeError> {
        self.encode(&with_parts(texts, parts), kind)
    }
}

/// `texts` followed by the text of each of `parts`.
fn with_parts<'t>(texts: &[&'t str], parts: &[Part]) -> Vec<&'t str> {
    let mut all = texts.to_vec();
    all.extend(parts.iter().map(|p| &texts[p.of][p.range.clone()]));
    all
}

/// Pseudo-random values in [-2, 2) for the kernels' tests (a fixed LCG, so a test sees the
/// same values every run).
#[cfg(test)]
pub(crate) fn test_values(n: usize, seed: u64) -> Vec<f32> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((x >> 40) as f32 / (1u64 << 24) as f32) * 4.0 - 2.0
        })
        .collect()
}
