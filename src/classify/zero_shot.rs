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
