//! `verbatim ideas`: ranked improvement ideas of a run folder, as a table or JSON, and with
//! `--csv FILE` as CSV. It only reads the run folder, so it works on read-only runs.

use std::fmt::Write as _;
use std::path::PathBuf;
use verbatim::analyze::ideas::{
    languages_text, run_ideas, write_ideas_csv, IdeaOptions, DEFAULT_THRESHOLD,
};

/// Arguments of `verbatim ideas`.
#[derive(clap::Args)]
pub struct Args {
    /// Run folder written by `verbatim analyze` (or `verbatim merge`).
    run_dir: PathBuf,
    /// Leave out ideas raised by fewer distinct respondents.
    #[arg(long, default_value_t = 2)]
    min_count: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Ideas to print (all go to the --csv file).
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Mean cosine similarity above which suggestions are grouped as one idea.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    threshold: f32,
    /// Also write all ideas as CSV to this file.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
}

/// Cuts `s` to at most `n` characters, with an ellipsis.
fn cut(s: &str, n: usize) -> String {
    let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= n {
        one_line
    } else {
        let mut t: String = one_line.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The closing line: where all ideas went, or how to see the rest.
fn more(args: &Args, ideas: usize) -> String {
    match &args.csv {
        Some(csv) => format!("all ideas: {}\n", csv.display()),
        None if ideas > args.limit => format!(
            "{} more: --limit N to show them, --csv FILE to write all\n",
            ideas - args.limit
        ),
        None => String::new(),
    }
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    if !(0.0..=1.0).contains(&args.threshold) {
        anyhow::bail!(
            "--threshold {}: use a cosine between 0 and 1",
            args.threshold
        );
    }
    let opts = IdeaOptions {
        threshold: args.threshold,
        min_count: args.min_count,
        ..Default::default()
    };
    let report = run_ideas(&args.run_dir, &opts)?;
    if let Some(csv) = &args.csv {
        write_ideas_csv(&report.ideas, csv)?;
    }
    if args.json {
        let mut shown = report.clone();
        shown.ideas.truncate(args.limit);
        return super::emit(&(serde_json::to_string_pretty(&shown)? + "\n"));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} suggestion sentences from {} respondents -> {} groups, {} ideas with >= {} respondents",
        report.suggestions,
        report.respondents,
        report.groups,
        report.ideas.len(),
        args.min_count
    );
    let _ = writeln!(
        out,
        "{:>3}  {:>5}  {:>5}  {:<40}  {:<60}  keyphrases",
        "#", "resp", "score", "languages", "idea"
    );
    for i in report.ideas.iter().take(args.limit) {
        let _ = writeln!(
            out,
            "{:>3}  {:>5}  {:>5}  {:<40}  {:<60}  {}",
            i.rank,
            i.respondents,
            i.avg_score
                .map(|s| format!("{s:.1}"))
                .unwrap_or_else(|| "-".into()),
            cut(&languages_text(&i.languages), 40),
            cut(&i.label, 60),
            i.keyphrases.join(", ")
        );
    }
    out.push_str(&more(&args, report.ideas.len()));
    super::emit(&out)
}
