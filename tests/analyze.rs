//! `analyze` end to end on a real export with the real model: every row is either analyzed or
//! rejected with its reason, the run folder holds every output, and the answers carry the
//! language, sentiment, themes and sentence results a user expects.

mod common;

use std::path::Path;
use verbatim::encode::{BertEncoder, EncoderOptions};
use verbatim::ingest::IngestOptions;
use verbatim::pipeline::{analyze, AnalyzeOptions, NoProgress, ThemeSource};
use verbatim::record::Response;
use verbatim::retrieve::{HybridSearcher, Mode, Query};

fn repo(p: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn run(out: &Path, parquet: bool, shard: Option<(u64, u64)>) -> verbatim::pipeline::RunSummary {
    let opts = AnalyzeOptions {
        input: repo("tests/fixtures/analyze/mixed.csv"),
        ingest: IngestOptions {
            text_col: "Comment".into(),
            score_col: Some("Score".into()),
            id_col: Some("ResponseId".into()),
            date_col: Some("Date".into()),
            segment_cols: vec!["Plan".into()],
            ..Default::default()
        },
        out: out.to_path_buf(),
        sentiment_head: repo("models/heads/sentiment.json"),
        themes: ThemeSource::Codebook(repo("corpora/eval/themes.yaml")),
        shard,
        parquet,
        chunk: 4,
    };
    analyze(&opts, common::encoder(), &NoProgress).expect("analyze runs")
}

fn responses(out: &Path) -> Vec<Response> {
    std::fs::read_to_string(out.join("responses.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_row_is_analyzed_or_rejected_and_the_outputs_agree() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let s = run(&out, true, None);
    assert_eq!(s.rows_read, 12);
    assert_eq!(s.analyzed, 9);
    assert_eq!(s.rejected, 3);
    assert_eq!(s.analyzed + s.rejected, s.rows_read);

    let rejects = std::fs::read_to_string(out.join("rejects.csv")).unwrap();
    let lines: Vec<&str> = rejects.lines().collect();
    assert_eq!(lines.len(), 1 + 3, "{rejects}");
    assert!(lines[0].starts_with("row,"), "{rejects}");
    assert!(rejects.contains("eleven"), "{rejects}");
    assert!(rejects.contains("empty answer text"), "{rejects}");
    assert!(rejects.contains("duplicate id a4"), "{rejects}");

    let rs = responses(&out);
    assert_eq!(rs.len(), 9);
    for name in [
        "summary.json",
        "stats.json",
        "responses.parquet",
        "index",
        "vectors",
        "embeddings",
    ] {
        assert!(out.join(name).exists(), "{name} missing");
    }
    let by_id = |id: &str| rs.iter().find(|r| r.id == id).unwrap();
    assert_eq!(by_id("a1").lang, "he");
    assert_eq!(by_id("a2").lang, "fa");
    assert_eq!(by_id("a3").lang, "ar");
    assert_eq!(by_id("a6").lang, "ru");
    assert_eq!(by_id("a1").segments["Plan"], "Pro");
    assert_eq!(by_id("a1").date.as_deref(), Some("2025-03-01"));

    // Late deliveries in Hebrew, Persian and Arabic raise the English-described theme.
    for id in ["a1", "a2", "a3"] {
        let r = by_id(id);
        assert!(
            r.themes.iter().any(|t| t.theme == "delivery"),
            "{id}: {:?}",
            r.themes
        );
        assert_eq!(r.sentiment.label.as_str(), "negative", "{id}");
    }
    assert_eq!(by_id("a4").sentiment.label.as_str(), "positive");
    assert!(by_id("a7").themes.iter().any(|t| t.theme == "app_website"));

    // Two sentences that disagree: mixed, each theme with its own sentence's sentiment.
    let a5 = by_id("a5");
    assert_eq!(a5.sentences.len(), 2);
    assert!(a5.mixed, "{:?}", a5.sentences);
    let staff = a5
        .themes
        .iter()
        .find(|t| t.theme == "staff")
        .expect("staff");
    let delivery = a5
        .themes
        .iter()
        .find(|t| t.theme == "delivery")
        .expect("delivery");
    assert_eq!(staff.sentiment.as_str(), "positive");
    assert_eq!(delivery.sentiment.as_str(), "negative");

    // The keyword index finds the Hebrew and Persian answers by a word of theirs.
    let encoder = BertEncoder::load(&common::model_dir(), EncoderOptions::default()).unwrap();
    let s = HybridSearcher::open(&out, std::sync::Arc::new(encoder)).expect("open run");
    let mut q = Query::new("משלוח");
    q.mode = Mode::Keyword;
    let hits = s.search(&q).unwrap();
    assert_eq!(
        hits.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["a1"]
    );
    let mut q = Query::new("سفارش");
    q.mode = Mode::Keyword;
    let hits = s.search(&q).unwrap();
    assert_eq!(
        hits.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(),
        ["a2"]
    );
}

#[test]
fn shards_split_the_rows_and_count_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let a = run(&dir.path().join("s0"), false, Some((0, 2)));
    let b = run(&dir.path().join("s1"), false, Some((1, 2)));
    assert_eq!(a.analyzed + b.analyzed, 9);
    assert_eq!(a.rows_read, 12);
    assert_eq!(a.rejected + b.rejected, 3);
    assert_eq!(a.analyzed + a.rejected + a.other_shards, 12);
    assert_eq!(b.analyzed + b.rejected + b.other_shards, 12);
}

/// Content-free answers keep their row but get no theme; a score of N/A or in Persian digits
/// keeps its answer; one answer of thousands of sentences is embedded only up to the cap.
#[test]
fn non_answers_no_scores_and_very_long_answers_are_kept_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("odd.csv");
    let long: String = (0..3_000)
        .map(|i| format!("The delivery was late again, order {i}. "))
        .collect();
    let mut csv = String::from("id,score,text\n");
    csv.push_str("n1,9,...\n");
    csv.push_str("n2,8,😀😀👍\n");
    csv.push_str("n3,7,https://example.com/orders?id=42\n");
    csv.push_str("n4,5,\u{200F}\u{200E}\u{2067}\n");
    csv.push_str("n5,5,\"\0\0\0\"\n");
    csv.push_str("s1,N/A,The app crashes every time I open my cart.\n");
    csv.push_str("s2,۹,Delivery was quick and the courier was friendly.\n");
    csv.push_str(&format!("long,-,\"{long}\"\n"));
    std::fs::write(&input, csv).unwrap();
    let out = dir.path().join("run");
    let opts = AnalyzeOptions {
        input,
        ingest: IngestOptions {
            text_col: "text".into(),
            score_col: Some("score".into()),
            id_col: Some("id".into()),
            ..Default::default()
        },
        out: out.clone(),
        sentiment_head: repo("models/heads/sentiment.json"),
        themes: ThemeSource::Codebook(repo("corpora/eval/themes.yaml")),
        shard: None,
        parquet: false,
        chunk: 8,
    };
    let started = std::time::Instant::now();
    let s = analyze(&opts, common::encoder(), &NoProgress).expect("analyze runs");
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!((s.rows_read, s.analyzed, s.rejected), (8, 8, 0));
    assert_eq!(s.non_answers, 5);
    assert_eq!(s.no_score, 2);
    assert_eq!(s.capped, 1);
    assert_eq!(s.encoding.as_deref(), Some("UTF-8"));

    let rs = responses(&out);
    let by_id = |id: &str| rs.iter().find(|r| r.id == id).unwrap();
    for id in ["n1", "n2", "n3", "n4", "n5"] {
        assert!(by_id(id).themes.is_empty(), "{id}: {:?}", by_id(id).themes);
    }
    assert!(!by_id("s1").themes.is_empty());
    assert_eq!(by_id("s1").score, None);
    assert_eq!(by_id("s2").score, Some(9));
    let l = by_id("long");
    assert_eq!(l.text, long, "the full text stays in the outputs");
    assert_eq!(l.sentences.len(), verbatim::pipeline::MAX_EMBED_SENTENCES);
    assert!(
        l.themes.iter().any(|t| t.theme == "delivery"),
        "{:?}",
        l.themes
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(json["non_answers"], 5);
    assert_eq!(json["capped"], 1);
    // 3,000 sentences unembedded would take minutes on a CPU; capped, seconds.
    assert!(seconds < 60.0, "{seconds:.1} s");
}

/// A run that rejects more than half of its rows is written but exits 3, naming the rejects
/// file, unless --allow-rejects is given.
#[test]
fn mostly_rejected_run_exits_non_zero_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("wrong.csv");
    std::fs::write(
        &input,
        "id,score,text\n1,9,fine\n2,eleven,bad\n3,x,bad\n4,,\n",
    )
    .unwrap();
    let run = |out: &str, extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_verbatim"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["analyze", input.to_str().unwrap(), "--text-col", "text"])
            .args([
                "--score-col",
                "score",
                "--codebook",
                "corpora/eval/themes.yaml",
            ])
            .args(["--out", dir.path().join(out).to_str().unwrap()])
            .args(extra)
            .output()
            .unwrap()
    };
    let strict = run("strict", &[]);
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert_eq!(strict.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("3 of 4 rows were rejected"), "{stderr}");
    assert!(stderr.contains("rejects.csv") && stderr.contains("--allow-rejects"));
    assert!(dir.path().join("strict/summary.json").exists());
    let allowed = run("allowed", &["--allow-rejects"]);
    assert!(allowed.status.success(), "{:?}", allowed);
}
