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

fn run_self_trained(out: &Path, codebook: &str) -> Result<Vec<Response>, String> {
    let opts = AnalyzeOptions {
        input: repo("corpora/demo/feedback.csv"),
        ingest: IngestOptions {
            text_col: "Comment".into(),
            score_col: Some("Score".into()),
            id_col: Some("ResponseId".into()),
            date_col: Some("Date".into()),
            segment_cols: vec![],
        },
        out: out.to_path_buf(),
        sentiment_head: repo("models/heads/sentiment.json"),
        themes: ThemeSource::SelfTrainedCodebook {
            path: repo(codebook),
            seed: 7,
        },
        shard: None,
        parquet: false,
        chunk: 256,
    };
    let s = analyze(&opts, common::encoder(), &NoProgress).map_err(|e| e.to_string())?;
    assert!(
        s.theme_source.contains("self-trained"),
        "{}",
        s.theme_source
    );
    assert_eq!(s.analyzed, 420);
    Ok(responses(out))
}

#[test]
fn a_descriptions_only_codebook_self_trains_on_the_export_reproducibly() {
    let dir = tempfile::tempdir().unwrap();
    let a = run_self_trained(
        &dir.path().join("a"),
        "corpora/eval/themes-descriptions.yaml",
    )
    .unwrap();
    let b = run_self_trained(
        &dir.path().join("b"),
        "corpora/eval/themes-descriptions.yaml",
    )
    .unwrap();
    let themes = |rs: &[Response]| -> Vec<Vec<String>> {
        rs.iter()
            .map(|r| r.themes.iter().map(|t| t.theme.clone()).collect())
            .collect()
    };
    assert_eq!(themes(&a), themes(&b), "same seed, same themes");
    let tagged = a.iter().filter(|r| !r.themes.is_empty()).count();
    assert!(tagged >= 200, "{tagged} of 420 answers get a theme");
    let err = run_self_trained(&dir.path().join("c"), "corpora/eval/themes.yaml").unwrap_err();
    assert!(err.contains("without examples"), "{err}");
}
