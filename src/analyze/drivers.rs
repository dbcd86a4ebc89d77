//! Key-driver analysis: Johnson's relative weights of theme indicators on the 0-10 score,
//! computed from the sufficient statistics in [`RunStats`] (never from the answers).
//!
//! Method (Johnson 2000, "A heuristic method for estimating the relative weight of predictor
//! variables in multiple regression"): with R the predictor correlation matrix and r the
//! predictor-score correlations, R = V diag(l) V' and L = V diag(sqrt l) V' (the symmetric
//! square root, the best orthonormal approximation of the predictors). The score's
//! standardized coefficients on those orthogonal variables are b* = L^+ r, and predictor j's
//! raw weight is e_j = sum_k L\[j,k\]^2 b*_k^2; the raw weights sum to the model R^2.
//! Eigenvalues below 1e-10 x the largest are treated as 0 (pseudo-inverse), so collinear
//! features share their weight instead of failing.
//!
//! Sign: each weight takes the sign of the feature's standardized multiple-regression
//! coefficient b = R^+ r (or of its correlation with the score when |b| < 1e-12): negative
//! means the theme pulls the score down. Signed percent = sign x e_j / R^2 x 100, so the
//! absolute values sum to 100.
//!
//! Features (chosen from the fine theme x sentiment indicators of [`RunStats`]): for each
//! theme, when both its negative mentions and its other (neutral or positive) mentions number
//! at least `min_support`, two features `theme:negative` and `theme:positive` ("mentioned
//! without complaint", neutral + positive); otherwise one feature `theme` (all mentions).
//! Features with fewer than `min_support` mentions, or constant over the scored answers, are
//! dropped with a note.

use super::eigen::symmetric_eigen;
use super::stats::{DriverInputs, RunStats};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// Driver analysis settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriverOptions {
    /// Minimum mentions of a feature (and of each side of a sentiment split).
    pub min_support: u64,
    /// Whether to split themes by sentiment where both sides have support.
    pub split_sentiment: bool,
}

impl Default for DriverOptions {
    fn default() -> Self {
        DriverOptions {
            min_support: 5,
            split_sentiment: true,
        }
    }
}

/// Moments of a linear model: sums and cross products of predictors and response.
#[derive(Debug, Clone, PartialEq)]
pub struct Moments {
    /// Rows.
    pub n: f64,
    /// Column sums of X.
    pub sum_x: Array1<f64>,
    /// Sum of y.
    pub sum_y: f64,
    /// X'X.
    pub xtx: Array2<f64>,
    /// X'y.
    pub xty: Array1<f64>,
    /// y'y.
    pub yty: f64,
}

impl Moments {
    /// Moments of a data matrix (rows = observations) and response.
    pub fn from_data(x: &Array2<f64>, y: &Array1<f64>) -> Moments {
        Moments {
            n: x.nrows() as f64,
            sum_x: x.sum_axis(ndarray::Axis(0)),
            sum_y: y.sum(),
            xtx: x.t().dot(x),
            xty: x.t().dot(y),
            yty: y.dot(y),
        }
    }

    /// Predictor correlation matrix, predictor-response correlations, predictor standard
    /// deviations and the response standard deviation (n - 1 denominators). Columns with zero
    /// variance get zero correlations (callers drop them first).
    pub fn correlations(&self) -> (Array2<f64>, Array1<f64>, Array1<f64>, f64) {
        let p = self.sum_x.len();
        let n = self.n;
        // n * centered cross products, formed from integers-as-f64 to stay exact as long as
        // the values stay below 2^53.
        let cxx = Array2::from_shape_fn((p, p), |(i, j)| {
            n * self.xtx[[i, j]] - self.sum_x[i] * self.sum_x[j]
        });
        let cxy = Array1::from_shape_fn(p, |i| n * self.xty[i] - self.sum_x[i] * self.sum_y);
        let cyy = n * self.yty - self.sum_y * self.sum_y;
        let sd = Array1::from_shape_fn(p, |i| cxx[[i, i]].max(0.0).sqrt());
        let sdy = cyy.max(0.0).sqrt();
        let r = Array2::from_shape_fn((p, p), |(i, j)| {
            let d = sd[i] * sd[j];
            if d > 0.0 {
                cxx[[i, j]] / d
            } else {
                0.0
            }
        });
        let rxy = Array1::from_shape_fn(p, |i| {
            let d = sd[i] * sdy;
            if d > 0.0 {
                cxy[i] / d
            } else {
                0.0
            }
        });
        let scale = (n * (n - 1.0)).max(1.0).sqrt();
        (r, rxy, sd / scale, sdy / scale)
    }
}

/// Johnson's relative weights of standardized predictors.
#[derive(Debug, Clone, PartialEq)]
pub struct RelativeWeights {
    /// Raw weights e_j (sum to `r_squared`).
    pub raw: Array1<f64>,
    /// Standardized multiple-regression coefficients b = R^+ r.
    pub beta: Array1<f64>,
    /// Model R^2 = r' R^+ r.
    pub r_squared: f64,
    /// sign(b_j) x e_j / R^2 x 100 (0 when R^2 is 0).
    pub signed_percent: Array1<f64>,
}

/// Relative weights from the predictor correlation matrix `r` and correlations `rxy` with the
/// response. Returns `None` when the shapes disagree.
pub fn relative_weights(r: &Array2<f64>, rxy: &Array1<f64>) -> Option<RelativeWeights> {
    let p = rxy.len();
    if r.nrows() != p || r.ncols() != p {
        return None;
    }
    let e = symmetric_eigen(r)?;
    let top = e.values.iter().cloned().fold(0.0f64, f64::max);
    let tol = 1e-10 * top.max(f64::MIN_POSITIVE);
    let v = &e.vectors;
    let root = e.values.mapv(|l| if l > tol { l.sqrt() } else { 0.0 });
    let inv_root = e
        .values
        .mapv(|l| if l > tol { 1.0 / l.sqrt() } else { 0.0 });
    let inv = e.values.mapv(|l| if l > tol { 1.0 / l } else { 0.0 });
    let lambda = v.dot(&Array2::from_diag(&root)).dot(&v.t());
    let lambda_pinv = v.dot(&Array2::from_diag(&inv_root)).dot(&v.t());
    let r_pinv = v.dot(&Array2::from_diag(&inv)).dot(&v.t());
    let beta_star = lambda_pinv.dot(rxy);
    let beta = r_pinv.dot(rxy);
    let raw = Array1::from_shape_fn(p, |j| {
        (0..p)
            .map(|k| lambda[[j, k]].powi(2) * beta_star[k].powi(2))
            .sum::<f64>()
    });
    let r_squared = rxy.dot(&beta);
    let signed_percent = Array1::from_shape_fn(p, |j| {
        let s = if beta[j].abs() > 1e-12 {
            beta[j].signum()
        } else {
            rxy[j].signum()
        };
        if r_squared > 0.0 {
            s * raw[j] / r_squared * 100.0
        } else {
            0.0
        }
    });
    Some(RelativeWeights {
        raw,
        beta,
        r_squared,
        signed_percent,
    })
}

/// One driver feature's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Driver {
    /// Feature name: `theme`, `theme:negative` or `theme:positive`.
    pub feature: String,
    /// Theme id.
    pub theme: String,
    /// `negative`, `positive` (neutral + positive) or `all`.
    pub sentiment: String,
    /// Scored answers with the feature.
    pub mentions: u64,
    /// Share of scored answers with the feature.
    pub share: f64,
    /// Mean score of the answers with the feature.
    pub mean_score: f64,
    /// Correlation with the score.
    pub correlation: f64,
    /// Regression coefficient in score points (the score difference the feature makes, other
    /// features held fixed).
    pub coefficient: f64,
    /// Raw relative weight (share of variance explained).
    pub raw_weight: f64,
    /// Signed relative weight in percent; absolute values sum to 100.
    pub signed_percent: f64,
}

/// The result of the driver analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriverAnalysis {
    /// Scored answers used.
    pub n: u64,
    /// R^2 of the linear model over the kept features.
    pub r_squared: f64,
    /// Kept features, by absolute weight (largest first).
    pub drivers: Vec<Driver>,
    /// Why features were dropped, or why no model was fitted.
    pub notes: Vec<String>,
}

/// A feature as a set of fine indicator columns of [`RunStats::drivers`].
struct FeatureDef {
    name: String,
    theme: String,
    sentiment: &'static str,
    cols: Vec<usize>,
}

fn choose_features(
    stats: &RunStats,
    opts: &DriverOptions,
    notes: &mut Vec<String>,
) -> Vec<FeatureDef> {
    let d = &stats.drivers;
    let count = |cols: &[usize]| cols.iter().map(|&c| d.xtx_at(c, c)).sum::<u64>();
    let mut out = Vec::new();
    for (t, id) in stats.theme_ids.iter().enumerate() {
        let (neg, rest) = (vec![3 * t], vec![3 * t + 1, 3 * t + 2]);
        if opts.split_sentiment
            && count(&neg) >= opts.min_support
            && count(&rest) >= opts.min_support
        {
            out.push(FeatureDef {
                name: format!("{id}:negative"),
                theme: id.clone(),
                sentiment: "negative",
                cols: neg,
            });
            out.push(FeatureDef {
                name: format!("{id}:positive"),
                theme: id.clone(),
                sentiment: "positive",
                cols: rest,
            });
        } else {
            let all = vec![3 * t, 3 * t + 1, 3 * t + 2];
            let c = count(&all);
            if c < opts.min_support {
                notes.push(format!(
                    "{id}: dropped, {c} scored mentions (fewer than {})",
                    opts.min_support
                ));
                continue;
            }
            out.push(FeatureDef {
                name: id.clone(),
                theme: id.clone(),
                sentiment: "all",
                cols: all,
            });
        }
    }
    out
}

/// Runs the driver analysis on a run's statistics.
pub fn analyze_drivers(stats: &RunStats, opts: &DriverOptions) -> DriverAnalysis {
    let d = &stats.drivers;
    let mut notes = Vec::new();
    let fitted = model_features(stats, opts, &mut notes).and_then(|feats| {
        let m = feature_moments(d, &feats);
        let (r, rxy, sd, sdy) = m.correlations();
        let w = relative_weights(&r, &rxy)?;
        Some((drivers_of(&feats, &m, &w, &rxy, &sd, sdy), w.r_squared))
    });
    let (mut drivers, r_squared) = fitted.unwrap_or_default();
    drivers.sort_by(|a, b| {
        b.signed_percent
            .abs()
            .total_cmp(&a.signed_percent.abs())
            .then_with(|| a.feature.cmp(&b.feature))
    });
    DriverAnalysis {
        n: d.n,
        r_squared,
        drivers,
        notes,
    }
}

/// The features a driver model can be fitted on, or `None` when no model can be (too few
/// scored answers, one score for all, no feature left); `notes` says what was dropped and why.
fn model_features(
    stats: &RunStats,
    opts: &DriverOptions,
    notes: &mut Vec<String>,
) -> Option<Vec<FeatureDef>> {
    let d = &stats.drivers;
    let mut feats = choose_features(stats, opts, notes);
    let n = d.n as f64;
    if d.n < 3 {
        notes.push(format!(
            "only {} scored answers: no driver model (need at least 3)",
            d.n
        ));
        return None;
    }
    let sum_of = |a: &[usize]| a.iter().map(|&i| d.xtx_at(i, i)).sum::<u64>() as f64;
    // Constant features: present in no or every scored answer.
    feats.retain(|f| {
        let s = sum_of(&f.cols);
        let keep = s > 0.0 && s < n;
        if !keep {
            notes.push(format!(
                "{}: dropped, constant over the scored answers",
                f.name
            ));
        }
        keep
    });
    let sum_y = d.sum_y as f64;
    if n * d.yty as f64 - sum_y * sum_y <= 0.0 {
        notes.push("every scored answer has the same score: nothing to explain".into());
        return None;
    }
    if feats.is_empty() {
        notes.push("no theme has enough scored mentions for a driver model".into());
        return None;
    }
    if (d.n as usize) < feats.len() + 2 {
        notes.push(format!(
            "{} scored answers for {} features: weights are unstable",
            d.n,
            feats.len()
        ));
    }
    Some(feats)
}

/// The moments of the features: fine columns aggregated into features (sums of exclusive
/// indicators stay 0/1).
fn feature_moments(d: &DriverInputs, feats: &[FeatureDef]) -> Moments {
    let agg = |a: &[usize], b: &[usize]| {
        a.iter()
            .flat_map(|&i| b.iter().map(move |&j| (i, j)))
            .map(|(i, j)| d.xtx_at(i, j))
            .sum::<u64>() as f64
    };
    let sum_of = |a: &[usize]| a.iter().map(|&i| d.xtx_at(i, i)).sum::<u64>() as f64;
    let p = feats.len();
    Moments {
        n: d.n as f64,
        sum_x: Array1::from_shape_fn(p, |i| sum_of(&feats[i].cols)),
        sum_y: d.sum_y as f64,
        xtx: Array2::from_shape_fn((p, p), |(i, j)| agg(&feats[i].cols, &feats[j].cols)),
        xty: Array1::from_shape_fn(p, |i| {
            feats[i].cols.iter().map(|&c| d.xty[c]).sum::<u64>() as f64
        }),
        yty: d.yty as f64,
    }
}

/// One [`Driver`] per feature, from the moments and the relative weights.
fn drivers_of(
    feats: &[FeatureDef],
    m: &Moments,
    w: &RelativeWeights,
    rxy: &Array1<f64>,
    sd: &Array1<f64>,
    sdy: f64,
) -> Vec<Driver> {
    let n = m.n;
    feats
        .iter()
        .enumerate()
        .map(|(i, f)| Driver {
            feature: f.name.clone(),
            theme: f.theme.clone(),
            sentiment: f.sentiment.to_string(),
            mentions: m.sum_x[i] as u64,
            share: m.sum_x[i] / n,
            mean_score: m.xty[i] / m.sum_x[i],
            correlation: rxy[i],
            coefficient: if sd[i] > 0.0 {
                w.beta[i] * sdy / sd[i]
            } else {
                0.0
            },
            raw_weight: w.raw[i],
            signed_percent: w.signed_percent[i],
        })
        .collect()
}
