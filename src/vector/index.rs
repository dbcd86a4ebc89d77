//! Opening and searching the IVF index.

use super::files;
use super::{kernel, VectorError, VectorMeta, FORMAT_VERSION};
use crate::encode::store::Store;
use crate::error::IoResultExt;
use memmap2::Mmap;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// An opened vector index with the embedding store it re-ranks from.
pub struct VectorIndex {
    meta: VectorMeta,
    centroids: Vec<f32>,
    offsets: Vec<u64>,
    ids: Option<Mmap>,
    scales: Option<Mmap>,
    codes: Option<Mmap>,
    store: Store,
    probe: usize,
    rerank: usize,
}

/// Best first; equal scores by ascending id so results are reproducible.
fn by_score(a: &(f32, u32), b: &(f32, u32)) -> Ordering {
    b.0.partial_cmp(&a.0)
        .unwrap_or(Ordering::Equal)
        .then(a.1.cmp(&b.1))
}

fn corrupt(dir: &Path, why: impl Into<String>) -> VectorError {
    VectorError::Corrupt {
        path: dir.to_path_buf(),
        why: why.into(),
    }
}

impl VectorIndex {
    /// Opens the index in `dir` (usually `RUN_DIR/vectors`) and the embedding store recorded
    /// in its `meta.json` (usually `RUN_DIR/embeddings`).
    pub fn open(dir: &Path) -> Result<VectorIndex, VectorError> {
        let meta = read_meta(dir)?;
        let store = Store::open(&dir.join(&meta.store))?;
        VectorIndex::open_with_store(dir, store)
    }

    /// Opens the index in `dir`, re-ranking from an already opened `store`.
    pub fn open_with_store(dir: &Path, store: Store) -> Result<VectorIndex, VectorError> {
        let meta = read_meta(dir)?;
        if meta.version != FORMAT_VERSION {
            return Err(corrupt(
                dir,
                format!(
                    "format version {} (this build reads {FORMAT_VERSION})",
                    meta.version
                ),
            ));
        }
        if store.len() as u64 != meta.count || store.dim() != meta.dim {
            return Err(corrupt(
                dir,
                format!(
                    "index has {} vectors of {} dims, embedding store has {} of {}",
                    meta.count,
                    meta.dim,
                    store.len(),
                    store.dim()
                ),
            ));
        }
        let centroids = files::read_f32s(&dir.join("centroids.f32"))?;
        let offsets = files::read_u64s(&dir.join("offsets.u64"))?;
        let ids = files::map(&dir.join("ids.u32"))?;
        let scales = files::map(&dir.join("scales.f32"))?;
        let codes = files::map(&dir.join("codes.i8"))?;
        let n = meta.count as usize;
        let ok = centroids.len() == meta.lists * meta.dim
            && offsets.len() == meta.lists + 1
            && offsets.first() == Some(&0)
            && offsets.last() == Some(&meta.count)
            && offsets.windows(2).all(|w| w[0] <= w[1])
            && files::bytes(&ids).len() == n * 4
            && files::bytes(&scales).len() == n * 4
            && files::bytes(&codes).len() == n * meta.dim;
        if !ok {
            return Err(corrupt(dir, "file sizes do not match meta.json"));
        }
        if files::bytes(&ids)
            .chunks_exact(4)
            .any(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]) as u64 >= meta.count)
        {
            return Err(corrupt(dir, "ids.u32 names an answer beyond the store"));
        }
        let probe = default_probe(meta.lists);
        Ok(VectorIndex {
            meta,
            centroids,
            offsets,
            ids,
            scales,
            codes,
            store,
            probe,
            rerank: 64,
        })
    }

    /// Sizes and provenance.
    pub fn meta(&self) -> &VectorMeta {
        &self.meta
    }

    /// The embedding store the index re-ranks from.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Number of lists scanned per query (at least; more when a filter leaves too few
    /// candidates).
    pub fn probe(&self) -> usize {
        self.probe
    }

    /// Sets the number of lists scanned per query (trades speed for recall).
    pub fn set_probe(&mut self, probe: usize) {
        self.probe = probe.clamp(1, self.meta.lists.max(1));
    }

    /// Sets the least number of candidates re-ranked exactly (at least `4 * k` are).
    pub fn set_rerank(&mut self, rerank: usize) {
        self.rerank = rerank.max(1);
    }

    fn id(&self, e: usize) -> u32 {
        let b = &files::bytes(&self.ids)[e * 4..e * 4 + 4];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    fn scale(&self, e: usize) -> f32 {
        let b = &files::bytes(&self.scales)[e * 4..e * 4 + 4];
        f32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    fn codes(&self, lo: usize, hi: usize) -> &[i8] {
        let b = &files::bytes(&self.codes)[lo * self.meta.dim..hi * self.meta.dim];
        // SAFETY: i8 and u8 have the same size and alignment; this only reinterprets bytes.
        unsafe { std::slice::from_raw_parts(b.as_ptr() as *const i8, b.len()) }
    }

    /// The `k` answers nearest to `query` (an L2-normalized vector) by dot product, best
    /// first, as `(seq, cosine)`; only answers for which `allow(seq)` is true when a filter is
    /// given. Returns nothing for a query of the wrong dimension.
    pub fn search(
        &self,
        query: &[f32],
        k: usize,
        allow: Option<&dyn Fn(u64) -> bool>,
    ) -> Vec<(u64, f32)> {
        self.search_with(query, k, allow, self.probe)
    }

    /// [`VectorIndex::search`] scanning at least `probe` lists.
    pub fn search_with(
        &self,
        query: &[f32],
        k: usize,
        allow: Option<&dyn Fn(u64) -> bool>,
        probe: usize,
    ) -> Vec<(u64, f32)> {
        let dim = self.meta.dim;
        if k == 0 || self.meta.count == 0 || query.len() != dim {
            return Vec::new();
        }
        let lists = self.meta.lists;
        let mut cs = vec![0f32; lists];
        kernel::dots_f32(query, &self.centroids, dim, &mut cs);
        let mut order: Vec<u32> = (0..lists as u32).collect();
        order.sort_by(|&a, &b| by_score(&(cs[a as usize], a), &(cs[b as usize], b)));

        let want = self.rerank.max(4 * k);
        let mut cand: Vec<(f32, u32)> = Vec::new();
        let mut buf = Vec::new();
        for (probed, &l) in order.iter().enumerate() {
            // A filter can leave the first lists nearly empty; keep going until there are
            // enough allowed candidates (scanning every list in the worst case = exact).
            if probed >= probe && cand.len() >= want {
                break;
            }
            self.scan_list(
                query,
                l as usize,
                cs[l as usize],
                allow,
                &mut cand,
                &mut buf,
            );
            if cand.len() > 4 * want {
                cand.select_nth_unstable_by(want - 1, by_score);
                cand.truncate(want);
            }
        }
        if cand.len() > want {
            cand.select_nth_unstable_by(want - 1, by_score);
            cand.truncate(want);
        }
        self.exact_top(query, cand, k)
    }

    /// Adds the approximate score of every entry of list `l` (centroid score `base`) that
    /// `allow` lets through to `cand`; `buf` is scratch space.
    fn scan_list(
        &self,
        query: &[f32],
        l: usize,
        base: f32,
        allow: Option<&dyn Fn(u64) -> bool>,
        cand: &mut Vec<(f32, u32)>,
        buf: &mut Vec<f32>,
    ) {
        let dim = self.meta.dim;
        let (lo, hi) = (self.offsets[l] as usize, self.offsets[l + 1] as usize);
        let codes = self.codes(lo, hi);
        match allow {
            None => {
                buf.resize(hi - lo, 0f32);
                kernel::dots_i8(query, codes, dim, buf);
                for (j, r) in buf.iter().enumerate() {
                    cand.push((base + self.scale(lo + j) * r, self.id(lo + j)));
                }
            }
            Some(f) => {
                let mut one = [0f32];
                for e in lo..hi {
                    let id = self.id(e);
                    if f(id as u64) {
                        let c = &codes[(e - lo) * dim..(e - lo + 1) * dim];
                        kernel::dots_i8(query, c, dim, &mut one);
                        cand.push((base + self.scale(e) * one[0], id));
                    }
                }
            }
        }
    }

    /// The best `k` of the candidates by their exact score against the stored vectors.
    fn exact_top(&self, query: &[f32], cand: Vec<(f32, u32)>, k: usize) -> Vec<(u64, f32)> {
        let mut exact: Vec<(f32, u32)> = cand
            .into_iter()
            .map(|(_, id)| (kernel::dot(query, self.store.answer(id as usize)), id))
            .collect();
        exact.sort_by(by_score);
        exact.truncate(k);
        exact.into_iter().map(|(s, id)| (id as u64, s)).collect()
    }
}

/// Lists scanned by default: all of a small index, about an eighth of a big one (capped), which
/// keeps recall@10 above 0.95 on sentence embeddings while scanning a few percent at 1M.
fn default_probe(lists: usize) -> usize {
    lists.min(16).max((lists / 8).min(64))
}

fn read_meta(dir: &Path) -> Result<VectorMeta, VectorError> {
    let p: PathBuf = dir.join("meta.json");
    let raw = std::fs::read(&p).at(&p)?;
    serde_json::from_slice(&raw).map_err(|e| corrupt(dir, format!("meta.json: {e}")))
}

/// Exact top-`k` by dot product over every answer of `store` (optionally filtered): the
/// reference the index is measured against, and the fallback when an index is missing.
pub fn brute_force(
    store: &Store,
    query: &[f32],
    k: usize,
    allow: Option<&dyn Fn(u64) -> bool>,
) -> Vec<(u64, f32)> {
    let dim = store.dim();
    if k == 0 || query.len() != dim || store.is_empty() {
        return Vec::new();
    }
    const BLOCK: usize = 4096;
    let mut best: Vec<(f32, u32)> = Vec::new();
    let mut buf = vec![0f32; BLOCK];
    for (b, rows) in store.answers().chunks(BLOCK * dim).enumerate() {
        let m = rows.len() / dim;
        kernel::dots_f32(query, rows, dim, &mut buf[..m]);
        for (j, &s) in buf[..m].iter().enumerate() {
            let id = (b * BLOCK + j) as u32;
            if allow.is_none_or(|f| f(id as u64)) {
                best.push((s, id));
            }
        }
        if best.len() > 4 * k.max(BLOCK) {
            best.select_nth_unstable_by(k - 1, by_score);
            best.truncate(k);
        }
    }
    best.sort_by(by_score);
    best.truncate(k);
    best.into_iter().map(|(s, id)| (id as u64, s)).collect()
}
