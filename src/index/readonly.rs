//! [`ReadOnlyDir`]: a tantivy directory that only reads. Searching a run must work on an
//! archive or a shared drive where the run folder is read-only, but tantivy's readers take a
//! lock file (`.tantivy-meta.lock`) by default, which fails there. Readers of a finished run
//! need no lock: nothing writes the index after `analyze` or `merge` renamed the run in place.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tantivy::directory::error::{
    DeleteError, LockError, OpenDirectoryError, OpenReadError, OpenWriteError,
};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, WatchCallback, WatchHandle, WritePtr,
};

/// A memory-mapped index folder opened for reading only: locks are granted without a lock
/// file, and every write or delete is refused.
#[derive(Debug, Clone)]
pub struct ReadOnlyDir {
    inner: MmapDirectory,
    path: PathBuf,
}

fn denied(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "{}: the search index is opened read-only; run `verbatim analyze` to rebuild it",
            path.display()
        ),
    )
}

impl ReadOnlyDir {
    /// Opens the index folder `dir` for reading.
    pub fn open(dir: &Path) -> Result<ReadOnlyDir, OpenDirectoryError> {
        Ok(ReadOnlyDir {
            inner: MmapDirectory::open(dir)?,
            path: dir.to_path_buf(),
        })
    }
}

impl Directory for ReadOnlyDir {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        self.inner.get_file_handle(path)
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        Err(DeleteError::IoError {
            io_error: Arc::new(denied(&self.path.join(path))),
            filepath: path.to_path_buf(),
        })
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        Err(OpenWriteError::wrap_io_error(
            denied(&self.path.join(path)),
            path.to_path_buf(),
        ))
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, _data: &[u8]) -> io::Result<()> {
        Err(denied(&self.path.join(path)))
    }

    fn sync_directory(&self) -> io::Result<()> {
        Ok(())
    }

    /// Granted at once without a lock file: a finished run's index has no writer.
    fn acquire_lock(&self, _lock: &Lock) -> Result<DirectoryLock, LockError> {
        Ok(DirectoryLock::from(Box::new(())))
    }

    fn watch(&self, _watch_callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        Ok(WatchHandle::empty())
    }
}
