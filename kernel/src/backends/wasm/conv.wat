;; ConvLab's fast conv2d kernels, hand-written WebAssembly with 128-bit SIMD.
;; Compiled at build time by kernel/scripts/build-wasm.cjs (the `wabt` npm package) into conv-module.ts.
;;
;; The memory is shared (one instance per thread, all on the same memory). A call's work is a list of items
;; (GEMM: a chunk of pixel panels; depthwise: one channel), handed out by the NEXT counter: every thread
;; running `gemm` or `depthwise*` takes the next item until none is left, so a thread that starts late or is
;; descheduled does less and nobody waits for it. conv.ts lays out the memory and writes the geometry into
;; the parameter block at byte 0 (offsets below, all i32, addresses in bytes):
;;
;;   0 K        rows of the im2col matrix: CIN · kernelHeight · kernelWidth
;;   4 MTILES   output channels of one group / 4, rounded up (the GEMM tile is 4 channels × 8 pixels)
;;   8 NPAD     output pixels rounded up to 8: the row length of C
;;  12 A        packed weights of this group: [MTILES][K][4] floats (4 channels interleaved per k); during
;;              `prepare`, those of every group, one after the other
;;  16 BIAS     bias, MTILES·4 floats (zeros when the op has none)
;;  20 C        GEMM: output tile matrix [MTILES·4][NPAD] floats; depthwise: the output [channels][OH][OW]
;;  24 X        zero-padded input of this group: [channels][HP][WP] (depthwise: the unpadded input when
;;              PADDED is 0)
;;  28 KTAB     i32[K]: byte offset in X of tap k = (channel, ki, kj) for the pixel at the window's corner
;;  32 PTAB     i32[NPAD]: byte offset in X of output pixel p's window corner (0 for the padding pixels)
;;  36 KC       k-block: rows of the im2col matrix packed at once (keeps the packed panel in cache)
;;  40 CHUNK    pixel panels (8 pixels each) per GEMM work item
;;  44 WP       padded input width (floats)
;;  48 PLANE    padded input plane (floats)
;;  52 OH       output height       56 OW  output width
;;  60 KH       kernel height       64 KW  kernel width
;;  68 DH       dilation along rows 72 DW  dilation along columns
;;  76 W        depthwise weights [channels][KH][KW] floats, unpacked
;;  80 XRAW     the input of one batch item, unpadded: [channels][H][WIDTH]
;;  84 H        input height        88 WIDTH  input width
;;  92 TOP      rows of zeros above 96 LEFT   columns of zeros on the left
;; 100 HP       padded height (WP, above, is the padded width)
;; 104 ABORT    non-zero: stop now. threads.ts raises it to end the slices of a call the main thread abandoned
;;              (an interrupt) before the next call rewrites the memory; the loops read it once per item and
;;              per k-block (an atomic load, since another thread writes it).
;; 108 NEXT     work items taken so far (threads.ts zeroes it before each call; `take` adds 1 atomically)
;; 112 ITEMS    work items of the call
;; 116 SH       stride along rows  120 SW  stride along columns
;; 124 CIN      input channels of one group
;; 128 N        output pixels (OH · OW)
;; 132 PADDED   depthwise: non-zero when each channel is zero-padded into the thread's scratch first
;; 136 WRAW     GEMM weights as given: [groups · MROWS][K] floats (packed into A by `prepare`)
;; 140 MROWS    output channels of one group
;; 144 PADS     `prepare` items that pad an input channel (0: the input needs no padding, or is padded already)
;; 148 DONE     GEMM: i32[ITEMS], zeroed before the call; `gemm` stores 1 at item i (atomically) once its columns of
;;              C are final, so the main thread can copy them out while the other threads work on
;; Winograd F(2×2, 3×3) (see "Winograd" below; X, PLANE, HP and WP then describe the input padded to whole tiles):
;; 152 TW       output tiles (2 × 2 pixels) per row: ⌈OW / 2⌉
;; 156 T        output tiles in all: TW · ⌈OH / 2⌉
;; 160 PANEL0   the block's first panel (8 tiles each, numbered row-major across the image)
;; 164 BPANELS  panels in the block
;; 168 V        transformed input of the block: [16][BPANELS][CIN][8 tiles]
;; 172 M        the 16 GEMMs' products for the block: [16][MTILES][BPANELS][4 channels][8 tiles]
;; 176 U        transformed weights: [16][MTILES][CIN][4 channels]
;; 180 ZERO     4 zero floats (the GEMM's starting value)
;; 184 WINO     `prepare`: non-zero when each packed weight tile is also transformed into U
;;
;; Every thread's export takes the address of its own scratch: GEMM, the packed im2col block (KC · CHUNK · 8
;; floats); depthwise, 8 floats for a row's last partial vector, then the padded plane (when PADDED); Winograd,
;; 1 KiB (`wgather`: a panel's windows and its tiles' corners; `wout`: a panel's output tiles stored float by
;; float); `prepare` none.
(module
  (import "env" "memory" (memory 1 16384 shared))

  ;; The next work item, or -1 when all ITEMS are taken or the call was aborted.
  (func $take (result i32)
    (local $item i32)
    (if (i32.atomic.load (i32.const 104)) (then (return (i32.const -1))))
    (local.set $item (i32.atomic.rmw.add (i32.const 108) (i32.const 1)))
    (select (local.get $item) (i32.const -1) (i32.lt_u (local.get $item) (i32.load (i32.const 112)))))

  ;; C[4×8 tile at c] (+)= A[4 channels × kc] · B[kc × 8 pixels]; `first` starts from the bias instead of C.
  ;; 8 accumulators, 2 loads and 4 splats per k: 64 flops for 22 instructions, all in registers. (A 6×8 tile,
  ;; 12 accumulators, needs 15 of the 16 xmm registers: V8 hoists the splats and spills; measured slower.)
  ;; Exported for test/bench/wasm-ceiling.cjs, which times it on data in L1.
  (func $micro (export "micro") (param $a i32) (param $b i32) (param $c i32) (param $kc i32) (param $ldc i32)
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

  ;; C = bias + A · im2col(X), one work item (CHUNK pixel panels) at a time, `col` being this thread's packing
  ;; scratch: the items of the call until none is left.
  (func (export "gemm") (param $col i32)
    (drop (call $gemmSome (local.get $col) (i32.const -1))))

  ;; `gemm`, but `limit` items at most (-1: no limit); returns 1 when it stopped at the limit (items may be
  ;; left), 0 when none is left. The main thread takes a few at a time, and copies out the columns of C that
  ;; are done in between (conv.ts). Per item: k-block (pack once) → channel tile → panel; then DONE[item] = 1.
  (func $gemmSome (export "gemmSome") (param $col i32) (param $limit i32) (result i32)
    (local $K i32) (local $mtiles i32) (local $ldc i32) (local $KC i32) (local $chunk i32) (local $panels i32)
    (local $item i32) (local $pc i32) (local $pe i32) (local $kb i32) (local $kc i32) (local $mt i32) (local $p i32)
    (local $a i32) (local $cRow i32)
    (local.set $K (i32.load (i32.const 0)))
    (local.set $mtiles (i32.load (i32.const 4)))
    (local.set $ldc (i32.shl (i32.load (i32.const 8)) (i32.const 2)))
    (local.set $panels (i32.shr_u (i32.load (i32.const 8)) (i32.const 3)))
    (local.set $KC (i32.load (i32.const 36)))
    (local.set $chunk (i32.load (i32.const 40)))
    (block $done
      (loop $items
        (if (i32.eqz (local.get $limit)) (then (return (i32.const 1))))
        (local.set $limit (i32.sub (local.get $limit) (i32.const 1)))
        (local.set $item (call $take))
        (br_if $done (i32.lt_s (local.get $item) (i32.const 0)))
        (local.set $pc (i32.mul (local.get $item) (local.get $chunk)))
        (local.set $pe (select (local.get $panels) (i32.add (local.get $pc) (local.get $chunk))
          (i32.lt_u (i32.sub (local.get $panels) (local.get $pc)) (local.get $chunk))))
        (local.set $kb (i32.const 0))
        (loop $kblocks
          (br_if $done (i32.atomic.load (i32.const 104)))
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
        ;; Seq-cst: the C stores above are seen by the thread that reads the flag.
        (i32.atomic.store (i32.add (i32.load (i32.const 148)) (i32.shl (local.get $item) (i32.const 2))) (i32.const 1))
        (br $items)))
    (i32.const 0))

  ;; The GEMM's index tables from the geometry: KTAB (tap k = (channel, ki, kj) → its offset from the window's
  ;; corner) and PTAB (output pixel → its window's corner; the pixels past N up to NPAD point at 0).
  (func (export "tables")
    (local $wp i32) (local $t i32) (local $c i32) (local $i i32) (local $j i32) (local $end i32) (local $row i32)
    (local.set $wp (i32.shl (i32.load (i32.const 44)) (i32.const 2)))
    (local.set $t (i32.load (i32.const 28)))
    (local.set $c (i32.const 0))
    (loop $channels
      (local.set $i (i32.const 0))
      (loop $ki
        (local.set $row (i32.add (i32.shl (i32.mul (local.get $c) (i32.load (i32.const 48))) (i32.const 2))
          (i32.mul (i32.mul (local.get $i) (i32.load (i32.const 68))) (local.get $wp))))
        (local.set $j (i32.const 0))
        (loop $kj
          (i32.store (local.get $t) (i32.add (local.get $row)
            (i32.shl (i32.mul (local.get $j) (i32.load (i32.const 72))) (i32.const 2))))
          (local.set $t (i32.add (local.get $t) (i32.const 4)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $kj (i32.lt_u (local.get $j) (i32.load (i32.const 64)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $ki (i32.lt_u (local.get $i) (i32.load (i32.const 60)))))
      (local.set $c (i32.add (local.get $c) (i32.const 1)))
      (br_if $channels (i32.lt_u (local.get $c) (i32.load (i32.const 124)))))
    (local.set $t (i32.load (i32.const 32)))
    (local.set $i (i32.const 0))
    (loop $rows
      (local.set $row (i32.mul (i32.mul (local.get $i) (i32.load (i32.const 116))) (local.get $wp)))
      (local.set $j (i32.const 0))
      (loop $cols
        (i32.store (local.get $t) (i32.add (local.get $row)
          (i32.shl (i32.mul (local.get $j) (i32.load (i32.const 120))) (i32.const 2))))
        (local.set $t (i32.add (local.get $t) (i32.const 4)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $cols (i32.lt_u (local.get $j) (i32.load (i32.const 56)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $i) (i32.load (i32.const 52)))))
    (local.set $end (i32.add (i32.load (i32.const 32)) (i32.shl (i32.load (i32.const 8)) (i32.const 2))))
    (memory.fill (local.get $t) (i32.const 0) (i32.sub (local.get $end) (local.get $t))))

  ;; The first `rows` rows of C from stride NPAD to stride N (in place, front to back), so that the output of
  ;; a group is one contiguous block to copy out.
  (func (export "compact") (param $rows i32)
    (local $m i32) (local $n i32) (local $npad i32) (local $c i32)
    (local.set $n (i32.shl (i32.load (i32.const 128)) (i32.const 2)))
    (local.set $npad (i32.shl (i32.load (i32.const 8)) (i32.const 2)))
    (local.set $c (i32.load (i32.const 20)))
    (local.set $m (i32.const 1))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $m) (local.get $rows)))
        (memory.copy (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $n)))
          (i32.add (local.get $c) (i32.mul (local.get $m) (local.get $npad))) (local.get $n))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $rows))))

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

  ;; The padded plane channel `c` of a depthwise conv reads: padded into `scratch + 32` when PADDED, else
  ;; the channel's plane of X in place.
  (func $depthwisePlane (param $c i32) (param $scratch i32) (result i32)
    (if (i32.load (i32.const 132))
      (then
        (call $padPlane
          (i32.add (i32.load (i32.const 80))
            (i32.shl (i32.mul (local.get $c) (i32.mul (i32.load (i32.const 84)) (i32.load (i32.const 88)))) (i32.const 2)))
          (i32.add (local.get $scratch) (i32.const 32)))
        (return (i32.add (local.get $scratch) (i32.const 32)))))
    (i32.add (i32.load (i32.const 24)) (i32.shl (i32.mul (local.get $c) (i32.load (i32.const 48))) (i32.const 2))))

  ;; Depthwise, stride 1, one channel per work item: out[c][oh][ow..ow+8) = bias + Σ w[c][ki][kj] ·
  ;; X[c][oh + ki·DH][ow + kj·DW ..], written to C as [channels][OH][OW]. The last 8 columns of a row may run
  ;; past OW: those lanes read the next padded row (or the slack after the plane), go to this thread's
  ;; scratch (32 bytes), and only the real ones are copied out.
  (func (export "depthwise") (param $scratch i32)
    (local $c i32) (local $wp i32) (local $oh i32) (local $ow i32) (local $kh i32) (local $kw i32) (local $dh i32) (local $dw i32)
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
        (local.set $c (call $take))
        (br_if $done (i32.lt_s (local.get $c) (i32.const 0)))
        (local.set $xc (call $depthwisePlane (local.get $c) (local.get $scratch)))
        (local.set $wc (i32.add (i32.load (i32.const 76))
          (i32.shl (i32.mul (local.get $c) (i32.mul (local.get $kh) (local.get $kw))) (i32.const 2))))
        (local.set $out (i32.add (i32.load (i32.const 20))
          (i32.shl (i32.mul (local.get $c) (i32.mul (local.get $oh) (local.get $ow))) (i32.const 2))))
        (local.set $bias (v128.load32_splat (i32.add (i32.load (i32.const 16)) (i32.shl (local.get $c) (i32.const 2)))))
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
            (local.set $out (call $store8 (local.get $out) (local.get $scratch) (local.get $acc0) (local.get $acc1)
              (i32.sub (local.get $ow) (local.get $j))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br_if $cols (i32.lt_u (local.get $j) (local.get $ow))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $rows (i32.lt_u (local.get $i) (local.get $oh))))
        (br $channels))))

  ;; The depthwise kernel for 3×3 windows without dilation: the 9 weights stay in registers, the taps are
  ;; unrolled and read through three row pointers with constant offsets (the general loop above spends as
  ;; much on its counters as on the arithmetic).
  (func (export "depthwise3x3") (param $scratch i32)
    (local $c i32) (local $wp i32) (local $oh i32) (local $ow i32)
    (local $xc i32) (local $wc i32) (local $out i32) (local $bias v128) (local $i i32) (local $j i32)
    (local $r0 i32) (local $r1 i32) (local $r2 i32)
    (local $acc0 v128) (local $acc1 v128)
    (local $w0 v128) (local $w1 v128) (local $w2 v128) (local $w3 v128) (local $w4 v128) (local $w5 v128) (local $w6 v128) (local $w7 v128) (local $w8 v128)
    (local.set $wp (i32.shl (i32.load (i32.const 44)) (i32.const 2)))
    (local.set $oh (i32.load (i32.const 52)))
    (local.set $ow (i32.load (i32.const 56)))
    (block $done
      (loop $channels
        (local.set $c (call $take))
        (br_if $done (i32.lt_s (local.get $c) (i32.const 0)))
        (local.set $xc (call $depthwisePlane (local.get $c) (local.get $scratch)))
        (local.set $wc (i32.add (i32.load (i32.const 76)) (i32.mul (local.get $c) (i32.const 36))))
        (local.set $out (i32.add (i32.load (i32.const 20))
          (i32.shl (i32.mul (local.get $c) (i32.mul (local.get $oh) (local.get $ow))) (i32.const 2))))
        (local.set $bias (v128.load32_splat (i32.add (i32.load (i32.const 16)) (i32.shl (local.get $c) (i32.const 2)))))
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
          (local.set $r0 (i32.add (local.get $xc) (i32.mul (local.get $i) (local.get $wp))))
          (local.set $r1 (i32.add (local.get $r0) (local.get $wp)))
          (local.set $r2 (i32.add (local.get $r1) (local.get $wp)))
          (local.set $j (i32.const 0))
          (loop $cols
            (local.set $acc0 (local.get $bias))
            (local.set $acc1 (local.get $bias))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w0) (v128.load (local.get $r0)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w0) (v128.load offset=16 (local.get $r0)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w1) (v128.load offset=4 (local.get $r0)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w1) (v128.load offset=20 (local.get $r0)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w2) (v128.load offset=8 (local.get $r0)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w2) (v128.load offset=24 (local.get $r0)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w3) (v128.load (local.get $r1)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w3) (v128.load offset=16 (local.get $r1)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w4) (v128.load offset=4 (local.get $r1)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w4) (v128.load offset=20 (local.get $r1)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w5) (v128.load offset=8 (local.get $r1)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w5) (v128.load offset=24 (local.get $r1)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w6) (v128.load (local.get $r2)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w6) (v128.load offset=16 (local.get $r2)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w7) (v128.load offset=4 (local.get $r2)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w7) (v128.load offset=20 (local.get $r2)))))
            (local.set $acc0 (f32x4.add (local.get $acc0) (f32x4.mul (local.get $w8) (v128.load offset=8 (local.get $r2)))))
            (local.set $acc1 (f32x4.add (local.get $acc1) (f32x4.mul (local.get $w8) (v128.load offset=24 (local.get $r2)))))
            (local.set $out (call $store8 (local.get $out) (local.get $scratch) (local.get $acc0) (local.get $acc1)
              (i32.sub (local.get $ow) (local.get $j))))
            (local.set $r0 (i32.add (local.get $r0) (i32.const 32)))
            (local.set $r1 (i32.add (local.get $r1) (i32.const 32)))
            (local.set $r2 (i32.add (local.get $r2) (i32.const 32)))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br_if $cols (i32.lt_u (local.get $j) (local.get $ow))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $rows (i32.lt_u (local.get $i) (local.get $oh))))
        (br $channels))))

  ;; Copies `bytes` (a multiple of 4) from src to dst, 16 at a time, the last 16 overlapping the ones before
  ;; (the two regions are apart). A loop here, not `memory.copy`: V8 makes each bulk-memory instruction a call
  ;; out of the module, which costs more than the copy of one padded row.
  (func $copy (param $dst i32) (param $src i32) (param $bytes i32)
    (local $i i32) (local $last i32)
    (if (i32.lt_u (local.get $bytes) (i32.const 16))
      (then
        (block $done
          (loop $floats
            (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
            (f32.store (i32.add (local.get $dst) (local.get $i)) (f32.load (i32.add (local.get $src) (local.get $i))))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $floats)))
        (return)))
    (local.set $last (i32.sub (local.get $bytes) (i32.const 16)))
    (loop $vectors
      (v128.store (i32.add (local.get $dst) (local.get $i)) (v128.load (i32.add (local.get $src) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 16)))
      (br_if $vectors (i32.lt_u (local.get $i) (local.get $last))))
    (v128.store (i32.add (local.get $dst) (local.get $last)) (v128.load (i32.add (local.get $src) (local.get $last)))))

  ;; One channel zero-padded: [H][WIDTH] at src → [HP][WP] at dst, with TOP rows above and LEFT columns on the
  ;; left: the plane zeroed in one call, then each row copied to its place.
  (func $padPlane (param $src i32) (param $dst i32)
    (local $wp i32) (local $w i32) (local $r i32)
    (local.set $wp (i32.shl (i32.load (i32.const 44)) (i32.const 2)))
    (local.set $w (i32.shl (i32.load (i32.const 88)) (i32.const 2)))
    (memory.fill (local.get $dst) (i32.const 0) (i32.mul (i32.load (i32.const 100)) (local.get $wp)))
    (local.set $dst (i32.add (local.get $dst)
      (i32.add (i32.mul (i32.load (i32.const 92)) (local.get $wp)) (i32.shl (i32.load (i32.const 96)) (i32.const 2)))))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $r) (i32.load (i32.const 84))))
        (call $copy (local.get $dst) (local.get $src) (local.get $w))
        (local.set $dst (i32.add (local.get $dst) (local.get $wp)))
        (local.set $src (i32.add (local.get $src) (local.get $w)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows))))

  ;; Before a GEMM call, one item each: items [0, PADS) zero-pad input channel `item` from XRAW into X
  ;; ([c][H][WIDTH] → [c][HP][WP], see $padPlane); the rest pack weight tile `item − PADS` of every group's
  ;; weights ([groups · MROWS][K] at WRAW) into A (see $packTile), and with WINO on into U (see $wtile).
  (func (export "prepare") (param $scratch i32)
    (local $item i32) (local $tile i32) (local $local i32) (local $K i32)
    (local.set $K (i32.load (i32.const 0)))
    (block $done
      (loop $items
        (local.set $item (call $take))
        (br_if $done (i32.lt_s (local.get $item) (i32.const 0)))
        (if (i32.lt_u (local.get $item) (i32.load (i32.const 144)))
          (then
            (call $padPlane
              (i32.add (i32.load (i32.const 80))
                (i32.shl (i32.mul (local.get $item) (i32.mul (i32.load (i32.const 84)) (i32.load (i32.const 88)))) (i32.const 2)))
              (i32.add (i32.load (i32.const 24))
                (i32.shl (i32.mul (local.get $item) (i32.load (i32.const 48))) (i32.const 2)))))
          (else
            ;; Tile t of A is group t / MTILES, rows 4·(t % MTILES) … of that group; A holds the tiles in order.
            (local.set $tile (i32.sub (local.get $item) (i32.load (i32.const 144))))
            (local.set $local (i32.rem_u (local.get $tile) (i32.load (i32.const 4))))
            (call $packTile
              (i32.add (i32.load (i32.const 136))
                (i32.shl (i32.mul (i32.add (i32.mul (i32.div_u (local.get $tile) (i32.load (i32.const 4))) (i32.load (i32.const 140)))
                  (i32.shl (local.get $local) (i32.const 2))) (local.get $K)) (i32.const 2)))
              (i32.add (i32.load (i32.const 12)) (i32.mul (local.get $tile) (i32.shl (local.get $K) (i32.const 4))))
              (i32.sub (i32.load (i32.const 140)) (i32.shl (local.get $local) (i32.const 2)))
              (local.get $K))
            (if (i32.load (i32.const 184))
              (then (call $wtile (i32.add (i32.load (i32.const 12)) (i32.mul (local.get $tile) (i32.shl (local.get $K) (i32.const 4))))
                (local.get $tile))))))
        (br $items))))

  ;; One weight tile: the first min(rows, 4) rows of [rows][K] at src → [K][4] at dst (4 output channels
  ;; interleaved per k, the GEMM's layout), zeros for the rows past `rows`. With 4 rows it goes 4 k at a time as a
  ;; 4 × 4 transpose in registers; the rest float by float.
  (func $packTile (param $src i32) (param $dst i32) (param $rows i32) (param $K i32)
    (local $rowBytes i32) (local $k i32) (local $r i32)
    (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128)
    (local.set $rowBytes (i32.shl (local.get $K) (i32.const 2)))
    (if (i32.ge_u (local.get $rows) (i32.const 4))
      (then
        (block $vectorsDone
          (loop $vectors
            (br_if $vectorsDone (i32.gt_u (i32.add (local.get $k) (i32.const 4)) (local.get $K)))
            ;; v_r = row r, k … k+3; the stores: [rows 0..3 at k + j] for j = 0..3
            (local.set $v0 (v128.load (i32.add (local.get $src) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $v1 (v128.load (i32.add (i32.add (local.get $src) (local.get $rowBytes)) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $v2 (v128.load (i32.add (i32.add (local.get $src) (i32.shl (local.get $rowBytes) (i32.const 1))) (i32.shl (local.get $k) (i32.const 2)))))
            (local.set $v3 (v128.load (i32.add (i32.add (local.get $src) (i32.mul (local.get $rowBytes) (i32.const 3))) (i32.shl (local.get $k) (i32.const 2)))))
            ;; t0 = [r0k0 r1k0 r0k1 r1k1], t1 = [r2k0 r3k0 r2k1 r3k1]; then the same for k2, k3
            (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v0) (local.get $v1)))
            (local.set $t1 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $v2) (local.get $v3)))
            (v128.store (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
            (v128.store offset=16 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
            (local.set $t0 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v0) (local.get $v1)))
            (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $v2) (local.get $v3)))
            (v128.store offset=32 (local.get $dst) (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t1)))
            (v128.store offset=48 (local.get $dst) (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t1)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 64)))
            (local.set $k (i32.add (local.get $k) (i32.const 4)))
            (br $vectors)))))
    ;; The k left over, or every k of a partial tile.
    (block $floatsDone
      (loop $floats
        (br_if $floatsDone (i32.ge_u (local.get $k) (local.get $K)))
        (local.set $r (i32.const 0))
        (loop $lanes
          (f32.store (i32.add (local.get $dst) (i32.shl (local.get $r) (i32.const 2)))
            (if (result f32) (i32.lt_u (local.get $r) (local.get $rows))
              (then (f32.load (i32.add (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $rowBytes))) (i32.shl (local.get $k) (i32.const 2)))))
              (else (f32.const 0))))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br_if $lanes (i32.lt_u (local.get $r) (i32.const 4))))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $floats))))

  ;; ---- Winograd F(2×2, 3×3) -------------------------------------------------------------------------------
  ;; A 3 × 3, stride-1 conv by tiles of 2 × 2 output pixels, each reading a 4 × 4 window d of the padded input:
  ;; with V = Bᵀ d B per input channel and U = G g Gᵀ per (output, input) channel pair, the tile is
  ;; Aᵀ (Σ_cin U ⊙ V) A. The sum is 16 GEMMs, one per position ξ = 4i + j of the 4 × 4 transforms,
  ;; M_ξ[cout][tile] = Σ_cin U_ξ[cout][cin] · V_ξ[cin][tile], run by `micro`: 16 multiply-adds per tile and
  ;; channel pair where im2col spends 36.
  ;;   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]   Aᵀ = [1 1 1 0; 0 1 −1 −1]
  ;; Tiles are numbered row-major and grouped 8 to a panel (the GEMM's 8 pixels); a call goes block by block of
  ;; BPANELS panels (conv.ts sizes a block so that V and M stay in the last-level cache): `wgather` (V, one
  ;; panel and up to 16 input channels per item), `wgemm` (M, one position ξ, a chunk of panels and up to 16
  ;; channel tiles per item), `wout` (the output tiles, one output channel per item).

  ;; The 1-D input transform Bᵀ a of four vectors, stored at dst, dst + stride, dst + 2·stride, dst + 3·stride.
  (func $bt4 (param $dst i32) (param $stride i32) (param $a0 v128) (param $a1 v128) (param $a2 v128) (param $a3 v128)
    (v128.store (local.get $dst) (f32x4.sub (local.get $a0) (local.get $a2)))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store (local.get $dst) (f32x4.add (local.get $a1) (local.get $a2)))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store (local.get $dst) (f32x4.sub (local.get $a2) (local.get $a1)))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store (local.get $dst) (f32x4.sub (local.get $a1) (local.get $a3))))

  ;; The 1-D weight transform G a of three vectors (a, ½(a + b + c), ½(a − b + c), c), stored as $bt4 does.
  (func $g3 (param $dst i32) (param $stride i32) (param $a v128) (param $b v128) (param $c v128)
    (local $half v128) (local $ac v128)
    (local.set $half (f32x4.splat (f32.const 0.5)))
    (local.set $ac (f32x4.add (local.get $a) (local.get $c)))
    (v128.store (local.get $dst) (local.get $a))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store (local.get $dst) (f32x4.mul (local.get $half) (f32x4.add (local.get $ac) (local.get $b))))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store (local.get $dst) (f32x4.mul (local.get $half) (f32x4.sub (local.get $ac) (local.get $b))))
    (local.set $dst (i32.add (local.get $dst) (local.get $stride)))
    (v128.store (local.get $dst) (local.get $c)))

  ;; U for one tile of 4 output channels: the tile's packed weights at `a` ([CIN][3][3][4], as `$packTile` wrote
  ;; them) → U[ξ][mt][cin][4] for every ξ. Row i of Gg is g's row 0, ½(r0 + r1 + r2), ½(r0 − r1 + r2) or row 2
  ;; (r_k: g's rows); $g3 takes each across its columns into U_ξ for ξ = 4i … 4i + 3.
  (func $wtile (param $a i32) (param $mt i32)
    (local $cin i32) (local $us i32) (local $u i32) (local $c i32)
    (local $half v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $g3 v128) (local $g4 v128) (local $g5 v128)
    (local.set $cin (i32.load (i32.const 124)))
    (local.set $us (i32.mul (i32.load (i32.const 4)) (i32.shl (local.get $cin) (i32.const 4))))
    (local.set $u (i32.add (i32.load (i32.const 176)) (i32.mul (local.get $mt) (i32.shl (local.get $cin) (i32.const 4)))))
    (local.set $half (f32x4.splat (f32.const 0.5)))
    (block $done
      (loop $channels
        (br_if $done (i32.ge_u (local.get $c) (local.get $cin)))
        (call $g3 (local.get $u) (local.get $us)
          (v128.load (local.get $a)) (v128.load offset=16 (local.get $a)) (v128.load offset=32 (local.get $a)))
        (call $g3 (i32.add (local.get $u) (i32.mul (local.get $us) (i32.const 12))) (local.get $us)
          (v128.load offset=96 (local.get $a)) (v128.load offset=112 (local.get $a)) (v128.load offset=128 (local.get $a)))
        ;; s_k = r0 + r2 in column k; rows 1 and 2 of Gg are ½(s_k ± r1)
        (local.set $s0 (f32x4.add (v128.load (local.get $a)) (v128.load offset=96 (local.get $a))))
        (local.set $s1 (f32x4.add (v128.load offset=16 (local.get $a)) (v128.load offset=112 (local.get $a))))
        (local.set $s2 (f32x4.add (v128.load offset=32 (local.get $a)) (v128.load offset=128 (local.get $a))))
        (local.set $g3 (v128.load offset=48 (local.get $a)))
        (local.set $g4 (v128.load offset=64 (local.get $a)))
        (local.set $g5 (v128.load offset=80 (local.get $a)))
        (call $g3 (i32.add (local.get $u) (i32.shl (local.get $us) (i32.const 2))) (local.get $us)
          (f32x4.mul (local.get $half) (f32x4.add (local.get $s0) (local.get $g3)))
          (f32x4.mul (local.get $half) (f32x4.add (local.get $s1) (local.get $g4)))
          (f32x4.mul (local.get $half) (f32x4.add (local.get $s2) (local.get $g5))))
        (call $g3 (i32.add (local.get $u) (i32.shl (local.get $us) (i32.const 3))) (local.get $us)
          (f32x4.mul (local.get $half) (f32x4.sub (local.get $s0) (local.get $g3)))
          (f32x4.mul (local.get $half) (f32x4.sub (local.get $s1) (local.get $g4)))
          (f32x4.mul (local.get $half) (f32x4.sub (local.get $s2) (local.get $g5))))
        (local.set $a (i32.add (local.get $a) (i32.const 144)))
        (local.set $u (i32.add (local.get $u) (i32.const 16)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $channels))))

  ;; One row of 8 windows side by side (window l starts at src + 8·l bytes): d[j][l] = src[2l + j] for the 4
  ;; columns j, stored at d + 32·j as 8 floats. Reads 18 floats.
  (func $rowWindows (param $src i32) (param $d i32)
    (local $q0 v128) (local $q1 v128) (local $q2 v128) (local $q3 v128)
    (local.set $q0 (v128.load (local.get $src)))
    (local.set $q1 (v128.load offset=16 (local.get $src)))
    (local.set $q2 (v128.load offset=32 (local.get $src)))
    (local.set $q3 (v128.load offset=48 (local.get $src)))
    ;; even lanes (columns 0 of each window), then odd (columns 1)
    (v128.store (local.get $d) (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $q0) (local.get $q1)))
    (v128.store offset=16 (local.get $d) (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $q2) (local.get $q3)))
    (v128.store offset=32 (local.get $d) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $q0) (local.get $q1)))
    (v128.store offset=48 (local.get $d) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $q2) (local.get $q3)))
    ;; the same two floats on (columns 2 and 3)
    (local.set $q0 (v128.load offset=8 (local.get $src)))
    (local.set $q1 (v128.load offset=24 (local.get $src)))
    (local.set $q2 (v128.load offset=40 (local.get $src)))
    (local.set $q3 (v128.load offset=56 (local.get $src)))
    (v128.store offset=64 (local.get $d) (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $q0) (local.get $q1)))
    (v128.store offset=80 (local.get $d) (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $q2) (local.get $q3)))
    (v128.store offset=96 (local.get $d) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $q0) (local.get $q1)))
    (v128.store offset=112 (local.get $d) (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $q2) (local.get $q3))))

  ;; Byte offset in a padded plane of tile t's window (its top-left corner); tiles past T (a last panel's
  ;; padding) read tile 0's, whose products are never stored.
  (func $corner (param $t i32) (result i32)
    (local $tw i32)
    (if (i32.ge_u (local.get $t) (i32.load (i32.const 156))) (then (return (i32.const 0))))
    (local.set $tw (i32.load (i32.const 152)))
    (i32.shl (i32.add
      (i32.mul (i32.shl (i32.div_u (local.get $t) (local.get $tw)) (i32.const 1)) (i32.load (i32.const 44)))
      (i32.shl (i32.rem_u (local.get $t) (local.get $tw)) (i32.const 1))) (i32.const 2)))

  ;; Bᵀ d B for one channel of a panel, d ([4 rows][4 columns][8 tiles]) at `d`: row i of Bᵀ d is a + (±b) for
  ;; two rows a, b of d (the sign bit of `sign` flips b); it goes across its 4 columns through $bt4 into
  ;; V_ξ for ξ = 4i … 4i + 3 (at dst, dst + xs, …), each half of the panel (4 tiles) in turn.
  (func $wrows (param $a i32) (param $b i32) (param $sign v128) (param $dst i32) (param $xs i32)
    (local $h i32)
    (loop $halves
      (call $bt4 (local.get $dst) (local.get $xs)
        (f32x4.add (v128.load (local.get $a)) (v128.xor (v128.load (local.get $b)) (local.get $sign)))
        (f32x4.add (v128.load offset=32 (local.get $a)) (v128.xor (v128.load offset=32 (local.get $b)) (local.get $sign)))
        (f32x4.add (v128.load offset=64 (local.get $a)) (v128.xor (v128.load offset=64 (local.get $b)) (local.get $sign)))
        (f32x4.add (v128.load offset=96 (local.get $a)) (v128.xor (v128.load offset=96 (local.get $b)) (local.get $sign))))
      (local.set $a (i32.add (local.get $a) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
      (local.set $h (i32.add (local.get $h) (i32.const 1)))
      (br_if $halves (i32.lt_u (local.get $h) (i32.const 2)))))

  ;; V for one panel and a group of up to 16 input channels per item (so that each V_ξ gets whole cache lines
  ;; from one thread): per channel, the panel's 8 windows into d ([4 rows][4 columns][8 tiles], the thread's
  ;; scratch) — two vectors per row and column where the 8 tiles lie side by side in one tile row, float by
  ;; float from each tile's corner (kept at scratch + 512) where the panel wraps to the next row — then
  ;; Bᵀ d B (Bᵀ's rows: r0 − r2, r2 + r1, r2 − r1, r1 − r3).
  (func (export "wgather") (param $scratch i32)
    (local $item i32) (local $groups i32) (local $c i32) (local $cend i32) (local $cin i32) (local $bp i32)
    (local $wpb i32) (local $plane i32) (local $lp i32) (local $t0 i32) (local $fast i32) (local $src i32)
    (local $l i32) (local $r i32) (local $off i32) (local $dst i32) (local $xs i32)
    (local $plus v128) (local $minus v128)
    (local.set $cin (i32.load (i32.const 124)))
    (local.set $bp (i32.load (i32.const 164)))
    (local.set $wpb (i32.shl (i32.load (i32.const 44)) (i32.const 2)))
    (local.set $xs (i32.mul (local.get $bp) (i32.shl (local.get $cin) (i32.const 5))))
    (local.set $groups (i32.shr_u (i32.add (local.get $cin) (i32.const 15)) (i32.const 4)))
    (local.set $minus (v128.const i32x4 0x80000000 0x80000000 0x80000000 0x80000000))
    (block $done
      (loop $items
        (local.set $item (call $take))
        (br_if $done (i32.lt_s (local.get $item) (i32.const 0)))
        (local.set $lp (i32.div_u (local.get $item) (local.get $groups)))
        (local.set $c (i32.shl (i32.rem_u (local.get $item) (local.get $groups)) (i32.const 4)))
        (local.set $cend (select (local.get $cin) (i32.add (local.get $c) (i32.const 16))
          (i32.lt_u (i32.sub (local.get $cin) (local.get $c)) (i32.const 16))))
        (local.set $t0 (i32.shl (i32.add (i32.load (i32.const 160)) (local.get $lp)) (i32.const 3)))
        (local.set $fast (i32.le_u (i32.add (i32.rem_u (local.get $t0) (i32.load (i32.const 152))) (i32.const 8))
          (i32.load (i32.const 152))))
        (local.set $l (i32.const 0))
        (loop $corners
          (i32.store offset=512 (i32.add (local.get $scratch) (i32.shl (local.get $l) (i32.const 2)))
            (call $corner (i32.add (local.get $t0) (local.get $l))))
          (local.set $l (i32.add (local.get $l) (i32.const 1)))
          (br_if $corners (i32.lt_u (local.get $l) (i32.const 8))))
        (local.set $dst (i32.add (i32.load (i32.const 168))
          (i32.shl (i32.add (i32.mul (local.get $lp) (local.get $cin)) (local.get $c)) (i32.const 5))))
        (loop $channels
          (local.set $plane (i32.add (i32.load (i32.const 24)) (i32.shl (i32.mul (local.get $c) (i32.load (i32.const 48))) (i32.const 2))))
          (if (local.get $fast)
            (then
              (local.set $src (i32.add (local.get $plane) (i32.load offset=512 (local.get $scratch))))
              (call $rowWindows (local.get $src) (local.get $scratch))
              (call $rowWindows (i32.add (local.get $src) (local.get $wpb)) (i32.add (local.get $scratch) (i32.const 128)))
              (call $rowWindows (i32.add (local.get $src) (i32.shl (local.get $wpb) (i32.const 1))) (i32.add (local.get $scratch) (i32.const 256)))
              (call $rowWindows (i32.add (local.get $src) (i32.mul (local.get $wpb) (i32.const 3))) (i32.add (local.get $scratch) (i32.const 384))))
            (else
              (local.set $l (i32.const 0))
              (loop $lanes
                (local.set $off (i32.add (local.get $scratch) (i32.shl (local.get $l) (i32.const 2))))
                (local.set $src (i32.add (local.get $plane) (i32.load offset=512 (local.get $off))))
                (local.set $r (i32.const 0))
                (loop $rows
                  (f32.store (local.get $off) (f32.load (local.get $src)))
                  (f32.store offset=32 (local.get $off) (f32.load offset=4 (local.get $src)))
                  (f32.store offset=64 (local.get $off) (f32.load offset=8 (local.get $src)))
                  (f32.store offset=96 (local.get $off) (f32.load offset=12 (local.get $src)))
                  (local.set $src (i32.add (local.get $src) (local.get $wpb)))
                  (local.set $off (i32.add (local.get $off) (i32.const 128)))
                  (local.set $r (i32.add (local.get $r) (i32.const 1)))
                  (br_if $rows (i32.lt_u (local.get $r) (i32.const 4))))
                (local.set $l (i32.add (local.get $l) (i32.const 1)))
                (br_if $lanes (i32.lt_u (local.get $l) (i32.const 8))))))
          (call $wrows (local.get $scratch) (i32.add (local.get $scratch) (i32.const 256)) (local.get $minus)
            (local.get $dst) (local.get $xs))
          (call $wrows (i32.add (local.get $scratch) (i32.const 256)) (i32.add (local.get $scratch) (i32.const 128)) (local.get $plus)
            (i32.add (local.get $dst) (i32.shl (local.get $xs) (i32.const 2))) (local.get $xs))
          (call $wrows (i32.add (local.get $scratch) (i32.const 256)) (i32.add (local.get $scratch) (i32.const 128)) (local.get $minus)
            (i32.add (local.get $dst) (i32.shl (local.get $xs) (i32.const 3))) (local.get $xs))
          (call $wrows (i32.add (local.get $scratch) (i32.const 128)) (i32.add (local.get $scratch) (i32.const 384)) (local.get $minus)
            (i32.add (local.get $dst) (i32.mul (local.get $xs) (i32.const 12))) (local.get $xs))
          (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br_if $channels (i32.lt_u (local.get $c) (local.get $cend))))
        (br $items))))

  ;; M_ξ = U_ξ · V_ξ for the block, k-blocked by KC like `gemm`; an item is one position ξ, CHUNK panels and up to
  ;; 16 channel tiles (64 output channels: wide layers get items enough to share between the threads).
  (func (export "wgemm") (param $scratch i32)
    (local $cin i32) (local $mtiles i32) (local $bp i32) (local $ldc i32) (local $KC i32) (local $chunk i32) (local $chunks i32)
    (local $item i32) (local $xi i32) (local $pc i32) (local $pe i32) (local $kb i32) (local $kc i32) (local $mt i32)
    (local $p i32) (local $a i32) (local $b i32) (local $cRow i32) (local $groups i32) (local $m0 i32) (local $m1 i32)
    (local.set $cin (i32.load (i32.const 124)))
    (local.set $mtiles (i32.load (i32.const 4)))
    (local.set $bp (i32.load (i32.const 164)))
    ;; M holds each 4 × 8 tile as one 128-byte run ([16][MTILES][BPANELS][4][8]): `micro` writes whole lines.
    (local.set $ldc (i32.const 32))
    (local.set $KC (i32.load (i32.const 36)))
    (local.set $chunk (i32.load (i32.const 40)))
    (local.set $chunks (i32.div_u (i32.sub (i32.add (local.get $bp) (local.get $chunk)) (i32.const 1)) (local.get $chunk)))
    (local.set $groups (i32.shr_u (i32.add (local.get $mtiles) (i32.const 15)) (i32.const 4)))
    (block $done
      (loop $items
        (local.set $item (call $take))
        (br_if $done (i32.lt_s (local.get $item) (i32.const 0)))
        (local.set $m0 (i32.shl (i32.rem_u (local.get $item) (local.get $groups)) (i32.const 4)))
        (local.set $m1 (select (local.get $mtiles) (i32.add (local.get $m0) (i32.const 16))
          (i32.lt_u (i32.sub (local.get $mtiles) (local.get $m0)) (i32.const 16))))
        (local.set $item (i32.div_u (local.get $item) (local.get $groups)))
        (local.set $xi (i32.div_u (local.get $item) (local.get $chunks)))
        (local.set $pc (i32.mul (i32.rem_u (local.get $item) (local.get $chunks)) (local.get $chunk)))
        (local.set $pe (select (local.get $bp) (i32.add (local.get $pc) (local.get $chunk))
          (i32.lt_u (i32.sub (local.get $bp) (local.get $pc)) (local.get $chunk))))
        (local.set $kb (i32.const 0))
        (loop $kblocks
          (br_if $done (i32.atomic.load (i32.const 104)))
          (local.set $kc (select (i32.sub (local.get $cin) (local.get $kb)) (local.get $KC)
            (i32.lt_u (i32.sub (local.get $cin) (local.get $kb)) (local.get $KC))))
          ;; Panel by panel, each meeting every channel tile: the panel's kc rows of V_ξ stay in L1.
          (local.set $b (i32.add (i32.load (i32.const 168)) (i32.shl (i32.add
            (i32.mul (i32.add (i32.mul (local.get $xi) (local.get $bp)) (local.get $pc)) (local.get $cin)) (local.get $kb)) (i32.const 5))))
          (local.set $p (local.get $pc))
          (loop $panels
            (local.set $a (i32.add (i32.load (i32.const 176)) (i32.shl (i32.add
              (i32.mul (i32.add (i32.mul (local.get $xi) (local.get $mtiles)) (local.get $m0)) (local.get $cin)) (local.get $kb)) (i32.const 4))))
            (local.set $cRow (i32.add (i32.load (i32.const 172))
              (i32.shl (i32.add (i32.mul (i32.add (i32.mul (local.get $xi) (local.get $mtiles)) (local.get $m0)) (local.get $bp)) (local.get $p)) (i32.const 7))))
            (local.set $mt (local.get $m0))
            (loop $mtiles
              (call $micro (local.get $a) (local.get $b) (local.get $cRow)
                (local.get $kc) (local.get $ldc) (i32.eqz (local.get $kb)) (i32.load (i32.const 180)))
              (local.set $a (i32.add (local.get $a) (i32.shl (local.get $cin) (i32.const 4))))
              (local.set $cRow (i32.add (local.get $cRow) (i32.shl (local.get $bp) (i32.const 7))))
              (local.set $mt (i32.add (local.get $mt) (i32.const 1)))
              (br_if $mtiles (i32.lt_u (local.get $mt) (local.get $m1))))
            (local.set $b (i32.add (local.get $b) (i32.shl (local.get $cin) (i32.const 5))))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br_if $panels (i32.lt_u (local.get $p) (local.get $pe))))
          (local.set $kb (i32.add (local.get $kb) (local.get $kc)))
          (br_if $kblocks (i32.lt_u (local.get $kb) (local.get $cin))))
        (br $items))))

  ;; The output tiles of one output channel: per panel and half (4 tiles), Aᵀ M A + bias from the 16 products,
  ;; stored as two interleaved vectors per output row where the panel's 16 columns and 2 rows are all in the
  ;; output, else through 128 bytes of scratch ([y00, y01, y10, y11][8 tiles]) float by float.
  (func (export "wout") (param $scratch i32)
    (local $co i32) (local $bp i32) (local $tw i32) (local $ow i32) (local $oh i32) (local $owb i32) (local $ms i32)
    (local $out i32) (local $lp i32) (local $t0 i32) (local $t i32) (local $fast i32) (local $h i32) (local $m i32)
    (local $l i32) (local $row i32) (local $ox i32) (local $oy i32)
    (local $j i32) (local $ms4 i32)
    (local $bias v128) (local $m1 v128) (local $m2 v128) (local $s0 v128) (local $s1 v128)
    (local $y00 v128) (local $y01 v128) (local $y10 v128) (local $y11 v128)
    (local.set $bp (i32.load (i32.const 164)))
    (local.set $tw (i32.load (i32.const 152)))
    (local.set $oh (i32.load (i32.const 52)))
    (local.set $ow (i32.load (i32.const 56)))
    (local.set $owb (i32.shl (local.get $ow) (i32.const 2)))
    ;; bytes from M_ξ to M_ξ+1
    (local.set $ms (i32.mul (i32.shl (i32.load (i32.const 4)) (i32.const 2)) (i32.shl (local.get $bp) (i32.const 5))))
    (local.set $ms4 (i32.shl (local.get $ms) (i32.const 2)))
    (block $done
      (loop $channels
        (local.set $co (call $take))
        (br_if $done (i32.lt_s (local.get $co) (i32.const 0)))
        (local.set $out (i32.add (i32.load (i32.const 20)) (i32.mul (local.get $co) (i32.mul (local.get $oh) (local.get $owb)))))
        (local.set $bias (v128.load32_splat (i32.add (i32.load (i32.const 16)) (i32.shl (local.get $co) (i32.const 2)))))
        (local.set $lp (i32.const 0))
        (loop $panels
          (local.set $t0 (i32.shl (i32.add (i32.load (i32.const 160)) (local.get $lp)) (i32.const 3)))
          (local.set $ox (i32.shl (i32.rem_u (local.get $t0) (local.get $tw)) (i32.const 1)))
          (local.set $oy (i32.shl (i32.div_u (local.get $t0) (local.get $tw)) (i32.const 1)))
          (local.set $fast (i32.and
            (i32.le_u (i32.add (local.get $ox) (i32.const 16)) (local.get $ow))
            (i32.lt_u (i32.add (local.get $oy) (i32.const 1)) (local.get $oh))))
          (local.set $row (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $oy) (local.get $ow)) (local.get $ox)) (i32.const 2))))
          (local.set $h (i32.const 0))
          (loop $halves
            (local.set $m (i32.add (i32.load (i32.const 172)) (i32.add
              (i32.shl (i32.add (i32.mul (i32.shr_u (local.get $co) (i32.const 2)) (local.get $bp)) (local.get $lp)) (i32.const 7))
              (i32.add (i32.shl (i32.and (local.get $co) (i32.const 3)) (i32.const 5)) (i32.shl (local.get $h) (i32.const 4))))))
            ;; Aᵀ m A: down each column j (M_j, M_4+j, M_8+j, M_12+j), s0j = m0j + m1j + m2j and
            ;; s1j = m1j − m2j − m3j; then across: y·0 = s·0 + s·1 + s·2, y·1 = s·1 − s·2 − s·3 (plus the bias).
            (local.set $j (i32.const 0))
            (loop $columns
              (local.set $m1 (v128.load (i32.add (local.get $m) (local.get $ms4))))
              (local.set $m2 (v128.load (i32.add (local.get $m) (i32.shl (local.get $ms4) (i32.const 1)))))
              (local.set $s0 (f32x4.add (f32x4.add (v128.load (local.get $m)) (local.get $m1)) (local.get $m2)))
              (local.set $s1 (f32x4.sub (f32x4.sub (local.get $m1) (local.get $m2))
                (v128.load (i32.add (local.get $m) (i32.mul (local.get $ms4) (i32.const 3))))))
              (if (i32.eqz (local.get $j))
                (then
                  (local.set $y00 (f32x4.add (local.get $bias) (local.get $s0)))
                  (local.set $y10 (f32x4.add (local.get $bias) (local.get $s1)))
                  (local.set $y01 (local.get $bias))
                  (local.set $y11 (local.get $bias))))
              (if (i32.eq (local.get $j) (i32.const 1))
                (then
                  (local.set $y00 (f32x4.add (local.get $y00) (local.get $s0)))
                  (local.set $y10 (f32x4.add (local.get $y10) (local.get $s1)))
                  (local.set $y01 (f32x4.add (local.get $y01) (local.get $s0)))
                  (local.set $y11 (f32x4.add (local.get $y11) (local.get $s1)))))
              (if (i32.eq (local.get $j) (i32.const 2))
                (then
                  (local.set $y00 (f32x4.add (local.get $y00) (local.get $s0)))
                  (local.set $y10 (f32x4.add (local.get $y10) (local.get $s1)))
                  (local.set $y01 (f32x4.sub (local.get $y01) (local.get $s0)))
                  (local.set $y11 (f32x4.sub (local.get $y11) (local.get $s1)))))
              (if (i32.eq (local.get $j) (i32.const 3))
                (then
                  (local.set $y01 (f32x4.sub (local.get $y01) (local.get $s0)))
                  (local.set $y11 (f32x4.sub (local.get $y11) (local.get $s1)))))
              (local.set $m (i32.add (local.get $m) (local.get $ms)))
              (local.set $j (i32.add (local.get $j) (i32.const 1)))
              (br_if $columns (i32.lt_u (local.get $j) (i32.const 4))))
            (if (local.get $fast)
              (then
                ;; row 2ty: y00₀ y01₀ y00₁ y01₁ …; row 2ty + 1 the same from y10, y11
                (v128.store (local.get $row) (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $y00) (local.get $y01)))
                (v128.store offset=16 (local.get $row) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $y00) (local.get $y01)))
                (v128.store (i32.add (local.get $row) (local.get $owb)) (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $y10) (local.get $y11)))
                (v128.store offset=16 (i32.add (local.get $row) (local.get $owb)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $y10) (local.get $y11)))
                (local.set $row (i32.add (local.get $row) (i32.const 32))))
              (else
                (v128.store (i32.add (local.get $scratch) (i32.shl (local.get $h) (i32.const 4))) (local.get $y00))
                (v128.store offset=32 (i32.add (local.get $scratch) (i32.shl (local.get $h) (i32.const 4))) (local.get $y01))
                (v128.store offset=64 (i32.add (local.get $scratch) (i32.shl (local.get $h) (i32.const 4))) (local.get $y10))
                (v128.store offset=96 (i32.add (local.get $scratch) (i32.shl (local.get $h) (i32.const 4))) (local.get $y11))))
            (local.set $h (i32.add (local.get $h) (i32.const 1)))
            (br_if $halves (i32.lt_u (local.get $h) (i32.const 2))))
          (if (i32.eqz (local.get $fast))
            (then
              (local.set $l (i32.const 0))
              (loop $lanes
                (local.set $t (i32.add (local.get $t0) (local.get $l)))
                (if (i32.lt_u (local.get $t) (i32.load (i32.const 156)))
                  (then
                    (local.set $ox (i32.shl (i32.rem_u (local.get $t) (local.get $tw)) (i32.const 1)))
                    (local.set $oy (i32.shl (i32.div_u (local.get $t) (local.get $tw)) (i32.const 1)))
                    (local.set $row (i32.add (local.get $out) (i32.shl (i32.add (i32.mul (local.get $oy) (local.get $ow)) (local.get $ox)) (i32.const 2))))
                    (local.set $m (i32.add (local.get $scratch) (i32.shl (local.get $l) (i32.const 2))))
                    (f32.store (local.get $row) (f32.load (local.get $m)))
                    (if (i32.lt_u (i32.add (local.get $ox) (i32.const 1)) (local.get $ow))
                      (then (f32.store offset=4 (local.get $row) (f32.load offset=32 (local.get $m)))))
                    (if (i32.lt_u (i32.add (local.get $oy) (i32.const 1)) (local.get $oh))
                      (then
                        (f32.store (i32.add (local.get $row) (local.get $owb)) (f32.load offset=64 (local.get $m)))
                        (if (i32.lt_u (i32.add (local.get $ox) (i32.const 1)) (local.get $ow))
                          (then (f32.store offset=4 (i32.add (local.get $row) (local.get $owb)) (f32.load offset=96 (local.get $m)))))))))
                (local.set $l (i32.add (local.get $l) (i32.const 1)))
                (br_if $lanes (i32.lt_u (local.get $l) (i32.const 8))))))
          (local.set $lp (i32.add (local.get $lp) (i32.const 1)))
          (br_if $panels (i32.lt_u (local.get $lp) (local.get $bp))))
        (br $channels))))
)
