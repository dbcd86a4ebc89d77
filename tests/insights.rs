//! Insights on small hand-built data with exact expected numbers: NPS and its interval, theme
//! impact, Johnson relative weights, idea counts, shard-and-merge equality, the HTML report;
//! plus idea grouping with the real encoder on multilingual sentences and on the demo corpus.

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
use verbatim::encode::{Encoder, TextKind};
use verbatim::record::{
    NpsGroup, Reject, Response, SentenceResult, Sentiment, SentimentLabel, ThemeMention,
};
use verbatim::run::merge::{merge_runs, merge_runs_with, MergeOptions};
use verbatim::run::{AnswerFiles, FileHash, Provenance, RunWriter, ShardSpec};

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

/// Writes a run folder through `RunWriter`, as `verbatim analyze` does (no model involved),
/// with a small summary.
fn write_run(dir: &Path, theme_ids: &[String], rs: &[Response], rejects: &[Reject]) {
    let summary = serde_json::json!({"analyzed": rs.len(), "seconds": 1.5, "languages": {"en": 1}});
    write_run_with(dir, theme_ids, rs, rejects, summary, None);
}

/// [`write_run`] with the run's `summary` and `provenance`.
fn write_run_with(
    dir: &Path,
    theme_ids: &[String],
    rs: &[Response],
    rejects: &[Reject],
    summary: serde_json::Value,
    provenance: Option<&Provenance>,
) {
    let run = RunWriter::begin(dir, false).unwrap();
    let files = AnswerFiles {
        parquet: false,
        index: true,
    };
    let mut w = run.answers(&["Plan".to_string()], files).unwrap();
    let mut store = run.store(8, "fake-8").unwrap();
    let mut stats = RunStats::new(theme_ids);
    for (seq, r) in rs.iter().enumerate() {
        let mut r = r.clone();
        r.seq = seq as u64;
        w.write(&r).unwrap();
        let sv: Vec<Vec<f32>> = r
            .sentences
            .iter()
            .map(|s| fake_vector(&s.text, r.row))
            .collect();
        store.push(&fake_vector(&r.text, r.row), &sv).unwrap();
        stats.add(&r);
    }
    w.finish().unwrap();
    store.finish().unwrap();
    let mut rw = run.rejects().unwrap();
    for r in rejects {
        rw.write(r).unwrap();
    }
    rw.finish().unwrap();
    run.finish(&stats, provenance, || Some(summary)).unwrap();
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
    let (analyzed, rejected) = (part.len() as u64, rejects.len() as u64);
    let summary = serde_json::json!({
        "input": "export.csv", "rows_read": 38, "analyzed": analyzed, "rejected": rejected,
        "other_shards": 38 - analyzed - rejected, "shard": format!("{k}/3"), "seconds": 1.0,
    });
    let provenance = Provenance {
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
    };
    let themes = ids(&["delivery", "support", "price"]);
    write_run_with(dir, &themes, &part, &rejects, summary, Some(&provenance));
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
    crate::common::encoder()
        .embed(texts, TextKind::Passage)
        .unwrap()
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
    // The weekend idea is the one labelled or exemplified by one of its sentences (which one
    // is its label moves with the vectors' last decimals).
    let weekend_texts: Vec<&str> = ideas[0].1.iter().map(|x| x.1).collect();
    let weekend = r
        .ideas
        .iter()
        .find(|i| {
            weekend_texts.contains(&i.label.as_str())
                || i.examples
                    .iter()
                    .any(|e| weekend_texts.contains(&e.text.as_str()))
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

// ---- Issue 13: why NPS moved, what is new, segments against each other ----

use verbatim::analyze::compare::{
    compare, compare_run, CompareOptions, CompareSpec, Comparison, NO_THEME,
};
use verbatim::analyze::segments::{segment_table, SegmentOptions};
use verbatim::analyze::signif::benjamini_hochberg;
use verbatim::analyze::trends::{new_theme_candidates, trends, TrendOptions};

fn contribution<'a>(
    c: &'a Comparison,
    theme: &str,
) -> &'a verbatim::analyze::compare::Contribution {
    c.contributions.iter().find(|r| r.theme == theme).unwrap()
}

/// Theme mentions of a hand-built answer: (theme, sentence, sentiment).
type Mentions<'a> = &'a [(&'a str, usize, SentimentLabel)];

/// Q1: 10 {x,y} (promoter), 3 {x}, 8 {} ; Q2: 0 {x,y}, 9 {y}, 2 {}: overlapping themes.
fn waterfall_data() -> Vec<Response> {
    let rows: [(u8, &str, Mentions); 6] = [
        (10, "2025-01-10", &[("x", 0, POS), ("y", 0, POS)]),
        (3, "2025-02-10", &[("x", 0, NEG)]),
        (8, "2025-03-10", &[]),
        (0, "2025-04-10", &[("x", 0, NEG), ("y", 0, NEG)]),
        (9, "2025-05-10", &[("y", 0, POS)]),
        (2, "2025-06-10", &[]),
    ];
    rows.iter()
        .enumerate()
        .map(|(i, (s, d, th))| {
            let plan = if i < 3 { "Basic" } else { "Pro" };
            resp(i as u64 + 1, Some(*s), "en", d, plan, &[("t", false)], th)
        })
        .collect()
}

#[test]
fn waterfall_sums_to_the_change_and_matches_hand_computation() {
    let s = stats_of(&ids(&["x", "y"]), &waterfall_data());
    let (q, _) = s.slices.as_ref().unwrap().periods(Period::Quarter);
    let c = compare(
        &s.theme_ids,
        ("2025-Q1", &q["2025-Q1"]),
        ("2025-Q2", &q["2025-Q2"]),
        &CompareOptions::default(),
    );
    // Q1: shares (1/k weights) x 1/2, y 1/6, none 1/3; net scores x -1/3, y 1, none 0 (NPS 0).
    // Q2: x 1/6, y 1/2, none 1/3; net x -1, y 1/3, none -1 (NPS -100/3).
    close(c.change.value, -100.0 / 3.0);
    let (x, y, none) = (
        contribution(&c, "x"),
        contribution(&c, "y"),
        contribution(&c, NO_THEME),
    );
    close(
        x.mix.value,
        100.0 * (1.0 / 6.0 - 0.5) * (-1.0 / 3.0 - 1.0) / 2.0,
    ); // +200/9
    close(
        x.rate.value,
        100.0 * (-1.0 + 1.0 / 3.0) * (0.5 + 1.0 / 6.0) / 2.0,
    ); // -200/9
    close(x.total.value, 0.0);
    close(y.mix.value, 200.0 / 9.0);
    close(y.rate.value, -200.0 / 9.0);
    close(none.mix.value, 0.0);
    close(none.rate.value, -100.0 / 3.0);
    assert_eq!(x.mentions, [2, 1]);
    let sum: f64 = c.contributions.iter().map(|r| r.total.value).sum();
    assert!((sum - c.change.value).abs() < 1e-9);

    // A larger, varied corpus: periods, segments and two runs all sum exactly, and the
    // bootstrap intervals are reproducible and hold the point estimate of the change.
    let tmp = tempfile::tempdir().unwrap();
    let themes = ids(&["delivery", "support", "price"]);
    let all = corpus();
    let (ra, rb) = (tmp.path().join("a"), tmp.path().join("b"));
    write_run(&ra, &themes, &all[..20], &[]);
    write_run(
        &rb,
        &ids(&["price", "delivery", "billing"]),
        &all[20..],
        &[],
    );
    let opts = CompareOptions::default();
    for spec in [
        CompareSpec::Periods("2025-01".into(), "2025-06".into()),
        CompareSpec::Periods("2025-Q1".into(), "2025-Q2".into()),
        CompareSpec::Segments("Plan=Basic".into(), "Plan=Pro".into()),
        CompareSpec::Runs(rb.clone()),
    ] {
        let c = compare_run(&ra, &spec, &opts).unwrap();
        let sum: f64 = c.contributions.iter().map(|r| r.total.value).sum();
        let expect = c.b.nps.unwrap() - c.a.nps.unwrap();
        assert!((sum - expect).abs() < 1e-9, "{spec:?}: {sum} vs {expect}");
        assert!((c.change.value - expect).abs() < 1e-9);
        for r in &c.contributions {
            assert!((r.mix.value + r.rate.value - r.total.value).abs() < 1e-12);
        }
        assert!(c.change.low <= c.change.value && c.change.value <= c.change.high);
        assert_eq!(c, compare_run(&ra, &spec, &opts).unwrap(), "seeded");
    }
    // The two runs' theme lists are aligned by id: support is only in A's codebook; billing,
    // only in B's, has no mention and no row.
    let c = compare_run(&ra, &CompareSpec::Runs(rb.clone()), &opts).unwrap();
    assert_eq!(contribution(&c, "support").mentions[1], 0);
    assert!(contribution(&c, "support").mentions[0] > 0);
    assert!(contribution(&c, "delivery").mentions.iter().all(|&m| m > 0));
    assert!(c.contributions.iter().all(|r| r.theme != "billing"));
    // report --compare: the waterfall, the trends and segments tables, and compare.csv whose
    // contributions add up to its change row.
    let opts_r = verbatim::report::ReportOptions {
        compare: Some(CompareSpec::parse_pair("Plan=Basic..Plan=Pro").unwrap()),
        ..Default::default()
    };
    let data = verbatim::report::build(&ra, &opts_r).unwrap();
    let out = tmp.path().join("rep/report.html");
    verbatim::report::write(&data, &opts_r, &out).unwrap();
    let html = std::fs::read_to_string(&out).unwrap();
    for part in [
        "aria-label=\"NPS change waterfall\"",
        "id=\"trends\"",
        "id=\"segments\"",
    ] {
        assert!(html.contains(part), "{part}");
    }
    let csv = std::fs::read_to_string(tmp.path().join("rep/compare.csv")).unwrap();
    let total = |line: &str| line.split(',').nth(13).unwrap().parse::<f64>().unwrap();
    let lines: Vec<&str> = csv.lines().skip(1).collect();
    let (rows, change) = lines.split_at(lines.len() - 1);
    let sum: f64 = rows.iter().map(|l| total(l)).sum();
    assert!((sum - total(change[0])).abs() < 1e-3, "{csv}");
    // Unknown periods and segments name what the run has.
    let e = compare_run(
        &ra,
        &CompareSpec::Segments("Plan=Gold".into(), "Plan=Pro".into()),
        &opts,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("Plan=Basic") && e.contains("Plan=Gold"), "{e}");
    // A stats.json from before the slices existed still loads, and compare says to re-run.
    let mut old: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ra.join("stats.json")).unwrap()).unwrap();
    old.as_object_mut().unwrap().remove("slices");
    std::fs::write(ra.join("stats.json"), old.to_string()).unwrap();
    assert!(RunStats::load(&ra.join("stats.json"))
        .unwrap()
        .slices
        .is_none());
    let e = compare_run(&ra, &CompareSpec::Runs(rb), &opts)
        .unwrap_err()
        .to_string();
    assert!(e.contains("re-run `verbatim analyze`"), "{e}");
}

#[test]
fn benjamini_hochberg_matches_r_p_adjust() {
    // p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.2, 0.5), "BH"), by hand: sorted 0.005, 0.01, 0.03,
    // 0.04, 0.2, 0.5; p * 6 / rank = 0.03, 0.03, 0.06, 0.06, 0.24, 0.5; running minimum from
    // the top leaves them as they are.
    let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.005, 0.2, 0.5]);
    for (a, b) in q.iter().zip([0.03, 0.06, 0.06, 0.03, 0.24, 0.5]) {
        close(*a, b);
    }
    // p.adjust(c(0.02, 0.03, 0.04, 0.9), "BH"): 0.08, 0.06, 0.04*4/3 = 0.0533, 0.9 -> the
    // running minimum makes the first two 0.0533 too.
    let q = benjamini_hochberg(&[0.9, 0.04, 0.02, 0.03]);
    for (a, b) in q.iter().zip([0.9, 0.16 / 3.0, 0.16 / 3.0, 0.16 / 3.0]) {
        close(*a, b);
    }
    // Capped at 1.
    assert_eq!(benjamini_hochberg(&[0.6, 0.9]), vec![0.9, 0.9]);
}

/// 60 answers a month in January-April. billing: 10% of answers in January-March, 50% in April
/// (planted). delivery: a third every month, half of it negative. Plan=Pro (every fourth
/// answer) mentions price about half the time, the other answers one time in fifteen.
fn planted_months() -> Vec<Response> {
    let mut out = Vec::new();
    for m in 1..=4u64 {
        for i in 0..60u64 {
            let mut th: Vec<(&str, usize, SentimentLabel)> = Vec::new();
            if (m < 4 && i % 10 == 0) || (m == 4 && i % 2 == 0) {
                th.push(("billing", 0, NEG));
            }
            if i % 3 == 0 {
                th.push(("delivery", 0, if i % 2 == 0 { NEG } else { POS }));
            }
            let pro = i % 4 == 1;
            if (pro && i % 8 == 1) || (!pro && i % 10 == 3) {
                th.push(("price", 0, NEU));
            }
            let score = Some(((i * 7 + m) % 11) as u8);
            let date = format!("2025-{m:02}-{:02}", 1 + i % 28);
            let plan = if pro { "Pro" } else { "Basic" };
            let row = (m - 1) * 60 + i + 1;
            out.push(resp(row, score, "en", &date, plan, &[("t", false)], &th));
        }
    }
    out
}

#[test]
fn trends_and_segments_flag_a_planted_change_only() {
    let s = stats_of(&ids(&["billing", "delivery", "price"]), &planted_months());
    let t = trends(&s, &TrendOptions::default()).unwrap();
    let billing = &t.themes[0];
    let april = &billing.cells[3];
    // Before April: 18 of 180 (0.1); April: 30 of 60 (0.5); pooled 0.2.
    close(april.share, 0.5);
    close(april.vs_previous.previous_share.unwrap(), 0.1);
    let z = 0.4 / (0.2f64 * 0.8 * (1.0 / 180.0 + 1.0 / 60.0)).sqrt();
    let tested = april.vs_previous.share_change.unwrap();
    close(tested.test.z, z);
    assert!(tested.significant && tested.test.diff > 0.0);
    assert!(tested.q >= tested.test.p);
    for th in &t.themes {
        for c in &th.cells {
            let flagged = [c.vs_previous.share_change, c.vs_previous.negative_change]
                .iter()
                .flatten()
                .any(|x| x.significant);
            let planted = th.theme == "billing" && c.period == "2025-04";
            assert_eq!(flagged, planted, "{} {}", th.theme, c.period);
        }
    }
    // No test below the minimum counts.
    let strict = TrendOptions {
        min_answers: 200,
        min_mentions: 1000,
        ..Default::default()
    };
    assert_eq!(trends(&s, &strict).unwrap().tests, 0);

    // Segments: Plan=Pro (i % 4 == 1) mentions price in 32 of 60 answers (i % 8 == 1), the
    // rest in 12 of 180 (i % 10 == 3 and not Pro: 3, 23, 43 each month).
    let seg = segment_table(&s, &SegmentOptions::default()).unwrap();
    let pro = seg.rows.iter().find(|r| r.segment == "Plan=Pro").unwrap();
    let price = &pro.themes[2];
    close(price.share.value, 32.0 / 60.0);
    close(price.share.rest, 12.0 / 180.0);
    let pool: f64 = 44.0 / 240.0;
    let z =
        (32.0 / 60.0 - 12.0 / 180.0) / (pool * (1.0 - pool) * (1.0 / 60.0 + 1.0 / 180.0)).sqrt();
    let tested = price.share.tested.unwrap();
    close(tested.test.z, z);
    assert!(tested.significant && tested.q >= tested.test.p);
    // delivery (i % 3 == 0) is a third of every plan: its share is not flagged.
    for r in &seg.rows {
        let d = &r.themes[1].share;
        close(d.value, 1.0 / 3.0);
        assert!(!d.tested.is_some_and(|x| x.significant), "{}", r.segment);
    }
    assert_eq!(pro.answers, 60);
}

/// 18 answers about a new TV commercial in eight languages, all in June 2025.
const PLANTED_AD: &[(&str, &str)] = &[
    (
        "US",
        "Your new TV commercial with the singing cat is so annoying, I mute it every time.",
    ),
    (
        "US",
        "That radio jingle about ShopNow plays every ten minutes, please stop the ad.",
    ),
    (
        "US",
        "The new advertising campaign with the cat song is irritating.",
    ),
    ("IL", "הפרסומת החדשה בטלוויזיה עם החתול השר ממש מעצבנת."),
    ("IL", "הג'ינגל של הפרסומת ברדיו חוזר כל הזמן, נמאס."),
    (
        "IL",
        "קמפיין הפרסום החדש שלכם עם השיר של החתול צורם ומעצבן.",
    ),
    (
        "IR",
        "تبلیغ تلویزیونی جدیدتان با گربه آوازخوان خیلی آزاردهنده است.",
    ),
    ("IR", "آهنگ تبلیغ رادیویی شما مدام پخش می‌شود، خسته شدیم."),
    (
        "IR",
        "کمپین تبلیغاتی جدید با آهنگ گربه واقعاً اعصاب‌خردکن است.",
    ),
    ("AE", "إعلانكم التلفزيوني الجديد مع القطة المغنية مزعج جدا."),
    ("AE", "أغنية الإعلان في الراديو تتكرر كل عشر دقائق، كفى."),
    ("AE", "الحملة الإعلانية الجديدة مع أغنية القطة مزعجة للغاية."),
    (
        "DE",
        "Eure neue Fernsehwerbung mit der singenden Katze nervt total.",
    ),
    (
        "DE",
        "Der Werbejingle im Radio läuft ständig, bitte hört auf damit.",
    ),
    (
        "FR",
        "Votre nouvelle publicité télé avec le chat qui chante est insupportable.",
    ),
    (
        "FR",
        "Le jingle publicitaire à la radio passe toutes les dix minutes.",
    ),
    (
        "ES",
        "El nuevo anuncio de televisión con el gato que canta es muy molesto.",
    ),
    (
        "RU",
        "Ваша новая реклама по телевизору с поющим котом очень раздражает.",
    ),
];

#[test]
fn a_theme_planted_in_the_last_month_of_the_demo_is_a_new_theme_candidate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let mut csv = std::fs::read(root.join("corpora/demo/feedback.csv")).unwrap();
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for (i, (country, text)) in PLANTED_AD.iter().enumerate() {
        let (id, date, score) = (
            format!("R_P{:02}", i + 1),
            format!("2025-06-{:02}", 2 + i),
            (5 + i % 4).to_string(),
        );
        w.write_record([id.as_str(), &date, country, "Basic", &score, text])
            .unwrap();
    }
    csv.extend(w.into_inner().unwrap());
    let export = tmp.path().join("planted.csv");
    std::fs::write(&export, csv).unwrap();
    let run = tmp.path().join("run");
    let bin = env!("CARGO_BIN_EXE_verbatim");
    let out = std::process::Command::new(bin)
        .args(["analyze", export.to_str().unwrap(), "--text-col", "Comment"])
        .args([
            "--score-col",
            "Score",
            "--id-col",
            "ResponseId",
            "--date-col",
            "Date",
        ])
        .args([
            "--segment-col",
            "Country",
            "--segment-col",
            "Plan",
            "--codebook",
        ])
        .arg(root.join("corpora/eval/themes.yaml"))
        .arg("--out")
        .arg(&run)
        .output()
        .unwrap();
    crate::common::ok(&out);

    let stats = RunStats::load(&run.join("stats.json")).unwrap();
    let c = new_theme_candidates(&run, &stats, &TrendOptions::default()).unwrap();
    assert_eq!(c.latest_period, "2025-06");
    let planted = |t: &str| PLANTED_AD.iter().any(|p| p.1 == t);
    let found: Vec<_> = c
        .candidates
        .iter()
        .filter(|x| x.examples.iter().filter(|e| planted(e)).count() * 2 > x.examples.len())
        .collect();
    assert_eq!(found.len(), 1, "{:#?}", c.candidates);
    let ad = found[0];
    assert!(ad.latest >= 12 && ad.before <= 2, "{ad:#?}");
    assert!(ad.new || ad.growth.unwrap().significant);
    assert!(ad.coverage <= 0.5);
    // Not every June answer is a candidate: the demo's own themes are not reported.
    assert!(c.candidates.len() <= 2, "{:#?}", c.candidates);

    // `trends --save-codebook` writes it as codebook entries that load back.
    let yaml = tmp.path().join("new.yaml");
    let out = std::process::Command::new(bin)
        .args(["trends", run.to_str().unwrap(), "--save-codebook"])
        .arg(&yaml)
        .output()
        .unwrap();
    crate::common::ok(&out);
    let cb = verbatim::classify::codebook::Codebook::load(&yaml).unwrap();
    assert!(cb.themes.iter().any(|t| t.id == ad.id), "{:?}", cb.themes);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&ad.id) && stdout.contains("2025-06"),
        "{stdout}"
    );
}

/// A hand-built run with a codebook whose delivery and billing themes have owners: each
/// answer that needs a response goes to the right owners, worst first, with its trigger
/// sentence and reasons, in one CSV per owner, and the report counts them.
#[test]
fn followup_lists_route_answers_to_owners_worst_first() {
    use verbatim::analyze::followup::{counts, owners_of, write_csvs};
    use verbatim::run::followup::followups_of_run;
    let tmp = tempfile::tempdir().unwrap();
    let cb_path = tmp.path().join("themes.csv");
    std::fs::write(
        &cb_path,
        "id,name,owner\ndelivery,Delivery,logistics\nbilling,Billing,billing-team\nprice,Price,\n",
    )
    .unwrap();
    let neg = |mut r: Response, sentences: &[usize]| {
        for &i in sentences {
            r.sentences[i].sentiment = sentiment(NEG);
        }
        r
    };
    let rs = vec![
        neg(
            resp(
                1,
                Some(2),
                "en",
                "2025-01-01",
                "Basic",
                &[("The parcel came two weeks late.", false)],
                &[("delivery", 0, NEG)],
            ),
            &[0],
        ),
        resp(
            2,
            Some(9),
            "en",
            "2025-01-01",
            "Pro",
            &[
                ("Great app.", false),
                ("Please call me back about the double charge.", false),
            ],
            &[("billing", 1, NEU)],
        ),
        neg(
            resp(
                3,
                Some(8),
                "he",
                "2025-01-02",
                "Pro",
                &[("המחירים עלו שוב", false)],
                &[("price", 0, NEG)],
            ),
            &[0],
        ),
        resp(
            4,
            None,
            "fa",
            "2025-01-02",
            "Basic",
            &[("لطفا با من تماس بگیرید", false)],
            &[],
        ),
        resp(
            5,
            Some(0),
            "en",
            "2025-01-03",
            "Basic",
            &[("Terrible.", false)],
            &[],
        ),
        neg(
            resp(
                6,
                Some(7),
                "ar",
                "2025-01-03",
                "Pro",
                &[("الفاتورة خاطئة", false)],
                &[("billing", 0, NEG)],
            ),
            &[0],
        ),
        neg(
            resp(
                7,
                Some(3),
                "en",
                "2025-01-04",
                "Basic",
                &[("Courier was rude.", false), ("Billing is fine.", false)],
                &[("delivery", 0, NEG), ("billing", 1, POS)],
            ),
            &[0],
        ),
        resp(
            8,
            Some(10),
            "en",
            "2025-01-04",
            "Pro",
            &[("Love it, fast delivery.", false)],
            &[("delivery", 0, POS)],
        ),
    ];
    let run = tmp.path().join("run");
    let provenance = Provenance {
        input: None,
        shard: None,
        model: "fake-8".into(),
        model_fingerprint: "x".into(),
        codebook: Some(FileHash::of(&cb_path).unwrap()),
        shards: Vec::new(),
        merged_from: Vec::new(),
    };
    let summary = serde_json::json!({"analyzed": rs.len(), "seconds": 1.5, "languages": {"en": 1}});
    let themes = ids(&["delivery", "billing", "price"]);
    write_run_with(&run, &themes, &rs, &[], summary, Some(&provenance));
    let owners = owners_of(
        &verbatim::run::RunDir::new(&run)
            .codebook()
            .unwrap()
            .unwrap()
            .1,
    );
    let lists = followups_of_run(&run, &owners).unwrap();
    let order = |o: &str| lists[o].iter().map(|f| f.id.as_str()).collect::<Vec<_>>();
    assert_eq!(order("logistics"), ["R1", "R7"]);
    assert_eq!(order("billing-team"), ["R7", "R6", "R2"]);
    assert_eq!(order("unassigned"), ["R5", "R4"]);
    assert_eq!(
        counts(&lists),
        [
            ("billing-team".to_string(), 3),
            ("logistics".into(), 2),
            ("unassigned".into(), 2)
        ]
    );
    let out = tmp.path().join("fu");
    let files = write_csvs(&out, &lists).unwrap();
    assert_eq!(files.len(), 3);
    let billing = std::fs::read_to_string(out.join("followup-billing-team.csv")).unwrap();
    assert_eq!(
        billing,
        "id,score,themes,trigger_sentence,reason,segments\n\
         R7,3,delivery; billing,Billing is fine.,detractor,Plan=Basic\n\
         R6,7,billing,الفاتورة خاطئة,negative about an owned theme,Plan=Pro\n\
         R2,9,billing,Please call me back about the double charge.,asks for contact,Plan=Pro\n"
    );
    let logistics = std::fs::read_to_string(out.join("followup-logistics.csv")).unwrap();
    assert!(logistics.contains(
        "R7,3,delivery; billing,Courier was rude.,detractor; negative about an owned theme,Plan=Basic"
    ));
    let unassigned = std::fs::read_to_string(out.join("followup-unassigned.csv")).unwrap();
    assert!(unassigned.contains("R4,,,لطفا با من تماس بگیرید,asks for contact,Plan=Basic"));

    let opts = verbatim::report::ReportOptions::default();
    let data = verbatim::report::build(&run, &opts).unwrap();
    let html = verbatim::report::html::render(&data, &opts);
    assert!(html.contains("<td dir=\"auto\">billing-team</td><td class=\"num\">3</td>"));
    assert!(html.contains("<td dir=\"auto\">unassigned</td><td class=\"num\">2</td>"));
}

/// `trends` and `compare` print through the one writer whose closed pipe main ends quietly
/// (on main they panicked with "failed printing to stdout: Broken pipe", exit 101).
#[test]
fn trends_and_compare_stop_quietly_when_the_reader_goes_away() {
    use std::process::{Command, Stdio};
    let tmp = tempfile::tempdir().unwrap();
    let theme_ids = ids(&["billing", "delivery", "price"]);
    write_run(tmp.path(), &theme_ids, &planted_months(), &[]);
    let run = tmp.path().to_str().unwrap();
    let calls: [&[&str]; 2] = [
        &["trends", run, "--json"],
        &[
            "compare", run, "--from", "2025-01", "--to", "2025-04", "--json",
        ],
    ];
    for args in calls {
        let mut child = Command::new(env!("CARGO_BIN_EXE_verbatim"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take()); // like `| head -0`: closed before any output
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && err.is_empty(), "{args:?}: {err}");
    }
}
