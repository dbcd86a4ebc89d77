//! `verbatim train-sentiment`: trains the sentiment head on labeled multilingual data and
//! reports held-out scores per language; `--fine-tune` tunes the encoder's top layers instead.

use super::progress::bar;
use std::path::PathBuf;
use verbatim::classify::datasets::{read_jsonl, shared_sentiment, Labeled, Split};
use verbatim::classify::mlp::TrainConfig;
use verbatim::classify::sentiment::SentimentHead;
use verbatim::classify::train::fine_tune_sentiment;
use verbatim::classify::train::{train_sentiment, SentimentTraining};
use verbatim::encode::tuned::TuneOptions;
use verbatim::encode::{BertEncoder, CachedEncoder, EncoderOptions, Precision};

/// Arguments of `verbatim train-sentiment`.
#[derive(clap::Args)]
pub struct Args {
    /// Folder of public labeled sets (see its README.md).
    #[arg(long, default_value = "../shared/data")]
    data: PathBuf,
    /// Extra labeled JSONL files (text, lang, sentiment), used for training only.
    #[arg(long, default_value = "corpora/train/sentiment.jsonl")]
    extra: Vec<PathBuf>,
    /// Encoder model folder.
    #[arg(long, default_value = "models/e5-small")]
    model: PathBuf,
    /// Where to write the head.
    #[arg(long, default_value = "models/heads/sentiment.json")]
    out: PathBuf,
    /// Seed of sampling, initialization and shuffling.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Hidden units (0 = logistic regression).
    #[arg(long, default_value_t = 0)]
    hidden: usize,
    /// Training epochs.
    #[arg(long, default_value_t = 100)]
    epochs: usize,
    /// Most training examples per language and class.
    #[arg(long, default_value_t = 600)]
    max_per_class: usize,
    /// Weight of each --extra example relative to a public-data example of the same language
    /// and class (the extra files are in-domain survey answers).
    #[arg(long, default_value_t = 8.0)]
    extra_weight: f32,
    /// Embedding cache file (skips re-embedding on a retrain).
    #[arg(long, default_value = "target/verbatim-cache/train-embeddings.bin")]
    cache: PathBuf,
    /// Encoder threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Fine-tune the encoder's top layers + a classifier (started from the linear head in
    /// --out) instead of training the linear head; writes --tuned-out.
    #[arg(long)]
    fine_tune: bool,
    /// Top transformer layers to fine-tune.
    #[arg(long, default_value_t = 1, requires = "fine_tune")]
    layers: usize,
    /// Passes over the fine-tuning sample.
    #[arg(long, default_value_t = 3, requires = "fine_tune")]
    tune_epochs: usize,
    /// Most fine-tuning examples per language and class.
    #[arg(long, default_value_t = 300, requires = "fine_tune")]
    tune_max_per_class: usize,
    /// AdamW step size of the tuned layers.
    #[arg(long, default_value_t = 5e-5, requires = "fine_tune")]
    tune_lr: f64,
    /// AdamW step size of the classifier.
    #[arg(long, default_value_t = 1e-3, requires = "fine_tune")]
    tune_lr_classifier: f64,
    /// Where to write the tuned weights (fp16 safetensors; provenance next to it as .json).
    #[arg(long, default_value = "models/heads/sentiment-tuned.safetensors")]
    tuned_out: PathBuf,
}

/// The encoder both trainings embed with (texts cut to 128 tokens).
fn training_encoder(args: &Args) -> anyhow::Result<BertEncoder> {
    Ok(BertEncoder::load(
        &args.model,
        EncoderOptions {
            threads: args.threads,
            max_tokens: Some(128),
            // The heads are trained on f32 vectors, the model as trained.
            precision: Precision::F32,
            ..Default::default()
        },
    )?)
}

/// `--fine-tune`: trains the top layers and writes the weights and their provenance.
fn fine_tune(args: &Args, data: &[Labeled], opts: SentimentTraining) -> anyhow::Result<()> {
    let encoder = training_encoder(args)?;
    let head = SentimentHead::load(&args.out)?;
    let tune = TuneOptions {
        layers: args.layers,
        epochs: args.tune_epochs,
        lr: args.tune_lr,
        lr_classifier: args.tune_lr_classifier,
        seed: args.seed,
        ..Default::default()
    };
    let opts = SentimentTraining {
        max_per_class: args.tune_max_per_class,
        ..opts
    };
    let pb = bar(0, "fine-tuning");
    let started = std::time::Instant::now();
    let (tensors, mut provenance) =
        fine_tune_sentiment(data, &encoder, &head, &opts, &tune, &|what, done, total| {
            pb.set_message(what.to_string());
            pb.set_length(total as u64);
            pb.set_position(done as u64);
        })?;
    pb.finish_and_clear();
    verbatim::encode::tuned::save(&tensors, &args.tuned_out)?;
    provenance["seconds"] = serde_json::json!(started.elapsed().as_secs());
    let meta = args.tuned_out.with_extension("json");
    std::fs::write(&meta, serde_json::to_string_pretty(&provenance)?)?;
    eprintln!(
        "wrote {} and {} ({} s); score it with `verbatim eval corpora/dev/labeled.jsonl`",
        args.tuned_out.display(),
        meta.display(),
        started.elapsed().as_secs()
    );
    Ok(())
}

/// Runs training.
pub fn run(args: Args) -> anyhow::Result<()> {
    let mut data = shared_sentiment(&args.data)?;
    for extra in &args.extra {
        if extra.exists() {
            data.extend(read_jsonl(extra, Split::Train)?);
        } else {
            eprintln!("note: {} not found, skipped", extra.display());
        }
    }
    if data.is_empty() {
        anyhow::bail!(
            "no labeled data found in {} or the --extra files; point --data at the shared data folder",
            args.data.display()
        );
    }
    let opts = SentimentTraining {
        max_per_class: args.max_per_class,
        source_weight: args
            .extra
            .iter()
            .filter_map(|p| p.file_stem())
            .map(|s| (s.to_string_lossy().into_owned(), args.extra_weight))
            .collect(),
        config: TrainConfig {
            hidden: args.hidden,
            epochs: args.epochs,
            seed: args.seed,
            ..Default::default()
        },
        ..Default::default()
    };
    if args.fine_tune {
        return fine_tune(&args, &data, opts);
    }
    let encoder = training_encoder(&args)?;
    let cached = CachedEncoder::open(&encoder, &args.cache)?;
    let pb = bar(0, "embedding");
    let (head, report) = train_sentiment(&data, &cached, &opts, &|done, total| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
    })?;
    pb.finish_and_clear();
    head.save(&args.out)?;
    println!("held-out sentiment scores (test splits of the training sources)");
    println!(
        "{:<28} {:>6} {:>9} {:>9}",
        "language / source", "n", "accuracy", "macro-F1"
    );
    for (k, s) in report.test_per_lang.iter().chain(&report.test_per_source) {
        println!(
            "{:<28} {:>6} {:>9.3} {:>9.3}",
            k, s.n, s.accuracy, s.macro_f1
        );
    }
    let o = report.test_overall;
    println!(
        "{:<28} {:>6} {:>9.3} {:>9.3}",
        "overall", o.n, o.accuracy, o.macro_f1
    );
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
