//! `verbatim report` (being built).

/// Arguments of `verbatim report`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`report` is not built yet")
}
