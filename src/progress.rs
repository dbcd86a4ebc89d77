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
    /// Answers done so far, for a stage whose position counts something else (the bytes of
    /// the export read): shown as answers and answers per second beside the bar.
    fn answers(&self, _done: u64) {}
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
    fn answers(&self, done: u64) {
        if let Ok(b) = self.0.lock() {
            show_answers(&b, done);
        }
    }
}

/// Switches `b` to the answers template (once) and shows `done` answers and their rate.
fn show_answers(b: &ProgressBar, done: u64) {
    if b.prefix().is_empty() {
        b.set_style(style(ANSWERS_TEMPLATE));
    }
    let rate = done as f64 / b.elapsed().as_secs_f64().max(1e-3);
    b.set_prefix(format!("{done} answers, {rate:.1} answers/s"));
}

/// A bar counting steps: position, total, steps per second and time left.
const STEPS_TEMPLATE: &str = "{msg:>12} [{bar:40}] {pos}/{len} ({per_sec}, eta {eta})";

/// A bar whose position is bytes of the export: the share read, the answers done and their
/// rate ([`Progress::answers`]), and time left (from the bytes).
const ANSWERS_TEMPLATE: &str = "{msg:>12} [{bar:40}] {percent:>3}% {prefix} (eta {eta})";

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// A bar of `len` steps with `msg`, hidden when stderr is not a terminal.
pub fn bar(len: u64, msg: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len);
    pb.set_style(style(STEPS_TEMPLATE));
    pb.set_message(msg.to_string());
    pb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_parse_and_answers_show_count_and_rate() {
        for t in [STEPS_TEMPLATE, ANSWERS_TEMPLATE] {
            assert!(ProgressStyle::with_template(t).is_ok(), "{t}");
        }
        let b = ProgressBar::hidden();
        show_answers(&b, 250);
        let p = b.prefix();
        assert!(
            p.starts_with("250 answers, ") && p.ends_with(" answers/s"),
            "{p}"
        );
    }
}
