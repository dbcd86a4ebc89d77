//! Encoder throughput bench: verbatim's `BertEncoder` on a file of answers, one per line.
//!
//! ```text
//! cargo bench --bench encode -- [--model DIR] [--texts FILE] [--threads N] [--workers N] [--max-batch N] [--token-budget N] [--runs N]
//!                               [--unsorted] [--save FILE]
//! ```
//!
//! Prints one JSON line per run, `{"side": "rust", "texts": N, "seconds": S, "per_s": R}`, the
//! same shape as benches/python_reference.py, so benches/run_benches.sh can put the two side by
//! side. Model load is not timed; one warm-up batch runs first (as on the Python side).
//! `--unsorted` turns off length-sorted batching to show what sorting buys. `--save` writes the
//! vectors of the last run as raw little-endian f32 (texts x dim) for the agreement check.

use std::error::Error;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;
use verbatim::encode::{BertEncoder, Encoder, EncoderOptions, TextKind};

struct Args {
    model: PathBuf,
    texts: PathBuf,
    threads: usize,
    workers: usize,
    max_batch: usize,
    token_budget: usize,
    runs: usize,
    sorted: bool,
    save: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        model: "models/e5-small".into(),
        texts: "target/bench/texts-2000.txt".into(),
        threads: 2,
        workers: EncoderOptions::default().workers,
        max_batch: EncoderOptions::default().max_batch,
        token_budget: EncoderOptions::default().token_budget,
        runs: 1,
        sorted: true,
        save: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--model" => a.model = value()?.into(),
            "--texts" => a.texts = value()?.into(),
            "--threads" => a.threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--workers" => a.workers = value()?.parse().map_err(|e| format!("--workers: {e}"))?,
            "--max-batch" => {
                a.max_batch = value()?.parse().map_err(|e| format!("--max-batch: {e}"))?
            }
            "--token-budget" => {
                a.token_budget = value()?
                    .parse()
                    .map_err(|e| format!("--token-budget: {e}"))?
            }
            "--runs" => a.runs = value()?.parse().map_err(|e| format!("--runs: {e}"))?,
            "--save" => a.save = Some(value()?.into()),
            "--unsorted" => a.sorted = false,
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
    let encoder = BertEncoder::load(
        &args.model,
        EncoderOptions {
            threads: args.threads,
            workers: args.workers,
            max_batch: args.max_batch,
            token_budget: args.token_budget,
            sort_by_length: args.sorted,
            ..Default::default()
        },
    )?;
    encoder.embed(&texts[..texts.len().min(32)], TextKind::Passage)?; // warm-up
    let mut vectors = Vec::new();
    for _ in 0..args.runs {
        let t0 = Instant::now();
        vectors = encoder.embed(&texts, TextKind::Passage)?;
        let dt = t0.elapsed().as_secs_f64();
        println!(
            "{{\"side\": \"rust{}\", \"texts\": {}, \"seconds\": {:.3}, \"per_s\": {:.2}}}",
            if args.sorted { "" } else { "-unsorted" },
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
