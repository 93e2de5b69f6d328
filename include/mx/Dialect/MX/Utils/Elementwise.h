//===- Elementwise.h - Building elementwise linalg.generic ops --*- C++ -*-===//

#ifndef MX_DIALECT_MX_UTILS_ELEMENTWISE_H
#define MX_DIALECT_MX_UTILS_ELEMENTWISE_H

#include "mlir/IR/Builders.h"

namespace mlir::mx {

/// A linalg.generic applying `body` to the elements of identically shaped
/// `inputs` (static shapes), producing a tensor of `outType` elements.
/// Values from outside (e.g. scalar factors) may be used in `body`.
Value buildElementwise(
    OpBuilder &b, Location loc, ValueRange inputs, Type outType,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body);

/// An f32 scalar folded over every element of `tensor` (static shape) from
/// 0: `combine(element, accumulator)` gives the next accumulator.
Value buildReduceAll(
    OpBuilder &b, Location loc, Value tensor,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine);

} // namespace mlir::mx

#endif // MX_DIALECT_MX_UTILS_ELEMENTWISE_H
