//! `verbatim merge` (being built).

/// Arguments of `verbatim merge`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`merge` is not built yet")
}
