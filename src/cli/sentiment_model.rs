//! `--sentiment linear|tuned`: which sentiment model `analyze` and `eval` use.

use std::path::PathBuf;
use verbatim::encode::BertEncoder;

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
