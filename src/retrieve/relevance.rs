//! The relevance cut of semantic search: an answer belongs to a semantic result set only when
//! the cosine of the query's e5 embedding (`query: ` prefix) and the answer's (`passage: `)
//! reaches [`RELEVANCE_THRESHOLD`], so "N answers match" and the facets count the answers
//! about the query instead of the nearest [`super::SEMANTIC_DEPTH`] of any kind. `--all` (API
//! `all=1`) turns the cut off.
//!
//! The threshold is fitted on `corpora/dev/labeled.jsonl` by `calibrate` with one English
//! query per theme ([`CALIBRATION_QUERIES`]); an answer is relevant to a query when its gold
//! themes contain the query's theme, across all 8 languages. Rerun with
//! `cargo test --release --test retrieve relevance_cut -- --nocapture`, which prints the sweep
//! and checks the floors (recall >= 0.80 at precision >= 0.70).

use crate::encode::{Encoder, TextKind};
use std::path::Path;

/// Lowest query-answer cosine a semantic hit keeps (fitted on corpora/dev, see the module
/// docs).
pub const RELEVANCE_THRESHOLD: f32 = 0.788;

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
    let relevant = pairs.iter().filter(|p| p.1).count();
    let kept: Vec<&(f32, bool)> = pairs.iter().filter(|p| p.0 >= threshold).collect();
    let hits = kept.iter().filter(|p| p.1).count();
    CutPoint {
        threshold,
        precision: if kept.is_empty() {
            1.0
        } else {
            hits as f64 / kept.len() as f64
        },
        recall: if relevant == 0 {
            1.0
        } else {
            hits as f64 / relevant as f64
        },
        kept: kept.len(),
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
