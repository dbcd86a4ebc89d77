//! Example verbatims per theme: the sentences that raised each theme most confidently, mixing
//! complaints and praise and preferring languages not shown yet, streamed from
//! `responses.jsonl` with a bounded number of candidates per theme.

use crate::analyze::AnalyzeError;
use crate::record::SentimentLabel;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Candidates kept per theme and sentiment.
const KEEP: usize = 8;

/// One example verbatim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// Respondent id.
    pub id: String,
    /// The sentence that raised the theme.
    pub text: String,
    /// The answer's language.
    pub lang: String,
    /// Theme-level sentiment.
    pub sentiment: SentimentLabel,
    /// The answer's score.
    pub score: Option<u8>,
    /// Theme confidence of the mention.
    pub confidence: f32,
}

/// Examples per theme id.
pub type ThemeExamples = BTreeMap<String, Vec<Example>>;

/// Reads examples from `responses.jsonl` (none when the file does not exist).
pub fn collect(path: &Path, per_theme: usize) -> Result<ThemeExamples, AnalyzeError> {
    if !path.exists() {
        return Ok(ThemeExamples::new());
    }
    // theme -> [negative, neutral, positive] candidates, best first.
    let mut cand: BTreeMap<String, [Vec<Example>; 3]> = BTreeMap::new();
    crate::analyze::for_each_response(path, |_, r| {
        for m in &r.themes {
            let text = r
                .sentences
                .get(m.sentence)
                .map(|s| s.text.trim())
                .unwrap_or(r.text.trim());
            if text.is_empty() {
                continue;
            }
            let list = &mut cand.entry(m.theme.clone()).or_default()[m.sentiment.index()];
            if list.iter().any(|e| e.text == text) {
                continue;
            }
            list.push(Example {
                id: r.id.clone(),
                text: text.to_string(),
                lang: r.lang.clone(),
                sentiment: m.sentiment,
                score: r.score,
                confidence: m.score,
            });
            list.sort_by(|a, b| b.confidence.total_cmp(&a.confidence));
            list.truncate(KEEP);
        }
        Ok(())
    })?;
    Ok(cand
        .into_iter()
        .map(|(theme, lists)| (theme, pick(lists, per_theme)))
        .collect())
}

/// Alternates negative, positive and neutral candidates, each time taking the most confident
/// one in a language not shown yet (or the most confident left).
fn pick(mut lists: [Vec<Example>; 3], n: usize) -> Vec<Example> {
    let order = [
        SentimentLabel::Negative,
        SentimentLabel::Positive,
        SentimentLabel::Negative,
        SentimentLabel::Positive,
        SentimentLabel::Neutral,
    ];
    let mut out: Vec<Example> = Vec::new();
    let mut round = 0;
    while out.len() < n && lists.iter().any(|l| !l.is_empty()) {
        let s = order[round % order.len()];
        round += 1;
        let list = &mut lists[s.index()];
        if list.is_empty() {
            continue;
        }
        let at = list
            .iter()
            .position(|e| !out.iter().any(|o| o.lang == e.lang))
            .unwrap_or(0);
        out.push(list.remove(at));
    }
    out
}
