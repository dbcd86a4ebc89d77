//! The relevance cut of semantic search, so "N answers match" and the facets count the
//! answers about the query instead of the nearest [`super::SEMANTIC_DEPTH`] of any kind.
//! `--all` (API `all=1`) turns the cut off.
//!
//! - **Routed** (a run with a codebook): the query is classified like an answer, by the run's
//!   codebook model ([`QueryRouter`]: its `passage: ` embedding, the codebook's classifier and
//!   calibrated threshold, as analyze saved them in the run). When it raises themes, the result set is every answer the run
//!   tagged with one of them, plus any other answer whose cosine with the query (e5 `query: `
//!   vs `passage: `) reaches [`ROUTED_THRESHOLD`]. This is what search engines do with a query
//!   that names a category they already classify: the classifier's tags count better than any
//!   one similarity threshold.
//! - **Cosine** (a query that raises no theme, or a run without a codebook): the answers whose
//!   cosine with the query reaches [`RELEVANCE_THRESHOLD`].
//!
//! Both thresholds are fitted on `corpora/dev/labeled.jsonl` (one English query per theme,
//! [`CALIBRATION_QUERIES`]; an answer is relevant to a query when its gold themes contain the
//! query's theme, across all 8 languages). Rerun with
//! `cargo test --release --test tests retrieve::relevance -- --nocapture`, which prints the
//! sweeps and checks the floors.

use crate::classify::codebook::{Codebook, ThemeModel};
use crate::classify::ClassifyError;
use crate::encode::{EncodeError, Encoder, TextKind};
use std::path::Path;

/// Lowest query-answer cosine a semantic hit keeps (fitted on corpora/dev with the default
/// int8 encoder, see the module docs: precision 0.195, recall 0.808; 0.788 at f32).
pub const RELEVANCE_THRESHOLD: f32 = 0.79;

/// Least cosine of an answer outside the routed themes that a routed query keeps (fitted on
/// corpora/dev: precision 0.734, recall 0.808; README "Relevance cut of semantic search").
pub const ROUTED_THRESHOLD: f32 = 0.85;

/// Most semantic hits looked at before the cut (the cut then keeps those above the threshold).
pub const CUT_DEPTH: usize = 1_000;

/// The calibration queries: (theme id of corpora/eval/themes.yaml, English query), chosen as
/// an analyst would type them, before any result was seen.
pub const CALIBRATION_QUERIES: &[(&str, &str)] = &[
    ("delivery", "delivery and shipping"),
    ("support", "customer support"),
    ("wait_time", "waiting time"),
    ("price", "prices"),
    ("product_quality", "product quality"),
    ("app_website", "app and website"),
    ("billing", "billing and charges"),
    ("staff", "staff"),
];

/// Precision and recall of one threshold over all (query, answer) pairs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CutPoint {
    /// The threshold.
    pub threshold: f32,
    /// Share of kept pairs that are relevant.
    pub precision: f64,
    /// Share of relevant pairs that are kept.
    pub recall: f64,
    /// Pairs kept.
    pub kept: usize,
}

/// Precision and recall of keeping the pairs with similarity >= `threshold`; `pairs` are
/// (similarity, relevant).
pub fn cut_point(pairs: &[(f32, bool)], threshold: f32) -> CutPoint {
    let kept = pairs.iter().map(|p| (p.0 >= threshold, p.1));
    point(threshold, kept)
}

/// The [`CutPoint`] of (kept, relevant) pairs.
fn point(threshold: f32, pairs: impl Iterator<Item = (bool, bool)>) -> CutPoint {
    let (mut relevant, mut kept, mut hits) = (0usize, 0usize, 0usize);
    for (k, r) in pairs {
        relevant += r as usize;
        kept += k as usize;
        hits += (k && r) as usize;
    }
    CutPoint {
        threshold,
        precision: if kept == 0 {
            1.0
        } else {
            hits as f64 / kept as f64
        },
        recall: if relevant == 0 {
            1.0
        } else {
            hits as f64 / relevant as f64
        },
        kept,
    }
}

/// Cosine of unit vectors.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// (similarity, relevant) of every (calibration query, answer) pair of a labeled JSONL file
/// (`text` and `themes` per line), answers embedded as in `analyze`.
pub fn calibration_pairs(
    encoder: &dyn Encoder,
    labeled: &Path,
) -> Result<Vec<(f32, bool)>, String> {
    let raw = std::fs::read_to_string(labeled)
        .map_err(|e| format!("cannot read {}: {e}", labeled.display()))?;
    let mut texts = Vec::new();
    let mut gold: Vec<Vec<String>> = Vec::new();
    for (i, line) in raw
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let v: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| format!("{} line {}: {e}", labeled.display(), i + 1))?;
        texts.push(crate::text::normalize::for_model(
            v["text"].as_str().unwrap_or(""),
        ));
        gold.push(
            v["themes"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default(),
        );
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let answers = encoder
        .embed(&refs, TextKind::Passage)
        .map_err(|e| e.to_string())?;
    let queries: Vec<&str> = CALIBRATION_QUERIES.iter().map(|q| q.1).collect();
    let qv = encoder
        .embed(&queries, TextKind::Query)
        .map_err(|e| e.to_string())?;
    let mut pairs = Vec::new();
    for ((theme, _), q) in CALIBRATION_QUERIES.iter().zip(&qv) {
        for (a, g) in answers.iter().zip(&gold) {
            pairs.push((dot(q, a), g.iter().any(|t| t == theme)));
        }
    }
    Ok(pairs)
}

/// The sweep of thresholds 0.75..0.85 by 0.0025 over `pairs`.
pub fn sweep(pairs: &[(f32, bool)]) -> Vec<CutPoint> {
    (0..=40)
        .map(|i| cut_point(pairs, 0.75 + 0.0025 * i as f32))
        .collect()
}

/// The themes a query is about, by the run's codebook model.
pub struct QueryRouter {
    model: ThemeModel,
}

impl QueryRouter {
    /// The router of a run: the theme model it tagged its answers with, as analyze saved it
    /// ([`crate::run::RunDir::theme_model`]; nothing is trained). A run written before that
    /// file existed gets its codebook's model rebuilt ([`QueryRouter::of_codebook`]: provenance.json
    /// names the codebook). `Ok(None)` for discovered themes; an error saying why when the
    /// run names a codebook that can no longer be read or built.
    pub fn of_run(run_dir: &Path, encoder: &dyn Encoder) -> Result<Option<QueryRouter>, String> {
        let run = crate::run::RunDir::new(run_dir);
        if let Some(model) = run.theme_model().map_err(|e| e.to_string())? {
            return Ok(Some(QueryRouter { model }));
        }
        let saved = crate::run::layout::THEME_MODEL;
        match run
            .codebook()
            .map_err(|e| format!("it has no {saved} (analyzed before it was saved) and {e}"))?
        {
            Some((path, cb)) => Self::of_codebook(&cb, encoder)
                .map(Some)
                .map_err(|e| format!("cannot build the model of {}: {e}", path.display())),
            None => Ok(None),
        }
    }

    /// The router of a codebook's model, trained now ([`ThemeModel::build`]).
    pub fn of_codebook(cb: &Codebook, encoder: &dyn Encoder) -> Result<QueryRouter, ClassifyError> {
        Ok(QueryRouter {
            model: ThemeModel::build(cb, encoder)?,
        })
    }

    /// The theme ids `text` raises when classified like an answer (the answer rule of
    /// [`ThemeModel::raise`] with the codebook's calibration), best first.
    pub fn route(&self, encoder: &dyn Encoder, text: &str) -> Result<Vec<String>, EncodeError> {
        let t = crate::text::normalize::for_model(text);
        let Some(v) = encoder.embed(&[&t], TextKind::Passage)?.pop() else {
            return Ok(Vec::new());
        };
        let sims = self.model.similarities(&v);
        Ok(ThemeModel::raise(&sims, self.model.calibration)
            .into_iter()
            .map(|(i, _)| self.model.ids()[i].clone())
            .collect())
    }
}

/// One (query, answer) pair of the routed cut's calibration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoutedPair {
    /// Cosine of the query and the answer.
    pub cosine: f32,
    /// The query raises a theme.
    pub routed: bool,
    /// The run tagged the answer with a theme the query raises.
    pub tagged: bool,
    /// The answer's gold themes contain the query's theme.
    pub relevant: bool,
}

/// Whether the cut keeps a pair, with `high` in place of [`ROUTED_THRESHOLD`].
pub fn routed_keeps(p: &RoutedPair, high: f32) -> bool {
    if p.routed {
        p.tagged || p.cosine >= high
    } else {
        p.cosine >= RELEVANCE_THRESHOLD
    }
}

/// Precision and recall of the routed cut with `high` in place of [`ROUTED_THRESHOLD`].
pub fn routed_cut_point(pairs: &[RoutedPair], high: f32) -> CutPoint {
    point(
        high,
        pairs.iter().map(|p| (routed_keeps(p, high), p.relevant)),
    )
}

/// The sweep of `high` 0.80..0.90 by 0.005 (1.0: the tags alone) over `pairs`.
pub fn routed_sweep(pairs: &[RoutedPair]) -> Vec<CutPoint> {
    (0..=20)
        .map(|i| 0.80 + 0.005 * i as f32)
        .chain([1.0])
        .map(|h| routed_cut_point(pairs, h))
        .collect()
}
