//! The model arguments shared by `analyze` and `eval`: the encoder folder, threads and
//! precision, the sentiment head, and `--sentiment linear|tuned`, which sentiment model they use.

use std::path::PathBuf;
use verbatim::encode::{BertEncoder, EncoderOptions, Engine, Parts, Precision};

/// The sentiment model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SentimentKind {
    /// The linear head over the answer embeddings (`--sentiment-head`).
    Linear,
    /// The fine-tuned top layers + classifier (`--sentiment-tuned`), sharing the lower layers.
    Tuned,
}

/// Sentiment model arguments shared by `analyze` and `eval`.
#[derive(clap::Args, Debug, Clone)]
pub struct SentimentArgs {
    /// Sentiment model: the linear head (default: it scored at least as well as the tuned top
    /// on corpora/dev, see README) or the fine-tuned top layers.
    #[arg(long, value_enum, default_value_t = SentimentKind::Linear)]
    pub sentiment: SentimentKind,
    /// Tuned sentiment weights (`verbatim train-sentiment --fine-tune`).
    #[arg(long, default_value = "models/heads/sentiment-tuned.safetensors")]
    pub sentiment_tuned: PathBuf,
}

/// The encoder and sentiment model arguments of `analyze` and `eval`.
#[derive(clap::Args, Debug, Clone)]
pub struct ModelArgs {
    /// Encoder model folder (any Hugging Face BERT / XLM-R / DistilBERT folder).
    #[arg(long, default_value = "models/e5-small")]
    pub model: PathBuf,
    /// Sentiment head trained for the model.
    #[arg(long, default_value = "models/heads/sentiment.json")]
    pub sentiment_head: PathBuf,
    #[command(flatten)]
    pub sentiment: SentimentArgs,
    /// Encoder threads (`analyze`: also the text stage's).
    #[arg(long, default_value_t = 2)]
    pub threads: usize,
    /// Weights of the encoder's linear layers: int8 (dynamic quantization; the default with
    /// the lean forward) or f32 (as trained; the default with --engine rust-bert).
    #[arg(long, value_enum)]
    pub precision: Option<Precision>,
    /// Forward pass: lean (fused, the default) or rust-bert (the reference implementation;
    /// f32 only). The two agree to cosine >= 0.99999.
    #[arg(long, value_enum, default_value_t = Engine::Lean)]
    pub engine: Engine,
    /// How an answer's sentences and clauses are embedded: each in a forward pass of its own
    /// (alone, the default) or pooled from the answer's pass (about 1.8x faster encoding;
    /// themes and search hold, but a sentence takes on its answer's sentiment: see README).
    #[arg(long, value_enum, default_value_t = Parts::Alone)]
    pub parts: Parts,
}

impl ModelArgs {
    /// Loads the encoder with these threads and precision, the sentiment model applied.
    pub fn load_encoder(&self) -> anyhow::Result<BertEncoder> {
        let options = EncoderOptions {
            threads: self.threads,
            precision: self.precision.unwrap_or(self.engine.default_precision()),
            engine: self.engine,
            parts: self.parts,
            ..Default::default()
        };
        let mut encoder = BertEncoder::load(&self.model, options)?;
        self.sentiment.apply(&mut encoder)?;
        Ok(encoder)
    }
}

impl SentimentArgs {
    /// Attaches the tuned top to `encoder` when `--sentiment tuned`.
    pub fn apply(&self, encoder: &mut BertEncoder) -> anyhow::Result<()> {
        if self.sentiment == SentimentKind::Tuned {
            if !self.sentiment_tuned.exists() {
                anyhow::bail!(
                    "{} not found; restore it from git, re-create it with `verbatim train-sentiment --fine-tune`, or pass --sentiment linear",
                    self.sentiment_tuned.display()
                );
            }
            encoder.attach_sentiment(&self.sentiment_tuned)?;
        }
        Ok(())
    }
}
