//! The per-token scaling around the int8 GEMM of `lean::Int8`, as two passes over plain
//! slices: before it, each token (row) divided by its largest magnitude plus the sentinel row
//! that fixes fbgemm's activation range to [-1, 1]; after it, each output row multiplied back
//! by its token's scale and each column by its weight row's scale, plus the bias, and for the
//! two projections a LayerNorm follows, plus the residual and the LayerNorm in the same pass
//! ([`from_unit_rows_add_norm`]).
//!
//! libtorch spelled the same as eight ops (`abs`, `amax`, `clamp_min`, `div`, `cat`, two `mul`,
//! `add`), each a pass over the activations into a fresh tensor. These compute the same
//! values in the same order (division, then multiplications left to right, then the
//! addition; no fused multiply-add), so the vectors are bit-identical to the ops they replace.

use crate::cpu::dispatch;

/// Smallest token scale, so an all-zero token divides by it instead of by zero.
const MIN_SCALE: f32 = 1e-12;

/// Lanes of the running maximum, so the compiler keeps it in vector registers.
const LANES: usize = 16;

/// The larger of two magnitudes (a comparison, which compiles to one vector max).
#[inline(always)]
fn larger(a: f32, b: f32) -> f32 {
    if b > a {
        b
    } else {
        a
    }
}

/// Largest magnitude of `row`.
#[inline(always)]
fn max_abs(row: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let mut chunks = row.chunks_exact(LANES);
    for c in &mut chunks {
        for (a, v) in acc.iter_mut().zip(c) {
            *a = larger(*a, v.abs());
        }
    }
    let tail = chunks
        .remainder()
        .iter()
        .fold(0f32, |m, v| larger(m, v.abs()));
    acc.iter().fold(tail, |m, &a| larger(m, a))
}

/// Writes each `k`-wide row of `src` divided by its largest magnitude into `dst`, that
/// magnitude into `scales`, and the sentinel row (-1, +1, zeros) as `dst`'s last row.
/// `dst` holds one row more than `src`; `scales` one entry per row of `src`.
pub(crate) fn to_unit_rows(src: &[f32], k: usize, dst: &mut [f32], scales: &mut [f32]) {
    assert!(k >= 2 && src.len() == scales.len() * k && dst.len() == src.len() + k);
    dispatch!(
        avx2::to_unit_rows,
        to_unit_rows_generic,
        src,
        k,
        dst,
        scales
    )
}

#[inline(always)]
fn to_unit_rows_generic(src: &[f32], k: usize, dst: &mut [f32], scales: &mut [f32]) {
    let (rows, sentinel) = dst.split_at_mut(src.len());
    for ((s, d), scale) in src
        .chunks_exact(k)
        .zip(rows.chunks_exact_mut(k))
        .zip(scales)
    {
        *scale = max_abs(s).max(MIN_SCALE);
        for (o, v) in d.iter_mut().zip(s) {
            *o = v / *scale;
        }
    }
    sentinel.fill(0.0);
    sentinel[0] = -1.0;
    sentinel[1] = 1.0;
}

/// Scales the first `scales.len()` rows of `y` (rows of `bias.len()` columns) back: each
/// value times its row's token scale, times its column's weight scale, plus its column's bias.
pub(crate) fn from_unit_rows(y: &mut [f32], scales: &[f32], col_scales: &[f32], bias: &[f32]) {
    assert!(col_scales.len() == bias.len() && y.len() >= scales.len() * bias.len());
    dispatch!(
        avx2::from_unit_rows,
        from_unit_rows_generic,
        y,
        scales,
        col_scales,
        bias
    )
}

#[inline(always)]
fn from_unit_rows_generic(y: &mut [f32], scales: &[f32], col_scales: &[f32], bias: &[f32]) {
    let n = bias.len();
    for (row, &s) in y.chunks_exact_mut(n).zip(scales) {
        for ((v, &c), &b) in row.iter_mut().zip(col_scales).zip(bias) {
            *v = *v * s * c + b;
        }
    }
}

/// A LayerNorm's weight, bias and epsilon, and the residual rows added before it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AddNorm<'a> {
    pub residual: &'a [f32],
    pub gamma: &'a [f32],
    pub beta: &'a [f32],
    pub eps: f32,
}

/// As [`from_unit_rows`], then each row plus its residual row, layer-normalized: the
/// projection's epilogue, the residual add and the LayerNorm in one pass over rows that stay
/// in cache, instead of three ops each writing a fresh tensor.
pub(crate) fn from_unit_rows_add_norm(
    y: &mut [f32],
    scales: &[f32],
    col_scales: &[f32],
    bias: &[f32],
    norm: AddNorm,
) {
    let n = bias.len();
    assert!(col_scales.len() == n && y.len() >= scales.len() * n);
    assert!(
        norm.residual.len() == scales.len() * n && norm.gamma.len() == n && norm.beta.len() == n
    );
    dispatch!(
        avx2::from_unit_rows_add_norm,
        from_unit_rows_add_norm_generic,
        y,
        scales,
        col_scales,
        bias,
        norm
    )
}

#[inline(always)]
fn from_unit_rows_add_norm_generic(
    y: &mut [f32],
    scales: &[f32],
    col_scales: &[f32],
    bias: &[f32],
    norm: AddNorm,
) {
    let n = bias.len();
    let rows = y
        .chunks_exact_mut(n)
        .zip(scales)
        .zip(norm.residual.chunks_exact(n));
    for ((row, &s), res) in rows {
        for (((v, &c), &b), &r) in row.iter_mut().zip(col_scales).zip(bias).zip(res) {
            *v = *v * s * c + b + r;
        }
        normalize(row, &norm);
    }
}

/// Each row of `y` (finished outputs of `norm.gamma.len()` columns) plus its residual row,
/// layer-normalized: the epilogue of the VNNI path (`qgemm`), whose GEMM applies the scales.
pub(crate) fn add_norm_rows(y: &mut [f32], norm: AddNorm) {
    let n = norm.gamma.len();
    assert!(y.len() == norm.residual.len() && y.len().is_multiple_of(n) && norm.beta.len() == n);
    dispatch!(avx2::add_norm_rows, add_norm_rows_generic, y, norm)
}

#[inline(always)]
fn add_norm_rows_generic(y: &mut [f32], norm: AddNorm) {
    let n = norm.gamma.len();
    for (row, res) in y.chunks_exact_mut(n).zip(norm.residual.chunks_exact(n)) {
        row.iter_mut().zip(res).for_each(|(v, r)| *v += r);
        normalize(row, &norm);
    }
}

/// `row` layer-normalized with `norm`'s weight, bias and epsilon.
#[inline(always)]
fn normalize(row: &mut [f32], norm: &AddNorm) {
    let n = row.len();
    let mean = lane_sum(row, |v| v) / n as f32;
    let var = lane_sum(row, |v| (v - mean) * (v - mean)) / n as f32;
    let rstd = 1.0 / (var + norm.eps).sqrt();
    for ((v, &g), &b) in row.iter_mut().zip(norm.gamma).zip(norm.beta) {
        *v = (*v - mean) * rstd * g + b;
    }
}

/// The sum of `f` over `row`, in [`LANES`] running sums (so it vectorizes).
#[inline(always)]
fn lane_sum(row: &[f32], f: impl Fn(f32) -> f32) -> f32 {
    let mut acc = [0f32; LANES];
    let mut chunks = row.chunks_exact(LANES);
    for c in &mut chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += f(v);
        }
    }
    let tail: f32 = chunks.remainder().iter().map(|&v| f(v)).sum();
    acc.iter().sum::<f32>() + tail
}

/// The same loops compiled for AVX2 (8 lanes instead of SSE2's 4). Rust never fuses a
/// multiply and an add on its own, so the values stay the portable version's.
#[cfg(target_arch = "x86_64")]
mod avx2 {
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn to_unit_rows(src: &[f32], k: usize, dst: &mut [f32], scales: &mut [f32]) {
        super::to_unit_rows_generic(src, k, dst, scales)
    }

    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn from_unit_rows(y: &mut [f32], scales: &[f32], cols: &[f32], bias: &[f32]) {
        super::from_unit_rows_generic(y, scales, cols, bias)
    }

    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn add_norm_rows(y: &mut [f32], norm: super::AddNorm) {
        super::add_norm_rows_generic(y, norm)
    }

    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn from_unit_rows_add_norm(
        y: &mut [f32],
        scales: &[f32],
        cols: &[f32],
        bias: &[f32],
        norm: super::AddNorm,
    ) {
        super::from_unit_rows_add_norm_generic(y, scales, cols, bias, norm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_divided_by_their_largest_magnitude_and_the_sentinel_comes_last() {
        let src = [2.0, -4.0, 1.0, 0.0, 0.0, 0.0];
        let mut dst = [9.0; 9];
        let mut scales = [0.0; 2];
        to_unit_rows(&src, 3, &mut dst, &mut scales);
        assert_eq!(scales, [4.0, MIN_SCALE]);
        assert_eq!(dst, [0.5, -1.0, 0.25, 0.0, 0.0, 0.0, -1.0, 1.0, 0.0]);
    }

    #[test]
    fn the_largest_magnitude_is_found_in_any_lane_and_the_tail() {
        let mut row: Vec<f32> = (0..37).map(|i| i as f32 / 8.0).collect();
        assert_eq!(max_abs(&row), 4.5);
        row[5] = -7.0;
        assert_eq!(max_abs(&row), 7.0);
        row[36] = 8.0;
        assert_eq!(max_abs(&row), 8.0);
    }

    #[test]
    fn outputs_are_scaled_back_per_row_and_column_and_the_extra_row_is_left() {
        let mut y = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        from_unit_rows(&mut y, &[2.0, 10.0], &[1.0, 0.5], &[0.25, -1.0]);
        assert_eq!(y, [2.25, 1.0, 30.25, 19.0, 5.0, 6.0]);
    }

    #[test]
    fn the_residual_is_added_and_each_row_layer_normalized() {
        let mut y = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let norm = AddNorm {
            residual: &[1.0, 0.0, 0.0, 0.0, -2.0, 2.0],
            gamma: &[1.0, 2.0, 0.5],
            beta: &[0.0, 1.0, -1.0],
            eps: 0.0,
        };
        from_unit_rows_add_norm(&mut y, &[1.0, 1.0], &[1.0; 3], &[0.0; 3], norm);
        // Row 1: [2, 2, 3], mean 7/3, variance 2/9; row 2: [4, 3, 8], mean 5, variance 14/3.
        let r = (2.0f32 / 9.0).sqrt();
        let want1 = [
            (-1.0 / 3.0) / r,
            2.0 * (-1.0 / 3.0) / r + 1.0,
            0.5 * (2.0 / 3.0) / r - 1.0,
        ];
        let s = (14.0f32 / 3.0).sqrt();
        let want2 = [-1.0 / s, 2.0 * -2.0 / s + 1.0, 0.5 * 3.0 / s - 1.0];
        for (got, want) in y.iter().zip(want1.iter().chain(&want2)) {
            assert!((got - want).abs() < 1e-5, "{got} vs {want}");
        }
        assert_eq!(y[6], 7.0, "the extra row is left");
    }
}
