//! [`RunDir`]: a run folder to read, with a typed reader for each of its files, so no command
//! spells a file name or parses `responses.jsonl` or `summary.json` on its own.

use super::layout;
use super::{Provenance, RunError, RunSummary, ThemeOrigin};
use crate::analyze::stats::RunStats;
use crate::analyze::AnalyzeError;
use crate::classify::codebook::{Codebook, ThemeModel};
use crate::encode::store::{Store, StoreError};
use crate::error::IoResultExt;
use crate::vector::{VectorError, VectorIndex};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// A run folder written by `verbatim analyze` or `verbatim merge`, opened for reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    path: PathBuf,
}

impl RunDir {
    /// The run folder at `path` (not checked: each reader reports its own missing file).
    pub fn new(path: impl Into<PathBuf>) -> RunDir {
        RunDir { path: path.into() }
    }

    /// The run folder at `path`, refused unless it holds a run ([`layout::is_run`]).
    pub fn open(path: impl Into<PathBuf>) -> Result<RunDir, RunError> {
        let path = path.into();
        if !layout::is_run(&path) {
            return Err(RunError::Usage(format!(
                "{} is not a run folder (no {} and {}); write one with `verbatim analyze`",
                path.display(),
                layout::RESPONSES,
                layout::STATS
            )));
        }
        Ok(RunDir { path })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `name` (one of the [`layout`] constants) inside the folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// The analyzed answers of `responses.jsonl`, in order, each checked to carry its line's
    /// `seq`.
    pub fn responses(&self) -> Result<Responses, RunError> {
        Responses::open(self.file(layout::RESPONSES))
    }

    /// The mergeable statistics of `stats.json`.
    pub fn stats(&self) -> Result<RunStats, AnalyzeError> {
        RunStats::load(&self.file(layout::STATS))
    }

    /// The headline numbers of `summary.json`.
    pub fn summary(&self) -> Result<RunSummary, RunError> {
        let path = self.file(layout::SUMMARY);
        let raw = std::fs::read(&path).at(&path)?;
        serde_json::from_slice(&raw).map_err(|e| RunError::Corrupt {
            path,
            why: e.to_string(),
        })
    }

    /// The codebook theme model the run tagged its answers with ([`layout::THEME_MODEL`]);
    /// `Ok(None)` for a run without one (discovered themes, or written before the file
    /// existed).
    pub fn theme_model(&self) -> Result<Option<ThemeModel>, RunError> {
        let path = self.file(layout::THEME_MODEL);
        let raw = match std::fs::read(&path) {
            Ok(raw) => raw,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(crate::error::IoError::new(&path, e).into()),
        };
        serde_json::from_slice(&raw)
            .map(Some)
            .map_err(|e| RunError::Corrupt {
                path,
                why: format!("{e}; analyze the run again to rewrite it"),
            })
    }

    /// Where the run's themes came from, as `summary.json` records it.
    pub fn theme_source(&self) -> Result<ThemeOrigin, RunError> {
        Ok(ThemeOrigin::parse(&self.summary()?.theme_source))
    }

    /// The codebook the run was analyzed with: the one in `provenance.json`, or, for a run
    /// written before provenance existed, the one `summary.json` names. A relative path that
    /// does not resolve from here (it was relative to where `analyze` ran) is tried inside the
    /// run folder. `Ok(None)` for discovered themes or a run that names no codebook; an error
    /// when the codebook named cannot be read.
    pub fn codebook(&self) -> Result<Option<(PathBuf, Codebook)>, RunError> {
        let path = match Provenance::load(&self.path)? {
            Some(p) => p.codebook.map(|c| PathBuf::from(c.path)),
            None => match self.theme_source() {
                Ok(t) => t.codebook().map(Path::to_path_buf),
                Err(RunError::Io(e)) if e.source.kind() == ErrorKind::NotFound => None,
                Err(e) => return Err(e),
            },
        };
        let Some(path) = path else {
            return Ok(None);
        };
        let first = match Codebook::load(&path) {
            Ok(cb) => return Ok(Some((path, cb))),
            Err(e) => e,
        };
        let inside = self.path.join(&path);
        if path.is_relative() {
            if let Ok(cb) = Codebook::load(&inside) {
                return Ok(Some((inside, cb)));
            }
        }
        Err(RunError::Usage(format!(
            "the run's codebook {} cannot be read ({first}); put it back at that path (`followup` also takes --codebook FILE)",
            path.display()
        )))
    }

    /// Whether the run has an embedding store (`embeddings/`).
    pub fn has_store(&self) -> bool {
        self.file(layout::EMBEDDINGS_DIR)
            .join(layout::EMBEDDINGS_META)
            .exists()
    }

    /// The answer and sentence embeddings (`embeddings/`).
    pub fn store(&self) -> Result<Store, StoreError> {
        Store::open(&self.file(layout::EMBEDDINGS_DIR))
    }

    /// The IVF vector index (`vectors/`).
    pub fn vectors(&self) -> Result<VectorIndex, VectorError> {
        VectorIndex::open(&self.file(layout::VECTORS_DIR))
    }

    /// The folder of the keyword index (`index/`), when the run has one.
    pub fn index(&self) -> Option<PathBuf> {
        let dir = self.file(layout::INDEX_DIR);
        dir.join(layout::INDEX_META).is_file().then_some(dir)
    }
}

/// The answers of a run's `responses.jsonl` (or of the pass-one work file
/// [`layout::WORK_PASS1`]), read one line at a time with [`crate::record::Responses`].
pub type Responses = crate::record::Responses<RunError>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::tests::line;

    #[test]
    fn responses_come_in_order_and_a_wrong_seq_names_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let body = [
            line(0, "late"),
            String::new(),
            line(2, "slow"),
            line(7, "bad"),
        ]
        .join("\n");
        std::fs::write(dir.path().join(layout::RESPONSES), body).unwrap();
        let run = RunDir::new(dir.path());
        let mut it = run.responses().unwrap();
        assert_eq!(it.next().unwrap().unwrap().text, "late");
        // The blank line 2 is skipped but counted: line 3 must carry seq 2.
        assert_eq!(it.next().unwrap().unwrap().text, "slow");
        let err = it.next().unwrap().unwrap_err().to_string();
        assert!(err.contains("line 4 has seq 7"), "{err}");
        assert!(err.contains(layout::RESPONSES), "{err}");
        assert!(it.next().is_none());
    }

    #[test]
    fn summary_reads_back_and_tolerates_missing_fields() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::new(dir.path());
        let mut written = RunSummary {
            theme_source: "codebook:themes.yaml".into(),
            ..Default::default()
        };
        written.rows.analyzed = 12;
        written.answers.languages = [("he".to_string(), 7)].into();
        let p = run.file(layout::SUMMARY);
        std::fs::write(&p, serde_json::to_vec_pretty(&written).unwrap()).unwrap();
        let read = run.summary().unwrap();
        assert_eq!(read.rows.analyzed, 12);
        assert_eq!(read.answers.languages, written.answers.languages);
        assert_eq!(read.theme_source, "codebook:themes.yaml");
        // A hand-written or older summary with only some fields still reads.
        std::fs::write(&p, r#"{"theme_source":"discovered","runs":["a","b"]}"#).unwrap();
        let read = run.summary().unwrap();
        assert_eq!(
            (read.theme_source.as_str(), read.rows.analyzed),
            ("discovered", 0)
        );
        std::fs::write(&p, "{not json").unwrap();
        let err = run.summary().unwrap_err().to_string();
        assert!(err.contains("re-run `verbatim analyze`"), "{err}");
    }

    fn write_summary(run: &RunDir, theme_source: &str) {
        let s = serde_json::json!({ "theme_source": theme_source });
        std::fs::write(run.file(layout::SUMMARY), s.to_string()).unwrap();
    }

    #[test]
    fn codebook_comes_from_provenance_then_the_summary_then_inside_the_run() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::new(dir.path());
        let yaml = "themes:\n  - id: delivery\n    name: Delivery\n";
        let cb = dir.path().join("cb.yaml");
        std::fs::write(&cb, yaml).unwrap();
        // No provenance, no summary: no codebook named.
        assert!(run.codebook().unwrap().is_none());
        // A run written before provenance existed, analyzed with --self-train.
        write_summary(
            &run,
            &format!("codebook:{} (self-trained, seed 7)", cb.display()),
        );
        let (path, book) = run.codebook().unwrap().unwrap();
        assert_eq!(
            (path, book.themes[0].name.as_str()),
            (cb.clone(), "Delivery")
        );
        // A relative path that does not resolve from here resolves inside the run folder.
        write_summary(&run, "codebook:cb.yaml");
        assert_eq!(run.codebook().unwrap().unwrap().0, cb);
        write_summary(&run, "discovered");
        assert!(run.codebook().unwrap().is_none());
        // provenance.json comes first.
        write_summary(&run, "codebook:/gone.yaml");
        let prov = Provenance {
            input: None,
            shard: None,
            model: "m".into(),
            model_fingerprint: "f".into(),
            codebook: Some(super::super::FileHash::of(&cb).unwrap()),
            shards: Vec::new(),
            merged_from: Vec::new(),
        };
        prov.save(dir.path()).unwrap();
        assert_eq!(run.codebook().unwrap().unwrap().0, cb);
        std::fs::remove_file(&cb).unwrap();
        let err = run.codebook().unwrap_err().to_string();
        assert!(
            err.contains("cannot be read") && err.contains("cb.yaml"),
            "{err}"
        );
    }

    #[test]
    fn open_refuses_a_folder_that_is_not_a_run() {
        let dir = tempfile::tempdir().unwrap();
        let err = RunDir::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("is not a run folder"), "{err}");
        std::fs::write(dir.path().join(layout::RESPONSES), "").unwrap();
        std::fs::write(dir.path().join(layout::STATS), "{}").unwrap();
        let run = RunDir::open(dir.path()).unwrap();
        assert_eq!(run.path(), dir.path());
        assert!(!run.has_store() && run.index().is_none());
    }
}
