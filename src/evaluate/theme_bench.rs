//! Zero-shot theme benchmarks on public aspect-labelled sets: the codebook is the sets' own
//! category names (no description, no example), scored by the product's zero-shot rule with
//! the stored global thresholds ([`crate::classify::zero_shot`]); nothing is tuned on them.
//!
//! - SemEval-2014 restaurants (en), test sentences with categories: food, service, price,
//!   ambience, anecdotes/miscellaneous; multi-label micro-F1.
//! - GermEval 2017 (de), synchronic test posts relevant to Deutsche Bahn with at least one
//!   aspect; categories are the part before `#` (Zugfahrt, Ticketkauf, ...); micro-F1.
//! - BANKING77 (en) test queries: top-1 accuracy of the best of the 77 intent names.
//!
//! Each uses a fixed sample: the first `n` rows of a seeded shuffle of the eligible rows.

use super::{embed_labeled, evaluate_embedded};
use crate::classify::codebook::{Codebook, ThemeDef, ThemeModel};
use crate::classify::datasets::{Labeled, Split};
use crate::classify::sentiment::SentimentHead;
use crate::classify::ClassifyError;
use crate::encode::Encoder;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// The score of one benchmark.
#[derive(Debug, Clone, Serialize)]
pub struct BenchScore {
    /// Benchmark name.
    pub name: String,
    /// `micro_f1` or `top1_accuracy`.
    pub metric: String,
    /// The value.
    pub value: f64,
    /// Rows scored.
    pub n: usize,
    /// Themes in the codebook of category names.
    pub themes: usize,
    /// Which rows.
    pub rows: String,
}

/// One eligible row: text and gold categories.
type Row = (String, Vec<String>);

fn read_rows(
    path: &Path,
    keep: &dyn Fn(&csv::StringRecord, &[String]) -> Option<Row>,
) -> Result<Vec<Row>, ClassifyError> {
    let mut rd = csv::Reader::from_path(path).map_err(|e| ClassifyError::Format {
        path: path.to_path_buf(),
        why: e.to_string(),
    })?;
    let header: Vec<String> = rd
        .headers()
        .map_err(|e| ClassifyError::Format {
            path: path.to_path_buf(),
            why: e.to_string(),
        })?
        .iter()
        .map(String::from)
        .collect();
    let mut out = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.map_err(|e| ClassifyError::Format {
            path: path.to_path_buf(),
            why: format!("row {}: {e}", i + 2),
        })?;
        out.extend(keep(&rec, &header));
    }
    Ok(out)
}

fn field<'a>(rec: &'a csv::StringRecord, header: &[String], name: &str) -> &'a str {
    header
        .iter()
        .position(|h| h == name)
        .and_then(|i| rec.get(i))
        .unwrap_or("")
}

/// Category names of an `aspects` JSON list of `[category, polarity]`, the part before `#`.
fn categories(aspects: &str) -> Vec<String> {
    let v: Vec<(String, Option<String>)> = serde_json::from_str(aspects).unwrap_or_default();
    let set: BTreeSet<String> = v
        .into_iter()
        .map(|(c, _)| c.split('#').next().unwrap_or("").to_string())
        .filter(|c| !c.is_empty())
        .collect();
    set.into_iter().collect()
}

/// A seeded sample of `n` rows.
fn sample(mut rows: Vec<Row>, n: usize, seed: u64) -> Vec<Row> {
    rows.sort();
    rows.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
    rows.truncate(n);
    rows
}

/// A codebook of category names only: the id is the category slugged, the name the category
/// in words.
fn names_codebook(rows: &[Row]) -> Codebook {
    let cats: BTreeSet<&String> = rows.iter().flat_map(|r| &r.1).collect();
    Codebook {
        themes: cats
            .into_iter()
            .map(|c| ThemeDef {
                id: crate::classify::codebook::slug(c),
                name: c.replace(['_', '-'], " ").replace('/', " / "),
                description: String::new(),
                examples: Vec::new(),
                owner: None,
                parent: None,
            })
            .collect(),
        none_examples: Vec::new(),
        calibration: None,
    }
}

fn labeled(rows: &[Row], lang: &str) -> Vec<Labeled> {
    rows.iter()
        .map(|(text, cats)| Labeled {
            id: None,
            text: text.clone(),
            lang: lang.into(),
            sentiment: None,
            themes: Some(
                cats.iter()
                    .map(|c| crate::classify::codebook::slug(c))
                    .collect(),
            ),
            source: "bench".into(),
            split: Split::Test,
        })
        .collect()
}

/// Micro-F1 of the zero-shot names codebook on multi-label rows.
fn multilabel(
    name: &str,
    which: &str,
    rows: Vec<Row>,
    lang: &str,
    encoder: &dyn Encoder,
    head: &SentimentHead,
) -> Result<BenchScore, ClassifyError> {
    let cb = names_codebook(&rows);
    let model = ThemeModel::build(&cb, encoder)?;
    let items = labeled(&rows, lang);
    let emb = embed_labeled(&items, encoder)?;
    let report = evaluate_embedded(&items, &emb, head, Some(&model));
    Ok(BenchScore {
        name: name.into(),
        metric: "micro_f1".into(),
        value: report.overall.themes.map_or(0.0, |t| t.micro_f1),
        n: items.len(),
        themes: cb.themes.len(),
        rows: which.into(),
    })
}

/// Top-1 accuracy of the zero-shot names codebook on single-label rows (whole texts).
fn top1(
    name: &str,
    which: &str,
    rows: Vec<Row>,
    encoder: &dyn Encoder,
) -> Result<BenchScore, ClassifyError> {
    let cb = names_codebook(&rows);
    let model = ThemeModel::build(&cb, encoder)?;
    let texts: Vec<String> = rows
        .iter()
        .map(|r| crate::text::normalize::for_model(&r.0))
        .collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let vecs = encoder.embed(&refs, crate::encode::TextKind::Passage)?;
    let ids = model.ids();
    let hits = rows
        .iter()
        .zip(&vecs)
        .filter(|(r, v)| {
            let s = model.similarities(v);
            let best = (0..s.len()).max_by(|&a, &b| s[a].total_cmp(&s[b]));
            best.is_some_and(|b| ids[b] == crate::classify::codebook::slug(&r.1[0]))
        })
        .count();
    Ok(BenchScore {
        name: name.into(),
        metric: "top1_accuracy".into(),
        value: hits as f64 / rows.len().max(1) as f64,
        n: rows.len(),
        themes: cb.themes.len(),
        rows: which.into(),
    })
}

/// Runs the three benchmarks on the sets under `dir` (../shared/data), `n` rows each.
pub fn run_all(
    dir: &Path,
    n: usize,
    seed: u64,
    encoder: &dyn Encoder,
    head: &SentimentHead,
) -> Result<Vec<BenchScore>, ClassifyError> {
    let pick = format!("first {n} of a seed-{seed} shuffle of");
    let semeval = read_rows(&dir.join("semeval-absa/semeval_absa.csv"), &|r, h| {
        let keep = field(r, h, "dataset") == "semeval2014"
            && field(r, h, "domain") == "restaurants"
            && field(r, h, "split") == "test"
            && field(r, h, "lang") == "en";
        let cats = categories(field(r, h, "aspects"));
        (keep && !cats.is_empty()).then(|| (field(r, h, "text").to_string(), cats))
    })?;
    let germeval = read_rows(
        &dir.join("german-germeval2017/germeval2017_db_feedback.csv"),
        &|r, h| {
            let keep =
                field(r, h, "split") == "test_synchronic" && field(r, h, "relevant") == "true";
            let cats = categories(field(r, h, "aspects"));
            (keep && !cats.is_empty()).then(|| (field(r, h, "text").to_string(), cats))
        },
    )?;
    let banking = read_rows(&dir.join("banking77/banking77_test.csv"), &|r, h| {
        Some((
            field(r, h, "text").to_string(),
            vec![field(r, h, "label").to_string()],
        ))
    })?;
    Ok(vec![
        multilabel(
            "semeval2014-restaurants-en",
            &format!(
                "{pick} the {} 2014 restaurant test sentences with categories",
                semeval.len()
            ),
            sample(semeval, n, seed),
            "en",
            encoder,
            head,
        )?,
        multilabel(
            "germeval2017-de",
            &format!(
                "{pick} the {} relevant synchronic test posts with aspects",
                germeval.len()
            ),
            sample(germeval, n, seed),
            "de",
            encoder,
            head,
        )?,
        top1(
            "banking77-en",
            &format!("{pick} the {} test queries", banking.len()),
            sample(banking, n, seed),
            encoder,
        )?,
    ])
}
