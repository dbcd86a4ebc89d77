//! Compact per-answer columns of a run (language, sentiment, NPS group, score, date, themes,
//! segments, and where each answer's line starts in `responses.jsonl`).
//!
//! Semantic hits come from the vector index, not from tantivy, so filtering them, counting
//! their facets and showing them needs these values by `seq`. Dictionary-coded columns keep
//! that at about 20 bytes per answer, so a check is an array lookup.

use super::RetrieveError;
use crate::error::IoResultExt;
use crate::record::Response;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// "No value" in a dictionary-coded column.
pub const NONE: u32 = u32::MAX;

/// A dictionary: value strings and their codes.
#[derive(Debug, Default, Clone)]
pub struct Dict {
    /// Values by code.
    pub values: Vec<String>,
    codes: BTreeMap<String, u32>,
}

impl Dict {
    fn code(&mut self, v: &str) -> u32 {
        if let Some(&c) = self.codes.get(v) {
            return c;
        }
        let c = self.values.len() as u32;
        self.values.push(v.to_string());
        self.codes.insert(v.to_string(), c);
        c
    }

    /// The code of `v`, if any answer has it.
    pub fn get(&self, v: &str) -> Option<u32> {
        self.codes.get(v).copied()
    }
}

/// One segment column.
#[derive(Debug, Default, Clone)]
pub struct SegmentColumn {
    /// Column name.
    pub name: String,
    /// Value dictionary.
    pub dict: Dict,
    /// Value code per answer ([`NONE`] when absent).
    pub codes: Vec<u32>,
}

/// The columns of every answer of a run, indexed by `seq`.
#[derive(Debug, Default, Clone)]
pub struct Columns {
    path: PathBuf,
    /// Shared handle for positioned reads (`read_at` needs no seek, so threads can share it).
    file: Option<std::sync::Arc<File>>,
    offsets: Vec<u64>,
    /// Languages.
    pub langs: Dict,
    /// Language code per answer.
    pub lang: Vec<u32>,
    /// Sentiment per answer: 0 negative, 1 neutral, 2 positive.
    pub sentiment: Vec<u8>,
    /// NPS group per answer: 0 detractor, 1 passive, 2 promoter, 3 none.
    pub nps: Vec<u8>,
    /// Score per answer (255 = none).
    pub score: Vec<u8>,
    /// Date per answer as `YYYYMMDD` (0 = none).
    pub date: Vec<u32>,
    /// Themes.
    pub themes: Dict,
    theme_off: Vec<u32>,
    theme_ids: Vec<u32>,
    /// Segment columns.
    pub segments: Vec<SegmentColumn>,
}

#[derive(Deserialize)]
struct LightSentiment {
    label: crate::record::SentimentLabel,
}

#[derive(Deserialize)]
struct LightTheme {
    theme: String,
}

/// The fields of a `responses.jsonl` line the columns need (the rest is skipped).
#[derive(Deserialize)]
struct Light {
    seq: u64,
    lang: String,
    sentiment: LightSentiment,
    score: Option<u8>,
    nps_group: Option<crate::record::NpsGroup>,
    date: Option<String>,
    #[serde(default)]
    segments: BTreeMap<String, String>,
    #[serde(default)]
    themes: Vec<LightTheme>,
}

pub use crate::index::schema::date_key;

impl Columns {
    /// Reads `responses.jsonl` of a run.
    pub fn load(path: &Path) -> Result<Columns, RetrieveError> {
        let mut r = BufReader::with_capacity(1 << 20, File::open(path).at(path)?);
        let mut c = Columns {
            path: path.to_path_buf(),
            ..Columns::default()
        };
        let mut line = Vec::new();
        let mut at = 0u64;
        let mut row = 0usize;
        loop {
            line.clear();
            let n = r.read_until(b'\n', &mut line).at(path)?;
            if n == 0 {
                break;
            }
            row += 1;
            let start = at;
            at += n as u64;
            if line.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            let l: Light = serde_json::from_slice(&line).map_err(|e| RetrieveError::Run {
                path: path.to_path_buf(),
                why: format!("line {row}: {e}"),
            })?;
            let seq = c.offsets.len() as u64;
            if l.seq != seq {
                return Err(RetrieveError::Run {
                    path: path.to_path_buf(),
                    why: format!("line {row} has seq {} where {seq} was expected", l.seq),
                });
            }
            c.push(start, l);
        }
        c.offsets.push(at);
        c.file = Some(std::sync::Arc::new(File::open(path).at(path)?));
        Ok(c)
    }

    fn push(&mut self, offset: u64, l: Light) {
        let n = self.offsets.len();
        self.offsets.push(offset);
        self.lang.push(self.langs.code(&l.lang));
        self.sentiment.push(l.sentiment.label.index() as u8);
        self.nps.push(l.nps_group.map_or(3, |g| g as u8));
        self.score.push(l.score.unwrap_or(255));
        self.date.push(l.date.as_deref().map_or(0, date_key));
        if self.theme_off.is_empty() {
            self.theme_off.push(0);
        }
        for t in &l.themes {
            let code = self.themes.code(&t.theme);
            if !self.theme_ids[self.theme_off[n] as usize..].contains(&code) {
                self.theme_ids.push(code);
            }
        }
        self.theme_off.push(self.theme_ids.len() as u32);
        for k in l.segments.keys() {
            if !self.segments.iter().any(|s| &s.name == k) {
                self.segments.push(SegmentColumn {
                    name: k.clone(),
                    dict: Dict::default(),
                    codes: vec![NONE; n],
                });
            }
        }
        for s in &mut self.segments {
            let code = l.segments.get(&s.name).map_or(NONE, |v| s.dict.code(v));
            s.codes.push(code);
        }
    }

    /// Number of answers.
    pub fn len(&self) -> usize {
        self.lang.len()
    }

    /// Whether the run has no answers.
    pub fn is_empty(&self) -> bool {
        self.lang.is_empty()
    }

    /// Theme codes of answer `seq`.
    pub fn themes_of(&self, seq: usize) -> &[u32] {
        if self.theme_off.is_empty() {
            return &[];
        }
        &self.theme_ids[self.theme_off[seq] as usize..self.theme_off[seq + 1] as usize]
    }

    /// Reads the full [`Response`] of answer `seq` from `responses.jsonl`.
    pub fn response(&self, seq: u64) -> Result<Response, RetrieveError> {
        let i = seq as usize;
        if i >= self.len() {
            return Err(RetrieveError::NotFound(seq));
        }
        let (lo, hi) = (self.offsets[i], self.offsets[i + 1]);
        let f = self.file.as_ref().ok_or(RetrieveError::NotFound(seq))?;
        let mut buf = vec![0u8; (hi - lo) as usize];
        f.read_exact_at(&mut buf, lo).at(&self.path)?;
        serde_json::from_slice(&buf).map_err(|e| RetrieveError::Run {
            path: self.path.clone(),
            why: format!("answer seq {seq}: {e}"),
        })
    }
}
