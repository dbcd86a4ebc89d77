//! Shared helpers of the integration tests: the real encoder loaded once, and a stub encoder for
//! tests of plumbing (run folders, rejects, shards, refusals) that need vectors but not good ones.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use verbatim::encode::{BertEncoder, EncodeError, Encoder, EncoderOptions, TextKind};

/// The theme ids of the labeled eval codebook (`corpora/eval/themes.yaml`), in its order.
pub fn eval_theme_ids() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/eval/themes.yaml");
    verbatim::classify::codebook::Codebook::load(&path)
        .expect("the eval codebook loads")
        .ids()
}

/// The standard output of a command that must have succeeded; otherwise the test fails with
/// the command's standard error.
pub fn ok(o: &std::process::Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{}: {err}", o.status);
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The default model folder that scripts/install.sh makes.
pub fn model_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/e5-small")
}

/// The default encoder (int8 weights), loaded once per test binary.
pub fn encoder() -> &'static BertEncoder {
    static ENC: OnceLock<BertEncoder> = OnceLock::new();
    ENC.get_or_init(|| {
        BertEncoder::load(&model_dir(), EncoderOptions::default())
            .expect("models/e5-small is installed by scripts/install.sh")
    })
}

/// The encoder with f32 weights (`--precision f32`, the reference int8 is measured against),
/// loaded once per test binary.
pub fn encoder_f32() -> &'static BertEncoder {
    static ENC: OnceLock<BertEncoder> = OnceLock::new();
    ENC.get_or_init(|| {
        let opts = EncoderOptions {
            precision: verbatim::encode::Precision::F32,
            ..Default::default()
        };
        BertEncoder::load(&model_dir(), opts).expect("models/e5-small is installed")
    })
}

/// The default encoder with the parts of a text (an answer's sentences and clauses) pooled
/// from the text's pass (`--parts pooled`), loaded once per test binary.
pub fn encoder_pooled() -> &'static BertEncoder {
    static ENC: OnceLock<BertEncoder> = OnceLock::new();
    ENC.get_or_init(|| {
        let opts = EncoderOptions {
            parts: verbatim::encode::Parts::Pooled,
            ..Default::default()
        };
        BertEncoder::load(&model_dir(), opts).expect("models/e5-small is installed")
    })
}

/// Dot product of two L2-normalized vectors (their cosine similarity).
pub fn cos(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// A deterministic encoder without a model: each text's character trigrams (lower-cased, with
/// two marks at each end, so an empty text has some) hashed into the real model's 384 dimensions with a hashed sign, then
/// L2-normalized. Equal texts get equal vectors and texts sharing words get similar ones, which
/// is all that tests of plumbing need; it knows nothing of meaning or language, so tests of model
/// quality use [`encoder`].
pub struct StubEncoder;

/// The stub's model name, recorded in the runs it makes (and in [`stub_head`]).
pub const STUB_MODEL: &str = "stub-char-trigrams";

/// The stub encoder.
pub fn stub() -> &'static StubEncoder {
    &StubEncoder
}

/// FNV-1a of `bytes`, seeded with `kind` (so queries and passages differ as with e5).
fn fnv(bytes: &[u8], kind: TextKind) -> u64 {
    let seed = match kind {
        TextKind::Query => 0xcbf2_9ce4_8422_2325u64,
        TextKind::Passage => 0x8422_2325_cbf2_9ce4u64,
    };
    bytes
        .iter()
        .fold(seed, |h, b| (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3))
}

impl StubEncoder {
    /// The stub vector of one text.
    pub fn vector(text: &str, kind: TextKind) -> Vec<f32> {
        let chars: Vec<char> = "\u{2}\u{2}"
            .chars()
            .chain(text.to_lowercase().chars())
            .chain("\u{3}\u{3}".chars())
            .collect();
        let mut v = vec![0f32; 384];
        for gram in chars.windows(3) {
            let s: String = gram.iter().collect();
            let h = fnv(s.as_bytes(), kind);
            let sign = if h >> 63 == 0 { 1.0 } else { -1.0 };
            v[(h % 384) as usize] += sign;
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm.max(1e-6));
        v
    }
}

impl Encoder for StubEncoder {
    fn dim(&self) -> usize {
        384
    }

    fn name(&self) -> &str {
        STUB_MODEL
    }

    fn embed(&self, texts: &[&str], kind: TextKind) -> Result<Vec<Vec<f32>>, EncodeError> {
        Ok(texts.iter().map(|t| Self::vector(t, kind)).collect())
    }
}

/// The shipped sentiment head (models/heads/sentiment.json) relabeled for [`StubEncoder`], so
/// that `analyze` accepts it with the stub; written once per test binary. Its sentiments of stub
/// vectors are deterministic but meaningless.
pub fn stub_head() -> PathBuf {
    static HEAD: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    HEAD.get_or_init(|| {
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/heads/sentiment.json");
        let mut head = verbatim::classify::sentiment::SentimentHead::load(&shipped).unwrap();
        head.encoder = STUB_MODEL.to_string();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sentiment-stub.json");
        head.save(&path).unwrap();
        (dir, path)
    })
    .1
    .clone()
}

#[cfg(test)]
mod stub_tests {
    use super::*;

    #[test]
    fn stub_vectors_are_deterministic_normalized_and_alike_for_alike_texts() {
        let v = stub()
            .embed(
                &[
                    "late delivery",
                    "late delivery",
                    "the delivery was late",
                    "great staff",
                    "",
                ],
                TextKind::Passage,
            )
            .unwrap();
        assert_eq!(v[0], v[1]);
        for x in &v {
            assert_eq!(x.len(), 384);
            assert!((cos(x, x) - 1.0).abs() < 1e-5);
        }
        assert!(cos(&v[0], &v[2]) > cos(&v[0], &v[3]) + 0.2);
        let q = stub().embed(&["late delivery"], TextKind::Query).unwrap();
        assert_ne!(q[0], v[0]);
    }
}
