//! What is new or growing: per theme and period, the theme's share of answers and its negative
//! share (negative mentions / mentions) against all previous periods pooled, with a
//! two-proportion z test per cell, Benjamini-Hochberg over every test of the table (themes x
//! periods x both measures) and minimum counts; plus "new theme candidates": the run's answers
//! clustered with theme discovery ([`crate::classify::discovery`]), and the clusters that no
//! codebook theme covers and that are new or grow significantly in the latest period.
//!
//! The table comes from `stats.json` alone (`super::slices`); candidates need the run's
//! `responses.jsonl` and answer embeddings.

use super::period::Period;
use super::signif::{benjamini_hochberg, two_proportion, ZTest, DEFAULT_FDR};
use super::slices::Slice;
use super::stats::RunStats;
use super::AnalyzeError;
use crate::classify::codebook::Codebook;
use crate::classify::discovery::{discover, DiscoveryItem, DiscoveryOptions};
use crate::encode::store::Store;
use crate::layout;
use crate::record::Responses;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Settings of the trend analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendOptions {
    /// Period length.
    pub period: Period,
    /// Fewest answers on each side (the period, the previous periods) for a share test.
    pub min_answers: u64,
    /// Fewest mentions on each side for a negative-share test.
    pub min_mentions: u64,
    /// False-discovery rate of the Benjamini-Hochberg flag.
    pub fdr: f64,
    /// Fewest answers of a new theme candidate in the latest period.
    pub min_candidate: u64,
    /// Discovery seed (candidates).
    pub seed: u64,
    /// Clusters for the candidates; `None` picks `sqrt(answers)` clamped to 8..=60, finer than
    /// discovery's default so that a small new topic gets a cluster of its own.
    pub clusters: Option<usize>,
}

impl Default for TrendOptions {
    fn default() -> Self {
        TrendOptions {
            period: Period::Month,
            min_answers: 30,
            min_mentions: 10,
            fdr: DEFAULT_FDR,
            min_candidate: 5,
            seed: 7,
            clusters: None,
        }
    }
}

/// A tested change: the test, its BH-adjusted p-value and whether it is flagged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tested {
    /// The z test (difference = this period minus the previous periods).
    pub test: ZTest,
    /// Benjamini-Hochberg adjusted p-value over the whole table.
    pub q: f64,
    /// `q < fdr`.
    pub significant: bool,
}

/// One theme in one period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrendCell {
    /// Period key.
    pub period: String,
    /// Answers in the period that mention the theme.
    pub mentions: u64,
    /// `mentions` / answers of the period.
    pub share: f64,
    /// Negative mentions.
    pub negative: u64,
    /// `negative / mentions` (0 without mentions).
    pub negative_share: f64,
    /// The same theme over all previous periods, and the tests against them.
    #[serde(flatten)]
    pub vs_previous: VersusPrevious,
}

/// A [`TrendCell`] against all previous periods together; all `None` in the first period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct VersusPrevious {
    /// Share over all previous periods (`None` in the first period).
    pub previous_share: Option<f64>,
    /// Negative share over all previous periods.
    pub previous_negative_share: Option<f64>,
    /// Share test against the previous periods (`None` below the minimum counts).
    pub share_change: Option<Tested>,
    /// Negative-share test against the previous periods.
    pub negative_change: Option<Tested>,
}

/// One theme's row of the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeTrend {
    /// Theme id.
    pub theme: String,
    /// One cell per period, in time order.
    pub cells: Vec<TrendCell>,
}

/// The trend table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trends {
    /// Period length.
    pub period: Period,
    /// Period keys in time order, with their answers.
    pub periods: Vec<(String, u64)>,
    /// Per theme.
    pub themes: Vec<ThemeTrend>,
    /// Tests in the Benjamini-Hochberg family.
    pub tests: usize,
    /// The false-discovery rate used.
    pub fdr: f64,
    /// Answers whose date did not parse (in no period).
    pub undated: u64,
}

/// The slices of a run, or a message that says to re-run analyze.
pub fn slices_of(stats: &RunStats) -> Result<&super::slices::Slices, AnalyzeError> {
    stats.slices.as_ref().ok_or_else(|| {
        AnalyzeError::Usage(
            "this run's stats.json has no per-theme counts by period and segment (it was written \
             by an older verbatim); re-run `verbatim analyze` (or merge shards analyzed again) \
             to compare, see trends or segments"
                .into(),
        )
    })
}

/// Counts before a cell: (answers, mentions, negative) per theme summed over earlier periods.
fn cell(
    t: u32,
    key: &str,
    here: &Slice,
    before: Option<&Slice>,
    opts: &TrendOptions,
) -> (TrendCell, [Option<ZTest>; 2]) {
    let (n, m, neg) = (
        here.total().answers(),
        here.theme(t).answers(),
        here.negative(t),
    );
    let frac = |a: u64, b: u64| if b > 0 { a as f64 / b as f64 } else { 0.0 };
    let prev = before.map(|b| (b.total().answers(), b.theme(t).answers(), b.negative(t)));
    let share_test = prev
        .filter(|p| p.0 >= opts.min_answers && n >= opts.min_answers)
        .and_then(|p| two_proportion(p.1, p.0, m, n));
    let neg_test = prev
        .filter(|p| p.1 >= opts.min_mentions && m >= opts.min_mentions)
        .and_then(|p| two_proportion(p.2, p.1, neg, m));
    let c = TrendCell {
        period: key.to_string(),
        mentions: m,
        share: frac(m, n),
        negative: neg,
        negative_share: frac(neg, m),
        vs_previous: VersusPrevious {
            previous_share: prev.map(|p| frac(p.1, p.0)),
            previous_negative_share: prev.filter(|p| p.1 > 0).map(|p| frac(p.2, p.1)),
            share_change: None,
            negative_change: None,
        },
    };
    (c, [share_test, neg_test])
}

/// The trend table of a run.
pub fn trends(stats: &RunStats, opts: &TrendOptions) -> Result<Trends, AnalyzeError> {
    let (periods, undated) = slices_of(stats)?.periods(opts.period);
    let mut themes = Vec::new();
    let mut tests: Vec<(usize, usize, usize, ZTest)> = Vec::new();
    for (ti, id) in stats.theme_ids.iter().enumerate() {
        let mut before: Option<Slice> = None;
        let mut cells = Vec::new();
        for (key, here) in &periods {
            let (c, t) = cell(ti as u32, key, here, before.as_ref(), opts);
            for (which, z) in t.into_iter().enumerate() {
                if let Some(z) = z {
                    tests.push((ti, cells.len(), which, z));
                }
            }
            cells.push(c);
            before.get_or_insert_with(Slice::default).merge(here);
        }
        themes.push(ThemeTrend {
            theme: id.clone(),
            cells,
        });
    }
    let q = benjamini_hochberg(&tests.iter().map(|t| t.3.p).collect::<Vec<_>>());
    for ((ti, ci, which, test), q) in tests.iter().zip(&q) {
        let tested = Some(Tested {
            test: *test,
            q: *q,
            significant: *q < opts.fdr,
        });
        let c = &mut themes[*ti].cells[*ci].vs_previous;
        if *which == 0 {
            c.share_change = tested;
        } else {
            c.negative_change = tested;
        }
    }
    Ok(Trends {
        period: opts.period,
        periods: periods
            .iter()
            .map(|(k, s)| (k.clone(), s.total().answers()))
            .collect(),
        themes,
        tests: tests.len(),
        fdr: opts.fdr,
        undated,
    })
}

/// A cluster of answers that no codebook theme covers and that is new or grows in the latest period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Discovery id (`t02-commercial`), the id `--save-codebook` writes.
    pub id: String,
    /// Top keyphrases per language.
    pub keyphrases: BTreeMap<String, Vec<String>>,
    /// The most central answers.
    pub examples: Vec<String>,
    /// Answers of the cluster in the latest period and before it.
    pub latest: u64,
    /// Answers of the cluster before the latest period.
    pub before: u64,
    /// True when no answer before the latest period belongs to the cluster.
    pub new: bool,
    /// Share test latest vs before, BH-adjusted over the clusters (`None` below minimum counts).
    pub growth: Option<Tested>,
    /// The codebook theme most of the cluster's answers mention (if any).
    pub top_theme: Option<String>,
    /// Share of the cluster's answers that mention `top_theme` (at most [`MAX_COVERAGE`]).
    pub coverage: f64,
}

/// The new theme candidates of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidates {
    /// The latest period.
    pub latest_period: String,
    /// Answers clustered (those with at least two words).
    pub clustered: usize,
    /// Clusters found.
    pub clusters: usize,
    /// Clusters that are new or grow significantly, largest in the latest period first.
    pub candidates: Vec<Candidate>,
    /// The candidates as codebook entries (`--save-codebook`).
    #[serde(skip)]
    pub codebook: Codebook,
}

/// An answer to cluster: text, language, period key, themes and row in the embedding store.
struct Clustered {
    text: String,
    lang: String,
    period: Option<String>,
    themes: Vec<String>,
    row: usize,
}

/// The answers with at least two words, from `responses.jsonl`.
fn answers_to_cluster(run_dir: &Path, period: Period) -> Result<Vec<Clustered>, AnalyzeError> {
    let mut out = Vec::new();
    for r in Responses::<AnalyzeError>::open(run_dir.join(layout::RESPONSES))? {
        let r = r?;
        let i = r.seq as usize;
        if r.text.split_whitespace().nth(1).is_some() {
            let mut themes: Vec<String> = r.themes.iter().map(|t| t.theme.clone()).collect();
            themes.sort();
            themes.dedup();
            out.push(Clustered {
                text: r.text.trim().to_string(),
                lang: r.lang,
                period: r.date.as_deref().and_then(|d| period.key(d)),
                themes,
                row: i,
            });
        }
    }
    Ok(out)
}

/// The codebook theme most of a cluster's answers mention, with that share.
fn coverage(members: &[&Clustered]) -> (Option<String>, f64) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for m in members {
        for t in &m.themes {
            *counts.entry(t.as_str()).or_default() += 1;
        }
    }
    let best = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)));
    match best {
        Some((t, n)) => (Some(t.to_string()), n as f64 / members.len().max(1) as f64),
        None => (None, 0.0),
    }
}

/// Most share of a cluster's answers that one codebook theme may cover for the cluster to be a
/// new theme candidate: above it, the cluster is that theme.
pub const MAX_COVERAGE: f64 = 0.5;

/// Clusters the run's answers (theme discovery, [`crate::classify::discovery`]) and keeps the
/// clusters that no codebook theme covers (no theme is mentioned by more than
/// [`MAX_COVERAGE`] of their answers) and that are new in the latest period (at least
/// `min_candidate` answers there, none before) or whose share of all answers grows
/// significantly from the previous periods to the latest (two-proportion test, BH over the
/// clusters).
///
/// Answers without a theme alone are not enough: a codebook classifier puts most answers about
/// an unknown topic into the nearest known theme (on the demo with 18 planted answers about a
/// TV commercial, 14 got a codebook theme, spread over four themes), so a new topic shows up
/// as a cluster whose answers no single theme covers.
pub fn new_theme_candidates(
    run_dir: &Path,
    stats: &RunStats,
    opts: &TrendOptions,
) -> Result<Candidates, AnalyzeError> {
    let (latest, n_latest, n_before) = bases(stats, opts.period)?;
    let (answers, d) = cluster(run_dir, opts)?;
    let mut members: Vec<Vec<&Clustered>> = vec![Vec::new(); d.themes.len()];
    for (a, c) in answers.iter().zip(&d.assignment) {
        if let Some(c) = c {
            members[*c].push(a);
        }
    }
    let count = |m: &[&Clustered], in_latest: bool| {
        m.iter()
            .filter(|a| {
                a.period
                    .as_deref()
                    .is_some_and(|p| (p == latest) == in_latest)
            })
            .count() as u64
    };
    let counts: Vec<[u64; 2]> = members
        .iter()
        .map(|m| [count(m, true), count(m, false)])
        .collect();
    let growth = growth_tests(&counts, n_latest, n_before, opts);
    let mut out = Vec::new();
    for (i, t) in d.themes.iter().enumerate() {
        let [l, b] = counts[i];
        let (top_theme, covered) = coverage(&members[i]);
        let new = b == 0 && l >= opts.min_candidate;
        if covered <= MAX_COVERAGE && (new || growth[i].is_some_and(|g| g.significant)) {
            out.push(Candidate {
                id: t.id.clone(),
                keyphrases: t.keyphrases.clone(),
                examples: t.examples.clone(),
                latest: l,
                before: b,
                new,
                growth: growth[i],
                top_theme,
                coverage: covered,
            });
        }
    }
    out.sort_by(|x, y| y.latest.cmp(&x.latest).then(x.id.cmp(&y.id)));
    let mut codebook = d.to_codebook();
    codebook.themes.retain(|t| out.iter().any(|c| c.id == t.id));
    Ok(Candidates {
        latest_period: latest,
        clustered: answers.len(),
        clusters: d.themes.len(),
        candidates: out,
        codebook,
    })
}

/// The latest period, its answers and the answers of all earlier periods.
fn bases(stats: &RunStats, period: Period) -> Result<(String, u64, u64), AnalyzeError> {
    let (periods, _) = super::period::roll_up(&stats.days, period);
    let Some(latest) = periods.keys().next_back().cloned() else {
        return Err(AnalyzeError::Usage(
            "no dated answers: new theme candidates need a --date-col".into(),
        ));
    };
    let n_latest = periods[&latest].answers();
    let n_before = periods
        .iter()
        .filter(|(k, _)| **k != latest)
        .map(|(_, c)| c.answers())
        .sum();
    Ok((latest, n_latest, n_before))
}

/// The run's answers of two words or more, clustered by theme discovery on their vectors.
fn cluster(
    run_dir: &Path,
    opts: &TrendOptions,
) -> Result<(Vec<Clustered>, crate::classify::discovery::Discovery), AnalyzeError> {
    let store = Store::open(&run_dir.join(layout::EMBEDDINGS_DIR))?;
    let answers: Vec<Clustered> = answers_to_cluster(run_dir, opts.period)?
        .into_iter()
        .filter(|a| a.row < store.len())
        .collect();
    let items: Vec<DiscoveryItem> = answers
        .iter()
        .map(|a| DiscoveryItem {
            text: &a.text,
            lang: &a.lang,
            vector: store.answer(a.row),
        })
        .collect();
    let k = opts
        .clusters
        .unwrap_or_else(|| ((items.len() as f64).sqrt().round() as usize).clamp(8, 60));
    let d = discover(
        &items,
        &DiscoveryOptions {
            seed: opts.seed,
            k: Some(k),
            ..Default::default()
        },
    );
    Ok((answers, d))
}

/// Per cluster `[latest, before]`: the growth test of its share of all answers, BH over the
/// clusters tested (`None` below the minimum counts); significant only when it grew.
fn growth_tests(
    counts: &[[u64; 2]],
    n_latest: u64,
    n_before: u64,
    opts: &TrendOptions,
) -> Vec<Option<Tested>> {
    let tests: Vec<Option<ZTest>> = counts
        .iter()
        .map(|&[l, b]| {
            let enough = n_latest >= opts.min_answers
                && n_before >= opts.min_answers
                && l >= opts.min_candidate;
            enough
                .then(|| two_proportion(b, n_before, l, n_latest))
                .flatten()
        })
        .collect();
    let mut q =
        benjamini_hochberg(&tests.iter().flatten().map(|t| t.p).collect::<Vec<_>>()).into_iter();
    tests
        .into_iter()
        .map(|t| {
            t.map(|test| {
                let q = q.next().unwrap_or(1.0);
                Tested {
                    test,
                    q,
                    significant: q < opts.fdr && test.diff > 0.0,
                }
            })
        })
        .collect()
}
