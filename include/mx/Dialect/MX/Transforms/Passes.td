//===- Passes.td - Transformations of the mx dialect -------*- tablegen -*-===//

#ifndef MX_DIALECT_MX_TRANSFORMS_PASSES_TD
#define MX_DIALECT_MX_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MXExpandCastsPass : Pass<"mx-expand-casts"> {
  let summary = "Rewrite mx.cast into mx.dequantize to f32 and mx.quantize";
  let description = [{
    `mx.cast` is defined as a dequantize to f32 followed by a quantize with the
    cast's scale rule, rounding, seed and saturation. This pass writes that
    definition out, so that a lowering needs to handle only `mx.quantize` and
    `mx.dequantize`, and a fusion pass can see the f32 value in between.

    Before:
    ```mlir
    %r = mx.cast %q scale_rule<rceil> : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>
           -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
    ```
    After:
    ```mlir
    %0 = mx.dequantize %q : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>
           -> tensor<64x128xf32>
    %r = mx.quantize %0 scale_rule<rceil> : tensor<64x128xf32>
           -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
    ```
  }];
  let dependentDialects = ["::mlir::mx::MXDialect"];
}

def MXInsertScaleComputationPass : Pass<"mx-insert-scale-computation"> {
  let summary = "Make the block-scale computation of mx.quantize explicit";
  let description = [{
    Rewrites every `mx.quantize` that computes its own scales into explicit
    tensor code for them, and a quantize that takes the scales as an operand:

    1. block abs-max: the input (f16/bf16 extended to f32, exactly) is padded
       with zeros to whole blocks (zeros never change an amax, so partial
       blocks come out right), split into blocks with `tensor.expand_shape`,
       and reduced with `arith.maximumf` of each value and its negation,
       which propagates NaN and orders -0 below +0;
    2. shared exponent: an elementwise `linalg.generic` of integer operations
       on amax's f32 bits implements the op's scale rule exactly as
       docs/Numerics.md states it (floor, ceil, even, rceil; subnormal amax
       normalized, zero amax taken as 2^-126, NaN/Inf to the NaN code 0xFF,
       clamping to [-127, 127]), producing `f8E8M0FNU` codes.

    Before:
    ```mlir
    %q = mx.quantize %x scale_rule<rceil> : tensor<4x40xf32>
           -> !mx.tensor<4x40xf4E2M1FN, block = [1, 32]>
    ```
    After (abridged):
    ```mlir
    %p = tensor.pad %x low[0, 0] high[0, 24] {...} : tensor<4x40xf32> to tensor<4x64xf32>
    %b = tensor.expand_shape %p [[0, 1], [2, 3]] ... into tensor<4x1x2x32xf32>
    %amax = linalg.generic {...reduction...} ins(%b) outs(%zeros : tensor<4x2xf32>)
    %s = linalg.generic {...} ins(%amax) outs(... : tensor<4x2xf8E8M0FNU>)
    %q = mx.quantize %x scales(%s : tensor<4x2xf8E8M0FNU>) : tensor<4x40xf32>
           -> !mx.tensor<4x40xf4E2M1FN, block = [1, 32]>
    ```

    Only static shapes are handled so far; a quantize of a dynamically shaped
    tensor is reported as an error.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::mx::MXDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MXTileAndVectorizePass : Pass<"mx-tile-and-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Tile the CPU pipeline's linalg ops and turn each tile into vector ops";
  let description = [{
    The vector step of the CPU pipeline, for the `linalg` ops that
    `-convert-mx-to-linalg` (and `-convert-elementwise-to-linalg`) produce on
    statically shaped tensors. Each op is tiled with `scf.for` so that a tile
    spans, of its innermost non-unit parallel loop, the largest number of
    elements up to `vector-size` that divides the loop (so every tile is
    whole and needs no mask), its reduction loops whole, and one element of
    every other loop; the tile is then vectorized with `linalg::vectorize`.
    The element conversion of a quantize then runs on `vector<...x32xi32>`
    values: one vector per block for blocks along the last axis. A loop whose
    range has no divisor above 1 up to `vector-size` (a prime) stays scalar;
    peeling a remainder tile is left for later.

    Ops with dynamic loop ranges, or with an indexing map that is not a
    projected permutation (a tile of those cannot be taken by slicing), are
    left as they are.
  }];
  let options = [
    Option<"vectorSize", "vector-size", "int64_t", /*default=*/"32",
           "Elements per vector along the vectorized loop">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // MX_DIALECT_MX_TRANSFORMS_PASSES_TD
