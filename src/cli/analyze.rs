//! `verbatim analyze` (being built).

/// Arguments of `verbatim analyze`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`analyze` is not built yet")
}
