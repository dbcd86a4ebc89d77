//! Building the IVF index from an embedding store.

use super::files::Out;
use super::{kmeans, VectorError, VectorIndex, VectorMeta, FORMAT_VERSION};
use crate::encode::store::Store;
use crate::error::IoResultExt;
use crate::progress::bar;
use rand::seq::index::sample;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;

/// How to build a vector index.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Number of inverted lists; `None` = `sqrt(n)` rounded (at least 1).
    pub lists: Option<usize>,
    /// Training sample size per list (the sample is capped at the number of vectors).
    pub sample_per_list: usize,
    /// Lloyd iterations of k-means.
    pub iterations: usize,
    /// Seed of the training sample and centroid initialization (same seed, same index).
    pub seed: u64,
    /// Path of the embedding store relative to the index folder, recorded for re-ranking.
    pub store: String,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            lists: None,
            sample_per_list: 40,
            iterations: 10,
            seed: 0x5eed,
            store: "../embeddings".into(),
        }
    }
}

/// Points assigned per progress-bar step (the assignment is the slow part of a build).
const STEP: usize = 16_384;

/// Int8 code of `x - c`, with the scale that maps codes back (`residual ≈ code * scale`).
fn quantize(x: &[f32], c: &[f32], code: &mut [i8]) -> f32 {
    let max = x
        .iter()
        .zip(c)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    if max == 0.0 {
        code.fill(0);
        return 0.0;
    }
    let scale = max / 127.0;
    for ((q, a), b) in code.iter_mut().zip(x).zip(c) {
        *q = ((a - b) / scale).round().clamp(-127.0, 127.0) as i8;
    }
    scale
}

impl VectorIndex {
    /// Builds the index of every answer vector of `store` into `dir` (created if missing,
    /// files replaced), and returns its metadata. Deterministic for a given
    /// [`BuildOptions::seed`].
    pub fn build(
        store: &Store,
        dir: &Path,
        opts: &BuildOptions,
    ) -> Result<VectorMeta, VectorError> {
        std::fs::create_dir_all(dir).at(dir)?;
        // No meta.json while the files are rewritten: a build that dies halfway leaves an
        // index that refuses to open instead of one that mixes old and new files.
        let meta_path = dir.join("meta.json");
        if meta_path.exists() {
            std::fs::remove_file(&meta_path).at(&meta_path)?;
        }
        let n = store.len();
        let dim = store.dim();
        if n > u32::MAX as usize {
            return Err(VectorError::Corrupt {
                path: dir.to_path_buf(),
                why: format!("{n} vectors is more than the index supports (4,294,967,295)"),
            });
        }
        let lists = opts
            .lists
            .unwrap_or_else(|| (n as f64).sqrt().round() as usize)
            .clamp(1, n.max(1));
        let all = store.answers();
        let centroids = train_centroids(store, lists, opts);
        let labels = assign_all(all, &centroids, dim);

        write_lists(dir, store, &centroids, &labels, lists)?;

        let meta = VectorMeta {
            version: FORMAT_VERSION,
            dim,
            count: n as u64,
            lists,
            seed: opts.seed,
            model: store.meta().model.clone(),
            store: opts.store.clone(),
        };
        let p = meta_path;
        let json = serde_json::to_vec_pretty(&meta).map_err(|e| VectorError::Corrupt {
            path: dir.to_path_buf(),
            why: format!("meta.json: {e}"),
        })?;
        std::fs::write(&p, json).at(&p)?;
        Ok(meta)
    }
}

/// Centroids of `lists` lists, trained on a seeded sample: k-means quality saturates at a few
/// dozen points per list.
fn train_centroids(store: &Store, lists: usize, opts: &BuildOptions) -> Vec<f32> {
    let (n, dim) = (store.len(), store.dim());
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let m = (lists * opts.sample_per_list.max(1)).min(n);
    let mut picks = sample(&mut rng, n, m).into_vec();
    picks.sort_unstable(); // sequential reads of the memory map
    let mut train = Vec::with_capacity(m * dim);
    for i in picks {
        train.extend_from_slice(store.answer(i));
    }
    if n == 0 {
        vec![0f32; dim]
    } else {
        kmeans::train(&train, dim, lists, opts.iterations, opts.seed)
    }
}

/// The list of every vector of `all` (row-major), with a progress bar.
fn assign_all(all: &[f32], centroids: &[f32], dim: usize) -> Vec<u32> {
    let pb = bar((all.len() / dim.max(1)) as u64, "vectors");
    let mut labels = Vec::with_capacity(all.len() / dim.max(1));
    for chunk in all.chunks(STEP * dim.max(1)) {
        labels.extend(kmeans::assign(chunk, centroids, dim));
        pb.inc((chunk.len() / dim.max(1)) as u64);
    }
    pb.finish_and_clear();
    labels
}

/// Writes the lists (ids, scales, codes), the centroids and the list offsets. A counting sort
/// by list keeps each list's entries in seq order.
fn write_lists(
    dir: &Path,
    store: &Store,
    centroids: &[f32],
    labels: &[u32],
    lists: usize,
) -> Result<(), VectorError> {
    let (n, dim) = (labels.len(), store.dim());
    let mut offsets = vec![0u64; lists + 1];
    for &l in labels {
        offsets[l as usize + 1] += 1;
    }
    for l in 0..lists {
        offsets[l + 1] += offsets[l];
    }
    let mut next = offsets.clone();
    let mut order = vec![0u32; n];
    for (i, &l) in labels.iter().enumerate() {
        order[next[l as usize] as usize] = i as u32;
        next[l as usize] += 1;
    }
    let mut ids = Out::create(dir, "ids.u32")?;
    let mut scales = Out::create(dir, "scales.f32")?;
    let mut codes = Out::create(dir, "codes.i8")?;
    let mut code = vec![0i8; dim];
    for &i in &order {
        let l = labels[i as usize] as usize;
        let s = quantize(
            store.answer(i as usize),
            &centroids[l * dim..(l + 1) * dim],
            &mut code,
        );
        ids.bytes(&i.to_le_bytes())?;
        scales.f32s(&[s])?;
        // i8 -> u8 reinterpretation, byte for byte.
        let raw: Vec<u8> = code.iter().map(|&c| c as u8).collect();
        codes.bytes(&raw)?;
    }
    ids.finish()?;
    scales.finish()?;
    codes.finish()?;
    let mut cf = Out::create(dir, "centroids.f32")?;
    cf.f32s(centroids)?;
    cf.finish()?;
    let mut of = Out::create(dir, "offsets.u64")?;
    for o in &offsets {
        of.bytes(&o.to_le_bytes())?;
    }
    of.finish()?;
    Ok(())
}
