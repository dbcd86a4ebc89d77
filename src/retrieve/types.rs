//! Requests and results of hybrid retrieval.

use super::snippet::Snippet;
use crate::record::{names, NpsGroup, SentimentLabel};
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

names! {
    Mode {
        Keyword => "keyword" | "kw",
        Semantic => "semantic" | "vector",
        Hybrid => "hybrid",
    }
}

/// A retriever that found a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Retriever {
    /// The keyword index (BM25).
    Keyword,
    /// The vector index (nearest in meaning).
    Semantic,
}

names! {
    Retriever {
        Keyword => "keyword",
        Semantic => "semantic",
    }
}

/// The facet filters of a [`Query`]. Values within one filter are alternatives (OR); different
/// filters must all hold (AND); an empty filter lets every answer through.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Theme ids.
    pub theme: Vec<String>,
    /// Sentiment labels.
    pub sentiment: Vec<SentimentLabel>,
    /// Language codes (`he`, `fa`, ...).
    pub lang: Vec<String>,
    /// NPS groups.
    pub nps: Vec<NpsGroup>,
    /// Segment filters as `(column, value)`.
    pub segments: Vec<(String, String)>,
}

/// A search over a run: free text (with optional inline filter syntax) plus [`Filters`].
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// Query text; may hold tantivy syntax and inline filters (`theme:delivery lang:he`).
    pub text: String,
    /// Retrievers to use.
    pub mode: Mode,
    /// Facet filters (theme, sentiment, language, NPS group, segment).
    pub filters: Filters,
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
            filters: Filters::default(),
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
    /// The answer or its best passage with what matched marked; in JSON `snippet_html`, the
    /// snippet as HTML ([`Snippet::html`]).
    #[serde(rename = "snippet_html", serialize_with = "Snippet::serialize_html")]
    pub snippet: Snippet,
    /// Detected language.
    pub lang: String,
    /// Answer sentiment label.
    pub sentiment: SentimentLabel,
    /// Theme ids.
    pub themes: Vec<String>,
    /// NPS group, when the answer has a score.
    pub nps_group: Option<NpsGroup>,
    /// 0-10 score, when known.
    pub score: Option<u8>,
    /// Response date, when known.
    pub date: Option<String>,
    /// Segment values by column.
    pub segments: BTreeMap<String, String>,
    /// Which retrievers found it.
    pub found_by: Vec<Retriever>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retrieve::Emphasis;

    /// The JSON of a hit, as the API and `search --json` have always written it: labels in
    /// lower case, the snippet as escaped HTML under `snippet_html`.
    #[test]
    fn a_hit_serializes_as_the_api_documents() {
        let mut hit = Hit {
            seq: 17,
            id: "R18".into(),
            relevance: 0.5,
            text: "late & <lost>. Again".into(),
            snippet: Snippet {
                text: "late & <lost>. Again".into(),
                marks: vec![0..4, 8..12],
                emphasis: Emphasis::Terms,
            },
            lang: "he".into(),
            sentiment: SentimentLabel::Negative,
            themes: vec!["delivery".into()],
            nps_group: Some(NpsGroup::Detractor),
            score: Some(3),
            date: Some("2024-03-05".into()),
            segments: [("Country".to_string(), "IL".to_string())].into(),
            found_by: vec![Retriever::Keyword, Retriever::Semantic],
        };
        assert_eq!(
            serde_json::to_string(&hit).unwrap(),
            r#"{"seq":17,"id":"R18","relevance":0.5,"text":"late & <lost>. Again","snippet_html":"<b>late</b> &amp; &lt;<b>lost</b>&gt;. Again","lang":"he","sentiment":"negative","themes":["delivery"],"nps_group":"detractor","score":3,"date":"2024-03-05","segments":{"Country":"IL"},"found_by":["keyword","semantic"]}"#
        );
        let again = 15..20;
        hit.snippet = Snippet {
            marks: vec![again],
            emphasis: Emphasis::Passage,
            ..hit.snippet
        };
        (hit.sentiment, hit.nps_group, hit.score) = (SentimentLabel::Neutral, None, None);
        hit.found_by = vec![Retriever::Semantic];
        let v = serde_json::to_value(&hit).unwrap();
        assert_eq!(
            v["snippet_html"],
            "late &amp; &lt;lost&gt;. <mark>Again</mark>"
        );
        assert_eq!(
            (&v["sentiment"], &v["nps_group"], &v["found_by"]),
            (
                &serde_json::json!("neutral"),
                &serde_json::Value::Null,
                &serde_json::json!(["semantic"])
            )
        );
    }

    #[test]
    fn names_parse_back_with_their_aliases() {
        for m in [Mode::Keyword, Mode::Semantic, Mode::Hybrid] {
            assert_eq!(Mode::parse(&m.as_str().to_uppercase()), Some(m));
        }
        assert_eq!(Mode::parse("kw"), Some(Mode::Keyword));
        assert_eq!(Mode::parse("vector"), Some(Mode::Semantic));
        assert_eq!(Mode::parse("fuzzy"), None);
        assert_eq!(SentimentLabel::parse("NEG"), Some(SentimentLabel::Negative));
        assert_eq!(NpsGroup::parse("Promoters"), Some(NpsGroup::Promoter));
        assert_eq!(Retriever::Semantic.as_str(), "semantic");
    }
}
