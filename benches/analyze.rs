//! Stage costs of `verbatim analyze` on one export, all in one process, so the stages can be
//! compared as ratios on the same texts.
//!
//! ```text
//! cargo bench --bench analyze -- --export FILE [--model DIR] [--codebook FILE]
//!     [--head FILE] [--threads N] [--pipeline RUN_DIR] [--text-col C] [--score-col C]
//!     [--id-col C] [--date-col C] [--segment-col C ...] [--engine lean|rust-bert] [--text-only]
//! ```
//!
//! Stages, each timed on its own (answers per second = valid answers / seconds):
//! - `ingest`: reading and validating the export into records;
//! - `text`: language detection, normalization and sentence splitting (rayon, as the pipeline);
//! - `duplicates` (counts, not timed): answers, sentence units, and the texts `encode_all`
//!   feeds, each with how many are distinct; `--text-only` stops here;
//! - `encode_answers`: the encoder alone on the normalized answers (the encoder bench's work);
//! - `encode_all_pooled`: the encoder on every unit the pipeline embeds
//!   (`verbatim::encode::EmbedPlan` of `EmbedUnits`: answers, the sentences of
//!   multi-sentence answers and the clauses of sentences that split), sentences and clauses
//!   pooled from their answer's pass (`Parts::Pooled`, `--parts pooled`);
//! - `encode_all`: the same units as the pipeline embeds them by default, each in a forward
//!   pass of its own (`Parts::Alone`);
//! - `classify`: `encode_all` plus sentiment head and codebook themes (sentences and clauses,
//!   as the pipeline) on its vectors (sentiment and themes share that one encoder pass);
//! - `encode_all_dedup`: `encode_all` through `DedupEncoder` (each distinct text once, as the
//!   pipeline runs it); `texts` counts what reached the encoder;
//! - `pipeline` (with `--pipeline RUN_DIR`): `verbatim::pipeline::analyze` end to end, writing
//!   a run folder (responses, index, embeddings, stats).
//!
//! Prints one JSON line per stage: `{"stage": S, "answers": N, "texts": T, "seconds": X,
//! "per_s": R}` where `texts` counts what the stage fed to the encoder.

use rayon::prelude::*;
use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;
use verbatim::classify::codebook::{Clause, Codebook, ThemeModel};
use verbatim::classify::sentiment::SentimentHead;
use verbatim::encode::{
    BertEncoder, DedupEncoder, EmbedPlan, EmbedUnits, Encoder, EncoderOptions, Engine, Parts, Span,
    Split, TextKind,
};
use verbatim::ingest::{Ingest, IngestOptions, RowOutcome};
use verbatim::pipeline::{analyze, AnalyzeOptions, NoProgress, ThemeSource};
use verbatim::record::Sentiment;
use verbatim::text;

struct Args {
    export: Option<PathBuf>,
    model: PathBuf,
    codebook: PathBuf,
    head: PathBuf,
    threads: usize,
    pipeline: Option<PathBuf>,
    ingest: IngestOptions,
    engine: Engine,
    text_only: bool,
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
        engine: Engine::Lean,
        text_only: false,
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
            "--text-only" => a.text_only = true,
            "--engine" => {
                a.engine = match value()?.as_str() {
                    "lean" => Engine::Lean,
                    "rust-bert" => Engine::RustBert,
                    other => return Err(format!("--engine {other:?}: use lean or rust-bert")),
                }
            }
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

/// What the pipeline's text stage makes of one answer: the units it embeds.
fn prepare(raw: &str) -> EmbedUnits {
    // The detected language is not used here, but detection is part of the stage's cost.
    let _ = text::language::detect(raw);
    EmbedUnits::of(raw)
}

/// The plan `encode_all` embeds for `chunk` (what the pipeline embeds: each answer, the
/// sentences of multi-sentence answers and the clauses of sentences that split), with where
/// each answer's units sit.
fn fed_plan(chunk: &[EmbedUnits]) -> (EmbedPlan<'_>, Vec<Span>) {
    let mut plan = EmbedPlan::default();
    let spans = chunk.iter().map(|u| plan.push(u)).collect();
    (plan, spans)
}

/// The texts of every unit of `prepared`, parts as their own text.
fn unit_texts(prepared: &[EmbedUnits]) -> Vec<&str> {
    fed_plan(prepared).0.unit_texts()
}

/// Prints how many answers, sentence units and fed texts there are, and how many distinct.
fn duplicates(prepared: &[EmbedUnits]) {
    use std::collections::HashSet;
    let distinct = |it: &mut dyn Iterator<Item = &str>| {
        let (mut n, mut set) = (0usize, HashSet::new());
        for t in it {
            n += 1;
            set.insert(t);
        }
        (n, set.len())
    };
    let (a, da) = distinct(&mut prepared.iter().map(|p| p.answer.as_str()));
    let (s, ds) = distinct(
        &mut prepared
            .iter()
            .flat_map(|p| p.sentences.iter().map(|(_, t)| t.as_str())),
    );
    let (f, df) = distinct(&mut unit_texts(prepared).into_iter());
    let rate = |n: usize, d: usize| 1.0 - d as f64 / n.max(1) as f64;
    println!(
        "{{\"stage\": \"duplicates\", \"answers\": {a}, \"distinct_answers\": {da}, \"answer_dup_rate\": {:.4}, \"sentences\": {s}, \"distinct_sentences\": {ds}, \"sentence_dup_rate\": {:.4}, \"fed\": {f}, \"distinct_fed\": {df}, \"fed_dup_rate\": {:.4}}}",
        rate(a, da),
        rate(s, ds),
        rate(f, df)
    );
}

/// Theme mentions of one answer from its split vectors and sentiments, as the pipeline
/// assigns them (sentences and clauses).
fn assign(themes: &ThemeModel, v: Split<Vec<f32>>, s: Split<Sentiment>) -> usize {
    let clauses = Clause::zip(v.clauses, s.clauses.into_iter().map(|c| c.1));
    themes
        .assign(&v.answer, &v.sentences, &s.sentences, &clauses, s.answer)
        .0
        .len()
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
    let prepared: Vec<EmbedUnits> = texts.par_iter().map(|t| prepare(t)).collect();
    report("text", n, 0, t0.elapsed().as_secs_f64());
    duplicates(&prepared);
    if args.text_only {
        return Ok(());
    }

    let options = EncoderOptions {
        threads: args.threads,
        engine: args.engine,
        precision: args.engine.default_precision(),
        ..Default::default()
    };
    let encoder = BertEncoder::load(&args.model, options.clone())?;
    let head = SentimentHead::load(&args.head)?;
    let themes = ThemeModel::build(&Codebook::load(&args.codebook)?, &encoder)?;

    // The pipeline embeds in chunks of 512 answers; so do these stages, to batch alike.
    let chunks: Vec<&[EmbedUnits]> = prepared.chunks(512).collect();
    let t0 = Instant::now();
    for c in &chunks {
        let answers: Vec<&str> = c.iter().map(|p| p.answer.as_str()).collect();
        encoder.embed(&answers, TextKind::Passage)?;
    }
    report("encode_answers", n, n, t0.elapsed().as_secs_f64());

    let pooled = BertEncoder::load(
        &args.model,
        EncoderOptions {
            parts: Parts::Pooled,
            ..options.clone()
        },
    )?;
    let (t0, mut fed) = (Instant::now(), 0usize);
    for c in &chunks {
        let (plan, _) = fed_plan(c);
        plan.encode(&pooled, TextKind::Passage)?;
        fed += plan.texts().len();
    }
    report("encode_all_pooled", n, fed, t0.elapsed().as_secs_f64());
    drop(pooled);

    let (mut encode_s, mut classify_s, mut fed) = (0.0, 0.0, 0usize);
    let mut mentions = 0usize;
    for c in &chunks {
        let t0 = Instant::now();
        let (plan, spans) = fed_plan(c);
        let vectors = plan.encode(&encoder, TextKind::Passage)?.vectors;
        fed += vectors.len();
        let t1 = Instant::now();
        encode_s += (t1 - t0).as_secs_f64();
        let sentiments = head.predict(&vectors);
        for span in &spans {
            mentions += assign(&themes, span.split(&vectors), span.split(&sentiments));
        }
        classify_s += t1.elapsed().as_secs_f64();
    }
    report("encode_all", n, fed, encode_s);
    report("classify", n, fed, encode_s + classify_s);
    eprintln!("classify: {mentions} theme mentions; head + themes alone {classify_s:.3} s");

    let dedup = DedupEncoder::new(&encoder, verbatim::encode::dedup::DEFAULT_CAPACITY);
    let t0 = Instant::now();
    for c in &chunks {
        fed_plan(c).0.encode(&dedup, TextKind::Passage)?;
    }
    report(
        "encode_all_dedup",
        n,
        dedup.stats().encoded as usize,
        t0.elapsed().as_secs_f64(),
    );

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
            s.rows.analyzed as usize,
            fed,
            t0.elapsed().as_secs_f64(),
        );
    }
    Ok(())
}
