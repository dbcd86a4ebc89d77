//! The run folder as a whole: its file names ([`layout`]), reading it ([`RunDir`], with
//! [`RunSummary`]), writing it ([`RunWriter`] and the file writers it hands out) as a
//! transaction that replaces an earlier run only when complete ([`RunTxn`]), merging shard
//! runs ([`merge`]), what it was made from ([`Provenance`]) and the shard a job engine assigns
//! ([`shard`]).

mod dir;
pub mod followup;
pub mod merge;
mod provenance;
pub mod shard;
mod summary;
mod theme_origin;
mod txn;
mod write;
mod writer;
pub(crate) use writer::trim_heap;

pub use crate::layout;
pub use dir::{Responses, RunDir};
pub use summary::{AnswerCounts, Privacy, RowCounts, RunSummary};
pub use theme_origin::ThemeOrigin;
pub use write::{OutputError, RejectsWriter, ResponsesWriter};
pub use writer::{AnswerFiles, AnswerWriter, RunWriter};

pub use provenance::{sha256_file, sha256_hex, FileHash, Provenance, ShardSpec};
pub use txn::RunTxn;

use std::path::{Path, PathBuf};

/// Errors about a run folder as a whole.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A file or folder could not be read, written or renamed.
    #[error(transparent)]
    Io(#[from] crate::error::IoError),
    /// The folder cannot be used as asked (the message says what to do).
    #[error("{0}")]
    Usage(String),
    /// A run file is not what verbatim writes.
    #[error("{path}: {why}; re-run `verbatim analyze` to rewrite it")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
}

impl From<crate::record::ReadError> for RunError {
    fn from(e: crate::record::ReadError) -> RunError {
        match e {
            crate::record::ReadError::Io(e) => RunError::Io(e),
            crate::record::ReadError::Corrupt { path, why } => RunError::Corrupt { path, why },
        }
    }
}

impl RunError {
    /// What kind of failure this is.
    pub fn kind(&self) -> crate::error::ErrorKind {
        match self {
            RunError::Io(_) => crate::error::ErrorKind::Io,
            RunError::Usage(_) => crate::error::ErrorKind::User,
            RunError::Corrupt { .. } => crate::error::ErrorKind::Corrupt,
        }
    }
}

/// Refuses a run folder `out` that contains one of `inputs` (or is the folder they are in):
/// writing the run replaces the folder, which would destroy the input while it is read.
pub fn refuse_inputs_inside(out: &Path, inputs: &[(&str, &Path)]) -> Result<(), RunError> {
    let Ok(out_canon) = out.canonicalize() else {
        return Ok(()); // a folder still to be made holds nothing yet
    };
    for (what, p) in inputs {
        let canon = p
            .canonicalize()
            .or_else(|_| {
                // A file still to be written (--save-codebook): judge by its folder.
                let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
                parent
                    .unwrap_or(Path::new("."))
                    .canonicalize()
                    .map(|d| d.join(p.file_name().unwrap_or_default()))
            })
            .unwrap_or_else(|_| p.to_path_buf());
        if canon.starts_with(&out_canon) {
            return Err(RunError::Usage(format!(
                "--out {} contains the {what} {}; the run folder is replaced as a whole, so \
                 writing it would destroy its own input. Write the run to another folder, or \
                 move the {what} out of it first",
                out.display(),
                p.display()
            )));
        }
    }
    Ok(())
}
