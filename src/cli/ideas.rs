//! `verbatim ideas` (being built).

/// Arguments of `verbatim ideas`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`ideas` is not built yet")
}
