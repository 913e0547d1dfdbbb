;; ConvLab's fast conv2d kernels, hand-written WebAssembly with 128-bit SIMD.
;; Compiled at build time by kernel/scripts/build-wasm.cjs (the `wabt` npm package) into conv-module.ts.
;;
;; The memory is shared (one instance per thread, all on the same memory), so the main thread and the worker
;; threads each run `gemm` or `depthwise` on their own slice of the output. conv.ts lays out the memory and
;; writes the geometry into the parameter block at byte 0 (offsets below, all i32, addresses in bytes):
;;
;;   0 K        rows of the im2col matrix: inChannels/groups · kernelHeight · kernelWidth
;;   4 MTILES   output channels of one group / 4, rounded up (the GEMM tile is 4 channels × 8 pixels)
;;   8 NPAD     output pixels rounded up to 8: the row length of C
;;  12 A        packed weights: [MTILES][K][4] floats (4 channels interleaved per k)
;;  16 BIAS     bias, MTILES·4 floats (zeros when the op has none)
;;  20 C        output tile matrix: [MTILES·4][NPAD] floats
;;  24 X        zero-padded input of this group: [channels][paddedHeight][paddedWidth]
;;  28 KTAB     i32[K]: byte offset in X of tap k = (channel, ki, kj) for the pixel at the window's corner
;;  32 PTAB     i32[NPAD]: byte offset in X of output pixel p's window corner (0 for the padding pixels)
;;  36 KC       k-block: rows of the im2col matrix packed at once (keeps the packed panel in cache)
;;  40 CHUNK    pixel panels (8 pixels each) packed at once
;;  depthwise only (stride 1, one input channel per group, one output channel per input channel):
;;  44 WP       padded input width (floats)
;;  48 PLANE    padded input plane (floats)
;;  52 OH       output height
;;  56 OW       output width
;;  60 KH       kernel height
;;  64 KW       kernel width
;;  68 DH       dilation along rows
;;  72 DW       dilation along columns
;;  76 W        weights [channels][KH][KW] floats, unpacked
;;  padding (`pad`): the input of one batch item, unpadded, into X
;;  80 XRAW     the input [channels][H][W]
;;  84 H        input height     88 WIDTH  input width
;;  92 TOP      rows of zeros above; 96 LEFT  columns of zeros on the left
;; 100 HP       padded height (WP, above, is the padded width)
;; 104 ABORT    non-zero: stop now. threads.ts raises it to end the slices of a call the main thread abandoned
;;              (an interrupt) before the next call rewrites the memory; `gemm` reads it once per k-block, the
;;              depthwise loops once per channel (an atomic load, since another thread writes it).
(module
  (import "env" "memory" (memory 1 16384 shared))

  ;; C[4×8 tile at c] (+)= A[4 channels × kc] · B[kc × 8 pixels]; `first` starts from the bias instead of C.
  ;; 8 accumulators, 2 loads and 4 splats per k: 64 flops for 22 instructions, all in registers.
  (func $micro (param $a i32) (param $b i32) (param $c i32) (param $kc i32) (param $ldc i32)
    (param $first i32) (param $bias i32)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $b0 v128) (local $b1 v128) (local $w v128) (local $row i32)
    (if (local.get $first)
      (then
        (local.set $c00 (v128.load32_splat (local.get $bias)))
        (local.set $c01 (local.get $c00))
        (local.set $c10 (v128.load32_splat offset=4 (local.get $bias)))
        (local.set $c11 (local.get $c10))
        (local.set $c20 (v128.load32_splat offset=8 (local.get $bias)))
        (local.set $c21 (local.get $c20))
        (local.set $c30 (v128.load32_splat offset=12 (local.get $bias)))
        (local.set $c31 (local.get $c30)))
      (else
        (local.set $row (local.get $c))
        (local.set $c00 (v128.load (local.get $row)))
        (local.set $c01 (v128.load offset=16 (local.get $row)))
        (local.set $row (i32.add (local.get $row) (local.get $ldc)))
        (local.set $c10 (v128.load (local.get $row)))
        (local.set $c11 (v128.load offset=16 (local.get $row)))
        (local.set $row (i32.add (local.get $row) (local.get $ldc)))
        (local.set $c20 (v128.load (local.get $row)))
        (local.set $c21 (v128.load offset=16 (local.get $row)))
        (local.set $row (i32.add (local.get $row) (local.get $ldc)))
        (local.set $c30 (v128.load (local.get $row)))
        (local.set $c31 (v128.load offset=16 (local.get $row)))))
    (loop $k
      (local.set $b0 (v128.load (local.get $b)))
      (local.set $b1 (v128.load offset=16 (local.get $b)))
      (local.set $w (v128.load32_splat (local.get $a)))
      (local.set $c00 (f32x4.add (local.get $c00) (f32x4.mul (local.get $w) (local.get $b0))))
      (local.set $c01 (f32x4.add (local.get $c01) (f32x4.mul (local.get $w) (local.get $b1))))
      (local.set $w (v128.load32_splat offset=4 (local.get $a)))
      (local.set $c10 (f32x4.add (local.get $c10) (f32x4.mul (local.get $w) (local.get $b0))))
      (local.set $c11 (f32x4.add (local.get $c11) (f32x4.mul (local.get $w) (local.get $b1))))
      (local.set $w (v128.load32_splat offset=8 (local.get $a)))
      (local.set $c20 (f32x4.add (local.get $c20) (f32x4.mul (local.get $w) (local.get $b0))))
      (local.set $c21 (f32x4.add (local.get $c21) (f32x4.mul (local.get $w) (local.get $b1))))
      (local.set $w (v128.load32_splat offset=12 (local.get $a)))
      (local.set $c30 (f32x4.add (local.get $c30) (f32x4.mul (local.get $w) (local.get $b0))))
      (local.set $c31 (f32x4.add (local.get $c31) (f32x4.mul (local.get $w) (local.get $b1))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 32)))
      (local.set $kc (i32.sub (local.get $kc) (i32.const 1)))
      (br_if $k (local.get $kc)))
    (local.set $row (local.get $c))
    (v128.store (local.get $row) (local.get $c00))
    (v128.store offset=16 (local.get $row) (local.get $c01))
    (local.set $row (i32.add (local.get $row) (local.get $ldc)))
    (v128.store (local.get $row) (local.get $c10))
    (v128.store offset=16 (local.get $row) (local.get $c11))
    (local.set $row (i32.add (local.get $row) (local.get $ldc)))
    (v128.store (local.get $row) (local.get $c20))
    (v128.store offset=16 (local.get $row) (local.get $c21))
    (local.set $row (i32.add (local.get $row) (local.get $ldc)))
    (v128.store (local.get $row) (local.get $c30))
    (v128.store offset=16 (local.get $row) (local.get $c31)))

  ;; 1 if the 8 window corners of the panel at `pt` (i32 byte offsets) are o0, o0 + step, …, o0 + 7·step.
  (func $evenly (param $pt i32) (param $step i32) (result i32)
    (local $q i32) (local $o0 i32)
    (local.set $o0 (i32.load (local.get $pt)))
    (local.set $q (i32.const 1))
    (loop $check
      (if (i32.ne (i32.load (i32.add (local.get $pt) (i32.shl (local.get $q) (i32.const 2))))
                  (i32.add (local.get $o0) (i32.mul (local.get $q) (local.get $step))))
        (then (return (i32.const 0))))
      (local.set $q (i32.add (local.get $q) (i32.const 1)))
      (br_if $check (i32.lt_u (local.get $q) (i32.const 8))))
    (i32.const 1))

  ;; im2col of pixel panels [p0, p1) and im2col rows [kb, kb + kc) into dst: [panel][kc][8 pixels].
  ;; A panel whose 8 window corners are adjacent floats (stride 1, one output row) copies two vectors per
  ;; row; every other float (stride 2) loads four vectors and keeps the even lanes; otherwise it gathers
  ;; the 8 floats one by one.
  (func $pack (param $p0 i32) (param $p1 i32) (param $kb i32) (param $kc i32) (param $dst i32)
    (local $x i32) (local $pt i32) (local $kt i32) (local $kend i32) (local $src i32)
    (local $o0 i32) (local $o1 i32) (local $o2 i32) (local $o3 i32)
    (local $o4 i32) (local $o5 i32) (local $o6 i32) (local $o7 i32)
    (local.set $x (i32.load (i32.const 24)))
    (block $done
      (loop $panel
        (br_if $done (i32.ge_u (local.get $p0) (local.get $p1)))
        (local.set $pt (i32.add (i32.load (i32.const 32)) (i32.shl (local.get $p0) (i32.const 5))))
        (local.set $o0 (i32.add (local.get $x) (i32.load (local.get $pt))))
        (local.set $o1 (i32.add (local.get $x) (i32.load offset=4 (local.get $pt))))
        (local.set $o2 (i32.add (local.get $x) (i32.load offset=8 (local.get $pt))))
        (local.set $o3 (i32.add (local.get $x) (i32.load offset=12 (local.get $pt))))
        (local.set $o4 (i32.add (local.get $x) (i32.load offset=16 (local.get $pt))))
        (local.set $o5 (i32.add (local.get $x) (i32.load offset=20 (local.get $pt))))
        (local.set $o6 (i32.add (local.get $x) (i32.load offset=24 (local.get $pt))))
        (local.set $o7 (i32.add (local.get $x) (i32.load offset=28 (local.get $pt))))
        (local.set $kt (i32.add (i32.load (i32.const 28)) (i32.shl (local.get $kb) (i32.const 2))))
        (local.set $kend (i32.add (local.get $kt) (i32.shl (local.get $kc) (i32.const 2))))
        (if (call $evenly (local.get $pt) (i32.const 4))
          (then
            (loop $k
              (local.set $src (i32.add (local.get $o0) (i32.load (local.get $kt))))
              (v128.store (local.get $dst) (v128.load (local.get $src)))
              (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
              (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
              (local.set $kt (i32.add (local.get $kt) (i32.const 4)))
              (br_if $k (i32.lt_u (local.get $kt) (local.get $kend)))))
          (else (if (call $evenly (local.get $pt) (i32.const 8))
          (then
            ;; Reads 4 bytes past the last corner: X is never the last region of the memory.
            (loop $k
              (local.set $src (i32.add (local.get $o0) (i32.load (local.get $kt))))
              (v128.store (local.get $dst)
                (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
                  (v128.load (local.get $src)) (v128.load offset=16 (local.get $src))))
              (v128.store offset=16 (local.get $dst)
                (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27
                  (v128.load offset=32 (local.get $src)) (v128.load offset=48 (local.get $src))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
              (local.set $kt (i32.add (local.get $kt) (i32.const 4)))
              (br_if $k (i32.lt_u (local.get $kt) (local.get $kend)))))
          (else
            (loop $k
              (local.set $src (i32.load (local.get $kt)))
              (f32.store (local.get $dst) (f32.load (i32.add (local.get $o0) (local.get $src))))
              (f32.store offset=4 (local.get $dst) (f32.load (i32.add (local.get $o1) (local.get $src))))
              (f32.store offset=8 (local.get $dst) (f32.load (i32.add (local.get $o2) (local.get $src))))
              (f32.store offset=12 (local.get $dst) (f32.load (i32.add (local.get $o3) (local.get $src))))
              (f32.store offset=16 (local.get $dst) (f32.load (i32.add (local.get $o4) (local.get $src))))
              (f32.store offset=20 (local.get $dst) (f32.load (i32.add (local.get $o5) (local.get $src))))
              (f32.store offset=24 (local.get $dst) (f32.load (i32.add (local.get $o6) (local.get $src))))
              (f32.store offset=28 (local.get $dst) (f32.load (i32.add (local.get $o7) (local.get $src))))
              (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
              (local.set $kt (i32.add (local.get $kt) (i32.const 4)))
              (br_if $k (i32.lt_u (local.get $kt) (local.get $kend))))))))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 1)))
        (br $panel))))

    ;; C = bias + A · im2col(X) for the pixel panels [p0, p1), using `col` as this thread's packing scratch
  ;; (KC · CHUNK · 8 floats). Loops: pixel chunk → k-block (pack once) → channel tile → panel.
  (func (export "gemm") (param $p0 i32) (param $p1 i32) (param $col i32)
    (local $K i32) (local $mtiles i32) (local $ldc i32) (local $KC i32) (local $chunk i32)
    (local $pc i32) (local $pe i32) (local $kb i32) (local $kc i32) (local $mt i32) (local $p i32)
    (local $a i32) (local $cRow i32)
    (local.set $K (i32.load (i32.const 0)))
    (local.set $mtiles (i32.load (i32.const 4)))
    (local.set $ldc (i32.shl (i32.load (i32.const 8)) (i32.const 2)))
    (local.set $KC (i32.load (i32.const 36)))
    (local.set $chunk (i32.load (i32.const 40)))
    (local.set $pc (local.get $p0))
    (block $chunksDone
      (loop $chunks
        (br_if $chunksDone (i32.ge_u (local.get $pc) (local.get $p1)))
        (local.set $pe (select (local.get $p1) (i32.add (local.get $pc) (local.get $chunk))
          (i32.lt_u (i32.sub (local.get $p1) (local.get $pc)) (local.get $chunk))))
        (local.set $kb (i32.const 0))
        (loop $kblocks
          (br_if $chunksDone (i32.atomic.load (i32.const 104)))
          (local.set $kc (select (i32.sub (local.get $K) (local.get $kb)) (local.get $KC)
            (i32.lt_u (i32.sub (local.get $K) (local.get $kb)) (local.get $KC))))
          (call $pack (local.get $pc) (local.get $pe) (local.get $kb) (local.get $kc) (local.get $col))
          (local.set $mt (i32.const 0))
          (loop $mtiles
            (local.set $a (i32.add (i32.load (i32.const 12))
              (i32.shl (i32.add (i32.mul (local.get $mt) (local.get $K)) (local.get $kb)) (i32.const 4))))
            (local.set $cRow (i32.add (i32.load (i32.const 20))
              (i32.mul (i32.shl (local.get $mt) (i32.const 2)) (local.get $ldc))))
            (local.set $p (local.get $pc))
            (loop $panels
              (call $micro
                (local.get $a)
                (i32.add (local.get $col) (i32.shl (i32.mul (i32.sub (local.get $p) (local.get $pc)) (local.get $kc)) (i32.const 5)))
                (i32.add (local.get $cRow) (i32.shl (local.get $p) (i32.const 5)))
                (local.get $kc)
                (local.get $ldc)
                (i32.eqz (local.get $kb))
                (i32.add (i32.load (i32.const 16)) (i32.shl (local.get $mt) (i32.const 4))))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (br_if $panels (i32.lt_u (local.get $p) (local.get $pe))))
            (local.set $mt (i32.add (local.get $mt) (i32.const 1)))
            (br_if $mtiles (i32.lt_u (local.get $mt) (local.get $mtiles))))
          (local.set $kb (i32.add (local.get $kb) (local.get $kc)))
          (br_if $kblocks (i32.lt_u (local.get $kb) (local.get $K))))
        (local.set $pc (local.get $pe))
        (br $chunks))))

  ;; Stores 8 output values (two vectors) at `out`, or only the first `left` of them when fewer remain in
  ;; the row (through the 32-byte scratch `tmp`); returns the address after the last value stored.
  (func $store8 (param $out i32) (param $tmp i32) (param $a v128) (param $b v128) (param $left i32) (result i32)
    (if (i32.ge_u (local.get $left) (i32.const 8))
      (then
        (v128.store (local.get $out) (local.get $a))
        (v128.store offset=16 (local.get $out) (local.get $b))
        (return (i32.add (local.get $out) (i32.const 32)))))
    (v128.store (local.get $tmp) (local.get $a))
    (v128.store offset=16 (local.get $tmp) (local.get $b))
    (memory.copy (local.get $out) (local.get $tmp) (i32.shl (local.get $left) (i32.const 2)))
    (i32.add (local.get $out) (i32.shl (local.get $left) (i32.const 2))))

  ;; Depthwise, stride 1: for channels [c0, c1), out[c][oh][ow..ow+8) = bias + Σ w[c][ki][kj] · X[c][oh + ki·DH][ow + kj·DW ..],
  ;; written to C as [channels][OH][OW]. The last 8 columns of a row may run past OW: those lanes read the
  ;; next padded row, go to this thread's scratch `tmp` (32 bytes), and only the real ones are copied out.
  (func (export "depthwise") (param $c0 i32) (param $c1 i32) (param $tmp i32)
    (local $wp i32) (local $oh i32) (local $ow i32) (local $kh i32) (local $kw i32) (local $dh i32) (local $dw i32)
    (local $xc i32) (local $wc i32) (local $out i32) (local $bias v128)
    (local $i i32) (local $j i32) (local $ki i32) (local $kj i32) (local $row i32) (local $src i32) (local $tap i32)
    (local $acc0 v128) (local $acc1 v128) (local $w v128)
    (local.set $wp (i32.shl (i32.load (i32.const 44)) (i32.const 2)))
    (local.set $oh (i32.load (i32.const 52)))
    (local.set $ow (i32.load (i32.const 56)))
    (local.set $kh (i32.load (i32.const 60)))
    (local.set $kw (i32.load (i32.const 64)))
    (local.set $dh (i32.mul (i32.load (i32.const 68)) (local.get $wp)))
    (local.set $dw (i32.shl (i32.load (i32.const 72)) (i32.const 2)))
    (block $done
      (loop $channels
        (br_if $done (i32.ge_u (local.get $c0) (local.get $c1)))
        (br_if $done (i32.atomic.load (i32.const 104)))
        (local.set $xc (i32.add (i32.load (i32.const 24))
          (i32.shl (i32.mul (local.get $c0) (i32.load (i32.const 48))) (i32.const 2))))
        (local.set $wc (i32.add (i32.load (i32.const 76))
          (i32.shl (i32.mul (local.get $c0) (i32.mul (local.get $kh) (local.get $kw))) (i32.const 2))))
        (local.set $out (i32.add (i32.load (i32.const 20))
          (i32.shl (i32.mul (local.get $c0) (i32.mul (local.get $oh) (local.get $ow))) (i32.const 2))))
        (local.set $bias (v128.load32_splat (i32.add (i32.load (i32.const 16)) (i32.shl (local.get $c0) (i32.const 2)))))
        (local.set $i (i32.const 0))
        (loop $rows
          (local.set $j (i32.const 0))
          (loop $cols
            (local.set $acc0 (local.get $bias))
            (local.set $acc1 (local.get $bias))
            (local.set $tap (local.get $wc))
            (local.set $row (i32.add (local.get $xc)
              (i32.add (i32.mul (local.get $i) (local.get $wp)) (i32.shl (local.get $j) (i32.const 2)))))
            (local.set $ki (i32.const 0))
            (loop $kis
              (local.set $src (local.get $row))
              (local.set $kj (i32.const 0))
              (loop $kjs
                (local.set $w (v128.load32_splat (local.get $tap)))
                (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w) (v128.load (local.get $src)))))
                (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w) (v128.load offset=16 (local.get $src)))))
                (local.set $tap (i32.add (local.get $tap) (i32.const 4)))
                (local.set $src (i32.add (local.get $src) (local.get $dw)))
                (local.set $kj (i32.add (local.get $kj) (i32.const 1)))
                (br_if $kjs (i32.lt_u (local.get $kj) (local.get $kw))))
              (local.set $row (i32.add (local.get $row) (local.get $dh)))
              (local.set $ki (i32.add (local.get $ki) (i32.const 1)))
              (br_if $kis (i32.lt_u (local.get $ki) (local.get $kh))))
            (local.set $out (call $store8 (local.get $out) (local.get $tmp) (local.get $acc0) (local.get $acc1)
              (i32.sub (local.get $ow) (local.get $j))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br_if $cols (i32.lt_u (local.get $j) (local.get $ow))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $rows (i32.lt_u (local.get $i) (local.get $oh))))
        (local.set $c0 (i32.add (local.get $c0) (i32.const 1)))
        (br $channels))))

  ;; The depthwise kernel for 3×3 windows: the 9 weights stay in registers and the taps are unrolled
  ;; (the general loop above spends as much on its counters as on the arithmetic).
  (func (export "depthwise3x3") (param $c0 i32) (param $c1 i32) (param $tmp i32)
    (local $wp i32) (local $oh i32) (local $ow i32) (local $dh i32) (local $dw i32)
    (local $xc i32) (local $wc i32) (local $out i32) (local $bias v128) (local $i i32) (local $j i32) (local $row i32)
    (local $acc0 v128) (local $acc1 v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $w4 v128) (local $w5 v128) (local $w6 v128) (local $w7 v128) (local $w8 v128)
    (local $a0 i32) (local $a1 i32) (local $a2 i32) (local $a3 i32) (local $a4 i32) (local $a5 i32) (local $a6 i32) (local $a7 i32) (local $a8 i32)
    (local.set $wp (i32.shl (i32.load (i32.const 44)) (i32.const 2)))
    (local.set $oh (i32.load (i32.const 52)))
    (local.set $ow (i32.load (i32.const 56)))
    (local.set $dh (i32.mul (i32.load (i32.const 68)) (local.get $wp)))
    (local.set $dw (i32.shl (i32.load (i32.const 72)) (i32.const 2)))
    (block $done
      (loop $channels
        (br_if $done (i32.ge_u (local.get $c0) (local.get $c1)))
        (br_if $done (i32.atomic.load (i32.const 104)))
        (local.set $xc (i32.add (i32.load (i32.const 24))
          (i32.shl (i32.mul (local.get $c0) (i32.load (i32.const 48))) (i32.const 2))))
        (local.set $wc (i32.add (i32.load (i32.const 76)) (i32.mul (local.get $c0) (i32.const 36))))
        (local.set $out (i32.add (i32.load (i32.const 20))
          (i32.shl (i32.mul (local.get $c0) (i32.mul (local.get $oh) (local.get $ow))) (i32.const 2))))
        (local.set $bias (v128.load32_splat (i32.add (i32.load (i32.const 16)) (i32.shl (local.get $c0) (i32.const 2)))))
        (local.set $w0 (v128.load32_splat offset=0 (local.get $wc)))
        (local.set $w1 (v128.load32_splat offset=4 (local.get $wc)))
        (local.set $w2 (v128.load32_splat offset=8 (local.get $wc)))
        (local.set $w3 (v128.load32_splat offset=12 (local.get $wc)))
        (local.set $w4 (v128.load32_splat offset=16 (local.get $wc)))
        (local.set $w5 (v128.load32_splat offset=20 (local.get $wc)))
        (local.set $w6 (v128.load32_splat offset=24 (local.get $wc)))
        (local.set $w7 (v128.load32_splat offset=28 (local.get $wc)))
        (local.set $w8 (v128.load32_splat offset=32 (local.get $wc)))
        (local.set $i (i32.const 0))
        (loop $rows
          (local.set $row (i32.add (local.get $xc) (i32.mul (local.get $i) (local.get $wp))))
          (local.set $a0 (i32.add (local.get $row) (i32.add (i32.mul (i32.const 0) (local.get $dh)) (i32.mul (i32.const 0) (local.get $dw)))))
          (local.set $a1 (i32.add (local.get $row) (i32.add (i32.mul (i32.const 0) (local.get $dh)) (i32.mul (i32.const 1) (local.get $dw)))))
          (local.set $a2 (i32.add (local.get $row) (i32.add (i32.mul (i32.const 0) (local.get $dh)) (i32.mul (i32.const 2) (local.get $dw)))))
          (local.set $a3 (i32.add (local.get $row) (i32.add (i32.mul (i32.const 1) (local.get $dh)) (i32.mul (i32.const 0) (local.get $dw)))))
          (local.set $a4 (i32.add (local.get $row) (i32.add (i32.mul (i32.const 1) (local.get $dh)) (i32.mul (i32.const 1) (local.get $dw)))))
          (local.set $a5 (i32.add (local.get $row) (i32.add (i32.mul (i32.const 1) (local.get $dh)) (i32.mul (i32.const 2) (local.get $dw)))))
          (local.set $a6 (i32.add (local.get $row) (i32.add (i32.mul (i32.const 2) (local.get $dh)) (i32.mul (i32.const 0) (local.get $dw)))))
          (local.set $a7 (i32.add (local.get $row) (i32.add (i32.mul (i32.const 2) (local.get $dh)) (i32.mul (i32.const 1) (local.get $dw)))))
          (local.set $a8 (i32.add (local.get $row) (i32.add (i32.mul (i32.const 2) (local.get $dh)) (i32.mul (i32.const 2) (local.get $dw)))))
          (local.set $j (i32.const 0))
          (loop $cols
            (local.set $acc0 (local.get $bias))
            (local.set $acc1 (local.get $bias))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w0) (v128.load (local.get $a0)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w0) (v128.load offset=16 (local.get $a0)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w1) (v128.load (local.get $a1)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w1) (v128.load offset=16 (local.get $a1)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w2) (v128.load (local.get $a2)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w2) (v128.load offset=16 (local.get $a2)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w3) (v128.load (local.get $a3)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w3) (v128.load offset=16 (local.get $a3)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w4) (v128.load (local.get $a4)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w4) (v128.load offset=16 (local.get $a4)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w5) (v128.load (local.get $a5)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w5) (v128.load offset=16 (local.get $a5)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w6) (v128.load (local.get $a6)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w6) (v128.load offset=16 (local.get $a6)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w7) (v128.load (local.get $a7)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w7) (v128.load offset=16 (local.get $a7)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w8) (v128.load (local.get $a8)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w8) (v128.load offset=16 (local.get $a8)))))
            (local.set $out (call $store8 (local.get $out) (local.get $tmp) (local.get $acc0) (local.get $acc1)
              (i32.sub (local.get $ow) (local.get $j))))
            (local.set $a0 (i32.add (local.get $a0) (i32.const 32)))
            (local.set $a1 (i32.add (local.get $a1) (i32.const 32)))
            (local.set $a2 (i32.add (local.get $a2) (i32.const 32)))
            (local.set $a3 (i32.add (local.get $a3) (i32.const 32)))
            (local.set $a4 (i32.add (local.get $a4) (i32.const 32)))
            (local.set $a5 (i32.add (local.get $a5) (i32.const 32)))
            (local.set $a6 (i32.add (local.get $a6) (i32.const 32)))
            (local.set $a7 (i32.add (local.get $a7) (i32.const 32)))
            (local.set $a8 (i32.add (local.get $a8) (i32.const 32)))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br_if $cols (i32.lt_u (local.get $j) (local.get $ow))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $rows (i32.lt_u (local.get $i) (local.get $oh))))
        (local.set $c0 (i32.add (local.get $c0) (i32.const 1)))
        (br $channels))))

  ;; Zero-padding of channels [c0, c1): XRAW [c][H][WIDTH] → X [c][HP][WP] with TOP rows above and LEFT columns
  ;; on the left (the rest of each padded row and plane is zero too).
  (func (export "pad") (param $c0 i32) (param $c1 i32)
    (local $wp i32) (local $h i32) (local $w i32) (local $top i32) (local $left i32) (local $hp i32)
    (local $src i32) (local $dst i32) (local $r i32) (local $right i32)
    (local.set $wp (i32.shl (i32.load (i32.const 44)) (i32.const 2)))
    (local.set $h (i32.load (i32.const 84)))
    (local.set $w (i32.shl (i32.load (i32.const 88)) (i32.const 2)))
    (local.set $top (i32.load (i32.const 92)))
    (local.set $left (i32.shl (i32.load (i32.const 96)) (i32.const 2)))
    (local.set $hp (i32.load (i32.const 100)))
    (local.set $right (i32.sub (i32.sub (local.get $wp) (local.get $left)) (local.get $w)))
    (local.set $src (i32.add (i32.load (i32.const 80)) (i32.mul (local.get $c0) (i32.mul (local.get $h) (local.get $w)))))
    (local.set $dst (i32.add (i32.load (i32.const 24)) (i32.mul (local.get $c0) (i32.mul (local.get $hp) (local.get $wp)))))
    (block $done
      (loop $channels
        (br_if $done (i32.ge_u (local.get $c0) (local.get $c1)))
        (memory.fill (local.get $dst) (i32.const 0) (i32.mul (local.get $top) (local.get $wp)))
        (local.set $dst (i32.add (local.get $dst) (i32.mul (local.get $top) (local.get $wp))))
        (local.set $r (i32.const 0))
        (block $rowsDone
          (loop $rows
            (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $h)))
            (memory.fill (local.get $dst) (i32.const 0) (local.get $left))
            (memory.copy (i32.add (local.get $dst) (local.get $left)) (local.get $src) (local.get $w))
            (memory.fill (i32.add (i32.add (local.get $dst) (local.get $left)) (local.get $w)) (i32.const 0) (local.get $right))
            (local.set $dst (i32.add (local.get $dst) (local.get $wp)))
            (local.set $src (i32.add (local.get $src) (local.get $w)))
            (local.set $r (i32.add (local.get $r) (i32.const 1)))
            (br $rows)))
        (memory.fill (local.get $dst) (i32.const 0)
          (i32.mul (i32.sub (i32.sub (local.get $hp) (local.get $top)) (local.get $h)) (local.get $wp)))
        (local.set $dst (i32.add (local.get $dst)
          (i32.mul (i32.sub (i32.sub (local.get $hp) (local.get $top)) (local.get $h)) (local.get $wp))))
        (local.set $c0 (i32.add (local.get $c0) (i32.const 1)))
        (br $channels))))

  ;; Weights of one group, [rows][K] at src → the GEMM's layout [ceil(rows / 4)][K][4] at dst (4 output
  ;; channels interleaved per k), with zeros for the channels past `rows` in the last tile.
  (func (export "packWeights") (param $src i32) (param $dst i32) (param $rows i32) (param $K i32)
    (local $row i32) (local $s i32) (local $d i32) (local $end i32) (local $tiles i32)
    (local.set $tiles (i32.shl (i32.shr_u (i32.add (local.get $rows) (i32.const 3)) (i32.const 2)) (i32.const 2)))
    (block $done
      (loop $rowsLoop
        (br_if $done (i32.ge_u (local.get $row) (local.get $tiles)))
        ;; Row r goes to tile r / 4, lane r % 4: byte dst + (r / 4)·K·16 + (r % 4)·4, then every 16 bytes.
        (local.set $d (i32.add (local.get $dst)
          (i32.add (i32.mul (i32.shr_u (local.get $row) (i32.const 2)) (i32.shl (local.get $K) (i32.const 4)))
            (i32.shl (i32.and (local.get $row) (i32.const 3)) (i32.const 2)))))
        (local.set $end (i32.add (local.get $d) (i32.shl (local.get $K) (i32.const 4))))
        (local.set $s (i32.add (local.get $src) (i32.mul (local.get $row) (i32.shl (local.get $K) (i32.const 2)))))
        (if (i32.lt_u (local.get $row) (local.get $rows))
          (then
            (loop $k
              (f32.store (local.get $d) (f32.load (local.get $s)))
              (local.set $s (i32.add (local.get $s) (i32.const 4)))
              (local.set $d (i32.add (local.get $d) (i32.const 16)))
              (br_if $k (i32.lt_u (local.get $d) (local.get $end)))))
          (else
            (loop $k
              (f32.store (local.get $d) (f32.const 0))
              (local.set $d (i32.add (local.get $d) (i32.const 16)))
              (br_if $k (i32.lt_u (local.get $d) (local.get $end))))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowsLoop))))
)
