//! Codebook themes: a user's `themes.yaml` (id, name, description, example phrases in any
//! language) turned into a multi-label theme classifier over sentence embeddings, with calibrated
//! thresholds.
//!
//! The codebook's examples and descriptions are the training points of a softmax classifier
//! (multinomial logistic regression on the encoder's embeddings) with one class per theme plus
//! a "no theme" class trained on `none_examples` (or built-in generic answers). Because the
//! encoder is multilingual, examples in any language teach every language: a Persian answer
//! matches a theme described in English. A text raises a theme when the theme's probability
//! clears the threshold and is within `margin` of the text's best theme. An answer raises the
//! union of its sentences' themes plus those of the whole answer, so "great staff but the
//! delivery was late" raises both staff and delivery.
//!
//! Discovered themes (no codebook) use the other scorer: cosine similarity to cluster
//! centroids.

use super::mlp::{Mlp, TrainConfig};
use super::ClassifyError;
use crate::encode::{Encoder, TextKind};
use crate::error::IoResultExt;
use crate::record::{Sentiment, ThemeMention};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// One theme of a codebook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeDef {
    /// Stable id used in outputs and filters (`theme:delivery`); a theme with a `name` but no
    /// `id` gets the name slugged ([`slug`]).
    #[serde(default)]
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
    /// Team that answers this theme's complaints (`billing-team`), for `verbatim followup`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Id of the broader theme this one belongs to (one level): an answer raising this theme
    /// also raises the parent, so counts, impact and drivers roll up (`super::hierarchy`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

impl ThemeDef {
    /// The text that stands for the theme: `name: description` with parenthesised asides
    /// removed (boundary notes such as "(not X, which is Y)" name other themes and pull
    /// their answers in), else the name or the description alone, else the id in words
    /// (`wait_time` -> "wait time").
    pub fn text(&self) -> String {
        let description = strip_parentheses(&self.description);
        match (self.name.trim(), description.trim()) {
            ("", "") => self.id.replace(['_', '-'], " "),
            (name, "") => name.to_string(),
            ("", d) => d.to_string(),
            (name, d) => format!("{name}: {d}"),
        }
    }
}

/// `text` without its `(...)` parts (unbalanced parentheses are kept as they are).
fn strip_parentheses(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    if depth > 0 {
        return text.to_string();
    }
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" .", ".")
        .replace(" ,", ",")
}

/// A theme id made from a name: lowercase letters and digits (any script), runs of anything
/// else as one `_` ("App / Website" -> `app_website`).
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
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
    /// For the codebook classifier's probabilities; measured on corpora/dev with
    /// multilingual-e5-small (see README: Models).
    fn default() -> Self {
        Calibration {
            threshold: 0.35,
            margin: 1.0,
        }
    }
}

impl Calibration {
    /// For cosine similarity to discovered cluster centroids.
    pub fn for_similarity() -> Self {
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
    /// Answers that raise no theme ("all good", "nothing to add"), any language: the
    /// classifier's "no theme" class. Built-in generic answers are used when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub none_examples: Vec<String>,
    /// Thresholds; defaults apply when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<Calibration>,
}

/// Generic answers about no particular theme, the "no theme" class when a codebook gives none.
const BUILTIN_NONE: &[&str] = &[
    "all good",
    "nothing to add",
    "overall satisfied",
    "I would recommend you to my friends",
    "not bad",
    "terrible experience overall",
    "הכל בסדר",
    "אין לי מה להוסיף",
    "همه چیز خوب بود",
    "چیزی برای اضافه کردن ندارم",
    "كل شيء جيد",
    "لا شيء لأضيفه",
    "всё хорошо",
    "нечего добавить",
    "todo bien",
    "nada que añadir",
    "alles gut",
    "nichts hinzuzufügen",
    "tout va bien",
    "rien à ajouter",
];

/// The built-in "no theme" answers, embedded as passages.
pub fn builtin_none_vectors(encoder: &dyn Encoder) -> Result<Vec<Vec<f32>>, ClassifyError> {
    Ok(encoder.embed(BUILTIN_NONE, TextKind::Passage)?)
}

/// Scale of the embeddings fed to the classifier: unit vectors have components near
/// 1/sqrt(dim), which makes gradient steps tiny; scaling by about sqrt(dim) fixes that.
const INPUT_SCALE: f32 = 20.0;

impl Codebook {
    /// Reads and checks a codebook: YAML, or CSV when the file name ends in `.csv`
    /// ([`Codebook::from_csv`]).
    pub fn load(path: &Path) -> Result<Codebook, ClassifyError> {
        let raw = std::fs::read_to_string(path).at(path)?;
        let is_csv = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
        let cb = if is_csv {
            Codebook::from_csv(&raw).map_err(|why| ClassifyError::Format {
                path: path.to_path_buf(),
                why,
            })?
        } else {
            serde_yaml::from_str(&raw).map_err(|e| ClassifyError::Format {
                path: path.to_path_buf(),
                why: format!("{e}; a codebook is `themes:` with a list of `id` (or `name`), `description`, `examples`"),
            })?
        };
        cb.checked().map_err(|why| ClassifyError::Format {
            path: path.to_path_buf(),
            why,
        })
    }

    /// Parses a CSV codebook: a header row naming the columns `id`, `name`, `description` and
    /// `examples` (any order; `id` or `name` required, the others optional), then one theme
    /// per row; examples are separated by `|`. Errors name the row and column.
    pub fn from_csv(raw: &str) -> Result<Codebook, String> {
        let mut rd = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(raw.trim_start_matches('\u{feff}').as_bytes());
        let header: Vec<String> = rd
            .headers()
            .map_err(|e| format!("row 1 (header): {e}"))?
            .iter()
            .map(|h| h.to_lowercase())
            .collect();
        let col = |name: &str| header.iter().position(|h| h == name);
        let (id, name) = (col("id"), col("name"));
        if id.is_none() && name.is_none() {
            return Err(format!(
                "row 1 (header) is {header:?}; a CSV codebook needs a header row with the columns id,name,description,examples (id or name required)"
            ));
        }
        let (description, examples) = (col("description"), col("examples"));
        let (owner, parent) = (col("owner"), col("parent"));
        let mut themes = Vec::new();
        for (i, rec) in rd.records().enumerate() {
            let rec = rec.map_err(|e| format!("row {}: {e}", i + 2))?;
            let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("").to_string();
            if rec.iter().all(|f| f.is_empty()) {
                continue;
            }
            themes.push(ThemeDef {
                id: get(id),
                name: get(name),
                description: get(description),
                examples: get(examples)
                    .split('|')
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(String::from)
                    .collect(),
                owner: Some(get(owner)).filter(|o| !o.is_empty()),
                parent: Some(get(parent)).filter(|p| !p.is_empty()),
            });
        }
        Ok(Codebook {
            themes,
            none_examples: Vec::new(),
            calibration: None,
        })
    }

    /// Fills missing ids from names and checks ids: present, one word, unique.
    fn checked(mut self) -> Result<Codebook, String> {
        let mut seen = std::collections::BTreeSet::new();
        for (i, t) in self.themes.iter_mut().enumerate() {
            if t.id.trim().is_empty() {
                t.id = slug(&t.name);
            }
            if t.id.is_empty() {
                return Err(format!(
                    "theme {} has neither an id nor a name; give it `id: some_id`",
                    i + 1
                ));
            }
            if t.id.contains(char::is_whitespace) {
                return Err(format!(
                    "theme id {:?} must be one word (letters, digits, _ or -)",
                    t.id
                ));
            }
            if !seen.insert(t.id.clone()) {
                return Err(format!("theme id {:?} appears twice", t.id));
            }
        }
        if self.themes.is_empty() {
            return Err("the codebook has no themes".into());
        }
        check_parents(&self.themes)?;
        Ok(self)
    }

    /// Whether no theme has examples: the themes are known by their text alone and are scored
    /// zero-shot ([`super::zero_shot`]).
    pub fn is_zero_shot(&self) -> bool {
        self.themes.iter().all(|t| t.examples.is_empty())
    }

    /// Writes the codebook as YAML.
    pub fn save(&self, path: &Path) -> Result<(), ClassifyError> {
        let yaml = serde_yaml::to_string(self).expect("codebook serializes");
        let text = format!(
            "# verbatim codebook: edit names, descriptions and examples; keep ids stable.\n{yaml}"
        );
        Ok(std::fs::write(path, text).at(path)?)
    }

    /// Writes `cal` into the codebook file as its top-level `calibration:` block, keeping
    /// the rest of the file (comments, order, quoting) as the user wrote it.
    pub fn save_calibration(path: &Path, cal: Calibration) -> Result<(), ClassifyError> {
        let text = std::fs::read_to_string(path).at(path)?;
        let mut kept: Vec<&str> = Vec::new();
        let mut in_block = false;
        for line in text.lines() {
            if line.starts_with("calibration:") {
                in_block = true;
                continue;
            }
            if in_block && (line.starts_with(' ') || line.trim().is_empty()) {
                continue;
            }
            in_block = false;
            kept.push(line);
        }
        while kept.last().is_some_and(|l| l.trim().is_empty()) {
            kept.pop();
        }
        let mut out = kept.join("\n");
        out.push_str(&format!(
            "\n# Fitted by `verbatim eval --calibrate-on DEV --save-calibration`.\ncalibration:\n  threshold: {}\n  margin: {}\n",
            cal.threshold, cal.margin
        ));
        let out = out.replace(
            "\n# Fitted by `verbatim eval --calibrate-on DEV --save-calibration`.\n# Fitted by",
            "\n# Fitted by",
        );
        Ok(std::fs::write(path, out).at(path)?)
    }

    /// Parent id by child theme id.
    pub fn parents(&self) -> BTreeMap<String, String> {
        self.themes
            .iter()
            .filter_map(|t| Some((t.id.clone(), t.parent.clone()?)))
            .collect()
    }

    /// Theme ids in codebook order.
    pub fn ids(&self) -> Vec<String> {
        self.themes.iter().map(|t| t.id.clone()).collect()
    }
}

/// Trains the theme classifier: multinomial logistic regression on embeddings, every class
/// weighing the same in total whatever its number of examples, seed fixed. The step size
/// decays to zero, so the weights hardly depend on the seed (dev theme micro-F1 over seeds
/// 1-8: 0.754-0.761; with a constant step it was 0.66-0.77).
pub fn train_theme_classifier(
    vectors: &[&[f32]],
    labels: &[usize],
    classes: usize,
    epochs: usize,
) -> Mlp {
    train_theme_classifier_seeded(vectors, labels, classes, epochs, super::THEME_SEED)
}

/// [`train_theme_classifier`] with a chosen seed (initialization and shuffling).
pub fn train_theme_classifier_seeded(
    vectors: &[&[f32]],
    labels: &[usize],
    classes: usize,
    epochs: usize,
    seed: u64,
) -> Mlp {
    let dim = vectors.first().map_or(0, |v| v.len());
    let x =
        ndarray::Array2::from_shape_fn((vectors.len(), dim), |(i, j)| vectors[i][j] * INPUT_SCALE);
    let mut per_class = vec![0usize; classes];
    for &l in labels {
        per_class[l] += 1;
    }
    let weights: Vec<f32> = labels
        .iter()
        .map(|&l| labels.len() as f32 / (classes as f32 * per_class[l] as f32))
        .collect();
    let cfg = TrainConfig {
        hidden: 0,
        epochs,
        batch: 32,
        learning_rate: 0.01,
        l2: 1e-3,
        seed,
        lr_decay: true,
    };
    Mlp::train(x.view(), labels, &weights, classes, &cfg)
}

/// A codebook turned into a theme scorer (classifier or centroids), ready to assign themes.
/// Serialized whole (ids, scorer weights, calibration) as a run's theme model
/// (`crate::run::layout::THEME_MODEL`), so search can classify a query without retraining.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeModel {
    ids: Vec<String>,
    scorer: Scorer,
    /// Thresholds in use.
    pub calibration: Calibration,
}

/// How a text is scored against the themes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Scorer {
    /// Best cosine similarity to each theme's prototype vectors (discovered themes).
    Prototypes(Vec<Vec<Vec<f32>>>),
    /// Softmax classifier: classes are the themes, then "no theme".
    Classifier(Box<Mlp>),
}

/// A clause of one of an answer's sentences, scored for themes on its own.
#[derive(Debug, Clone)]
pub struct Clause {
    /// Index of its sentence.
    pub sentence: usize,
    /// Its embedding.
    pub vector: Vec<f32>,
    /// Its sentiment.
    pub sentiment: Sentiment,
}

impl Clause {
    /// Clauses from their `(sentence index, vector)` pairs and their sentiments, in the same
    /// order.
    pub fn zip(
        vectors: impl IntoIterator<Item = (usize, Vec<f32>)>,
        sentiments: impl IntoIterator<Item = Sentiment>,
    ) -> Vec<Clause> {
        vectors
            .into_iter()
            .zip(sentiments)
            .map(|((sentence, vector), sentiment)| Clause {
                sentence,
                vector,
                sentiment,
            })
            .collect()
    }
}

/// Themes raised by one text: `(theme index, score)`, best first.
pub type Raised = Vec<(usize, f32)>;

impl ThemeModel {
    /// Trains the codebook's classifier on its embedded examples and descriptions (a codebook
    /// with examples; [`ThemeModel::build`] picks this or zero-shot).
    /// Deterministic: the same codebook and seed give the same weights.
    pub(crate) fn build_supervised(
        cb: &Codebook,
        encoder: &dyn Encoder,
        seed: u64,
    ) -> Result<ThemeModel, ClassifyError> {
        let mut texts: Vec<String> = Vec::new();
        let mut labels: Vec<usize> = Vec::new();
        for (i, t) in cb.themes.iter().enumerate() {
            // The description (else the theme's text: name or id) is one more training point.
            texts.push(if t.description.trim().is_empty() {
                t.text()
            } else {
                t.description.clone()
            });
            labels.push(i);
            texts.extend(t.examples.iter().cloned());
            labels.extend(std::iter::repeat_n(i, t.examples.len()));
        }
        let none: Vec<&str> = if cb.none_examples.is_empty() {
            BUILTIN_NONE.to_vec()
        } else {
            cb.none_examples.iter().map(String::as_str).collect()
        };
        let k = cb.themes.len();
        texts.extend(none.iter().map(|n| n.to_string()));
        labels.extend(std::iter::repeat_n(k, none.len()));
        let normalized: Vec<String> = texts
            .iter()
            .map(|t| crate::text::normalize::for_model(t))
            .collect();
        let refs: Vec<&str> = normalized.iter().map(String::as_str).collect();
        let vectors = encoder.embed(&refs, TextKind::Passage)?;
        let rows: Vec<&[f32]> = vectors.iter().map(Vec::as_slice).collect();
        let mlp = train_theme_classifier_seeded(&rows, &labels, k + 1, 300, seed);
        Ok(ThemeModel::from_classifier(
            cb.ids(),
            mlp,
            cb.calibration.unwrap_or_default(),
        ))
    }

    /// A model that scores with a trained theme classifier (classes: the themes, then "no
    /// theme"), as [`train_theme_classifier`] makes.
    pub fn from_classifier(ids: Vec<String>, mlp: Mlp, calibration: Calibration) -> ThemeModel {
        ThemeModel {
            ids,
            scorer: Scorer::Classifier(Box::new(mlp)),
            calibration,
        }
    }

    /// A model that scores by cosine similarity to given prototype vectors per theme.
    pub fn from_prototypes(
        ids: Vec<String>,
        prototypes: Vec<Vec<Vec<f32>>>,
        calibration: Calibration,
    ) -> ThemeModel {
        ThemeModel {
            ids,
            scorer: Scorer::Prototypes(prototypes),
            calibration,
        }
    }

    /// The prototype vectors per theme, when the model scores by cosine similarity.
    pub fn prototypes(&self) -> Option<&[Vec<Vec<f32>>]> {
        match &self.scorer {
            Scorer::Prototypes(p) => Some(p),
            Scorer::Classifier(_) => None,
        }
    }

    /// Theme ids, in codebook order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Similarity of `v` to every theme.
    pub fn similarities(&self, v: &[f32]) -> Vec<f32> {
        match &self.scorer {
            Scorer::Prototypes(protos) => protos
                .iter()
                .map(|ps| {
                    ps.iter()
                        .map(|p| p.iter().zip(v).map(|(a, b)| a * b).sum::<f32>())
                        .fold(f32::MIN, f32::max)
                })
                .collect(),
            Scorer::Classifier(mlp) => {
                let x = ndarray::Array2::from_shape_fn((1, v.len()), |(_, j)| v[j] * INPUT_SCALE);
                let p = mlp.predict(x.view());
                p.row(0).iter().take(self.ids.len()).copied().collect()
            }
        }
    }

    /// Whether scores are classifier probabilities (else cosine similarities).
    pub fn is_classifier(&self) -> bool {
        matches!(self.scorer, Scorer::Classifier(_))
    }

    /// Themes a text raises from its scores: above the threshold and within the margin of
    /// the best.
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
        match self.scorer {
            Scorer::Classifier(_) => sim,
            Scorer::Prototypes(_) => {
                1.0 / (1.0 + (-(sim - self.calibration.threshold) / 0.02).exp())
            }
        }
    }

    /// Themes of an answer from its own vector, its sentences' vectors and sentiments, and
    /// the clauses of its sentences ([`Clause`]; a clause's themes belong to its sentence and
    /// carry the clause's sentiment, so "great staff but late delivery" in one sentence gives
    /// a positive staff mention and a negative delivery mention). Returns the answer's
    /// mentions and, per sentence, the theme ids it raises.
    pub fn assign(
        &self,
        answer: &[f32],
        sentences: &[Vec<f32>],
        sentence_sentiment: &[Sentiment],
        clauses: &[Clause],
        answer_sentiment: Sentiment,
    ) -> (Vec<ThemeMention>, Vec<Vec<String>>) {
        let units = Units {
            sentences,
            sentence_sentiment,
            clauses,
            skip: &[],
        };
        self.assign_skipping(answer, &units, answer_sentiment)
    }

    /// [`ThemeModel::assign`], except that sentences marked in `units.skip` (content-free
    /// ones: `...`, emoji, a bare link) raise no theme and take no mention.
    pub fn assign_skipping(
        &self,
        answer: &[f32],
        units: &Units<'_>,
        answer_sentiment: Sentiment,
    ) -> (Vec<ThemeMention>, Vec<Vec<String>>) {
        let (sentences, sentence_sentiment) = (units.sentences, units.sentence_sentiment);
        let cal = self.calibration;
        // Per theme: best score, its sentence, and the sentiment of the unit that raised it.
        let mut best: BTreeMap<usize, (f32, Option<usize>, Option<Sentiment>)> = BTreeMap::new();
        let mut per_sentence: Vec<Vec<String>> = vec![Vec::new(); sentences.len()];
        for (si, v, sentiment) in units.vectors() {
            for (t, s) in Self::raise(&self.similarities(v), cal) {
                if !per_sentence[si].contains(&self.ids[t]) {
                    per_sentence[si].push(self.ids[t].clone());
                }
                let e = best.entry(t).or_insert((f32::MIN, None, None));
                if s > e.0 {
                    *e = (s, Some(si), sentiment);
                }
            }
        }
        for (t, s) in Self::raise(&self.similarities(answer), cal) {
            best.entry(t).or_insert((s, None, None));
        }
        let mut mentions: Vec<ThemeMention> = best
            .into_iter()
            .map(|(t, (sim, si, unit_sentiment))| {
                // A theme found only on the whole answer points at the sentence most similar
                // to it and takes that sentence's sentiment.
                let si = si.unwrap_or_else(|| {
                    (0..sentences.len())
                        .filter(|&j| !units.skipped(j))
                        .max_by(|&a, &b| {
                            self.similarities(&sentences[a])[t]
                                .total_cmp(&self.similarities(&sentences[b])[t])
                        })
                        .unwrap_or(0)
                });
                let sentiment = unit_sentiment
                    .or_else(|| sentence_sentiment.get(si).copied())
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

/// The units of one answer that raise themes: its sentences (vectors and sentiments), the
/// clauses of its sentences, and which sentences to leave out.
#[derive(Clone, Copy)]
pub struct Units<'a> {
    /// Sentence vectors.
    pub sentences: &'a [Vec<f32>],
    /// Sentence sentiments.
    pub sentence_sentiment: &'a [Sentiment],
    /// Clause vectors of the sentences.
    pub clauses: &'a [Clause],
    /// `skip[i]`: sentence `i` raises no theme (missing entries: false).
    pub skip: &'a [bool],
}

impl<'a> Units<'a> {
    fn skipped(&self, si: usize) -> bool {
        self.skip.get(si).copied().unwrap_or(false)
    }

    /// (sentence index, vector, sentiment) of every sentence and clause not skipped.
    fn vectors(&self) -> impl Iterator<Item = (usize, &'a [f32], Option<Sentiment>)> + '_ {
        let n = self.sentences.len();
        self.sentences
            .iter()
            .enumerate()
            .map(|(si, v)| (si, v.as_slice(), self.sentence_sentiment.get(si).copied()))
            .chain(
                self.clauses
                    .iter()
                    .filter(move |c| c.sentence < n)
                    .map(|c| (c.sentence, c.vector.as_slice(), Some(c.sentiment))),
            )
            .filter(|(si, _, _)| !self.skipped(*si))
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
pub fn calibrate(items: &[CalibrationItem], classifier: bool) -> (Calibration, f64) {
    let thresholds: Vec<f32> = if classifier {
        (1..=90).map(|i| i as f32 * 0.01).collect()
    } else {
        (0..=100).map(|i| 0.70 + i as f32 * 0.0025).collect()
    };
    let margins: Vec<f32> = if classifier {
        (1..=20).map(|i| i as f32 * 0.05).collect()
    } else {
        (0..=16).map(|i| i as f32 * 0.005).collect()
    };
    let mut best = (Calibration::default(), -1.0);
    for &threshold in &thresholds {
        for &margin in &margins {
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

/// Checks that every `parent` is the id of another theme that has no parent itself.
pub fn check_parents(themes: &[ThemeDef]) -> Result<(), String> {
    let by_id: BTreeMap<&str, &ThemeDef> = themes.iter().map(|t| (t.id.as_str(), t)).collect();
    for t in themes {
        let Some(p) = t.parent.as_deref() else {
            continue;
        };
        match by_id.get(p) {
            None => {
                return Err(format!(
                    "theme {:?} has parent {p:?}, which is not a theme id of this codebook; add a theme with id {p:?} or fix the parent",
                    t.id
                ))
            }
            Some(_) if p == t.id => return Err(format!("theme {:?} is its own parent", t.id)),
            Some(pt) if pt.parent.is_some() => {
                return Err(format!(
                    "theme {:?} has parent {p:?}, which has a parent itself; the hierarchy is one level (parent -> children)",
                    t.id
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ThemeDef;

    fn def(id: &str, parent: Option<&str>) -> ThemeDef {
        ThemeDef {
            id: id.into(),
            name: String::new(),
            description: String::new(),
            examples: vec![],
            owner: None,
            parent: parent.map(String::from),
        }
    }

    #[test]
    fn parents_must_be_themes_one_level_deep() {
        assert!(check_parents(&[def("a", None), def("b", Some("a"))]).is_ok());
        let missing = check_parents(&[def("b", Some("a"))]).unwrap_err();
        assert!(missing.contains("not a theme id"), "{missing}");
        let deep = check_parents(&[def("a", None), def("b", Some("a")), def("c", Some("b"))]);
        assert!(deep.unwrap_err().contains("one level"));
        assert!(check_parents(&[def("a", Some("a"))]).is_err());
    }

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
        let (cal, f1) = calibrate(&items, false);
        assert_eq!(f1, 1.0);
        assert!(cal.threshold > 0.79 && cal.threshold <= 0.86);
    }

    #[test]
    fn a_csv_codebook_reads_ids_names_descriptions_and_piped_examples() {
        let raw = "name,id,description,examples\n\
                   Delivery,,\"Parcels, couriers\",late parcel | lost box\n\
                   Wait time,wait,,\n\
                   ,app,,\n";
        let cb = Codebook::from_csv(raw).unwrap().checked().unwrap();
        assert_eq!(cb.ids(), vec!["delivery", "wait", "app"]);
        assert_eq!(cb.themes[0].description, "Parcels, couriers");
        assert_eq!(cb.themes[0].examples, vec!["late parcel", "lost box"]);
        assert_eq!(cb.themes[1].text(), "Wait time");
        assert_eq!(cb.themes[2].text(), "app");
        assert!(!cb.is_zero_shot());
        let no_header = Codebook::from_csv("delivery,Delivery,parcels,\n").unwrap_err();
        assert!(no_header.contains("header"), "{no_header}");
        let unnamed = Codebook::from_csv("id,name\n,\nx,\n").unwrap();
        assert_eq!(unnamed.themes.len(), 1, "blank rows are skipped");
    }

    #[test]
    fn a_yaml_theme_with_a_name_and_no_id_gets_the_name_slugged() {
        let cb: Codebook = serde_yaml::from_str(
            "themes:\n  - name: App / Website\n  - id: wait_time\n  - name: Доставка курьером\n",
        )
        .unwrap();
        let cb = cb.checked().unwrap();
        assert_eq!(
            cb.ids(),
            vec!["app_website", "wait_time", "доставка_курьером"]
        );
        assert!(cb.is_zero_shot());
        assert_eq!(cb.themes[1].text(), "wait time");
        let bad: Codebook = serde_yaml::from_str("themes:\n  - description: x\n").unwrap();
        assert!(bad
            .checked()
            .unwrap_err()
            .contains("neither an id nor a name"));
        let twice: Codebook =
            serde_yaml::from_str("themes:\n  - name: Price\n  - id: price\n").unwrap();
        assert!(twice.checked().unwrap_err().contains("twice"));
    }

    #[test]
    fn theme_text_is_name_and_description_without_asides() {
        let t = ThemeDef {
            id: "delivery".into(),
            name: "Delivery".into(),
            description: "Shipping speed (not the courier's manners, which is staff), tracking."
                .into(),
            examples: vec![],
            owner: None,
            parent: None,
        };
        assert_eq!(t.text(), "Delivery: Shipping speed, tracking.");
        assert_eq!(
            slug("  Customer support (remote)! "),
            "customer_support_remote"
        );
    }
}
