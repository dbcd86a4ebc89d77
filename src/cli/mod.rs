//! Subcommands of the `verbatim` binary.

pub mod analyze;
pub mod compare;
pub mod eval;
pub mod followup;
pub mod ideas;
pub mod import_model;
pub mod merge;
pub mod progress;
pub mod report;
pub mod search;
pub mod sentiment_model;
pub mod serve;
pub mod train;
pub mod trends;

/// Writes `text` to stdout. An error (a closed pipe: `| head`) goes back to main, which ends a
/// closed pipe quietly with exit 0, unlike `println!`, which panics.
pub fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    Ok(std::io::stdout().lock().write_all(text.as_bytes())?)
}
