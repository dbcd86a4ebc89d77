//! [`RunWriter`]: the one writer of a run folder. It creates every file of the run inside a
//! [`RunTxn`] (a temporary sibling of the target), hands out the streaming writers
//! ([`RejectsWriter`], the embedding store's [`StoreWriter`], an [`AnswerWriter`] for the
//! answers and their search index, the pass-one work file), and [`RunWriter::finish`] writes
//! what is made from the whole run (`stats.json`, `vectors/`, `provenance.json`,
//! `summary.json`) and renames the folder into place, so a run appears whole or not at all.
//!
//! `verbatim analyze` ([`crate::pipeline`]), `verbatim merge` ([`super::merge`]) and the test
//! and bench fixtures all write runs through it; file names come from [`super::layout`].

use super::write::{write_err, OutputError, ParquetWriter, RejectsWriter, ResponsesWriter};
use super::{layout, Provenance, RunDir, RunError, RunTxn};
use crate::analyze::stats::RunStats;
use crate::encode::store::StoreWriter;
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
            let store = run.store()?;
            let dir = run.file(layout::VECTORS_DIR);
            crate::vector::VectorIndex::build(&store, &dir, &Default::default())?;
        }
        if let Some(p) = provenance {
            p.save(run.path())?;
        }
        if let Some(s) = summary() {
            let path = run.file(layout::SUMMARY);
            let json = serde_json::to_vec_pretty(&s).map_err(|source| OutputError::Json {
                path: path.clone(),
                source,
            })?;
            std::fs::write(&path, json).map_err(write_err(&path))?;
        }
        let work = run.file(layout::WORK_PASS1);
        if work.exists() {
            std::fs::remove_file(&work).map_err(write_err(&work))?;
        }
        Ok(self.txn.commit()?)
    }
}
