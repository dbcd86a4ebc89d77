//! Encoder throughput bench: verbatim's `BertEncoder` on a file of answers, one per line.
//!
//! ```text
//! cargo bench --bench encode -- [--model DIR] [--texts FILE] [--threads N] [--workers N]
//!                               [--max-batch N] [--token-budget N] [--runs N] [--unsorted]
//!                               [--engine lean|rust-bert] [--save FILE]
//! ```
//!
//! Prints one JSON line per run, `{"side": "rust", "texts": N, "seconds": S, "per_s": R}`, the
//! same shape as benches/python_reference.py, so benches/run_benches.sh can put the two side by
//! side. Model load is not timed; one warm-up batch runs first (as on the Python side).
//! `--unsorted` turns off length-sorted batching to show what sorting buys; `--engine rust-bert`
//! runs rust-bert's `BertModel` instead of the lean forward (side "rust-rustbert"). `--save` writes the
//! vectors of the last run as raw little-endian f32 (texts x dim) for the agreement check.

use std::error::Error;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;
use verbatim::encode::{BertEncoder, Encoder, EncoderOptions, Engine, TextKind};

struct Args {
    model: PathBuf,
    texts: PathBuf,
    /// The encoder's options, `EncoderOptions::default()` unless a flag overrides one.
    opts: EncoderOptions,
    runs: usize,
    save: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        model: "models/e5-small".into(),
        texts: "target/bench/texts-2000.txt".into(),
        opts: EncoderOptions::default(),
        runs: 1,
        save: None,
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
                a.opts.engine = match value()?.as_str() {
                    "lean" => Engine::Lean,
                    "rust-bert" => Engine::RustBert,
                    other => return Err(format!("--engine {other:?}: use lean or rust-bert")),
                }
            }
            // `cargo bench` passes --bench to every bench binary.
            "--bench" => {}
            other => return Err(format!("unknown argument {other:?}; see benches/encode.rs")),
        }
    }
    Ok(a)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let text = std::fs::read_to_string(&args.texts).map_err(|e| {
        format!(
            "{}: {e}; run benches/run_benches.sh, which writes it",
            args.texts.display()
        )
    })?;
    let texts: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let side = match (args.opts.sort_by_length, args.opts.engine) {
        (true, Engine::Lean) => "rust",
        (false, Engine::Lean) => "rust-unsorted",
        (true, Engine::RustBert) => "rust-rustbert",
        (false, Engine::RustBert) => "rust-rustbert-unsorted",
    };
    let encoder = BertEncoder::load(&args.model, args.opts)?;
    encoder.embed(&texts[..texts.len().min(32)], TextKind::Passage)?; // warm-up
    let mut vectors = Vec::new();
    for _ in 0..args.runs {
        let t0 = Instant::now();
        vectors = encoder.embed(&texts, TextKind::Passage)?;
        let dt = t0.elapsed().as_secs_f64();
        println!(
            "{{\"side\": \"{side}\", \"texts\": {}, \"seconds\": {:.3}, \"per_s\": {:.2}}}",
            texts.len(),
            dt,
            texts.len() as f64 / dt
        );
        std::io::stdout().flush()?;
    }
    if let Some(path) = &args.save {
        let mut bytes = Vec::with_capacity(vectors.len() * encoder.dim() * 4);
        for x in vectors.iter().flatten() {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
