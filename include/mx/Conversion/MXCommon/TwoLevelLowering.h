//===- TwoLevelLowering.h - MX9/MX6/MX4 tensors to linalg -------*- C++ -*-===//
//
// A two-level tensor (`!mx.microexp` elements) is stored as one tensor of
// packed blocks (PackedStorage.h); these build its quantize and dequantize
// on static shapes with linalg, following lib/Numerics/SharedMicroexponent
// bit for bit.
//
//===----------------------------------------------------------------------===//

#ifndef MX_CONVERSION_MXCOMMON_TWOLEVELLOWERING_H
#define MX_CONVERSION_MXCOMMON_TWOLEVELLOWERING_H

#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/IR/Builders.h"

namespace mlir::mx {

/// The packed storage of `type` for the f32/f16/bf16 tensor `input`,
/// rounded with `rounding` (rne or rtz).
Value buildTwoLevelQuantize(OpBuilder &b, Location loc, Value input,
                            BlockTensorType type, Rounding rounding);

/// The `resultElementType` (f32, f16 or bf16) values of the packed storage
/// `storage` of `type`: exact in f32, rounded once to f16/bf16.
Value buildTwoLevelDequantize(OpBuilder &b, Location loc, Value storage,
                              BlockTensorType type, Type resultElementType);

} // namespace mlir::mx

#endif // MX_CONVERSION_MXCOMMON_TWOLEVELLOWERING_H
