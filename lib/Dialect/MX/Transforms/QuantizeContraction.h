//===- QuantizeContraction.h - One linalg contraction into MX ---*- C++ -*-===//
//
// The rewrite mx-quantize-policy and mx-training-recipe share: a contraction
// read as C[batch?, m?, n?] += A[.., m?, k] B[.., k, n?], brought to 2-D
// operands A2 (M x K) and B2 (K x N) (transposing the f32 tensor, or adding
// a unit dimension), each quantized along K as its role says, multiplied
// with mx.matmul; a batch dimension becomes a loop over 2-D products.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_TRANSFORMS_QUANTIZECONTRACTION_H
#define MX_DIALECT_MX_TRANSFORMS_QUANTIZECONTRACTION_H

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"
#include "mx/Dialect/MX/Utils/Contraction.h"

namespace mlir::mx {

/// How one operand is quantized; a null format keeps it in f32.
struct OperandQuantization {
  Type format;
  ScaleRule scaleRule = ScaleRule::floor;
  Rounding rounding = Rounding::rne;
  IntegerAttr seed; // with Rounding::stochastic
  Type scaleType;   // null: E8M0; f32: FP8 tiles; f8E4M3FN: NVFP4
  bool squareBlock = false; // block x block (FP8 weight tiles), not 1-D
};

/// Both operands' quantization and the block size along K; with a
/// Hadamard seed, both operands are first transformed along K by
/// mx.hadamard with it (where K is a multiple of 16), which leaves the
/// product unchanged but spreads outliers over their blocks.
struct ProductQuantization {
  OperandQuantization a, b;
  int64_t block = 32;
  std::optional<uint64_t> hadamardSeed = std::nullopt;
};

/// The element type of `format` (null for None: the operand stays f32).
Type policyFormatType(MLIRContext *context, PolicyFormat format);

/// The MX product replacing `op` (analyzed as `c`), in its result type.
Value quantizeContraction(OpBuilder &b, linalg::LinalgOp op,
                          const Contraction &c,
                          const ProductQuantization &quantization);

} // namespace mlir::mx

#endif // MX_DIALECT_MX_TRANSFORMS_QUANTIZECONTRACTION_H
