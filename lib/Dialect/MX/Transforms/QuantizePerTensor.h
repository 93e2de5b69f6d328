//===- QuantizePerTensor.h - A contraction on per-tensor FP8 ----*- C++ -*-===//
//
// The per-tensor counterpart of QuantizeContraction.h, in Scalify's
// representation: each input becomes a scaled tensor whose power-of-two
// scale puts its largest magnitude just under the FP8 format's largest
// (`mx.scale`, `mx.scaled_cast`), the contraction runs on the FP8 data, and
// the product of the two scales multiplies its result (`mx.unscale`).
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_TRANSFORMS_QUANTIZEPERTENSOR_H
#define MX_DIALECT_MX_TRANSFORMS_QUANTIZEPERTENSOR_H

#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::mx {

/// How one input of a per-tensor product is cast; a null format keeps it.
struct TensorCast {
  Type format; // f8E4M3FN or f8E5M2
  Rounding rounding = Rounding::rne;
  IntegerAttr seed; // with Rounding::stochastic
  /// Delayed scaling: the amaxes of earlier steps (tensor<N x f32>, newest
  /// first) choose the scale. Null: the input's own amax does (current).
  Value amaxHistory;
};

struct PerTensorProduct {
  Value result;
  Operation *product; // the contraction on the FP8 values
  /// Per input with an amax history, in input order: the history with this
  /// step's amax recorded (a non-finite amax is recorded as 0).
  SmallVector<Value, 2> histories;
};

/// `op` (a linalg contraction of f32 tensors with two inputs) on its inputs
/// cast as `inputs` says, in `op`'s result type.
PerTensorProduct quantizeContractionPerTensor(OpBuilder &b, linalg::LinalgOp op,
                                              ArrayRef<TensorCast> inputs);

} // namespace mlir::mx

#endif // MX_DIALECT_MX_TRANSFORMS_QUANTIZEPERTENSOR_H
