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
