//! [`IndexBuilder`]: writes the keyword index of a run, one answer at a time.

use super::analyzer::{index_tokens, register};
use super::error::IndexError;
use super::schema::{date_key, schema, segment_term, Fields};
use crate::error::IoResultExt;
use crate::record::Response;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tantivy::tokenizer::PreTokenizedString;
use tantivy::{Index, IndexWriter, TantivyDocument};

/// Indexing memory per writer thread: tantivy flushes a segment when it is full. 64 MB keeps
/// segments large (few merges) while four threads stay well under a laptop's memory.
const MEMORY_PER_THREAD: usize = 64 << 20;
/// Most writer threads (indexing is a small part of an analyze run; encoding dominates).
const MAX_THREADS: usize = 4;

/// What the index records about itself (the commit payload).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexInfo {
    /// Segment columns of the run.
    pub segment_keys: Vec<String>,
    /// Number of answers indexed.
    pub answers: u64,
}

impl IndexInfo {
    /// Reads the payload of an index's last commit (default when there is none).
    pub fn of(index: &Index) -> IndexInfo {
        index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| serde_json::from_str(&p).ok())
            .unwrap_or_default()
    }
}

/// Writes a run's keyword index (`RUN_DIR/index`).
pub struct IndexBuilder {
    dir: PathBuf,
    writer: IndexWriter,
    fields: Fields,
    info: IndexInfo,
}

/// Whether a file name is one tantivy writes into an index folder.
fn is_index_file(name: &str) -> bool {
    name == "meta.json"
        || name == ".managed.json"
        || name.starts_with(".tantivy-")
        || [
            ".idx",
            ".pos",
            ".term",
            ".store",
            ".fast",
            ".fieldnorm",
            ".del",
        ]
        .iter()
        .any(|ext| name.ends_with(ext))
}

/// Empties `dir` when it holds an earlier index (a re-run into the same run folder); refuses
/// to touch a folder with other files.
fn clear_old_index(dir: &Path) -> Result<(), IndexError> {
    if !dir.exists() {
        return Ok(());
    }
    let mut entries = Vec::new();
    for e in std::fs::read_dir(dir).at(dir)? {
        let e = e.at(dir)?;
        let name = e.file_name().to_string_lossy().into_owned();
        if !is_index_file(&name) || !e.file_type().at(dir)?.is_file() {
            return Err(IndexError::NotAnIndex {
                path: dir.to_path_buf(),
            });
        }
        entries.push(e.path());
    }
    for p in entries {
        std::fs::remove_file(&p).at(&p)?;
    }
    Ok(())
}

impl IndexBuilder {
    /// Creates an empty index in `dir` (replacing an earlier index there) for a run whose
    /// answers have the segment columns `segment_keys`.
    pub fn create(dir: &Path, segment_keys: &[String]) -> Result<IndexBuilder, IndexError> {
        clear_old_index(dir)?;
        std::fs::create_dir_all(dir).at(dir)?;
        let tantivy = |action: &str| IndexError::tantivy(dir, action);
        let schema = schema();
        let fields = Fields::of(&schema).map_err(|f| IndexError::Tantivy {
            path: dir.to_path_buf(),
            action: "build the schema".into(),
            source: tantivy::TantivyError::SchemaError(format!("field {f} missing")),
        })?;
        let index = Index::create_in_dir(dir, schema).map_err(tantivy("create the index"))?;
        register(&index);
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, MAX_THREADS);
        let writer = index
            .writer_with_num_threads(threads, threads * MEMORY_PER_THREAD)
            .map_err(tantivy("open the index writer"))?;
        Ok(IndexBuilder {
            dir: dir.to_path_buf(),
            writer,
            fields,
            info: IndexInfo {
                segment_keys: segment_keys.to_vec(),
                answers: 0,
            },
        })
    }

    /// The tantivy document of an answer.
    fn document(&self, r: &Response) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.seq, r.seq);
        doc.add_text(f.id, &r.id);
        doc.add_pre_tokenized_text(
            f.text,
            PreTokenizedString {
                text: r.text.clone(),
                tokens: index_tokens(&r.text, &r.lang),
            },
        );
        doc.add_text(f.body, &r.text);
        doc.add_text(f.lang, &r.lang);
        doc.add_text(f.sentiment, r.sentiment.label.as_str());
        if let Some(g) = r.nps_group {
            doc.add_text(f.nps, g.as_str());
        }
        for t in &r.themes {
            doc.add_text(f.theme, &t.theme);
        }
        for (k, v) in &r.segments {
            doc.add_text(f.segment, segment_term(k, v));
        }
        if let Some(s) = r.score {
            doc.add_u64(f.score, u64::from(s));
        }
        if let Some(d) = r.date.as_deref().map(date_key).filter(|&d| d > 0) {
            doc.add_u64(f.date, u64::from(d));
        }
        doc
    }

    /// Adds one answer.
    pub fn add(&mut self, r: &Response) -> Result<(), IndexError> {
        let doc = self.document(r);
        self.writer.add_document(doc).map_err(IndexError::tantivy(
            &self.dir,
            &format!("add answer {} (seq {})", r.id, r.seq),
        ))?;
        self.info.answers += 1;
        Ok(())
    }

    /// Commits the answers added and waits for background merges, leaving a searchable index.
    pub fn finish(mut self) -> Result<(), IndexError> {
        let dir = self.dir.clone();
        let err = |action: &str| IndexError::tantivy(&dir, action);
        let payload = serde_json::to_string(&self.info).unwrap_or_default();
        let mut commit = self.writer.prepare_commit().map_err(err("commit"))?;
        commit.set_payload(&payload);
        commit.commit().map_err(err("commit"))?;
        self.writer
            .wait_merging_threads()
            .map_err(err("finish merging segments"))?;
        share_metadata(&dir)
    }
}

/// tantivy writes `meta.json` and `.managed.json` through a temporary file, readable by its
/// owner only; gives them the mode of the index's other files, so that a run shared with
/// other users (or archived read-only) can be searched by them.
fn share_metadata(dir: &Path) -> Result<(), IndexError> {
    let mut mode = None;
    for e in std::fs::read_dir(dir).at(dir)? {
        let p = e.at(dir)?.path();
        if p.extension().is_some_and(|x| x == "idx") {
            mode = Some(std::fs::metadata(&p).at(&p)?.permissions());
            break;
        }
    }
    let Some(mode) = mode else { return Ok(()) };
    for name in [super::META_FILE, ".managed.json"] {
        let p = dir.join(name);
        if p.exists() {
            std::fs::set_permissions(&p, mode.clone()).at(&p)?;
        }
    }
    Ok(())
}
