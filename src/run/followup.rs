//! What `verbatim followup`, the report and the workspace read from a run folder for the
//! follow-up lists ([`crate::analyze::followup`]): the answers of responses.jsonl (the owners
//! come from the run's codebook, [`super::RunDir::codebook`]).

use super::{RunDir, RunError};
use crate::analyze::followup::{followups, FollowUps};
use std::collections::BTreeMap;
use std::path::Path;

/// Reads `responses.jsonl` of a run (streaming, [`RunDir::responses`]) and builds its
/// follow-up lists.
pub fn followups_of_run(
    run_dir: &Path,
    owners: &BTreeMap<String, String>,
) -> Result<FollowUps, RunError> {
    let mut err = None;
    let rs = RunDir::new(run_dir)
        .responses()?
        .map_while(|r| r.map_err(|e| err = Some(e)).ok());
    let lists = followups(rs, owners);
    match err {
        Some(e) => Err(e),
        None => Ok(lists),
    }
}
