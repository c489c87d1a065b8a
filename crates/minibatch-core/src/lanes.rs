//! A four-lane f32 vector: `v128` SIMD on wasm32 with `simd128`, a plain array elsewhere.
//!
//! Both versions add lane by lane and reduce in the same order ((l0 + l2) + (l1 + l3)), so a
//! kernel written once against `F32x4` gives bit-identical results on both.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod imp {
    use core::arch::wasm32::*;

    #[derive(Clone, Copy)]
    pub struct F32x4(v128);

    impl F32x4 {
        #[inline(always)]
        pub fn zero() -> Self {
            F32x4(f32x4_splat(0.0))
        }
        #[inline(always)]
        pub fn splat(v: f32) -> Self {
            F32x4(f32x4_splat(v))
        }
        /// Loads `s[i..i + 4]`.
        #[inline(always)]
        pub fn load(s: &[f32], i: usize) -> Self {
            assert!(i + 4 <= s.len());
            // SAFETY: bounds checked above; v128_load allows unaligned addresses.
            F32x4(unsafe { v128_load(s.as_ptr().add(i) as *const v128) })
        }
        /// Stores into `s[i..i + 4]`.
        #[inline(always)]
        pub fn store(self, s: &mut [f32], i: usize) {
            assert!(i + 4 <= s.len());
            // SAFETY: bounds checked above; v128_store allows unaligned addresses.
            unsafe { v128_store(s.as_mut_ptr().add(i) as *mut v128, self.0) }
        }
        /// (l0 + l2) + (l1 + l3)
        #[inline(always)]
        pub fn sum(self) -> f32 {
            let t = f32x4_add(self.0, i32x4_shuffle::<2, 3, 0, 1>(self.0, self.0));
            f32x4_extract_lane::<0>(t) + f32x4_extract_lane::<1>(t)
        }
    }

    impl core::ops::Add for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            F32x4(f32x4_add(self.0, o.0))
        }
    }
    impl core::ops::Sub for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            F32x4(f32x4_sub(self.0, o.0))
        }
    }
    impl core::ops::Mul for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            F32x4(f32x4_mul(self.0, o.0))
        }
    }
}

#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
mod imp {
    #[derive(Clone, Copy)]
    pub struct F32x4([f32; 4]);

    impl F32x4 {
        #[inline(always)]
        pub fn zero() -> Self {
            F32x4([0.0; 4])
        }
        #[inline(always)]
        pub fn splat(v: f32) -> Self {
            F32x4([v; 4])
        }
        #[inline(always)]
        pub fn load(s: &[f32], i: usize) -> Self {
            F32x4([s[i], s[i + 1], s[i + 2], s[i + 3]])
        }
        #[inline(always)]
        pub fn store(self, s: &mut [f32], i: usize) {
            s[i..i + 4].copy_from_slice(&self.0);
        }
        /// (l0 + l2) + (l1 + l3)
        #[inline(always)]
        pub fn sum(self) -> f32 {
            let a = self.0;
            (a[0] + a[2]) + (a[1] + a[3])
        }
    }

    /// Lane by lane, like the SIMD instructions.
    fn lanes(a: [f32; 4], b: [f32; 4], f: impl Fn(f32, f32) -> f32) -> [f32; 4] {
        [f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2]), f(a[3], b[3])]
    }
    impl core::ops::Add for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn add(self, o: Self) -> Self {
            F32x4(lanes(self.0, o.0, |a, b| a + b))
        }
    }
    impl core::ops::Sub for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn sub(self, o: Self) -> Self {
            F32x4(lanes(self.0, o.0, |a, b| a - b))
        }
    }
    impl core::ops::Mul for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn mul(self, o: Self) -> Self {
            F32x4(lanes(self.0, o.0, |a, b| a * b))
        }
    }
}

pub use imp::F32x4;

/// True when this build runs the wasm SIMD128 path.
pub const SIMD128: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));
