//===- MXOps.h - Operations of the mx dialect -------------------*- C++ -*-===//

#ifndef MX_DIALECT_MX_IR_MXOPS_H
#define MX_DIALECT_MX_IR_MXOPS_H

#include "mx/Dialect/MX/IR/MXAttrs.h"
#include "mx/Dialect/MX/IR/MXDialect.h"
#include "mx/Dialect/MX/IR/MXTypes.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "mx/Dialect/MX/IR/MXOps.h.inc"

namespace mlir::mx {
/// The shape of an mx.matmul operand: an !mx.tensor or a ranked f32 tensor.
ArrayRef<int64_t> getOperandShape(Type type);

/// Whether re-quantizing the values of `q` under `rule` and `rounding` gives
/// `q` back: `q` was computed by mx.quantize (its own scales) or mx.cast
/// under the same rule (and, unless the rule is `floor`, the same rounding)
/// with saturation, then maybe transposed, and the pair is one that
/// numerics::isRequantizationIdempotent accepts. Not through mx.ldexp: a
/// grown block's values can pass f32's range, where the dequantize gives
/// +-Inf and re-quantizing makes the whole block NaN. An encoding from mx.pack
/// or a function argument need not be one mx.quantize makes: re-quantizing it
/// can change its values (a NaN code in a finite block makes the block NaN;
/// a largest code below the top binade gets a smaller scale and may
/// saturate), so folds that drop a re-quantization ask this first.
bool reproducesEncoding(Value q, ScaleRule rule, Rounding rounding);
} // namespace mlir::mx

#endif // MX_DIALECT_MX_IR_MXOPS_H
