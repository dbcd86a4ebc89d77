//! `verbatim followup`: the answers that need a response (detractors, negative answers about an
//! owned theme, requests to be contacted), one CSV per theme owner plus `unassigned`, worst
//! first. It only reads the run folder; the CSVs go to `--out` (default `RUN_DIR/followup`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use verbatim::analyze::followup::{owners_of, write_csvs};
use verbatim::classify::codebook::Codebook;
use verbatim::run::followup::followups_of_run;
use verbatim::run::RunDir;

/// Arguments of `verbatim followup`.
#[derive(clap::Args)]
pub struct Args {
    /// Run folder written by `verbatim analyze` (or `verbatim merge`).
    run_dir: PathBuf,
    /// Folder for the CSVs (`followup-OWNER.csv`); default RUN_DIR/followup.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Codebook whose `owner:` fields route the answers; default: the codebook the run was
    /// analyzed with (its path in provenance.json, or in summary.json for older runs).
    #[arg(long)]
    codebook: Option<PathBuf>,
}

/// Writes the follow-up CSVs and prints the count per owner.
pub fn run(args: Args) -> anyhow::Result<()> {
    let owners: BTreeMap<String, String> = match &args.codebook {
        Some(p) => owners_of(&Codebook::load(p)?),
        None => match RunDir::new(&args.run_dir).codebook()? {
            Some((_, cb)) => owners_of(&cb),
            None => BTreeMap::new(),
        },
    };
    if owners.is_empty() {
        eprintln!(
            "note: no theme of the codebook has an `owner:`; every answer goes to `unassigned`"
        );
    }
    let lists = followups_of_run(&args.run_dir, &owners)?;
    let out = args.out.unwrap_or_else(|| args.run_dir.join("followup"));
    let files = write_csvs(&out, &lists)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
    for (owner, items) in &lists {
        println!("{owner}: {} answers to follow up", items.len());
    }
    if lists.is_empty() {
        println!("no answer needs a follow-up");
    }
    println!("{} files in {}", files.len(), out.display());
    Ok(())
}
