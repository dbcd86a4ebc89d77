//! The theme table and key drivers of `/api/themes`, computed by [`crate::analyze`] from the
//! run's `stats.json` (what `verbatim analyze` writes), or, for a run folder without one,
//! from the same statistics recounted over its answers. Theme display names and parents come
//! from the run's codebook ([`RunDir::codebook`]) when it can still be read.

use crate::analyze::drivers::{analyze_drivers, DriverAnalysis, DriverOptions};
use crate::analyze::impact::ImpactOptions;
use crate::analyze::stats::RunStats;
use crate::analyze::themes::theme_table as analyze_theme_table;
use crate::classify::codebook::Codebook;
use crate::classify::hierarchy::tree_sorted;
use crate::retrieve::{HybridSearcher, RetrieveError};
use crate::run::{layout, RunDir};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// The run's statistics and where they came from.
pub(crate) fn run_stats(s: &HybridSearcher) -> Result<(RunStats, String), RetrieveError> {
    let path = RunDir::new(s.run_dir()).file(layout::STATS);
    let mut note = String::new();
    if path.exists() {
        match RunStats::load(&path) {
            Ok(st) => return Ok((st, layout::STATS.to_string())),
            // A damaged stats.json should not take the workspace down: recount instead.
            Err(e) => note = format!(" (stats.json unreadable: {e})"),
        }
    }
    let cols = s.columns();
    let mut st = RunStats::new(&cols.themes.values);
    for seq in 0..cols.len() as u64 {
        st.add(&s.response(seq)?);
    }
    Ok((st, format!("answers{note}")))
}

/// The codebook the run was analyzed with ([`RunDir::codebook`]), if it can still be read.
pub(crate) fn run_codebook(run_dir: &Path) -> Option<Codebook> {
    RunDir::new(run_dir)
        .codebook()
        .ok()
        .flatten()
        .map(|(_, cb)| cb)
}

/// Display names by theme id from the run's codebook (none without one).
pub(crate) fn theme_names(cb: Option<&Codebook>) -> BTreeMap<String, String> {
    cb.map(|cb| {
        cb.themes
            .iter()
            .filter(|t| !t.name.is_empty())
            .map(|t| (t.id.clone(), t.name.clone()))
            .collect()
    })
    .unwrap_or_default()
}

/// Display name of theme `id`: the codebook's name, else the id with spaces for `_`.
fn display_name(names: &BTreeMap<String, String>, id: &str) -> String {
    names
        .get(id)
        .cloned()
        .unwrap_or_else(|| id.replace('_', " "))
}

/// The rows of the theme table, each parent before its children.
fn theme_rows(
    stats: &RunStats,
    names: &BTreeMap<String, String>,
    parents: &BTreeMap<String, String>,
) -> Vec<Value> {
    let table = analyze_theme_table(stats, &ImpactOptions::default());
    tree_sorted(table, |r| &r.theme, parents)
        .into_iter()
        .map(|r| {
            json!({
                "theme": r.theme,
                "parent": parents.get(&r.theme),
                "name": display_name(names, &r.theme),
                "count": r.mentions,
                "share": r.share,
                "negative_share": if r.mentions > 0 { r.sentiment[0] as f64 / r.mentions as f64 } else { 0.0 },
                "sentiment": {"negative": r.sentiment[0], "neutral": r.sentiment[1], "positive": r.sentiment[2]},
                "avg_score": r.avg_score,
                "nps": r.nps.map(|e| e.nps),
                "nps_low": r.nps.and_then(|e| e.interval()).map(|i| i.0),
                "nps_high": r.nps.and_then(|e| e.interval()).map(|i| i.1),
                "nps_small_n": r.nps.map(|e| e.small_n()),
                "impact": r.impact.map(|i| i.impact),
                "impact_low": r.impact.map(|i| i.low),
                "impact_high": r.impact.map(|i| i.high),
                "impact_uncertain": r.impact.map(|i| i.contains_zero),
            })
        })
        .collect()
}

/// The key drivers as JSON.
fn drivers_json(d: &DriverAnalysis, names: &BTreeMap<String, String>) -> Value {
    let drivers: Vec<Value> = d
        .drivers
        .iter()
        .map(|x| {
            json!({
                "feature": x.feature,
                "theme": x.theme,
                "name": display_name(names, &x.theme),
                "sentiment": x.sentiment,
                "mentions": x.mentions,
                "share": x.share,
                "mean_score": x.mean_score,
                "coefficient": x.coefficient,
                "signed_percent": x.signed_percent,
            })
        })
        .collect();
    json!({
        "n": d.n,
        "r_squared": d.r_squared,
        "drivers": drivers,
        "notes": d.notes,
    })
}

/// Builds the `/api/themes` JSON (see `super::api` for its shape).
pub fn theme_table(s: &HybridSearcher) -> Result<Value, RetrieveError> {
    let (stats, source) = run_stats(s)?;
    // One read of the run's codebook serves the names and the theme tree.
    let codebook = run_codebook(s.run_dir());
    let names = theme_names(codebook.as_ref());
    let parents = codebook.map(|cb| cb.parents()).unwrap_or_default();
    let overall = stats.overall.estimate();
    Ok(json!({
        "answers": stats.overall.answers(),
        "scored": stats.overall.n(),
        "nps": overall.map(|e| e.nps),
        "nps_low": overall.and_then(|e| e.interval()).map(|i| i.0),
        "nps_high": overall.and_then(|e| e.interval()).map(|i| i.1),
        "nps_small_n": overall.map(|e| e.small_n()),
        "source": source,
        "themes": theme_rows(&stats, &names, &parents),
        "drivers": drivers_json(&analyze_drivers(&stats, &DriverOptions::default()), &names),
    }))
}
