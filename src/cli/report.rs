//! `verbatim report`: the HTML report and CSV tables of a run folder.

use std::path::PathBuf;
use verbatim::analyze::compare::CompareSpec;
use verbatim::analyze::ideas::DEFAULT_THRESHOLD;
use verbatim::analyze::period::Period;
use verbatim::report::{build, write, ReportOptions};

/// Arguments of `verbatim report`.
#[derive(clap::Args)]
pub struct Args {
    /// Run folder written by `verbatim analyze` (or `verbatim merge`).
    run_dir: PathBuf,
    /// Period of the NPS trend.
    #[arg(long, value_enum, default_value_t = Period::Month)]
    period: Period,
    /// The HTML file to write (default RUN_DIR/report.html); the CSV tables go beside it.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Leave out ideas raised by fewer distinct respondents.
    #[arg(long, default_value_t = 2)]
    min_count: usize,
    /// Mean cosine similarity above which suggestions are grouped as one idea.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    threshold: f32,
    /// Add the NPS change waterfall between two periods or two segment values: A..B, e.g.
    /// 2025-Q1..2025-Q2, 2025-05..2025-06 or Plan=Basic..Plan=Pro.
    #[arg(long, value_name = "A..B", conflicts_with = "compare_run")]
    compare: Option<String>,
    /// Add the NPS change waterfall from this run to a second run (e.g. the next wave).
    #[arg(long, value_name = "RUN_B")]
    compare_run: Option<PathBuf>,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let mut opts = ReportOptions {
        period: args.period,
        ..Default::default()
    };
    opts.ideas.min_count = args.min_count;
    opts.ideas.threshold = args.threshold;
    opts.compare = match (&args.compare, &args.compare_run) {
        (Some(pair), _) => Some(CompareSpec::parse_pair(pair)?),
        (None, Some(run_b)) => Some(CompareSpec::Runs(run_b.clone())),
        (None, None) => None,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.run_dir.join("report.html"));
    let data = build(&args.run_dir, &opts)?;
    if let Err(why) = &data.ideas {
        eprintln!("note: no ideas section: {why}");
    }
    let files = write(&data, &opts, &out)?;
    println!("report: {}", files.html.display());
    for f in &files.csv {
        println!("table:  {}", f.display());
    }
    Ok(())
}
