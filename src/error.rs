//! Errors in three kinds, as milli does: every error of the crate is a [`ErrorKind::User`]
//! error (the message says what to do), a [`ErrorKind::Corrupt`] run or model file, or an
//! [`ErrorKind::Io`] error naming its path. Module error enums keep their domain variants, carry
//! file system failures as one [`IoError`] (made with [`IoResultExt::at`]) and say their kind
//! with a `kind()` method; [`crate::kind_of`] finds the kind of any error chain, which the
//! command line maps to an exit code. This module depends on no other, so every module can use
//! it; the crate-level [`crate::Error`] and [`crate::kind_of`], which name every module's
//! error, live in the crate root.

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

/// Two parts of a run that must hold as many items each (answers and their vectors, sentences
/// and sentence vectors): `Err("{a} but {b}")`, for the caller's corrupt-run error, when the
/// counts differ. `a` and `b` are `(count, what)`, read as "12 sentences".
pub(crate) fn same_count(a: (usize, &str), b: (usize, &str)) -> Result<(), String> {
    match a.0 == b.0 {
        true => Ok(()),
        false => Err(format!("{} {} but {} {}", a.0, a.1, b.0, b.1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{kind_of, Error};
    use std::error::Error as StdError;

    #[test]
    fn at_names_the_path_and_keeps_the_cause() {
        let e = std::fs::read("/no/such/dir/x.csv")
            .at("/no/such/dir/x.csv")
            .unwrap_err();
        assert!(e.to_string().starts_with("/no/such/dir/x.csv: "), "{e}");
        assert_eq!(e.source.kind(), std::io::ErrorKind::NotFound);
        assert_eq!(kind_of([&e as &(dyn StdError + 'static)]), ErrorKind::Io);
    }

    /// Checks that `e` names `path` and is of `kind`, as it is, wrapped in the crate's
    /// [`Error`], and as main finds it (through the error chain).
    fn check(e: impl Into<Error> + std::fmt::Display, path: &Path, kind: ErrorKind) {
        assert!(e.to_string().contains(&*path.to_string_lossy()), "{e}");
        let e: Error = e.into();
        let chain = std::iter::successors(Some(&e as &(dyn StdError + 'static)), |e| (*e).source());
        assert_eq!((e.kind(), kind_of(chain)), (kind, kind));
    }

    fn ingest_opts(text_col: &str) -> crate::ingest::IngestOptions {
        crate::ingest::IngestOptions {
            text_col: text_col.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_missing_column_is_a_user_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("export.csv");
        std::fs::write(&p, "id,Comment\n1,fine\n").unwrap();
        let e = crate::ingest::Ingest::open(&p, &ingest_opts("Coment"));
        check(e.err().unwrap(), &p, ErrorKind::User);
    }

    #[test]
    fn a_damaged_store_is_corrupt_naming_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("meta.json"), "{not json").unwrap();
        let e = crate::encode::store::Store::open(dir.path()).err().unwrap();
        check(e, dir.path(), ErrorKind::Corrupt);
    }

    #[test]
    fn an_unreadable_file_is_an_io_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the export should be: it exists, but cannot be read as a file.
        let e = crate::ingest::Ingest::open(dir.path(), &ingest_opts("Comment"));
        check(e.err().unwrap(), dir.path(), ErrorKind::Io);
        let stats = dir.path().join("stats.json");
        let e = crate::analyze::stats::RunStats::load(&stats).unwrap_err();
        check(e, &stats, ErrorKind::Io);
    }

    #[test]
    fn a_plain_message_is_a_user_error() {
        let e = anyhow::anyhow!("--limit must be 1-1000");
        assert_eq!(kind_of(e.chain()), ErrorKind::User);
        let io = anyhow::Error::new(std::io::Error::other("disk"));
        assert_eq!(kind_of(io.chain()), ErrorKind::Io);
    }
}
