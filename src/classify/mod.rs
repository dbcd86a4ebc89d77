//! Classify stage: sentiment and themes from sentence embeddings.
//!
//! - [`sentiment`]: a trained head (negative / neutral / positive) and the "mixed" rule.
//! - [`codebook`]: themes from a user codebook by embedding similarity, multi-label.
//! - [`discovery`]: themes found by clustering when there is no codebook; `split`: one
//!   discovered theme split into sub-themes.
//! - [`mlp`]: the small softmax classifier the heads use; [`datasets`]: labeled data readers;
//!   `metrics`: accuracy and F1 for `verbatim eval`.

pub mod codebook;
pub mod datasets;
pub mod discovery;
pub mod hierarchy;
pub(crate) mod metrics;
pub mod mlp;
pub mod sentiment;
pub(crate) mod split;
pub(crate) mod stopwords;
pub mod train;
pub mod zero_shot;

use std::path::PathBuf;

/// Seed of the codebook classifier's training (initialization and shuffling).
pub const THEME_SEED: u64 = 7;

impl codebook::ThemeModel {
    /// The codebook's theme model: trained on its examples and descriptions, or zero-shot
    /// ([`zero_shot::build`]) when the codebook has no examples. Deterministic: a fixed seed
    /// ([`THEME_SEED`]), and the same codebook gives the same weights.
    pub fn build(
        cb: &codebook::Codebook,
        encoder: &dyn crate::encode::Encoder,
    ) -> Result<codebook::ThemeModel, ClassifyError> {
        Self::build_seeded(cb, encoder, THEME_SEED)
    }

    /// [`ThemeModel::build`](codebook::ThemeModel::build) with another training seed (a
    /// zero-shot codebook trains nothing, so the seed changes nothing there).
    pub fn build_seeded(
        cb: &codebook::Codebook,
        encoder: &dyn crate::encode::Encoder,
        seed: u64,
    ) -> Result<codebook::ThemeModel, ClassifyError> {
        if cb.is_zero_shot() {
            zero_shot::build(cb, encoder)
        } else {
            codebook::ThemeModel::build_supervised(cb, encoder, seed)
        }
    }
}

/// Errors of the classify stage.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// A file could not be read or written.
    #[error(transparent)]
    Io(#[from] crate::error::IoError),
    /// A file has the wrong content.
    #[error("{path}: {why}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong and how to fix it.
        why: String,
    },
    /// The encoder failed.
    #[error(transparent)]
    Encode(#[from] crate::encode::EncodeError),
}

impl ClassifyError {
    /// What kind of failure this is: a codebook or head file with the wrong content is the
    /// user's to fix (the message says how).
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            ClassifyError::Io(_) => crate::error::ErrorKind::Io,
            ClassifyError::Format { .. } => crate::error::ErrorKind::User,
            ClassifyError::Encode(e) => e.kind(),
        }
    }
}
