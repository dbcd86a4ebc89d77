//! Routes of the workspace: the JSON API, the CSV export and the page.
//!
//! # HTTP API
//!
//! Read-only, `GET` (and `HEAD`) only; anything else answers 405. Every JSON body escapes
//! `<`, `>` and `&` as `\u003c`, `\u003e`, `\u0026` (the same strings once parsed). Errors
//! are JSON `{"error": "what is wrong and what to do", "status": 400}` with status 400 (bad
//! parameter or query syntax), 404 (unknown path or answer), 405 (method) or 500 (a failure
//! inside the server; a panicking handler answers 500 and the server keeps running).
//!
//! ## `GET /api/search`
//!
//! | parameter | meaning |
//! |---|---|
//! | `q` | query text; tantivy syntax (`"exact phrase"`, `-word`, `AND`/`OR`) and inline filters `theme:ID lang:CODE sentiment:LABEL nps:GROUP score:[0 TO 6] date:[2024-01 TO 2024-03] segment:COLUMN=VALUE`. Empty: all answers that pass the filters. |
//! | `mode` | `hybrid` (default), `keyword` or `semantic` |
//! | `theme`, `lang`, `sentiment`, `nps` | facet filters; repeat a parameter for OR (`lang=he&lang=ar`), different parameters AND |
//! | `segment` | `COLUMN=VALUE` (URL-encoded `=` is fine), repeatable |
//! | `limit` | hits per page, 1..=1000, default 20 |
//! | `offset` | hits to skip, 0..=10000 |
//!
//! `sentiment` is `negative`, `neutral` or `positive`; `nps` is `detractor`, `passive` or
//! `promoter`. Unknown parameters are a 400 (a typo would otherwise silently not filter).
//! Answer:
//!
//! ```json
//! {"query": "late delivery", "mode": "hybrid", "total": 412, "offset": 0, "limit": 20,
//!  "hits": [{"seq": 17, "id": "R18", "relevance": 0.032, "text": "plain answer text",
//!            "snippet_html": "escaped text with <b>terms</b> or a <mark>sentence</mark>",
//!            "lang": "he", "sentiment": "negative", "themes": ["delivery"],
//!            "nps_group": "detractor", "score": 3, "date": "2024-03-05",
//!            "segments": {"Country": "IL"}, "found_by": ["keyword", "semantic"]}],
//!  "facets": {"theme": [{"value": "delivery", "count": 120}], "sentiment": [...],
//!             "lang": [...], "nps": [...], "segments": {"Country": [{"value": "IL", "count": 40}]}}}
//! ```
//!
//! `total` and `facets` cover the whole result set, not just the page. `text` is plain text
//! (escape it before showing it as HTML); `snippet_html` is already escaped.
//!
//! ## `GET /api/segments`
//!
//! Each segment value against the rest of the answers ([`crate::analyze::segments`]): NPS and
//! per theme share and negative share, each with the rest's value and, where the minimum counts
//! are met, a z test with its Benjamini-Hochberg adjusted p-value (`q`) and `significant`:
//!
//! ```json
//! {"fdr": 0.05, "tests": 40, "names": {"delivery": "Delivery"},
//!  "rows": [{"segment": "Plan=Pro", "answers": 140,
//!            "nps": {"value": 21.4, "rest": 8.2, "tested": {"test": {"diff": 13.2, "z": 2.3, "p": 0.02}, "q": 0.04, "significant": true}},
//!            "themes": [{"theme": "delivery", "mentions": 30, "share": {"value": 0.21, "rest": 0.25, "tested": null},
//!                        "negative_share": {"value": 0.6, "rest": 0.7, "tested": null}}]}]}
//! ```
//!
//! ## `GET /api/similar/SEQ?limit=N`
//!
//! The `limit` (1..=1000, default 20) answers nearest in meaning to answer `SEQ` (any language),
//! without `SEQ` itself; same shape as a search, `mode` = `semantic`. 404 for an unknown `SEQ`.
//!
//! ## `GET /api/themes`
//!
//! The theme table and key drivers, from `RUN_DIR/stats.json` (recounted from the answers when
//! the run has none; `source` says which):
//!
//! ```json
//! {"answers": 1000, "scored": 950, "nps": 12.5, "nps_low": 7.1, "nps_high": 17.9,
//!  "source": "stats.json",
//!  "themes": [{"theme": "delivery", "parent": null, "name": "Delivery", "count": 120, "share": 0.12,
//!              "negative_share": 0.8, "sentiment": {"negative": 96, "neutral": 14, "positive": 10},
//!              "avg_score": 4.2, "nps": -40.0, "nps_low": -52.0, "nps_high": -28.0,
//!              "impact": -6.1, "impact_low": -8.0, "impact_high": -4.3, "impact_uncertain": false}],
//!  "drivers": {"n": 950, "r_squared": 0.31, "notes": ["..."],
//!              "drivers": [{"feature": "delivery:negative", "theme": "delivery", "name": "Delivery",
//!                           "sentiment": "negative", "mentions": 96, "share": 0.1,
//!                           "mean_score": 3.9, "coefficient": -2.7, "signed_percent": -35.2}]}}
//! ```
//!
//! `nps_low`/`nps_high` are null and `nps_small_n` is true for a group with fewer than 10
//! scored answers (too few for an interval). Themes are most mentioned first, each followed
//! by its children when the codebook has `parent:` themes (`parent` names it); `impact` is NPS(all) - NPS(answers without the theme) in
//! NPS points with a 95% bootstrap interval; drivers are Johnson's relative weights (signed
//! percent, absolute values sum to 100), largest first.
//!
//! ## `GET /api/export.csv`
//!
//! The same parameters as `/api/search`; the whole result set (up to 100,000 rows; `limit` and
//! `offset` narrow it) as CSV with columns `rank, seq, id, relevance, found_by, score,
//! nps_group, sentiment, lang, themes, date`, one column per segment, then `text`. Cells
//! starting with `=`, `+`, `-`, `@` get a leading `'` so spreadsheets do not run them.
//!
//! ## `GET /api/followup?limit=N`
//!
//! The answers that need a response, by theme owner (`verbatim followup`; owners from the
//! `owner:` fields of the run's codebook), worst first, the first `limit` (1..=1000, default
//! 50) of each owner:
//!
//! ```json
//! {"owners": [{"owner": "billing-team", "count": 12,
//!              "answers": [{"seq": 3, "id": "R4", "score": 1, "themes": ["price"],
//!                           "trigger": "You charged me twice", "reasons": ["detractor"],
//!                           "segments": {"Plan": "Pro"}, "negative": 0.93}]}]}
//! ```
//!
//! ## Other
//!
//! `GET /` the page; `GET /api/health` `{"ok": true, "answers": N}`.

use super::params::{parse_query, split_url, MAX_LIMIT};
use super::reply::Reply;
use super::themes::theme_table;
use crate::retrieve::{HybridSearcher, Query, Results, RetrieveError};
use serde_json::{json, Value};
use std::sync::OnceLock;

/// The page, one self-contained file (no external URLs).
pub const PAGE: &str = include_str!("page.html");

/// Most rows a CSV export writes.
pub const EXPORT_CAP: usize = 100_000;

/// Content-Security-Policy of the page: nothing loads from anywhere else, scripts only inline
/// (the page's own), requests only to this server.
const CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
                   connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'";

/// The workspace application: answers one request.
pub struct App {
    searcher: HybridSearcher,
    /// `/api/themes` is the same for the life of the server: computed once.
    themes: OnceLock<Value>,
    /// The follow-up lists, computed once.
    followup: OnceLock<Result<crate::analyze::followup::FollowUps, String>>,
}

fn retrieve_reply(e: RetrieveError) -> Reply {
    match e {
        RetrieveError::BadQuery(m) => Reply::error(400, m),
        RetrieveError::NotFound(seq) => Reply::error(404, format!("no answer with seq {seq}")),
        other => Reply::error(500, other.to_string()),
    }
}

/// The JSON shape of a result page.
pub fn results_json(q: &Query, r: &Results) -> serde_json::Value {
    json!({
        "query": q.text,
        "mode": r.mode,
        "total": r.total,
        "offset": r.offset,
        "limit": q.limit,
        "hits": r.hits,
        "facets": r.facets,
    })
}

/// The `limit` parameter (1..=[`MAX_LIMIT`], else `default`) of a route that takes no other.
fn only_limit(pairs: &[(String, String)], default: usize, route: &str) -> Result<usize, Reply> {
    let mut limit = default;
    for (k, v) in pairs {
        match (k.as_str(), v.parse::<usize>()) {
            ("limit", Ok(n)) if (1..=MAX_LIMIT).contains(&n) => limit = n,
            ("limit", _) => {
                return Err(Reply::error(
                    400,
                    format!("limit={v:?} must be a whole number from 1 to {MAX_LIMIT}"),
                ))
            }
            (other, _) => {
                return Err(Reply::error(
                    400,
                    format!("unknown parameter {other:?}; /api/{route} takes only limit"),
                ))
            }
        }
    }
    Ok(limit)
}

/// The JSON shape of `/api/followup`: each owner's count and first `limit` answers.
fn followup_json(lists: &crate::analyze::followup::FollowUps, limit: usize) -> Value {
    let owners: Vec<Value> = lists
        .iter()
        .map(|(owner, items)| {
            json!({"owner": owner, "count": items.len(),
                   "answers": items.iter().take(limit).collect::<Vec<_>>()})
        })
        .collect();
    json!({ "owners": owners })
}

impl App {
    /// An app over an opened run.
    pub fn new(searcher: HybridSearcher) -> App {
        App {
            searcher,
            themes: OnceLock::new(),
            followup: OnceLock::new(),
        }
    }

    /// The searcher.
    pub fn searcher(&self) -> &HybridSearcher {
        &self.searcher
    }

    /// Routes a request.
    pub fn handle(&self, method: &str, url: &str) -> Reply {
        let (path, pairs) = split_url(url);
        if method != "GET" && method != "HEAD" {
            return Reply::error(
                405,
                format!("{method} is not supported; this API is read-only (GET)"),
            );
        }
        match path {
            "/" | "/index.html" => Reply {
                status: 200,
                content_type: "text/html; charset=utf-8",
                headers: vec![("Content-Security-Policy", CSP.to_string())],
                body: PAGE.as_bytes().to_vec(),
            },
            "/api/search" => self.search(&pairs),
            "/api/themes" => self.themes(&pairs),
            "/api/segments" => super::segments::reply(&self.searcher, &pairs),
            "/api/export.csv" => self.export(&pairs),
            "/api/followup" => self.followup(&pairs),
            "/api/health" => Reply::json(200, &json!({"ok": true, "answers": self.searcher.len()})),
            p => match p.strip_prefix("/api/similar/") {
                Some(seq) => self.similar(seq, &pairs),
                None => Reply::error(404, format!("no such page: {p}; the API is under /api/search, /api/similar/SEQ, /api/themes, /api/segments, /api/followup, /api/export.csv")),
            },
        }
    }

    fn themes(&self, pairs: &[(String, String)]) -> Reply {
        if let Some((k, _)) = pairs.first() {
            return Reply::error(
                400,
                format!("unknown parameter {k:?}; /api/themes takes none"),
            );
        }
        if let Some(v) = self.themes.get() {
            return Reply::json(200, v);
        }
        match theme_table(&self.searcher) {
            Ok(v) => Reply::json(200, self.themes.get_or_init(|| v)),
            Err(e) => retrieve_reply(e),
        }
    }

    fn followup(&self, pairs: &[(String, String)]) -> Reply {
        let limit = match only_limit(pairs, 50, "followup") {
            Ok(l) => l,
            Err(reply) => return reply,
        };
        let lists = self.followup.get_or_init(|| {
            use crate::analyze::followup;
            let run = self.searcher.run_dir();
            let owners = crate::run::RunDir::new(run)
                .codebook()
                .map_err(|e| e.to_string())?
                .map(|(_, cb)| followup::owners_of(&cb))
                .unwrap_or_default();
            crate::run::followup::followups_of_run(run, &owners).map_err(|e| e.to_string())
        });
        match lists {
            Ok(l) => Reply::json(200, &followup_json(l, limit)),
            Err(e) => Reply::error(500, e.clone()),
        }
    }

    fn search(&self, pairs: &[(String, String)]) -> Reply {
        let q = match parse_query(pairs, MAX_LIMIT) {
            Ok(q) => q,
            Err(m) => return Reply::error(400, m),
        };
        match self.searcher.search(&q) {
            Ok(r) => Reply::json(200, &results_json(&q, &r)),
            Err(e) => retrieve_reply(e),
        }
    }

    fn similar(&self, seq: &str, pairs: &[(String, String)]) -> Reply {
        let Ok(seq) = seq.parse::<u64>() else {
            return Reply::error(400, format!("{seq:?} is not an answer number; use /api/similar/SEQ with SEQ from a search hit"));
        };
        let limit = match only_limit(pairs, 20, "similar") {
            Ok(l) => l,
            Err(reply) => return reply,
        };
        let q = Query {
            limit,
            ..Query::default()
        };
        match self.searcher.similar(seq, limit) {
            Ok(r) => Reply::json(200, &results_json(&q, &r)),
            Err(e) => retrieve_reply(e),
        }
    }

    fn export(&self, pairs: &[(String, String)]) -> Reply {
        let mut q = match parse_query(pairs, EXPORT_CAP) {
            Ok(q) => q,
            Err(m) => return Reply::error(400, m),
        };
        // The export is the whole result set (all pages) unless a limit was asked for.
        if !pairs.iter().any(|(k, _)| k == "limit") {
            q.limit = EXPORT_CAP;
            q.offset = 0;
        }
        match self.searcher.search(&q) {
            Ok(r) => match super::export::to_csv(&r, self.searcher.columns()) {
                Ok(body) => Reply {
                    status: 200,
                    content_type: "text/csv; charset=utf-8",
                    headers: vec![(
                        "Content-Disposition",
                        "attachment; filename=\"verbatim-export.csv\"".to_string(),
                    )],
                    body,
                },
                Err(e) => Reply::error(500, format!("writing the CSV: {e}")),
            },
            Err(e) => retrieve_reply(e),
        }
    }
}
