//! Builds small run folders from hand-written answers for the retrieval and server tests,
//! through `RunWriter` like `verbatim analyze`: responses.jsonl, the tantivy index, the
//! embedding store (real encoder), the vector index, stats and summary.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use verbatim::analyze::stats::RunStats;
use verbatim::encode::{Encoder, TextKind};
use verbatim::record::{
    NpsGroup, Response, SentenceResult, Sentiment, SentimentLabel, ThemeMention,
};
use verbatim::run::{AnswerFiles, RunSummary, RunWriter};

/// One hand-written answer.
pub struct Answer<'a> {
    pub text: &'a str,
    pub lang: &'a str,
    pub sentiment: SentimentLabel,
    pub score: Option<u8>,
    pub themes: &'a [&'a str],
    pub segments: &'a [(&'a str, &'a str)],
    pub date: Option<&'a str>,
}

/// Splits text into sentences at `.`, `!`, `?` followed by a space (enough for fixtures).
fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    for i in 0..b.len() {
        if matches!(b[i], b'.' | b'!' | b'?') && (i + 1 == b.len() || b[i + 1] == b' ') {
            out.push((start, i + 1));
            start = i + 2;
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

fn sentiment(label: SentimentLabel) -> Sentiment {
    let mut probs = [0.1, 0.1, 0.1];
    probs[label.index()] = 0.8;
    Sentiment { label, probs }
}

/// The `Response` of answer `seq`.
pub fn response(seq: u64, a: &Answer) -> Response {
    let sents = sentences(a.text);
    Response {
        seq,
        row: seq + 1,
        id: format!("R{}", seq + 1),
        text: a.text.to_string(),
        score: a.score,
        nps_group: a.score.map(NpsGroup::of),
        date: a.date.map(str::to_string),
        segments: a
            .segments
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>(),
        fields: BTreeMap::new(),
        lang: a.lang.to_string(),
        lang_confidence: 0.9,
        sentiment: sentiment(a.sentiment),
        mixed: false,
        themes: a
            .themes
            .iter()
            .map(|t| ThemeMention {
                theme: t.to_string(),
                score: 0.8,
                sentence: 0,
                sentiment: a.sentiment,
            })
            .collect(),
        sentences: sents
            .iter()
            .map(|&(s, e)| SentenceResult {
                text: a.text[s..e].to_string(),
                start: s,
                end: e,
                sentiment: sentiment(a.sentiment),
                themes: Vec::new(),
                suggestion: false,
            })
            .collect(),
    }
}

/// Writes a run folder for `responses` into `dir` through `RunWriter`, embedding with
/// `encoder`: the answer files, an empty rejects list, the embedding store, statistics over the
/// answers' themes (in order of first mention) and a summary; `finish` builds the vector index.
pub fn build_run(dir: &Path, responses: &[Response], encoder: &dyn Encoder) {
    let run = RunWriter::begin(dir, true).unwrap();
    let mut keys: Vec<String> = responses
        .iter()
        .flat_map(|r| r.segments.keys().cloned())
        .collect();
    keys.sort();
    keys.dedup();
    let files = AnswerFiles {
        parquet: false,
        index: true,
    };
    let mut answers = run.answers(&keys, files).unwrap();
    let mut theme_ids: Vec<String> = Vec::new();
    for t in responses.iter().flat_map(|r| &r.themes) {
        if !theme_ids.contains(&t.theme) {
            theme_ids.push(t.theme.clone());
        }
    }
    let mut stats = RunStats::new(&theme_ids);
    let mut summary = RunSummary::default();
    for r in responses {
        answers.write(r).unwrap();
        stats.add(r);
        summary.add(r);
    }
    answers.finish().unwrap();
    summary.rows.rows_read = summary.rows.analyzed;
    run.rejects().unwrap().finish().unwrap();
    embed_into(&run, responses, encoder);
    run.finish(&stats, None, || Some(summary)).unwrap();
}

/// Writes the answer and sentence vectors of `responses` to the run's embedding store.
fn embed_into(run: &RunWriter, responses: &[Response], encoder: &dyn Encoder) {
    let texts: Vec<&str> = responses.iter().map(|r| r.text.as_str()).collect();
    let answers = encoder.embed(&texts, TextKind::Passage).unwrap();
    let mut store = run.store(encoder.dim(), encoder.name()).unwrap();
    for (r, v) in responses.iter().zip(&answers) {
        let sents: Vec<&str> = r.sentences.iter().map(|s| s.text.as_str()).collect();
        let sv = if sents.len() > 1 {
            encoder.embed(&sents, TextKind::Passage).unwrap()
        } else {
            vec![v.clone(); sents.len()]
        };
        store.push(v, &sv).unwrap();
    }
    store.finish().unwrap();
}
