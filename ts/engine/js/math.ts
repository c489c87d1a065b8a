/**
 * Mirror of crates/minibatch-core/src/math.rs: the elementary functions the js engine's
 * objectives use (the Rust core has its own for wasm32, where there is no libm).
 */
/*
 * e^−a and log(1 + e) for log-loss, inlined in the row loop instead of Math.exp and Math.log:
 * V8 runs those two as calls into C++ (fdlibm), which cost as much per row as a 32-feature dot
 * product (measured: bench/ABLATION.md, "js engine"). Both are table + short polynomial, within
 * a few ulp of float64 (checked against Math.exp and Math.log1p on 10^7 points when written), so
 * σ(z) and the loss differ from the libm forms far below float32's rounding. The tables are
 * plain arrays of doubles, not typed arrays: once any ArrayBuffer in the process has been detached
 * (tsx's module loader does it), V8 checks a typed array's buffer at every access.
 */
/** 2^(−j/32), j = 0 … 31. */
const EXP_FRACTIONS: number[] = [];
/** 2^(−q), q = 0 … 1022. */
const EXP_POWERS: number[] = [];
/** log(1 + i/128) and 1 / (1 + i/128), i = 0 … 128. */
const LOG_BASE: number[] = [];
const LOG_INVERSE: number[] = [];
for (let j = 0; j < 32; j++) EXP_FRACTIONS.push(Math.pow(2, -j / 32));
for (let q = 0; q <= 1022; q++) EXP_POWERS.push(Math.pow(2, -q));
for (let i = 0; i <= 128; i++) {
  LOG_BASE.push(Math.log1p(i / 128));
  LOG_INVERSE.push(1 / (1 + i / 128));
}
/** ln 2 / 32 in two parts (fdlibm's ln2_hi, ln2_lo, over 32): m · hi is exact for m < 2^21. */
const LN2_32_HI = 6.9314718036912381649e-1 / 32;
const LN2_32_LO = 1.90821492927058770002e-10 / 32;
const INV_LN2_32 = 32 / Math.LN2;

/**
 * e^−a for a ≥ 0 (or NaN). a = m·ln2/32 + r with |r| ≤ ln2/64 (Cody–Waite), so e^−a =
 * 2^(−m/32)·e^−r: two table entries and a degree-6 Taylor polynomial of e^−r (its error,
 * r^7/7!, is below 4e-18). Past a = 708 (e^−a near the subnormals), NaN or ∞: Math.exp.
 */
export function expNeg(a: number): number {
  if (!(a <= 708)) return Math.exp(-a);
  const m = (a * INV_LN2_32 + 0.5) | 0;
  const r = a - m * LN2_32_HI - m * LN2_32_LO;
  const p = 1 - r * (1 - r * (1 / 2 - r * (1 / 6 - r * (1 / 24 - r * (1 / 120 - r * (1 / 720))))));
  return EXP_POWERS[m >> 5] * EXP_FRACTIONS[m & 31] * p;
}

/**
 * log(1 + e) for e ∈ [0, 1] (or NaN): log(1 + c) from the table at c = ⌊128e⌋/128, plus
 * log1p(v) with v = (e − c)/(1 + c) ∈ [0, 1/128) by its series to v^7 (error below v^8/8,
 * relative 2e-16). For c = 0, v = e exactly: tiny losses keep their relative accuracy.
 */
export function log1pUnit(e: number): number {
  const i = (e * 128) | 0;
  const v = (e - i * (1 / 128)) * LOG_INVERSE[i];
  return LOG_BASE[i] + v * (1 - v * (1 / 2 - v * (1 / 3 - v * (1 / 4 - v * (1 / 5 - v * (1 / 6 - v * (1 / 7)))))));
}

