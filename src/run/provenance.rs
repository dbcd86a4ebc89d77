//! `provenance.json`: what a run was made from (the input's bytes, the shard, the model, the
//! codebook), so that `verbatim merge` can tell shards of one export from duplicates and
//! mismatches.

use super::{layout, RunError};
use crate::error::{IoError, IoResultExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// A file identified by the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHash {
    /// The path as given.
    pub path: String,
    /// SHA-256 of the bytes, lowercase hex.
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
}

impl FileHash {
    /// Hashes the file at `path`.
    pub fn of(path: &Path) -> Result<FileHash, RunError> {
        let (sha256, bytes) = sha256_file(path)?;
        Ok(FileHash {
            path: path.display().to_string(),
            sha256,
            bytes,
        })
    }
}

/// SHA-256 (lowercase hex) and size of a file, read in 1 MiB blocks.
pub fn sha256_file(path: &Path) -> Result<(String, u64), RunError> {
    let mut f = std::fs::File::open(path).at(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf).at(path)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok((hex(&h.finalize()), bytes))
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Shard `index` of `count` (`--shard i/n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ShardSpec {
    /// i, from 0.
    pub index: u64,
    /// n.
    pub count: u64,
}

impl std::fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What a run was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The export read (for a merged run, the export of its shards when they share one).
    pub input: Option<FileHash>,
    /// The shard, when the run covers one.
    pub shard: Option<ShardSpec>,
    /// The encoder's name.
    pub model: String,
    /// The encoder's fingerprint (a hash of its config and the size of its weights).
    pub model_fingerprint: String,
    /// The codebook, when themes came from one (none when discovered).
    pub codebook: Option<FileHash>,
    /// The shards a merged run covers (empty for a run of `analyze`).
    #[serde(default)]
    pub shards: Vec<ShardSpec>,
    /// The run folders a merged run was made from.
    #[serde(default)]
    pub merged_from: Vec<String>,
}

impl Provenance {
    /// Reads `RUN_DIR/provenance.json`; `None` for runs made before it existed.
    pub fn load(run_dir: &Path) -> Result<Option<Provenance>, RunError> {
        let p = run_dir.join(layout::PROVENANCE);
        let raw = match std::fs::read(&p) {
            Ok(raw) => raw,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(IoError::new(&p, e).into()),
        };
        serde_json::from_slice(&raw)
            .map(Some)
            .map_err(|e| RunError::Corrupt {
                path: p,
                why: e.to_string(),
            })
    }

    /// Writes `RUN_DIR/provenance.json`.
    pub fn save(&self, run_dir: &Path) -> Result<(), RunError> {
        let p = run_dir.join(layout::PROVENANCE);
        let json = serde_json::to_vec_pretty(self).expect("provenance serializes");
        Ok(std::fs::write(&p, json).at(&p)?)
    }

    /// The shards this run covers: its own, or those of the runs merged into it.
    pub fn covered_shards(&self) -> Vec<ShardSpec> {
        match self.shard {
            Some(s) => vec![s],
            None => self.shards.clone(),
        }
    }
}
