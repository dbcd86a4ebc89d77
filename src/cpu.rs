//! What the CPU can do, asked once: the SIMD kernels (`vector::kernel`, `encode::token_scale`)
//! pick their AVX2 versions by it.

/// Whether the CPU has AVX2 and FMA (checked once, then cached).
#[cfg(target_arch = "x86_64")]
pub(crate) fn has_avx2() -> bool {
    use std::sync::OnceLock;
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
}
