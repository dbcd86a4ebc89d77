//! Scores for `verbatim eval`: accuracy and macro-F1 of single-label sentiment, micro- and
//! macro-F1 of multi-label themes.

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Single-label classification scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LabelScores {
    /// Examples scored.
    pub n: usize,
    /// Share predicted exactly right.
    pub accuracy: f64,
    /// Unweighted mean of per-class F1 over the classes present in gold or predictions.
    pub macro_f1: f64,
}

/// Multi-label classification scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MultiLabelScores {
    /// Examples scored.
    pub n: usize,
    /// F1 over all (example, label) decisions pooled.
    pub micro_f1: f64,
    /// Pooled precision.
    pub micro_precision: f64,
    /// Pooled recall.
    pub micro_recall: f64,
    /// Unweighted mean of per-label F1 over labels present in gold or predictions.
    pub macro_f1: f64,
}

fn f1(tp: usize, fp: usize, fn_: usize) -> f64 {
    if tp == 0 {
        return 0.0;
    }
    2.0 * tp as f64 / (2 * tp + fp + fn_) as f64
}

/// Accuracy and macro-F1 of `(gold, predicted)` pairs.
pub fn label_scores<L: Ord + Copy>(pairs: &[(L, L)]) -> LabelScores {
    let classes: BTreeSet<L> = pairs.iter().flat_map(|&(g, p)| [g, p]).collect();
    let correct = pairs.iter().filter(|(g, p)| g == p).count();
    let macro_f1 = if classes.is_empty() {
        0.0
    } else {
        classes
            .iter()
            .map(|&c| {
                let tp = pairs.iter().filter(|&&(g, p)| g == c && p == c).count();
                let fp = pairs.iter().filter(|&&(g, p)| g != c && p == c).count();
                let fn_ = pairs.iter().filter(|&&(g, p)| g == c && p != c).count();
                f1(tp, fp, fn_)
            })
            .sum::<f64>()
            / classes.len() as f64
    };
    LabelScores {
        n: pairs.len(),
        accuracy: if pairs.is_empty() {
            0.0
        } else {
            correct as f64 / pairs.len() as f64
        },
        macro_f1,
    }
}

/// Micro/macro F1 of `(gold set, predicted set)` pairs.
pub fn multilabel_scores(pairs: &[(BTreeSet<String>, BTreeSet<String>)]) -> MultiLabelScores {
    let mut per: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for (g, p) in pairs {
        for l in g.union(p) {
            let e = per.entry(l.as_str()).or_default();
            match (g.contains(l), p.contains(l)) {
                (true, true) => e.0 += 1,
                (false, true) => e.1 += 1,
                (true, false) => e.2 += 1,
                _ => {}
            }
        }
    }
    let (tp, fp, fn_) = per
        .values()
        .fold((0, 0, 0), |a, v| (a.0 + v.0, a.1 + v.1, a.2 + v.2));
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    MultiLabelScores {
        n: pairs.len(),
        micro_f1: f1(tp, fp, fn_),
        micro_precision: ratio(tp, tp + fp),
        micro_recall: ratio(tp, tp + fn_),
        macro_f1: if per.is_empty() {
            0.0
        } else {
            per.values().map(|&(a, b, c)| f1(a, b, c)).sum::<f64>() / per.len() as f64
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_scores_match_a_hand_count() {
        // gold/pred: a/a a/b b/b b/b c/a -> acc 3/5; F1 a = 2*1/(2+1+1)=0.5, b = 2*2/(4+1+0)=0.8,
        // c = 0 -> macro 1.3/3.
        let s = label_scores(&[('a', 'a'), ('a', 'b'), ('b', 'b'), ('b', 'b'), ('c', 'a')]);
        assert!((s.accuracy - 0.6).abs() < 1e-12);
        assert!((s.macro_f1 - 1.3 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn multilabel_scores_match_a_hand_count() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        // tp: x (1), y (1); fp: z (1); fn: y (1) -> micro F1 = 4/(4+1+1) = 2/3.
        let s = multilabel_scores(&[
            (set(&["x", "y"]), set(&["x", "y", "z"])),
            (set(&["y"]), set(&[])),
        ]);
        assert!((s.micro_f1 - 2.0 / 3.0).abs() < 1e-12);
        // per label: x 1.0, y 2/3, z 0 -> macro 5/9.
        assert!((s.macro_f1 - 5.0 / 9.0).abs() < 1e-12);
    }
}
