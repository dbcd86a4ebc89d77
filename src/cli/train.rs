//! `verbatim train` (being built).

/// Arguments of `verbatim train`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`train` is not built yet")
}
