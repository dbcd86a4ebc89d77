//! NPS impact of a theme, NPS(all) - NPS(answers without the theme), with a bootstrap interval.
//!
//! The statistic depends on the scored answers only through the six counts theme
//! present/absent x promoter/passive/detractor. Resampling n respondents with replacement is
//! therefore the same as drawing the six counts from a multinomial with the observed cell
//! shares and n trials, which is what each resample does (five conditional binomial draws), so
//! the bootstrap costs O(resamples), not O(resamples x answers), and needs only [`NpsCounts`].

use super::nps::{nps_of, NpsCounts};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Binomial, Distribution};
use serde::{Deserialize, Serialize};

/// Bootstrap settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImpactOptions {
    /// Number of resamples (default 2,000).
    pub resamples: usize,
    /// RNG seed; each theme uses its own ChaCha stream derived from its id.
    pub seed: u64,
    /// Central coverage of the percentile interval (default 0.95).
    pub level: f64,
}

impl Default for ImpactOptions {
    fn default() -> Self {
        ImpactOptions {
            resamples: 2000,
            seed: 20_240_611,
            level: 0.95,
        }
    }
}

/// A theme's NPS impact and its bootstrap percentile interval, in NPS points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Impact {
    /// NPS(all) - NPS(all answers without the theme).
    pub impact: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
    /// True when the interval contains 0: the impact is not distinguishable from none.
    pub contains_zero: bool,
}

/// The impact point estimate; `None` when no scored answer lacks the theme or none has a score.
pub fn impact_of(all: &NpsCounts, with: &NpsCounts) -> Option<f64> {
    let without = all.minus(with);
    Some(
        nps_of(all.promoters, all.passives, all.detractors)?
            - nps_of(without.promoters, without.passives, without.detractors)?,
    )
}

/// FNV-1a of a string: a stable, platform-independent stream id for a theme.
pub(crate) fn stream_of(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Quantile `q` of sorted values, linear between order statistics (numpy's default).
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let h = (sorted.len() - 1) as f64 * q.clamp(0.0, 1.0);
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Draws multinomial counts of `n` trials over cells with the given counts as weights.
pub(crate) fn multinomial(rng: &mut ChaCha8Rng, n: u64, cells: &[u64]) -> Vec<u64> {
    let mut out = vec![0u64; cells.len()];
    let mut left_n = n;
    let mut left_w: u64 = cells.iter().sum();
    for (k, &w) in cells.iter().enumerate() {
        if left_n == 0 || left_w == 0 {
            break;
        }
        let draw = if w >= left_w {
            left_n
        } else if w == 0 {
            0
        } else {
            match Binomial::new(left_n, w as f64 / left_w as f64) {
                Ok(b) => b.sample(rng),
                Err(_) => 0,
            }
        };
        out[k] = draw;
        left_n -= draw;
        left_w -= w;
    }
    out
}

/// Impact with a bootstrap percentile interval; `key` (the theme id) picks the RNG stream so
/// every theme's interval is reproducible on its own.
pub fn nps_impact(
    all: &NpsCounts,
    with: &NpsCounts,
    key: &str,
    opts: &ImpactOptions,
) -> Option<Impact> {
    let impact = impact_of(all, with)?;
    let without = all.minus(with);
    let cells = [
        with.promoters,
        with.passives,
        with.detractors,
        without.promoters,
        without.passives,
        without.detractors,
    ];
    let n: u64 = cells.iter().sum();
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    rng.set_stream(stream_of(key));
    let mut draws: Vec<f64> = Vec::with_capacity(opts.resamples);
    for _ in 0..opts.resamples {
        let c = multinomial(&mut rng, n, &cells);
        let w = NpsCounts {
            promoters: c[0],
            passives: c[1],
            detractors: c[2],
            unscored: 0,
        };
        let a = NpsCounts {
            promoters: c[0] + c[3],
            passives: c[1] + c[4],
            detractors: c[2] + c[5],
            unscored: 0,
        };
        // A resample where every answer has the theme has no "without" group; it is skipped.
        if let Some(x) = impact_of(&a, &w) {
            draws.push(x);
        }
    }
    draws.sort_by(f64::total_cmp);
    let tail = (1.0 - opts.level) / 2.0;
    let (low, high) = if draws.is_empty() {
        (impact, impact)
    } else {
        (quantile(&draws, tail), quantile(&draws, 1.0 - tail))
    };
    Some(Impact {
        impact,
        low,
        high,
        contains_zero: low <= 0.0 && high >= 0.0,
    })
}
