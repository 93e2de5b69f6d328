//===- MXScaledOps.cpp - Ops on per-tensor scaled values ------------------===//
//
// Verifiers and folds of the `!mx.scaled` ops (MXScaledOps.td). Constraint
// numbers refer to each op's description there.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"

#include <limits>

using namespace mlir;
using namespace mlir::mx;

/// True for a positive finite f32 power of two (normal or subnormal).
static bool isPowerOfTwo(const APFloat &value) {
  return !value.isNegative() &&
         value.getExactLog2Abs() != std::numeric_limits<int>::min();
}

LogicalResult ScaleOp::verify() {
  APFloat scale(0.0f);
  if (matchPattern(getScale(), m_ConstantFloat(&scale)) &&
      !isPowerOfTwo(scale)) // (C1)
    return emitOpError() << "expected a positive power-of-two scale, but got "
                         << scale.convertToFloat();
  return success();
}

LogicalResult ScaledPartsOp::fold(FoldAdaptor,
                                  SmallVectorImpl<OpFoldResult> &results) {
  auto scale = getInput().getDefiningOp<ScaleOp>();
  if (!scale)
    return failure();
  results.push_back(scale.getData());
  results.push_back(scale.getScale());
  return success();
}

LogicalResult UnscaleOp::verify() {
  ScaledTensorType input = getInput().getType();
  auto result = cast<RankedTensorType>(getResult().getType());
  if (input.getShape() != result.getShape()) // (C1)
    return emitOpError() << "expected the result shape to match the data "
                            "shape, but got "
                         << result << " for " << input;
  return success();
}

OpFoldResult UnscaleOp::fold(FoldAdaptor) {
  auto scale = getInput().getDefiningOp<ScaleOp>();
  APFloat factor(0.0f);
  if (!scale || scale.getData().getType() != getResult().getType() ||
      !matchPattern(scale.getScale(), m_ConstantFloat(&factor)) ||
      !factor.isExactlyValue(1.0))
    return {};
  return scale.getData();
}

static bool isWideFloat(Type type) {
  return type.isF32() || type.isF16() || type.isBF16();
}

LogicalResult RescaleOp::verify() {
  Type element = getInput().getType().getElementType();
  if (!isWideFloat(element)) // (C1)
    return emitOpError() << "expected f32, f16 or bf16 data, but got "
                         << element
                         << "; rescale the data before casting it to FP8";
  return success();
}

LogicalResult ScaledCastOp::verify() {
  ScaledTensorType input = getInput().getType(), result = getResult().getType();
  if (input.getShape() != result.getShape()) // (C1)
    return emitOpError() << "expected the result shape to match the input "
                            "shape, but got "
                         << result << " for " << input;
  if (!isWideFloat(input.getElementType())) // (C2)
    return emitOpError() << "expected f32, f16 or bf16 input data, but got "
                         << input.getElementType();
  if (!isa<Float8E4M3FNType, Float8E5M2Type>(result.getElementType())) // (C2)
    return emitOpError() << "expected f8E4M3FN or f8E5M2 result data, but got "
                         << result.getElementType()
                         << "; sub-byte formats need per-block scales "
                            "(mx.quantize)";
  if (getRounding() == Rounding::stochastic && !getSeed()) // (C3)
    return emitOpError()
           << "expected a 'seed' with rounding<stochastic>, but got none";
  if (getRounding() != Rounding::stochastic && getSeed()) // (C4)
    return emitOpError() << "expected no 'seed' with rounding<"
                         << stringifyRounding(getRounding())
                         << ">: only stochastic rounding draws random bits";
  return success();
}
