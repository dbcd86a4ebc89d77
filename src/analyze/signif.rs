//! Significance for the trend and segment tables: the two-proportion z test (pooled standard
//! error), a z test on the difference of two NPS values, and the Benjamini-Hochberg
//! false-discovery-rate adjustment over a family of tests (as R's `p.adjust(p, "BH")`).

use super::nps::NpsCounts;
use serde::Serialize;

/// Default false-discovery rate: a test is flagged when its BH-adjusted p-value is below it.
pub const DEFAULT_FDR: f64 = 0.05;

/// Complementary error function (Numerical Recipes `erfcc`, relative error < 1.2e-7).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// Two-sided p-value of a standard normal statistic.
pub fn two_sided_p(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0)
}

/// A two-sample test: the difference (b - a), its z statistic and two-sided p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ZTest {
    /// Difference of the estimates, second minus first.
    pub diff: f64,
    /// z statistic.
    pub z: f64,
    /// Two-sided p-value.
    pub p: f64,
}

/// Two-proportion z test of `x1 / n1` against `x2 / n2` with the pooled standard error;
/// `None` when a base is 0 or the pooled proportion is 0 or 1 (no variance).
pub fn two_proportion(x1: u64, n1: u64, x2: u64, n2: u64) -> Option<ZTest> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let (a, b) = (n1 as f64, n2 as f64);
    let (p1, p2) = (x1 as f64 / a, x2 as f64 / b);
    let pool = (x1 + x2) as f64 / (a + b);
    let se = (pool * (1.0 - pool) * (1.0 / a + 1.0 / b)).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return None;
    }
    let z = (p2 - p1) / se;
    Some(ZTest {
        diff: p2 - p1,
        z,
        p: two_sided_p(z),
    })
}

/// z test of NPS(b) - NPS(a) for independent groups, SE = sqrt(SE_a^2 + SE_b^2) with each SE
/// from [`NpsCounts::estimate`]; `None` without scored answers or without variance.
pub fn nps_difference(a: &NpsCounts, b: &NpsCounts) -> Option<ZTest> {
    let (ea, eb) = (a.estimate()?, b.estimate()?);
    let se = (ea.se * ea.se + eb.se * eb.se).sqrt();
    if se <= 0.0 {
        return None;
    }
    let z = (eb.nps - ea.nps) / se;
    Some(ZTest {
        diff: eb.nps - ea.nps,
        z,
        p: two_sided_p(z),
    })
}

/// Benjamini-Hochberg adjusted p-values, in the order given: `min(1, min_{j >= i} p_(j) m / j)`
/// over the ascending order statistics, as R's `p.adjust(p, method = "BH")`.
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]).then(a.cmp(&b)));
    let mut out = vec![0.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        out[i] = running.min(1.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_tail_matches_tables() {
        assert!((two_sided_p(1.959_963_984_540_054) - 0.05).abs() < 1e-6);
        assert!((two_sided_p(0.0) - 1.0).abs() < 1e-6);
        assert!((two_sided_p(-2.575_829_3) - 0.01).abs() < 1e-6);
    }

    #[test]
    fn two_proportion_by_hand() {
        // 30/100 vs 45/100: pooled .375, SE = sqrt(.375*.625*.02) = .0684653, z = 2.19089.
        let t = two_proportion(30, 100, 45, 100).unwrap();
        assert!((t.z - 0.15 / (0.375f64 * 0.625 * 0.02).sqrt()).abs() < 1e-12);
        assert!((t.p - 0.028_459_7).abs() < 1e-5);
        assert!(two_proportion(0, 10, 0, 10).is_none());
    }
}
