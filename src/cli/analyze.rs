//! `verbatim analyze`: a survey export in, a run folder out.

use super::progress::bar;
use indicatif::ProgressBar;
use std::path::PathBuf;
use std::sync::Mutex;
use verbatim::classify::discovery::DiscoveryOptions;
use verbatim::encode::{BertEncoder, EncoderOptions};
use verbatim::ingest::IngestOptions;
use verbatim::pipeline::{analyze, AnalyzeOptions, Progress, ThemeSource};

/// Output formats beside responses.jsonl.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// responses.jsonl only.
    Jsonl,
    /// responses.jsonl and responses.parquet.
    Parquet,
}

/// Arguments of `verbatim analyze`.
#[derive(clap::Args)]
pub struct Args {
    /// The export: .csv/.tsv (any delimiter, UTF-8 or UTF-16), .xlsx or .jsonl.
    export: PathBuf,
    /// Column with the open-text answer (header text, column id or import id).
    #[arg(long)]
    text_col: String,
    /// Column with the 0-10 score.
    #[arg(long)]
    score_col: Option<String>,
    /// Column with the respondent id.
    #[arg(long)]
    id_col: Option<String>,
    /// Column with the response date.
    #[arg(long)]
    date_col: Option<String>,
    /// Columns to break results down by (repeatable).
    #[arg(long = "segment-col")]
    segment_cols: Vec<String>,
    /// Run folder to write.
    #[arg(long)]
    out: PathBuf,
    /// Theme codebook (YAML, or CSV `id,name,description,examples`); without it themes are
    /// discovered.
    #[arg(long)]
    codebook: Option<PathBuf>,
    /// Self-train a codebook without examples on this export before assigning themes (seed:
    /// `--seed`).
    #[arg(long, requires = "codebook")]
    self_train: bool,
    /// Write discovered themes as an editable codebook, to repeat runs with stable ids.
    #[arg(long, conflicts_with = "codebook")]
    save_codebook: Option<PathBuf>,
    /// Number of themes to discover (default: from the number of sentences).
    #[arg(long, conflicts_with = "codebook")]
    themes: Option<usize>,
    /// Seed of theme discovery.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Encoder model folder (any Hugging Face BERT / XLM-R / DistilBERT folder).
    #[arg(long, default_value = "models/e5-small")]
    model: PathBuf,
    /// Sentiment head trained for the model.
    #[arg(long, default_value = "models/heads/sentiment.json")]
    sentiment_head: PathBuf,
    /// Threads for the encoder and the text stage.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Extra output format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    /// Analyze only shard i of n (rows with (row-1) % n == i); merge shards with `verbatim merge`.
    #[arg(long, value_parser = parse_shard)]
    shard: Option<(u64, u64)>,
    /// Rows per processing chunk.
    #[arg(long, default_value_t = 512)]
    chunk: usize,
}

fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let (i, n) = s
        .split_once('/')
        .ok_or_else(|| format!("{s:?}: write the shard as i/n, e.g. 0/4"))?;
    let i: u64 = i
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: i is not a number"))?;
    let n: u64 = n
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: n is not a number"))?;
    if n == 0 || i >= n {
        return Err(format!("{s:?}: need 0 <= i < n"));
    }
    Ok((i, n))
}

struct Bar(Mutex<ProgressBar>);

impl Progress for Bar {
    fn stage(&self, name: &str, total: Option<u64>) {
        if let Ok(mut b) = self.0.lock() {
            b.finish_and_clear();
            *b = bar(total.unwrap_or(0), name);
        }
    }
    fn advance(&self, pos: u64) {
        if let Ok(b) = self.0.lock() {
            b.set_position(pos);
        }
    }
}

/// Runs the analysis and prints the summary.
pub fn run(args: Args) -> anyhow::Result<()> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.max(1))
        .build_global()
        .ok(); // already built (tests): keep the existing pool
    let encoder = BertEncoder::load(
        &args.model,
        EncoderOptions {
            threads: args.threads,
            ..Default::default()
        },
    )?;
    let opts = AnalyzeOptions {
        input: args.export,
        ingest: IngestOptions {
            text_col: args.text_col,
            score_col: args.score_col,
            id_col: args.id_col,
            date_col: args.date_col,
            segment_cols: args.segment_cols,
        },
        out: args.out.clone(),
        sentiment_head: args.sentiment_head,
        themes: match args.codebook {
            Some(path) if args.self_train => ThemeSource::SelfTrainedCodebook {
                path,
                seed: args.seed,
            },
            Some(p) => ThemeSource::Codebook(p),
            None => ThemeSource::Discover {
                options: DiscoveryOptions {
                    k: args.themes,
                    seed: args.seed,
                    ..Default::default()
                },
                save_codebook: args.save_codebook,
            },
        },
        shard: args.shard,
        parquet: args.format == Format::Parquet,
        chunk: args.chunk,
    };
    let progress = Bar(Mutex::new(ProgressBar::hidden()));
    let s = analyze(&opts, &encoder, &progress)?;
    progress.stage("", None);
    println!(
        "read {} rows: {} analyzed, {} rejected{} ({:.1} s, {:.1} answers/s)",
        s.rows_read,
        s.analyzed,
        s.rejected,
        if s.other_shards > 0 {
            format!(", {} in other shards", s.other_shards)
        } else {
            String::new()
        },
        s.seconds,
        s.answers_per_second
    );
    if s.rejected > 0 {
        println!(
            "rejected rows and reasons: {}",
            args.out.join("rejects.csv").display()
        );
    }
    let top = |m: &std::collections::BTreeMap<String, u64>| {
        let mut v: Vec<_> = m.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!("languages: {}", top(&s.languages));
    println!("sentiment: {}", top(&s.sentiment));
    println!("themes ({}): {}", s.theme_source, top(&s.themes));
    println!("run folder: {}", args.out.display());
    Ok(())
}
