//! `verbatim import_model` (being built).

/// Arguments of `verbatim import_model`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`import_model` is not built yet")
}
