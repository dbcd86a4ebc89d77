//! What `verbatim followup`, the report and the workspace read from a run folder for the
//! follow-up lists ([`crate::analyze::followup`]): the answers of responses.jsonl (the owners
//! come from the run's codebook, [`super::RunDir::codebook`]).

use crate::analyze::followup::{followups, FollowUps};
use crate::analyze::{io_err, AnalyzeError};
use crate::record::Response;
use std::collections::BTreeMap;
use std::path::Path;

/// Reads `responses.jsonl` of a run (streaming) and builds its follow-up lists.
pub fn followups_of_run(
    run_dir: &Path,
    owners: &BTreeMap<String, String>,
) -> Result<FollowUps, AnalyzeError> {
    use std::io::BufRead;
    let path = run_dir.join(super::layout::RESPONSES);
    let f = std::fs::File::open(&path).map_err(io_err(&path))?;
    let mut err = None;
    let rs = std::io::BufReader::new(f)
        .lines()
        .enumerate()
        .map_while(|(i, line)| {
            let parsed = line.map_err(io_err(&path)).and_then(|l| {
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
