//! Cross-lingual retrieval on the labeled multilingual eval set: English theme queries, recall@10
//! per answer language for keyword-only, semantic-only and hybrid search.
//!
//! Run with `--nocapture` to see the table. Relevant answers for a query are the answers of the
//! language that carry the query's theme label; recall@10 = relevant hits in the top 10 /
//! min(10, relevant answers).

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use verbatim::encode::{BertEncoder, EncoderOptions};
use verbatim::record::SentimentLabel;
use verbatim::retrieve::relevance::{
    calibration_pairs, cut_point, routed_cut_point, routed_sweep, sweep, CutPoint, RoutedPair,
    CALIBRATION_QUERIES, RELEVANCE_THRESHOLD, ROUTED_THRESHOLD,
};
use verbatim::retrieve::{Filters, HybridSearcher, Mode, Query};

/// English queries an analyst would type, one per codebook theme (written without looking at
/// the eval answers).
const QUERIES: &[(&str, &str)] = &[
    ("delivery", "late delivery"),
    ("support", "customer support was not helpful"),
    ("wait_time", "waited a long time for a reply"),
    ("price", "too expensive"),
    ("billing", "charged twice on my bill"),
    ("product_quality", "the product broke, poor quality"),
    ("app_website", "the app keeps crashing"),
    ("staff", "rude staff"),
];

const LANGS: &[&str] = &["en", "he", "fa", "ar", "ru", "es", "de", "fr"];

#[derive(Deserialize)]
struct Labeled {
    text: String,
    lang: String,
    sentiment: String,
    themes: Vec<String>,
}

/// recall@10 per (mode, answer language), averaged over the theme queries, on a run built
/// from `set` (a labeled JSONL under corpora/) with `encoder`.
fn recall_table(
    set: &str,
    encoder: &BertEncoder,
) -> (usize, BTreeMap<(&'static str, &'static str), f64>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(set);
    let rows: Vec<Labeled> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let responses: Vec<_> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let themes: Vec<&str> = r.themes.iter().map(String::as_str).collect();
            crate::fixture::response(
                i as u64,
                &crate::fixture::Answer {
                    text: &r.text,
                    lang: &r.lang,
                    sentiment: SentimentLabel::parse(&r.sentiment).unwrap(),
                    score: None,
                    themes: &themes,
                    segments: &[],
                    date: None,
                },
            )
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    crate::fixture::build_run(dir.path(), &responses, encoder);
    let enc = BertEncoder::load(&crate::common::model_dir(), encoder.options().clone()).unwrap();
    let searcher = HybridSearcher::open(dir.path(), Arc::new(enc)).unwrap();
    let mut table = BTreeMap::new();
    for mode in MODES {
        for lang in LANGS {
            let mut sum = 0.0;
            for (theme, text) in QUERIES {
                let relevant: Vec<u64> = rows
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| &r.lang == lang && r.themes.iter().any(|t| t == theme))
                    .map(|(i, _)| i as u64)
                    .collect();
                let q = Query {
                    text: text.to_string(),
                    mode,
                    filters: Filters {
                        lang: vec![lang.to_string()],
                        ..Filters::default()
                    },
                    limit: 10,
                    // Ranking quality: the whole ranking, not the relevance cut.
                    all: true,
                    ..Query::default()
                };
                let res = searcher.search(&q).unwrap();
                assert!(
                    res.hits.iter().all(|h| &h.lang == lang),
                    "the language filter holds"
                );
                let hit = res
                    .hits
                    .iter()
                    .filter(|h| relevant.contains(&h.seq))
                    .count();
                sum += hit as f64 / relevant.len().clamp(1, 10) as f64;
            }
            table.insert((mode.as_str(), *lang), sum / QUERIES.len() as f64);
        }
    }
    (rows.len(), table)
}

const MODES: [Mode; 3] = [Mode::Keyword, Mode::Semantic, Mode::Hybrid];

/// Mean of `mode`'s recall over `langs`.
fn mean_recall(table: &BTreeMap<(&str, &str), f64>, mode: &str, langs: &[&str]) -> f64 {
    langs.iter().map(|l| table[&(mode, *l)]).sum::<f64>() / langs.len() as f64
}

#[test]
fn english_queries_find_hebrew_persian_and_arabic_answers_semantically() {
    let (n, table) = recall_table("corpora/eval/labeled.jsonl", crate::common::encoder());
    let modes = MODES;
    println!("\nrecall@10, English theme queries, by answer language (eval set, {n} answers)");
    println!("| mode | {} | mean |", LANGS.join(" | "));
    println!("|---|{}---|", "---|".repeat(LANGS.len()));
    for mode in modes {
        let vals: Vec<f64> = LANGS.iter().map(|l| table[&(mode.as_str(), *l)]).collect();
        let mean = vals.iter().sum::<f64>() / vals.len() as f64;
        let cells: Vec<String> = vals.iter().map(|v| format!("{v:.2}")).collect();
        println!("| {} | {} | {mean:.2} |", mode.as_str(), cells.join(" | "));
    }
    let rtl = |mode: &str| mean_recall(&table, mode, &["he", "fa", "ar"]);
    let (kw, sem, hyb) = (rtl("keyword"), rtl("semantic"), rtl("hybrid"));
    println!("he/fa/ar mean: keyword {kw:.2}, semantic {sem:.2}, hybrid {hyb:.2}");
    // English words do not occur in Hebrew, Persian or Arabic answers: keyword search finds
    // (almost) nothing there, semantic search must find most of them.
    assert!(kw <= 0.1, "keyword he/fa/ar recall {kw:.2}");
    assert!(sem >= 0.5, "semantic he/fa/ar recall {sem:.2}");
    assert!(sem >= kw + 0.4);
    assert!(hyb >= 0.5, "hybrid keeps the semantic hits: {hyb:.2}");
}

/// The int8 encoder against f32 on cross-lingual recall@10 on corpora/dev, issue 12's gate
/// for int8 as the default: within 0.01. Measured: semantic 0.8698 (f32) vs 0.8620 (int8 in
/// every linear layer, per-token ranges, each text's attention over its own tokens; stop 22,
/// -0.0078). Before: with layer 4's FFN output projection kept f32, 0.8672 (stop 19) and
/// 0.8698 (stop 22); every layer int8 with fbgemm's per-batch ranges 0.8594 (-0.0104).
#[test]
fn int8_weights_keep_dev_recall_near_f32() {
    // The shared default encoder runs int8 weights.
    let (_, a) = recall_table("corpora/dev/labeled.jsonl", crate::common::encoder_f32());
    let (_, b) = recall_table("corpora/dev/labeled.jsonl", crate::common::encoder());
    for mode in ["semantic", "hybrid"] {
        let (ra, rb) = (mean_recall(&a, mode, LANGS), mean_recall(&b, mode, LANGS));
        println!("dev {mode} recall@10: f32 {ra:.4}, int8 {rb:.4}");
        assert!(
            (rb - ra).abs() < 0.01,
            "{mode}: f32 {ra:.4} vs int8 {rb:.4}"
        );
    }
}

/// Cross-lingual recall@10 on corpora/dev with sentences and clauses pooled from their
/// answer's pass (`--parts pooled`) against each embedded alone (the default): within 0.01.
#[test]
fn pooled_parts_keep_dev_recall_near_parts_alone() {
    let (_, a) = recall_table("corpora/dev/labeled.jsonl", crate::common::encoder());
    let (_, b) = recall_table("corpora/dev/labeled.jsonl", crate::common::encoder_pooled());
    for mode in ["semantic", "hybrid"] {
        let (ra, rb) = (mean_recall(&a, mode, LANGS), mean_recall(&b, mode, LANGS));
        println!("dev {mode} recall@10: parts alone {ra:.4}, pooled {rb:.4}");
        assert!(
            (rb - ra).abs() < 0.01,
            "{mode}: alone {ra:.4} vs pooled {rb:.4}"
        );
    }
}

/// A run of a labeled JSONL file under corpora/ analyzed with the eval codebook (the real
/// classifier tags the answers), its searcher, and the gold themes by `seq`.
fn labeled_run(set: &str) -> (tempfile::TempDir, HybridSearcher, Vec<Vec<String>>) {
    use verbatim::pipeline::{analyze, AnalyzeOptions, NoProgress, ThemeSource};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let opts = AnalyzeOptions {
        input: root.join(set),
        ingest: verbatim::ingest::IngestOptions {
            text_col: "text".into(),
            id_col: Some("id".into()),
            ..Default::default()
        },
        out: dir.path().join("run"),
        force: false,
        sentiment_head: root.join("models/heads/sentiment.json"),
        themes: ThemeSource::Codebook(root.join("corpora/eval/themes.yaml")),
        shard: None,
        parquet: false,
        chunk: 64,
    };
    analyze(&opts, crate::common::encoder(), &NoProgress).unwrap();
    let enc = BertEncoder::load(&crate::common::model_dir(), EncoderOptions::default()).unwrap();
    let searcher = HybridSearcher::open(&dir.path().join("run"), Arc::new(enc)).unwrap();
    let gold: BTreeMap<String, Vec<String>> = std::fs::read_to_string(root.join(set))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let themes = serde_json::from_value(v["themes"].clone()).unwrap();
            (v["id"].as_str().unwrap().to_string(), themes)
        })
        .collect();
    let by_seq = (0..searcher.len() as u64)
        .map(|s| gold[&searcher.response(s).unwrap().id].clone())
        .collect();
    (dir, searcher, by_seq)
}

/// Off-topic queries (no answer of a shop survey is about them), for the routing threshold.
const OFF_TOPIC: &[&str] = &[
    "the weather tomorrow",
    "football results",
    "my holiday in Italy",
    "climate change politics",
    "my cat",
    "a good book",
    "jazz music",
    "the history of Rome",
];

/// The (query, answer) pairs of the routed relevance cut on a labeled run: exact cosines,
/// the themes each calibration query routes to, the run's tags and the gold labels.
fn routed_pairs(s: &HybridSearcher, gold: &[Vec<String>]) -> Vec<RoutedPair> {
    let store = s.vectors().store();
    let mut pairs = Vec::new();
    for (theme, text) in CALIBRATION_QUERIES {
        let v = s.embed_query(text).unwrap();
        let routed = s.routed_themes(text).unwrap();
        for (seq, g) in gold.iter().enumerate() {
            pairs.push(RoutedPair {
                cosine: crate::common::cos(&v, store.answer(seq)),
                routed: !routed.is_empty(),
                tagged: s
                    .columns()
                    .themes_of(seq)
                    .iter()
                    .any(|t| routed.contains(t)),
                relevant: g.iter().any(|t| t == theme),
            });
        }
    }
    pairs
}

/// Precision and recall of semantic search itself (the result sets, as users get them) for
/// the calibration queries on a labeled run.
fn searched_point(s: &HybridSearcher, gold: &[Vec<String>]) -> CutPoint {
    let (mut kept, mut hits, mut relevant) = (0usize, 0usize, 0usize);
    for (theme, text) in CALIBRATION_QUERIES {
        let q = Query {
            text: text.to_string(),
            mode: Mode::Semantic,
            limit: 1000,
            ..Query::default()
        };
        let res = s.search(&q).unwrap();
        assert_eq!(res.total as usize, res.hits.len(), "{text}");
        kept += res.hits.len();
        hits += res
            .hits
            .iter()
            .filter(|h| gold[h.seq as usize].contains(&theme.to_string()))
            .count();
        relevant += gold
            .iter()
            .filter(|g| g.contains(&theme.to_string()))
            .count();
    }
    CutPoint {
        threshold: ROUTED_THRESHOLD,
        precision: hits as f64 / kept.max(1) as f64,
        recall: hits as f64 / relevant.max(1) as f64,
        kept,
    }
}

/// The relevance cut of semantic search on corpora/dev (one English query per theme, answers
/// in 8 languages, themes tagged by the eval codebook's classifier): the routed cut keeps at
/// least 80% of the relevant answers with precision at least 70%, in the calibration pairs
/// and in the result sets of `search`. Prints both sweeps (the calibration; src/retrieve/relevance.rs).
#[test]
fn relevance_cut_floors_on_dev() {
    let (_dir, s, gold) = labeled_run("corpora/dev/labeled.jsonl");
    let dev = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/dev/labeled.jsonl");
    let plain = calibration_pairs(crate::common::encoder(), &dev).unwrap();
    println!("cosine cut alone (queries that route to no theme):");
    for p in sweep(&plain) {
        println!(
            "  threshold {:.4}: precision {:.3} recall {:.3} kept {}",
            p.threshold, p.precision, p.recall, p.kept
        );
    }
    let best_plain = sweep(&plain)
        .into_iter()
        .filter(|c| c.recall >= 0.80)
        .map(|c| c.precision)
        .fold(0.0, f64::max);
    let at = cut_point(&plain, RELEVANCE_THRESHOLD);
    println!("stored cosine threshold {RELEVANCE_THRESHOLD}: {at:?}");
    assert!(
        at.recall >= 0.80 && best_plain < at.precision + 0.01,
        "{at:?}"
    );
    let pairs = routed_pairs(&s, &gold);
    assert!(
        pairs.iter().all(|p| p.routed),
        "every calibration query routes to a theme"
    );
    println!("routed cut (run's tags of the routed themes + cosine >= threshold):");
    for p in routed_sweep(&pairs) {
        println!(
            "  threshold {:.3}: precision {:.3} recall {:.3} kept {}",
            p.threshold, p.precision, p.recall, p.kept
        );
    }
    let p = routed_cut_point(&pairs, ROUTED_THRESHOLD);
    let searched = searched_point(&s, &gold);
    println!("stored routed threshold {ROUTED_THRESHOLD}: {p:?}\nsearch result sets: {searched:?}");
    assert!(
        p.recall >= 0.80 && p.precision >= 0.70,
        "the issue's floors: {p:?}"
    );
    assert!(
        searched.recall >= 0.80 && searched.precision >= 0.70,
        "{searched:?}"
    );
    for q in OFF_TOPIC {
        assert!(
            s.routed_themes(q).unwrap().is_empty(),
            "{q:?} routes to no theme"
        );
    }
}

/// The routed relevance cut on the held-out corpora/test (same queries and thresholds; nothing
/// was chosen on it). Measured once, 2026-12-03 (README "Relevance cut of semantic search").
#[test]
fn relevance_cut_on_the_held_out_test_set() {
    let (_dir, s, gold) = labeled_run("corpora/test/labeled.jsonl");
    let p = routed_cut_point(&routed_pairs(&s, &gold), ROUTED_THRESHOLD);
    let searched = searched_point(&s, &gold);
    println!(
        "corpora/test, routed cut {ROUTED_THRESHOLD}: {p:?}\nsearch result sets: {searched:?}"
    );
    // Measured once: precision 0.685, recall 0.761 (391 pairs kept); with the converged
    // codebook classifier and the int8 default 0.723 / 0.770. These floors guard
    // against regressions, they were not used to choose anything.
    assert!(p.precision >= 0.65 && p.recall >= 0.72, "{p:?}");
    assert_eq!(searched, p);
}

/// A run of the analyze fixture (12 rows in 4 languages) analyzed with a copy of the eval
/// codebook; returns the folder (run in `run/`) and the copy's path.
fn fixture_run_with_codebook_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    use verbatim::pipeline::{analyze, AnalyzeOptions, NoProgress, ThemeSource};
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let codebook = dir.path().join("themes.yaml");
    std::fs::copy(root.join("corpora/eval/themes.yaml"), &codebook).unwrap();
    let opts = AnalyzeOptions {
        input: root.join("tests/fixtures/analyze/mixed.csv"),
        ingest: verbatim::ingest::IngestOptions {
            text_col: "Comment".into(),
            id_col: Some("ResponseId".into()),
            ..Default::default()
        },
        out: dir.path().join("run"),
        force: false,
        sentiment_head: root.join("models/heads/sentiment.json"),
        themes: ThemeSource::Codebook(codebook.clone()),
        shard: None,
        parquet: false,
        chunk: 4,
    };
    analyze(&opts, crate::common::encoder(), &NoProgress).unwrap();
    (dir, codebook)
}

/// The router loads the theme model analyze saved in the run: its weights equal the model
/// rebuilt from the codebook, and it raises exactly the same themes for the calibration,
/// analyst and off-topic queries.
#[test]
fn relevance_router_of_the_saved_model_raises_the_rebuilt_themes() {
    use verbatim::classify::codebook::{Codebook, ThemeModel};
    use verbatim::retrieve::relevance::QueryRouter;
    let (dir, codebook) = fixture_run_with_codebook_copy();
    let enc = crate::common::encoder();
    let run = dir.path().join("run");
    let cb = Codebook::load(&codebook).unwrap();
    let saved = verbatim::run::RunDir::new(&run).theme_model().unwrap();
    assert!(
        saved == Some(ThemeModel::build(&cb, enc).unwrap()),
        "the saved model is the codebook's model, weight for weight"
    );
    let loaded = QueryRouter::of_run(&run, enc).unwrap().unwrap();
    let rebuilt = QueryRouter::of_codebook(&cb, enc).unwrap();
    let queries = CALIBRATION_QUERIES.iter().chain(QUERIES).map(|q| q.1);
    for q in queries.chain(OFF_TOPIC.iter().copied()) {
        let themes = loaded.route(enc, q).unwrap();
        assert_eq!(themes, rebuilt.route(enc, q).unwrap(), "{q:?}");
    }
}

/// A run whose codebook file is gone (moved, or a relative path from another folder) still
/// routes queries to its themes, the ones the codebook's model raises: the router needs only
/// the run folder.
#[test]
fn relevance_routes_after_the_codebook_file_is_deleted() {
    use verbatim::classify::codebook::Codebook;
    use verbatim::retrieve::relevance::QueryRouter;
    let (dir, codebook) = fixture_run_with_codebook_copy();
    let rebuilt = QueryRouter::of_codebook(
        &Codebook::load(&codebook).unwrap(),
        crate::common::encoder(),
    );
    std::fs::remove_file(&codebook).unwrap();
    let enc = BertEncoder::load(&crate::common::model_dir(), EncoderOptions::default()).unwrap();
    let s = HybridSearcher::open(&dir.path().join("run"), Arc::new(enc)).unwrap();
    let delivery = s.columns().themes.get("delivery").unwrap();
    assert!(s
        .routed_themes("late delivery")
        .unwrap()
        .contains(&delivery));
    let rebuilt = rebuilt.unwrap();
    for q in CALIBRATION_QUERIES.iter().chain(QUERIES).map(|q| q.1) {
        let ids = rebuilt.route(crate::common::encoder(), q).unwrap();
        let codes: Vec<u32> = ids
            .iter()
            .filter_map(|t| s.columns().themes.get(t))
            .collect();
        assert_eq!(s.routed_themes(q).unwrap(), codes, "{q:?}");
    }
}
