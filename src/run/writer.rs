//! [`RunWriter`]: the one writer of a run folder. It creates every file of the run inside a
//! [`RunTxn`] (a temporary sibling of the target), hands out the streaming writers
//! ([`RejectsWriter`], the embedding store's [`StoreWriter`], an [`AnswerWriter`] for the
//! answers and their search index, the pass-one work file), and [`RunWriter::finish`] writes
//! what is made from the whole run (`stats.json`, `vectors/`, `provenance.json`,
//! `summary.json`) and renames the folder into place, so a run appears whole or not at all.
//!
//! `verbatim analyze` ([`crate::pipeline`]), `verbatim merge` ([`super::merge`]) and the test
//! and bench fixtures all write runs through it; file names come from [`super::layout`].

use super::write::{OutputError, ParquetWriter, RejectsWriter, ResponsesWriter};
use super::{layout, Provenance, RunDir, RunError, RunTxn};
use crate::analyze::stats::RunStats;
use crate::classify::codebook::ThemeModel;
use crate::encode::store::StoreWriter;
use crate::error::IoResultExt;
use crate::index::IndexBuilder;
use crate::record::Response;
use serde::Serialize;
use std::path::Path;

/// A run folder being written; dropped without [`RunWriter::finish`], it leaves nothing
/// behind and the target as it was.
#[derive(Debug)]
pub struct RunWriter {
    txn: RunTxn,
}

/// Which answer files a run has besides `responses.jsonl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerFiles {
    /// `responses.parquet` (`--format parquet`).
    pub parquet: bool,
    /// The tantivy keyword index (`index/`).
    pub index: bool,
}

/// Writes each analyzed answer to `responses.jsonl` and, as the run has them, to
/// `responses.parquet` and the keyword index.
pub struct AnswerWriter {
    responses: ResponsesWriter,
    parquet: Option<ParquetWriter>,
    index: Option<IndexBuilder>,
}

impl AnswerWriter {
    /// Writes one answer; its `seq` must be the number of answers written before it.
    pub fn write(&mut self, r: &Response) -> Result<(), OutputError> {
        self.responses.write(r)?;
        if let Some(p) = &mut self.parquet {
            p.write(r)?;
        }
        if let Some(ix) = &mut self.index {
            ix.add(r)?;
        }
        Ok(())
    }

    /// Flushes the answer files and commits the index; returns the number of answers.
    pub fn finish(self) -> Result<u64, OutputError> {
        let n = self.responses.finish()?;
        if let Some(p) = self.parquet {
            p.finish()?;
        }
        if let Some(ix) = self.index {
            ix.finish()?;
        }
        Ok(n)
    }
}

impl RunWriter {
    /// Starts writing the run folder `out`: it must be missing, empty, or (with `force`) an
    /// earlier run, which stays as it is until [`RunWriter::finish`] replaces it.
    pub fn begin(out: &Path, force: bool) -> Result<RunWriter, RunError> {
        Ok(RunWriter {
            txn: RunTxn::begin(out, force)?,
        })
    }

    /// The run folder [`RunWriter::finish`] puts the run in.
    pub fn target(&self) -> &Path {
        self.txn.target()
    }

    /// The run as written so far, to read back (the finished embedding store, the work file).
    pub fn written(&self) -> RunDir {
        RunDir::new(self.txn.path())
    }

    /// `rejects.csv`, with its header written.
    pub fn rejects(&self) -> Result<RejectsWriter, OutputError> {
        RejectsWriter::create(self.txn.path())
    }

    /// The embedding store `embeddings/` for vectors of `dim` values made by `model`; once it
    /// is finished, [`RunWriter::finish`] builds the vector index `vectors/` from it.
    pub fn store(&self, dim: usize, model: &str) -> Result<StoreWriter, OutputError> {
        let dir = self.txn.path().join(layout::EMBEDDINGS_DIR);
        Ok(StoreWriter::create(&dir, dim, model)?)
    }

    /// The answer files: `responses.jsonl`, and as `files` asks `responses.parquet` and the
    /// keyword index, both with a column per segment in `segment_keys`.
    pub fn answers(
        &self,
        segment_keys: &[String],
        files: AnswerFiles,
    ) -> Result<AnswerWriter, OutputError> {
        let dir = self.txn.path();
        let responses = ResponsesWriter::create(dir)?;
        let parquet = match files.parquet {
            true => Some(ParquetWriter::create(dir, segment_keys)?),
            false => None,
        };
        let index = match files.index {
            true => Some(IndexBuilder::create(
                &dir.join(layout::INDEX_DIR),
                segment_keys,
            )?),
            false => None,
        };
        Ok(AnswerWriter {
            responses,
            parquet,
            index,
        })
    }

    /// The pass-one work file ([`layout::WORK_PASS1`]): answers before themes, in the format
    /// of `responses.jsonl`, read back with [`super::Responses::open`]; removed by
    /// [`RunWriter::finish`].
    pub fn work_file(&self) -> Result<ResponsesWriter, OutputError> {
        ResponsesWriter::create_named(self.txn.path(), layout::WORK_PASS1)
    }

    /// The codebook theme model the run tags answers with ([`layout::THEME_MODEL`]), read
    /// back by [`RunDir::theme_model`] to route search queries.
    pub fn theme_model(&self, model: &ThemeModel) -> Result<(), OutputError> {
        write_json(&self.written().file(layout::THEME_MODEL), model, false)
    }

    /// Finishes the run, whose streaming writers must all be finished: writes `stats.json`,
    /// builds `vectors/` when the run has an embedding store, writes `provenance.json` (when
    /// given) and `summary.json` (when `summary` returns one; it is asked last, so timings it
    /// takes cover the whole run), removes the work file and puts the run in place.
    pub fn finish<S: Serialize>(
        self,
        stats: &RunStats,
        provenance: Option<&Provenance>,
        summary: impl FnOnce() -> Option<S>,
    ) -> Result<(), OutputError> {
        let run = self.written();
        stats.save(&run.file(layout::STATS))?;
        if run.has_store() {
            trim_heap();
            let store = run.store()?;
            let dir = run.file(layout::VECTORS_DIR);
            crate::vector::VectorIndex::build(&store, &dir, &Default::default())?;
        }
        if let Some(p) = provenance {
            p.save(run.path())?;
        }
        if let Some(s) = summary() {
            write_json(&run.file(layout::SUMMARY), &s, true)?;
        }
        let work = run.file(layout::WORK_PASS1);
        if work.exists() {
            std::fs::remove_file(&work).at(&work)?;
        }
        Ok(self.txn.commit()?)
    }
}

/// Writes `value` as JSON (indented when `pretty`) to `path`.
fn write_json<S: Serialize>(path: &Path, value: &S, pretty: bool) -> Result<(), OutputError> {
    let json = match pretty {
        true => serde_json::to_vec_pretty(value),
        false => serde_json::to_vec(value),
    };
    let json = json.map_err(|source| OutputError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(std::fs::write(path, json).at(path)?)
}

/// Gives the heap's free pages back to the OS: glibc keeps the blocks libtorch frees while
/// encoding (its dynamic mmap threshold, benches/README.md), so a run's resident memory crept
/// up chunk by chunk and peaked when the vector index mapped the embeddings. Called after
/// each encoded chunk and before the vector index is built.
pub(crate) fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Reject;
    use crate::run::txn::tests::names;
    use crate::run::write::tests::response;
    use crate::run::RunSummary;

    /// A unit vector of 4 values along axis `k % 4`.
    fn axis(k: u64) -> Vec<f32> {
        let mut v = vec![0.0; 4];
        v[(k % 4) as usize] = 1.0;
        v
    }

    /// Writes three answers (with parquet, index and vectors) and one reject into `run`;
    /// returns their statistics and summary.
    fn write_answers(run: &RunWriter) -> (RunStats, RunSummary) {
        let files = AnswerFiles {
            parquet: true,
            index: true,
        };
        let mut answers = run
            .answers(&["plan".into(), "region".into()], files)
            .unwrap();
        let mut store = run.store(4, "test-4").unwrap();
        let mut stats = RunStats::new(&["speed".into(), "support".into()]);
        let mut summary = RunSummary::default();
        for seq in 0..3 {
            let r = response(seq);
            answers.write(&r).unwrap();
            stats.add(&r);
            summary.add(&r);
            store
                .push(&axis(seq), &[axis(seq + 1), axis(seq + 2)])
                .unwrap();
        }
        assert_eq!(answers.finish().unwrap(), 3);
        store.finish().unwrap();
        let mut rejects = run.rejects().unwrap();
        let reason = "empty answer text".to_string();
        let (row, column) = (9, None);
        rejects
            .write(&Reject {
                row,
                column,
                reason,
            })
            .unwrap();
        rejects.finish().unwrap();
        (stats, summary)
    }

    #[test]
    fn a_finished_run_reads_back_through_run_dir() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("run");
        let run = RunWriter::begin(&target, false).unwrap();
        let (stats, summary) = write_answers(&run);
        let mut work = run.work_file().unwrap();
        work.write(&response(0)).unwrap();
        work.finish().unwrap();
        assert!(!target.exists(), "nothing is in place before finish");
        run.finish(&stats, None, || Some(summary.clone())).unwrap();

        let dir = RunDir::open(&target).unwrap();
        let read: Vec<Response> = dir.responses().unwrap().map(Result::unwrap).collect();
        assert_eq!(read, (0..3).map(response).collect::<Vec<_>>());
        assert_eq!(dir.stats().unwrap(), stats);
        let back = dir.summary().unwrap();
        assert_eq!(
            (back.rows.analyzed, back.answers.themes),
            (3, summary.answers.themes)
        );
        assert_eq!(
            (dir.store().unwrap().len(), dir.store().unwrap().dim()),
            (3, 4)
        );
        assert_eq!(dir.vectors().unwrap().meta().count, 3);
        assert!(dir.index().is_some() && dir.file(layout::PARQUET).is_file());
        let rejects = std::fs::read_to_string(dir.file(layout::REJECTS)).unwrap();
        assert_eq!(rejects, "row,column,reason\n9,,empty answer text\n");
        // The work file is gone, and so is the temporary folder.
        assert!(!dir.file(layout::WORK_PASS1).exists());
        assert_eq!(names(tmp.path()), ["run"]);
    }

    #[test]
    fn an_unfinished_run_leaves_nothing_and_keeps_the_earlier_run() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("run");
        let run = RunWriter::begin(&target, false).unwrap();
        write_answers(&run);
        drop(run);
        assert!(names(tmp.path()).is_empty(), "{:?}", names(tmp.path()));

        let run = RunWriter::begin(&target, false).unwrap();
        let (stats, summary) = write_answers(&run);
        run.finish(&stats, None, || Some(summary)).unwrap();
        let before = std::fs::read(target.join(layout::RESPONSES)).unwrap();
        // A replacement dropped halfway leaves the earlier run as it was.
        let run = RunWriter::begin(&target, true).unwrap();
        let files = AnswerFiles {
            parquet: false,
            index: false,
        };
        let mut answers = run.answers(&[], files).unwrap();
        answers.write(&response(0)).unwrap();
        drop((answers, run));
        let after = std::fs::read(target.join(layout::RESPONSES)).unwrap();
        assert_eq!(after, before);
        assert_eq!(names(tmp.path()), ["run"]);
    }
}
