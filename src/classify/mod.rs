//! Classify stage: sentiment and themes from sentence embeddings.
//!
//! - [`sentiment`]: a trained head (negative / neutral / positive) and the "mixed" rule.
//! - [`codebook`]: themes from a user codebook by embedding similarity, multi-label.
//! - [`discovery`]: themes found by clustering when there is no codebook; [`split`]: one
//!   discovered theme split into sub-themes.
//! - [`mlp`]: the small softmax classifier the heads use; [`datasets`]: labeled data readers;
//!   [`metrics`]: accuracy and F1 for `verbatim eval`.

pub mod codebook;
pub mod datasets;
pub mod discovery;
pub mod hierarchy;
pub mod metrics;
pub mod mlp;
pub mod sentiment;
pub mod split;
pub(crate) mod stopwords;
pub mod train;
pub mod zero_shot;

use std::path::{Path, PathBuf};

impl codebook::ThemeModel {
    /// The codebook's theme model: trained on its examples and descriptions, or zero-shot
    /// ([`zero_shot::build`]) when the codebook has no examples. Deterministic: a fixed seed,
    /// and the same codebook gives the same weights.
    pub fn build(
        cb: &codebook::Codebook,
        encoder: &dyn crate::encode::Encoder,
    ) -> Result<codebook::ThemeModel, ClassifyError> {
        if cb.is_zero_shot() {
            zero_shot::build(cb, encoder)
        } else {
            codebook::ThemeModel::build_supervised(cb, encoder)
        }
    }
}

/// Errors of the classify stage.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
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
    /// An I/O error on `path`.
    pub fn io(path: &Path, source: std::io::Error) -> ClassifyError {
        ClassifyError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
