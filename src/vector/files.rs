//! Reading and writing the index's flat little-endian files.

use super::VectorError;
use crate::error::IoResultExt;
use memmap2::Mmap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A buffered writer of one index file that remembers its path for errors.
pub struct Out {
    path: PathBuf,
    w: BufWriter<File>,
}

impl Out {
    /// Creates (or truncates) `dir/name`.
    pub fn create(dir: &Path, name: &str) -> Result<Out, VectorError> {
        let path = dir.join(name);
        let f = File::create(&path).at(&path)?;
        Ok(Out {
            path,
            w: BufWriter::with_capacity(1 << 20, f),
        })
    }

    /// Appends raw bytes.
    pub fn bytes(&mut self, b: &[u8]) -> Result<(), VectorError> {
        Ok(self.w.write_all(b).at(&self.path)?)
    }

    /// Appends f32 values, little-endian.
    pub fn f32s(&mut self, v: &[f32]) -> Result<(), VectorError> {
        for x in v {
            self.bytes(&x.to_le_bytes())?;
        }
        Ok(())
    }

    /// Flushes to disk.
    pub fn finish(mut self) -> Result<(), VectorError> {
        Ok(self.w.flush().at(&self.path)?)
    }
}

/// A read-only memory map of a file; `None` for an empty file (which cannot be mapped).
pub fn map(path: &Path) -> Result<Option<Mmap>, VectorError> {
    Ok(crate::encode::store::map(path)?)
}

/// Bytes of an optional map (empty for `None`).
pub fn bytes(m: &Option<Mmap>) -> &[u8] {
    m.as_deref().unwrap_or(&[])
}

/// Reads a whole file of little-endian f32.
pub fn read_f32s(path: &Path) -> Result<Vec<f32>, VectorError> {
    let raw = std::fs::read(path).at(path)?;
    Ok(raw
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// Reads a whole file of little-endian u64.
pub fn read_u64s(path: &Path) -> Result<Vec<u64>, VectorError> {
    let raw = std::fs::read(path).at(path)?;
    Ok(raw
        .chunks_exact(8)
        .map(|c| {
            let mut b = [0u8; 8];
            b.copy_from_slice(c);
            u64::from_le_bytes(b)
        })
        .collect())
}
