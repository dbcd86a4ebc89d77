//! Encoder throughput bench: verbatim's `BertEncoder` on a file of answers, one per line.
//!
//! ```text
//! cargo bench --bench encode -- [--model DIR] [--texts FILE] [--threads N] [--workers N]
//!                               [--max-batch N] [--token-budget N] [--runs N] [--unsorted]
//!                               [--engine lean|rust-bert|both] [--sample N] [--int8]
//!                               [--save FILE]
//! ```
//!
//! Prints one JSON line per run, `{"side": "rust", "texts": N, "seconds": S, "per_s": R,
//! "cpu_s": C}` (C: CPU seconds the process used in the run, user + system: on a machine shared
//! with other work it moves less than wall time), the same shape as benches/python_reference.py, so benches/run_benches.sh can put the two side by
//! side. Model load is not timed; one warm-up batch runs first (as on the Python side).
//! `--unsorted` turns off length-sorted batching to show what sorting buys; `--engine rust-bert`
//! runs rust-bert's `BertModel` instead of the lean forward (side "rust-rustbert"); `--engine
//! both` loads both in this process and alternates them run by run (who goes first alternates
//! too), so load from other work hits both alike. `--sample N` keeps N texts spread evenly
//! over the file (shorter rounds); `--int8` runs the lean forward with int8 weights (side
//! "rust-int8"). `--save` writes the
//! vectors of the last run as raw little-endian f32 (texts x dim) for the agreement check.

use std::error::Error;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;
use verbatim::encode::{BertEncoder, Encoder, EncoderOptions, Engine, Precision, TextKind};

struct Args {
    model: PathBuf,
    texts: PathBuf,
    /// The encoder's options: `EncoderOptions::default()` at f32 (`--int8` for int8, the
    /// library's default) unless a flag overrides one.
    opts: EncoderOptions,
    runs: usize,
    save: Option<PathBuf>,
    /// The forward passes to time, alternating run by run.
    engines: Vec<Engine>,
    sample: Option<usize>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        model: "models/e5-small".into(),
        texts: "target/bench/texts-2000.txt".into(),
        opts: EncoderOptions {
            precision: Precision::F32,
            ..Default::default()
        },
        runs: 1,
        save: None,
        engines: vec![Engine::Lean],
        sample: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--model" => a.model = value()?.into(),
            "--texts" => a.texts = value()?.into(),
            "--threads" => a.opts.threads = number(value()?)?,
            "--workers" => a.opts.workers = number(value()?)?,
            "--max-batch" => a.opts.max_batch = number(value()?)?,
            "--token-budget" => a.opts.token_budget = number(value()?)?,
            "--runs" => a.runs = number(value()?)?,
            "--save" => a.save = Some(value()?.into()),
            "--unsorted" => a.opts.sort_by_length = false,
            "--engine" => {
                a.engines = match value()?.as_str() {
                    "lean" => vec![Engine::Lean],
                    "rust-bert" => vec![Engine::RustBert],
                    "both" => vec![Engine::Lean, Engine::RustBert],
                    other => return Err(format!("--engine {other:?}: lean, rust-bert or both")),
                }
            }
            "--sample" => a.sample = Some(number(value()?)?),
            "--int8" => a.opts.precision = Precision::Int8,
            // `cargo bench` passes --bench to every bench binary.
            "--bench" => {}
            other => return Err(format!("unknown argument {other:?}; see benches/encode.rs")),
        }
    }
    Ok(a)
}

/// The name of a side in the output lines.
fn side(sorted: bool, engine: Engine, int8: bool) -> &'static str {
    match (sorted, engine, int8) {
        (_, Engine::Lean, true) => "rust-int8",
        (true, Engine::Lean, false) => "rust",
        (false, Engine::Lean, false) => "rust-unsorted",
        (true, Engine::RustBert, _) => "rust-rustbert",
        (false, Engine::RustBert, _) => "rust-rustbert-unsorted",
    }
}

/// CPU seconds (user + system) this process has used so far.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage fills the zeroed struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 * 1e-6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let text = std::fs::read_to_string(&args.texts).map_err(|e| {
        format!(
            "{}: {e}; run benches/run_benches.sh, which writes it",
            args.texts.display()
        )
    })?;
    let mut texts: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if let Some(n) = args.sample {
        let step = (texts.len() / n.max(1)).max(1);
        texts = texts.into_iter().step_by(step).take(n).collect();
    }
    let encoders = args
        .engines
        .iter()
        .map(|&engine| {
            let e = BertEncoder::load(
                &args.model,
                EncoderOptions {
                    engine,
                    ..args.opts.clone()
                },
            )?;
            e.embed(&texts[..texts.len().min(32)], TextKind::Passage)?; // warm-up
            let int8 = args.opts.precision == Precision::Int8;
            Ok((side(args.opts.sort_by_length, engine, int8), e))
        })
        .collect::<Result<Vec<_>, Box<dyn Error>>>()?;
    let mut vectors = Vec::new();
    for run in 0..args.runs {
        for k in 0..encoders.len() {
            // Alternate who goes first, so a burst of load hits both sides alike.
            let (side, encoder) = &encoders[if run % 2 == 0 {
                k
            } else {
                encoders.len() - 1 - k
            }];
            let (t0, c0) = (Instant::now(), cpu_seconds());
            let v = encoder.embed(&texts, TextKind::Passage)?;
            let (dt, cpu) = (t0.elapsed().as_secs_f64(), cpu_seconds() - c0);
            println!(
                "{{\"side\": \"{side}\", \"texts\": {}, \"seconds\": {:.3}, \"per_s\": {:.2}, \"cpu_s\": {cpu:.3}}}",
                texts.len(),
                dt,
                texts.len() as f64 / dt
            );
            std::io::stdout().flush()?;
            if std::ptr::eq(encoder, &encoders[0].1) {
                vectors = v;
            }
        }
    }
    let dim = encoders[0].1.dim();
    if let Some(path) = &args.save {
        let mut bytes = Vec::with_capacity(vectors.len() * dim * 4);
        for x in vectors.iter().flatten() {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
