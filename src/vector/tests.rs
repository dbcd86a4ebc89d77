//! Recall and behaviour of the IVF index on random clustered data.

use super::*;
use crate::encode::store::{Store, StoreWriter};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

fn normalize(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= n);
}

/// `n` unit vectors around `clusters` random centres (like topics of survey answers), plus
/// `queries` more drawn the same way.
fn clustered(n: usize, dim: usize, clusters: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centres: Vec<Vec<f32>> = (0..clusters)
        .map(|_| {
            let mut c: Vec<f32> = (0..dim).map(|_| rng.gen_range(-1.0..1.0)).collect();
            normalize(&mut c);
            c
        })
        .collect();
    (0..n)
        .map(|_| {
            let c = &centres[rng.gen_range(0..clusters)];
            let mut v: Vec<f32> = c.iter().map(|x| x + rng.gen_range(-0.08..0.08)).collect();
            normalize(&mut v);
            v
        })
        .collect()
}

fn store_of(dir: &Path, vecs: &[Vec<f32>]) -> Store {
    let mut w = StoreWriter::create(dir, vecs[0].len(), "test").unwrap();
    for v in vecs {
        w.push(v, &[]).unwrap();
    }
    w.finish().unwrap();
    Store::open(dir).unwrap()
}

/// Builds the index of `store` into `run/vectors` with the default options and opens it.
fn build_and_open(store: &Store, run: &Path) -> (VectorMeta, VectorIndex) {
    let dir = run.join("vectors");
    let meta = VectorIndex::build(store, &dir, &BuildOptions::default()).unwrap();
    (meta, VectorIndex::open(&dir).unwrap())
}

/// An index over `n` clustered vectors in a temporary run folder (kept while the returned
/// guard lives) and `q` more vectors of the same clusters to query it with.
fn clustered_index(
    (n, q): (usize, usize),
    dim: usize,
    clusters: usize,
    seed: u64,
) -> (tempfile::TempDir, VectorMeta, VectorIndex, Vec<Vec<f32>>) {
    let run = tempfile::tempdir().unwrap();
    let mut data = clustered(n + q, dim, clusters, seed);
    let queries = data.split_off(n);
    let store = store_of(&run.path().join("embeddings"), &data);
    let (meta, idx) = build_and_open(&store, run.path());
    (run, meta, idx, queries)
}

fn recall(got: &[(u64, f32)], want: &[(u64, f32)]) -> f64 {
    let hit = want
        .iter()
        .filter(|w| got.iter().any(|g| g.0 == w.0))
        .count();
    hit as f64 / want.len() as f64
}

#[test]
fn recall_at_10_against_brute_force_is_at_least_095() {
    let (_run, meta, idx, queries) = clustered_index((20_000, 100), 384, 300, 1);
    assert_eq!((meta.count, meta.lists, meta.dim), (20_000, 141, 384));
    let mut total = 0.0;
    for q in &queries {
        let want = brute_force(idx.store(), q, 10, None);
        let got = idx.search(q, 10, None);
        assert_eq!(got.len(), 10);
        assert!(got.windows(2).all(|w| w[0].1 >= w[1].1), "best first");
        total += recall(&got, &want);
    }
    let r = total / queries.len() as f64;
    assert!(r >= 0.95, "recall@10 = {r:.3}");
}

#[test]
fn filters_apply_and_exhaust_the_lists_when_selective() {
    let (_run, _, idx, queries) = clustered_index((5_000, 10), 64, 50, 2);
    // Only 5 allowed answers out of 5,000: the scan must widen until it finds all of them.
    let allow = |s: u64| s % 1000 == 7;
    for q in &queries {
        let got = idx.search(q, 10, Some(&allow));
        let want = brute_force(idx.store(), q, 10, Some(&allow));
        assert_eq!(got.len(), 5);
        assert_eq!(got, want);
    }
}

#[test]
fn builds_are_deterministic_and_stale_indexes_are_refused() {
    let run = tempfile::tempdir().unwrap();
    let data = clustered(3_000, 32, 20, 3);
    let store = store_of(&run.path().join("embeddings"), &data);
    let (a, b) = (run.path().join("a"), run.path().join("b"));
    let opts = BuildOptions {
        store: "../embeddings".into(),
        ..BuildOptions::default()
    };
    VectorIndex::build(&store, &a, &opts).unwrap();
    VectorIndex::build(&store, &b, &opts).unwrap();
    for f in [
        "centroids.f32",
        "offsets.u64",
        "ids.u32",
        "scales.f32",
        "codes.i8",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    let idx = VectorIndex::open(&a).unwrap();
    assert!(
        idx.search(&[1.0, 0.0], 5, None).is_empty(),
        "wrong dimension"
    );
    assert!(idx.search(&data[0], 0, None).is_empty());
    assert_eq!(
        idx.search(&data[0], 1, None)[0].0,
        0,
        "a vector finds itself"
    );

    // The store grows (a re-run) but the index was not rebuilt: refuse, and say what to do.
    let grown = store_of(&run.path().join("embeddings"), &data[..2_000]);
    drop(grown);
    let err = VectorIndex::open(&a).err().unwrap().to_string();
    assert!(err.contains("re-run `verbatim analyze`"), "{err}");
}

#[test]
fn an_empty_store_gives_an_empty_index() {
    let run = tempfile::tempdir().unwrap();
    let dir = run.path().join("embeddings");
    StoreWriter::create(&dir, 8, "test")
        .unwrap()
        .finish()
        .unwrap();
    let store = Store::open(&dir).unwrap();
    let (_, idx) = build_and_open(&store, run.path());
    assert!(idx.search(&[0.0; 8], 3, None).is_empty());
}

/// Scale check (run by hand: `cargo test --release --lib vector::tests::scale -- --ignored
/// --nocapture`, VERBATIM_SCALE_N to change n): build time, latency and recall.
#[test]
#[ignore]
fn scale() {
    let n: usize = std::env::var("VERBATIM_SCALE_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let dim = 384;
    let run = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let unit = |rng: &mut ChaCha8Rng| {
        let mut c: Vec<f32> = (0..dim).map(|_| rng.gen_range(-1.0..1.0)).collect();
        normalize(&mut c);
        c
    };
    let topics: Vec<Vec<f32>> = (0..40).map(|_| unit(&mut rng)).collect();
    let subs: Vec<Vec<f32>> = (0..10_000).map(|_| unit(&mut rng)).collect();
    let point = |rng: &mut ChaCha8Rng| {
        let s = rng.gen_range(0..subs.len());
        let mut v: Vec<f32> = topics[s % 40]
            .iter()
            .zip(&subs[s])
            .map(|(a, b)| a + 0.7 * b + rng.gen_range(-0.12..0.12))
            .collect();
        normalize(&mut v);
        v
    };
    let t = std::time::Instant::now();
    let mut w = StoreWriter::create(&run.path().join("embeddings"), dim, "test").unwrap();
    for _ in 0..n {
        w.push(&point(&mut rng), &[]).unwrap();
    }
    w.finish().unwrap();
    let store = Store::open(&run.path().join("embeddings")).unwrap();
    println!("store {:.1}s", t.elapsed().as_secs_f64());
    let t = std::time::Instant::now();
    let meta = VectorIndex::build(
        &store,
        &run.path().join("vectors"),
        &BuildOptions::default(),
    )
    .unwrap();
    println!(
        "build {:.1}s ({} lists)",
        t.elapsed().as_secs_f64(),
        meta.lists
    );
    let mut idx = VectorIndex::open(&run.path().join("vectors")).unwrap();
    let queries: Vec<Vec<f32>> = (0..100).map(|_| point(&mut rng)).collect();
    let exact: Vec<_> = queries
        .iter()
        .map(|q| brute_force(idx.store(), q, 10, None))
        .collect();
    let t = std::time::Instant::now();
    for q in &queries {
        std::hint::black_box(brute_force(idx.store(), q, 10, None));
    }
    println!(
        "brute force {:.2} ms/query",
        t.elapsed().as_secs_f64() * 10.0
    );
    for probe in [8, 16, 32, 64, 128] {
        idx.set_probe(probe);
        let t = std::time::Instant::now();
        let mut r = 0.0;
        for (q, e) in queries.iter().zip(&exact) {
            r += recall(&idx.search(q, 10, None), e);
        }
        println!(
            "probe {probe}: {:.2} ms/query, recall@10 {:.3}",
            t.elapsed().as_secs_f64() * 10.0,
            r / 100.0
        );
    }
}
