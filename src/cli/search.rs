//! `verbatim search` (being built).

/// Arguments of `verbatim search`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`search` is not built yet")
}
