//! Progress of long work, one mechanism for every step: the [`Progress`] trait the pipeline
//! reports stages to, [`NoProgress`] for tests and libraries, [`TerminalProgress`] for the
//! binary, and [`bar`], the indicatif bar they draw, shown on a terminal and hidden when
//! stderr is piped.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

/// Progress callbacks (a terminal bar in the binary, nothing in tests).
pub trait Progress {
    /// A new stage starts, with its total when known.
    fn stage(&self, name: &str, total: Option<u64>);
    /// Position within the stage.
    fn advance(&self, pos: u64);
}

/// A progress sink that shows nothing.
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
}

/// One [`bar`] per stage on stderr (nothing when stderr is not a terminal).
pub struct TerminalProgress(Mutex<ProgressBar>);

impl Default for TerminalProgress {
    fn default() -> Self {
        TerminalProgress(Mutex::new(ProgressBar::hidden()))
    }
}

impl Progress for TerminalProgress {
    fn stage(&self, name: &str, total: Option<u64>) {
        if let Ok(mut b) = self.0.lock() {
            b.finish_and_clear();
            *b = bar(total.unwrap_or(0), name);
        }
    }
    fn advance(&self, pos: u64) {
        if let Ok(b) = self.0.lock() {
            b.set_position(pos);
        }
    }
}

/// A bar of `len` steps with `msg`, hidden when stderr is not a terminal.
pub fn bar(len: u64, msg: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template("{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(msg.to_string());
    pb
}
