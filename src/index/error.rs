//! Errors of building the keyword index.

use crate::error::{ErrorKind, IoError};
use std::path::{Path, PathBuf};

/// Why the keyword index could not be written.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The index folder exists and holds files that are not a search index.
    #[error(
        "{path} exists and holds files that are not a search index; move them away or choose \
         another output folder"
    )]
    NotAnIndex {
        /// The folder.
        path: PathBuf,
    },
    /// A file system operation failed.
    #[error("search index {0}; check that the folder is writable and has space")]
    Io(#[from] IoError),
    /// tantivy failed.
    #[error("search index {path}: cannot {action}: {source}; check that the folder is writable and has space, then run again")]
    Tantivy {
        /// The index folder.
        path: PathBuf,
        /// What was being done (`create the index`, `add answer 12`, `commit`).
        action: String,
        /// The cause.
        source: tantivy::TantivyError,
    },
}

impl IndexError {
    /// Maps a tantivy error of doing `action` (`create the index`, `commit`) in the index
    /// folder `path`.
    pub(crate) fn tantivy(
        path: &Path,
        action: &str,
    ) -> impl FnOnce(tantivy::TantivyError) -> IndexError {
        let (path, action) = (path.to_path_buf(), action.to_string());
        move |source| IndexError::Tantivy {
            path,
            action,
            source,
        }
    }

    /// What kind of failure this is: tantivy's damaged data is a corrupt run.
    pub fn kind(&self) -> ErrorKind {
        match self {
            IndexError::NotAnIndex { .. } => ErrorKind::User,
            IndexError::Io(_) => ErrorKind::Io,
            IndexError::Tantivy { source, .. } => match source {
                tantivy::TantivyError::DataCorruption(_) => ErrorKind::Corrupt,
                _ => ErrorKind::Io,
            },
        }
    }
}
