//! Requests and results of hybrid retrieval.

use serde::Serialize;
use std::collections::BTreeMap;

/// Which retrievers answer a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Words only (tantivy BM25): exact terms, names, codes; same language as the query.
    Keyword,
    /// Meaning only (embedding nearest neighbours): any language, paraphrases.
    Semantic,
    /// Both, fused by reciprocal rank.
    Hybrid,
}

impl Mode {
    /// Parses `keyword`, `semantic` or `hybrid` (case-insensitive).
    pub fn parse(s: &str) -> Option<Mode> {
        match s.to_ascii_lowercase().as_str() {
            "keyword" | "kw" => Some(Mode::Keyword),
            "semantic" | "vector" => Some(Mode::Semantic),
            "hybrid" => Some(Mode::Hybrid),
            _ => None,
        }
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Keyword => "keyword",
            Mode::Semantic => "semantic",
            Mode::Hybrid => "hybrid",
        }
    }
}

/// A search over a run: free text (with optional inline filter syntax) plus facet filters.
/// Values within one filter are alternatives (OR); different filters must all hold (AND).
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Query text; may hold tantivy syntax and inline filters (`theme:delivery lang:he`).
    pub text: String,
    /// Retrievers to use.
    pub mode: Mode,
    /// Theme ids.
    pub theme: Vec<String>,
    /// Sentiment labels (`negative`, `neutral`, `positive`).
    pub sentiment: Vec<String>,
    /// Language codes (`he`, `fa`, ...).
    pub lang: Vec<String>,
    /// NPS groups (`detractor`, `passive`, `promoter`).
    pub nps: Vec<String>,
    /// Segment filters as `(column, value)`.
    pub segments: Vec<(String, String)>,
    /// Hits per page.
    pub limit: usize,
    /// Hits to skip (paging).
    pub offset: usize,
    /// Keep every semantic hit, not only those above the relevance cut
    /// ([`super::relevance::RELEVANCE_THRESHOLD`]); `--all`, API `all=1`.
    pub all: bool,
}

impl Default for Query {
    fn default() -> Self {
        Query {
            text: String::new(),
            mode: Mode::Hybrid,
            theme: Vec::new(),
            sentiment: Vec::new(),
            lang: Vec::new(),
            nps: Vec::new(),
            segments: Vec::new(),
            limit: 20,
            offset: 0,
            all: false,
        }
    }
}

impl Query {
    /// A hybrid query for `text` with default paging.
    pub fn new(text: &str) -> Query {
        Query {
            text: text.to_string(),
            ..Query::default()
        }
    }
}

/// One answer in a result list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// Position of the answer in the run (`responses.jsonl` line, embedding row).
    pub seq: u64,
    /// Respondent id.
    pub id: String,
    /// Rank score of the mode: BM25 (keyword), cosine (semantic) or fused RRF (hybrid).
    pub relevance: f32,
    /// The answer text as read (plain text; escape before putting it into HTML).
    pub text: String,
    /// The answer or its best passage as HTML: text escaped, query terms in `<b>`.
    pub snippet_html: String,
    /// Detected language.
    pub lang: String,
    /// Answer sentiment label.
    pub sentiment: String,
    /// Theme ids.
    pub themes: Vec<String>,
    /// NPS group, when the answer has a score.
    pub nps_group: Option<String>,
    /// 0-10 score, when known.
    pub score: Option<u8>,
    /// Response date, when known.
    pub date: Option<String>,
    /// Segment values by column.
    pub segments: BTreeMap<String, String>,
    /// Which retrievers found it (`keyword`, `semantic`).
    pub found_by: Vec<&'static str>,
}

/// A facet value and how many answers of the result set have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetValue {
    /// The value (theme id, label, language code, ...).
    pub value: String,
    /// Number of answers.
    pub count: u64,
}

/// Facet counts of a result set, each list most frequent first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FacetCounts {
    /// By theme id.
    pub theme: Vec<FacetValue>,
    /// By sentiment label.
    pub sentiment: Vec<FacetValue>,
    /// By language.
    pub lang: Vec<FacetValue>,
    /// By NPS group.
    pub nps: Vec<FacetValue>,
    /// By segment column, then value.
    pub segments: BTreeMap<String, Vec<FacetValue>>,
}

/// One page of results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Results {
    /// The mode that produced them.
    pub mode: Mode,
    /// Number of answers in the whole result set (all pages).
    pub total: u64,
    /// Offset of the first hit.
    pub offset: usize,
    /// The hits of this page, best first.
    pub hits: Vec<Hit>,
    /// Facet counts over the whole result set.
    pub facets: FacetCounts,
}

/// Most frequent first, then by value.
pub fn sort_facet(v: &mut [FacetValue]) {
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
}
