//! `verbatim eval`: scores sentiment and codebook themes against a labeled JSONL file, overall
//! and per language, and calibrates theme thresholds on a dev file. Texts go through the same
//! text stage and encoder calls as `analyze`, so the scores are those of the product.

pub mod public;
pub mod theme_bench;

use crate::classify::codebook::{calibrate, Calibration, CalibrationItem, Clause, ThemeModel};
use crate::classify::datasets::Labeled;
use crate::classify::metrics::{label_scores, multilabel_scores, LabelScores, MultiLabelScores};
use crate::classify::sentiment::SentimentHead;
use crate::classify::ClassifyError;
use crate::encode::{EmbedPlan, EmbedUnits, Encoder, Span, TextKind};
use crate::record::{Sentiment, SentimentLabel};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Scores of one slice (overall or one language).
#[derive(Debug, Clone, Serialize)]
pub struct SliceScores {
    /// Sentiment accuracy and macro-F1, when the slice has sentiment labels.
    pub sentiment: Option<LabelScores>,
    /// F1 of the neutral class alone, when the slice has sentiment labels.
    pub neutral_f1: Option<f64>,
    /// Theme micro/macro F1, when the slice has theme labels and a codebook was given.
    pub themes: Option<MultiLabelScores>,
}

/// The result of an evaluation.
#[derive(Debug, Clone, Serialize)]
pub struct EvalReport {
    /// All examples.
    pub overall: SliceScores,
    /// Per language.
    pub per_language: BTreeMap<String, SliceScores>,
    /// Theme thresholds used.
    pub calibration: Option<Calibration>,
}

/// Answer and sentence vectors of labeled texts.
pub struct Embedded {
    /// Answer vector per text.
    pub answers: Vec<Vec<f32>>,
    /// Sentence vectors per text.
    pub sentences: Vec<Vec<Vec<f32>>>,
    /// Clause vectors per text, with the index of their sentence.
    pub clauses: Vec<Vec<(usize, Vec<f32>)>>,
    /// The tuned sentiment top's probabilities per answer, when the encoder has one (themes'
    /// sentence sentiments still come from the linear head; they do not enter the scores).
    pub answer_probs: Option<Vec<[f32; 3]>>,
}

/// Embeds texts the way `analyze` does ([`EmbedUnits`] in an [`EmbedPlan`]): the normalized
/// answer, its sentences when it has more than one, and the clauses of sentences that split;
/// but whole ([`EmbedUnits::whole`]: a labeled text past `analyze`'s caps is not cut, as
/// before, so the published scores stay).
pub fn embed_labeled(items: &[Labeled], encoder: &dyn Encoder) -> Result<Embedded, ClassifyError> {
    let units: Vec<EmbedUnits> = items.iter().map(|it| EmbedUnits::whole(&it.text)).collect();
    let mut plan = EmbedPlan::default();
    let spans: Vec<Span> = units.iter().map(|u| plan.push(u)).collect();
    let encoded = plan.encode(encoder, TextKind::Passage)?;
    let mut emb = Embedded {
        answers: Vec::with_capacity(items.len()),
        sentences: Vec::with_capacity(items.len()),
        clauses: Vec::with_capacity(items.len()),
        answer_probs: encoded.sentiment.as_ref().map(|_| Vec::new()),
    };
    for span in spans {
        let v = span.split(&encoded.vectors);
        if let (Some(out), Some(p)) = (emb.answer_probs.as_mut(), &encoded.sentiment) {
            out.push(span.split(p).answer);
        }
        // An answer without a sentence of text keeps its answer vector as its one sentence.
        let sentences = match v.sentences.is_empty() {
            true => vec![v.answer.clone()],
            false => v.sentences,
        };
        emb.answers.push(v.answer);
        emb.sentences.push(sentences);
        emb.clauses.push(v.clauses);
    }
    Ok(emb)
}

/// Calibration items (similarities and gold theme indices) of labeled texts.
pub fn calibration_items(
    items: &[Labeled],
    emb: &Embedded,
    model: &ThemeModel,
) -> Vec<CalibrationItem> {
    let index: BTreeMap<&str, usize> = model
        .ids()
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    items
        .iter()
        .enumerate()
        .filter_map(|(i, it)| {
            let gold = it.themes.as_ref()?;
            Some(CalibrationItem {
                answer: model.similarities(&emb.answers[i]),
                sentences: emb.sentences[i]
                    .iter()
                    .chain(emb.clauses[i].iter().map(|c| &c.1))
                    .map(|s| model.similarities(s))
                    .collect(),
                gold: gold
                    .iter()
                    .filter_map(|g| index.get(g.as_str()).copied())
                    .collect(),
            })
        })
        .collect()
}

/// Calibrates theme thresholds on labeled dev texts; returns the thresholds and their micro-F1.
pub fn calibrate_on(
    items: &[Labeled],
    encoder: &dyn Encoder,
    model: &ThemeModel,
) -> Result<(Calibration, f64), ClassifyError> {
    let emb = embed_labeled(items, encoder)?;
    Ok(calibrate(
        &calibration_items(items, &emb, model),
        model.is_classifier(),
    ))
}

/// Scores sentiment (with `head`) and themes (with `themes`, when given) on labeled texts.
pub fn evaluate(
    items: &[Labeled],
    encoder: &dyn Encoder,
    head: &SentimentHead,
    themes: Option<&ThemeModel>,
) -> Result<EvalReport, ClassifyError> {
    let emb = embed_labeled(items, encoder)?;
    Ok(evaluate_embedded(items, &emb, head, themes))
}

/// Every unit vector of embedded texts (answers, sentences, clauses), the units that
/// self-training learns from.
pub fn unit_vectors(emb: &Embedded) -> Vec<Vec<f32>> {
    let mut out = emb.answers.clone();
    for (s, c) in emb.sentences.iter().zip(&emb.clauses) {
        if s.len() > 1 {
            out.extend(s.iter().cloned());
        }
        out.extend(c.iter().map(|(_, v)| v.clone()));
    }
    out
}

/// [`evaluate`] on texts already embedded with [`embed_labeled`].
pub fn evaluate_embedded(
    items: &[Labeled],
    emb: &Embedded,
    head: &SentimentHead,
    themes: Option<&ThemeModel>,
) -> EvalReport {
    let sentiments = match &emb.answer_probs {
        Some(p) => p
            .iter()
            .map(|&p| crate::classify::sentiment::to_sentiment(p))
            .collect(),
        None => head.predict(&emb.answers),
    };
    let predicted: Vec<BTreeSet<String>> = match themes {
        Some(m) => (0..items.len())
            .map(|i| answer_themes(emb, i, head, m, sentiments[i]))
            .collect(),
        None => vec![BTreeSet::new(); items.len()],
    };
    let slice = |keep: &dyn Fn(&Labeled) -> bool| {
        slice_scores(items, &sentiments, &predicted, themes.is_some(), keep)
    };
    let langs: BTreeSet<&str> = items.iter().map(|i| i.lang.as_str()).collect();
    EvalReport {
        overall: slice(&|_| true),
        per_language: langs
            .into_iter()
            .map(|l| (l.to_string(), slice(&|it| it.lang == l)))
            .collect(),
        calibration: themes.map(|m| m.calibration),
    }
}

/// The themes `model` raises for embedded text `i` (its sentences and clauses labelled by
/// `head`, as the pipeline assigns them), answer sentiment `sentiment`.
fn answer_themes(
    emb: &Embedded,
    i: usize,
    head: &SentimentHead,
    model: &ThemeModel,
    sentiment: Sentiment,
) -> BTreeSet<String> {
    let sentences = head.predict(&emb.sentences[i]);
    let (at, vectors): (Vec<usize>, Vec<Vec<f32>>) = emb.clauses[i].iter().cloned().unzip();
    let sentiments = head.predict(&vectors);
    let clauses = Clause::zip(at.into_iter().zip(vectors), sentiments);
    let (mentions, _) = model.assign(
        &emb.answers[i],
        &emb.sentences[i],
        &sentences,
        &clauses,
        sentiment,
    );
    mentions.into_iter().map(|t| t.theme).collect()
}

/// Scores of the items `keep` selects: sentiment (with the neutral class's F1) and, when
/// `with_themes`, themes.
fn slice_scores(
    items: &[Labeled],
    sentiments: &[Sentiment],
    predicted: &[BTreeSet<String>],
    with_themes: bool,
    keep: &dyn Fn(&Labeled) -> bool,
) -> SliceScores {
    let kept = || items.iter().enumerate().filter(|(_, it)| keep(it));
    let s: Vec<(SentimentLabel, SentimentLabel)> = kept()
        .filter_map(|(i, it)| Some((it.sentiment?, sentiments[i].label)))
        .collect();
    let t: Vec<(BTreeSet<String>, BTreeSet<String>)> = kept()
        .filter_map(|(i, it)| {
            Some((
                it.themes.clone()?.into_iter().collect(),
                predicted[i].clone(),
            ))
        })
        .collect();
    let count =
        |f: &dyn Fn(&(SentimentLabel, SentimentLabel)) -> bool| s.iter().filter(|p| f(p)).count();
    let n = SentimentLabel::Neutral;
    let tp = count(&|&(g, p)| g == n && p == n);
    let wrong = count(&|&(g, p)| (g == n) != (p == n));
    SliceScores {
        sentiment: (!s.is_empty()).then(|| label_scores(&s)),
        neutral_f1: (!s.is_empty()).then(|| 2.0 * tp as f64 / (2 * tp + wrong).max(1) as f64),
        themes: (with_themes && !t.is_empty()).then(|| multilabel_scores(&t)),
    }
}
