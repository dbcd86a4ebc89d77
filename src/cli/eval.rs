//! `verbatim eval` (being built).

/// Arguments of `verbatim eval`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`eval` is not built yet")
}
