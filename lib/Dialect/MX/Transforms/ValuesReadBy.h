//===- ValuesReadBy.h - What an op reads, regions included ------*- C++ -*-===//
//
// Passes that move or clone top-level ops of a function (mx-prepare-weights,
// mx-split-layers) must know every value an op reads: its operands and the
// values its regions capture from above.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_TRANSFORMS_VALUESREADBY_H
#define MX_DIALECT_MX_TRANSFORMS_VALUESREADBY_H

#include "mlir/IR/Operation.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::mx {

/// The operands of `op`, then the values its regions take from above.
inline SmallVector<Value> valuesReadBy(Operation &op) {
  SmallVector<Value> inputs(op.getOperands());
  llvm::SetVector<Value> above;
  getUsedValuesDefinedAbove(op.getRegions(), above);
  inputs.append(above.begin(), above.end());
  return inputs;
}

} // namespace mlir::mx

#endif // MX_DIALECT_MX_TRANSFORMS_VALUESREADBY_H
