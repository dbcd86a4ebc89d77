//! Zero-shot codebook themes: a codebook whose themes have only an id, a name or a description
//! works in every language with no examples.
//!
//! - Each theme's text ([`ThemeDef::text`](super::codebook::ThemeDef::text)) is embedded the way e5 was trained for retrieval,
//!   with the `query: ` prefix; answers, sentences and clauses are embedded with `passage: `, as
//!   the pipeline embeds them for search and the sentiment head. A unit raises a theme when the
//!   cosine clears a global threshold and is within a margin of the unit's best theme. The two
//!   numbers were fitted once on corpora/dev and are stored in `models/heads/zero-shot-themes.json`
//!   (compiled in), so they hold for any codebook; a codebook's own `calibration:` overrides them.
//! - [`self_train`]: the user's own export improves the themes. Units whose best theme is clear
//!   (well above the threshold, well ahead of the second) and units far below it ("no theme")
//!   become training points, next to the theme texts themselves and built-in "no theme" answers;
//!   the codebook's softmax classifier is trained on them and then re-assigns every unit.
//!   Deterministic for a seed.

use super::codebook::{train_theme_classifier_seeded, Calibration, Codebook, ThemeModel};
use super::ClassifyError;
use crate::encode::{Encoder, TextKind};
use serde::Deserialize;

/// The stored global thresholds.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct ZeroShotCalibration {
    /// For the cosine of `query: ` theme text and `passage: ` unit.
    pub cosine: Calibration,
    /// For the probabilities of the self-trained classifier.
    pub self_trained: Calibration,
}

const STORED: &str = include_str!("../../models/heads/zero-shot-themes.json");

/// The thresholds in `models/heads/zero-shot-themes.json`.
pub fn stored_calibration() -> ZeroShotCalibration {
    serde_json::from_str(STORED).expect("models/heads/zero-shot-themes.json parses")
}

/// How far above the threshold a unit's best cosine must be to become a self-training point
/// of that theme, and how far ahead of the second theme (chosen on corpora/dev).
const SURE_ABOVE: f32 = 0.0;
const SURE_AHEAD: f32 = 0.01;
/// How far below the threshold a unit's best cosine must be to become a "no theme" point.
const SURE_NONE_BELOW: f32 = 0.01;
/// At most this many self-training points per class (the most confident first), which keeps
/// training time flat on large exports.
const MAX_PER_CLASS: usize = 400;

/// Builds the zero-shot model of a codebook: one `query: ` prototype per theme.
pub fn build(cb: &Codebook, encoder: &dyn Encoder) -> Result<ThemeModel, ClassifyError> {
    let texts: Vec<String> = cb
        .themes
        .iter()
        .map(|t| crate::text::normalize::for_model(&t.text()))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let protos = encoder.embed(&refs, TextKind::Query)?;
    Ok(ThemeModel::from_prototypes(
        cb.ids(),
        protos.into_iter().map(|p| vec![p]).collect(),
        cb.calibration
            .unwrap_or_else(|| stored_calibration().cosine),
    ))
}

/// Self-training points: `(unit index, class)`, class `k` = no theme, most confident first
/// within a class and at most `MAX_PER_CLASS` per class.
pub fn confident_units(model: &ThemeModel, units: &[Vec<f32>]) -> Vec<(usize, usize)> {
    let k = model.ids().len();
    let cal = model.calibration;
    let mut per_class: Vec<Vec<(f32, usize)>> = vec![Vec::new(); k + 1];
    for (i, u) in units.iter().enumerate() {
        let sims = model.similarities(u);
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| sims[b].total_cmp(&sims[a]));
        let top = sims[order[0]];
        let second = order.get(1).map_or(f32::MIN, |&j| sims[j]);
        if top >= cal.threshold + SURE_ABOVE && top - second >= SURE_AHEAD {
            per_class[order[0]].push((top - second, i));
        } else if top < cal.threshold - SURE_NONE_BELOW {
            per_class[k].push((cal.threshold - top, i));
        }
    }
    let mut out = Vec::new();
    for (c, mut v) in per_class.into_iter().enumerate() {
        v.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        out.extend(v.into_iter().take(MAX_PER_CLASS).map(|(_, i)| (i, c)));
    }
    out
}

/// Self-trains a zero-shot model on the export's unit vectors (answers, sentences, clauses):
/// assign by similarity, train the softmax classifier on the confident part (plus the theme
/// prototypes and built-in "no theme" answers), and return the classifier as the new model.
/// The same units and seed give the same weights.
pub fn self_train(
    model: &ThemeModel,
    encoder: &dyn Encoder,
    units: &[Vec<f32>],
    seed: u64,
) -> Result<ThemeModel, ClassifyError> {
    let k = model.ids().len();
    let protos = model.prototypes().ok_or_else(|| ClassifyError::Format {
        path: "codebook".into(),
        why: "self-training starts from a zero-shot codebook (themes without examples)".into(),
    })?;
    let none = super::codebook::builtin_none_vectors(encoder)?;
    let mut rows: Vec<&[f32]> = Vec::new();
    let mut labels: Vec<usize> = Vec::new();
    for (t, ps) in protos.iter().enumerate() {
        rows.extend(ps.iter().map(Vec::as_slice));
        labels.extend(std::iter::repeat_n(t, ps.len()));
    }
    rows.extend(none.iter().map(Vec::as_slice));
    labels.extend(std::iter::repeat_n(k, none.len()));
    for (i, c) in confident_units(model, units) {
        rows.push(&units[i]);
        labels.push(c);
    }
    let mlp = train_theme_classifier_seeded(&rows, &labels, k + 1, 150, seed);
    Ok(ThemeModel::from_classifier(
        model.ids().to_vec(),
        mlp,
        stored_calibration().self_trained,
    ))
}

/// An experiment (stop 22, ignored; `cargo test --release --lib zero_shot_rules_on_dev --
/// --ignored --nocapture`, about 10 s): is the global threshold what keeps descriptions-only
/// themes under issue 10's 0.75, or the ranking itself? On corpora/dev with
/// themes-descriptions.yaml, each unit (answer, sentence, clause) raising its best theme:
/// - "Name: description" (what ships): best threshold 0.784 gives dev micro-F1 0.619, and a
///   threshold chosen on the other seven languages gives 0.619 on the eighth (ar 0.424 ...
///   en 0.743); **an oracle that knows how many themes each answer has and takes that many of
///   the best-ranked themes reaches only 0.677**, so no threshold rule over these similarities
///   reaches 0.75 on dev;
/// - one more prototype per facet of the description ("Delivery: delivery speed or
///   lateness", ..., a theme scoring its best prototype): oracle 0.608, and 0.544 at the best
///   threshold (the grid's lowest, 0.60: every unit raises its best theme); facets alone:
///   0.600 and 0.544. Not adopted.
///
/// (Centering each unit's similarities on their mean over the themes, or z-scoring them, was
/// tried in the same harness before it took this shape: leave-one-language-out 0.609 and
/// 0.555 against 0.619.)
#[cfg(test)]
mod rule_experiment {
    use super::*;
    use crate::classify::datasets::{read_jsonl, Labeled, Split};
    use crate::encode::{BertEncoder, EmbedUnits, EncoderOptions};
    use std::collections::BTreeSet;
    use std::path::Path;

    /// Per item: its language, gold theme indices, and each unit's similarities.
    type Item = (String, BTreeSet<usize>, Vec<Vec<f32>>);

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    /// Theme texts per variant: 0 = "Name: description"; 1 = that plus "Name: facet" for each
    /// comma/semicolon part of the description (after its first colon); 2 = facets only.
    fn theme_texts(cb: &Codebook, variant: usize) -> Vec<Vec<String>> {
        cb.themes
            .iter()
            .map(|t| {
                let whole = t.text();
                let d = whole.split_once(": ").map_or("", |x| x.1).to_string();
                let list = d.splitn(2, ':').last().unwrap_or("").to_string();
                let facets: Vec<String> = list
                    .split([',', ';'])
                    .map(|f| {
                        f.trim()
                            .trim_end_matches('.')
                            .trim_start_matches("and ")
                            .trim()
                    })
                    .filter(|f| !f.is_empty())
                    .map(|f| format!("{}: {f}", t.name))
                    .collect();
                match variant {
                    0 => vec![whole],
                    1 => [vec![whole], facets].concat(),
                    _ => facets,
                }
            })
            .collect()
    }

    fn items(
        root: &Path,
        enc: &BertEncoder,
        protos: &[Vec<Vec<f32>>],
        ids: &[String],
    ) -> Vec<Item> {
        let rows: Vec<Labeled> =
            read_jsonl(&root.join("corpora/dev/labeled.jsonl"), Split::Test).unwrap();
        rows.iter()
            .map(|l| {
                let u = EmbedUnits::whole(&l.text);
                let mut texts = vec![u.answer.as_str()];
                texts.extend(u.sentences.iter().map(|s| s.1.as_str()));
                texts.extend(u.clauses.iter().map(|s| s.1.as_str()));
                let v = enc.embed(&texts, TextKind::Passage).unwrap();
                let gold = l
                    .themes
                    .as_ref()
                    .unwrap()
                    .iter()
                    .map(|t| ids.iter().position(|i| i == t).unwrap())
                    .collect();
                let sims = v
                    .iter()
                    .map(|x| {
                        protos
                            .iter()
                            .map(|ps| ps.iter().map(|p| dot(p, x)).fold(f32::MIN, f32::max))
                            .collect()
                    })
                    .collect();
                (l.lang.clone(), gold, sims)
            })
            .collect()
    }

    fn predict(units: &[Vec<f32>], tau: f32) -> BTreeSet<usize> {
        units
            .iter()
            .filter_map(|t| {
                let (best, v) = t
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .unwrap();
                (*v >= tau).then_some(best)
            })
            .collect()
    }

    /// Top-k of the best unit similarity per theme, k = number of gold themes.
    fn oracle(units: &[Vec<f32>], k: usize) -> BTreeSet<usize> {
        let n = units[0].len();
        let mut best: Vec<(f32, usize)> = (0..n)
            .map(|t| (units.iter().map(|u| u[t]).fold(f32::MIN, f32::max), t))
            .collect();
        best.sort_by(|a, b| b.0.total_cmp(&a.0));
        best.into_iter().take(k).map(|x| x.1).collect()
    }

    fn f1_of(items: &[&Item], pred: impl Fn(&Item) -> BTreeSet<usize>) -> f64 {
        let (mut tp, mut fp, mut fnn) = (0usize, 0usize, 0usize);
        for it in items {
            let p = pred(it);
            tp += p.intersection(&it.1).count();
            fp += p.difference(&it.1).count();
            fnn += it.1.difference(&p).count();
        }
        2.0 * tp as f64 / (2 * tp + fp + fnn).max(1) as f64
    }

    fn best(items: &[&Item]) -> (f32, f64) {
        (0..=300)
            .map(|i| 0.60 + i as f32 * 0.001)
            .map(|t| (t, f1_of(items, |it| predict(&it.2, t))))
            .fold((0.0, -1.0), |a, b| if b.1 > a.1 { b } else { a })
    }

    #[test]
    #[ignore]
    fn zero_shot_rules_on_dev() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let enc =
            BertEncoder::load(&root.join("models/e5-small"), EncoderOptions::default()).unwrap();
        let cb = Codebook::load(&root.join("corpora/eval/themes-descriptions.yaml")).unwrap();
        let ids = cb.ids();
        let mut oracles = Vec::new();
        for variant in 0..3 {
            let texts = theme_texts(&cb, variant);
            let protos: Vec<Vec<Vec<f32>>> = texts
                .iter()
                .map(|ts| {
                    let refs: Vec<&str> = ts.iter().map(String::as_str).collect();
                    enc.embed(&refs, TextKind::Query).unwrap()
                })
                .collect();
            let all = items(root, &enc, &protos, &ids);
            let langs: BTreeSet<String> = all.iter().map(|i| i.0.clone()).collect();
            let refs: Vec<&Item> = all.iter().collect();
            let (tau, f1) = best(&refs);
            let orc = f1_of(&refs, |it| oracle(&it.2, it.1.len()));
            let mut cv = Vec::new();
            let (mut sum, mut n) = (0.0, 0usize);
            for l in &langs {
                let train: Vec<&Item> = all.iter().filter(|i| &i.0 != l).collect();
                let test: Vec<&Item> = all.iter().filter(|i| &i.0 == l).collect();
                let (t, _) = best(&train);
                let f = f1_of(&test, |it| predict(&it.2, t));
                sum += f * test.len() as f64;
                n += test.len();
                cv.push(format!("{l} {f:.3}"));
            }
            println!(
                "variant {variant}: oracle-k {orc:.3}; best tau {tau:.4} dev {f1:.3}; \
                 leave-one-language-out {:.3}: {}",
                sum / n as f64,
                cv.join(", ")
            );
            oracles.push(orc);
        }
        assert!(
            oracles.iter().all(|&o| o < 0.75),
            "a ranking now reaches 0.75 with the oracle count ({oracles:.3?}): reconsider"
        );
    }
}
