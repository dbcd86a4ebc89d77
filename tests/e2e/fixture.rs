//! Builds small run folders from hand-written answers for the retrieval and server tests:
//! responses.jsonl, the tantivy index, the embedding store (real encoder) and the vector index,
//! the same files `verbatim analyze` writes.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use verbatim::encode::store::{Store, StoreWriter};
use verbatim::encode::{Encoder, TextKind};
use verbatim::index::IndexBuilder;
use verbatim::record::{
    NpsGroup, Response, SentenceResult, Sentiment, SentimentLabel, ThemeMention,
};
use verbatim::vector::{BuildOptions, VectorIndex};

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

/// Writes a run folder for `responses` into `dir`, embedding with `encoder`.
pub fn build_run(dir: &Path, responses: &[Response], encoder: &dyn Encoder) {
    std::fs::create_dir_all(dir).unwrap();
    let mut jsonl = String::new();
    for r in responses {
        jsonl.push_str(&serde_json::to_string(r).unwrap());
        jsonl.push('\n');
    }
    std::fs::write(dir.join("responses.jsonl"), jsonl).unwrap();

    let mut keys: Vec<String> = responses
        .iter()
        .flat_map(|r| r.segments.keys().cloned())
        .collect();
    keys.sort();
    keys.dedup();
    let mut index = IndexBuilder::create(&dir.join("index"), &keys).unwrap();
    for r in responses {
        index.add(r).unwrap();
    }
    index.finish().unwrap();

    let texts: Vec<&str> = responses.iter().map(|r| r.text.as_str()).collect();
    let answers = encoder.embed(&texts, TextKind::Passage).unwrap();
    let mut store =
        StoreWriter::create(&dir.join("embeddings"), encoder.dim(), encoder.name()).unwrap();
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
    let store = Store::open(&dir.join("embeddings")).unwrap();
    VectorIndex::build(&store, &dir.join("vectors"), &BuildOptions::default()).unwrap();
}
