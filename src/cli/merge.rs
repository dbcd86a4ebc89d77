//! `verbatim merge`: shard run folders in, one run folder out (exact statistics).

use std::path::PathBuf;
use verbatim::analyze::merge::merge_runs;

/// Arguments of `verbatim merge`.
#[derive(clap::Args)]
pub struct Args {
    /// Run folders to merge (e.g. the shards of `verbatim analyze --shard i/n`).
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// The merged run folder to write.
    #[arg(long)]
    out: PathBuf,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<()> {
    let s = merge_runs(&args.runs, &args.out)?;
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
    if !s.index {
        println!("no search index merged (some runs have no index/)");
    }
    println!("run folder: {}", args.out.display());
    Ok(())
}
