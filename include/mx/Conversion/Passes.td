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
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
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

def MXExpandFP8CastsPass : Pass<"mx-expand-fp8-casts"> {
  let summary = "Expand arith.extf/truncf on FP8 scalars into exact integer arithmetic";
  let description = [{
    LLVM has no FP8 types and MLIR 22 lowers `arith.extf` from f8E4M3FN or
    f8E5M2 (and `arith.truncf` to them) for the CPU only through APFloat
    runtime calls, or not at all. This pass makes FP8 data usable in
    ordinary linalg programs, e.g. a `linalg.matmul` of two FP8 tensors
    accumulating in f32 (what scale propagation produces):

    - linalg named ops with an FP8 operand or result are generalized, so
      that their element conversions become visible arith ops;
    - an FP8 input of a reduction (a matmul reads each element many times)
      that the body only widens to f32 is decoded once, into an f32 tensor;
    - a scalar `arith.extf` from FP8 decodes the byte exactly (as
      `mx.dequantize` does);
    - a scalar `arith.truncf` to FP8 rounds as `arith.truncf` specifies:
      to nearest even (or toward zero with `roundingmode` toward_zero), with
      IEEE overflow (E5M2 to Inf, E4M3 to NaN), i.e. `saturation<nonfinite>`.

    Both are integer arithmetic on the bits, shared with the MX lowering and
    checked against lib/Numerics. Run it before vectorization: vector and
    tensor operands are reported as errors. `mx-cpu-pipeline` runs it after
    `-convert-mx-to-linalg`.

    ```mlir
    %f = arith.extf %x : f8E4M3FN to f32
    // becomes
    %b = arith.bitcast %x : f8E4M3FN to i8
    %c = arith.extui %b : i8 to i32
    ... // shifts, masks and selects; one multiply by a power of two
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect"];
}

#endif // MX_CONVERSION_PASSES_TD
