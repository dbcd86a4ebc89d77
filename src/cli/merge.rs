//! `verbatim merge`: shard run folders in, one run folder out (exact statistics).

use std::path::PathBuf;
use verbatim::run::merge::{merge_runs_with, MergeOptions};

/// Arguments of `verbatim merge`.
#[derive(clap::Args)]
pub struct Args {
    /// Run folders to merge (e.g. the shards of `verbatim analyze --shard i/n`).
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// The merged run folder to write (new or empty; an existing run only with --force).
    #[arg(long)]
    out: PathBuf,
    /// Replace the run already in --out.
    #[arg(long)]
    force: bool,
    /// Merge even when shards of the export are missing (they are listed).
    #[arg(long)]
    allow_partial: bool,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let opts = MergeOptions {
        force: args.force,
        allow_partial: args.allow_partial,
    };
    let s = merge_runs_with(&args.runs, &args.out, &opts)?;
    println!(
        "merged {} runs: {} answers, {} rejected rows{}",
        s.runs,
        s.answers,
        s.rejects,
        if s.embeddings {
            format!(", {} sentence vectors (vector index rebuilt)", s.sentences)
        } else {
            ", no embeddings".to_string()
        }
    );
    for m in &s.missing {
        println!("shard {m} missing (merged without it: --allow-partial)");
    }
    if !s.index {
        println!("no search index merged (some runs have no index/)");
    }
    println!("run folder: {}", args.out.display());
    Ok(())
}
