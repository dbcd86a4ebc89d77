//! Merging the run folders of shards (`verbatim analyze --shard i/n`) into one run folder.
//!
//! - `stats.json`: [`RunStats::merge`], exact (integer counts), so NPS, theme counts and driver
//!   inputs equal those of one run over the whole export.
//! - `responses.jsonl`: a k-way merge by source row (each shard is in row order), renumbering
//!   `seq`, so shards of one export come back in the order one run writes.
//! - `embeddings/`: the answer and sentence vectors copied in the same order, so line i of the
//!   merged `responses.jsonl` still owns vector i (ideas and search need that); `vectors/` is
//!   rebuilt from them.
//! - `index/`: the search index is rebuilt from the merged answers when the runs have one.
//! - `rejects.csv`: all rejects, by row. `summary.json`: counts summed, maps merged.

use super::stats::RunStats;
use super::{io_err, AnalyzeError};
use crate::encode::store::{Store, StoreWriter};
use crate::output::{RejectsWriter, ResponsesWriter};
use crate::record::{Reject, Response};
use serde_json::Value;
use std::io::{BufRead, BufReader, Lines};
use std::path::{Path, PathBuf};

/// What a merge wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MergeSummary {
    /// Runs merged.
    pub runs: usize,
    /// Answers in the merged `responses.jsonl`.
    pub answers: u64,
    /// Sentence vectors copied (0 without embeddings).
    pub sentences: u64,
    /// Rejected rows.
    pub rejects: u64,
    /// Whether the runs had embedding stores (merged, with `vectors/` rebuilt).
    pub embeddings: bool,
    /// Whether the search index was rebuilt (every run had an `index/`).
    pub index: bool,
}

/// Reads one run's `responses.jsonl` in order.
struct Source {
    path: PathBuf,
    lines: Lines<BufReader<std::fs::File>>,
    line: usize,
    next: Option<(usize, Response)>,
}

impl Source {
    fn open(run: &Path) -> Result<Source, AnalyzeError> {
        let path = run.join("responses.jsonl");
        let f = std::fs::File::open(&path).map_err(io_err(&path))?;
        let mut s = Source {
            path,
            lines: BufReader::new(f).lines(),
            line: 0,
            next: None,
        };
        s.advance()?;
        Ok(s)
    }

    /// Loads the next answer (with its 0-based index in the file) into `next`.
    fn advance(&mut self) -> Result<(), AnalyzeError> {
        self.next = None;
        for line in self.lines.by_ref() {
            let line = line.map_err(io_err(&self.path))?;
            self.line += 1;
            if line.trim().is_empty() {
                continue;
            }
            let r: Response = serde_json::from_str(&line).map_err(|e| AnalyzeError::Corrupt {
                path: self.path.clone(),
                why: format!("line {}: {e}", self.line),
            })?;
            if r.seq as usize != self.line - 1 {
                return Err(AnalyzeError::Corrupt {
                    path: self.path.clone(),
                    why: format!("line {} has seq {}", self.line, r.seq),
                });
            }
            self.next = Some((self.line - 1, r));
            break;
        }
        Ok(())
    }
}

/// Sums two `summary.json` values: numbers add, objects merge key by key, arrays concatenate,
/// differing strings are joined with "; ".
pub fn merge_json(a: &mut Value, b: &Value) {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let sum = match (x.as_u64(), y.as_u64()) {
                (Some(p), Some(q)) => Value::from(p + q),
                _ => Value::from(x.as_f64().unwrap_or(0.0) + y.as_f64().unwrap_or(0.0)),
            };
            *x = match sum {
                Value::Number(n) => n,
                _ => return,
            };
        }
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in y {
                match x.get_mut(k) {
                    Some(mine) => merge_json(mine, v),
                    None => {
                        x.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(x), Value::Array(y)) => x.extend(y.iter().cloned()),
        (Value::String(x), Value::String(y)) if x != y => {
            x.push_str("; ");
            x.push_str(y);
        }
        (a @ Value::Null, b) => *a = b.clone(),
        _ => {}
    }
}

fn read_rejects(run: &Path, out: &mut Vec<Reject>) -> Result<(), AnalyzeError> {
    let path = run.join("rejects.csv");
    if !path.exists() {
        return Ok(());
    }
    let mut r = csv::Reader::from_path(&path).map_err(|e| AnalyzeError::Corrupt {
        path: path.clone(),
        why: e.to_string(),
    })?;
    for rec in r.records() {
        let rec = rec.map_err(|e| AnalyzeError::Corrupt {
            path: path.clone(),
            why: e.to_string(),
        })?;
        let row = rec
            .get(0)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| AnalyzeError::Corrupt {
                path: path.clone(),
                why: format!("bad row number {:?}", rec.get(0)),
            })?;
        out.push(Reject {
            row,
            column: rec.get(1).filter(|c| !c.is_empty()).map(str::to_string),
            reason: rec.get(2).unwrap_or("").to_string(),
        });
    }
    Ok(())
}

/// Merges the run folders `inputs` into `out` (created; its run files are replaced).
pub fn merge_runs(inputs: &[PathBuf], out: &Path) -> Result<MergeSummary, AnalyzeError> {
    if inputs.is_empty() {
        return Err(AnalyzeError::Usage(
            "name at least one run folder to merge".into(),
        ));
    }
    std::fs::create_dir_all(out).map_err(io_err(out))?;
    let out_canon = out.canonicalize().map_err(io_err(out))?;
    let mut seen = Vec::new();
    for run in inputs {
        let c = run.canonicalize().map_err(io_err(run))?;
        if c == out_canon {
            return Err(AnalyzeError::Usage(format!(
                "--out {} is one of the runs to merge; write the merge to a new folder",
                out.display()
            )));
        }
        if seen.contains(&c) {
            return Err(AnalyzeError::Usage(format!(
                "{} is named twice; merging a run with itself would count it twice",
                run.display()
            )));
        }
        seen.push(c);
    }
    // Statistics first: a theme mismatch stops the merge before any file is written.
    let mut stats: Option<RunStats> = None;
    for run in inputs {
        let s = RunStats::load(&run.join("stats.json"))?;
        match &mut stats {
            None => stats = Some(s),
            Some(m) => m.merge(&s)?,
        }
    }
    let stats = stats.expect("at least one input");

    let with_store: Vec<bool> = inputs
        .iter()
        .map(|r| r.join("embeddings/meta.json").exists())
        .collect();
    let embeddings = with_store.iter().all(|&b| b);
    if !embeddings && with_store.iter().any(|&b| b) {
        return Err(AnalyzeError::Mismatch(
            "some runs have an embeddings/ folder and some do not".into(),
        ));
    }
    let stores: Vec<Store> = if embeddings {
        inputs
            .iter()
            .map(|r| Store::open(&r.join("embeddings")))
            .collect::<Result<_, _>>()?
    } else {
        Vec::new()
    };
    for s in stores.iter().skip(1) {
        if s.dim() != stores[0].dim() || s.meta().model != stores[0].meta().model {
            return Err(AnalyzeError::Mismatch(format!(
                "embeddings of different models ({} and {}); analyze every shard with the same --model",
                stores[0].meta().model,
                s.meta().model
            )));
        }
    }
    let mut writer = match stores.first() {
        Some(s) => Some(StoreWriter::create(
            &out.join("embeddings"),
            s.dim(),
            &s.meta().model,
        )?),
        None => None,
    };

    let mut sources: Vec<Source> = inputs
        .iter()
        .map(|r| Source::open(r))
        .collect::<Result<_, _>>()?;
    let mut responses = ResponsesWriter::create(out)?;
    let index_all = inputs.iter().all(|r| r.join("index").is_dir());
    let mut index = if index_all {
        // Segment columns: the union over the runs' first answers (shards share columns).
        let keys: std::collections::BTreeSet<String> = sources
            .iter()
            .filter_map(|s| s.next.as_ref())
            .flat_map(|(_, r)| r.segments.keys().cloned())
            .collect();
        let keys: Vec<String> = keys.into_iter().collect();
        Some(crate::index::IndexBuilder::create(
            &out.join("index"),
            &keys,
        )?)
    } else {
        None
    };
    let mut seq = 0u64;
    let mut sentence_vectors = 0u64;
    loop {
        // The source whose next answer has the lowest row (ties: the earlier input).
        let pick = sources
            .iter()
            .enumerate()
            .filter_map(|(k, s)| s.next.as_ref().map(|(_, r)| (r.row, k)))
            .min();
        let Some((_, k)) = pick else { break };
        let (line, mut r) = sources[k]
            .next
            .take()
            .expect("picked a source with an answer");
        if let (Some(w), Some(store)) = (&mut writer, stores.get(k)) {
            if line >= store.len() {
                return Err(AnalyzeError::Corrupt {
                    path: sources[k].path.clone(),
                    why: format!(
                        "more answers than its embedding store holds ({})",
                        store.len()
                    ),
                });
            }
            let range = store.sentence_range(line);
            sentence_vectors += range.len() as u64;
            let sv: Vec<Vec<f32>> = range.map(|j| store.sentence(j).to_vec()).collect();
            w.push(store.answer(line), &sv)?;
        }
        r.seq = seq;
        seq += 1;
        responses.write(&r)?;
        if let Some(ix) = &mut index {
            ix.add(&r)?;
        }
        sources[k].advance()?;
    }
    let answers = responses.finish()?;
    if let Some(ix) = index {
        ix.finish()?;
    }
    if let Some(w) = writer {
        w.finish()?;
    }
    if answers != stats.overall.answers() {
        return Err(AnalyzeError::Mismatch(format!(
            "the responses.jsonl files hold {answers} answers but the stats.json files count {}; a run folder is incomplete",
            stats.overall.answers()
        )));
    }
    stats.save(&out.join("stats.json"))?;

    let mut rejects = Vec::new();
    for run in inputs {
        read_rejects(run, &mut rejects)?;
    }
    rejects.sort_by_key(|r| r.row);
    let mut rw = RejectsWriter::create(out)?;
    for r in &rejects {
        rw.write(r)?;
    }
    let rejects = rw.finish()?;

    let mut summary = Value::Null;
    for run in inputs {
        let p = run.join("summary.json");
        if let Ok(raw) = std::fs::read(&p) {
            let v: Value = serde_json::from_slice(&raw).map_err(|e| AnalyzeError::Corrupt {
                path: p.clone(),
                why: e.to_string(),
            })?;
            merge_json(&mut summary, &v);
        }
    }
    if let Value::Object(m) = &mut summary {
        let secs = m.get("seconds").and_then(Value::as_f64).unwrap_or(0.0);
        if secs > 0.0 {
            m.insert(
                "answers_per_second".into(),
                Value::from(answers as f64 / secs),
            );
        }
        m.insert("shard".into(), Value::Null);
        m.insert(
            "merged_from".into(),
            Value::from(
                inputs
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>(),
            ),
        );
        let p = out.join("summary.json");
        let json = serde_json::to_vec_pretty(&summary).map_err(|e| AnalyzeError::Corrupt {
            path: p.clone(),
            why: e.to_string(),
        })?;
        std::fs::write(&p, json).map_err(io_err(&p))?;
    }

    if embeddings {
        let store = Store::open(&out.join("embeddings"))?;
        crate::vector::VectorIndex::build(&store, &out.join("vectors"), &Default::default())?;
    }
    Ok(MergeSummary {
        runs: inputs.len(),
        answers,
        sentences: sentence_vectors,
        rejects,
        embeddings,
        index: index_all,
    })
}
