//! [`RunTxn`]: a run folder written as a transaction. The run is written into a temporary
//! sibling folder and renamed into place only when complete (write new, rename the old run
//! aside, rename the new one in, delete the old), so a run that fails or is killed midway
//! leaves the previous run as it was.

use super::{layout, RunError};
use crate::error::{IoError, IoResultExt};
use std::path::{Path, PathBuf};

/// Marks the temporary siblings of a run folder (`.NAME.verbatim-tmp-PID`).
const TMP_TAG: &str = ".verbatim-tmp-";
/// Marks the replaced run while the new one is renamed in (`.NAME.verbatim-old-PID`).
const OLD_TAG: &str = ".verbatim-old-";

/// A run folder being written. Write into [`RunTxn::path`], then [`RunTxn::commit`]; dropped
/// without a commit, the temporary folder is removed and the target is untouched.
#[derive(Debug)]
pub struct RunTxn {
    target: PathBuf,
    temp: PathBuf,
    committed: bool,
}

fn sibling(target: &Path, tag: &str, pid: u32) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    target.with_file_name(format!(".{name}{tag}{pid}"))
}

/// Removes temporary siblings left by earlier processes that are gone (killed runs).
fn sweep_stale(target: &Path) {
    let (Some(parent), Some(name)) = (target.parent(), target.file_name()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let name = name.to_string_lossy();
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().into_owned();
        let pid = [TMP_TAG, OLD_TAG]
            .iter()
            .find_map(|tag| file.strip_prefix(&format!(".{name}{tag}")))
            .and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            let alive = Path::new("/proc").join(pid.to_string()).exists();
            if !alive || pid == std::process::id() {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

impl RunTxn {
    /// Starts writing the run folder `target`. `target` must be missing, empty, or (with
    /// `force`) an earlier verbatim run; any other folder is refused untouched.
    pub fn begin(target: &Path, force: bool) -> Result<RunTxn, RunError> {
        if target.exists() && !target.is_dir() {
            return Err(RunError::Usage(format!(
                "--out {} is a file; name a folder for the run",
                target.display()
            )));
        }
        if !layout::is_missing_or_empty(target) {
            if !layout::is_run(target) {
                return Err(RunError::Usage(format!(
                    "--out {} is a non-empty folder that is not a verbatim run; name a new or \
                     empty folder (a run folder is replaced as a whole)",
                    target.display()
                )));
            }
            if !force {
                return Err(RunError::Usage(format!(
                    "--out {} already holds a run; pass --force to replace it, or name another \
                     folder",
                    target.display()
                )));
            }
        }
        let target = match target.file_name() {
            Some(_) => target.to_path_buf(),
            None => target.canonicalize().at(target)?,
        };
        if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).at(parent)?;
        }
        sweep_stale(&target);
        let temp = sibling(&target, TMP_TAG, std::process::id());
        std::fs::create_dir(&temp).at(&temp)?;
        Ok(RunTxn {
            target,
            temp,
            committed: false,
        })
    }

    /// The folder to write the run into.
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// The run folder that [`RunTxn::commit`] replaces.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Puts the finished run in place of the target (an earlier run is deleted only after
    /// the new one is in place).
    pub fn commit(mut self) -> Result<(), RunError> {
        let old = sibling(&self.target, OLD_TAG, std::process::id());
        let had_old = self.target.exists();
        if had_old {
            std::fs::rename(&self.target, &old).at(&self.target)?;
        }
        if let Err(e) = std::fs::rename(&self.temp, &self.target) {
            if had_old {
                let _ = std::fs::rename(&old, &self.target);
            }
            return Err(IoError::new(&self.target, e).into());
        }
        self.committed = true;
        if had_old {
            std::fs::remove_dir_all(&old).at(&old)?;
        }
        Ok(())
    }
}

impl Drop for RunTxn {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.temp);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn fake_run(dir: &Path, marker: &str) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(layout::RESPONSES), marker).unwrap();
        std::fs::write(dir.join(layout::STATS), "{}").unwrap();
    }

    /// The names in `dir`, sorted.
    pub(crate) fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_a_run_only_with_force_and_only_on_commit() {
        let tmp = tempfile::tempdir().unwrap();
        let run = tmp.path().join("run");
        fake_run(&run, "old");
        let err = RunTxn::begin(&run, false).unwrap_err().to_string();
        assert!(err.contains("--force"), "{err}");
        // Dropped without commit: the old run stays, the temporary folder goes.
        let t = RunTxn::begin(&run, true).unwrap();
        fake_run(t.path(), "new");
        drop(t);
        assert_eq!(
            std::fs::read_to_string(run.join(layout::RESPONSES)).unwrap(),
            "old"
        );
        assert_eq!(names(tmp.path()), ["run"]);
        // Committed: the new run is in place, nothing else is left.
        let t = RunTxn::begin(&run, true).unwrap();
        fake_run(t.path(), "new");
        t.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(run.join(layout::RESPONSES)).unwrap(),
            "new"
        );
        assert_eq!(names(tmp.path()), ["run"]);
    }

    #[test]
    fn refuses_a_folder_that_is_not_a_run_and_sweeps_stale_temps() {
        let tmp = tempfile::tempdir().unwrap();
        let docs = tmp.path().join("docs");
        std::fs::create_dir(&docs).unwrap();
        std::fs::write(docs.join("thesis.docx"), "precious").unwrap();
        let err = RunTxn::begin(&docs, true).unwrap_err().to_string();
        assert!(err.contains("not a verbatim run"), "{err}");
        assert_eq!(names(&docs), ["thesis.docx"]);
        // An empty folder is fine; a dead process's temporary folder is swept.
        let run = tmp.path().join("empty");
        std::fs::create_dir(&run).unwrap();
        let stale = tmp.path().join(".empty.verbatim-tmp-4000000000");
        std::fs::create_dir(&stale).unwrap();
        let t = RunTxn::begin(&run, false).unwrap();
        assert!(!stale.exists());
        t.commit().unwrap();
        assert_eq!(names(tmp.path()), ["docs", "empty"]);
    }
}
