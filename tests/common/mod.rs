//! Shared helpers of the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;
use verbatim::encode::{BertEncoder, EncoderOptions};

/// The default model folder that scripts/install.sh makes.
pub fn model_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/e5-small")
}

/// The default encoder, loaded once per test binary.
pub fn encoder() -> &'static BertEncoder {
    static ENC: OnceLock<BertEncoder> = OnceLock::new();
    ENC.get_or_init(|| {
        BertEncoder::load(&model_dir(), EncoderOptions::default())
            .expect("models/e5-small is installed by scripts/install.sh")
    })
}

/// Dot product of two L2-normalized vectors (their cosine similarity).
pub fn cos(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
