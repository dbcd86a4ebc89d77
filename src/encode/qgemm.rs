//! An int8 linear layer on AVX-512 VNNI (`vpdpbusd`): each token (row of the activations)
//! quantized over its own range, each weight row over its own, and the scales and bias
//! applied to the GEMM's accumulators while they are in registers.
//!
//! fbgemm's int8 op (the other path of `lean::Int8`) takes one activation range per call, so
//! per-token ranges went through two extra passes around it, and fbgemm added its own: a
//! min/max pass, a quantize pass and a requantize pass, about 16% of `verbatim analyze`'s time
//! around a GEMM kernel that itself runs at the core's VNNI rate. Here the activations are
//! quantized in one pass and the GEMM writes the finished outputs.
//!
//! Quantization: token `m` over its own range, `a = round((x - z_m) / s_m)` in u8 with
//! `z_m = min x_m` and `s_m = (max x_m - min x_m) / 255` (asymmetric: the GELU output that
//! feeds the FFN's second projection is mostly positive, so it gets twice the resolution of a
//! symmetric range); weight row `n` as `round(w / c_n)` in i8 with `c_n = max|w_n| / 127`;
//! then `y[m][n] = c_n * (s_m * acc[m][n] + z_m * sum_k q[n][k]) + bias[n]`. Each token's
//! output depends on that token alone, so a text's vector is the same in any batch.

/// Output columns of one block: three 512-bit registers of 16 i32 sums.
const NB: usize = 48;
/// Rows of one block (8 x 3 accumulators, as fbgemm's kernel).
const MB: usize = 8;
/// Smallest token scale, so an all-zero token divides by it instead of by zero.
const MIN_SCALE: f32 = 1e-12;

/// Environment variable that turns the VNNI path on (`1`) for int8 layers on a CPU that has
/// it. Off by default: the kernel is 1.16x the encoder's speed and closer to f32, but its
/// last-bit differences move the codebook classifier's tags enough that search's routed
/// relevance cut on corpora/dev falls under its floors (precision 0.644 at recall 0.808, and no
/// theme threshold from 0.38 to 0.47 meets both; README "Speed", stop 23), so the default stays
/// on fbgemm until the thresholds are chosen again for it.
pub(crate) const VNNI_ENV: &str = "VERBATIM_INT8_VNNI";

/// Whether int8 layers run on this kernel: the CPU has it and [`VNNI_ENV`] is `1`.
pub(crate) fn enabled() -> bool {
    use std::sync::OnceLock;
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| cpu_has_vnni() && std::env::var(VNNI_ENV).is_ok_and(|v| v == "1"))
}

/// Whether this CPU has AVX-512 F, BW and VNNI (checked once).
pub(crate) fn cpu_has_vnni() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static HAS: OnceLock<bool> = OnceLock::new();
        *HAS.get_or_init(|| {
            is_x86_feature_detected!("avx512f")
                && is_x86_feature_detected!("avx512bw")
                && is_x86_feature_detected!("avx512vnni")
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// A weight matrix `[n, k]` quantized per row and packed for the kernel, with its bias.
pub(crate) struct QWeights {
    n: usize,
    k: usize,
    /// For each block of `NB` columns, for each group of 4 `k`: the block's columns' 4 bytes
    /// side by side (`[n / NB][k / 4][NB][4]`).
    packed: Vec<i8>,
    /// `sum_k q[n][k]`, for the activations' offset (`z_m`).
    sums: Vec<f32>,
    /// `max|w_n| / 127` per output column.
    scales: Vec<f32>,
    bias: Vec<f32>,
}

impl QWeights {
    /// Whether a `[n, k]` layer fits the kernel's blocks.
    pub(crate) fn fits(n: usize, k: usize) -> bool {
        n > 0 && k > 0 && n.is_multiple_of(NB) && k.is_multiple_of(16)
    }

    /// Quantizes `w` (`[n, k]`, row-major) with `bias` (`[n]`); the shape must [`fits`].
    ///
    /// [`fits`]: QWeights::fits
    pub(crate) fn new(w: &[f32], n: usize, k: usize, bias: &[f32]) -> QWeights {
        assert!(Self::fits(n, k) && w.len() == n * k && bias.len() == n);
        let mut q = vec![0i8; n * k];
        let mut scales = vec![0f32; n];
        let mut sums = vec![0f32; n];
        for (r, row) in w.chunks_exact(k).enumerate() {
            let max = row.iter().fold(0f32, |m, v| m.max(v.abs()));
            scales[r] = max.max(MIN_SCALE) / 127.0;
            for (o, v) in q[r * k..(r + 1) * k].iter_mut().zip(row) {
                *o = (v / scales[r]).round().clamp(-127.0, 127.0) as i8;
            }
            sums[r] = q[r * k..(r + 1) * k].iter().map(|&x| x as i32).sum::<i32>() as f32;
        }
        let mut packed = vec![0i8; n * k];
        for (i, p) in packed.iter_mut().enumerate() {
            let (block, rest) = (i / (k * NB), i % (k * NB));
            let (g, within) = (rest / (NB * 4), rest % (NB * 4));
            let (col, t) = (block * NB + within / 4, g * 4 + within % 4);
            *p = q[col * k + t];
        }
        QWeights {
            n,
            k,
            packed,
            sums,
            scales,
            bias: bias.to_vec(),
        }
    }

    /// Output columns.
    pub(crate) fn outputs(&self) -> usize {
        self.n
    }

    /// `out` (`[m, n]`) = `x` (`[m, k]`) times the weights, scaled, plus the bias. Needs
    /// [`cpu_has_vnni`].
    pub(crate) fn apply(&self, x: &[f32], out: &mut [f32]) {
        assert!(cpu_has_vnni(), "the VNNI int8 path needs AVX-512 VNNI");
        assert!(x.len().is_multiple_of(self.k));
        let m = x.len() / self.k;
        assert!(out.len() == m * self.n);
        let mut a = vec![0u8; m * self.k];
        let mut s = vec![[0f32; 2]; m];
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `cpu_has_vnni` checked the CPU; the sizes were checked above.
        unsafe {
            vnni::quantize_rows(x, self.k, &mut a, &mut s);
            vnni::gemm(self, &a, &s, out);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod vnni {
    use super::{QWeights, MB, MIN_SCALE, NB};
    use std::arch::x86_64::*;

    /// Each `k`-wide row of `x` as `round((x - z) / s)` in `a`, `[s, z]` in `s` (its range
    /// over 255 steps, and its minimum).
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub unsafe fn quantize_rows(x: &[f32], k: usize, a: &mut [u8], s: &mut [[f32; 2]]) {
        for ((row, out), sz) in x.chunks_exact(k).zip(a.chunks_exact_mut(k)).zip(s) {
            let (mut lo, mut hi) = (_mm512_set1_ps(f32::MAX), _mm512_set1_ps(f32::MIN));
            for c in row.chunks_exact(16) {
                let v = _mm512_loadu_ps(c.as_ptr());
                (lo, hi) = (_mm512_min_ps(lo, v), _mm512_max_ps(hi, v));
            }
            let (lo, hi) = (_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi));
            *sz = [((hi - lo) / 255.0).max(MIN_SCALE), lo];
            let (inv, z) = (_mm512_set1_ps(1.0 / sz[0]), _mm512_set1_ps(lo));
            let (zero, top) = (_mm512_setzero_si512(), _mm512_set1_epi32(255));
            for (c, o) in row.chunks_exact(16).zip(out.chunks_exact_mut(16)) {
                let v = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(c.as_ptr()), z), inv);
                // Round to nearest (the default rounding mode), kept in 0..=255.
                let q = _mm512_min_epi32(_mm512_max_epi32(_mm512_cvtps_epi32(v), zero), top);
                _mm_storeu_si128(o.as_mut_ptr() as *mut __m128i, _mm512_cvtepi32_epi8(q));
            }
        }
    }

    /// The whole product: blocks of `NB` columns by up to `MB` rows.
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub unsafe fn gemm(w: &QWeights, a: &[u8], s: &[[f32; 2]], out: &mut [f32]) {
        let m = s.len();
        for nb in 0..w.n / NB {
            for m0 in (0..m).step_by(MB) {
                let block = Block { w, a, s, nb, m0 };
                match (m - m0).min(MB) {
                    8 => block.run::<8>(out),
                    7 => block.run::<7>(out),
                    6 => block.run::<6>(out),
                    5 => block.run::<5>(out),
                    4 => block.run::<4>(out),
                    3 => block.run::<3>(out),
                    2 => block.run::<2>(out),
                    _ => block.run::<1>(out),
                }
            }
        }
    }

    /// Rows `m0..m0 + R` by columns `nb * NB..(nb + 1) * NB`.
    struct Block<'a> {
        w: &'a QWeights,
        a: &'a [u8],
        s: &'a [[f32; 2]],
        nb: usize,
        m0: usize,
    }

    impl Block<'_> {
        #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
        unsafe fn run<const R: usize>(&self, out: &mut [f32]) {
            let k = self.w.k;
            let b = self.w.packed.as_ptr().add(self.nb * k * NB);
            let a = self.a.as_ptr().add(self.m0 * k);
            let mut acc = [[_mm512_setzero_si512(); 3]; R];
            for g in 0..k / 4 {
                let bp = b.add(g * NB * 4);
                let bv: [__m512i; 3] =
                    std::array::from_fn(|c| _mm512_loadu_si512(bp.add(c * 64) as *const _));
                for (r, acc) in acc.iter_mut().enumerate() {
                    let quad = (a.add(r * k + g * 4) as *const i32).read_unaligned();
                    let av = _mm512_set1_epi32(quad);
                    for (acc, bv) in acc.iter_mut().zip(bv) {
                        *acc = _mm512_dpbusd_epi32(*acc, av, bv);
                    }
                }
            }
            self.finish(&acc, out);
        }

        /// `c_n * (s_m * acc + z_m * sum_n) + bias_n` into `out`'s rows.
        #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
        unsafe fn finish<const R: usize>(&self, acc: &[[__m512i; 3]; R], out: &mut [f32]) {
            let (n, col0) = (self.w.n, self.nb * NB);
            let at = |v: &Vec<f32>, c: usize| _mm512_loadu_ps(v.as_ptr().add(col0 + c * 16));
            for (r, acc) in acc.iter().enumerate() {
                let [s, z] = self.s[self.m0 + r];
                let (sm, zm) = (_mm512_set1_ps(s), _mm512_set1_ps(z));
                let row = out.as_mut_ptr().add((self.m0 + r) * n + col0);
                for (c, acc) in acc.iter().enumerate() {
                    let v = _mm512_mul_ps(_mm512_cvtepi32_ps(*acc), sm);
                    let v = _mm512_fmadd_ps(zm, at(&self.w.sums, c), v);
                    let y = _mm512_fmadd_ps(v, at(&self.w.scales, c), at(&self.w.bias, c));
                    _mm512_storeu_ps(row.add(c * 16), y);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::test_values as values;

    /// The layer computed from the definition: the same quantization, sums in i64.
    fn reference(x: &[f32], w: &[f32], bias: &[f32], k: usize) -> Vec<f32> {
        let mut out = Vec::new();
        for xr in x.chunks_exact(k) {
            let lo = xr.iter().fold(f32::MAX, |m, &v| m.min(v));
            let hi = xr.iter().fold(f32::MIN, |m, &v| m.max(v));
            let s = ((hi - lo) / 255.0).max(MIN_SCALE);
            let qx: Vec<i64> = xr
                .iter()
                .map(|v| ((v - lo) / s).round_ties_even() as i64)
                .collect();
            for (wr, b) in w.chunks_exact(k).zip(bias) {
                let c = wr.iter().fold(0f32, |m, v| m.max(v.abs())).max(MIN_SCALE) / 127.0;
                let qw: Vec<i64> = wr.iter().map(|v| (v / c).round() as i64).collect();
                let dot: i64 = qx.iter().zip(&qw).map(|(a, b)| a * b).sum();
                let sum: i64 = qw.iter().sum();
                out.push(c * (s * dot as f32 + lo * sum as f32) + b);
            }
        }
        out
    }

    #[test]
    fn the_product_is_the_quantized_definition_and_near_f32() {
        if !cpu_has_vnni() {
            eprintln!("no AVX-512 VNNI here: nothing to test");
            return;
        }
        let (n, k) = (96, 64);
        let w = values(n * k, 3);
        let bias = values(n, 5);
        let q = QWeights::new(&w, n, k, &bias);
        for m in [1, 7, 8, 11] {
            let x = values(m * k, 9 + m as u64);
            let mut out = vec![f32::NAN; m * n];
            q.apply(&x, &mut out);
            let want = reference(&x, &w, &bias, k);
            for (i, (got, want)) in out.iter().zip(&want).enumerate() {
                let (r, c) = (i / n, i % n);
                assert!(
                    (got - want).abs() < 1e-4 * want.abs().max(1.0),
                    "m {m} [{r}][{c}]: {got} vs {want}"
                );
                let exact: f32 = (0..k).map(|j| x[r * k + j] * w[c * k + j]).sum::<f32>() + bias[c];
                // Two 8-bit roundings of values up to 2, over 64 terms.
                assert!(
                    (got - exact).abs() < 0.5,
                    "m {m} [{r}][{c}]: {got} vs f32 {exact}"
                );
            }
        }
    }

    #[test]
    fn a_row_gets_the_same_output_alone_and_among_others() {
        if !cpu_has_vnni() {
            return;
        }
        let (n, k) = (48, 32);
        let q = QWeights::new(&values(n * k, 1), n, k, &values(n, 2));
        let x = values(9 * k, 4);
        let mut all = vec![0f32; 9 * n];
        q.apply(&x, &mut all);
        let mut one = vec![0f32; n];
        q.apply(&x[8 * k..], &mut one);
        assert_eq!(&all[8 * n..], &one[..]);
    }
}
