//! Why NPS moved between two groups of answers (two periods, two segment values or two runs):
//! a shift-share decomposition of the NPS change into one contribution per theme, each split
//! into a mix effect and a rate effect, plus the "no theme" group, summing exactly to the total.
//!
//! # Formula
//!
//! Each scored answer `i` has a net score `s_i` = +1 (promoter), 0 (passive) or -1 (detractor),
//! and NPS = 100 * sum(s_i) / N. An answer that mentions `k_i >= 1` distinct themes gives each
//! of them the weight `1 / k_i`; an answer without a theme gives weight 1 to the group "no
//! theme". For a group `g` (a theme or "no theme") in a side (A or B):
//!
//! - `m_g = sum_{i in g} (1 / k_i) / N`: the group's share (fractional mentions; the shares of
//!   all groups sum to 1),
//! - `r_g = sum_{i in g} (s_i / k_i) / sum_{i in g} (1 / k_i)`: the group's net score (the NPS of
//!   its answers / 100, multi-theme answers counted by their weight),
//!
//! so NPS = 100 * sum_g m_g r_g exactly. With midpoint (symmetric) weights,
//!
//! - mix effect `100 * (m_g^B - m_g^A) * (r_g^A + r_g^B) / 2` (more or fewer answers about `g`),
//! - rate effect `100 * (r_g^B - r_g^A) * (m_g^A + m_g^B) / 2` (its answers score differently),
//!
//! and for every group mix + rate = 100 (m_g^B r_g^B - m_g^A r_g^A), so the contributions of the
//! themes and of "no theme" add up to NPS(B) - NPS(A) exactly (up to float rounding, < 1e-9).
//! A group absent from one side has `m = 0` there; its `r` is then taken from the other side
//! (any value gives the same sum).
//!
//! # Intervals
//!
//! The counts come by exact theme set (`super::slices`), so drawing the set x NPS-group cells
//! of each side from a multinomial with the observed shares is a bootstrap resample of that
//! side's answers. Each contribution's 95% interval is the 2.5% and 97.5% percentiles over the
//! resamples (seeded ChaCha8, so the same seed gives the same intervals).

use super::impact::{multinomial, quantile, stream_of};
use super::nps::NpsCounts;
use super::period::Period;
use super::slices::Slice;
use super::stats::RunStats;
use super::trends::slices_of;
use super::AnalyzeError;
use crate::error::{IoError, IoResultExt};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// Name of the group of answers without a theme.
pub const NO_THEME: &str = "(no theme)";

/// Bootstrap settings of a comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompareOptions {
    /// Resamples (default 1,000); 0 gives no intervals.
    pub resamples: usize,
    /// RNG seed.
    pub seed: u64,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            resamples: 1000,
            seed: 20_251_203,
        }
    }
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// What the side is (`2025-Q1`, `Plan=Basic`, a run folder).
    pub label: String,
    /// Its answers' NPS counts.
    pub counts: NpsCounts,
    /// Its NPS; `None` without scored answers.
    pub nps: Option<f64>,
}

/// A contribution with its bootstrap interval, in NPS points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Effect {
    /// Point estimate.
    pub value: f64,
    /// 2.5% percentile over the resamples.
    pub low: f64,
    /// 97.5% percentile over the resamples.
    pub high: f64,
}

/// The contribution of one theme (or of "no theme") to the NPS change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// Theme id, or [`NO_THEME`].
    pub theme: String,
    /// Answers that mention the theme, in A and in B (scored or not).
    pub mentions: [u64; 2],
    /// Fractional share `m` in A and B.
    pub share: [f64; 2],
    /// The group's NPS `100 r` in A and B (`None` when the group is empty there).
    pub group_nps: [Option<f64>; 2],
    /// Mix effect.
    pub mix: Effect,
    /// Rate effect.
    pub rate: Effect,
    /// mix + rate.
    pub total: Effect,
}

/// The decomposition of NPS(B) - NPS(A).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The first side (the "from").
    pub a: Side,
    /// The second side (the "to").
    pub b: Side,
    /// NPS(B) - NPS(A) with its bootstrap interval.
    pub change: Effect,
    /// Themes by decreasing absolute contribution, then "no theme".
    pub contributions: Vec<Contribution>,
    /// Bootstrap resamples used.
    pub resamples: usize,
    /// Bootstrap seed.
    pub seed: u64,
}

/// Per group: weight sum and weighted net score sum (index `themes` = no theme).
fn groups(slice: &Slice, themes: usize) -> (Vec<f64>, Vec<f64>, f64) {
    let mut w = vec![0.0; themes + 1];
    let mut net = vec![0.0; themes + 1];
    let mut n = 0.0;
    for (set, c) in &slice.sets {
        let (scored, s) = (c.n() as f64, c.promoters as f64 - c.detractors as f64);
        n += scored;
        if set.is_empty() {
            w[themes] += scored;
            net[themes] += s;
            continue;
        }
        let k = set.len() as f64;
        for &t in set {
            w[t as usize] += scored / k;
            net[t as usize] += s / k;
        }
    }
    (w, net, n)
}

/// Shares and net scores per group of one side.
fn shares(slice: &Slice, themes: usize) -> (Vec<f64>, Vec<Option<f64>>) {
    let (w, net, n) = groups(slice, themes);
    let m = w
        .iter()
        .map(|x| if n > 0.0 { x / n } else { 0.0 })
        .collect();
    let r = w
        .iter()
        .zip(&net)
        .map(|(w, s)| (*w > 0.0).then(|| s / w))
        .collect();
    (m, r)
}

/// (mix, rate) per group of B against A, in NPS points.
pub fn decompose(a: &Slice, b: &Slice, themes: usize) -> Vec<(f64, f64)> {
    let (ma, ra) = shares(a, themes);
    let (mb, rb) = shares(b, themes);
    (0..=themes)
        .map(|g| {
            let (x, y) = match (ra[g], rb[g]) {
                (Some(x), Some(y)) => (x, y),
                (Some(x), None) => (x, x),
                (None, Some(y)) => (y, y),
                (None, None) => (0.0, 0.0),
            };
            let mix = 100.0 * (mb[g] - ma[g]) * (x + y) / 2.0;
            let rate = 100.0 * (y - x) * (ma[g] + mb[g]) / 2.0;
            (mix, rate)
        })
        .collect()
}

/// The scored cells (set x promoter/passive/detractor) of a side, for resampling.
fn cells(slice: &Slice) -> (Vec<(&Vec<u32>, usize)>, Vec<u64>) {
    let mut keys = Vec::new();
    let mut counts = Vec::new();
    for (set, c) in &slice.sets {
        for (g, x) in [c.promoters, c.passives, c.detractors]
            .into_iter()
            .enumerate()
        {
            if x > 0 {
                keys.push((set, g));
                counts.push(x);
            }
        }
    }
    (keys, counts)
}

/// One bootstrap resample of a side.
fn resample(rng: &mut ChaCha8Rng, slice: &Slice) -> Slice {
    let (keys, counts) = cells(slice);
    let n: u64 = counts.iter().sum();
    let draw = multinomial(rng, n, &counts);
    let mut out = Slice::default();
    for ((set, g), x) in keys.into_iter().zip(draw) {
        let c = out.sets.entry(set.clone()).or_default();
        match g {
            0 => c.promoters += x,
            1 => c.passives += x,
            _ => c.detractors += x,
        }
    }
    out
}

fn effect(value: f64, mut draws: Vec<f64>) -> Effect {
    if draws.is_empty() {
        return Effect {
            value,
            low: value,
            high: value,
        };
    }
    draws.sort_by(f64::total_cmp);
    Effect {
        value,
        low: quantile(&draws, 0.025),
        high: quantile(&draws, 0.975),
    }
}

/// Bootstrap draws per group of (mix, rate, total) and of the total change.
fn bootstrap(a: &Slice, b: &Slice, themes: usize, opts: &CompareOptions) -> BootDraws {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    rng.set_stream(stream_of("compare"));
    let mut d = BootDraws {
        groups: vec![[Vec::new(), Vec::new(), Vec::new()]; themes + 1],
        change: Vec::new(),
    };
    for _ in 0..opts.resamples {
        let (ra, rb) = (resample(&mut rng, a), resample(&mut rng, b));
        let parts = decompose(&ra, &rb, themes);
        let mut sum = 0.0;
        for (g, (mix, rate)) in parts.into_iter().enumerate() {
            d.groups[g][0].push(mix);
            d.groups[g][1].push(rate);
            d.groups[g][2].push(mix + rate);
            sum += mix + rate;
        }
        d.change.push(sum);
    }
    d
}

struct BootDraws {
    groups: Vec<[Vec<f64>; 3]>,
    change: Vec<f64>,
}

/// Answers mentioning each theme, `themes` = no theme.
fn mentions(slice: &Slice, themes: usize) -> Vec<u64> {
    let mut out = vec![0; themes + 1];
    for (set, c) in &slice.sets {
        if set.is_empty() {
            out[themes] += c.answers();
        }
        for &t in set {
            out[t as usize] += c.answers();
        }
    }
    out
}

fn side(label: &str, s: &Slice) -> Side {
    let counts = s.total();
    Side {
        label: label.to_string(),
        counts,
        nps: counts.nps(),
    }
}

/// Decomposes NPS(B) - NPS(A); `theme_ids` names the slices' theme indices.
pub fn compare(
    theme_ids: &[String],
    (label_a, a): (&str, &Slice),
    (label_b, b): (&str, &Slice),
    opts: &CompareOptions,
) -> Comparison {
    let k = theme_ids.len();
    let parts = decompose(a, b, k);
    let (ma, ra) = shares(a, k);
    let (mb, rb) = shares(b, k);
    let (na, nb) = (mentions(a, k), mentions(b, k));
    let mut draws = bootstrap(a, b, k, opts);
    let mut rows: Vec<Contribution> = parts
        .iter()
        .enumerate()
        .map(|(g, &(mix, rate))| {
            let [dm, dr, dt] = std::mem::take(&mut draws.groups[g]);
            Contribution {
                theme: theme_ids.get(g).cloned().unwrap_or_else(|| NO_THEME.into()),
                mentions: [na[g], nb[g]],
                share: [ma[g], mb[g]],
                group_nps: [ra[g].map(|r| 100.0 * r), rb[g].map(|r| 100.0 * r)],
                mix: effect(mix, dm),
                rate: effect(rate, dr),
                total: effect(mix + rate, dt),
            }
        })
        .collect();
    let none = rows.pop().expect("the no-theme group");
    rows.retain(|r| r.mentions != [0, 0]);
    rows.sort_by(|x, y| {
        y.total
            .value
            .abs()
            .total_cmp(&x.total.value.abs())
            .then(x.theme.cmp(&y.theme))
    });
    rows.push(none);
    let (sa, sb) = (side(label_a, a), side(label_b, b));
    let change = match (sa.nps, sb.nps) {
        (Some(x), Some(y)) => y - x,
        _ => 0.0,
    };
    Comparison {
        a: sa,
        b: sb,
        change: effect(change, draws.change),
        contributions: rows,
        resamples: opts.resamples,
        seed: opts.seed,
    }
}

/// The union of two theme lists (A's order, then B's new ids) and B's index mapping into it.
pub fn align_themes(a: &[String], b: &[String]) -> (Vec<String>, Vec<u32>) {
    let mut ids = a.to_vec();
    let pos: BTreeMap<&str, usize> = a.iter().enumerate().map(|(i, t)| (t.as_str(), i)).collect();
    let mut map = Vec::with_capacity(b.len());
    for t in b {
        match pos.get(t.as_str()) {
            Some(&i) => map.push(i as u32),
            None => {
                map.push(ids.len() as u32);
                ids.push(t.clone());
            }
        }
    }
    (ids, map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_sum_to_the_change_with_overlapping_themes() {
        let mut a = Slice::default();
        let mut b = Slice::default();
        for (s, th) in [(10, vec![(0, 0), (1, 2)]), (3, vec![(0, 0)]), (8, vec![])] {
            a.add(Some(s), &th);
        }
        for (s, th) in [(0, vec![(0, 0), (1, 0)]), (9, vec![(1, 2)]), (2, vec![])] {
            b.add(Some(s), &th);
        }
        let ids = vec!["x".to_string(), "y".to_string()];
        let c = compare(&ids, ("a", &a), ("b", &b), &CompareOptions::default());
        let sum: f64 = c.contributions.iter().map(|r| r.total.value).sum();
        // A: 1 promoter, 1 passive, 1 detractor = 0; B: 1 promoter, 2 detractors = -33.3.
        assert!((c.change.value - (-100.0 / 3.0)).abs() < 1e-12);
        assert!((sum - c.change.value).abs() < 1e-12);
        let again = compare(&ids, ("a", &a), ("b", &b), &CompareOptions::default());
        assert_eq!(c, again, "seeded bootstrap");
    }
}

/// What to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompareSpec {
    /// Two periods of one run: `2025-Q1` / `2025-03` / `2025-W05` keys of the same length.
    Periods(String, String),
    /// Two segment values of one run: `Plan=Basic`, `Plan=Pro`.
    Segments(String, String),
    /// Two runs with the same (or overlapping) codebook: the whole of each.
    Runs(std::path::PathBuf),
}

impl CompareSpec {
    /// Parses `A..B` of `report --compare`: two period keys or two `column=value` segments.
    pub fn parse_pair(s: &str) -> Result<CompareSpec, AnalyzeError> {
        let Some((a, b)) = s.split_once("..") else {
            return Err(AnalyzeError::Usage(format!(
                "--compare {s:?}: write two periods or two segments as A..B, e.g. 2025-Q1..2025-Q2 or Plan=Basic..Plan=Pro"
            )));
        };
        let (a, b) = (a.trim().to_string(), b.trim().to_string());
        Ok(if a.contains('=') || b.contains('=') {
            CompareSpec::Segments(a, b)
        } else {
            CompareSpec::Periods(a, b)
        })
    }
}

/// The period length of a key such as `2025-Q1`, `2025-03` or `2025-W05`.
pub fn period_of_key(key: &str) -> Option<Period> {
    let (y, rest) = key.split_once('-')?;
    if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = |s: &str, lo: u32, hi: u32| {
        s.len() == 2 && s.parse::<u32>().is_ok_and(|v| (lo..=hi).contains(&v))
    };
    if let Some(q) = rest.strip_prefix('Q') {
        return (q.len() == 1 && ("1"..="4").contains(&q)).then_some(Period::Quarter);
    }
    if let Some(w) = rest.strip_prefix('W') {
        return digits(w, 1, 53).then_some(Period::Week);
    }
    digits(rest, 1, 12).then_some(Period::Month)
}

fn pick<'a>(
    map: &'a BTreeMap<String, Slice>,
    key: &str,
    what: &str,
) -> Result<&'a Slice, AnalyzeError> {
    map.get(key).ok_or_else(|| {
        let have: Vec<&str> = map.keys().map(String::as_str).collect();
        AnalyzeError::Usage(format!(
            "no answers in {what} {key:?}; the run has: {}",
            if have.is_empty() {
                "none".to_string()
            } else {
                have.join(", ")
            }
        ))
    })
}

/// Runs a comparison on a run's `stats.json` (and a second run's for [`CompareSpec::Runs`]).
pub fn compare_run(
    run: &Path,
    spec: &CompareSpec,
    opts: &CompareOptions,
) -> Result<Comparison, AnalyzeError> {
    let stats = RunStats::load(&run.join("stats.json"))?;
    let slices = slices_of(&stats)?;
    let ids = &stats.theme_ids;
    match spec {
        CompareSpec::Periods(a, b) => {
            let (Some(pa), Some(pb)) = (period_of_key(a), period_of_key(b)) else {
                return Err(AnalyzeError::Usage(format!(
                    "--from {a:?} --to {b:?}: periods are quarters (2025-Q1), months (2025-03) or ISO weeks (2025-W05)"
                )));
            };
            if pa != pb {
                return Err(AnalyzeError::Usage(format!(
                    "--from {a:?} and --to {b:?} are periods of different lengths; compare two quarters, two months or two weeks"
                )));
            }
            let (periods, _) = slices.periods(pa);
            let what = pa.as_str();
            let (sa, sb) = (pick(&periods, a, what)?, pick(&periods, b, what)?);
            Ok(compare(ids, (a, sa), (b, sb), opts))
        }
        CompareSpec::Segments(a, b) => {
            let (sa, sb) = (
                pick(&slices.segments, a, "segment")?,
                pick(&slices.segments, b, "segment")?,
            );
            Ok(compare(ids, (a, sa), (b, sb), opts))
        }
        CompareSpec::Runs(other) => {
            let sb_stats = RunStats::load(&other.join("stats.json"))?;
            let sb = slices_of(&sb_stats)?;
            let (all_ids, map) = align_themes(ids, &sb_stats.theme_ids);
            let b = sb.all.remap(&|t| map.get(t as usize).copied());
            let (la, lb) = (run.display().to_string(), other.display().to_string());
            Ok(compare(&all_ids, (&la, &slices.all), (&lb, &b), opts))
        }
    }
}

/// The comparison as CSV rows (through the spreadsheet-safe writer).
pub fn write_compare_csv(c: &Comparison, path: &Path) -> Result<(), AnalyzeError> {
    let csv_err = |e: csv::Error| IoError::new(path, std::io::Error::other(e));
    let file = std::fs::File::create(path).at(path)?;
    let mut w = crate::safe_csv::SafeCsv::new(file);
    let f = |v: f64| format!("{v:.4}");
    let o = |v: Option<f64>| v.map(f).unwrap_or_default();
    w.row([
        "theme",
        "mentions_a",
        "mentions_b",
        "share_a",
        "share_b",
        "nps_a",
        "nps_b",
        "mix",
        "mix_low",
        "mix_high",
        "rate",
        "rate_low",
        "rate_high",
        "total",
        "total_low",
        "total_high",
    ])
    .map_err(csv_err)?;
    for r in &c.contributions {
        let mut row = vec![
            r.theme.clone(),
            r.mentions[0].to_string(),
            r.mentions[1].to_string(),
            f(r.share[0]),
            f(r.share[1]),
            o(r.group_nps[0]),
            o(r.group_nps[1]),
        ];
        for e in [r.mix, r.rate, r.total] {
            row.extend([f(e.value), f(e.low), f(e.high)]);
        }
        w.row(row).map_err(csv_err)?;
    }
    let e = c.change;
    let mut row = vec!["(change)".to_string(), String::new(), String::new()];
    row.extend([String::new(), String::new(), o(c.a.nps), o(c.b.nps)]);
    row.extend(std::iter::repeat_n(String::new(), 6));
    row.extend([f(e.value), f(e.low), f(e.high)]);
    w.row(row).map_err(csv_err)?;
    Ok(w.flush().at(path)?)
}
