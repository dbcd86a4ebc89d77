//! `/api/segments`: each segment value against the rest (NPS, theme share and negative share
//! with Benjamini-Hochberg flags), computed by [`crate::analyze::segments`] from the run's
//! statistics (see `super::api` for the shape).

use super::http::Reply;
use super::themes::{run_codebook, run_stats, theme_names};
use crate::analyze::segments::{segment_table, SegmentOptions};
use crate::retrieve::HybridSearcher;
use serde_json::json;

/// Answers `GET /api/segments`.
pub fn reply(s: &HybridSearcher, pairs: &[(String, String)]) -> Reply {
    if let Some((k, _)) = pairs.first() {
        return Reply::error(
            400,
            format!("unknown parameter {k:?}; /api/segments takes none"),
        );
    }
    let stats = match run_stats(s) {
        Ok((st, _)) => st,
        Err(e) => return Reply::error(500, e.to_string()),
    };
    match segment_table(&stats, &SegmentOptions::default()) {
        Ok(t) => Reply::json(
            200,
            &json!({"fdr": t.fdr, "tests": t.tests, "rows": t.rows,
                    "names": theme_names(run_codebook(s.run_dir()).as_ref())}),
        ),
        Err(e) => Reply::error(500, e.to_string()),
    }
}
