//! Sufficient statistics of a run, saved as `RUN_DIR/stats.json`.
//!
//! [`RunStats`] holds counts only, never answers, and every field is an integer, so
//! [`RunStats::merge`] of shard runs is *exactly* equal to one run over the whole export. From it
//! follow: NPS overall / per segment / per language / per day (rolled up to week, month, quarter
//! at report time), the per-theme table with NPS impact (the 2 x 3 cells theme present/absent x
//! promoter/passive/detractor are the theme's counts and overall minus them), and the driver
//! model's inputs (n, X'X, X'y, y'y over theme-sentiment indicators).
//!
//! Driver design: for every theme `t` the answer gets three mutually exclusive 0/1 indicators
//! `t:negative`, `t:neutral`, `t:positive` from the sentiment of its mention of `t` (all zero
//! when it does not mention `t`). Because they are exclusive, any coarser feature (all
//! mentions of `t`, or "mentioned without complaint" = neutral + positive) is a sum of these
//! columns, and its cross products are sums of blocks of X'X; the driver analysis chooses the
//! split at analysis time (see [`crate::analyze::drivers`]). Only scored answers enter X'X.

use super::nps::NpsCounts;
use super::slices::Slices;
use super::AnalyzeError;
use crate::error::IoResultExt;
use crate::record::{Response, SentimentLabel};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Format version of `stats.json`.
pub const STATS_VERSION: u32 = 1;

/// Counts of one theme.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeStats {
    /// Theme id.
    pub theme: String,
    /// Answers (respondents) that mention the theme, scored or not.
    pub mentions: u64,
    /// NPS counts of those answers.
    pub nps: NpsCounts,
    /// Sum of the 0-10 scores of the scored answers that mention the theme.
    pub score_sum: u64,
    /// Mentions by theme-level sentiment, `[negative, neutral, positive]`.
    pub sentiment: [u64; 3],
}

/// Sufficient statistics of the linear driver model `score ~ indicators`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriverInputs {
    /// Feature names, `theme:negative`, `theme:neutral`, `theme:positive` per theme.
    pub features: Vec<String>,
    /// Scored answers (rows of the model).
    pub n: u64,
    /// X'X, row-major `features.len()^2`; its diagonal is each indicator's sum.
    pub xtx: Vec<u64>,
    /// X'y.
    pub xty: Vec<u64>,
    /// Sum of scores.
    pub sum_y: u64,
    /// Sum of squared scores.
    pub yty: u64,
}

impl DriverInputs {
    /// Number of features.
    pub fn p(&self) -> usize {
        self.features.len()
    }

    /// Entry `(i, j)` of X'X.
    pub fn xtx_at(&self, i: usize, j: usize) -> u64 {
        self.xtx[i * self.p() + j]
    }
}

/// The mergeable aggregates of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStats {
    /// Format version ([`STATS_VERSION`]).
    pub version: u32,
    /// Theme ids, in codebook order.
    pub theme_ids: Vec<String>,
    /// All answers.
    pub overall: NpsCounts,
    /// Sum of all scores.
    pub score_sum: u64,
    /// Answers with at least one suggestion sentence.
    pub suggestions: u64,
    /// Per segment, keyed `column=value`.
    pub segments: BTreeMap<String, NpsCounts>,
    /// Per detected language.
    pub languages: BTreeMap<String, NpsCounts>,
    /// Per response date (`YYYY-MM-DD`); answers without a date are only in `overall`.
    pub days: BTreeMap<String, NpsCounts>,
    /// Per theme, aligned with `theme_ids`.
    pub themes: Vec<ThemeStats>,
    /// Theme mentions whose id is not in `theme_ids` (should stay 0).
    pub unknown_theme_mentions: u64,
    /// Driver model inputs.
    pub drivers: DriverInputs,
    /// Answers by theme set for the whole run, per day and per segment (compare, trends,
    /// segments); `None` in a `stats.json` written before they existed (re-run analyze).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slices: Option<Slices>,
}

/// The driver feature names of a theme list (three per theme).
pub fn fine_features(theme_ids: &[String]) -> Vec<String> {
    theme_ids
        .iter()
        .flat_map(|t| {
            SentimentLabel::ALL
                .iter()
                .map(move |s| format!("{t}:{}", s.as_str()))
        })
        .collect()
}

impl RunStats {
    /// Empty statistics for a theme list.
    pub fn new(theme_ids: &[String]) -> Self {
        let features = fine_features(theme_ids);
        let p = features.len();
        RunStats {
            version: STATS_VERSION,
            theme_ids: theme_ids.to_vec(),
            overall: NpsCounts::default(),
            score_sum: 0,
            suggestions: 0,
            segments: BTreeMap::new(),
            languages: BTreeMap::new(),
            days: BTreeMap::new(),
            themes: theme_ids
                .iter()
                .map(|t| ThemeStats {
                    theme: t.clone(),
                    ..Default::default()
                })
                .collect(),
            unknown_theme_mentions: 0,
            drivers: DriverInputs {
                features,
                n: 0,
                xtx: vec![0; p * p],
                xty: vec![0; p],
                sum_y: 0,
                yty: 0,
            },
            slices: Some(Slices::default()),
        }
    }

    /// Counts one analyzed answer.
    pub fn add(&mut self, r: &Response) {
        let score = r.score.filter(|s| *s <= 10);
        self.overall.add(score);
        self.score_sum += score.unwrap_or(0) as u64;
        self.suggestions += r.has_suggestion() as u64;
        for (k, v) in &r.segments {
            self.segments
                .entry(format!("{k}={v}"))
                .or_default()
                .add(score);
        }
        self.languages.entry(r.lang.clone()).or_default().add(score);
        if let Some(d) = r.date.as_deref().filter(|d| !d.is_empty()) {
            self.days.entry(d.to_string()).or_default().add(score);
        }
        // Distinct themes of the answer with the sentiment of their first mention.
        let mut active: Vec<usize> = Vec::new();
        for m in &r.themes {
            let Some(t) = self.theme_ids.iter().position(|id| *id == m.theme) else {
                self.unknown_theme_mentions += 1;
                continue;
            };
            if active.iter().any(|&f| f / 3 == t) {
                continue;
            }
            let ts = &mut self.themes[t];
            ts.mentions += 1;
            ts.nps.add(score);
            ts.score_sum += score.unwrap_or(0) as u64;
            ts.sentiment[m.sentiment.index()] += 1;
            active.push(t * 3 + m.sentiment.index());
        }
        if let Some(sl) = &mut self.slices {
            let set: Vec<(u32, usize)> = active.iter().map(|&f| ((f / 3) as u32, f % 3)).collect();
            let day = r.date.as_deref().filter(|d| !d.is_empty());
            let segs: Vec<String> = r.segments.iter().map(|(k, v)| format!("{k}={v}")).collect();
            sl.add(score, &set, day, &segs);
        }
        if let Some(y) = score {
            let y = y as u64;
            let d = &mut self.drivers;
            let p = d.features.len();
            d.n += 1;
            d.sum_y += y;
            d.yty += y * y;
            for &i in &active {
                d.xty[i] += y;
                for &j in &active {
                    d.xtx[i * p + j] += 1;
                }
            }
        }
    }

    /// Adds the counts of another run over the same themes (a shard of the same export).
    pub fn merge(&mut self, other: &RunStats) -> Result<(), AnalyzeError> {
        if other.version != self.version {
            return Err(AnalyzeError::Mismatch(format!(
                "stats.json versions differ ({} vs {}); re-run the older shard",
                self.version, other.version
            )));
        }
        if other.theme_ids != self.theme_ids || other.drivers.features != self.drivers.features {
            return Err(AnalyzeError::Mismatch(format!(
                "the runs have different themes ({:?} vs {:?}); analyze every shard with the same --codebook",
                self.theme_ids, other.theme_ids
            )));
        }
        self.overall.merge(&other.overall);
        self.score_sum += other.score_sum;
        self.suggestions += other.suggestions;
        for (mine, theirs) in [
            (&mut self.segments, &other.segments),
            (&mut self.languages, &other.languages),
            (&mut self.days, &other.days),
        ] {
            for (k, v) in theirs {
                mine.entry(k.clone()).or_default().merge(v);
            }
        }
        for (a, b) in self.themes.iter_mut().zip(&other.themes) {
            a.mentions += b.mentions;
            a.nps.merge(&b.nps);
            a.score_sum += b.score_sum;
            for s in 0..3 {
                a.sentiment[s] += b.sentiment[s];
            }
        }
        self.unknown_theme_mentions += other.unknown_theme_mentions;
        // A shard written before slices existed leaves the merged run without them.
        match (&mut self.slices, &other.slices) {
            (Some(a), Some(b)) => a.merge(b),
            _ => self.slices = None,
        }
        let (d, o) = (&mut self.drivers, &other.drivers);
        d.n += o.n;
        d.sum_y += o.sum_y;
        d.yty += o.yty;
        d.xtx.iter_mut().zip(&o.xtx).for_each(|(a, b)| *a += b);
        d.xty.iter_mut().zip(&o.xty).for_each(|(a, b)| *a += b);
        Ok(())
    }

    /// Writes `stats.json`.
    pub fn save(&self, path: &Path) -> Result<(), AnalyzeError> {
        let json = serde_json::to_vec(self).map_err(|e| AnalyzeError::Corrupt {
            path: path.to_path_buf(),
            why: format!("cannot serialize statistics: {e}"),
        })?;
        Ok(std::fs::write(path, json).at(path)?)
    }

    /// Reads `stats.json` and checks that its parts agree.
    pub fn load(path: &Path) -> Result<Self, AnalyzeError> {
        let raw = std::fs::read(path).at(path)?;
        let s: RunStats = serde_json::from_slice(&raw).map_err(|e| AnalyzeError::Corrupt {
            path: path.to_path_buf(),
            why: format!("not a verbatim stats.json ({e})"),
        })?;
        let p = s.drivers.features.len();
        let ok = s.version == STATS_VERSION
            && s.themes.len() == s.theme_ids.len()
            && s.drivers.features == fine_features(&s.theme_ids)
            && s.drivers.xtx.len() == p * p
            && s.drivers.xty.len() == p;
        if !ok {
            return Err(AnalyzeError::Corrupt {
                path: path.to_path_buf(),
                why: "its theme list, driver features and matrix sizes disagree".into(),
            });
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Sentiment, ThemeMention};

    /// An answer with `score`, `date`, segment `Plan` and theme mentions `(theme, sentiment)`.
    fn answer(
        score: Option<u8>,
        date: Option<&str>,
        themes: &[(&str, SentimentLabel)],
    ) -> Response {
        let sentiment = Sentiment {
            label: SentimentLabel::Neutral,
            probs: [0.2, 0.6, 0.2],
        };
        Response {
            seq: 0,
            row: 1,
            id: "R1".into(),
            text: "text".into(),
            score,
            nps_group: score.map(crate::record::NpsGroup::of),
            date: date.map(str::to_string),
            segments: [("Plan".to_string(), "Pro".to_string())].into(),
            fields: BTreeMap::new(),
            lang: "he".into(),
            lang_confidence: 0.9,
            sentiment,
            mixed: false,
            themes: themes
                .iter()
                .map(|&(theme, sentiment)| ThemeMention {
                    theme: theme.into(),
                    score: 0.5,
                    sentence: 0,
                    sentiment,
                })
                .collect(),
            sentences: Vec::new(),
        }
    }

    fn ids() -> Vec<String> {
        vec!["delivery".into(), "price".into()]
    }

    use SentimentLabel::{Negative as NEG, Positive as POS};

    #[test]
    fn add_counts_nps_slices_themes_and_driver_moments() {
        let mut s = RunStats::new(&ids());
        // A detractor naming delivery twice (first mention negative) and price; a promoter
        // praising price; an unscored answer naming a theme outside the codebook.
        s.add(&answer(
            Some(3),
            Some("2025-01-02"),
            &[("delivery", NEG), ("delivery", POS), ("price", NEG)],
        ));
        s.add(&answer(Some(10), None, &[("price", POS)]));
        s.add(&answer(None, Some(""), &[("support", NEG)]));
        assert_eq!(
            (
                s.overall.detractors,
                s.overall.promoters,
                s.overall.unscored
            ),
            (1, 1, 1)
        );
        assert_eq!((s.score_sum, s.overall.answers()), (13, 3));
        assert_eq!(s.segments["Plan=Pro"].answers(), 3);
        assert_eq!(s.languages["he"].answers(), 3);
        // Only a real date makes a day.
        assert_eq!(s.days.keys().collect::<Vec<_>>(), ["2025-01-02"]);
        let delivery = &s.themes[0];
        assert_eq!((delivery.mentions, delivery.score_sum), (1, 3));
        assert_eq!(
            delivery.sentiment,
            [1, 0, 0],
            "first mention's sentiment, once"
        );
        assert_eq!(s.themes[1].mentions, 2);
        assert_eq!(s.themes[1].sentiment, [1, 0, 1]);
        assert_eq!(s.unknown_theme_mentions, 1);
        // Drivers: scored answers only; features delivery:negative = 0, price:negative = 3,
        // price:positive = 5.
        let d = &s.drivers;
        assert_eq!((d.n, d.sum_y, d.yty), (2, 13, 9 + 100));
        assert_eq!((d.xtx_at(0, 0), d.xtx_at(0, 3), d.xtx_at(3, 3)), (1, 1, 1));
        assert_eq!((d.xtx_at(5, 5), d.xtx_at(0, 5)), (1, 0));
        assert_eq!((d.xty[0], d.xty[3], d.xty[5]), (3, 3, 10));
    }

    #[test]
    fn merge_of_two_halves_equals_one_pass_and_refuses_other_themes() {
        let answers = [
            answer(Some(3), Some("2025-01-02"), &[("delivery", NEG)]),
            answer(Some(9), Some("2025-01-03"), &[("price", POS)]),
            answer(Some(7), None, &[("delivery", POS), ("price", NEG)]),
            answer(None, Some("2025-01-03"), &[]),
        ];
        let mut whole = RunStats::new(&ids());
        answers.iter().for_each(|r| whole.add(r));
        let (mut a, mut b) = (RunStats::new(&ids()), RunStats::new(&ids()));
        answers[..2].iter().for_each(|r| a.add(r));
        answers[2..].iter().for_each(|r| b.add(r));
        a.merge(&b).unwrap();
        assert_eq!(a, whole);
        let err = a
            .merge(&RunStats::new(&["billing".to_string()]))
            .unwrap_err();
        assert!(err.to_string().contains("different themes"), "{err}");
    }

    #[test]
    fn save_and_load_round_trip_and_load_refuses_mismatched_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.json");
        let mut s = RunStats::new(&ids());
        s.add(&answer(Some(8), Some("2025-02-01"), &[("price", NEG)]));
        s.save(&path).unwrap();
        assert_eq!(RunStats::load(&path).unwrap(), s);
        s.drivers.xty.pop();
        s.save(&path).unwrap();
        let err = RunStats::load(&path).unwrap_err().to_string();
        assert!(err.contains("matrix sizes disagree"), "{err}");
    }
}
