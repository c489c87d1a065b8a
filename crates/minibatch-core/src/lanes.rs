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
        /// Loads `s[i..i + 4]` without checking the bounds.
        ///
        /// # Safety
        /// `i + 4 <= s.len()`.
        #[inline(always)]
        pub unsafe fn load_unchecked(s: &[f32], i: usize) -> Self {
            // SAFETY: the caller guarantees the bounds; v128_load allows unaligned addresses.
            F32x4(unsafe { v128_load(s.as_ptr().add(i) as *const v128) })
        }
        /// Stores into `s[i..i + 4]` without checking the bounds.
        ///
        /// # Safety
        /// `i + 4 <= s.len()`.
        #[inline(always)]
        pub unsafe fn store_unchecked(self, s: &mut [f32], i: usize) {
            // SAFETY: the caller guarantees the bounds; v128_store allows unaligned addresses.
            unsafe { v128_store(s.as_mut_ptr().add(i) as *mut v128, self.0) }
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
        /// Correctly rounded, like `f32::sqrt`.
        #[inline(always)]
        pub fn sqrt(self) -> Self {
            F32x4(f32x4_sqrt(self.0))
        }
        /// `if self < o { o } else { self }` lane by lane (wasm's `pmax`).
        #[inline(always)]
        pub fn pmax(self, o: Self) -> Self {
            F32x4(f32x4_pmax(self.0, o.0))
        }
        /// `if o < self { o } else { self }` lane by lane (wasm's `pmin`).
        #[inline(always)]
        pub fn pmin(self, o: Self) -> Self {
            F32x4(f32x4_pmin(self.0, o.0))
        }
        /// |self| (clears the sign bit).
        #[inline(always)]
        pub fn abs(self) -> Self {
            F32x4(f32x4_abs(self.0))
        }
        /// Rounds to the nearest integer, ties to even.
        #[inline(always)]
        pub fn round_ties_even(self) -> Self {
            F32x4(f32x4_nearest(self.0))
        }
        /// `if a < b { x } else { y }` lane by lane.
        #[inline(always)]
        pub fn select_lt(a: Self, b: Self, x: Self, y: Self) -> Self {
            F32x4(v128_bitselect(x.0, y.0, f32x4_lt(a.0, b.0)))
        }
        /// self·2^n for integral n, by adding n to the exponent field (the caller keeps the
        /// result a normal number).
        #[inline(always)]
        pub fn scale_by_pow2(self, n: Self) -> Self {
            let e = i32x4_shl(i32x4_trunc_sat_f32x4(n.0), 23);
            F32x4(i32x4_add(self.0, e))
        }
        /// (m, e) with self = m·2^e and m ∈ [0.5, 1), for a positive normal self.
        #[inline(always)]
        pub fn frexp(self) -> (Self, Self) {
            let e = i32x4_sub(u32x4_shr(self.0, 23), i32x4_splat(126));
            let m = v128_or(
                v128_and(self.0, i32x4_splat(0x807f_ffffu32 as i32)),
                i32x4_splat(0x3f00_0000),
            );
            (F32x4(m), F32x4(f32x4_convert_i32x4(e)))
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
    impl core::ops::Div for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn div(self, o: Self) -> Self {
            F32x4(f32x4_div(self.0, o.0))
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
        /// # Safety
        /// `i + 4 <= s.len()` (checked anyway on this portable path).
        #[inline(always)]
        pub unsafe fn load_unchecked(s: &[f32], i: usize) -> Self {
            Self::load(s, i)
        }
        /// # Safety
        /// `i + 4 <= s.len()` (checked anyway on this portable path).
        #[inline(always)]
        pub unsafe fn store_unchecked(self, s: &mut [f32], i: usize) {
            self.store(s, i)
        }
        /// (l0 + l2) + (l1 + l3)
        #[inline(always)]
        pub fn sum(self) -> f32 {
            let a = self.0;
            (a[0] + a[2]) + (a[1] + a[3])
        }
        #[inline(always)]
        pub fn sqrt(self) -> Self {
            F32x4(self.0.map(f32::sqrt))
        }
        /// `if self < o { o } else { self }` lane by lane (wasm's `pmax`).
        #[inline(always)]
        pub fn pmax(self, o: Self) -> Self {
            F32x4(lanes(self.0, o.0, super::Lane::pmax))
        }
        /// `if o < self { o } else { self }` lane by lane (wasm's `pmin`).
        #[inline(always)]
        pub fn pmin(self, o: Self) -> Self {
            F32x4(lanes(self.0, o.0, super::Lane::pmin))
        }
        #[inline(always)]
        pub fn abs(self) -> Self {
            F32x4(self.0.map(f32::abs))
        }
        #[inline(always)]
        pub fn round_ties_even(self) -> Self {
            F32x4(self.0.map(f32::round_ties_even))
        }
        /// `if a < b { x } else { y }` lane by lane.
        #[inline(always)]
        pub fn select_lt(a: Self, b: Self, x: Self, y: Self) -> Self {
            F32x4(std::array::from_fn(|i| {
                <f32 as super::Lane>::select_lt(a.0[i], b.0[i], x.0[i], y.0[i])
            }))
        }
        #[inline(always)]
        pub fn scale_by_pow2(self, n: Self) -> Self {
            F32x4(lanes(self.0, n.0, super::Lane::scale_by_pow2))
        }
        #[inline(always)]
        pub fn frexp(self) -> (Self, Self) {
            let p = self.0.map(super::Lane::frexp);
            (F32x4(p.map(|v| v.0)), F32x4(p.map(|v| v.1)))
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
    impl core::ops::Div for F32x4 {
        type Output = Self;
        #[inline(always)]
        fn div(self, o: Self) -> Self {
            F32x4(lanes(self.0, o.0, |a, b| a / b))
        }
    }
}

pub use imp::F32x4;

/// Arithmetic written once for one value (`f32`) or four (`F32x4`): an elementwise update is a
/// generic function of `L: Lane`, run on `F32x4` over the body of a vector and on `f32` over its
/// tail. Every operation is the same IEEE operation in both (no fused multiply-add), so the two
/// widths give bit-identical results lane by lane.
pub trait Lane:
    Copy
    + core::ops::Add<Output = Self>
    + core::ops::Sub<Output = Self>
    + core::ops::Mul<Output = Self>
    + core::ops::Div<Output = Self>
{
    /// How many f32 values one `Lane` holds.
    const WIDTH: usize;
    fn splat(v: f32) -> Self;
    /// Loads `s[i..i + WIDTH]`.
    fn load(s: &[f32], i: usize) -> Self;
    /// Stores into `s[i..i + WIDTH]`.
    fn store(self, s: &mut [f32], i: usize);
    fn sqrt(self) -> Self;
    /// `if self < o { o } else { self }` (wasm's `pmax`; a NaN in `o` keeps `self`).
    fn pmax(self, o: Self) -> Self;
    /// `if o < self { o } else { self }` (wasm's `pmin`; a NaN in `o` keeps `self`).
    fn pmin(self, o: Self) -> Self;
    fn abs(self) -> Self;
    /// Rounds to the nearest integer, ties to even (wasm's `nearest`).
    fn round_ties_even(self) -> Self;
    /// `if a < b { x } else { y }`.
    fn select_lt(a: Self, b: Self, x: Self, y: Self) -> Self;
    /// self·2^n for an integral n with |n| < 2^31, by adding n to the exponent field: exact when
    /// self and the result are normal numbers (the caller's duty).
    fn scale_by_pow2(self, n: Self) -> Self;
    /// (m, e) with self = m·2^e, m ∈ [0.5, 1) and e integral, for a positive normal self.
    fn frexp(self) -> (Self, Self);
}

impl Lane for f32 {
    const WIDTH: usize = 1;
    #[inline(always)]
    fn splat(v: f32) -> Self {
        v
    }
    #[inline(always)]
    fn load(s: &[f32], i: usize) -> Self {
        s[i]
    }
    #[inline(always)]
    fn store(self, s: &mut [f32], i: usize) {
        s[i] = self;
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        f32::sqrt(self)
    }
    #[inline(always)]
    fn pmax(self, o: Self) -> Self {
        if self < o {
            o
        } else {
            self
        }
    }
    #[inline(always)]
    fn pmin(self, o: Self) -> Self {
        if o < self {
            o
        } else {
            self
        }
    }
    #[inline(always)]
    fn abs(self) -> Self {
        f32::abs(self)
    }
    #[inline(always)]
    fn round_ties_even(self) -> Self {
        f32::round_ties_even(self)
    }
    #[inline(always)]
    fn select_lt(a: Self, b: Self, x: Self, y: Self) -> Self {
        if a < b {
            x
        } else {
            y
        }
    }
    #[inline(always)]
    fn scale_by_pow2(self, n: Self) -> Self {
        // `as i32` saturates and maps NaN to 0, like i32x4.trunc_sat_f32x4
        f32::from_bits(
            self.to_bits()
                .wrapping_add((n as i32).wrapping_shl(23) as u32),
        )
    }
    #[inline(always)]
    fn frexp(self) -> (Self, Self) {
        let bits = self.to_bits();
        let e = (bits >> 23) as i32 - 126;
        (f32::from_bits((bits & 0x807f_ffff) | 0x3f00_0000), e as f32)
    }
}

impl Lane for F32x4 {
    const WIDTH: usize = 4;
    #[inline(always)]
    fn splat(v: f32) -> Self {
        F32x4::splat(v)
    }
    #[inline(always)]
    fn load(s: &[f32], i: usize) -> Self {
        F32x4::load(s, i)
    }
    #[inline(always)]
    fn store(self, s: &mut [f32], i: usize) {
        F32x4::store(self, s, i)
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        F32x4::sqrt(self)
    }
    #[inline(always)]
    fn pmax(self, o: Self) -> Self {
        F32x4::pmax(self, o)
    }
    #[inline(always)]
    fn pmin(self, o: Self) -> Self {
        F32x4::pmin(self, o)
    }
    #[inline(always)]
    fn abs(self) -> Self {
        F32x4::abs(self)
    }
    #[inline(always)]
    fn round_ties_even(self) -> Self {
        F32x4::round_ties_even(self)
    }
    #[inline(always)]
    fn select_lt(a: Self, b: Self, x: Self, y: Self) -> Self {
        F32x4::select_lt(a, b, x, y)
    }
    #[inline(always)]
    fn scale_by_pow2(self, n: Self) -> Self {
        F32x4::scale_by_pow2(self, n)
    }
    #[inline(always)]
    fn frexp(self) -> (Self, Self) {
        F32x4::frexp(self)
    }
}

/// True when this build runs the wasm SIMD128 path.
pub const SIMD128: bool = cfg!(all(target_arch = "wasm32", target_feature = "simd128"));

#[cfg(test)]
mod tests {
    use super::*;

    /// The same expression through both widths must agree bit for bit, lane by lane.
    fn expr<L: Lane>(a: L, b: L) -> L {
        ((a * b + L::splat(0.5)) / (b.sqrt() + L::splat(1e-8)) - a).pmax(b)
    }

    #[test]
    fn four_lanes_and_one_lane_compute_bit_identical_values() {
        let a: Vec<f32> = (0..64).map(|i| (i as f32 * 0.37).sin() * 3.0).collect();
        let b: Vec<f32> = (0..64)
            .map(|i| (i as f32 * 0.91).cos().abs() * 2.0)
            .collect();
        let mut wide = vec![0.0f32; 64];
        let mut narrow = vec![0.0f32; 64];
        for i in (0..64).step_by(4) {
            expr(F32x4::load(&a, i), F32x4::load(&b, i)).store(&mut wide, i);
        }
        for i in 0..64 {
            narrow[i] = expr(a[i], b[i]);
        }
        assert_eq!(
            wide.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            narrow.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn pmax_keeps_the_first_operand_unless_the_second_is_larger() {
        assert_eq!(Lane::pmax(1.0f32, 2.0), 2.0);
        assert_eq!(Lane::pmax(2.0f32, 1.0), 2.0);
        assert_eq!(Lane::pmax(1.0f32, f32::NAN), 1.0);
        assert!(Lane::pmax(f32::NAN, 1.0f32).is_nan());
    }
}
