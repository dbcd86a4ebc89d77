//! Net Promoter Score counts and the NPS estimate with its normal-approximation 95% interval.

use crate::record::NpsGroup;
use serde::{Deserialize, Serialize};

/// z value of a two-sided 95% normal interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Promoter/passive/detractor counts of a set of answers, plus answers without a score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NpsCounts {
    /// Scores 9-10.
    pub promoters: u64,
    /// Scores 7-8.
    pub passives: u64,
    /// Scores 0-6.
    pub detractors: u64,
    /// Answers without a score (not part of the NPS base).
    #[serde(default)]
    pub unscored: u64,
}

/// An NPS estimate: the score, its base and a 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct NpsEstimate {
    /// %promoters - %detractors, in -100..100.
    pub nps: f64,
    /// Scored answers (the base).
    pub n: u64,
    /// Standard error in NPS points.
    pub se: f64,
    /// Lower end of the 95% interval (clamped to -100).
    pub low: f64,
    /// Upper end of the 95% interval (clamped to 100).
    pub high: f64,
}

/// Fewest scored answers for which an NPS interval is shown: below it the normal
/// approximation says nothing useful (one detractor gives "-100, CI -100 to -100"), so the
/// report, its tables and the workspace show no interval and mark the group as small.
pub const MIN_N_INTERVAL: u64 = 10;

impl NpsEstimate {
    /// The 95% interval, `None` below [`MIN_N_INTERVAL`] scored answers.
    pub fn interval(&self) -> Option<(f64, f64)> {
        (!self.small_n()).then_some((self.low, self.high))
    }

    /// Fewer than [`MIN_N_INTERVAL`] scored answers: too few for an interval.
    pub fn small_n(&self) -> bool {
        self.n < MIN_N_INTERVAL
    }
}

impl NpsCounts {
    /// Counts one answer with an optional 0-10 score.
    pub fn add(&mut self, score: Option<u8>) {
        match score.map(NpsGroup::of) {
            Some(NpsGroup::Promoter) => self.promoters += 1,
            Some(NpsGroup::Passive) => self.passives += 1,
            Some(NpsGroup::Detractor) => self.detractors += 1,
            None => self.unscored += 1,
        }
    }

    /// Adds another set of counts (merging shards).
    pub fn merge(&mut self, o: &NpsCounts) {
        self.promoters += o.promoters;
        self.passives += o.passives;
        self.detractors += o.detractors;
        self.unscored += o.unscored;
    }

    /// The counts of `self` minus a subset `o` (e.g. all answers minus those with a theme).
    pub fn minus(&self, o: &NpsCounts) -> NpsCounts {
        NpsCounts {
            promoters: self.promoters.saturating_sub(o.promoters),
            passives: self.passives.saturating_sub(o.passives),
            detractors: self.detractors.saturating_sub(o.detractors),
            unscored: self.unscored.saturating_sub(o.unscored),
        }
    }

    /// Scored answers.
    pub fn n(&self) -> u64 {
        self.promoters + self.passives + self.detractors
    }

    /// All answers, scored or not.
    pub fn answers(&self) -> u64 {
        self.n() + self.unscored
    }

    /// NPS in -100..100, `None` without scored answers.
    pub fn nps(&self) -> Option<f64> {
        nps_of(self.promoters, self.passives, self.detractors)
    }

    /// NPS with its 95% interval: SE = 100 * sqrt((p + d - (p - d)^2) / n) where p and d are
    /// the promoter and detractor proportions (the variance of a per-answer +1/0/-1 score,
    /// divided by n); interval = NPS +- 1.96 SE, clamped to -100..100.
    pub fn estimate(&self) -> Option<NpsEstimate> {
        let n = self.n();
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let p = self.promoters as f64 / nf;
        let d = self.detractors as f64 / nf;
        let nps = 100.0 * (p - d);
        let var = (p + d - (p - d).powi(2)).max(0.0);
        let se = 100.0 * (var / nf).sqrt();
        Some(NpsEstimate {
            nps,
            n,
            se,
            low: (nps - Z95 * se).max(-100.0),
            high: (nps + Z95 * se).min(100.0),
        })
    }
}

/// NPS of promoter/passive/detractor counts, `None` when all are 0.
pub fn nps_of(promoters: u64, passives: u64, detractors: u64) -> Option<f64> {
    let n = promoters + passives + detractors;
    (n > 0).then(|| 100.0 * (promoters as f64 - detractors as f64) / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_groups_and_interval() {
        let mut c = NpsCounts::default();
        for s in [10, 9, 9, 8, 7, 6, 0, 3, 10, 10] {
            c.add(Some(s));
        }
        c.add(None);
        assert_eq!(
            (c.promoters, c.passives, c.detractors, c.unscored),
            (5, 2, 3, 1)
        );
        let e = c.estimate().unwrap();
        // p = .5, d = .3: NPS 20, SE = 100*sqrt((.8 - .04)/10) = 100*sqrt(.076)
        assert!((e.nps - 20.0).abs() < 1e-12);
        assert!((e.se - 100.0 * 0.076f64.sqrt()).abs() < 1e-12);
        assert_eq!(NpsCounts::default().estimate(), None);
    }
}
