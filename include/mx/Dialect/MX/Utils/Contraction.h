//===- Contraction.h - Matrix products read from linalg ops -----*- C++ -*-===//
//
// A linalg contraction read as C[batch?, m?, n?] += A[.., m?, k] B[.., k, n?]
// from its indexing maps: what the policy pass rewrites into MX products and
// the fusion pass recognizes around dequantized operands.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_UTILS_CONTRACTION_H
#define MX_DIALECT_MX_UTILS_CONTRACTION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

#include <string>

namespace mlir::mx {

/// The operands of a contraction, the loop position of each kind of
/// dimension (-1 where the op has none) and each operand's dimensions in
/// operand order (loop positions).
struct Contraction {
  Value a, b, init;
  int64_t batch = -1, m = -1, n = -1, k = -1;
  SmallVector<int64_t> aDims, bDims, cDims;
};

/// The contraction `op` computes on statically shaped f32/bf16/f16 tensors
/// with at most one dimension of each kind, or failure with `reason` set.
FailureOr<Contraction> analyzeContraction(linalg::LinalgOp op,
                                          std::string &reason);

/// Whether `value` is a weight: a constant or an `{mx.weight}` function
/// argument, seen through casts, reshapes, slices, transposes and
/// broadcasts (how importers write nn.Linear's W^T).
bool derivesFromWeight(Value value);

/// `value` as one constant when it is a constant seen through reshapes,
/// transposes and broadcasts (laid out at compile time, at `b`'s insertion
/// point), else `value` itself: so that a weight so written is quantized at
/// compile time.
Value foldWeightLayout(OpBuilder &b, Value value);

/// The constant of `type` whose element n (row-major) is element
/// `sourceIndices[n]` of `source` (row-major): a layout change computed on
/// the raw bytes, without an attribute per element.
DenseElementsAttr gatherConstant(DenseElementsAttr source,
                                 RankedTensorType type,
                                 ArrayRef<int64_t> sourceIndices);

/// Whether `init` is zero (a linalg.fill of zero or a zero constant).
bool isZeroInit(Value value);

/// `init` + `product` (an f32 M x N matrix; unit M or N collapse to the
/// init's rank), in the init's element type: the f32 sum is rounded once.
Value accumulateInto(OpBuilder &b, Location loc, Value product, Value init,
                     bool initIsZero);

} // namespace mlir::mx

#endif // MX_DIALECT_MX_UTILS_CONTRACTION_H
