//===- Passes.td - Conversions out of the mx dialect -------*- tablegen -*-===//

#ifndef MX_CONVERSION_PASSES_TD
#define MX_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertMXToLinalgPass : Pass<"convert-mx-to-linalg", "ModuleOp"> {
  let summary = "Lower mx ops on tensors to linalg on element-code and scale tensors";
  let description = [{
    Decomposes every `!mx.tensor` into its two halves, a 1:N type conversion
    that also rewrites function signatures, calls and returns:

    - the element codes as bytes: FP4 two per byte along the innermost
      dimension (`tensor<... x ceil(n/2) x i8>`, element 2i in the low
      nibble), every other format `tensor<shape x i8>` one per byte (FP6 in
      the low six bits);
    - the scales, `tensor<grid x f8E8M0FNU>`.

    `mx.cast` is first written out as dequantize + quantize and every
    `mx.quantize` gets explicit scales (as `-mx-expand-casts` and
    `-mx-insert-scale-computation` do). Then quantize, dequantize, pack,
    unpack, ldexp and matmul (per K-block dots in f32, scaled and summed in
    f32) become `linalg.generic` ops over the blocked view of the
    tensor (padded to whole blocks and split with `tensor.expand_shape`, so
    that a block's scale is a broadcast operand). Element conversion is
    integer arithmetic on the f32 bits (shifts, masks, selects) that
    reproduces lib/Numerics exactly for every format, rounding mode
    (stochastic: Philox4x32-10 keyed by the seed, counter = linear index) and
    saturation; decoding multiplies by exact powers of two.

    ```mlir
    %q = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
    ```
    becomes the scale computation, then
    ```mlir
    %codes = linalg.generic ... ins(%xb, %scales : tensor<4x1x2x32xf32>, tensor<4x2xf8E8M0FNU>)
               outs(%e : tensor<4x1x2x32xi8>) { ... arith on i32 ... }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def ConvertMXToVectorPass : Pass<"convert-mx-to-vector", "ModuleOp"> {
  let summary = "Lower mx.quantize / mx.dequantize to fused vector loop kernels";
  let description = [{
    The fast CPU lowering of element conversion. A quantize or dequantize
    whose blocks run along the innermost dimension only, with that dimension
    a whole number of blocks (the layout of activations and of weights stored
    K-major), becomes one `scf.parallel` loop over its blocks that reads each
    block once as a `vector<k x f32>`: the block's amax
    (`vector.reduction <maxui>` on the magnitude bits), its E8M0 scale, and
    every element code in vector lanes, FP4 codes paired into bytes with
    `vector.deinterleave`. With a multiple of 16 blocks (and a block size a
    multiple of 16), an iteration takes 16 blocks: a shuffle-and-max tree
    puts their amaxes in one vector and the scale rule runs in 16 lanes.
    Dequantize is the same loop backwards. The element
    arithmetic is the one `-convert-mx-to-linalg` uses (the shared builders of
    ElementCodes.h, applied to vectors), so both lowerings give the same bits
    for every format, scale rule, rounding and saturation.

    An `mx.matmul` of two MX operands with K-blocks along K (N a multiple of
    16) becomes a packed GEMM: every element decoded once (exactly, at unit
    scale) into bf16 pairs for AVX512-BF16 `vdpbf16ps`
    (`x86vector.avx512.dot`) where `cpu-features` has `avx512bf16`, else into
    f32 for `vector.fma`; then MR x NR register tiles of C, each K-block's
    f32 partial sums joining the tile's totals as fma(S * X_a, X_b, total)
    (the same bits as `-convert-mx-to-linalg`'s (S * X_a) * X_b + total
    where that product is exact, one rounding fewer elsewhere). Pairs of
    INT8, FP4 (E2M1) and FP6-E2M3 elements, whose values are integers times
    2^-6, 2^-1 and 2^-3, take AVX512-VNNI `vpdpbusd` instead with
    `avx512vnni` (4 MACs per lane: exact i32 block sums of (v_a + 128) * v_b
    on the integer values, started from -128 x the block's column sums of B;
    the values' units go into A's scales; `mx.avx512.dot_u8s8`, since
    x86vector has no op for it).

    With `amx-tile` and `amx-bf16` (bf16 pairs) or `amx-int8` (integer pairs)
    in `cpu-features` and K-blocks of 32, the GEMM runs on AMX tiles
    (`amx.tile_mulf` = `tdpbf16ps`, `amx.tile_muli` = `tdpbusd`): per K-block,
    32 x 32 of C is four tile products into zeroed tiles, stored and scaled
    into the totals with vector ops in the same order; A is padded to whole
    32-row tiles. The tile code is outlined into a private function
    (`@__mx_amx_matmul*`, compiled for the resolved feature list), because
    LLVM configures the tiles at a function's entry: it is called only when
    Linux grants the tile data (`arch_prctl(ARCH_REQ_XCOMP_PERM,
    XFEATURE_XTILEDATA)` at run time), else the AVX-512 kernel runs.
    `emulate-amx` builds the tile instructions from vector ops that follow
    their definition instead, without the request, so that the AMX tiling
    runs and is tested on any CPU.

    A product of one row (M = 1, a GEMV; N a multiple of 256) instead streams
    the weights once without packing: each parallel iteration owns up to 4
    panels of 256 columns, decodes each weight row as it multiplies it, and
    prefetches the panel's piece of the next K-block's row. With `avx512f`,
    MXFP4 weights are read as i32 words of 8 codes and decoded by table
    lookup (`mx.avx512.permute_f32`, `vpermps`, on the word shifted right by
    4s), the sums put back in column order once per K-block. With
    `avx512bw` and `avx512bf16` too, two weight rows go per step: their
    words' 16-bit halves are interleaved, looked up as bf16
    (`mx.avx512.permute_i16`, `vpermw`, both rows at once) and multiplied
    with the bf16 pair (x_k, x_k+1) by `vdpbf16ps`; MXFP6 and MXFP8 weights
    then go the same way, two rows' codes interleaved in 16-bit lanes and
    looked up as bf16 in 64-entry tables (`mx.avx512.permute2_i16`,
    `vpermi2w`). MXINT8 x MXINT8 with `avx512vnni` takes four rows per step
    instead: their codes made unsigned and interleaved per column, then
    `vpdpbusd` with x's four codes, each block's i32 sums corrected by -128 x
    the block's sum of x's codes (exact).

    With `prepack-weights`, a product whose rhs is an `mx.pack` of constant
    codes and scales (constant weights after the quantize folds) reads B
    from private constant `memref.global`s computed at compile time: the
    values as the dot unit reads them, in panels (int8 quads, bf16 pairs or
    f32), the f32 scales and, for integer dots, the blocks' bias sums. With
    an FP8 operand and B's own scales allowing it, the stored values are
    times their scales, and only the run-time fallback (A's scales rule
    folding out) packs B per call. The globals hold what the per-call
    packers store, so the product has the same bits either way. A one-row
    product (the GEMV) needs no packing: its constant weights are stored in
    the `panels` layout instead (`mx.convert_layout`, folded at compile
    time), which it streams as one run of memory per panel.

    A weight-only product (f32 activations times MX weights) takes the
    packed GEMM in its f32 FMA form (`vdpbf16ps` would round the activations
    to bf16): A is read in place, B decoded once, and each K-block's sums
    are scaled by B's scales alone; with one row, the GEMV with the weights
    decoded to f32 (`vpermps` for MXFP4) and x read in place.

    Two-level operands (`!mx.microexp`, blocks of 16 along K): one whose
    blocks are exactly MXINT8 blocks (at most one microexponent bit and m <=
    6: MX6, MX4) becomes that MXINT8 tensor (constant weights at compile
    time) and takes the integer dots; another two-level lhs enters as its f32
    values. Another two-level rhs (MX9, or two microexponent bits) is decoded
    by the packer into the f32 FMA kernel's panels, 16 blocks of 16 adjacent
    columns per step transposed by lane shuffles (at compile time with
    `prepack-weights`), times the lhs's f32 values; N is widened to whole
    panels and the result sliced back.

    Everything else (other layouts, partial blocks, given scales,
    pack/unpack, products with f32 weights) is lowered exactly as
    `-convert-mx-to-linalg` lowers it.

    The loops are `scf.parallel`: `--mx-cpu-pipeline=threads=true` runs them
    on OpenMP threads, otherwise they become sequential loops. LLVM turns the
    vector ops into AVX-512 where the target has it and into narrower
    vectors otherwise.

    ```mlir
    scf.parallel (%block) = (%c0) to (%cBlocks) step (%c1) {
      %v = vector.load %x[%first] : memref<8192xf32>, vector<32xf32>
      %amax = vector.reduction <maxui>, %magnitude : vector<32xi32> into i32
      ...
      vector.store %codes, %out[%first] : memref<8192xi8>, vector<32xi8>
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::x86vector::X86VectorDialect",
    "::mlir::amx::AMXDialect",
    "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect",
  ];
  let options = [
    Option<"cpuFeatures", "cpu-features", "std::string", /*default=*/"\"host\"",
           "Target features the kernels may use: \"host\" (this CPU's, from "
           "LLVM's host detection) or an LLVM feature list such as "
           "\"+avx512f,+avx512bf16\"; without avx512bf16 the matmul uses f32 "
           "FMA; amx-tile with amx-bf16 / amx-int8 adds the AMX kernels">,
    Option<"emulateAMX", "emulate-amx", "bool", /*default=*/"false",
           "Build the AMX matmul kernels' tile instructions from vector ops "
           "that follow their definition, and take them without asking Linux "
           "for the tiles: runs and tests the AMX tiling on any CPU">,
    Option<"prepackWeights", "prepack-weights", "bool", /*default=*/"false",
           "Pack constant weights (an mx.pack of constants) at compile time "
           "into constant globals in the GEMM's operand form (1 byte per "
           "element for integer dots, 2 for bf16, 4 for f32) instead of on "
           "every call; off, they stay in MX and are packed per call">,
  ];
}

def ConvertMXToArithPass : Pass<"convert-mx-to-arith", "ModuleOp"> {
  let summary = "Lower MX element conversion to upstream arith.scaling_truncf / scaling_extf";
  let description = [{
    The portable lowering, for MLIR compilers that lower upstream's MX ops
    themselves. Like `-convert-mx-to-linalg` (same 1:N type conversion,
    blocked view and structural patterns), except that quantize and
    dequantize convert each element with `arith.scaling_truncf` /
    `arith.scaling_extf`. Because `scaling_truncf` does not saturate, each
    value is first clamped to `+-max * scale` (with `saturation<saturate>`),
    which keeps the MX rule; a NaN scale still zeroes its block's codes.

    ```mlir
    %c = arith.minimumf %x, %limit : f32
    %c2 = arith.maximumf %c, %neglimit : f32
    %e = arith.scaling_truncf %c2, %scale : f32, f8E8M0FNU to f4E2M1FN
    ```

    Rejected with an error: `rounding<rtz>`/`rounding<stochastic>` (upstream
    rounds to nearest even only) and MXINT8 (no upstream element type). The
    results are only as exact as upstream's expansion of these ops: with
    LLVM 22 `-arith-expand` decodes E8M0 code 0x00 as +0 and 0xFF as +Inf, and
    gets the sign of some f4E2M1 results wrong (docs/Numerics.md), and
    f8E4M3FN has no CPU lowering at all. `-convert-mx-to-linalg` has none of
    these problems; this pass is for interoperation.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def ConvertMXToNVVMPass : Pass<"convert-mx-to-nvvm", "ModuleOp"> {
  let summary = "Turn functions of one mx.quantize or mx.matmul into NVVM GPU kernels";
  let description = [{
    Each public `func.func` whose body is one `mx.quantize` (f32 input,
    computed scales) or one `mx.matmul` of two MX tensors, applied to the
    function's arguments and returned, becomes a `gpu.func` kernel of the
    same name in `gpu.module @mx_kernels` (the function is erased). Tensors
    become memrefs in the storage of `-convert-mx-to-linalg` (element codes
    as bytes, FP4 two per byte along the innermost dimension; E8M0 scale
    codes as bytes), results become trailing output arguments:

    ```mlir
    func.func @q(%x: tensor<MxKxf32>) -> !mx.tensor<MxKxF, block = [1, 32]>
    // becomes
    gpu.func @q(%x: memref<MxKxf32>, %codes: memref<MxK'xi8>,
                %scales: memref<Mx(K/32)xi8>) kernel
    func.func @mm(%a: !mx.tensor<MxKxFa, block = [1, B]>,
                  %b: !mx.tensor<KxNxFb, block = [B, 1]>) -> tensor<MxNxf32>
    // becomes
    gpu.func @mm(%a: memref<MxK'xi8>, %sa: memref<Mx(K/B)xi8>,
                 %b: memref<KxN'xi8>, %sb: memref<(K/B)xNxi8>,
                 %c: memref<MxNxf32>) kernel
    ```

    The kernel's block size is `gpu.known_block_size`; its grid is
    `gpu.known_grid_size` (both from lib/Target, as in docs/GPU.md). The
    `gpu.module` carries `#nvvm.target<O = opt-level, chip = chip,
    features = features>`, which `mx-verify-nvvm-target` and
    `gpu-module-to-binary` read. The tiling and the mapping
    to blocks, warps and lanes are chosen here, per `chip`:

    - quantize: one thread per MX block, the scale rule as integer ops (as
      on the CPU); elements with `cvt.rn.satfinite` (`nvvm.convert.f32x2.*`)
      where the chip has the conversion and the rounding is `rne` with
      `saturation<saturate>` (FP8 from sm_89, FP6/FP4 on sm_100a/sm_120a),
      and with the exact integer arithmetic of the CPU lowering otherwise.
      The E8M0 scale uses `cvt.rz`/`cvt.rp` `ue8m0x2` on sm_100a/sm_120a
      for the rules that are a rounding of amax * 2^-emax (`floor`, `ceil`;
      `rceil` divides amax by the element maximum), with the integer rule
      for zero, subnormal and non-finite amax;
    - matmul, `mma = sync`: per warp a 16 x 8n tile, per K-block of 32 a
      fresh `mma.sync.m16n8k32` (FP8, or s8 for MXINT8; FP6/FP4 widen to
      E4M3 exactly), its f32 partial sums multiplied by the block's two
      scales in registers and added: exact MX semantics on sm_89/sm_90;
    - matmul, `mma = block-scale` (sm_120a): `nvvm.mma.block_scale`
      m16n8k32 kind mxf8f6f4 with ue8m0 scales, `scale_vec::1X`;
    - matmul, `mma = tcgen05` (sm_100a): a 128 x N tile per CTA in tensor
      memory, operands staged in shared memory (no swizzle, K-major), scales
      written to tensor memory, `nvvm.tcgen05.mma.block_scale` kind
      mxf8f6f4, completion through `tcgen05.commit` and an mbarrier.

    `mma = auto` takes block-scale on sm_120a, tcgen05 on sm_100a, sync
    elsewhere. Asking for something the chip lacks (block-scaled MMA on
    sm_90a or sm_100a, tcgen05 on sm_120a, `convert = hardware` for FP4 on
    sm_90a) is an error naming the chip and the instruction, as are shapes
    the tiling does not cover and element mixes without a tensor-core
    instruction (MXINT8 with a float format).
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_90a\"",
           "Target: sm_89, sm_90, sm_90a, sm_100a, sm_101a, sm_120a or sm_121a">,
    Option<"features", "features", "std::string", /*default=*/"\"+ptx88\"",
           "PTX features of the #nvvm.target (the PTX ISA version)">,
    Option<"optLevel", "opt-level", "int", /*default=*/"3",
           "Optimization level of the #nvvm.target">,
    Option<"mma", "mma", "::mlir::mx::nvvm::MmaKind",
           /*default=*/"::mlir::mx::nvvm::MmaKind::Auto",
           "Matmul instruction", [{::mlir::mx::mmaKindOptionValues()}]>,
    Option<"convert", "convert", "::mlir::mx::nvvm::ConvertKind",
           /*default=*/"::mlir::mx::nvvm::ConvertKind::Auto",
           "Element conversion in quantize",
           [{::mlir::mx::convertKindOptionValues()}]>,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def MXVerifyNVVMTargetPass : Pass<"mx-verify-nvvm-target", "ModuleOp"> {
  let summary = "Reject NVVM ops the target chip of their gpu.module lacks";
  let description = [{
    The NVPTX backend aborts ("Cannot select: intrinsic ...") on some NVVM
    ops a chip does not have, e.g. `nvvm.convert.f32x2.to.f4x2` on sm_90a or
    `nvvm.mma.block_scale` on sm_100a. This pass checks every op in each
    `gpu.module` with an `#nvvm.target` against that chip first and reports
    an error naming the op and the chips that have it, so that
    `gpu-module-to-binary` never sees them. `mx-nvvm-pipeline` runs it.
  }];
}

#endif // MX_CONVERSION_PASSES_TD
