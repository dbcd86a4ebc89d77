//! Per-slice theme-set counts, part of `stats.json` ([`super::stats::RunStats::slices`]): for the
//! whole run, for every response day and for every segment value, the NPS counts of the answers
//! by the exact *set* of themes they mention (the empty set = no theme), plus each theme's
//! mentions by sentiment.
//!
//! Counting by theme set keeps the joint distribution of themes, so everything the comparison,
//! trend and segment analyses need follows exactly from integers: the per-theme counts (sum over
//! the sets containing the theme), the fractional shift-share weights of multi-theme answers
//! ([`super::compare`]) and an answer-level bootstrap (a multinomial over set x NPS-group cells
//! is a resample of answers). All counts are integers and [`Slices::merge`] adds them, so merged
//! shard runs stay exactly equal to one run.

use super::nps::NpsCounts;
use super::period::Period;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Counts of one slice of answers (a day, a segment value, a period, the whole run).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "SliceWire", into = "SliceWire")]
pub struct Slice {
    /// NPS counts by the sorted indices (into `theme_ids`) of the themes an answer mentions.
    pub sets: BTreeMap<Vec<u32>, NpsCounts>,
    /// Per theme index: mentions by theme-level sentiment `[negative, neutral, positive]`.
    pub sentiment: BTreeMap<u32, [u64; 3]>,
}

/// JSON form of a [`Slice`]: maps with non-string keys become lists.
#[derive(Serialize, Deserialize)]
struct SliceWire {
    sets: Vec<SetWire>,
    sentiment: Vec<(u32, [u64; 3])>,
}

#[derive(Serialize, Deserialize)]
struct SetWire {
    themes: Vec<u32>,
    #[serde(flatten)]
    counts: NpsCounts,
}

impl From<SliceWire> for Slice {
    fn from(w: SliceWire) -> Slice {
        let mut s = Slice::default();
        for e in w.sets {
            s.sets.entry(e.themes).or_default().merge(&e.counts);
        }
        for (t, c) in w.sentiment {
            add3(s.sentiment.entry(t).or_default(), &c);
        }
        s
    }
}

impl From<Slice> for SliceWire {
    fn from(s: Slice) -> SliceWire {
        SliceWire {
            sets: s
                .sets
                .into_iter()
                .map(|(themes, counts)| SetWire { themes, counts })
                .collect(),
            sentiment: s.sentiment.into_iter().collect(),
        }
    }
}

fn add3(a: &mut [u64; 3], b: &[u64; 3]) {
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
}

impl Slice {
    /// Counts one answer: its score, its distinct theme indices with their sentiment index.
    pub fn add(&mut self, score: Option<u8>, themes: &[(u32, usize)]) {
        let mut set: Vec<u32> = themes.iter().map(|t| t.0).collect();
        set.sort_unstable();
        set.dedup();
        self.sets.entry(set).or_default().add(score);
        for &(t, s) in themes {
            self.sentiment.entry(t).or_default()[s] += 1;
        }
    }

    /// Adds another slice's counts.
    pub fn merge(&mut self, o: &Slice) {
        for (k, v) in &o.sets {
            self.sets.entry(k.clone()).or_default().merge(v);
        }
        for (t, c) in &o.sentiment {
            add3(self.sentiment.entry(*t).or_default(), c);
        }
    }

    /// All answers of the slice.
    pub fn total(&self) -> NpsCounts {
        let mut c = NpsCounts::default();
        self.sets.values().for_each(|v| c.merge(v));
        c
    }

    /// NPS counts of the answers that mention theme `t`.
    pub fn theme(&self, t: u32) -> NpsCounts {
        let mut c = NpsCounts::default();
        self.sets
            .iter()
            .filter(|(k, _)| k.contains(&t))
            .for_each(|(_, v)| c.merge(v));
        c
    }

    /// Mentions of theme `t` with a negative sentiment.
    pub fn negative(&self, t: u32) -> u64 {
        self.sentiment.get(&t).map_or(0, |c| c[0])
    }

    /// The slice with theme indices renamed by `map` (`None` drops the theme from the sets).
    pub fn remap(&self, map: &dyn Fn(u32) -> Option<u32>) -> Slice {
        let mut out = Slice::default();
        for (k, v) in &self.sets {
            let mut set: Vec<u32> = k.iter().filter_map(|&t| map(t)).collect();
            set.sort_unstable();
            set.dedup();
            out.sets.entry(set).or_default().merge(v);
        }
        for (t, c) in &self.sentiment {
            if let Some(u) = map(*t) {
                add3(out.sentiment.entry(u).or_default(), c);
            }
        }
        out
    }
}

/// The slices of a run: whole run, per day (`YYYY-MM-DD`), per segment (`column=value`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slices {
    /// Every answer.
    pub all: Slice,
    /// Per response date; answers without a date are only in `all`.
    pub days: BTreeMap<String, Slice>,
    /// Per segment, keyed `column=value`.
    pub segments: BTreeMap<String, Slice>,
}

impl Slices {
    /// Counts one answer.
    pub fn add(
        &mut self,
        score: Option<u8>,
        themes: &[(u32, usize)],
        day: Option<&str>,
        segments: &[String],
    ) {
        self.all.add(score, themes);
        if let Some(d) = day {
            self.days
                .entry(d.to_string())
                .or_default()
                .add(score, themes);
        }
        for s in segments {
            self.segments
                .entry(s.clone())
                .or_default()
                .add(score, themes);
        }
    }

    /// Adds another run's slices (same theme list).
    pub fn merge(&mut self, o: &Slices) {
        self.all.merge(&o.all);
        for (mine, theirs) in [(&mut self.days, &o.days), (&mut self.segments, &o.segments)] {
            for (k, v) in theirs {
                mine.entry(k.clone()).or_default().merge(v);
            }
        }
    }

    /// Per-period slices in time order, and the answers whose date did not parse.
    pub fn periods(&self, period: Period) -> (BTreeMap<String, Slice>, u64) {
        let mut out: BTreeMap<String, Slice> = BTreeMap::new();
        let mut bad = 0;
        for (day, s) in &self.days {
            match period.key(day) {
                Some(k) => out.entry(k).or_default().merge(s),
                None => bad += s.total().answers(),
            }
        }
        (out, bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_round_trip_and_merge_exactly() {
        let mut a = Slices::default();
        a.add(
            Some(10),
            &[(1, 2), (0, 0)],
            Some("2025-01-02"),
            &["Plan=Pro".into()],
        );
        a.add(Some(3), &[], Some("2025-02-02"), &[]);
        let mut b = Slices::default();
        b.add(Some(0), &[(0, 0)], None, &["Plan=Pro".into()]);
        let json = serde_json::to_string(&a).unwrap();
        let back: Slices = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
        a.merge(&b);
        assert_eq!(a.all.theme(0).promoters, 1);
        assert_eq!(a.all.theme(0).detractors, 1);
        assert_eq!(a.all.sets[&vec![0, 1]].promoters, 1);
        assert_eq!(a.all.negative(0), 2);
        assert_eq!(a.segments["Plan=Pro"].total().n(), 2);
        let (q, bad) = a.periods(Period::Quarter);
        assert_eq!((q["2025-Q1"].total().n(), bad), (2, 0));
    }
}
