//! Insights on small hand-built data with exact expected numbers: NPS and its interval, theme
//! impact, Johnson relative weights, idea counts, shard-and-merge equality, the HTML report;
//! plus idea grouping with the real encoder on multilingual sentences and on the demo corpus.

mod common;

use ndarray::{array, Array1, Array2};
use std::collections::BTreeMap;
use std::path::Path;
use verbatim::analyze::drivers::{analyze_drivers, relative_weights, DriverOptions, Moments};
use verbatim::analyze::ideas::{
    group_ideas, run_ideas, IdeaOptions, LanguageCenters, SuggestionItem, DEFAULT_THRESHOLD,
};
use verbatim::analyze::impact::ImpactOptions;
use verbatim::analyze::nps::Z95;
use verbatim::analyze::period::Period;
use verbatim::analyze::stats::RunStats;
use verbatim::analyze::suggestion::is_suggestion;
use verbatim::analyze::themes::{nps_tables, theme_table};
use verbatim::encode::store::StoreWriter;
use verbatim::encode::{Encoder, TextKind};
use verbatim::index::IndexBuilder;
use verbatim::output::{RejectsWriter, ResponsesWriter};
use verbatim::record::{
    NpsGroup, Reject, Response, SentenceResult, Sentiment, SentimentLabel, ThemeMention,
};
use verbatim::run::merge::{merge_runs, merge_runs_with, MergeOptions};
use verbatim::run::{FileHash, Provenance, ShardSpec};

const NEG: SentimentLabel = SentimentLabel::Negative;
const NEU: SentimentLabel = SentimentLabel::Neutral;
const POS: SentimentLabel = SentimentLabel::Positive;

fn sentiment(label: SentimentLabel) -> Sentiment {
    let mut probs = [0.1f32; 3];
    probs[label.index()] = 0.8;
    Sentiment { label, probs }
}

/// A hand-built answer: `sentences` are (text, suggestion), `themes` are (theme, sentence,
/// sentiment).
#[allow(clippy::too_many_arguments)]
fn resp(
    row: u64,
    score: Option<u8>,
    lang: &str,
    date: &str,
    plan: &str,
    sentences: &[(&str, bool)],
    themes: &[(&str, usize, SentimentLabel)],
) -> Response {
    let mut text = String::new();
    let mut sr = Vec::new();
    for (s, sug) in sentences {
        let idx = sr.len();
        if !text.is_empty() {
            text.push(' ');
        }
        let start = text.len();
        text.push_str(s);
        sr.push(SentenceResult {
            text: s.to_string(),
            start,
            end: text.len(),
            sentiment: sentiment(NEU),
            themes: themes
                .iter()
                .filter(|t| t.1 == idx)
                .map(|t| t.0.to_string())
                .collect(),
            suggestion: *sug,
        });
    }
    Response {
        seq: 0,
        row,
        id: format!("R{row}"),
        text,
        score,
        nps_group: score.map(NpsGroup::of),
        date: (!date.is_empty()).then(|| date.to_string()),
        segments: BTreeMap::from([("Plan".to_string(), plan.to_string())]),
        fields: BTreeMap::new(),
        lang: lang.into(),
        lang_confidence: 0.9,
        sentiment: sentiment(NEU),
        mixed: false,
        themes: themes
            .iter()
            .map(|(t, s, l)| ThemeMention {
                theme: t.to_string(),
                score: 0.5 + 0.01 * row as f32,
                sentence: *s,
                sentiment: *l,
            })
            .collect(),
        sentences: sr,
    }
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn stats_of(theme_ids: &[String], rs: &[Response]) -> RunStats {
    let mut s = RunStats::new(theme_ids);
    for r in rs {
        s.add(r);
    }
    s
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

/// Ten scored answers (5 promoters, 3 passives, 2 detractors) and one without a score.
fn nps_data() -> Vec<Response> {
    let rows: [(Option<u8>, &str, &str, &str); 11] = [
        (Some(10), "en", "2025-01-05", "Basic"),
        (Some(9), "en", "2025-01-09", "Basic"),
        (Some(9), "he", "2025-01-20", "Basic"),
        (Some(10), "he", "2025-01-31", "Basic"),
        (Some(9), "fa", "2025-02-01", "Basic"),
        (Some(8), "fa", "2025-02-03", "Basic"),
        (Some(7), "en", "2025-02-10", "Pro"),
        (Some(7), "en", "2025-04-02", "Pro"),
        (Some(3), "he", "2025-04-03", "Pro"),
        (Some(6), "en", "2025-04-30", "Pro"),
        (None, "en", "", "Pro"),
    ];
    rows.iter()
        .enumerate()
        .map(|(i, (s, l, d, p))| {
            let themes: &[(&str, usize, SentimentLabel)] = match s {
                Some(3) | Some(6) => &[("delivery", 0, NEG)],
                Some(8) => &[("delivery", 0, NEU), ("price", 0, NEG)],
                Some(10) => &[("price", 0, POS)],
                _ => &[],
            };
            resp(i as u64 + 1, *s, l, d, p, &[("text", false)], themes)
        })
        .collect()
}

#[test]
fn nps_and_interval_match_hand_computation() {
    let s = stats_of(&ids(&["delivery", "price"]), &nps_data());
    let t = nps_tables(&s, Period::Month);
    // Overall: p = 5/10, d = 2/10, NPS = 30. SE = 100 sqrt((p + d - (p - d)^2) / n)
    // = 100 sqrt((0.7 - 0.09) / 10) = 100 sqrt(0.061) = 24.698178070457.
    let e = t.overall.estimate.unwrap();
    assert_eq!((e.n, t.overall.counts.unscored), (10, 1));
    close(e.nps, 30.0);
    close(e.se, 24.698_178_070_456_94);
    close(e.low, 30.0 - Z95 * 24.698_178_070_456_94); // -18.4075...
    close(e.high, 78.407_539_501_852_57);
    // Plan=Basic: 5 promoters, 1 passive: NPS 83.33, p = 5/6, d = 0,
    // SE = 100 sqrt((5/6 - 25/36) / 6) = 100 sqrt(5/216) = 15.2145; the upper end clamps at 100.
    let basic = t.segments.iter().find(|r| r.key == "Plan=Basic").unwrap();
    let b = basic.estimate.unwrap();
    close(b.nps, 250.0 / 3.0);
    close(b.se, 100.0 * (5.0f64 / 216.0).sqrt());
    close(b.high, 100.0);
    // Plan=Pro: 2 passives, 2 detractors (+1 unscored): NPS -50, SE = 100 sqrt((.5 - .25)/4) = 25.
    let pro = t.segments.iter().find(|r| r.key == "Plan=Pro").unwrap();
    assert_eq!(pro.counts.unscored, 1);
    close(pro.estimate.unwrap().nps, -50.0);
    close(pro.estimate.unwrap().se, 25.0);
    close(pro.estimate.unwrap().low, -50.0 - Z95 * 25.0);
    // Months: Jan 4 promoters (NPS 100, SE 0), Feb 9, 8, 7 (NPS 33.33), Apr 7, 3, 6 (-66.67).
    let keys: Vec<&str> = t.periods.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, ["2025-01", "2025-02", "2025-04"]);
    close(t.periods[0].estimate.unwrap().nps, 100.0);
    close(t.periods[0].estimate.unwrap().se, 0.0);
    close(t.periods[1].estimate.unwrap().nps, 100.0 / 3.0);
    close(t.periods[2].estimate.unwrap().nps, -200.0 / 3.0);
    let q = nps_tables(&s, Period::Quarter);
    assert_eq!(q.periods.len(), 2);
    assert_eq!(q.periods[0].counts.n(), 7); // Q1: 5 promoters, 2 passives
    close(q.periods[0].estimate.unwrap().nps, 500.0 / 7.0);
    // Languages, most answers first: en 6 (1 unscored), he 3, fa 2.
    let langs: Vec<(&str, u64)> = t
        .languages
        .iter()
        .map(|r| (r.key.as_str(), r.counts.answers()))
        .collect();
    assert_eq!(langs, [("en", 6), ("he", 3), ("fa", 2)]);
}

#[test]
fn theme_table_and_impact_match_hand_computation() {
    let s = stats_of(&ids(&["delivery", "price"]), &nps_data());
    let t = theme_table(&s, &ImpactOptions::default());
    // delivery: answers scored 8 (neutral), 3 and 6 (negative): 1 passive, 2 detractors.
    let d = t.iter().find(|r| r.theme == "delivery").unwrap();
    assert_eq!((d.mentions, d.sentiment), (3, [2, 1, 0]));
    close(d.share, 3.0 / 11.0);
    close(d.avg_score.unwrap(), 17.0 / 3.0);
    close(d.nps.unwrap().nps, -200.0 / 3.0);
    // Impact: NPS(all) 30 - NPS(without: 5 promoters, 2 passives) 500/7 = -41.428571...
    let i = d.impact.unwrap();
    close(i.impact, 30.0 - 500.0 / 7.0);
    assert!(i.low <= i.impact && i.impact <= i.high);
    assert_eq!(i.contains_zero, i.low <= 0.0 && i.high >= 0.0);
    // price: the two 10s (positive) and the 8 (negative): NPS (2 - 0)/3 = 66.67; without it
    // 3 promoters, 2 passives, 2 detractors: 1/7 -> impact 30 - 100/7.
    let p = t.iter().find(|r| r.theme == "price").unwrap();
    assert_eq!((p.mentions, p.sentiment), (3, [1, 0, 2]));
    close(p.impact.unwrap().impact, 30.0 - 100.0 / 7.0);
    // The same seed gives the same interval.
    let again = theme_table(&s, &ImpactOptions::default());
    assert_eq!(t, again);
}

#[test]
fn johnson_weights_match_a_hand_worked_example() {
    // Two predictors with correlation r = 0.6, correlations with y of 0.5 and 0.3.
    // R = [[1, .6], [.6, 1]] has eigenvalues 1.6 and 0.4 with vectors (1, 1)/sqrt2 and
    // (1, -1)/sqrt2, so its square root is
    //   L = [[(sqrt1.6 + sqrt.4)/2, (sqrt1.6 - sqrt.4)/2], ...] = (1/sqrt10) [[3, 1], [1, 3]]
    // (sqrt1.6 = 4/sqrt10, sqrt.4 = 2/sqrt10). L^-1 = (sqrt10/8) [[3, -1], [-1, 3]], so
    //   b* = L^-1 r = (sqrt10/8) (1.2, 0.4) = sqrt10 (0.15, 0.05), b*^2 = (0.225, 0.025).
    // L^2 entries are 9/10 and 1/10:
    //   e1 = .9 * .225 + .1 * .025 = 0.205,  e2 = .1 * .225 + .9 * .025 = 0.045.
    // R^2 = r' R^-1 r: R^-1 r = (1/.64) (.5 - .18, -.3 + .3) = (0.5, 0), R^2 = 0.25 = e1 + e2.
    // Signed percent: 82% and 18% (beta2 = 0, so its sign comes from r2 > 0).
    let r = array![[1.0, 0.6], [0.6, 1.0]];
    let rxy = array![0.5, 0.3];
    let w = relative_weights(&r, &rxy).unwrap();
    close(w.raw[0], 0.205);
    close(w.raw[1], 0.045);
    close(w.r_squared, 0.25);
    close(w.beta[0], 0.5);
    assert!(w.beta[1].abs() < 1e-12);
    close(w.signed_percent[0], 82.0);
    close(w.signed_percent[1], 18.0);
    // Orthogonal predictors: the weights are the squared correlations.
    let w = relative_weights(&Array2::eye(3), &array![0.3, -0.4, 0.0]).unwrap();
    close(w.raw[0], 0.09);
    close(w.raw[1], 0.16);
    close(w.r_squared, 0.25);
    close(w.signed_percent[1], -64.0);
}

/// 36 answers over three themes with varied sentiments, scores, languages, dates and plans.
fn corpus() -> Vec<Response> {
    let langs = ["en", "he", "fa", "ar"];
    let plans = ["Basic", "Plus", "Pro"];
    (0..36u64)
        .map(|i| {
            let score = if i % 11 == 10 {
                None
            } else {
                Some(((i * 7) % 11) as u8)
            };
            let mut themes = Vec::new();
            if i % 2 == 0 {
                themes.push((
                    "delivery",
                    0,
                    if score.unwrap_or(0) < 7 { NEG } else { POS },
                ));
            }
            if i % 3 == 0 {
                themes.push(("support", 0, if i % 4 == 0 { NEU } else { NEG }));
            }
            if i % 5 == 1 {
                themes.push(("price", 1, POS));
            }
            let sug = i % 4 == 1;
            let second = if sug {
                "weekend delivery please"
            } else {
                "nothing else"
            };
            resp(
                i + 1,
                score,
                langs[(i % 4) as usize],
                &format!("2025-{:02}-{:02}", 1 + i % 6, 1 + i % 28),
                plans[(i % 3) as usize],
                &[("first sentence", false), (second, sug)],
                &themes,
            )
        })
        .collect()
}

/// A deterministic unit vector for a sentence: suggestion texts about the same idea share a
/// direction (with a little per-answer noise), others get a spread of directions.
fn fake_vector(text: &str, salt: u64) -> Vec<f32> {
    let mut v = [0f32; 8];
    let h = text.bytes().fold(salt.wrapping_mul(31) + 7, |h, b| {
        h.wrapping_mul(131) + b as u64
    });
    if text.contains("weekend") {
        v[0] = 1.0;
    } else if text.contains("chat") {
        v[1] = 1.0;
    } else {
        v[2 + (h % 6) as usize] = 1.0;
    }
    v[7 - (h % 3) as usize] += 0.05 * ((h >> 8) % 3) as f32;
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / n).collect()
}

/// Writes a run folder the way `verbatim analyze` lays it out (no model involved).
fn write_run(dir: &Path, theme_ids: &[String], rs: &[Response], rejects: &[Reject]) {
    std::fs::create_dir_all(dir).unwrap();
    let mut w = ResponsesWriter::create(dir).unwrap();
    let mut store = StoreWriter::create(&dir.join("embeddings"), 8, "fake-8").unwrap();
    let mut stats = RunStats::new(theme_ids);
    let mut index = IndexBuilder::create(&dir.join("index"), &["Plan".to_string()]).unwrap();
    for (seq, r) in rs.iter().enumerate() {
        let mut r = r.clone();
        r.seq = seq as u64;
        w.write(&r).unwrap();
        index.add(&r).unwrap();
        let sv: Vec<Vec<f32>> = r
            .sentences
            .iter()
            .map(|s| fake_vector(&s.text, r.row))
            .collect();
        store.push(&fake_vector(&r.text, r.row), &sv).unwrap();
        stats.add(&r);
    }
    w.finish().unwrap();
    index.finish().unwrap();
    store.finish().unwrap();
    stats.save(&dir.join("stats.json")).unwrap();
    let mut rw = RejectsWriter::create(dir).unwrap();
    for r in rejects {
        rw.write(r).unwrap();
    }
    rw.finish().unwrap();
    let summary = serde_json::json!({"analyzed": rs.len(), "seconds": 1.5, "languages": {"en": 1}});
    std::fs::write(dir.join("summary.json"), summary.to_string()).unwrap();
}

fn read_responses(dir: &Path) -> Vec<Response> {
    std::fs::read_to_string(dir.join("responses.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn shard_and_merge_equals_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let themes = ids(&["delivery", "support", "price"]);
    let all = corpus();
    let reject = |row| Reject {
        row,
        column: Some("Score".into()),
        reason: "score \"x\" is not 0-10".into(),
    };
    let single = tmp.path().join("single");
    write_run(&single, &themes, &all, &[reject(37), reject(38)]);
    let mut shard_dirs = Vec::new();
    for k in 0..3u64 {
        let part: Vec<Response> = all
            .iter()
            .filter(|r| (r.row - 1) % 3 == k)
            .cloned()
            .collect();
        let rejects: Vec<Reject> = [37u64, 38]
            .into_iter()
            .filter(|r| (r - 1) % 3 == k)
            .map(reject)
            .collect();
        let d = tmp.path().join(format!("shard{k}"));
        write_run(&d, &themes, &part, &rejects);
        shard_dirs.push(d);
    }
    let merged = tmp.path().join("merged");
    let s = merge_runs(&shard_dirs, &merged).unwrap();
    assert_eq!(
        (s.runs, s.answers, s.rejects, s.embeddings),
        (3, 36, 2, true)
    );
    assert_eq!(s.sentences, 72);
    assert!(s.index && merged.join("index").is_dir());

    let one = RunStats::load(&single.join("stats.json")).unwrap();
    let m = RunStats::load(&merged.join("stats.json")).unwrap();
    assert_eq!(one, m, "merged statistics equal one run's exactly");
    for p in [Period::Week, Period::Month, Period::Quarter] {
        assert_eq!(nps_tables(&one, p), nps_tables(&m, p));
    }
    assert_eq!(
        theme_table(&one, &ImpactOptions::default()),
        theme_table(&m, &ImpactOptions::default())
    );
    let (d1, dm) = (
        analyze_drivers(&one, &DriverOptions::default()),
        analyze_drivers(&m, &DriverOptions::default()),
    );
    assert_eq!(d1, dm);
    assert!(!d1.drivers.is_empty());
    // Same answers in the same (row) order with seq renumbered, and the same vectors per line.
    assert_eq!(read_responses(&single), read_responses(&merged));
    assert_eq!(
        std::fs::read(single.join("embeddings/sentences.f32")).unwrap(),
        std::fs::read(merged.join("embeddings/sentences.f32")).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(single.join("rejects.csv")).unwrap(),
        std::fs::read_to_string(merged.join("rejects.csv")).unwrap()
    );
    assert!(merged.join("vectors/meta.json").exists());
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(merged.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["analyzed"], 36);
    assert_eq!(summary["languages"]["en"], 3);
    // Ideas on the merged folder equal those of the single run.
    let opts = IdeaOptions::default();
    assert_eq!(
        run_ideas(&single, &opts).unwrap(),
        run_ideas(&merged, &opts).unwrap()
    );

    // The driver inputs also agree with moments computed from the raw data matrix.
    let scored: Vec<&Response> = all.iter().filter(|r| r.score.is_some()).collect();
    let feats = ["delivery", "support", "price"];
    let x = Array2::from_shape_fn((scored.len(), 3), |(i, j)| {
        scored[i].themes.iter().any(|t| t.theme == feats[j]) as u8 as f64
    });
    let y = Array1::from_shape_fn(scored.len(), |i| scored[i].score.unwrap() as f64);
    let (r, rxy, _, _) = Moments::from_data(&x, &y).correlations();
    let direct = relative_weights(&r, &rxy).unwrap();
    let unsplit = analyze_drivers(
        &m,
        &DriverOptions {
            min_support: 1,
            split_sentiment: false,
        },
    );
    for (j, f) in feats.iter().enumerate() {
        let d = unsplit.drivers.iter().find(|d| d.feature == *f).unwrap();
        assert!((d.raw_weight - direct.raw[j]).abs() < 1e-9, "{f}");
    }

    // Merging refuses a run named twice and runs with different themes.
    assert!(merge_runs(
        &[shard_dirs[0].clone(), shard_dirs[0].clone()],
        &tmp.path().join("x")
    )
    .is_err());
    let other = tmp.path().join("other");
    write_run(&other, &ids(&["billing"]), &all[..3], &[]);
    assert!(merge_runs(&[shard_dirs[0].clone(), other], &tmp.path().join("y")).is_err());
}

/// Writes shard `k` of 3 of the corpus (38 rows: 36 answers, rows 37 and 38 rejected) with
/// the summary and provenance `verbatim analyze --shard k/3` writes.
fn write_shard(dir: &Path, k: u64, fingerprint: &str) -> u64 {
    let part: Vec<Response> = corpus()
        .into_iter()
        .filter(|r| (r.row - 1) % 3 == k)
        .collect();
    let rejects: Vec<Reject> = [37u64, 38]
        .into_iter()
        .filter(|r| (r - 1) % 3 == k)
        .map(|row| Reject {
            row,
            column: None,
            reason: "empty answer text".into(),
        })
        .collect();
    write_run(
        dir,
        &ids(&["delivery", "support", "price"]),
        &part,
        &rejects,
    );
    let (analyzed, rejected) = (part.len() as u64, rejects.len() as u64);
    let summary = serde_json::json!({
        "input": "export.csv", "rows_read": 38, "analyzed": analyzed, "rejected": rejected,
        "other_shards": 38 - analyzed - rejected, "shard": format!("{k}/3"), "seconds": 1.0,
    });
    std::fs::write(dir.join("summary.json"), summary.to_string()).unwrap();
    Provenance {
        input: Some(FileHash {
            path: "export.csv".into(),
            sha256: "ab".repeat(32),
            bytes: 4096,
        }),
        shard: Some(ShardSpec { index: k, count: 3 }),
        model: "fake-8".into(),
        model_fingerprint: fingerprint.into(),
        codebook: None,
        shards: Vec::new(),
        merged_from: Vec::new(),
    }
    .save(dir)
    .unwrap();
    analyzed + rejected
}

fn merge_err(runs: &[std::path::PathBuf], out: &Path) -> String {
    merge_runs(runs, out).unwrap_err().to_string()
}

#[test]
fn merge_refuses_duplicates_mismatches_and_missing_shards_and_counts_rows_once() {
    let tmp = tempfile::tempdir().unwrap();
    let d = |n: &str| tmp.path().join(n);
    let mut covered = 0;
    for k in 0..3 {
        covered += write_shard(&d(&format!("s{k}")), k, "config abc");
    }
    assert_eq!(covered, 38);
    let (s0, s1, s2) = (d("s0"), d("s1"), d("s2"));
    let summary = |dir: &Path| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join("summary.json")).unwrap()).unwrap()
    };

    // A complete set: rows read once, not once per shard.
    merge_runs(&[s0.clone(), s1.clone(), s2.clone()], &d("all")).unwrap();
    let all = summary(&d("all"));
    assert_eq!(all["rows_read"], 38, "{all}");
    assert_eq!(all["other_shards"], 0, "{all}");
    let p = Provenance::load(&d("all")).unwrap().unwrap();
    assert_eq!(p.shards.len(), 3);
    // Replacing that run needs --force.
    let err = merge_err(&[s0.clone(), s1.clone(), s2.clone()], &d("all"));
    assert!(err.contains("--force"), "{err}");

    // A missing shard is named; --allow-partial merges what is there.
    let err = merge_err(&[s0.clone(), s2.clone()], &d("x"));
    assert!(err.contains("shard 1/3 missing"), "{err}");
    assert!(!d("x").exists());
    let opts = MergeOptions {
        allow_partial: true,
        ..Default::default()
    };
    let m = merge_runs_with(&[s0.clone(), s2.clone()], &d("part"), &opts).unwrap();
    assert_eq!(m.missing, [ShardSpec { index: 1, count: 3 }]);
    let part = summary(&d("part"));
    assert_eq!(part["rows_read"], 38, "{part}");
    assert_eq!(
        part["other_shards"].as_u64().unwrap(),
        38 - part["analyzed"].as_u64().unwrap() - part["rejected"].as_u64().unwrap()
    );
    // The partial merge plus the missing shard completes the set.
    merge_runs(&[d("part"), s1.clone()], &d("done")).unwrap();
    assert_eq!(summary(&d("done"))["rows_read"], 38);

    // The same shard twice (a copy of shard 0), naming both runs.
    write_shard(&d("s0-again"), 0, "config abc");
    let err = merge_err(
        &[s0.clone(), s1.clone(), s2.clone(), d("s0-again")],
        &d("x"),
    );
    assert!(
        err.contains("s0-again") && err.contains("shard 0/3"),
        "{err}"
    );

    // Another model.
    write_shard(&d("s2-other-model"), 2, "config def");
    let err = merge_err(&[s0.clone(), s1.clone(), d("s2-other-model")], &d("x"));
    assert!(
        err.contains("same --model") && err.contains("s2-other-model"),
        "{err}"
    );

    // Runs without provenance (older versions) whose ids overlap.
    let all = corpus();
    write_run(&d("old-a"), &ids(&["delivery"]), &all[..3], &[]);
    write_run(&d("old-b"), &ids(&["delivery"]), &all[2..5], &[]);
    let err = merge_err(&[d("old-a"), d("old-b")], &d("x"));
    assert!(err.contains("is in both") && err.contains("old-b"), "{err}");
    assert!(!d("x").exists());
    let leftovers: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn ideas_count_distinct_respondents() {
    let tmp = tempfile::tempdir().unwrap();
    let rs = vec![
        // One respondent, two sentences of the same idea: counted once.
        resp(
            1,
            Some(4),
            "en",
            "2025-01-01",
            "Basic",
            &[
                ("weekend delivery please", true),
                ("Sunday weekend delivery too", true),
            ],
            &[],
        ),
        resp(
            2,
            Some(6),
            "he",
            "2025-01-02",
            "Basic",
            &[("weekend משלוחים בשישי", true)],
            &[],
        ),
        resp(
            3,
            Some(9),
            "fa",
            "2025-01-03",
            "Pro",
            &[("weekend ارسال", true)],
            &[],
        ),
        resp(
            4,
            Some(8),
            "en",
            "2025-01-04",
            "Pro",
            &[("live chat please", true)],
            &[],
        ),
        resp(
            5,
            Some(2),
            "ar",
            "2025-01-05",
            "Pro",
            &[("chat مباشر", true), ("ok", false)],
            &[],
        ),
        resp(
            6,
            None,
            "en",
            "2025-01-06",
            "Pro",
            &[("no suggestion here", false)],
            &[],
        ),
        resp(
            7,
            Some(7),
            "en",
            "2025-01-07",
            "Pro",
            &[("something else entirely", true)],
            &[],
        ),
    ];
    write_run(tmp.path(), &ids(&["delivery"]), &rs, &[]);
    let r = run_ideas(tmp.path(), &IdeaOptions::default()).unwrap();
    assert_eq!((r.suggestions, r.respondents), (7, 6));
    assert_eq!(r.ideas.len(), 2, "{:#?}", r.ideas);
    let w = &r.ideas[0];
    assert_eq!((w.rank, w.respondents, w.sentences), (1, 3, 4));
    assert_eq!(w.label_lang, "en");
    assert_eq!(
        w.languages,
        vec![("en".into(), 1), ("fa".into(), 1), ("he".into(), 1)]
    );
    // Scores 4, 6, 9: mean 6.33, NPS (1 - 2)/3.
    close(w.avg_score.unwrap(), 19.0 / 3.0);
    close(w.nps.unwrap(), -100.0 / 3.0);
    assert_eq!(w.examples.len(), 3, "one example per respondent");
    let c = &r.ideas[1];
    assert_eq!((c.respondents, c.sentences), (2, 2));
    assert_eq!(c.label, "live chat please");
    // min_count 1 keeps the single-respondent idea too.
    let all = run_ideas(
        tmp.path(),
        &IdeaOptions {
            min_count: 1,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(all.ideas.len(), 3);
}

#[test]
fn report_is_self_contained_escaped_and_rtl_aware() {
    let tmp = tempfile::tempdir().unwrap();
    let mut rs = corpus();
    rs[0].sentences[0].text = "<script>alert(1)</script> late & \"lost\"".into();
    rs.push(resp(
        40,
        Some(2),
        "he",
        "2025-03-03",
        "Basic",
        &[
            ("המשלוח הגיע באיחור", false),
            ("weekend delivery בבקשה", true),
        ],
        &[("delivery", 0, NEG)],
    ));
    let run = tmp.path().join("run");
    write_run(&run, &ids(&["delivery", "support", "price"]), &rs, &[]);
    let opts = verbatim::report::ReportOptions::default();
    let data = verbatim::report::build(&run, &opts).unwrap();
    let out = tmp.path().join("out/report.html");
    let files = verbatim::report::write(&data, &opts, &out).unwrap();
    let html = std::fs::read_to_string(&files.html).unwrap();
    assert!(!html.contains("<script"), "data must be escaped");
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains("src="));
    assert!(html.contains("&lt;script&gt;") || !html.contains("alert"));
    assert!(html.contains("<blockquote dir=\"auto\">המשלוח הגיע באיחור"));
    assert!(html.contains("<polygon"), "trend band");
    assert!(html.contains("weekend delivery"), "ideas table");
    for name in ["drivers.csv", "themes.csv", "ideas.csv", "nps.csv"] {
        assert!(tmp.path().join("out").join(name).exists(), "{name}");
    }
    let nps = std::fs::read_to_string(tmp.path().join("out/nps.csv")).unwrap();
    assert!(nps.lines().nth(1).unwrap().starts_with("overall,all,37,"));
}

fn embed(texts: &[&str]) -> Vec<Vec<f32>> {
    common::encoder().embed(texts, TextKind::Passage).unwrap()
}

#[test]
fn real_encoder_groups_the_same_idea_across_languages() {
    let ideas: [(&str, &[(&str, &str)]); 3] = [
        (
            "weekend",
            &[
                ("en", "Please add Saturday delivery."),
                ("en", "Would be great if you delivered on weekends too"),
                ("he", "הייתי שמח למשלוחים גם בשישי"),
                ("fa", "کاش آخر هفته هم ارسال داشتید"),
                ("ar", "أتمنى توصيل في عطلة نهاية الأسبوع"),
                ("ru", "Добавьте доставку по выходным"),
            ],
        ),
        (
            "chat",
            &[
                ("en", "A live chat would fix half of my problems."),
                ("en", "Please add a live chat instead of email support"),
                ("he", "תוסיפו צ'אט חי לשירות הלקוחות"),
                ("ar", "نتمنى خدمة دردشة مباشرة مع الدعم"),
            ],
        ),
        (
            "dark",
            &[
                ("en", "Dark mode please, my eyes hurt at night."),
                ("ru", "Добавьте тёмную тему в приложение"),
            ],
        ),
    ];
    let centers = demo_centers();
    let mut items = Vec::new();
    let mut truth = Vec::new();
    for (k, (_, list)) in ideas.iter().enumerate() {
        let texts: Vec<&str> = list.iter().map(|x| x.1).collect();
        for ((lang, text), v) in list.iter().zip(embed(&texts)) {
            assert!(is_suggestion(text, lang), "{text}");
            items.push(SuggestionItem {
                respondent: format!("r{}", items.len()),
                text: text.to_string(),
                lang: lang.to_string(),
                score: Some(5),
                vector: centers.apply(lang, &v),
            });
            truth.push(k);
        }
    }
    let r = group_ideas(&items, &IdeaOptions::default());
    let weekend = r
        .ideas
        .iter()
        .find(|i| {
            i.examples.iter().any(|e| e.text.contains("Saturday")) || i.label.contains("Saturday")
        })
        .expect("a weekend-delivery idea");
    assert!(weekend.languages.len() >= 3, "{weekend:#?}");
    assert!(!weekend.label.contains("chat") && !weekend.label.contains("Dark"));
    assert_eq!(weekend.label_lang, "en");
    assert!(r.ideas[0].respondents >= 4, "{:#?}", r.ideas);
    // No idea mixes planted ideas: every group holds sentences of one idea only.
    let vectors: Vec<&[f32]> = items.iter().map(|i| i.vector.as_slice()).collect();
    let labels = verbatim::analyze::ideas::group_vectors(&vectors, &IdeaOptions::default());
    for i in 0..items.len() {
        for j in 0..items.len() {
            if labels[i] == labels[j] {
                assert_eq!(truth[i], truth[j], "{} / {}", items[i].text, items[j].text);
            }
        }
    }
}

/// Every sentence of the demo corpus, embedded the way `analyze` does, with its respondent,
/// language, score and suggestion flag.
fn demo_sentences() -> &'static [(SuggestionItem, bool)] {
    static ALL: std::sync::OnceLock<Vec<(SuggestionItem, bool)>> = std::sync::OnceLock::new();
    ALL.get_or_init(embed_demo)
}

/// Language centres over every demo sentence (as `load_suggestions` computes them for a run).
fn demo_centers() -> LanguageCenters {
    let mut c = LanguageCenters::default();
    for (i, _) in demo_sentences() {
        c.add(&i.lang, &i.vector);
    }
    c
}

fn embed_demo() -> Vec<(SuggestionItem, bool)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpora/demo/feedback.csv");
    let mut rd = csv::Reader::from_path(path).unwrap();
    // (respondent, lang, sentence, text the encoder sees, score, suggestion)
    let mut found: Vec<(String, String, String, String, Option<u8>, bool)> = Vec::new();
    for rec in rd.records() {
        let rec = rec.unwrap();
        let (id, score, comment) = (&rec[0], &rec[4], &rec[5]);
        let lang = verbatim::text::language::detect(comment).lang;
        let kept: Vec<_> = verbatim::text::segment::sentences(comment)
            .into_iter()
            .filter(|r| !verbatim::text::normalize::for_model(&comment[r.clone()]).is_empty())
            .collect();
        // A one-sentence answer's sentence vector is its answer vector (as in analyze).
        let single = kept.len() == 1;
        for r in kept {
            let s = &comment[r];
            let model = verbatim::text::normalize::for_model(if single { comment } else { s });
            let sug = is_suggestion(s, &lang);
            found.push((
                id.into(),
                lang.clone(),
                s.into(),
                model,
                score.parse().ok(),
                sug,
            ));
        }
    }
    let model_texts: Vec<&str> = found.iter().map(|t| t.3.as_str()).collect();
    let vectors = embed(&model_texts);
    found
        .into_iter()
        .zip(vectors)
        .map(|((respondent, lang, text, _, score, sug), vector)| {
            (
                SuggestionItem {
                    respondent,
                    text,
                    lang,
                    score,
                    vector,
                },
                sug,
            )
        })
        .collect()
}

#[test]
fn demo_weekend_delivery_is_one_multilingual_idea() {
    let all = demo_sentences();
    if let Ok(p) = std::env::var("VERBATIM_VECTORS_DUMP") {
        let rows: Vec<_> = all
            .iter()
            .map(|(i, s)| (&i.respondent, &i.lang, &i.text, s, &i.vector))
            .collect();
        std::fs::write(p, serde_json::to_string(&rows).unwrap()).unwrap();
    }
    let centers = demo_centers();
    let items: Vec<SuggestionItem> = all
        .iter()
        .filter(|(_, s)| *s)
        .map(|(i, _)| SuggestionItem {
            vector: centers.apply(&i.lang, &i.vector),
            ..i.clone()
        })
        .collect();
    let threshold = std::env::var("VERBATIM_IDEAS_THRESHOLD")
        .ok()
        .and_then(|t| t.parse().ok())
        .unwrap_or(DEFAULT_THRESHOLD);
    let r = group_ideas(
        &items,
        &IdeaOptions {
            threshold,
            ..Default::default()
        },
    );
    if let Ok(p) = std::env::var("VERBATIM_IDEAS_DUMP") {
        let vectors: Vec<&[f32]> = items.iter().map(|i| i.vector.as_slice()).collect();
        let labels = verbatim::analyze::ideas::group_vectors(
            &vectors,
            &IdeaOptions {
                threshold,
                ..Default::default()
            },
        );
        let listed: Vec<_> = items
            .iter()
            .zip(&labels)
            .map(|(i, l)| (&i.respondent, &i.lang, &i.text, l))
            .collect();
        let json = serde_json::json!({ "report": r, "items": listed });
        std::fs::write(p, json.to_string()).unwrap();
    }
    for i in r.ideas.iter().take(12) {
        println!(
            "{:>2} {:>3} {:<40} {}",
            i.rank,
            i.respondents,
            verbatim::analyze::ideas::languages_text(&i.languages),
            i.label
        );
    }
    let weekend: Vec<_> = r
        .ideas
        .iter()
        .filter(|i| {
            let l = i.label.to_lowercase();
            l.contains("weekend") || l.contains("saturday")
        })
        .collect();
    assert_eq!(
        weekend.len(),
        1,
        "weekend delivery is one idea: {:#?}",
        r.ideas
    );
    assert!(weekend[0].languages.len() >= 3, "{:#?}", weekend[0]);
    assert!(weekend[0].respondents >= 13, "{:#?}", weekend[0]);
    assert_eq!(weekend[0].rank, 1, "{:#?}", r.ideas);
}
