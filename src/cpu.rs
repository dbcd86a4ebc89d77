//! What the CPU can do, asked once, and [`dispatch`], which runs a kernel's AVX2 version when
//! it can (`vector::kernel`, `encode::token_scale`).

/// Whether the CPU has AVX2 and FMA (checked once, then cached).
#[cfg(target_arch = "x86_64")]
pub(crate) fn has_avx2() -> bool {
    use std::sync::OnceLock;
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
}

/// Runs the AVX2 + FMA version of a kernel (a `#[target_feature]` function returning `()`)
/// when the CPU has them, else the portable one; returns from the calling function.
macro_rules! dispatch {
    ($avx2:path, $generic:path, $($arg:expr),+) => {{
        #[cfg(target_arch = "x86_64")]
        if $crate::cpu::has_avx2() {
            // SAFETY: the CPU supports AVX2 and FMA (checked by has_avx2).
            unsafe { $avx2($($arg),+) };
            return;
        }
        $generic($($arg),+)
    }};
}
pub(crate) use dispatch;
