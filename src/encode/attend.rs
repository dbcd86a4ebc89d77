//! Scaled dot-product attention of each text over its own tokens, on plain slices: the lean
//! forward's attention at inference ([`super::lean`] keeps libtorch's op for training and
//! for full per-query masks).
//!
//! libtorch's fused CPU attention is built for long sequences: it tiles queries by 32 and
//! keys by 512 and runs every tile's two products as MKL calls. Survey answers are short
//! (median 29 tokens on the bench export), so each (text, head) was a few tiny GEMM calls and
//! their setup, and attention took about 15% of `verbatim analyze`'s time (perf) for about 3%
//! of its arithmetic. Here one (text, head) runs in registers: its keys transposed once, four
//! queries at a time against sixteen keys, a vectorized exp, and the context summed straight
//! into the output rows, so no transposed copy of q, k, v or of the context is made. With it,
//! the encoder's time in the kernel clearing fresh pages also fell from 8.8% to 0.6% (perf of
//! the encode bench).
//!
//! Each text's result depends on its own tokens only, in a fixed order, so a text gets the
//! same context whatever batch it lands in (`lean`'s int8 vectors rely on it).

use crate::cpu::dispatch;

/// The token rows of one projection: row `r`, head `h`, dimension `i` sit at
/// `data[r * stride + offset + h * head_dim + i]` (q, k and v side by side in one fused
/// projection are three `Rows` over the same data).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rows<'a> {
    pub data: &'a [f32],
    pub stride: usize,
    pub offset: usize,
}

impl Rows<'_> {
    /// Index of row `r`'s first value of the dimensions that start at `col`.
    #[inline(always)]
    fn at(&self, r: usize, col: usize) -> usize {
        self.r0(r) + col
    }

    #[inline(always)]
    fn r0(&self, r: usize) -> usize {
        r * self.stride + self.offset
    }
}

/// A batch's layout: `texts` texts of `len` rows each (padded), `heads` heads of
/// `head_dim` dimensions.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    pub texts: usize,
    pub len: usize,
    pub heads: usize,
    pub head_dim: usize,
}

impl Shape {
    fn hidden(&self) -> usize {
        self.heads * self.head_dim
    }
}

/// Writes into `out` (`texts * len` rows of `heads * head_dim`) each text's attention
/// context: text `t`'s first `lens[t]` queries attend to its first `lens[t]` keys, scaled by
/// `1 / sqrt(head_dim)`; its padding rows are zeros.
pub(crate) fn attend(q: Rows, k: Rows, v: Rows, lens: &[usize], shape: Shape, out: &mut [f32]) {
    let rows = shape.texts * shape.len;
    assert!(lens.len() == shape.texts && out.len() == rows * shape.hidden());
    assert!(lens.iter().all(|&l| l <= shape.len));
    for p in [q, k, v] {
        assert!(p.offset + shape.hidden() <= p.stride || rows <= 1);
        assert!(rows == 0 || p.r0(rows - 1) + shape.hidden() <= p.data.len());
    }
    dispatch!(avx2::attend, attend_generic, q, k, v, lens, shape, out)
}

/// The portable version: one query at a time.
fn attend_generic(q: Rows, k: Rows, v: Rows, lens: &[usize], shape: Shape, out: &mut [f32]) {
    let (hidden, d) = (shape.hidden(), shape.head_dim);
    let scale = 1.0 / (d as f32).sqrt();
    let mut s = vec![0f32; shape.len];
    for (t, &l) in lens.iter().enumerate() {
        let base = t * shape.len;
        for h in 0..shape.heads {
            let col = h * d;
            for p in base..base + l {
                let qr = &q.data[q.at(p, col)..][..d];
                for (j, sj) in s[..l].iter_mut().enumerate() {
                    let kr = &k.data[k.at(base + j, col)..][..d];
                    *sj = qr.iter().zip(kr).map(|(a, b)| a * b).sum::<f32>() * scale;
                }
                let inv = 1.0 / softmax_generic(&mut s[..l]);
                let o = &mut out[p * hidden + col..][..d];
                o.fill(0.0);
                for (j, &w) in s[..l].iter().enumerate() {
                    let vr = &v.data[v.at(base + j, col)..][..d];
                    o.iter_mut().zip(vr).for_each(|(o, x)| *o += w * x);
                }
                o.iter_mut().for_each(|o| *o *= inv);
            }
        }
        out[(base + l) * hidden..(base + shape.len) * hidden].fill(0.0);
    }
}

/// `s` replaced by `exp(s - max s)`; returns their sum.
fn softmax_generic(s: &mut [f32]) -> f32 {
    let m = s.iter().fold(f32::NEG_INFINITY, |m, &x| m.max(x));
    s.iter_mut()
        .map(|x| {
            *x = (*x - m).exp();
            *x
        })
        .sum()
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Rows, Shape};
    use std::arch::x86_64::*;

    /// Queries computed together (their scores and contexts share each key and value load).
    const Q: usize = 4;
    /// f32 lanes of a 256-bit register.
    const W: usize = 8;
    /// Head dimensions summed together in the context: two registers (4 x 2 sums; 16 would
    /// not fit AVX2's 16 registers with the values and the weight).
    const DB: usize = 2 * W;

    /// Scratch of one call: a head's keys transposed (`[head_dim][keys]`) and the scores of
    /// `Q` queries (`[Q][keys]`), keys rounded up to `W`.
    struct Scratch {
        kt: Vec<f32>,
        s: Vec<f32>,
    }

    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn attend(q: Rows, k: Rows, v: Rows, lens: &[usize], shape: Shape, out: &mut [f32]) {
        if !shape.head_dim.is_multiple_of(DB) {
            return super::attend_generic(q, k, v, lens, shape, out);
        }
        let lp = shape.len.next_multiple_of(W);
        let mut sc = Scratch {
            kt: vec![0f32; shape.head_dim * lp],
            s: vec![0f32; Q * lp],
        };
        let hidden = shape.hidden();
        for (t, &l) in lens.iter().enumerate() {
            let base = t * shape.len;
            for h in 0..shape.heads {
                let head = Head {
                    base,
                    len: l,
                    keys: l.next_multiple_of(W),
                    col: h * shape.head_dim,
                    d: shape.head_dim,
                };
                head.transpose_keys(k, &mut sc.kt);
                for p0 in (0..l).step_by(Q) {
                    head.queries(q, v, p0, &mut sc, out, hidden);
                }
            }
            out[(base + l) * hidden..(base + shape.len) * hidden].fill(0.0);
        }
    }

    /// One head of one text: its rows start at `base`, `len` tokens (`keys` rounded up to
    /// `W`), dimensions `col..col + d` of each projection row.
    struct Head {
        base: usize,
        len: usize,
        keys: usize,
        col: usize,
        d: usize,
    }

    impl Head {
        /// `kt[i * keys + j]` = key `j`'s dimension `i`; zeros past `len`. Blocks of 8 keys
        /// by 8 dimensions go through registers (an 8 x 8 transpose).
        #[target_feature(enable = "avx2,fma")]
        fn transpose_keys(&self, k: Rows, kt: &mut [f32]) {
            assert!(kt.len() >= self.d * self.keys);
            for j0 in (0..self.keys).step_by(W) {
                for i0 in (0..self.d).step_by(W) {
                    // SAFETY: rows under `len` lie in k's data (checked by `attend`), and
                    // `kt` holds `d * keys` values, `d` and `keys` multiples of `W`.
                    unsafe {
                        let rows: [__m256; W] = std::array::from_fn(|r| {
                            if j0 + r < self.len {
                                _mm256_loadu_ps(
                                    k.data.as_ptr().add(k.at(self.base + j0 + r, self.col + i0)),
                                )
                            } else {
                                _mm256_setzero_ps()
                            }
                        });
                        for (c, col) in transpose8(rows).into_iter().enumerate() {
                            _mm256_storeu_ps(kt.as_mut_ptr().add((i0 + c) * self.keys + j0), col);
                        }
                    }
                }
            }
        }

        /// Queries `p0..p0 + Q` (those under `len`): scores, softmax, context into `out`.
        #[target_feature(enable = "avx2,fma")]
        fn queries(
            &self,
            q: Rows,
            v: Rows,
            p0: usize,
            sc: &mut Scratch,
            out: &mut [f32],
            hidden: usize,
        ) {
            // A last block past the text's end repeats its last query and keeps only the
            // real ones.
            let rows: [usize; Q] = std::array::from_fn(|r| self.base + (p0 + r).min(self.len - 1));
            let count = Q.min(self.len - p0);
            let s = &mut sc.s[..Q * self.keys];
            assert!(sc.kt.len() >= self.d * self.keys);
            assert!((self.base + p0 + count) * hidden <= out.len());
            // SAFETY (all three): `attend` checked every row of q, k and v lies in its data,
            // `kt` and `s` hold `d * keys` and `Q * keys` values, `out` the block's rows,
            // `d` is a multiple of `DB` and `keys` of `W`.
            unsafe { self.scores(q, &rows, &sc.kt, s) };
            let mut inv = [0f32; Q];
            for (r, inv) in inv.iter_mut().enumerate() {
                *inv = 1.0 / unsafe { self.softmax(&mut s[r * self.keys..][..self.keys]) };
            }
            let out = &mut out[(self.base + p0) * hidden..];
            unsafe { self.context(v, s, &inv, out, hidden, count) };
        }

        /// `s[r][j]` = (query `rows[r]` . key `j`) / sqrt(d): `Q` queries by 16 keys at a
        /// time, and a last block of 8 when the keys leave that many.
        #[target_feature(enable = "avx2,fma")]
        unsafe fn scores(&self, q: Rows, rows: &[usize; Q], kt: &[f32], s: &mut [f32]) {
            let qp: [*const f32; Q] =
                std::array::from_fn(|r| q.data.as_ptr().add(q.at(rows[r], self.col)));
            let mut jb = 0;
            while jb + 2 * W <= self.keys {
                self.score_block::<2>(&qp, kt, s, jb);
                jb += 2 * W;
            }
            if jb < self.keys {
                self.score_block::<1>(&qp, kt, s, jb);
            }
        }

        /// The scores of keys `jb..jb + R * W` (R registers per query, Q x R sums).
        #[target_feature(enable = "avx2,fma")]
        unsafe fn score_block<const R: usize>(
            &self,
            qp: &[*const f32; Q],
            kt: &[f32],
            s: &mut [f32],
            jb: usize,
        ) {
            let mut acc = [[_mm256_setzero_ps(); R]; Q];
            for i in 0..self.d {
                let kp = kt.as_ptr().add(i * self.keys + jb);
                let kv: [__m256; R] = std::array::from_fn(|c| _mm256_loadu_ps(kp.add(c * W)));
                for (acc, qp) in acc.iter_mut().zip(qp) {
                    let qv = _mm256_set1_ps(*qp.add(i));
                    for (a, kv) in acc.iter_mut().zip(kv) {
                        *a = _mm256_fmadd_ps(qv, kv, *a);
                    }
                }
            }
            let scale = _mm256_set1_ps(1.0 / (self.d as f32).sqrt());
            for (r, acc) in acc.iter().enumerate() {
                for (c, a) in acc.iter().enumerate() {
                    let p = s.as_mut_ptr().add(r * self.keys + jb + c * W);
                    _mm256_storeu_ps(p, _mm256_mul_ps(*a, scale));
                }
            }
        }

        /// One query's scores replaced by `exp(s - max)` over the text's keys and zeros
        /// past them; returns their sum.
        #[target_feature(enable = "avx2,fma")]
        unsafe fn softmax(&self, s: &mut [f32]) -> f32 {
            let m = s[..self.len]
                .iter()
                .fold(f32::NEG_INFINITY, |m, &x| m.max(x));
            let mv = _mm256_set1_ps(m);
            let mut sum = _mm256_setzero_ps();
            for jb in (0..self.keys).step_by(W) {
                let p = s.as_mut_ptr().add(jb);
                _mm256_storeu_ps(p, exp(_mm256_sub_ps(_mm256_loadu_ps(p), mv)));
                if jb + W > self.len {
                    s[self.len.max(jb)..jb + W].fill(0.0);
                }
                sum = _mm256_add_ps(sum, _mm256_loadu_ps(p));
            }
            let mut lanes = [0f32; W];
            _mm256_storeu_ps(lanes.as_mut_ptr(), sum);
            lanes.iter().sum()
        }

        /// Rows `0..count` of `out` (from the block's first query row), dimensions
        /// `col..col + d`: the weighted sum of the text's values, times `inv`.
        #[target_feature(enable = "avx2,fma")]
        unsafe fn context(
            &self,
            v: Rows,
            s: &[f32],
            inv: &[f32; Q],
            out: &mut [f32],
            hidden: usize,
            count: usize,
        ) {
            for ib in (0..self.d).step_by(DB) {
                let mut acc = [[_mm256_setzero_ps(); 2]; Q];
                for j in 0..self.len {
                    let vp = v.data.as_ptr().add(v.at(self.base + j, self.col + ib));
                    let vv: [__m256; 2] = std::array::from_fn(|c| _mm256_loadu_ps(vp.add(c * W)));
                    for (r, acc) in acc.iter_mut().enumerate() {
                        let w = _mm256_set1_ps(*s.get_unchecked(r * self.keys + j));
                        for (a, vv) in acc.iter_mut().zip(vv) {
                            *a = _mm256_fmadd_ps(w, vv, *a);
                        }
                    }
                }
                for (r, acc) in acc.iter().enumerate().take(count) {
                    let scale = _mm256_set1_ps(inv[r]);
                    for (c, a) in acc.iter().enumerate() {
                        let o = out.as_mut_ptr().add(r * hidden + self.col + ib + c * W);
                        _mm256_storeu_ps(o, _mm256_mul_ps(*a, scale));
                    }
                }
            }
        }
    }

    /// The 8 x 8 transpose of `rows` (row `r` lane `c` becomes row `c` lane `r`).
    #[inline(always)]
    unsafe fn transpose8(r: [__m256; W]) -> [__m256; W] {
        let t0 = _mm256_unpacklo_ps(r[0], r[1]);
        let t1 = _mm256_unpackhi_ps(r[0], r[1]);
        let t2 = _mm256_unpacklo_ps(r[2], r[3]);
        let t3 = _mm256_unpackhi_ps(r[2], r[3]);
        let t4 = _mm256_unpacklo_ps(r[4], r[5]);
        let t5 = _mm256_unpackhi_ps(r[4], r[5]);
        let t6 = _mm256_unpacklo_ps(r[6], r[7]);
        let t7 = _mm256_unpackhi_ps(r[6], r[7]);
        let u0 = _mm256_shuffle_ps::<0x44>(t0, t2);
        let u1 = _mm256_shuffle_ps::<0xEE>(t0, t2);
        let u2 = _mm256_shuffle_ps::<0x44>(t1, t3);
        let u3 = _mm256_shuffle_ps::<0xEE>(t1, t3);
        let u4 = _mm256_shuffle_ps::<0x44>(t4, t6);
        let u5 = _mm256_shuffle_ps::<0xEE>(t4, t6);
        let u6 = _mm256_shuffle_ps::<0x44>(t5, t7);
        let u7 = _mm256_shuffle_ps::<0xEE>(t5, t7);
        [
            _mm256_permute2f128_ps::<0x20>(u0, u4),
            _mm256_permute2f128_ps::<0x20>(u1, u5),
            _mm256_permute2f128_ps::<0x20>(u2, u6),
            _mm256_permute2f128_ps::<0x20>(u3, u7),
            _mm256_permute2f128_ps::<0x31>(u0, u4),
            _mm256_permute2f128_ps::<0x31>(u1, u5),
            _mm256_permute2f128_ps::<0x31>(u2, u6),
            _mm256_permute2f128_ps::<0x31>(u3, u7),
        ]
    }

    /// `e^x` for x <= 0 (scores minus their maximum), to about one ulp: Cephes' `expf`
    /// (x = n ln 2 + r, a degree-5 polynomial in r, then 2^n through the exponent bits).
    /// Below -87 it returns about 1e-38 instead of smaller values or zero.
    #[inline(always)]
    unsafe fn exp(x: __m256) -> __m256 {
        let x = _mm256_max_ps(x, _mm256_set1_ps(-87.0));
        let n = _mm256_round_ps(
            _mm256_mul_ps(x, _mm256_set1_ps(std::f32::consts::LOG2_E)),
            _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC,
        );
        let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693_359_4), x);
        let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.121_944_4e-4), r);
        let mut y = _mm256_set1_ps(1.987_569_1e-4);
        for c in [
            1.398_199_9e-3,
            8.333_452e-3,
            4.166_579_6e-2,
            0.166_666_65,
            0.5,
        ] {
            y = _mm256_fmadd_ps(y, r, _mm256_set1_ps(c));
        }
        let y = _mm256_fmadd_ps(
            y,
            _mm256_mul_ps(r, r),
            _mm256_add_ps(r, _mm256_set1_ps(1.0)),
        );
        let n = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
        _mm256_mul_ps(y, _mm256_castsi256_ps(_mm256_slli_epi32::<23>(n)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::test_values as values;

    /// Attention of one text written out from its definition, in f64.
    fn reference(qkv: &[f32], stride: usize, l: usize, heads: usize, d: usize) -> Vec<f64> {
        let hidden = heads * d;
        let at = |r: usize, c: usize| qkv[r * stride + c] as f64;
        let mut out = vec![0f64; l * hidden];
        for h in 0..heads {
            for p in 0..l {
                let s: Vec<f64> = (0..l)
                    .map(|j| {
                        (0..d)
                            .map(|i| at(p, h * d + i) * at(j, hidden + h * d + i))
                            .sum::<f64>()
                            / (d as f64).sqrt()
                    })
                    .collect();
                let m = s.iter().cloned().fold(f64::MIN, f64::max);
                let e: Vec<f64> = s.iter().map(|x| (x - m).exp()).collect();
                let z: f64 = e.iter().sum();
                for i in 0..d {
                    out[p * hidden + h * d + i] = (0..l)
                        .map(|j| e[j] * at(j, 2 * hidden + h * d + i))
                        .sum::<f64>()
                        / z;
                }
            }
        }
        out
    }

    fn run(
        lens: &[usize],
        len: usize,
        heads: usize,
        d: usize,
        generic: bool,
    ) -> (Vec<f32>, Vec<f32>) {
        let hidden = heads * d;
        let stride = 3 * hidden;
        let qkv = values(lens.len() * len * stride, 7);
        let rows = |offset| Rows {
            data: &qkv,
            stride,
            offset,
        };
        let shape = Shape {
            texts: lens.len(),
            len,
            heads,
            head_dim: d,
        };
        let mut out = vec![f32::NAN; lens.len() * len * hidden];
        let run = if generic { attend_generic } else { attend };
        run(
            rows(0),
            rows(hidden),
            rows(2 * hidden),
            lens,
            shape,
            &mut out,
        );
        (qkv, out)
    }

    #[test]
    fn each_text_attends_over_its_own_tokens_as_the_definition_says() {
        let (heads, d, len) = (3, 32, 21);
        let lens = [21, 1, 6, 17, 9];
        for generic in [false, true] {
            let (qkv, out) = run(&lens, len, heads, d, generic);
            let hidden = heads * d;
            for (t, &l) in lens.iter().enumerate() {
                let rows = &qkv[t * len * 3 * hidden..];
                let want = reference(rows, 3 * hidden, l, heads, d);
                let got = &out[t * len * hidden..(t + 1) * len * hidden];
                for (g, w) in got.iter().zip(&want) {
                    assert!(
                        (*g as f64 - w).abs() < 1e-5,
                        "text {t}: {g} vs {w} (generic {generic})"
                    );
                }
                assert!(
                    got[l * hidden..].iter().all(|&x| x == 0.0),
                    "padding rows are zeros"
                );
            }
        }
    }

    #[test]
    fn a_text_gets_the_same_context_alone_and_in_a_batch() {
        let (heads, d) = (2, 32);
        let (_, batch) = run(&[5, 5, 5], 5, heads, d, false);
        let (_, alone) = run(&[5], 5, heads, d, false);
        assert_eq!(&batch[..5 * heads * d], &alone[..]);
    }
}
