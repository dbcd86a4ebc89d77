//! [`ChunkedIngest`]: one shard's rows of an export, records in chunks of a fixed size and
//! rejected rows one at a time, with the rows read and the rows of other shards counted. The
//! shard filter (`--shard i/n`: row `r` belongs to shard `(r - 1) % n`) lives here only.

use super::{Ingest, RowOutcome};
use crate::record::{Record, Reject};

/// What [`ChunkedIngest`] hands out, in file order.
#[derive(Debug)]
pub enum Chunk {
    /// Up to a chunk of valid records (a full chunk except at the end of the export).
    Records(Vec<Record>),
    /// A rejected row of this shard.
    Rejected(Reject),
}

/// An [`Ingest`] read in chunks, keeping only the rows of one shard (a rejected row belongs to
/// one shard like any other, so merged shard runs count it once).
#[derive(Debug)]
pub struct ChunkedIngest {
    ingest: Ingest,
    shard: Option<(u64, u64)>,
    size: usize,
    pending: Vec<Record>,
    rows_read: u64,
    other_shards: u64,
}

/// Whether export row `row` (1-based) belongs to `shard` (`--shard i/n`: `(row - 1) % n == i`).
fn in_shard(row: u64, shard: Option<(u64, u64)>) -> bool {
    match shard {
        Some((i, n)) => row.saturating_sub(1) % n == i,
        None => true,
    }
}

impl ChunkedIngest {
    /// Reads `ingest` in chunks of `size` records (at least 1), keeping the rows of `shard`
    /// (`(i, n)`; all rows when `None`).
    pub fn new(ingest: Ingest, shard: Option<(u64, u64)>, size: usize) -> ChunkedIngest {
        ChunkedIngest {
            ingest,
            shard,
            size: size.max(1),
            pending: Vec::with_capacity(size.max(1)),
            rows_read: 0,
            other_shards: 0,
        }
    }

    /// The underlying ingest (bytes read, personal data redacted, the error that stopped it).
    pub fn ingest(&self) -> &Ingest {
        &self.ingest
    }

    /// Takes the error that stopped reading early, to hand it on ([`Ingest::take_error`]).
    pub fn take_error(&mut self) -> Option<crate::ingest::IngestError> {
        self.ingest.take_error()
    }

    /// Rows read so far, of every shard.
    pub fn rows_read(&self) -> u64 {
        self.rows_read
    }

    /// Rows read so far that belong to other shards.
    pub fn other_shards(&self) -> u64 {
        self.other_shards
    }
}

impl Iterator for ChunkedIngest {
    type Item = Chunk;

    fn next(&mut self) -> Option<Chunk> {
        loop {
            let Some(outcome) = self.ingest.next() else {
                let rest = std::mem::take(&mut self.pending);
                return (!rest.is_empty()).then_some(Chunk::Records(rest));
            };
            self.rows_read += 1;
            let row = match &outcome {
                RowOutcome::Rejected(r) => r.row,
                RowOutcome::Record(r) => r.row,
            };
            if !in_shard(row, self.shard) {
                self.other_shards += 1;
                continue;
            }
            match outcome {
                RowOutcome::Rejected(r) => return Some(Chunk::Rejected(r)),
                RowOutcome::Record(r) => self.pending.push(r),
            }
            if self.pending.len() == self.size {
                let full = std::mem::replace(&mut self.pending, Vec::with_capacity(self.size));
                return Some(Chunk::Records(full));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::IngestOptions;

    /// An export of `rows` rows, every fifth one rejected (empty answer).
    fn export(dir: &std::path::Path, rows: u64) -> std::path::PathBuf {
        let mut csv = String::from("id,comment\n");
        for r in 1..=rows {
            let text = if r % 5 == 0 {
                String::new()
            } else {
                format!("answer {r}")
            };
            csv.push_str(&format!("{r},{text}\n"));
        }
        let path = dir.join("export.csv");
        std::fs::write(&path, csv).unwrap();
        path
    }

    /// (rows of records, rows of rejects, rows read, other shards) of one shard's read.
    fn read(path: &std::path::Path, shard: Option<(u64, u64)>) -> (Vec<u64>, Vec<u64>, u64, u64) {
        let opts = IngestOptions {
            text_col: "comment".into(),
            id_col: Some("id".into()),
            ..Default::default()
        };
        let mut chunks = ChunkedIngest::new(Ingest::open(path, &opts).unwrap(), shard, 4);
        let (mut records, mut rejects) = (Vec::new(), Vec::new());
        for chunk in chunks.by_ref() {
            match chunk {
                Chunk::Records(rs) => {
                    assert!(!rs.is_empty() && rs.len() <= 4, "chunks hold 1-4 records");
                    records.extend(rs.iter().map(|r| r.row));
                }
                Chunk::Rejected(r) => rejects.push(r.row),
            }
        }
        (records, rejects, chunks.rows_read(), chunks.other_shards())
    }

    #[test]
    fn every_row_is_in_exactly_one_shard() {
        let dir = tempfile::tempdir().unwrap();
        let rows = 23;
        let path = export(dir.path(), rows);
        let (all, all_rejects, read_all, other) = read(&path, None);
        assert_eq!((all.len() + all_rejects.len()) as u64, rows);
        assert_eq!((read_all, other), (rows, 0));
        let n = 3;
        let mut seen: Vec<u64> = Vec::new();
        for i in 0..n {
            let (records, rejects, read, other) = read(&path, Some((i, n)));
            assert_eq!(read, rows, "each shard reads the whole export");
            assert_eq!(other + (records.len() + rejects.len()) as u64, rows);
            for r in records.iter().chain(&rejects) {
                assert_eq!((r - 1) % n, i, "row {r} is in shard {i}/{n}");
            }
            assert!(rejects.iter().all(|r| all_rejects.contains(r)));
            seen.extend(records.iter().chain(&rejects));
        }
        seen.sort();
        let mut every: Vec<u64> = all.into_iter().chain(all_rejects).collect();
        every.sort();
        assert_eq!(seen, every, "every row in exactly one shard");
    }
}
