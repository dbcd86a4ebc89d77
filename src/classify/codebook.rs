//! Codebook themes: a user's `themes.yaml` (id, name, description, example phrases in any
//! language) turned into prototype vectors, and a multi-label assignment by embedding similarity
//! with calibrated thresholds.
//!
//! A theme's similarity to a text is the best cosine similarity to any of its prototypes: the
//! description (embedded as a query, as E5 expects for short instructions) and each example
//! (embedded as a passage, like the answers). A text raises a theme when that similarity clears
//! the threshold and is within `margin` of the text's best theme, so one strong theme does not
//! drag weak neighbours in. An answer raises the union of its sentences' themes plus those of the
//! whole answer.

use super::ClassifyError;
use crate::encode::{Encoder, TextKind};
use crate::record::{Sentiment, ThemeMention};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// One theme of a codebook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeDef {
    /// Stable id used in outputs and filters (`theme:delivery`).
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// One-sentence description that sets the theme apart from the others.
    #[serde(default)]
    pub description: String,
    /// Example phrases, any language.
    #[serde(default)]
    pub examples: Vec<String>,
}

/// Thresholds of the assignment, measured on a labeled dev set.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// Minimum similarity to raise a theme.
    pub threshold: f32,
    /// Largest gap to the text's best theme.
    pub margin: f32,
}

impl Default for Calibration {
    /// Measured on corpora/dev with multilingual-e5-small (see README: Models).
    fn default() -> Self {
        Calibration {
            threshold: 0.84,
            margin: 0.03,
        }
    }
}

/// A codebook file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Codebook {
    /// The themes.
    pub themes: Vec<ThemeDef>,
    /// Thresholds; defaults apply when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
}

impl Codebook {
    /// Reads and checks a YAML codebook.
    pub fn load(path: &Path) -> Result<Codebook, ClassifyError> {
        let raw = std::fs::read_to_string(path).map_err(|e| ClassifyError::io(path, e))?;
        let cb: Codebook = serde_yaml::from_str(&raw).map_err(|e| ClassifyError::Format {
            path: path.to_path_buf(),
            why: format!("{e}; a codebook is `themes:` with a list of `id`, `name`, `description`, `examples`"),
        })?;
        let mut seen = std::collections::BTreeSet::new();
        for t in &cb.themes {
            if t.id.trim().is_empty() || t.id.contains(char::is_whitespace) {
                return Err(ClassifyError::Format {
                    path: path.to_path_buf(),
                    why: format!(
                        "theme id {:?} must be one word (letters, digits, _ or -)",
                        t.id
                    ),
                });
            }
            if !seen.insert(t.id.clone()) {
                return Err(ClassifyError::Format {
                    path: path.to_path_buf(),
                    why: format!("theme id {:?} appears twice", t.id),
                });
            }
            if t.description.trim().is_empty() && t.examples.is_empty() {
                return Err(ClassifyError::Format {
                    path: path.to_path_buf(),
                    why: format!("theme {:?} needs a description or examples", t.id),
                });
            }
        }
        if cb.themes.is_empty() {
            return Err(ClassifyError::Format {
                path: path.to_path_buf(),
                why: "the codebook has no themes".into(),
            });
        }
        Ok(cb)
    }

    /// Writes the codebook as YAML.
    pub fn save(&self, path: &Path) -> Result<(), ClassifyError> {
        let yaml = serde_yaml::to_string(self).expect("codebook serializes");
        let text = format!(
            "# verbatim codebook: edit names, descriptions and examples; keep ids stable.\n{yaml}"
        );
        std::fs::write(path, text).map_err(|e| ClassifyError::io(path, e))
    }

    /// Theme ids in codebook order.
    pub fn ids(&self) -> Vec<String> {
        self.themes.iter().map(|t| t.id.clone()).collect()
    }
}

/// A codebook with its prototype vectors, ready to assign themes.
pub struct ThemeModel {
    ids: Vec<String>,
    /// Per theme, its prototype vectors.
    prototypes: Vec<Vec<Vec<f32>>>,
    /// Thresholds in use.
    pub calibration: Calibration,
}

/// Themes raised by one text: `(theme index, similarity)`, best first.
pub type Raised = Vec<(usize, f32)>;

impl ThemeModel {
    /// Embeds the codebook's descriptions and examples.
    pub fn build(cb: &Codebook, encoder: &dyn Encoder) -> Result<ThemeModel, ClassifyError> {
        let descs: Vec<&str> = cb.themes.iter().map(|t| t.description.as_str()).collect();
        let dv = encoder.embed(&descs, TextKind::Query)?;
        let mut prototypes = Vec::with_capacity(cb.themes.len());
        for (t, d) in cb.themes.iter().zip(dv) {
            let ex: Vec<&str> = t.examples.iter().map(String::as_str).collect();
            let mut protos = encoder.embed(&ex, TextKind::Passage)?;
            if !t.description.trim().is_empty() {
                protos.push(d);
            }
            prototypes.push(protos);
        }
        Ok(ThemeModel {
            ids: cb.ids(),
            prototypes,
            calibration: cb.calibration.unwrap_or_default(),
        })
    }

    /// A model from ready prototype vectors (used by theme discovery: one centroid per theme).
    pub fn from_prototypes(
        ids: Vec<String>,
        prototypes: Vec<Vec<Vec<f32>>>,
        calibration: Calibration,
    ) -> ThemeModel {
        ThemeModel {
            ids,
            prototypes,
            calibration,
        }
    }

    /// Theme ids, in codebook order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Similarity of `v` to every theme.
    pub fn similarities(&self, v: &[f32]) -> Vec<f32> {
        self.prototypes
            .iter()
            .map(|ps| {
                ps.iter()
                    .map(|p| p.iter().zip(v).map(|(a, b)| a * b).sum::<f32>())
                    .fold(f32::MIN, f32::max)
            })
            .collect()
    }

    /// Themes a text with these similarities raises under `cal`.
    pub fn raise(sims: &[f32], cal: Calibration) -> Raised {
        let best = sims.iter().copied().fold(f32::MIN, f32::max);
        let mut out: Raised = sims
            .iter()
            .enumerate()
            .filter(|(_, &s)| s >= cal.threshold && s >= best - cal.margin)
            .map(|(i, &s)| (i, s))
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1));
        out
    }

    /// Maps a similarity to a `[0, 1]` confidence (0.5 at the threshold).
    pub fn confidence(&self, sim: f32) -> f32 {
        1.0 / (1.0 + (-(sim - self.calibration.threshold) / 0.02).exp())
    }

    /// Themes of an answer from its own vector and its sentences' vectors and sentiments.
    /// Returns the answer's mentions and, per sentence, the theme ids it raises.
    pub fn assign(
        &self,
        answer: &[f32],
        sentences: &[Vec<f32>],
        sentence_sentiment: &[Sentiment],
        answer_sentiment: Sentiment,
    ) -> (Vec<ThemeMention>, Vec<Vec<String>>) {
        let cal = self.calibration;
        let mut best: BTreeMap<usize, (f32, Option<usize>)> = BTreeMap::new();
        let mut per_sentence = Vec::with_capacity(sentences.len());
        for (si, sv) in sentences.iter().enumerate() {
            let raised = Self::raise(&self.similarities(sv), cal);
            per_sentence.push(raised.iter().map(|&(t, _)| self.ids[t].clone()).collect());
            for (t, s) in raised {
                let e = best.entry(t).or_insert((f32::MIN, None));
                if s > e.0 {
                    *e = (s, Some(si));
                }
            }
        }
        for (t, s) in Self::raise(&self.similarities(answer), cal) {
            best.entry(t).or_insert((s, None));
        }
        let mut mentions: Vec<ThemeMention> = best
            .into_iter()
            .map(|(t, (sim, si))| {
                // A theme found only on the whole answer takes the answer's sentiment and
                // points at the sentence most similar to it.
                let si = si.unwrap_or_else(|| {
                    (0..sentences.len())
                        .max_by(|&a, &b| {
                            self.similarities(&sentences[a])[t]
                                .total_cmp(&self.similarities(&sentences[b])[t])
                        })
                        .unwrap_or(0)
                });
                let sentiment = sentence_sentiment
                    .get(si)
                    .copied()
                    .unwrap_or(answer_sentiment)
                    .label;
                ThemeMention {
                    theme: self.ids[t].clone(),
                    score: self.confidence(sim),
                    sentence: si,
                    sentiment,
                }
            })
            .collect();
        mentions.sort_by(|a, b| b.score.total_cmp(&a.score));
        (mentions, per_sentence)
    }
}

/// One labeled text for calibration: the similarities of its answer and sentence vectors to
/// every theme, and its gold theme indices.
pub struct CalibrationItem {
    /// Similarities of the whole answer.
    pub answer: Vec<f32>,
    /// Similarities of each sentence.
    pub sentences: Vec<Vec<f32>>,
    /// Gold theme indices.
    pub gold: Vec<usize>,
}

/// Predicted theme indices of a calibration item under `cal` (the rule of [`ThemeModel::assign`]).
pub fn predict_item(item: &CalibrationItem, cal: Calibration) -> std::collections::BTreeSet<usize> {
    let mut out: std::collections::BTreeSet<usize> = ThemeModel::raise(&item.answer, cal)
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    for s in &item.sentences {
        out.extend(ThemeModel::raise(s, cal).into_iter().map(|(t, _)| t));
    }
    out
}

/// Picks the threshold and margin with the best micro-F1 on labeled items (grid search).
pub fn calibrate(items: &[CalibrationItem]) -> (Calibration, f64) {
    let mut best = (Calibration::default(), -1.0);
    for ti in 0..=60 {
        let threshold = 0.75 + ti as f32 * 0.0025;
        for mi in 0..=12 {
            let margin = mi as f32 * 0.005;
            let cal = Calibration { threshold, margin };
            let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
            for it in items {
                let p = predict_item(it, cal);
                let g: std::collections::BTreeSet<usize> = it.gold.iter().copied().collect();
                tp += p.intersection(&g).count();
                fp += p.difference(&g).count();
                fn_ += g.difference(&p).count();
            }
            let f1 = if tp == 0 {
                0.0
            } else {
                2.0 * tp as f64 / (2 * tp + fp + fn_) as f64
            };
            if f1 > best.1 {
                best = (cal, f1);
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raise_keeps_themes_above_threshold_and_near_the_best() {
        let cal = Calibration {
            threshold: 0.8,
            margin: 0.03,
        };
        let r = ThemeModel::raise(&[0.85, 0.83, 0.81, 0.5], cal);
        assert_eq!(r.iter().map(|x| x.0).collect::<Vec<_>>(), vec![0, 1]);
        assert!(ThemeModel::raise(&[0.79, 0.7], cal).is_empty());
    }

    #[test]
    fn calibration_finds_a_separating_threshold() {
        let items: Vec<CalibrationItem> = (0..20)
            .map(|i| {
                let hit = i % 2 == 0;
                CalibrationItem {
                    answer: vec![if hit { 0.86 } else { 0.79 }, 0.7],
                    sentences: vec![],
                    gold: if hit { vec![0] } else { vec![] },
                }
            })
            .collect();
        let (cal, f1) = calibrate(&items);
        assert_eq!(f1, 1.0);
        assert!(cal.threshold > 0.79 && cal.threshold <= 0.86);
    }
}
