//! Vector arithmetic on sentence embeddings, one implementation each: the dot product and
//! L2 normalization of the analysis code (plain sequential sums, so results do not depend on
//! the CPU; the SIMD kernels of the IVF index are `vector::kernel`), spherical k-means with
//! k-means++ seeding (theme discovery), and language centring (theme discovery and ideas).
//!
//! Language centring: in multilingual e5 the language of a sentence is a strong shared
//! direction, so on raw vectors two different Hebrew complaints are nearer than one complaint
//! in Hebrew and English. [`LanguageCenters`] removes it: each vector minus the mean vector of
//! its language, renormalized. Ideas shrink that mean toward the global mean
//! ([`LanguageCenters::table`], [`CENTER_SHRINK`]); theme discovery uses the plain mean of
//! languages with enough sentences and the global mean for the rest
//! ([`LanguageCenters::table_min_count`]), which clusters the labelled eval set better.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// Dot product of two equal-length vectors (sequential sum).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Scales `v` to unit length in place (a zero vector stays zero).
pub fn normalize(v: &mut [f32]) {
    let n = dot(v, v).sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= n);
}

/// The centroid with the largest dot product with `v`, and that dot product.
pub fn nearest(v: &[f32], centroids: &[Vec<f32>]) -> (usize, f32) {
    centroids
        .iter()
        .enumerate()
        .map(|(i, c)| (i, dot(v, c)))
        .fold((0, f32::MIN), |a, b| if b.1 > a.1 { b } else { a })
}

/// Spherical k-means on `vectors` (seeded k-means++ then Lloyd); returns unit centroids.
pub fn spherical_kmeans(
    vectors: &[&[f32]],
    k: usize,
    iterations: usize,
    seed: u64,
) -> Vec<Vec<f32>> {
    let n = vectors.len();
    if n == 0 || k == 0 {
        return Vec::new();
    }
    let k = k.min(n);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut centroids = vec![vectors[rng.gen_range(0..n)].to_vec()];
    let mut dist: Vec<f32> = vectors
        .iter()
        .map(|v| 1.0 - dot(v, &centroids[0]))
        .collect();
    while centroids.len() < k {
        let total: f32 = dist.iter().map(|d| d.max(0.0) * d.max(0.0)).sum();
        let mut r = rng.gen::<f32>() * total;
        let mut pick = n - 1;
        for (i, d) in dist.iter().enumerate() {
            r -= d.max(0.0) * d.max(0.0);
            if r <= 0.0 {
                pick = i;
                break;
            }
        }
        let c = vectors[pick].to_vec();
        dist.iter_mut()
            .zip(vectors)
            .for_each(|(d, v)| *d = d.min(1.0 - dot(v, &c)));
        centroids.push(c);
    }
    let dim = vectors[0].len();
    for _ in 0..iterations {
        let assign: Vec<usize> = vectors
            .par_iter()
            .map(|v| nearest(v, &centroids).0)
            .collect();
        let mut sums = vec![vec![0f32; dim]; centroids.len()];
        let mut counts = vec![0usize; centroids.len()];
        for (v, &a) in vectors.iter().zip(&assign) {
            counts[a] += 1;
            sums[a].iter_mut().zip(v.iter()).for_each(|(s, x)| *s += x);
        }
        let mut moved = false;
        for (c, (mut s, n)) in sums.into_iter().zip(counts).enumerate() {
            if n == 0 {
                continue; // an empty cluster keeps its centroid
            }
            normalize(&mut s);
            if dot(&s, &centroids[c]) < 0.999_999 {
                moved = true;
            }
            centroids[c] = s;
        }
        if !moved {
            break;
        }
    }
    centroids
}

/// Pseudo-count of the shrinkage of a language's mean toward the global mean: a language with
/// few sentences keeps mostly the global centre instead of cancelling its own sentences.
pub const CENTER_SHRINK: f64 = 10.0;

/// Fewest sentences of a language that theme discovery centres on the language's own mean.
pub const DISCOVERY_MIN_COUNT: u64 = 10;

/// Per-language mean sentence vectors, for language centring (see the module docs).
/// Mergeable: it holds sums and counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LanguageCenters {
    sums: BTreeMap<String, (Vec<f64>, u64)>,
}

impl LanguageCenters {
    /// Counts one sentence vector of language `lang`.
    pub fn add(&mut self, lang: &str, v: &[f32]) {
        let e = self
            .sums
            .entry(lang.to_string())
            .or_insert_with(|| (vec![0.0; v.len()], 0));
        if e.0.len() == v.len() {
            e.0.iter_mut().zip(v).for_each(|(a, b)| *a += *b as f64);
            e.1 += 1;
        }
    }

    /// Sum of every counted vector and their number (`None` when nothing is counted).
    fn global(&self) -> Option<(Vec<f64>, u64)> {
        let dim = self.sums.values().next()?.0.len();
        let mut global = vec![0.0; dim];
        let mut n = 0u64;
        for (s, c) in self.sums.values() {
            global.iter_mut().zip(s).for_each(|(a, b)| *a += b);
            n += c;
        }
        (n > 0).then_some((global, n))
    }

    /// The centre of `lang`: (sum of its vectors + k x global mean) / (count + k).
    pub fn center(&self, lang: &str) -> Option<Vec<f64>> {
        let (global, n) = self.global()?;
        let zero = (vec![0.0; global.len()], 0);
        let (sum, count) = self.sums.get(lang).unwrap_or(&zero);
        Some(shrunk(sum, *count, &global, n))
    }

    /// `v` minus the centre of `lang`, L2-normalized (`v` itself when nothing is counted or the
    /// difference vanishes).
    pub fn apply(&self, lang: &str, v: &[f32]) -> Vec<f32> {
        match self.center(lang).filter(|c| c.len() == v.len()) {
            Some(c) => subtract_normalized(v, &c),
            None => v.to_vec(),
        }
    }

    /// Every centre without shrinkage: a language with at least `min_count` vectors is
    /// centred on its own mean, any other on the global mean. Theme discovery uses this with
    /// `DISCOVERY_MIN_COUNT`: with [`Self::table`]'s shrinkage its purity on the labelled
    /// eval set fell from 0.567 to 0.515 (tests/models.rs).
    pub fn table_min_count(&self, min_count: u64) -> CenterTable {
        let Some((global, n)) = self.global() else {
            return CenterTable::default();
        };
        let mean = |sum: &[f64], count: u64| sum.iter().map(|x| x / count as f64).collect();
        let by_lang = self
            .sums
            .iter()
            .filter(|(_, (_, count))| *count >= min_count)
            .map(|(l, (sum, count))| (l.clone(), mean(sum, *count)))
            .collect();
        let unseen = Some(mean(&global, n));
        CenterTable { by_lang, unseen }
    }

    /// Every centre computed once (a language not counted gets the global mean, as from
    /// [`Self::center`]).
    pub fn table(&self) -> CenterTable {
        let Some((global, n)) = self.global() else {
            return CenterTable::default();
        };
        let by_lang = self
            .sums
            .iter()
            .map(|(l, (sum, count))| (l.clone(), shrunk(sum, *count, &global, n)))
            .collect();
        let unseen = Some(shrunk(&vec![0.0; global.len()], 0, &global, n));
        CenterTable { by_lang, unseen }
    }
}

/// (sum + k x global / n) / (count + k), k = [`CENTER_SHRINK`].
fn shrunk(sum: &[f64], count: u64, global: &[f64], n: u64) -> Vec<f64> {
    let denom = count as f64 + CENTER_SHRINK;
    sum.iter()
        .zip(global)
        .map(|(s, g)| (s + CENTER_SHRINK * g / n as f64) / denom)
        .collect()
}

/// `v - c`, L2-normalized; `v` itself when the difference vanishes.
fn subtract_normalized(v: &[f32], c: &[f64]) -> Vec<f32> {
    let d: Vec<f64> = v.iter().zip(c).map(|(x, m)| *x as f64 - m).collect();
    let norm = d.iter().map(|x| x * x).sum::<f64>().sqrt();
    if norm < 1e-9 {
        return v.to_vec();
    }
    d.iter().map(|x| (x / norm) as f32).collect()
}

/// The centres of [`LanguageCenters`] computed once, for centring many vectors.
#[derive(Debug, Clone, Default)]
pub struct CenterTable {
    by_lang: HashMap<String, Vec<f64>>,
    unseen: Option<Vec<f64>>,
}

impl CenterTable {
    /// [`LanguageCenters::apply`] with the centres computed once.
    pub fn apply(&self, lang: &str, v: &[f32]) -> Vec<f32> {
        match self.by_lang.get(lang).or(self.unseen.as_ref()) {
            Some(c) if c.len() == v.len() => subtract_normalized(v, c),
            _ => v.to_vec(),
        }
    }
}

/// Test data with known clusters: the `i`-th point of the cluster around axis `center` of a
/// `dim`-dimensional space, a unit vector with a little noise that varies with `i`.
#[cfg(test)]
pub(crate) fn planted(center: usize, i: usize, dim: usize) -> Vec<f32> {
    let mut v = vec![0.02 * ((i * 7 % 5) as f32); dim];
    v[center] = 1.0;
    normalize(&mut v);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn centers() -> LanguageCenters {
        let mut c = LanguageCenters::default();
        for i in 0..12 {
            let x = i as f32 * 0.01;
            c.add("he", &[1.0, x, 0.2]);
            c.add("en", &[0.1, 1.0, x]);
        }
        c.add("fa", &[0.3, 0.3, 1.0]);
        c
    }

    #[test]
    fn the_table_centres_exactly_as_apply_does() {
        let c = centers();
        let t = c.table();
        for lang in ["he", "en", "fa", "never-seen"] {
            let v = [0.5, 0.4, 0.3];
            assert_eq!(t.apply(lang, &v), c.apply(lang, &v), "{lang}");
        }
        assert_eq!(
            LanguageCenters::default().table().apply("he", &[1.0]),
            [1.0]
        );
    }

    #[test]
    fn min_count_centres_rare_languages_on_the_global_mean() {
        let c = centers();
        let t = c.table_min_count(10);
        let v = [0.5, 0.4, 0.3];
        // "fa" has one vector: it is centred like a language never seen (the global mean).
        assert_eq!(t.apply("fa", &v), t.apply("never-seen", &v));
        assert_ne!(t.apply("he", &v), t.apply("fa", &v));
        let n = dot(&t.apply("en", &v), &t.apply("en", &v));
        assert!((n - 1.0).abs() < 1e-5, "unit length, got {n}");
    }

    #[test]
    fn spherical_kmeans_is_seeded_and_separates_directions() {
        let rows: Vec<Vec<f32>> = (0..20).map(|i| planted(i % 2 * 2, i, 3)).collect();
        let refs: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
        let c1 = spherical_kmeans(&refs, 2, 10, 7);
        assert_eq!(c1, spherical_kmeans(&refs, 2, 10, 7));
        let (a, _) = nearest(refs[0], &c1);
        let (b, _) = nearest(refs[1], &c1);
        assert_ne!(a, b);
    }
}
