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
//! - `rejects.csv`: all rejects, by row. `summary.json`: counts summed, maps merged; `rows_read`
//!   of shards of one export counted once.
//! - `provenance.json`: checked first. The runs must share the model and the codebook; the same
//!   shard twice, runs of overlapping ids and (unless `--allow-partial`) a missing shard are
//!   refused with a message naming the runs. The merged run is written like an analyze run:
//!   into a temporary sibling renamed into place at the end.
//! - The theme model ([`layout::THEME_MODEL`]): kept when every run has the same one.

use super::{layout, AnswerFiles, Provenance, Responses, RunDir, RunWriter, ShardSpec};
use crate::analyze::stats::RunStats;
use crate::analyze::AnalyzeError;
use crate::encode::store::{Store, StoreWriter};
use crate::error::{same_count, IoResultExt};
use crate::record::{Reject, Response};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Errors of a merge: the crate's [`Error`](crate::Error), mostly those of reading runs
/// ([`AnalyzeError`]: i/o, a corrupt run file, runs that cannot be merged, a bad option) and
/// of writing the merged run.
pub type MergeError = crate::Error;

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
    /// Shards of the export that no merged run covers (merged with `--allow-partial`).
    pub missing: Vec<ShardSpec>,
}

/// How `merge` treats its output folder and an incomplete set of shards.
#[derive(Debug, Clone, Copy, Default)]
pub struct MergeOptions {
    /// Replace an existing run in `out` (`--force`).
    pub force: bool,
    /// Merge even when shards of the export are missing (`--allow-partial`).
    pub allow_partial: bool,
}

/// One run's answers in order, with the next one not yet merged.
struct Source {
    path: PathBuf,
    answers: Responses,
    next: Option<(usize, Response)>,
}

impl Source {
    fn open(run: &Path) -> Result<Source, MergeError> {
        let answers = RunDir::new(run).responses()?;
        let mut s = Source {
            path: answers.path().to_path_buf(),
            answers,
            next: None,
        };
        s.advance()?;
        Ok(s)
    }

    /// Loads the next answer (with its 0-based index in the file, its `seq`) into `next`.
    fn advance(&mut self) -> Result<(), MergeError> {
        self.next = self
            .answers
            .next()
            .transpose()?
            .map(|r| (r.seq as usize, r));
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

fn read_rejects(run: &Path, out: &mut Vec<Reject>) -> Result<(), MergeError> {
    let path = run.join(layout::REJECTS);
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

/// Merges the run folders `inputs` into `out` with the default options (a new or empty `out`,
/// every shard present).
pub fn merge_runs(inputs: &[PathBuf], out: &Path) -> Result<MergeSummary, MergeError> {
    merge_runs_with(inputs, out, &MergeOptions::default())
}

/// Merges the run folders `inputs` into `out`: checks them, writes the merge into a temporary
/// sibling of `out` and renames it into place.
pub fn merge_runs_with(
    inputs: &[PathBuf],
    out: &Path,
    opts: &MergeOptions,
) -> Result<MergeSummary, MergeError> {
    check_inputs(inputs, out)?;
    let provenances: Vec<Option<Provenance>> = inputs
        .iter()
        .map(|r| Provenance::load(r))
        .collect::<Result<_, _>>()?;
    let (provenance, missing) = check_provenance(inputs, &provenances, opts.allow_partial)?;
    let run = RunWriter::begin(out, opts.force)?;
    let mut summary = write_merge(inputs, &provenances, run, provenance.as_ref())?;
    summary.missing = missing;
    Ok(summary)
}

/// Refuses an empty list, a run named twice, a folder that is no run, and `out` among them.
fn check_inputs(inputs: &[PathBuf], out: &Path) -> Result<(), MergeError> {
    if inputs.is_empty() {
        return Err(MergeError::Analyze(AnalyzeError::Usage(
            "name at least one run folder to merge".into(),
        )));
    }
    let out_canon = out.canonicalize().ok();
    let mut seen = Vec::new();
    for run in inputs {
        let c = run.canonicalize().at(run)?;
        if Some(&c) == out_canon.as_ref() {
            return Err(MergeError::Analyze(AnalyzeError::Usage(format!(
                "--out {} is one of the runs to merge; write the merge to a new folder",
                out.display()
            ))));
        }
        if seen.contains(&c) {
            return Err(MergeError::Analyze(AnalyzeError::Usage(format!(
                "{} is named twice; merging a run with itself would count it twice",
                run.display()
            ))));
        }
        if !layout::is_run(run) {
            return Err(MergeError::Analyze(AnalyzeError::Usage(format!(
                "{} is not a verbatim run folder (no {} and {}); name folders written by \
                 `verbatim analyze` or `verbatim merge`",
                run.display(),
                layout::RESPONSES,
                layout::STATS
            ))));
        }
        seen.push(c);
    }
    Ok(())
}

/// Names the export of a run for messages.
fn export_of(p: &Provenance) -> String {
    p.input
        .as_ref()
        .map(|f| format!("{} (sha256 {:.12})", f.path, f.sha256))
        .unwrap_or_else(|| "its export".into())
}

/// Checks that the runs share model and codebook and cover disjoint shards; returns the
/// merged run's provenance (none when a run predates provenance.json) and the missing shards.
fn check_provenance(
    inputs: &[PathBuf],
    provs: &[Option<Provenance>],
    allow_partial: bool,
) -> Result<(Option<Provenance>, Vec<ShardSpec>), MergeError> {
    let Some(all) = provs.iter().cloned().collect::<Option<Vec<Provenance>>>() else {
        return Ok((None, Vec::new()));
    };
    let name = |k: usize| inputs[k].display().to_string();
    let first = &all[0];
    for (k, p) in all.iter().enumerate().skip(1) {
        if (&p.model, &p.model_fingerprint) != (&first.model, &first.model_fingerprint) {
            return Err(MergeError::Analyze(AnalyzeError::Mismatch(format!(
                "{} was analyzed with model {} ({}) but {} with {} ({}); analyze every shard \
                 with the same --model",
                name(0),
                first.model,
                first.model_fingerprint,
                name(k),
                p.model,
                p.model_fingerprint
            ))));
        }
        let cb = |p: &Provenance| p.codebook.as_ref().map(|c| c.sha256.clone());
        if cb(p) != cb(first) {
            let show = |p: &Provenance| match &p.codebook {
                Some(c) => format!("codebook {} (sha256 {:.12})", c.path, c.sha256),
                None => "discovered themes".into(),
            };
            return Err(MergeError::Analyze(AnalyzeError::Mismatch(format!(
                "{} used {} but {} used {}; analyze every shard with the same --codebook",
                name(0),
                show(first),
                name(k),
                show(p)
            ))));
        }
    }
    let missing = check_shards(inputs, &all, allow_partial)?;
    let inputs_of: BTreeSet<Option<String>> = all
        .iter()
        .map(|p| p.input.as_ref().map(|f| f.sha256.clone()))
        .collect();
    let one_export = inputs_of.len() == 1 && first.input.is_some();
    let merged = Provenance {
        input: if one_export {
            first.input.clone()
        } else {
            None
        },
        shard: None,
        shards: if one_export {
            let s: BTreeSet<ShardSpec> = all.iter().flat_map(|p| p.covered_shards()).collect();
            s.into_iter().collect()
        } else {
            Vec::new()
        },
        merged_from: inputs.iter().map(|p| p.display().to_string()).collect(),
        ..first.clone()
    };
    Ok((Some(merged), missing))
}

/// Refuses a shard covered twice or shards of different counts of one export; returns the
/// shards missing from each export's set (an error unless `allow_partial`).
fn check_shards(
    inputs: &[PathBuf],
    all: &[Provenance],
    allow_partial: bool,
) -> Result<Vec<ShardSpec>, MergeError> {
    // Per export: shard -> run. A whole-export run counts as shard 0/1.
    let mut by_export: BTreeMap<String, BTreeMap<ShardSpec, usize>> = BTreeMap::new();
    for (k, p) in all.iter().enumerate() {
        let Some(input) = &p.input else { continue };
        let mut covered = p.covered_shards();
        if covered.is_empty() {
            covered.push(ShardSpec { index: 0, count: 1 });
        }
        let shards = by_export.entry(input.sha256.clone()).or_default();
        for s in covered {
            if let Some((other, j)) = shards.iter().find(|(o, _)| o.count != s.count) {
                return Err(MergeError::Analyze(AnalyzeError::Mismatch(format!(
                    "{} covers shard {other} but {} covers shard {s} of the same export {}; \
                     merge the shards of one --shard count",
                    inputs[*j].display(),
                    inputs[k].display(),
                    export_of(p)
                ))));
            }
            if let Some(j) = shards.insert(s, k) {
                return Err(MergeError::Analyze(AnalyzeError::Mismatch(format!(
                    "{} and {} both cover shard {s} of {}; merge each shard once",
                    inputs[j].display(),
                    inputs[k].display(),
                    export_of(p)
                ))));
            }
        }
    }
    let mut missing = Vec::new();
    for shards in by_export.values() {
        let count = shards.keys().next().map_or(1, |s| s.count);
        missing.extend(
            (0..count)
                .map(|index| ShardSpec { index, count })
                .filter(|s| !shards.contains_key(s)),
        );
    }
    if !missing.is_empty() && !allow_partial {
        let list: Vec<String> = missing
            .iter()
            .map(|s| format!("shard {s} missing"))
            .collect();
        return Err(MergeError::Analyze(AnalyzeError::Usage(format!(
            "{}; analyze the missing shards and merge again, or pass --allow-partial to merge \
             what is there",
            list.join(", ")
        ))));
    }
    Ok(missing)
}

/// The merged answers, vectors and search index, written in row order.
struct Merged {
    answers: u64,
    sentences: u64,
    index: bool,
}

/// The embedding stores of the runs (all or none), checked to be of one model.
fn open_stores(inputs: &[PathBuf]) -> Result<Vec<Store>, MergeError> {
    let with_store: Vec<bool> = inputs.iter().map(|r| RunDir::new(r).has_store()).collect();
    let embeddings = with_store.iter().all(|&b| b);
    if !embeddings && with_store.iter().any(|&b| b) {
        return Err(MergeError::Analyze(AnalyzeError::Mismatch(
            "some runs have an embeddings/ folder and some do not".into(),
        )));
    }
    if !embeddings {
        return Ok(Vec::new());
    }
    let stores: Vec<Store> = inputs
        .iter()
        .map(|r| RunDir::new(r).store())
        .collect::<Result<_, _>>()?;
    for s in stores.iter().skip(1) {
        if s.dim() != stores[0].dim() || s.meta().model != stores[0].meta().model {
            return Err(MergeError::Analyze(AnalyzeError::Mismatch(format!(
                "embeddings of different models ({} and {}); analyze every shard with the same --model",
                stores[0].meta().model,
                s.meta().model
            ))));
        }
    }
    Ok(stores)
}

/// Writes the merged run through `run` with the merged `provenance`, and puts it in place.
fn write_merge(
    inputs: &[PathBuf],
    provenances: &[Option<Provenance>],
    run: RunWriter,
    provenance: Option<&Provenance>,
) -> Result<MergeSummary, MergeError> {
    // Statistics first: a theme mismatch stops the merge before any file is written.
    let mut stats: Option<RunStats> = None;
    for run in inputs {
        let s = RunDir::new(run).stats()?;
        match &mut stats {
            None => stats = Some(s),
            Some(m) => m.merge(&s)?,
        }
    }
    let stats = stats.expect("at least one input");
    let stores = open_stores(inputs)?;
    let m = merge_answers(inputs, &stores, &run)?;
    let counted = stats.overall.answers() as usize;
    same_count(
        (m.answers as usize, "answers in the responses.jsonl files"),
        (counted, "counted by the stats.json files"),
    )
    .map_err(|why| {
        MergeError::Analyze(AnalyzeError::Mismatch(format!(
            "{why}; a run folder is incomplete"
        )))
    })?;
    let rejects = merge_rejects(inputs, &run)?;
    if let Some(model) = shared_theme_model(inputs)? {
        run.theme_model(&model)?;
    }
    let summary = merge_summaries(inputs, provenances, m.answers)?;
    run.finish(&stats, provenance, || summary)?;
    Ok(MergeSummary {
        runs: inputs.len(),
        answers: m.answers,
        sentences: m.sentences,
        rejects,
        embeddings: !stores.is_empty(),
        index: m.index,
        missing: Vec::new(),
    })
}

/// The theme model ([`layout::THEME_MODEL`]) every run has, when they all have the same one
/// (shards of one codebook do; self-trained shards do not, and their merge routes search
/// queries with the codebook's model instead).
fn shared_theme_model(
    inputs: &[PathBuf],
) -> Result<Option<crate::classify::codebook::ThemeModel>, MergeError> {
    let mut models = inputs.iter().map(|r| RunDir::new(r).theme_model());
    let Some(first) = models.next().transpose()?.flatten() else {
        return Ok(None);
    };
    for m in models {
        if m?.as_ref() != Some(&first) {
            return Ok(None);
        }
    }
    Ok(Some(first))
}

/// The k-way merge by source row of the runs' answers (with their vectors and index entries);
/// refuses an id found in two runs.
fn merge_answers(
    inputs: &[PathBuf],
    stores: &[Store],
    run: &RunWriter,
) -> Result<Merged, MergeError> {
    let mut writer = match stores.first() {
        Some(s) => Some(run.store(s.dim(), &s.meta().model)?),
        None => None,
    };
    let mut sources: Vec<Source> = inputs
        .iter()
        .map(|r| Source::open(r))
        .collect::<Result<_, _>>()?;
    let index_all = inputs.iter().all(|r| r.join(layout::INDEX_DIR).is_dir());
    let files = AnswerFiles {
        parquet: false,
        index: index_all,
    };
    let mut answers = run.answers(&segment_keys(&sources), files)?;
    let mut owner: HashMap<String, usize> = HashMap::new();
    let (mut seq, mut sentence_vectors) = (0u64, 0u64);
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
        if let Some(j) = owner.insert(r.id.clone(), k).filter(|&j| j != k) {
            return Err(MergeError::Analyze(AnalyzeError::Mismatch(format!(
                "id {} is in both {} and {}; the runs overlap (the same rows analyzed twice?); \
                 merge runs of different rows",
                r.id,
                inputs[j].display(),
                inputs[k].display()
            ))));
        }
        if let (Some(w), Some(store)) = (&mut writer, stores.get(k)) {
            sentence_vectors += copy_vectors(store, line, w, &sources[k].path)?;
        }
        r.seq = seq;
        seq += 1;
        answers.write(&r)?;
        sources[k].advance()?;
    }
    let answers = answers.finish()?;
    if let Some(w) = writer {
        w.finish()?;
    }
    Ok(Merged {
        answers,
        sentences: sentence_vectors,
        index: index_all,
    })
}

/// The segment columns of the merged run: the union over the runs' first answers (shards
/// share columns).
fn segment_keys(sources: &[Source]) -> Vec<String> {
    let keys: BTreeSet<String> = sources
        .iter()
        .filter_map(|s| s.next.as_ref())
        .flat_map(|(_, r)| r.segments.keys().cloned())
        .collect();
    keys.into_iter().collect()
}

/// Copies answer `line`'s vectors from `store` to `w`; returns its sentence count.
fn copy_vectors(
    store: &Store,
    line: usize,
    w: &mut StoreWriter,
    path: &Path,
) -> Result<u64, MergeError> {
    if line >= store.len() {
        return Err(MergeError::Analyze(AnalyzeError::Corrupt {
            path: path.to_path_buf(),
            why: format!(
                "more answers than its embedding store holds ({})",
                store.len()
            ),
        }));
    }
    let range = store.sentence_range(line);
    let n = range.len() as u64;
    let sv: Vec<Vec<f32>> = range.map(|j| store.sentence(j).to_vec()).collect();
    w.push(store.answer(line), &sv)?;
    Ok(n)
}

/// Writes all runs' rejects, by row; returns their count.
fn merge_rejects(inputs: &[PathBuf], out: &RunWriter) -> Result<u64, MergeError> {
    let mut rejects = Vec::new();
    for run in inputs {
        read_rejects(run, &mut rejects)?;
    }
    rejects.sort_by_key(|r| r.row);
    let mut rw = out.rejects()?;
    for r in &rejects {
        rw.write(r)?;
    }
    Ok(rw.finish()?)
}

/// Rows read by the runs together: shards of one export all read the whole export, so each
/// export's rows count once (the largest count among its shards); other runs add up.
fn rows_read(summaries: &[(Value, Option<Provenance>)]) -> Option<u64> {
    let mut per_export: BTreeMap<String, u64> = BTreeMap::new();
    let mut total = 0u64;
    for (s, p) in summaries {
        let n = s.get("rows_read")?.as_u64()?;
        let sharded = !s["shard"].is_null() || p.as_ref().is_some_and(|p| !p.shards.is_empty());
        let export = p
            .as_ref()
            .and_then(|p| p.input.as_ref().map(|f| f.sha256.clone()))
            .or_else(|| s["input"].as_str().map(str::to_string));
        match export.filter(|_| sharded) {
            Some(e) => {
                let m = per_export.entry(e).or_default();
                *m = (*m).max(n);
            }
            None => total += n,
        }
    }
    Some(total + per_export.values().sum::<u64>())
}

/// The merged `summary.json` (none when no run has one): counts summed, maps merged, rows
/// read counted once.
fn merge_summaries(
    inputs: &[PathBuf],
    provenances: &[Option<Provenance>],
    answers: u64,
) -> Result<Option<Value>, MergeError> {
    let mut summary = Value::Null;
    let mut each = Vec::new();
    for (run, prov) in inputs.iter().zip(provenances) {
        let p = run.join(layout::SUMMARY);
        if let Ok(raw) = std::fs::read(&p) {
            let v: Value = serde_json::from_slice(&raw).map_err(|e| AnalyzeError::Corrupt {
                path: p.clone(),
                why: e.to_string(),
            })?;
            merge_json(&mut summary, &v);
            each.push((v, prov.clone()));
        }
    }
    let Value::Object(m) = &mut summary else {
        return Ok(None);
    };
    let secs = m.get("seconds").and_then(Value::as_f64).unwrap_or(0.0);
    if secs > 0.0 {
        m.insert(
            "answers_per_second".into(),
            Value::from(answers as f64 / secs),
        );
    }
    if let Some(rows) = rows_read(&each) {
        let counted = ["analyzed", "rejected"]
            .iter()
            .filter_map(|k| m.get(*k).and_then(Value::as_u64))
            .sum::<u64>();
        m.insert("rows_read".into(), Value::from(rows));
        m.insert(
            "other_shards".into(),
            Value::from(rows.saturating_sub(counted)),
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
    Ok(Some(summary))
}
