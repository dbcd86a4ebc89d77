//! The records that flow between pipeline stages: a validated input row ([`Record`]), a row that
//! failed validation ([`Reject`]), an analyzed answer ([`Response`], one line of
//! `responses.jsonl`) and the one reader of that file ([`Responses`]).

use crate::error::{IoError, IoResultExt};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Lines};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

/// Gives a field-less enum `as_str` (its lower-case name, as used in indexes, filters, files
/// and JSON) and `parse` (that name or one of its aliases, case-insensitive):
/// `names! { Mode { Keyword => "keyword" | "kw", Hybrid => "hybrid" } }`.
macro_rules! names {
    ($ty:ident { $($variant:ident => $name:literal $(| $alias:literal)*),+ $(,)? }) => {
        impl $ty {
            /// Lower-case name used in indexes, filters, files and JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }

            /// Parses the lower-case name or an alias of it, case-insensitive.
            pub fn parse(s: &str) -> Option<$ty> {
                match s.to_ascii_lowercase().as_str() {
                    $($name $(| $alias)* => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }
    };
}
pub(crate) use names;

/// One validated input row, as the ingest stage hands it on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// 1-based row number in the source file, counting data rows only (header rows excluded),
    /// so users can find the row in a spreadsheet view of the export.
    pub row: u64,
    /// Respondent id: the id column's value, or `row-N` when the export has no id column.
    pub id: String,
    /// The open-text answer, as read (not yet normalized).
    pub text: String,
    /// The 0-10 likelihood-to-recommend score, when the export has a score column.
    pub score: Option<u8>,
    /// Response date as ISO `YYYY-MM-DD`, when the export has a date column.
    pub date: Option<String>,
    /// Segment columns chosen with `--segment-col`, by column name.
    pub segments: BTreeMap<String, String>,
    /// Every input field of the row, by column name (header text).
    pub fields: BTreeMap<String, String>,
}

/// A row that could not be analyzed, with the reason; written to `rejects.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reject {
    /// 1-based data row number (as in [`Record::row`]).
    pub row: u64,
    /// The column at fault, when one is.
    pub column: Option<String>,
    /// Why the row was rejected, in words a user can act on.
    pub reason: String,
}

/// Net Promoter group of a 0-10 score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NpsGroup {
    /// Scores 0-6.
    Detractor,
    /// Scores 7-8.
    Passive,
    /// Scores 9-10.
    Promoter,
}

impl NpsGroup {
    /// The group of a 0-10 score.
    pub fn of(score: u8) -> NpsGroup {
        match score {
            0..=6 => NpsGroup::Detractor,
            7..=8 => NpsGroup::Passive,
            _ => NpsGroup::Promoter,
        }
    }
}

names! {
    NpsGroup {
        Detractor => "detractor" | "detractors",
        Passive => "passive" | "passives",
        Promoter => "promoter" | "promoters",
    }
}

/// Sentiment class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SentimentLabel {
    /// Unhappy, complaining.
    Negative,
    /// Factual or indifferent.
    Neutral,
    /// Happy, praising.
    Positive,
}

impl SentimentLabel {
    /// All labels in probability-vector order.
    pub const ALL: [SentimentLabel; 3] = [
        SentimentLabel::Negative,
        SentimentLabel::Neutral,
        SentimentLabel::Positive,
    ];

    /// Index into a `[negative, neutral, positive]` probability vector.
    pub fn index(self) -> usize {
        self as usize
    }
}

names! {
    SentimentLabel {
        Negative => "negative" | "neg",
        Neutral => "neutral" | "neu",
        Positive => "positive" | "pos",
    }
}

/// Sentiment of a text span: the winning label and the class probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    /// The most probable class.
    pub label: SentimentLabel,
    /// Probabilities in `[negative, neutral, positive]` order; they sum to 1.
    pub probs: [f32; 3],
}

/// One theme raised by an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeMention {
    /// Theme id (stable across runs that use the same codebook).
    pub theme: String,
    /// Similarity-based confidence in `[0, 1]`.
    pub score: f32,
    /// Index into [`Response::sentences`] of the sentence that raised the theme most strongly.
    pub sentence: usize,
    /// Sentiment of that sentence: the theme-level sentiment.
    pub sentiment: SentimentLabel,
}

/// Per-sentence results of an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentenceResult {
    /// The sentence text as it appears in the answer.
    pub text: String,
    /// Byte offset of the sentence start in [`Response::text`].
    pub start: usize,
    /// Byte offset one past the sentence end in [`Response::text`].
    pub end: usize,
    /// Sentence sentiment.
    pub sentiment: Sentiment,
    /// Theme ids this sentence raises.
    pub themes: Vec<String>,
    /// Whether the sentence suggests a change ("please add live chat").
    pub suggestion: bool,
}

/// One analyzed answer: a line of `responses.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// Position of this answer in `responses.jsonl` and in the embedding store (0-based).
    pub seq: u64,
    /// 1-based data row number in the source file.
    pub row: u64,
    /// Respondent id.
    pub id: String,
    /// The answer text, as read.
    pub text: String,
    /// 0-10 score, when known.
    pub score: Option<u8>,
    /// NPS group of the score, when known.
    pub nps_group: Option<NpsGroup>,
    /// Response date (`YYYY-MM-DD`), when known.
    pub date: Option<String>,
    /// Segment values by segment column name.
    pub segments: BTreeMap<String, String>,
    /// All input fields by column name.
    pub fields: BTreeMap<String, String>,
    /// Detected language (ISO 639-1, e.g. `he`, `fa`), or `und` when unknown.
    pub lang: String,
    /// Confidence of the language detection in `[0, 1]`.
    pub lang_confidence: f32,
    /// Answer-level sentiment.
    pub sentiment: Sentiment,
    /// True when sentences disagree (one clearly positive, another clearly negative).
    pub mixed: bool,
    /// Themes the answer raises (multi-label).
    pub themes: Vec<ThemeMention>,
    /// Sentence-level results, in text order.
    pub sentences: Vec<SentenceResult>,
}

impl Response {
    /// Whether any sentence of the answer suggests a change.
    pub fn has_suggestion(&self) -> bool {
        self.sentences.iter().any(|s| s.suggestion)
    }
}

/// Why an answer of a `responses.jsonl` file could not be read: only the file, the line and
/// the cause, so that the run and analyze errors can both be made from it.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error(transparent)]
    Io(#[from] IoError),
    /// A line is not an answer, or not the answer due on that line.
    #[error("{}: {why}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong (line numbers are 1-based).
        why: String,
    },
}

/// The answers of a file in the format of `responses.jsonl` (it, or the pass-one work file),
/// read one line at a time, in order, blank lines skipped, each checked to carry its line's
/// `seq`. `E` is the caller's error type ([`crate::run::RunError`],
/// [`crate::analyze::AnalyzeError`]).
pub struct Responses<E = ReadError> {
    path: PathBuf,
    lines: Lines<BufReader<std::fs::File>>,
    line: usize,
    error: PhantomData<fn() -> E>,
}

impl<E: From<ReadError>> Responses<E> {
    /// The answers of `path`.
    pub fn open(path: PathBuf) -> Result<Responses<E>, E> {
        let f = std::fs::File::open(&path)
            .at(&path)
            .map_err(ReadError::from)?;
        Ok(Responses {
            path,
            lines: BufReader::new(f).lines(),
            line: 0,
            error: PhantomData,
        })
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The answer on 1-based line `n` of `path`, which must carry `seq` `n - 1`.
fn parse_line(path: &Path, n: usize, line: &str) -> Result<Response, ReadError> {
    let corrupt = |why: String| ReadError::Corrupt {
        path: path.to_path_buf(),
        why,
    };
    match serde_json::from_str::<Response>(line) {
        Err(e) => Err(corrupt(format!("line {n}: {e}"))),
        Ok(r) if r.seq as usize != n - 1 => Err(corrupt(format!("line {n} has seq {}", r.seq))),
        Ok(r) => Ok(r),
    }
}

impl<E: From<ReadError>> Iterator for Responses<E> {
    type Item = Result<Response, E>;

    fn next(&mut self) -> Option<Self::Item> {
        for line in self.lines.by_ref() {
            self.line += 1;
            let line = match line {
                Ok(l) => l,
                Err(e) => return Some(Err(ReadError::from(IoError::new(&self.path, e)).into())),
            };
            if !line.trim().is_empty() {
                return Some(parse_line(&self.path, self.line, &line).map_err(E::from));
            }
        }
        None
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::analyze::AnalyzeError;

    /// A line of `responses.jsonl` with `seq` and `text` (row `seq + 1`).
    pub(crate) fn line(seq: u64, text: &str) -> String {
        format!(
            r#"{{"seq":{seq},"row":{},"id":"R{seq}","text":"{text}","score":3,"nps_group":"detractor","date":null,"segments":{{}},"fields":{{}},"lang":"en","lang_confidence":0.9,"sentiment":{{"label":"negative","probs":[0.8,0.1,0.1]}},"mixed":false,"themes":[],"sentences":[]}}"#,
            seq + 1
        )
    }

    #[test]
    fn analyze_reads_answers_with_the_run_reader_and_a_bad_line_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("responses.jsonl");
        std::fs::write(
            &path,
            [line(0, "late"), line(5, "slow"), "{".into()].join("\n"),
        )
        .unwrap();
        let mut it = Responses::<AnalyzeError>::open(path.clone()).unwrap();
        assert_eq!(it.next().unwrap().unwrap().text, "late");
        for want in ["line 2 has seq 5", "line 3: "] {
            match it.next().unwrap() {
                Err(AnalyzeError::Corrupt { path: p, why }) => {
                    assert_eq!(p, path);
                    assert!(why.starts_with(want), "{why}");
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(it.next().is_none());
        let missing = Responses::<AnalyzeError>::open(dir.path().join("none.jsonl"));
        assert!(matches!(missing, Err(AnalyzeError::Io(_))));
    }
}
