//! `verbatim analyze`: a survey export in, a run folder out.

use std::path::{Path, PathBuf};
use verbatim::classify::discovery::DiscoveryOptions;
use verbatim::ingest::{FieldLimits, IngestOptions};
use verbatim::pipeline::{analyze, AnalyzeOptions, RunSummary, ThemeSource};
use verbatim::progress::{Progress, TerminalProgress};

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
    /// Run folder to write (new or empty; an existing run is replaced only with --force).
    #[arg(long)]
    out: PathBuf,
    /// Replace the run already in --out (the old run stays until the new one is complete).
    #[arg(long)]
    force: bool,
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
    /// Split this discovered theme (its id, `t02-delivery`, its label, `delivery`, or one of
    /// its keyphrases) into sub-themes with `parent:` it; with --save-codebook the run
    /// records that codebook, so the report and the workspace show the tree.
    #[arg(long, conflicts_with = "codebook")]
    split: Option<String>,
    /// Seed of theme discovery.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    #[command(flatten)]
    models: super::sentiment_model::ModelArgs,
    /// Extra output format.
    #[arg(long, value_enum, default_value_t = Format::Jsonl)]
    format: Format,
    /// Analyze only shard i of n (rows with (row-1) % n == i); merge shards with `verbatim merge`.
    /// `auto` reads it from a Slurm, Kubernetes Indexed Job or AWS Batch array task.
    #[arg(long, value_parser = parse_shard)]
    shard: Option<(u64, u64)>,
    /// Rows per processing chunk.
    #[arg(long, default_value_t = 512)]
    chunk: usize,
    /// Text encoding of a CSV/JSONL export (e.g. windows-1255, windows-1256, latin1);
    /// default: detected (UTF-8, UTF-16, or a legacy encoding guessed from the bytes).
    #[arg(long, value_name = "LABEL")]
    encoding: Option<String>,
    /// Most lines one quoted CSV field may span; past it the quote counts as stray: its row is
    /// rejected and the lines after it are read as rows.
    #[arg(long, default_value_t = FieldLimits::default().max_lines)]
    max_field_lines: usize,
    /// Most characters of one quoted CSV field that spans lines (see --max-field-lines).
    #[arg(long, default_value_t = FieldLimits::default().max_chars)]
    max_field_chars: usize,
    /// Exit 0 even when more than half of the rows are rejected.
    #[arg(long)]
    allow_rejects: bool,
    /// Keep personal data: by default emails, phone numbers, card numbers, IBANs, Israeli ids
    /// and Iranian national codes are replaced with [email], [phone], [card], [iban], [id]
    /// before anything is embedded, indexed or written.
    #[arg(long)]
    keep_pii: bool,
}

/// Exit status of a run that was written but rejected more than half of its rows.
const EXIT_MOSTLY_REJECTED: i32 = 3;

fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    verbatim::run::shard::parse_arg(s).map(|s| (s.index, s.count))
}

/// Runs the analysis and prints the summary.
pub fn run(args: Args) -> anyhow::Result<()> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(args.models.threads.max(1))
        .build_global()
        .ok(); // already built (tests): keep the existing pool
    let encoder = args.models.load_encoder()?;
    let opts = AnalyzeOptions {
        input: args.export,
        ingest: IngestOptions {
            text_col: args.text_col,
            score_col: args.score_col,
            id_col: args.id_col,
            date_col: args.date_col,
            segment_cols: args.segment_cols,
            encoding: args.encoding,
            field_limits: FieldLimits {
                max_lines: args.max_field_lines,
                max_chars: args.max_field_chars,
            },
            keep_pii: args.keep_pii,
        },
        out: args.out.clone(),
        force: args.force,
        sentiment_head: args.models.sentiment_head,
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
                split: args.split,
            },
        },
        shard: args.shard,
        parquet: args.format == Format::Parquet,
        chunk: args.chunk,
    };
    let progress = TerminalProgress::default();
    let s = analyze(&opts, &encoder, &progress)?;
    progress.stage("", None);
    print_summary(&s, &args.out);
    let in_shard = s.rows.analyzed + s.rows.rejected;
    if s.rows.rejected * 2 > in_shard && !args.allow_rejects {
        eprintln!(
            "error: {} of {} rows were rejected (more than half); the reasons are in {}. Check \
             the columns, the delimiter and the encoding (--encoding), or pass --allow-rejects \
             to accept the run as it is",
            s.rows.rejected,
            in_shard,
            args.out.join(verbatim::run::layout::REJECTS).display()
        );
        std::process::exit(EXIT_MOSTLY_REJECTED);
    }
    Ok(())
}

/// Prints the run's counts, languages, sentiment and themes.
fn print_summary(s: &RunSummary, out: &Path) {
    println!(
        "read {} rows: {} analyzed, {} rejected{} ({:.1} s, {:.1} answers/s)",
        s.rows.rows_read,
        s.rows.analyzed,
        s.rows.rejected,
        if s.rows.other_shards > 0 {
            format!(", {} in other shards", s.rows.other_shards)
        } else {
            String::new()
        },
        s.seconds,
        s.answers_per_second
    );
    if s.rows.rejected > 0 {
        println!(
            "rejected rows and reasons: {}",
            out.join(verbatim::run::layout::REJECTS).display()
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
    if let Some(e) = &s.encoding {
        if e != "UTF-8" {
            println!("encoding: {e} (override with --encoding LABEL)");
        }
    }
    let pii: u64 = s.privacy.pii.values().sum();
    if pii > 0 {
        let kinds: Vec<String> = s
            .privacy
            .pii
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        println!(
            "personal data redacted: {} (--keep-pii keeps it)",
            kinds.join(", ")
        );
    }
    let notes = [
        (s.no_score, "without a score"),
        (s.non_answers, "content-free (no theme)"),
        (s.capped, "capped for embedding"),
    ];
    for (n, what) in notes.iter().filter(|(n, _)| *n > 0) {
        println!("{n} answers {what}");
    }
    println!("languages: {}", top(&s.answers.languages));
    println!("sentiment: {}", top(&s.answers.sentiment));
    println!("themes ({}): {}", s.theme_source, top(&s.answers.themes));
    println!("run folder: {}", out.display());
}
