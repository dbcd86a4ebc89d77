//! [`RunSummary`]: the headline numbers of a run, `summary.json`.

use crate::record::Response;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The run's headline numbers, written to `summary.json`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RunSummary {
    /// The export read.
    pub input: String,
    /// Its format.
    pub format: String,
    /// What became of the rows read.
    #[serde(flatten)]
    pub rows: RowCounts,
    /// Text encoding of the export (`UTF-8`, `windows-1255`, ...; none for spreadsheets).
    pub encoding: Option<String>,
    /// Analyzed answers without a score (blank, `N/A`, `-`) when a score column is given.
    pub no_score: u64,
    /// Content-free answers (`...`, emoji only, a bare link): kept as rows, given no theme.
    pub non_answers: u64,
    /// Answers whose embedded units were capped ([`MAX_EMBED_SENTENCES`](crate::pipeline::MAX_EMBED_SENTENCES) sentences,
    /// [`MAX_EMBED_CHARS`](crate::pipeline::MAX_EMBED_CHARS) characters of sentences, [`MAX_UNIT_CHARS`](crate::pipeline::MAX_UNIT_CHARS) characters per unit);
    /// their full text is still in the outputs.
    pub capped: u64,
    /// Personal data found and what was done with it.
    #[serde(flatten)]
    pub privacy: Privacy,
    /// `i/n` when sharded.
    pub shard: Option<String>,
    /// The analyzed answers by language, sentiment and theme.
    #[serde(flatten)]
    pub answers: AnswerCounts,
    /// Encoder used.
    pub model: String,
    /// `"codebook:<path>"` or `"discovered"`.
    pub theme_source: String,
    /// Wall time in seconds.
    pub seconds: f64,
    /// Answers per second over the whole run.
    pub answers_per_second: f64,
}

/// What became of the rows of the export: analyzed, rejected (with the reason kinds), or
/// left to another shard.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RowCounts {
    /// Data rows read (in this shard).
    pub rows_read: u64,
    /// Rows analyzed: lines of responses.jsonl.
    pub analyzed: u64,
    /// Rows rejected: lines of rejects.csv.
    pub rejected: u64,
    /// Rejected rows per reason kind (the reason text up to its first colon or quote).
    pub reject_reasons: BTreeMap<String, u64>,
    /// Rows skipped because they belong to another shard.
    pub other_shards: u64,
}

/// Personal data redacted at ingest, or kept on request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Privacy {
    /// Personal data redacted at ingest, per kind (`email`, `phone`, `card`, `iban`,
    /// `israeli_id`, `iranian_national_code`); empty with `--keep-pii`.
    pub pii: BTreeMap<String, u64>,
    /// Personal data was kept (`--keep-pii`).
    pub keep_pii: bool,
}

/// Analyzed answers counted by label: the headline distribution of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnswerCounts {
    /// Answers per language.
    pub languages: BTreeMap<String, u64>,
    /// Answers per sentiment.
    pub sentiment: BTreeMap<String, u64>,
    /// Answers per theme.
    pub themes: BTreeMap<String, u64>,
    /// Answers flagged mixed.
    pub mixed: u64,
    /// Answers with at least one suggestion.
    pub suggestions: u64,
    /// Sentences analyzed.
    pub sentences: u64,
}

impl RunSummary {
    /// Counts one analyzed answer: `analyzed`, its language, sentiment and themes, and whether
    /// it is mixed, content-free, has a suggestion, and its sentences.
    pub fn add(&mut self, r: &Response) {
        self.rows.analyzed += 1;
        self.non_answers += crate::text::content::is_content_free(&r.text) as u64;
        self.answers.add(r);
    }
}

impl AnswerCounts {
    /// Counts one answer's language, sentiment and themes, and whether it is mixed, has a
    /// suggestion, and its sentences.
    pub fn add(&mut self, r: &Response) {
        *self.languages.entry(r.lang.clone()).or_default() += 1;
        *self
            .sentiment
            .entry(r.sentiment.label.as_str().to_string())
            .or_default() += 1;
        for t in &r.themes {
            *self.themes.entry(t.theme.clone()).or_default() += 1;
        }
        self.mixed += r.mixed as u64;
        self.suggestions += r.has_suggestion() as u64;
        self.sentences += r.sentences.len() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::write::tests::response;

    #[test]
    fn add_counts_answers_languages_sentiment_themes_and_sentences() {
        let mut s = RunSummary::default();
        (0..4).for_each(|seq| s.add(&response(seq)));
        // A content-free answer counts as analyzed and as a non-answer.
        let mut dots = response(4);
        dots.text = "...".into();
        (dots.themes, dots.sentences, dots.mixed) = (Vec::new(), Vec::new(), false);
        s.add(&dots);
        let a = &s.answers;
        assert_eq!((s.rows.analyzed, s.non_answers, a.sentences), (5, 1, 8));
        assert_eq!(a.languages, [("he".to_string(), 5)].into());
        assert_eq!(a.sentiment, [("negative".to_string(), 5)].into());
        let themes = [("speed".to_string(), 4), ("support".to_string(), 4)];
        assert_eq!(a.themes, themes.into());
        // Answer 0 is the one mixed answer of 0..4; each of them has a suggestion sentence.
        assert_eq!((a.mixed, a.suggestions), (1, 4));
        // Row counts are the ingest's, not the answers'.
        assert_eq!((s.rows.rows_read, s.rows.rejected), (0, 0));
    }

    /// The groups are flattened: summary.json keeps its flat keys, in their order.
    #[test]
    fn summary_json_is_flat_and_reads_back() {
        let mut s = RunSummary::default();
        s.add(&response(0));
        s.rows.rows_read = 3;
        s.privacy.keep_pii = true;
        let json = serde_json::to_string(&s).unwrap();
        let keys: Vec<String> =
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&json)
                .unwrap()
                .keys()
                .cloned()
                .collect();
        assert_eq!(keys.len(), 24);
        assert!(
            json.starts_with(r#"{"input":"","format":"","rows_read":3,"analyzed":1,"#),
            "{json}"
        );
        assert!(
            json.contains(r#""pii":{},"keep_pii":true,"shard":null,"languages":{"he":1}"#),
            "{json}"
        );
        let back: RunSummary = serde_json::from_str(&json).unwrap();
        assert_eq!(
            (back.rows, back.privacy, back.answers),
            (s.rows, s.privacy, s.answers)
        );
    }
}
