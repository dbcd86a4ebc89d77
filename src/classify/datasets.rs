//! Readers of labeled data: the project's own JSONL files (`corpora/eval`, `corpora/train`) and
//! the public sentiment sets in `../shared/data` (see its README.md), mapped to one shape.
//!
//! Public sets are split deterministically: their own train/test split where they have one,
//! otherwise by a hash of the text (one in five to test), so a retrain sees the same split.

use super::ClassifyError;
use crate::error::IoResultExt;
use crate::record::SentimentLabel;
use serde::Deserialize;
use std::path::Path;

/// Which part of a data set an example belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Split {
    /// Used to fit.
    Train,
    /// Held out for reporting.
    Test,
}

/// One labeled text.
#[derive(Debug, Clone, PartialEq)]
pub struct Labeled {
    /// Optional id from the file.
    pub id: Option<String>,
    /// The text.
    pub text: String,
    /// ISO 639-1 language.
    pub lang: String,
    /// Gold sentiment, when labeled.
    pub sentiment: Option<SentimentLabel>,
    /// Gold themes, when labeled (an empty list means "labeled: no theme").
    pub themes: Option<Vec<String>>,
    /// Data set it came from.
    pub source: String,
    /// Train or test.
    pub split: Split,
}

#[derive(Deserialize)]
struct JsonLine {
    id: Option<String>,
    text: String,
    lang: String,
    sentiment: Option<String>,
    themes: Option<Vec<String>>,
}

/// The texts of `items` as the encoder sees them ([`crate::text::normalize::for_model`]).
pub fn model_texts(items: &[Labeled]) -> Vec<String> {
    items
        .iter()
        .map(|l| crate::text::normalize::for_model(&l.text))
        .collect()
}

/// Reads a labeled JSONL file: `{"text", "lang", "sentiment"?, "themes"?, "id"?}` per line.
pub fn read_jsonl(path: &Path, split: Split) -> Result<Vec<Labeled>, ClassifyError> {
    let raw = std::fs::read_to_string(path).at(path)?;
    let source = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut out = Vec::new();
    for (i, line) in raw.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |why: String| ClassifyError::Format {
            path: path.to_path_buf(),
            why: format!("line {}: {why}", i + 1),
        };
        let j: JsonLine = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let sentiment = match j.sentiment.as_deref() {
            None => None,
            Some(s) => Some(SentimentLabel::parse(s).ok_or_else(|| {
                bad(format!(
                    "sentiment {s:?} is not one of negative, neutral, positive"
                ))
            })?),
        };
        out.push(Labeled {
            id: j.id,
            text: j.text,
            lang: j.lang,
            sentiment,
            themes: j.themes,
            source: source.clone(),
            split,
        });
    }
    Ok(out)
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

/// The hash split used for sets without their own.
pub fn hash_split(text: &str) -> Split {
    if fnv1a(text).is_multiple_of(5) {
        Split::Test
    } else {
        Split::Train
    }
}

fn read_csv(path: &Path, delimiter: u8) -> Result<Vec<csv::StringRecord>, ClassifyError> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_path(path)
        .map_err(|e| ClassifyError::Format {
            path: path.to_path_buf(),
            why: e.to_string(),
        })?;
    let mut rows = Vec::new();
    for r in rdr.records() {
        // A damaged line in a public set is skipped: these files are inputs to training, not
        // user exports, and one bad line must not stop a retrain.
        rows.extend(r.ok());
    }
    Ok(rows)
}

fn header_index(path: &Path, delimiter: u8, name: &str) -> Result<usize, ClassifyError> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_path(path)
        .map_err(|e| ClassifyError::Format {
            path: path.to_path_buf(),
            why: e.to_string(),
        })?;
    let h = rdr.headers().map_err(|e| ClassifyError::Format {
        path: path.to_path_buf(),
        why: e.to_string(),
    })?;
    h.iter()
        .position(|c| c.trim() == name)
        .ok_or_else(|| ClassifyError::Format {
            path: path.to_path_buf(),
            why: format!("no column {name:?}"),
        })
}

/// One public CSV source: how to read text, label, language and split from it.
struct CsvSource {
    file: &'static str,
    delimiter: u8,
    text: &'static str,
    label: &'static str,
    lang: Option<&'static str>,
    fixed_lang: &'static str,
    split: Option<&'static str>,
    map: fn(&str) -> Option<SentimentLabel>,
}

fn words(s: &str) -> Option<SentimentLabel> {
    match s.trim() {
        "positive" | "very_positive" | "HAPPY" => Some(SentimentLabel::Positive),
        "negative" | "very_negative" | "SAD" => Some(SentimentLabel::Negative),
        "neutral" => Some(SentimentLabel::Neutral),
        _ => None,
    }
}

fn polarity(s: &str) -> Option<SentimentLabel> {
    match s.trim().parse::<f32>().ok()? {
        p if p > 0.0 => Some(SentimentLabel::Positive),
        p if p < 0.0 => Some(SentimentLabel::Negative),
        _ => Some(SentimentLabel::Neutral),
    }
}

impl CsvSource {
    /// A comma-separated file with `text` and `label` columns, labels as words, all of one
    /// language, without a split column.
    const fn plain(file: &'static str, fixed_lang: &'static str) -> CsvSource {
        CsvSource {
            file,
            delimiter: b',',
            text: "text",
            label: "label",
            lang: None,
            fixed_lang,
            split: None,
            map: words,
        }
    }

    /// One file of the Arabic reviews: numeric `polarity` labels.
    const fn arabic_reviews(file: &'static str) -> CsvSource {
        CsvSource {
            label: "polarity",
            map: polarity,
            ..CsvSource::plain(file, "ar")
        }
    }
}

const SOURCES: &[CsvSource] = &[
    CsvSource {
        split: Some("split"),
        ..CsvSource::plain("hebrew-sentiment-onlplab/hebrew_sentiment.csv", "he")
    },
    CsvSource {
        delimiter: b'\t',
        text: "comment",
        ..CsvSource::plain("persian-snappfood/dev.csv", "fa")
    },
    CsvSource::plain("persian-sentipers/sentipers.csv", "fa"),
    CsvSource::arabic_reviews("arabic-reviews/PROD.csv"),
    CsvSource::arabic_reviews("arabic-reviews/RES2.csv"),
    CsvSource::arabic_reviews("arabic-reviews/ATT.csv"),
    CsvSource {
        split: Some("split"),
        ..CsvSource::plain("german-germeval2017/germeval2017_db_feedback.csv", "de")
    },
    CsvSource {
        lang: Some("lang"),
        split: Some("split"),
        ..CsvSource::plain("semeval-absa/semeval_absa.csv", "en")
    },
    CsvSource {
        lang: Some("lang"),
        ..CsvSource::plain("xlmt-umsab-tweets/umsab_test.csv", "en")
    },
    CsvSource::plain("chinese-sophonplus/chinese_reviews.csv", "zh"),
];

/// Reads one public CSV source under `data_dir` (empty when the file is absent), naming its
/// rows' source `name`; `split` overrides the source's own split (a file that is all test).
fn read_source(
    data_dir: &Path,
    src: &CsvSource,
    name: &str,
    split: Option<Split>,
) -> Result<Vec<Labeled>, ClassifyError> {
    let path = data_dir.join(src.file);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let ti = header_index(&path, src.delimiter, src.text)?;
    let li = header_index(&path, src.delimiter, src.label)?;
    let col = |c: Option<&str>| c.map(|c| header_index(&path, src.delimiter, c)).transpose();
    let (langi, si) = (col(src.lang)?, col(src.split)?);
    let mut out = Vec::new();
    for r in read_csv(&path, src.delimiter)? {
        let (Some(text), Some(label)) = (r.get(ti), r.get(li)) else {
            continue;
        };
        let Some(sentiment) = (src.map)(label) else {
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        let split = split.unwrap_or_else(|| match si.and_then(|i| r.get(i)) {
            Some(s) if s.starts_with("test") => Split::Test,
            Some(_) => Split::Train,
            None => hash_split(text),
        });
        out.push(Labeled {
            id: None,
            text: text.to_string(),
            lang: langi
                .and_then(|i| r.get(i))
                .unwrap_or(src.fixed_lang)
                .to_string(),
            sentiment: Some(sentiment),
            themes: None,
            source: name.to_string(),
            split,
        });
    }
    Ok(out)
}

/// Reads every sentiment-labeled public set under `data_dir` (usually `../shared/data`).
/// Sets that are absent are skipped; the returned list says per source what was read.
pub fn shared_sentiment(data_dir: &Path) -> Result<Vec<Labeled>, ClassifyError> {
    let mut out = Vec::new();
    for src in SOURCES {
        let name = src.file.split('/').next().unwrap_or(src.file);
        out.extend(read_source(data_dir, src, name, None)?);
    }
    Ok(out)
}

/// SnappFood's test file: never read by [`shared_sentiment`], so never trained on.
const SNAPPFOOD_TEST: CsvSource = CsvSource {
    delimiter: b'\t',
    text: "comment",
    ..CsvSource::plain("persian-snappfood/test.csv", "fa")
};

/// Public test sets for `verbatim eval --public`: rows that [`shared_sentiment`] puts in its test
/// split (so `train-sentiment` never fits them), SnappFood's test file, and the original Hebrew
/// benchmark's test rows that occur in neither its own train file nor OnlpLab's train/dev rows.
/// Each row's `source` names its set (e.g. `arabic-reviews/PROD`).
pub fn public_tests(data_dir: &Path) -> Result<Vec<Labeled>, ClassifyError> {
    let mut out = Vec::new();
    let mut he_train = std::collections::HashSet::new();
    for src in SOURCES.iter().filter(|s| !s.file.starts_with("chinese")) {
        let name = match src.file {
            f if f.starts_with("arabic-reviews/") => f.trim_end_matches(".csv").to_string(),
            f if f.starts_with("persian-sentipers") => continue,
            f => f.split('/').next().unwrap_or(f).to_string(),
        };
        for l in read_source(data_dir, src, &name, None)? {
            match l.split {
                Split::Test => out.push(l),
                Split::Train if l.lang == "he" => {
                    he_train.insert(l.text);
                }
                Split::Train => {}
            }
        }
    }
    out.extend(read_source(
        data_dir,
        &SNAPPFOOD_TEST,
        "persian-snappfood/test",
        Some(Split::Test),
    )?);
    out.extend(hebrew_benchmark_test(data_dir, &he_train)?);
    Ok(out)
}

/// Rows of a headerless `text<TAB>label` file of the original Hebrew benchmark (0 positive,
/// 1 negative, 2 off-topic, read as neutral).
fn hebrew_tsv(path: &Path) -> Result<Vec<(String, SentimentLabel)>, ClassifyError> {
    let raw = std::fs::read_to_string(path).at(path)?;
    Ok(raw
        .lines()
        .filter_map(|l| {
            let (text, label) = l.rsplit_once('\t')?;
            let s = match label.trim() {
                "0" => SentimentLabel::Positive,
                "1" => SentimentLabel::Negative,
                "2" => SentimentLabel::Neutral,
                _ => return None,
            };
            Some((text.trim().to_string(), s))
        })
        .filter(|(t, _)| !t.is_empty())
        .collect())
}

/// The original Hebrew benchmark's test rows not in its train file nor in `trained` texts.
fn hebrew_benchmark_test(
    data_dir: &Path,
    trained: &std::collections::HashSet<String>,
) -> Result<Vec<Labeled>, ClassifyError> {
    let dir = data_dir.join("hebrew-sentiment");
    let (train, test) = (dir.join("token_train.tsv"), dir.join("token_test.tsv"));
    if !train.exists() || !test.exists() {
        return Ok(Vec::new());
    }
    let seen: std::collections::HashSet<String> =
        hebrew_tsv(&train)?.into_iter().map(|r| r.0).collect();
    Ok(hebrew_tsv(&test)?
        .into_iter()
        .filter(|(t, _)| !seen.contains(t) && !trained.contains(t))
        .map(|(text, s)| Labeled {
            id: None,
            text,
            lang: "he".into(),
            sentiment: Some(s),
            themes: None,
            source: "hebrew-sentiment".into(),
            split: Split::Test,
        })
        .collect())
}
