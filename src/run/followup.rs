//! What `verbatim followup`, the report and the workspace read from a run folder for the
//! follow-up lists ([`crate::analyze::followup`]): the run's codebook (owners, parents) from
//! provenance.json, and the answers of responses.jsonl.

use crate::analyze::followup::{followups, FollowUps};
use crate::analyze::AnalyzeError;
use crate::classify::codebook::Codebook;
use crate::error::IoResultExt;
use crate::record::Response;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The codebook a run was analyzed with (the path in provenance.json), if it can still be
/// read; `Ok(None)` for discovered themes or a run without provenance.
pub fn run_codebook(run_dir: &Path) -> Result<Option<(PathBuf, Codebook)>, String> {
    let prov = super::Provenance::load(run_dir).map_err(|e| e.to_string())?;
    let Some(path) = prov.and_then(|p| p.codebook).map(|c| PathBuf::from(c.path)) else {
        return Ok(None);
    };
    match Codebook::load(&path) {
        Ok(cb) => Ok(Some((path, cb))),
        Err(e) => Err(format!(
            "the run's codebook {} cannot be read ({e}); pass --codebook FILE",
            path.display()
        )),
    }
}

/// Parent theme by child id, from the codebook in the run's provenance.json (none when it
/// cannot be read).
pub fn run_parents(run_dir: &Path) -> BTreeMap<String, String> {
    run_codebook(run_dir)
        .ok()
        .flatten()
        .map(|(_, cb)| cb.parents())
        .unwrap_or_default()
}

/// Reads `responses.jsonl` of a run (streaming) and builds its follow-up lists.
pub fn followups_of_run(
    run_dir: &Path,
    owners: &BTreeMap<String, String>,
) -> Result<FollowUps, AnalyzeError> {
    use std::io::BufRead;
    let path = run_dir.join(super::layout::RESPONSES);
    let f = std::fs::File::open(&path).at(&path)?;
    let mut err = None;
    let rs = std::io::BufReader::new(f)
        .lines()
        .enumerate()
        .map_while(|(i, line)| {
            let parsed = line.at(&path).map_err(AnalyzeError::from).and_then(|l| {
                serde_json::from_str::<Response>(&l).map_err(|e| AnalyzeError::Corrupt {
                    path: path.clone(),
                    why: format!("line {}: {e}", i + 1),
                })
            });
            parsed.map_err(|e| err = Some(e)).ok()
        });
    let lists = followups(rs, owners);
    match err {
        Some(e) => Err(e),
        None => Ok(lists),
    }
}
