;; The machine's single-core limits, as wasm SIMD128 sees them (assembled by bench/lib/limits.ts
;; with wabt at bench time; no build step). The kernels, each as simple as the hardware allows:
;;
;;   readSum(p, bytes)       streaming read: sums [p, p + bytes) as f32x4 with 8 independent
;;                           accumulators (8 × 16 bytes a pass), so the loads, not the adds, bound it.
;;   gatherSum(idx, rows, base, rowBytes)
;;                           the same sum over `rows` rows of `rowBytes` bytes taken in the order of
;;                           the u32 row indices at idx: the read of a shuffled epoch, row by row.
;;   gather8Sum(...)         the same, eight rows at a time (more cache misses in flight);
;;   gather16Sum(...)        sixteen rows at a time.
;;   maddRegs(iters)         peak multiply-add: 12 independent chains acc ← acc·c + e (f32x4.mul then
;;                           f32x4.add; SIMD128 has no FMA), everything in registers. 12 chains cover
;;                           the mul + add latency on two multiply and two add pipes.
;;   maddL1(p, bytes, iters) in-cache multiply-add: acc_j ← acc_j + x·c_j over an L1-resident buffer,
;;                           one load per multiply-add, like a dot product against weights in registers.
;;
;; Each returns a reduction of its accumulators so that nothing can be optimized away.
(module
  (memory (export "memory") 1)

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  (func (export "readSum") (param $p i32) (param $bytes i32) (result f32)
    (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $end (i32.add (local.get $p) (local.get $bytes)))
    (block $done
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (loop $pass
        (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 (local.get $p))))
        (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $p))))
        (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $p))))
        (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $p))))
        (local.set $a4 (f32x4.add (local.get $a4) (v128.load offset=64 (local.get $p))))
        (local.set $a5 (f32x4.add (local.get $a5) (v128.load offset=80 (local.get $p))))
        (local.set $a6 (f32x4.add (local.get $a6) (v128.load offset=96 (local.get $p))))
        (local.set $a7 (f32x4.add (local.get $a7) (v128.load offset=112 (local.get $p))))
        (local.set $p (i32.add (local.get $p) (i32.const 128)))
        (br_if $pass (i32.lt_u (local.get $p) (local.get $end)))))
    (call $hsum
      (f32x4.add
        (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))
        (f32x4.add (f32x4.add (local.get $a4) (local.get $a5)) (f32x4.add (local.get $a6) (local.get $a7))))))

  (func (export "gatherSum") (param $idx i32) (param $rows i32) (param $base i32) (param $rowBytes i32) (result f32)
    (local $i i32) (local $p i32) (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (block $all
      (br_if $all (i32.eqz (local.get $rows)))
      (loop $row
        (local.set $p
          (i32.add (local.get $base)
            (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))) (local.get $rowBytes))))
        (local.set $end (i32.add (local.get $p) (local.get $rowBytes)))
        (loop $pass
          (local.set $a0 (f32x4.add (local.get $a0) (v128.load offset=0 (local.get $p))))
          (local.set $a1 (f32x4.add (local.get $a1) (v128.load offset=16 (local.get $p))))
          (local.set $a2 (f32x4.add (local.get $a2) (v128.load offset=32 (local.get $p))))
          (local.set $a3 (f32x4.add (local.get $a3) (v128.load offset=48 (local.get $p))))
          (local.set $a4 (f32x4.add (local.get $a4) (v128.load offset=64 (local.get $p))))
          (local.set $a5 (f32x4.add (local.get $a5) (v128.load offset=80 (local.get $p))))
          (local.set $a6 (f32x4.add (local.get $a6) (v128.load offset=96 (local.get $p))))
          (local.set $a7 (f32x4.add (local.get $a7) (v128.load offset=112 (local.get $p))))
          (local.set $p (i32.add (local.get $p) (i32.const 128)))
          (br_if $pass (i32.lt_u (local.get $p) (local.get $end))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $row (i32.lt_u (local.get $i) (local.get $rows)))))
    (call $hsum
      (f32x4.add
        (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))
        (f32x4.add (f32x4.add (local.get $a4) (local.get $a5)) (f32x4.add (local.get $a6) (local.get $a7))))))

;; gather8Sum(idx, rows, base, rowBytes): the same read as gatherSum, eight rows at a time (rows
;; a multiple of 8), one 16-byte load from each of the eight per step, so that eight rows' cache
;; misses are in flight together, as in a kernel that works on several rows per pass.
  (func (export "gather8Sum") (param $idx i32) (param $rows i32) (param $base i32) (param $rowBytes i32) (result f32)
    (local $i i32) (local $o i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $p4 i32) (local $p5 i32) (local $p6 i32) (local $p7 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (block $all
      (br_if $all (i32.lt_u (local.get $rows) (i32.const 8)))
      (loop $group
        (local.set $p0 (i32.add (local.get $base) (i32.mul (i32.load offset=0 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p1 (i32.add (local.get $base) (i32.mul (i32.load offset=4 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p2 (i32.add (local.get $base) (i32.mul (i32.load offset=8 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p3 (i32.add (local.get $base) (i32.mul (i32.load offset=12 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p4 (i32.add (local.get $base) (i32.mul (i32.load offset=16 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p5 (i32.add (local.get $base) (i32.mul (i32.load offset=20 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p6 (i32.add (local.get $base) (i32.mul (i32.load offset=24 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p7 (i32.add (local.get $base) (i32.mul (i32.load offset=28 (local.get $idx)) (local.get $rowBytes))))
        (local.set $o (i32.const 0))
        (loop $step
          (local.set $a0 (f32x4.add (local.get $a0) (v128.load (i32.add (local.get $p0) (local.get $o)))))
          (local.set $a1 (f32x4.add (local.get $a1) (v128.load (i32.add (local.get $p1) (local.get $o)))))
          (local.set $a2 (f32x4.add (local.get $a2) (v128.load (i32.add (local.get $p2) (local.get $o)))))
          (local.set $a3 (f32x4.add (local.get $a3) (v128.load (i32.add (local.get $p3) (local.get $o)))))
          (local.set $a4 (f32x4.add (local.get $a4) (v128.load (i32.add (local.get $p4) (local.get $o)))))
          (local.set $a5 (f32x4.add (local.get $a5) (v128.load (i32.add (local.get $p5) (local.get $o)))))
          (local.set $a6 (f32x4.add (local.get $a6) (v128.load (i32.add (local.get $p6) (local.get $o)))))
          (local.set $a7 (f32x4.add (local.get $a7) (v128.load (i32.add (local.get $p7) (local.get $o)))))
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (br_if $step (i32.lt_u (local.get $o) (local.get $rowBytes))))
        (local.set $idx (i32.add (local.get $idx) (i32.const 32)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br_if $group (i32.le_u (i32.add (local.get $i) (i32.const 8)) (local.get $rows)))))
    (call $hsum
      (f32x4.add
        (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))
        (f32x4.add (f32x4.add (local.get $a4) (local.get $a5)) (f32x4.add (local.get $a6) (local.get $a7))))))

;; gather16Sum(...): the same, sixteen rows at a time (rows a multiple of 16); on some machines
;; more rows in flight read faster still, beyond that the row pointers no longer fit in registers.
  (func (export "gather16Sum") (param $idx i32) (param $rows i32) (param $base i32) (param $rowBytes i32) (result f32)
    (local $i i32) (local $o i32)
    (local $p0 i32) (local $p1 i32) (local $p2 i32) (local $p3 i32) (local $p4 i32) (local $p5 i32) (local $p6 i32) (local $p7 i32)
    (local $p8 i32) (local $p9 i32) (local $p10 i32) (local $p11 i32) (local $p12 i32) (local $p13 i32) (local $p14 i32) (local $p15 i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (block $all
      (br_if $all (i32.lt_u (local.get $rows) (i32.const 16)))
      (loop $group
        (local.set $p0 (i32.add (local.get $base) (i32.mul (i32.load offset=0 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p1 (i32.add (local.get $base) (i32.mul (i32.load offset=4 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p2 (i32.add (local.get $base) (i32.mul (i32.load offset=8 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p3 (i32.add (local.get $base) (i32.mul (i32.load offset=12 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p4 (i32.add (local.get $base) (i32.mul (i32.load offset=16 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p5 (i32.add (local.get $base) (i32.mul (i32.load offset=20 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p6 (i32.add (local.get $base) (i32.mul (i32.load offset=24 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p7 (i32.add (local.get $base) (i32.mul (i32.load offset=28 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p8 (i32.add (local.get $base) (i32.mul (i32.load offset=32 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p9 (i32.add (local.get $base) (i32.mul (i32.load offset=36 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p10 (i32.add (local.get $base) (i32.mul (i32.load offset=40 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p11 (i32.add (local.get $base) (i32.mul (i32.load offset=44 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p12 (i32.add (local.get $base) (i32.mul (i32.load offset=48 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p13 (i32.add (local.get $base) (i32.mul (i32.load offset=52 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p14 (i32.add (local.get $base) (i32.mul (i32.load offset=56 (local.get $idx)) (local.get $rowBytes))))
        (local.set $p15 (i32.add (local.get $base) (i32.mul (i32.load offset=60 (local.get $idx)) (local.get $rowBytes))))
        (local.set $o (i32.const 0))
        (loop $step
          (local.set $a0 (f32x4.add (local.get $a0) (v128.load (i32.add (local.get $p0) (local.get $o)))))
          (local.set $a1 (f32x4.add (local.get $a1) (v128.load (i32.add (local.get $p1) (local.get $o)))))
          (local.set $a2 (f32x4.add (local.get $a2) (v128.load (i32.add (local.get $p2) (local.get $o)))))
          (local.set $a3 (f32x4.add (local.get $a3) (v128.load (i32.add (local.get $p3) (local.get $o)))))
          (local.set $a4 (f32x4.add (local.get $a4) (v128.load (i32.add (local.get $p4) (local.get $o)))))
          (local.set $a5 (f32x4.add (local.get $a5) (v128.load (i32.add (local.get $p5) (local.get $o)))))
          (local.set $a6 (f32x4.add (local.get $a6) (v128.load (i32.add (local.get $p6) (local.get $o)))))
          (local.set $a7 (f32x4.add (local.get $a7) (v128.load (i32.add (local.get $p7) (local.get $o)))))
          (local.set $a0 (f32x4.add (local.get $a0) (v128.load (i32.add (local.get $p8) (local.get $o)))))
          (local.set $a1 (f32x4.add (local.get $a1) (v128.load (i32.add (local.get $p9) (local.get $o)))))
          (local.set $a2 (f32x4.add (local.get $a2) (v128.load (i32.add (local.get $p10) (local.get $o)))))
          (local.set $a3 (f32x4.add (local.get $a3) (v128.load (i32.add (local.get $p11) (local.get $o)))))
          (local.set $a4 (f32x4.add (local.get $a4) (v128.load (i32.add (local.get $p12) (local.get $o)))))
          (local.set $a5 (f32x4.add (local.get $a5) (v128.load (i32.add (local.get $p13) (local.get $o)))))
          (local.set $a6 (f32x4.add (local.get $a6) (v128.load (i32.add (local.get $p14) (local.get $o)))))
          (local.set $a7 (f32x4.add (local.get $a7) (v128.load (i32.add (local.get $p15) (local.get $o)))))
          (local.set $o (i32.add (local.get $o) (i32.const 16)))
          (br_if $step (i32.lt_u (local.get $o) (local.get $rowBytes))))
        (local.set $idx (i32.add (local.get $idx) (i32.const 64)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $group (i32.le_u (i32.add (local.get $i) (i32.const 16)) (local.get $rows)))))
    (call $hsum
      (f32x4.add
        (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))
        (f32x4.add (f32x4.add (local.get $a4) (local.get $a5)) (f32x4.add (local.get $a6) (local.get $a7))))))

  (func (export "maddRegs") (param $iters i32) (result f32)
    (local $c v128) (local $e v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128)
    (local $a6 v128) (local $a7 v128) (local $a8 v128) (local $a9 v128) (local $a10 v128) (local $a11 v128)
    (local.set $c (f32x4.splat (f32.const 0.999)))
    (local.set $e (f32x4.splat (f32.const 0.001)))
    (block $done
      (br_if $done (i32.eqz (local.get $iters)))
      (loop $it
        (local.set $a0 (f32x4.add (f32x4.mul (local.get $a0) (local.get $c)) (local.get $e)))
        (local.set $a1 (f32x4.add (f32x4.mul (local.get $a1) (local.get $c)) (local.get $e)))
        (local.set $a2 (f32x4.add (f32x4.mul (local.get $a2) (local.get $c)) (local.get $e)))
        (local.set $a3 (f32x4.add (f32x4.mul (local.get $a3) (local.get $c)) (local.get $e)))
        (local.set $a4 (f32x4.add (f32x4.mul (local.get $a4) (local.get $c)) (local.get $e)))
        (local.set $a5 (f32x4.add (f32x4.mul (local.get $a5) (local.get $c)) (local.get $e)))
        (local.set $a6 (f32x4.add (f32x4.mul (local.get $a6) (local.get $c)) (local.get $e)))
        (local.set $a7 (f32x4.add (f32x4.mul (local.get $a7) (local.get $c)) (local.get $e)))
        (local.set $a8 (f32x4.add (f32x4.mul (local.get $a8) (local.get $c)) (local.get $e)))
        (local.set $a9 (f32x4.add (f32x4.mul (local.get $a9) (local.get $c)) (local.get $e)))
        (local.set $a10 (f32x4.add (f32x4.mul (local.get $a10) (local.get $c)) (local.get $e)))
        (local.set $a11 (f32x4.add (f32x4.mul (local.get $a11) (local.get $c)) (local.get $e)))
        (local.set $iters (i32.sub (local.get $iters) (i32.const 1)))
        (br_if $it (local.get $iters))))
    (call $hsum
      (f32x4.add
        (f32x4.add
          (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))
          (f32x4.add (f32x4.add (local.get $a4) (local.get $a5)) (f32x4.add (local.get $a6) (local.get $a7))))
        (f32x4.add (f32x4.add (local.get $a8) (local.get $a9)) (f32x4.add (local.get $a10) (local.get $a11))))))

  (func (export "maddL1") (param $base i32) (param $bytes i32) (param $iters i32) (result f32)
    (local $p i32) (local $end i32) (local $x v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local.set $c0 (f32x4.splat (f32.const 0.5)))
    (local.set $c1 (f32x4.splat (f32.const 0.25)))
    (local.set $c2 (f32x4.splat (f32.const 0.125)))
    (local.set $c3 (f32x4.splat (f32.const 0.0625)))
    (local.set $c4 (f32x4.splat (f32.const -0.5)))
    (local.set $c5 (f32x4.splat (f32.const -0.25)))
    (local.set $c6 (f32x4.splat (f32.const -0.125)))
    (local.set $c7 (f32x4.splat (f32.const -0.0625)))
    (local.set $end (i32.add (local.get $base) (local.get $bytes)))
    (block $done
      (br_if $done (i32.eqz (local.get $iters)))
      (loop $it
        (local.set $p (local.get $base))
        (loop $pass
          (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load offset=0 (local.get $p)) (local.get $c0))))
          (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (local.get $p)) (local.get $c1))))
          (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (local.get $p)) (local.get $c2))))
          (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (local.get $p)) (local.get $c3))))
          (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (v128.load offset=64 (local.get $p)) (local.get $c4))))
          (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (v128.load offset=80 (local.get $p)) (local.get $c5))))
          (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (v128.load offset=96 (local.get $p)) (local.get $c6))))
          (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (v128.load offset=112 (local.get $p)) (local.get $c7))))
          (local.set $p (i32.add (local.get $p) (i32.const 128)))
          (br_if $pass (i32.lt_u (local.get $p) (local.get $end))))
        (local.set $iters (i32.sub (local.get $iters) (i32.const 1)))
        (br_if $it (local.get $iters))))
    (call $hsum
      (f32x4.add
        (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3)))
        (f32x4.add (f32x4.add (local.get $a4) (local.get $a5)) (f32x4.add (local.get $a6) (local.get $a7)))))))
