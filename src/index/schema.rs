//! The fields of the keyword index.
//!
//! Facet-like values (language, sentiment, NPS group, themes, segments) are raw-string fast
//! fields: exact terms for filtering and per-document columns for exact facet counts. Score and
//! date are u64 fast fields for range filters; the date is stored as `YYYYMMDD`, the key the
//! semantic filters use ([`date_key`]).

use super::analyzer::TOKENIZER;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};

/// `YYYY-MM-DD` (or a prefix `YYYY`, `YYYY-MM`) as a sortable number; 0 when unreadable.
pub fn date_key(s: &str) -> u32 {
    let digits: String = s.chars().filter(|c| c.is_ascii_digit()).take(8).collect();
    match digits.len() {
        8 => digits.parse().unwrap_or(0),
        6 => digits.parse::<u32>().map_or(0, |v| v * 100),
        4 => digits.parse::<u32>().map_or(0, |v| v * 10_000),
        _ => 0,
    }
}

/// Answer position in the run (u64, fast, stored).
pub const SEQ: &str = "seq";
/// Respondent id (raw string, stored).
pub const ID: &str = "id";
/// The analyzed answer text (positions, not stored).
pub const TEXT: &str = "text";
/// The answer text as read (stored only, for snippets).
pub const BODY: &str = "body";
/// Language code (raw, fast, stored: snippets analyze the text in its language).
pub const LANG: &str = "lang";
/// Sentiment label (raw, fast).
pub const SENTIMENT: &str = "sentiment";
/// NPS group (raw, fast; absent without a score).
pub const NPS: &str = "nps";
/// Theme ids (raw, fast, one value per theme).
pub const THEME: &str = "theme";
/// Segment values as `column` [`SEGMENT_SEP`] `value` (raw, fast, one value per column).
pub const SEGMENT: &str = "segment";
/// 0-10 score (u64, indexed, fast).
pub const SCORE: &str = "score";
/// Date as `YYYYMMDD` (u64, indexed, fast).
pub const DATE: &str = "date";

/// Separates a segment column from its value in the [`SEGMENT`] field (a control character,
/// so column names and values may hold any visible text, `=` included).
pub const SEGMENT_SEP: char = '\u{1F}';

/// The [`SEGMENT`] term of a column value.
pub fn segment_term(column: &str, value: &str) -> String {
    format!("{column}{SEGMENT_SEP}{value}")
}

/// Field handles of the schema.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// [`SEQ`]
    pub seq: Field,
    /// [`ID`]
    pub id: Field,
    /// [`TEXT`]
    pub text: Field,
    /// [`BODY`]
    pub body: Field,
    /// [`LANG`]
    pub lang: Field,
    /// [`SENTIMENT`]
    pub sentiment: Field,
    /// [`NPS`]
    pub nps: Field,
    /// [`THEME`]
    pub theme: Field,
    /// [`SEGMENT`]
    pub segment: Field,
    /// [`SCORE`]
    pub score: Field,
    /// [`DATE`]
    pub date: Field,
}

/// The schema of a new index.
pub fn schema() -> Schema {
    let mut b = Schema::builder();
    b.add_u64_field(SEQ, INDEXED | FAST | STORED);
    b.add_text_field(ID, STRING | STORED);
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    b.add_text_field(TEXT, text);
    b.add_text_field(BODY, STORED);
    b.add_text_field(LANG, STRING | FAST | STORED);
    b.add_text_field(SENTIMENT, STRING | FAST);
    b.add_text_field(NPS, STRING | FAST);
    b.add_text_field(THEME, STRING | FAST);
    b.add_text_field(SEGMENT, STRING | FAST);
    b.add_u64_field(SCORE, INDEXED | FAST);
    b.add_u64_field(DATE, INDEXED | FAST);
    b.build()
}

impl Fields {
    /// The handles of `schema`; the name of the first missing field otherwise (an index
    /// written by another version).
    pub fn of(schema: &Schema) -> Result<Fields, &'static str> {
        let f = |name: &'static str| schema.get_field(name).map_err(|_| name);
        Ok(Fields {
            seq: f(SEQ)?,
            id: f(ID)?,
            text: f(TEXT)?,
            body: f(BODY)?,
            lang: f(LANG)?,
            sentiment: f(SENTIMENT)?,
            nps: f(NPS)?,
            theme: f(THEME)?,
            segment: f(SEGMENT)?,
            score: f(SCORE)?,
            date: f(DATE)?,
        })
    }
}
