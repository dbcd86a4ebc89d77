//! Every file name of a run folder, in one place (as tantivy's `META_FILEPATH`), and the test
//! of whether a folder is a verbatim run.
//!
//! [`crate::run::RunWriter`] and [`crate::run::RunDir`] join these names onto a run folder; nothing else
//! spells them. The files that a lower module writes inside its own folder (tantivy's metadata
//! in [`crate::index`], the embedding store's in [`crate::encode::store`]) are spelled there and
//! listed here by name. It sits at the crate root, below both [`crate::run`] and
//! [`crate::analyze`], so both use the same names ([`crate::run::layout`] is this module).

use std::path::Path;

/// Analyzed answers, one JSON object per line, in `seq` order.
pub const RESPONSES: &str = "responses.jsonl";
/// The same answers, flat, with `--format parquet`.
pub const PARQUET: &str = "responses.parquet";
/// `row,column,reason` of every row not analyzed.
pub const REJECTS: &str = "rejects.csv";
/// Headline numbers of the run.
pub const SUMMARY: &str = "summary.json";
/// Mergeable integer statistics.
pub const STATS: &str = "stats.json";
/// What the run was made from: input hash, shard, model, codebook.
pub const PROVENANCE: &str = "provenance.json";
/// The codebook theme model the run tagged answers with (ids, classifier weights,
/// calibration), so search routes queries without retraining it (codebook runs only).
pub const THEME_MODEL: &str = "themes.model.json";
/// The tantivy keyword index (a folder).
pub const INDEX_DIR: &str = "index";
/// The tantivy index's own metadata file inside [`INDEX_DIR`].
pub const INDEX_META: &str = crate::index::META_FILE;
/// Answer and sentence embeddings (a folder).
pub const EMBEDDINGS_DIR: &str = "embeddings";
/// The embedding store's metadata inside [`EMBEDDINGS_DIR`].
pub const EMBEDDINGS_META: &str = "meta.json";
/// The IVF vector index (a folder).
pub const VECTORS_DIR: &str = "vectors";
/// The vector index's metadata inside [`VECTORS_DIR`].
pub const VECTORS_META: &str = "meta.json";
/// Answers without themes between the two passes of theme discovery (removed at the end).
pub const WORK_PASS1: &str = "work-pass1.jsonl";
/// The HTML report (`verbatim report`).
pub const REPORT: &str = "report.html";
/// Ranked ideas as CSV (`verbatim report`, `verbatim ideas --csv`).
pub const IDEAS_CSV: &str = "ideas.csv";
/// Key drivers as CSV (`verbatim report`).
pub const DRIVERS_CSV: &str = "drivers.csv";
/// Theme table as CSV (`verbatim report`).
pub const THEMES_CSV: &str = "themes.csv";
/// NPS trend as CSV (`verbatim report`).
pub const NPS_CSV: &str = "nps.csv";

/// Whether `dir` holds a verbatim run: its answers and its statistics are there.
pub fn is_run(dir: &Path) -> bool {
    dir.join(RESPONSES).is_file() && dir.join(STATS).is_file()
}

/// Whether `dir` is missing or an empty folder.
pub fn is_missing_or_empty(dir: &Path) -> bool {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}
