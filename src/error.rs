//! Errors in three kinds, as milli does: every error of the crate is a [`ErrorKind::User`]
//! error (the message says what to do), a [`ErrorKind::Corrupt`] run or model file, or an
//! [`ErrorKind::Io`] error naming its path. Module error enums keep their domain variants, carry
//! file system failures as one [`IoError`] (made with [`IoResultExt::at`]) and say their kind
//! with a `kind()` method; [`kind_of`] finds the kind of any error chain, which the command line
//! maps to an exit code.

use std::error::Error as StdError;
use std::path::{Path, PathBuf};

/// What kind of failure an error is, for the caller to decide what to tell and how to exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A bad option, query, input file or folder: the message says what to do.
    User,
    /// A run or model file is damaged, stale or inconsistent: re-run the step that writes it.
    Corrupt,
    /// Reading or writing a file failed: the message names the path.
    Io,
}

/// A file system operation on `path` failed.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct IoError {
    /// The file or folder.
    pub path: PathBuf,
    /// The cause.
    pub source: std::io::Error,
}

impl IoError {
    /// The error `source` of an operation on `path`.
    pub fn new(path: impl Into<PathBuf>, source: std::io::Error) -> IoError {
        IoError {
            path: path.into(),
            source,
        }
    }
}

/// The errors of a job that runs several stages (`analyze`, `merge`): the failing stage's
/// error, an I/O error on a work file, a bad option, or a corrupt work file.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading the export.
    #[error(transparent)]
    Ingest(#[from] crate::ingest::IngestError),
    /// Embedding.
    #[error(transparent)]
    Encode(#[from] crate::encode::EncodeError),
    /// Sentiment or themes.
    #[error(transparent)]
    Classify(#[from] crate::classify::ClassifyError),
    /// The embedding store.
    #[error(transparent)]
    Store(#[from] crate::encode::store::StoreError),
    /// The search index.
    #[error(transparent)]
    Index(#[from] crate::index::IndexError),
    /// Run files.
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    /// Aggregates, or reading and checking runs (i/o, corrupt files, mismatched runs).
    #[error(transparent)]
    Analyze(#[from] crate::analyze::AnalyzeError),
    /// The vector index.
    #[error(transparent)]
    Vector(#[from] crate::vector::VectorError),
    /// The run folder as a whole (provenance, replacing the output folder).
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
    /// Work files of the run folder.
    #[error(transparent)]
    Io(#[from] IoError),
    /// A bad option (the message says what to do).
    #[error("{0}")]
    Usage(String),
    /// A work file of the run does not hold what the job wrote.
    #[error("{}: {why}; re-run `verbatim analyze` to rewrite it", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Ingest(e) => e.kind(),
            Error::Encode(e) => e.kind(),
            Error::Classify(e) => e.kind(),
            Error::Store(e) => e.kind(),
            Error::Index(e) => e.kind(),
            Error::Output(e) => e.kind(),
            Error::Analyze(e) => e.kind(),
            Error::Vector(e) => e.kind(),
            Error::Run(e) => e.kind(),
            Error::Io(_) => ErrorKind::Io,
            Error::Usage(_) => ErrorKind::User,
            Error::Corrupt { .. } => ErrorKind::Corrupt,
        }
    }
}

/// `.at(path)` on the result of a file system operation: the error names the path.
pub trait IoResultExt<T> {
    /// The result, its error tied to `path`.
    fn at(self, path: impl AsRef<Path>) -> Result<T, IoError>;
}

impl<T> IoResultExt<T> for std::io::Result<T> {
    fn at(self, path: impl AsRef<Path>) -> Result<T, IoError> {
        self.map_err(|source| IoError::new(path.as_ref(), source))
    }
}

/// Asks each error type of the crate in turn for the kind of `e`.
macro_rules! kind_by_type {
    ($e:expr, $($t:ty),+ $(,)?) => {
        $(if let Some(x) = $e.downcast_ref::<$t>() {
            return Some(x.kind());
        })+
    };
}

/// The kind of `e` when it is one of the crate's errors.
fn crate_kind(e: &(dyn StdError + 'static)) -> Option<ErrorKind> {
    if e.is::<IoError>() {
        return Some(ErrorKind::Io);
    }
    kind_by_type!(
        e,
        Error,
        crate::run::RunError,
        crate::report::ReportError,
        crate::analyze::AnalyzeError,
        crate::retrieve::RetrieveError,
        crate::ingest::IngestError,
        crate::classify::ClassifyError,
        crate::encode::EncodeError,
        crate::encode::store::StoreError,
        crate::vector::VectorError,
        crate::index::IndexError,
        crate::output::OutputError,
        crate::serve::ServeError,
    );
    None
}

/// The kind of an error chain (`e` first, then its causes): that of its outermost error of
/// this crate; an I/O error of another library is [`ErrorKind::Io`]; anything else (an option
/// the command line refused) is [`ErrorKind::User`].
pub fn kind_of<'a>(chain: impl IntoIterator<Item = &'a (dyn StdError + 'static)>) -> ErrorKind {
    let mut io = false;
    for e in chain {
        if let Some(kind) = crate_kind(e) {
            return kind;
        }
        io |= e.is::<std::io::Error>();
    }
    if io {
        ErrorKind::Io
    } else {
        ErrorKind::User
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_names_the_path_and_keeps_the_cause() {
        let e = std::fs::read("/no/such/dir/x.csv")
            .at("/no/such/dir/x.csv")
            .unwrap_err();
        assert!(e.to_string().starts_with("/no/such/dir/x.csv: "), "{e}");
        assert_eq!(e.source.kind(), std::io::ErrorKind::NotFound);
        assert_eq!(kind_of([&e as &(dyn StdError + 'static)]), ErrorKind::Io);
    }

    /// The kind of `e` as main finds it: through the error chain.
    fn chain_kind(e: &(dyn StdError + 'static)) -> ErrorKind {
        kind_of(std::iter::successors(
            Some(e),
            |e: &&(dyn StdError + 'static)| (*e).source(),
        ))
    }

    #[test]
    fn a_missing_column_is_a_user_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("export.csv");
        std::fs::write(&p, "id,Comment\n1,fine\n").unwrap();
        let opts = crate::ingest::IngestOptions {
            text_col: "Coment".into(),
            ..Default::default()
        };
        let e = crate::ingest::Ingest::open(&p, &opts).err().unwrap();
        assert!(e.to_string().contains(&*p.to_string_lossy()), "{e}");
        assert_eq!(e.kind(), ErrorKind::User);
        let e = Error::from(e);
        assert_eq!(
            (e.kind(), chain_kind(&e)),
            (ErrorKind::User, ErrorKind::User)
        );
    }

    #[test]
    fn a_damaged_store_is_corrupt_naming_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("meta.json"), "{not json").unwrap();
        let e = crate::encode::store::Store::open(dir.path()).err().unwrap();
        assert!(
            e.to_string().contains(&*dir.path().to_string_lossy()),
            "{e}"
        );
        assert_eq!(e.kind(), ErrorKind::Corrupt);
        let e = Error::from(crate::analyze::AnalyzeError::from(e));
        assert_eq!(
            (e.kind(), chain_kind(&e)),
            (ErrorKind::Corrupt, ErrorKind::Corrupt)
        );
    }

    #[test]
    fn an_unreadable_file_is_an_io_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let opts = crate::ingest::IngestOptions {
            text_col: "Comment".into(),
            ..Default::default()
        };
        // A folder where the export should be: it exists, but cannot be read as a file.
        let e = crate::ingest::Ingest::open(dir.path(), &opts)
            .err()
            .unwrap();
        assert!(
            e.to_string().contains(&*dir.path().to_string_lossy()),
            "{e}"
        );
        assert_eq!(e.kind(), ErrorKind::Io);
        let stats = dir.path().join("stats.json");
        let e = crate::analyze::stats::RunStats::load(&stats).unwrap_err();
        assert!(e.to_string().starts_with(&*stats.to_string_lossy()), "{e}");
        let e = Error::from(e);
        assert_eq!((e.kind(), chain_kind(&e)), (ErrorKind::Io, ErrorKind::Io));
    }

    #[test]
    fn a_plain_message_is_a_user_error() {
        let e = anyhow::anyhow!("--limit must be 1-1000");
        assert_eq!(kind_of(e.chain()), ErrorKind::User);
        let io = anyhow::Error::new(std::io::Error::other("disk"));
        assert_eq!(kind_of(io.chain()), ErrorKind::Io);
    }
}
