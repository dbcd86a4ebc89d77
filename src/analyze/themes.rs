//! Tables computed from [`RunStats`]: the per-theme table (mentions, share, average score, NPS,
//! sentiment split, NPS impact with a bootstrap interval) and NPS with its 95% interval
//! overall, per segment, per language and per period.
//!
//! Everything here reads counts only, so a merged `stats.json` gives the same tables as one run
//! over the whole export.

use super::impact::{nps_impact, Impact, ImpactOptions};
use super::nps::{NpsCounts, NpsEstimate};
use super::period::{roll_up, Period};
use super::stats::RunStats;
use serde::Serialize;

/// One row of the theme table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThemeRow {
    /// Theme id.
    pub theme: String,
    /// Distinct answers (respondents) that mention the theme.
    pub mentions: u64,
    /// `mentions` / all answers.
    pub share: f64,
    /// Mean 0-10 score of the scored answers that mention the theme.
    pub avg_score: Option<f64>,
    /// NPS of the answers that mention the theme, with its interval.
    pub nps: Option<NpsEstimate>,
    /// Mentions by theme-level sentiment, `[negative, neutral, positive]`.
    pub sentiment: [u64; 3],
    /// NPS(all) - NPS(without the theme) with its bootstrap interval.
    pub impact: Option<Impact>,
}

/// Per-theme table, most mentioned first (ties by theme id).
pub fn theme_table(stats: &RunStats, opts: &ImpactOptions) -> Vec<ThemeRow> {
    let answers = stats.overall.answers();
    let mut rows: Vec<ThemeRow> = stats
        .themes
        .iter()
        .map(|t| {
            let scored = t.nps.n();
            ThemeRow {
                theme: t.theme.clone(),
                mentions: t.mentions,
                share: if answers > 0 {
                    t.mentions as f64 / answers as f64
                } else {
                    0.0
                },
                avg_score: (scored > 0).then(|| t.score_sum as f64 / scored as f64),
                nps: t.nps.estimate(),
                sentiment: t.sentiment,
                impact: nps_impact(&stats.overall, &t.nps, &t.theme, opts),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.mentions.cmp(&a.mentions).then(a.theme.cmp(&b.theme)));
    rows
}

/// NPS of one group of answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NpsRow {
    /// Group key: `all`, `column=value`, a language code or a period key.
    pub key: String,
    /// The counts.
    pub counts: NpsCounts,
    /// NPS and its 95% interval; `None` without scored answers.
    pub estimate: Option<NpsEstimate>,
}

impl NpsRow {
    fn of(key: &str, counts: &NpsCounts) -> NpsRow {
        NpsRow {
            key: key.to_string(),
            counts: *counts,
            estimate: counts.estimate(),
        }
    }
}

/// NPS overall and broken down.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NpsTables {
    /// All answers.
    pub overall: NpsRow,
    /// Per segment value (`column=value`), in key order.
    pub segments: Vec<NpsRow>,
    /// Per language, most answers first.
    pub languages: Vec<NpsRow>,
    /// The period length of `periods`.
    pub period: Period,
    /// Per period, in time order.
    pub periods: Vec<NpsRow>,
    /// Answers whose date did not parse as `YYYY-MM-DD` (not in `periods`).
    pub undated: u64,
}

/// NPS tables of a run, with periods of the given length.
pub fn nps_tables(stats: &RunStats, period: Period) -> NpsTables {
    let (periods, undated) = roll_up(&stats.days, period);
    let mut languages: Vec<NpsRow> = stats
        .languages
        .iter()
        .map(|(k, c)| NpsRow::of(k, c))
        .collect();
    languages.sort_by(|a, b| {
        b.counts
            .answers()
            .cmp(&a.counts.answers())
            .then(a.key.cmp(&b.key))
    });
    NpsTables {
        overall: NpsRow::of("all", &stats.overall),
        segments: stats
            .segments
            .iter()
            .map(|(k, c)| NpsRow::of(k, c))
            .collect(),
        languages,
        period,
        periods: periods.iter().map(|(k, c)| NpsRow::of(k, c)).collect(),
        undated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::SentimentLabel;

    #[test]
    fn theme_row_from_counts() {
        let mut s = RunStats::new(&["a".to_string(), "b".to_string()]);
        s.overall = NpsCounts {
            promoters: 4,
            passives: 2,
            detractors: 4,
            unscored: 0,
        };
        s.themes[0].mentions = 5;
        s.themes[0].nps = NpsCounts {
            promoters: 0,
            passives: 1,
            detractors: 4,
            unscored: 0,
        };
        s.themes[0].score_sum = 20;
        s.themes[0].sentiment[SentimentLabel::Negative.index()] = 5;
        let t = theme_table(&s, &ImpactOptions::default());
        assert_eq!(t[0].theme, "a");
        assert_eq!(t[0].share, 0.5);
        assert_eq!(t[0].avg_score, Some(4.0));
        // all: NPS 0; without a: 4 promoters, 1 passive, 0 detractors = +80.
        let i = t[0].impact.unwrap();
        assert!((i.impact - -80.0).abs() < 1e-9);
        assert!(i.high < 0.0 && !i.contains_zero);
        assert_eq!(t[1].avg_score, None);
    }
}
