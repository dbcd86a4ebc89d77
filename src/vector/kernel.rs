//! Dot-product kernels of the vector index.
//!
//! The crate is built for baseline x86-64 (SSE2), so these loops are written once as plain Rust
//! with several independent accumulators (which lets LLVM vectorize a float reduction) and
//! compiled a second time with AVX2+FMA enabled; the AVX2 copy is chosen at run time when the
//! CPU has it. That doubles or triples scan speed without `target-cpu=native` builds.

use crate::cpu::dispatch;

/// Lanes of independent accumulators: two AVX2 registers of f32.
const LANES: usize = 16;

/// `a · b` over the shorter length, `b`'s values (f32 or int8 codes) widened to f32.
#[inline(always)]
fn dot_generic<T: Copy + Into<f32>>(a: &[f32], b: &[T]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i].into();
        }
    }
    let mut s: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * (*y).into())
        .sum();
    for v in acc {
        s += v;
    }
    s
}

/// `out[j] = q · rows[j]` for row-major `rows` of `dim` values.
#[inline(always)]
fn dots_f32_generic(q: &[f32], rows: &[f32], dim: usize, out: &mut [f32]) {
    for (o, r) in out.iter_mut().zip(rows.chunks_exact(dim)) {
        *o = dot_generic(q, r);
    }
}

/// `out[j] = q · codes[j]` (int8 codes, unscaled) for row-major `codes` of `dim` values.
#[inline(always)]
fn dots_i8_generic(q: &[f32], codes: &[i8], dim: usize, out: &mut [f32]) {
    for (o, r) in out.iter_mut().zip(codes.chunks_exact(dim)) {
        *o = dot_generic(q, r);
    }
}

/// Rows of `points` handled together by [`dots_block`]: each centroid chunk loaded from memory
/// is used four times, which matters once the centroids outgrow the L2 cache.
pub const BLOCK: usize = 4;

#[inline(always)]
fn dots_block_generic(points: &[f32], rows: &[f32], dim: usize, out: &mut [f32]) {
    const W: usize = 8;
    let k = rows.len() / dim;
    let p: [&[f32]; BLOCK] = std::array::from_fn(|i| &points[i * dim..(i + 1) * dim]);
    let main = dim - dim % W;
    for (j, r) in rows.chunks_exact(dim).enumerate() {
        let mut acc = [[0f32; W]; BLOCK];
        for c in (0..main).step_by(W) {
            let rc = &r[c..c + W];
            for (a, pt) in acc.iter_mut().zip(&p) {
                let pc = &pt[c..c + W];
                for l in 0..W {
                    a[l] += pc[l] * rc[l];
                }
            }
        }
        for (i, a) in acc.iter().enumerate() {
            let tail: f32 = (main..dim).map(|c| p[i][c] * r[c]).sum();
            out[i * k + j] = a.iter().sum::<f32>() + tail;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dots_block(points: &[f32], rows: &[f32], dim: usize, out: &mut [f32]) {
        super::dots_block_generic(points, rows, dim, out)
    }

    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dots_f32(q: &[f32], rows: &[f32], dim: usize, out: &mut [f32]) {
        super::dots_f32_generic(q, rows, dim, out)
    }

    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn dots_i8(q: &[f32], codes: &[i8], dim: usize, out: &mut [f32]) {
        super::dots_i8_generic(q, codes, dim, out)
    }
}

/// Dot product of two equal-length f32 slices.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut out = [0f32];
    dots_f32(a, b, a.len().max(1), &mut out);
    out[0]
}

/// `out[j] = q · rows[j]` for the row-major matrix `rows` with `dim` columns.
pub fn dots_f32(q: &[f32], rows: &[f32], dim: usize, out: &mut [f32]) {
    dispatch!(avx2::dots_f32, dots_f32_generic, q, rows, dim, out)
}

/// For [`BLOCK`] row-major `points`: `out[i * k + j] = points[i] · rows[j]` (`k` rows).
pub fn dots_block(points: &[f32], rows: &[f32], dim: usize, out: &mut [f32]) {
    dispatch!(avx2::dots_block, dots_block_generic, points, rows, dim, out)
}

/// `out[j] = q · codes[j]` for row-major int8 `codes` with `dim` columns (no scale applied).
pub fn dots_i8(q: &[f32], codes: &[i8], dim: usize, out: &mut [f32]) {
    dispatch!(avx2::dots_i8, dots_i8_generic, q, codes, dim, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_match_a_plain_loop() {
        let dim = 37; // not a multiple of the lane count: exercises the remainder
        let q: Vec<f32> = (0..dim).map(|i| (i as f32 * 0.37).sin()).collect();
        let rows: Vec<f32> = (0..dim * 3).map(|i| (i as f32 * 0.11).cos()).collect();
        let codes: Vec<i8> = (0..dim * 3).map(|i| ((i * 7) % 255) as i8).collect();
        let mut out = [0f32; 3];
        dots_f32(&q, &rows, dim, &mut out);
        for j in 0..3 {
            let want: f32 = (0..dim).map(|i| q[i] * rows[j * dim + i]).sum();
            assert!((out[j] - want).abs() < 1e-4);
        }
        dots_i8(&q, &codes, dim, &mut out);
        for j in 0..3 {
            let want: f32 = (0..dim).map(|i| q[i] * codes[j * dim + i] as f32).sum();
            assert!((out[j] - want).abs() < 1e-2);
        }
        assert!(
            (dot(&q, &rows[..dim]) - (0..dim).map(|i| q[i] * rows[i]).sum::<f32>()).abs() < 1e-4
        );
    }
}
