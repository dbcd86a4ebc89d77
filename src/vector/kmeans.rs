//! Spherical k-means: the coarse quantizer of the IVF index (flat row-major data, SIMD
//! assignment, random-sample seeding, empty lists restarted; theme discovery's k-means++ on
//! sentence vectors is [`super::ops::spherical_kmeans`]).
//!
//! Vectors are L2-normalized and searched by dot product, so centroids are kept normalized and
//! points are assigned to the centroid with the largest dot product (cosine k-means). Training
//! is deterministic for a given seed: the random choices come from a seeded ChaCha generator and
//! the parallel step (assignment) is per point, so thread scheduling cannot change the result.

use super::kernel;
use super::ops::normalize;
use rand::seq::index::sample;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Points assigned per parallel task.
const CHUNK: usize = 256;

/// Index of the centroid nearest to every row of `data` (row-major, `dim` columns).
pub fn assign(data: &[f32], centroids: &[f32], dim: usize) -> Vec<u32> {
    let k = centroids.len() / dim;
    let mut out = vec![0u32; data.len() / dim];
    out.par_chunks_mut(CHUNK)
        .zip(data.par_chunks(CHUNK * dim))
        .for_each(|(labels, rows)| {
            let b = kernel::BLOCK;
            let mut scores = vec![0f32; k * b];
            let full = labels.len() / b * b;
            for (ls, pts) in labels[..full]
                .chunks_exact_mut(b)
                .zip(rows.chunks_exact(dim * b))
            {
                kernel::dots_block(pts, centroids, dim, &mut scores);
                for (i, l) in ls.iter_mut().enumerate() {
                    *l = argmax(&scores[i * k..(i + 1) * k]) as u32;
                }
            }
            for (label, row) in labels[full..]
                .iter_mut()
                .zip(rows[full * dim..].chunks_exact(dim))
            {
                kernel::dots_f32(row, centroids, dim, &mut scores[..k]);
                *label = argmax(&scores[..k]) as u32;
            }
        });
    out
}

/// Position of the largest value (the first one on ties).
pub fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}

/// Trains `k` normalized centroids on the rows of `data` with `iters` Lloyd iterations.
/// `k` must not exceed the number of rows.
pub fn train(data: &[f32], dim: usize, k: usize, iters: usize, seed: u64) -> Vec<f32> {
    let n = data.len() / dim;
    let k = k.clamp(1, n.max(1));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut centroids = Vec::with_capacity(k * dim);
    for i in sample(&mut rng, n, k).into_iter() {
        centroids.extend_from_slice(&data[i * dim..(i + 1) * dim]);
    }
    for _ in 0..iters {
        let labels = assign(data, &centroids, dim);
        let mut sums = vec![0f32; k * dim];
        let mut counts = vec![0usize; k];
        for (row, &l) in data.chunks_exact(dim).zip(&labels) {
            let l = l as usize;
            counts[l] += 1;
            for (s, x) in sums[l * dim..(l + 1) * dim].iter_mut().zip(row) {
                *s += x;
            }
        }
        for c in 0..k {
            if counts[c] == 0 {
                // An empty list wastes a probe: restart it on a random member of the largest
                // cluster, nudged so the two split that cluster on the next pass.
                let big = (0..k).max_by_key(|&j| counts[j]).unwrap_or(0);
                let members: Vec<usize> = (0..n).filter(|&i| labels[i] as usize == big).collect();
                let pick = members[rng.gen_range(0..members.len())];
                for (s, x) in sums[c * dim..(c + 1) * dim]
                    .iter_mut()
                    .zip(&data[pick * dim..(pick + 1) * dim])
                {
                    *s = x + rng.gen_range(-1e-3..1e-3);
                }
            }
            normalize(&mut sums[c * dim..(c + 1) * dim]);
        }
        centroids = sums;
    }
    centroids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_two_obvious_clusters_deterministically() {
        let dim = 4;
        let mut data = Vec::new();
        for i in 0..20 {
            let e = i as f32 * 0.001;
            let mut a = [1.0, e, 0.0, 0.0];
            let mut b = [0.0, 0.0, 1.0, e];
            normalize(&mut a);
            normalize(&mut b);
            data.extend_from_slice(&a);
            data.extend_from_slice(&b);
        }
        let c1 = train(&data, dim, 2, 5, 7);
        let c2 = train(&data, dim, 2, 5, 7);
        assert_eq!(c1, c2, "same seed, same centroids");
        let labels = assign(&data, &c1, dim);
        for pair in labels.chunks(2) {
            assert_ne!(pair[0], pair[1]);
            assert_eq!(pair[0], labels[0]);
        }
    }
}
