//! Stage costs of `verbatim analyze` on one export, all in one process, so the stages can be
//! compared as ratios on the same texts.
//!
//! ```text
//! cargo bench --bench analyze -- --export FILE [--model DIR] [--codebook FILE]
//!     [--head FILE] [--threads N] [--pipeline RUN_DIR] [--text-col C] [--score-col C]
//!     [--id-col C] [--date-col C] [--segment-col C ...]
//! ```
//!
//! Stages, each timed on its own (answers per second = valid answers / seconds):
//! - `ingest`: reading and validating the export into records;
//! - `text`: language detection, normalization and sentence splitting (rayon, as the pipeline);
//! - `encode_answers`: the encoder alone on the normalized answers (the encoder bench's work);
//! - `encode_all`: the encoder on answers plus the sentences of multi-sentence answers, which
//!   is what the pipeline embeds;
//! - `classify`: `encode_all` plus sentiment head and codebook themes on its vectors (sentiment
//!   and themes share that one encoder pass);
//! - `pipeline` (with `--pipeline RUN_DIR`): `verbatim::pipeline::analyze` end to end, writing
//!   a run folder (responses, index, embeddings, stats).
//!
//! Prints one JSON line per stage: `{"stage": S, "answers": N, "texts": T, "seconds": X,
//! "per_s": R}` where `texts` counts what the stage fed to the encoder.

use rayon::prelude::*;
use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;
use verbatim::classify::codebook::{Codebook, ThemeModel};
use verbatim::classify::sentiment::SentimentHead;
use verbatim::encode::{BertEncoder, Encoder, EncoderOptions, TextKind};
use verbatim::ingest::{Ingest, IngestOptions, RowOutcome};
use verbatim::pipeline::{analyze, AnalyzeOptions, NoProgress, ThemeSource};
use verbatim::text;

struct Args {
    export: Option<PathBuf>,
    model: PathBuf,
    codebook: PathBuf,
    head: PathBuf,
    threads: usize,
    pipeline: Option<PathBuf>,
    ingest: IngestOptions,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        export: None,
        model: "models/e5-small".into(),
        codebook: "corpora/eval/themes.yaml".into(),
        head: "models/heads/sentiment.json".into(),
        threads: 2,
        pipeline: None,
        ingest: IngestOptions {
            text_col: "comment".into(),
            score_col: Some("nps".into()),
            id_col: Some("respondent_id".into()),
            date_col: Some("submitted_at".into()),
            segment_cols: Vec::new(),
            ..Default::default()
        },
    };
    let mut segments = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--export" => a.export = Some(value()?.into()),
            "--model" => a.model = value()?.into(),
            "--codebook" => a.codebook = value()?.into(),
            "--head" => a.head = value()?.into(),
            "--threads" => a.threads = value()?.parse().map_err(|e| format!("--threads: {e}"))?,
            "--pipeline" => a.pipeline = Some(value()?.into()),
            "--text-col" => a.ingest.text_col = value()?,
            "--score-col" => a.ingest.score_col = Some(value()?),
            "--id-col" => a.ingest.id_col = Some(value()?),
            "--date-col" => a.ingest.date_col = Some(value()?),
            "--segment-col" => segments.push(value()?),
            // `cargo bench` passes --bench to every bench binary.
            "--bench" => {}
            other => {
                return Err(format!(
                    "unknown argument {other:?}; see benches/analyze.rs"
                ))
            }
        }
    }
    if segments.is_empty() {
        segments = ["plan", "region", "channel"].map(String::from).to_vec();
    }
    a.ingest.segment_cols = segments;
    Ok(a)
}

fn report(stage: &str, answers: usize, texts: usize, seconds: f64) {
    println!(
        "{{\"stage\": \"{stage}\", \"answers\": {answers}, \"texts\": {texts}, \"seconds\": {seconds:.3}, \"per_s\": {:.2}}}",
        answers as f64 / seconds.max(1e-9)
    );
}

/// What the pipeline's text stage makes of one answer.
struct Prepared {
    model_text: String,
    sentences: Vec<String>,
}

fn prepare(raw: &str) -> Prepared {
    // The detected language is not used here, but detection is part of the stage's cost.
    let _ = text::language::detect(raw);
    Prepared {
        model_text: text::normalize::for_model(raw),
        sentences: text::segment::sentences(raw)
            .into_iter()
            .map(|r| text::normalize::for_model(&raw[r]))
            .filter(|t| !t.is_empty())
            .collect(),
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let export = args
        .export
        .clone()
        .ok_or("--export FILE is required; benches/run_benches.sh writes one")?;
    rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.max(1))
        .build_global()?;

    let t0 = Instant::now();
    let mut texts = Vec::new();
    for row in Ingest::open(&export, &args.ingest)? {
        if let RowOutcome::Record(r) = row {
            texts.push(r.text);
        }
    }
    let n = texts.len();
    report("ingest", n, 0, t0.elapsed().as_secs_f64());

    let t0 = Instant::now();
    let prepared: Vec<Prepared> = texts.par_iter().map(|t| prepare(t)).collect();
    report("text", n, 0, t0.elapsed().as_secs_f64());

    let encoder = BertEncoder::load(
        &args.model,
        EncoderOptions {
            threads: args.threads,
            ..Default::default()
        },
    )?;
    let head = SentimentHead::load(&args.head)?;
    let themes = ThemeModel::build(&Codebook::load(&args.codebook)?, &encoder)?;

    // The pipeline embeds in chunks of 512 answers; so do these stages, to batch alike.
    let chunks: Vec<&[Prepared]> = prepared.chunks(512).collect();
    let t0 = Instant::now();
    for c in &chunks {
        let answers: Vec<&str> = c.iter().map(|p| p.model_text.as_str()).collect();
        encoder.embed(&answers, TextKind::Passage)?;
    }
    report("encode_answers", n, n, t0.elapsed().as_secs_f64());

    let (mut encode_s, mut classify_s, mut fed) = (0.0, 0.0, 0usize);
    let mut mentions = 0usize;
    for c in &chunks {
        let t0 = Instant::now();
        let mut batch: Vec<&str> = Vec::new();
        for p in c.iter() {
            batch.push(&p.model_text);
            if p.sentences.len() > 1 {
                batch.extend(p.sentences.iter().map(String::as_str));
            }
        }
        let vectors = encoder.embed(&batch, TextKind::Passage)?;
        fed += batch.len();
        let t1 = Instant::now();
        encode_s += (t1 - t0).as_secs_f64();
        let sentiments = head.predict(&vectors);
        let mut at = 0;
        for p in c.iter() {
            let (answer, answer_sentiment) = (&vectors[at], sentiments[at]);
            at += 1;
            let k = p.sentences.len();
            let (svecs, ssent) = if k > 1 {
                at += k;
                (
                    vectors[at - k..at].to_vec(),
                    sentiments[at - k..at].to_vec(),
                )
            } else {
                (vec![answer.clone(); k], vec![answer_sentiment; k])
            };
            mentions += themes
                .assign(answer, &svecs, &ssent, &[], answer_sentiment)
                .0
                .len();
        }
        classify_s += t1.elapsed().as_secs_f64();
    }
    report("encode_all", n, fed, encode_s);
    report("classify", n, fed, encode_s + classify_s);
    eprintln!("classify: {mentions} theme mentions; head + themes alone {classify_s:.3} s");

    if let Some(out) = &args.pipeline {
        let opts = AnalyzeOptions {
            input: export,
            ingest: args.ingest,
            out: out.clone(),
            force: true,
            sentiment_head: args.head,
            themes: ThemeSource::Codebook(args.codebook),
            shard: None,
            parquet: false,
            chunk: 512,
        };
        let t0 = Instant::now();
        let s = analyze(&opts, &encoder, &NoProgress)?;
        report(
            "pipeline",
            s.analyzed as usize,
            fed,
            t0.elapsed().as_secs_f64(),
        );
    }
    Ok(())
}
