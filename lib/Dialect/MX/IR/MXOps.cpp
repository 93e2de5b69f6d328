//===- MXOps.cpp - Operations of the mx dialect: verifiers ----------------===//
//
// Constraint numbers (C1, ...) refer to each op's description in MXOps.td.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Numerics/Hadamard.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"

#include <type_traits>

using namespace mlir;
using namespace mlir::mx;

#define GET_OP_CLASSES
#include "mx/Dialect/MX/IR/MXOps.cpp.inc"

/// "64x?x128", as shapes appear inside tensor types.
static std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(
      shape, os,
      [&](int64_t size) {
        if (ShapedType::isDynamic(size))
          os << "?";
        else
          os << size;
      },
      "x");
  return text;
}

/// "1, 0", as lists appear inside brackets.
static std::string formatList(ArrayRef<int64_t> values) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(values, os);
  return text;
}

static LogicalResult verifySameShape(Operation *op, ArrayRef<int64_t> expected,
                                     ArrayRef<int64_t> actual,
                                     StringRef actualName,
                                     StringRef expectedName) {
  if (expected == actual)
    return success();
  return op->emitOpError() << "expected the " << actualName
                           << " shape to match the " << expectedName
                           << " shape " << formatShape(expected) << ", but got "
                           << formatShape(actual);
}

/// (C9): `quotient` is an f32-scale rule, and f32 scales (FP8 tiles) are
/// computed by `quotient` or `rceil` and rounded rne, saturating, as
/// lib/Numerics/FloatScaled defines them. Given scales keep rule `floor`,
/// which (C7) checks.
template <typename RoundingOp>
static LogicalResult verifyFloatScaleRules(RoundingOp op,
                                           BlockTensorType result) {
  ScaleRule rule = op.getScaleRule();
  bool f32Scales = isa<Float32Type>(result.getScaleType());
  if (!f32Scales) {
    if (rule == ScaleRule::quotient &&
        !isa<Float8E4M3FNType>(result.getScaleType()))
      return op.emitOpError()
             << "expected scale_rule<quotient> only with f32 or f8E4M3FN "
                "scales, but the result has "
             << result.getScaleType()
             << " scales, which are powers of two: use floor, ceil, even or "
                "rceil";
    return success();
  }
  bool given = false;
  if constexpr (std::is_same_v<RoundingOp, QuantizeOp>)
    given = op.hasGivenScales();
  if (!given && rule != ScaleRule::quotient && rule != ScaleRule::rceil)
    return op.emitOpError()
           << "expected scale_rule<quotient> or scale_rule<rceil> for a result "
              "with f32 scales, but got scale_rule<"
           << stringifyScaleRule(rule) << ">";
  if (op.getRounding() != Rounding::rne)
    return op.emitOpError() << "expected rounding<rne> for a result with f32 "
                               "scales, but got rounding<"
                            << stringifyRounding(op.getRounding()) << ">";
  if (op.getSaturation() != Saturation::saturate)
    return op.emitOpError() << "expected saturation<saturate> for a result "
                               "with f32 scales, but got saturation<"
                            << stringifySaturation(op.getSaturation()) << ">";
  return success();
}

/// (C5) for f8E4M3FN scales: NVFP4 as lib/Numerics/NVFP4 defines it.
static LogicalResult verifyNVFP4Quantize(QuantizeOp op,
                                         BlockTensorType result) {
  // The type's (T7) and (T8) already give 1-D blocks of 16, one level.
  if (result.getFormat() != numerics::ElementFormat::E2M1)
    return op.emitOpError()
           << "expected f4E2M1FN elements with f8E4M3FN scales (NVFP4), but "
              "got "
           << result.getElementType();
  if (!op.getTensorScale())
    return op.emitOpError()
           << "expected a tensor_scale with f8E4M3FN scales (NVFP4): value = "
              "element * block scale * tensor scale; mx.tensor_scale "
              "computes it";
  if (!op.hasGivenScales() && op.getScaleRule() != ScaleRule::quotient)
    return op.emitOpError()
           << "expected scale_rule<quotient> for a result with f8E4M3FN "
              "scales, but got scale_rule<"
           << stringifyScaleRule(op.getScaleRule()) << ">";
  if (op.getRounding() != Rounding::rne ||
      op.getSaturation() != Saturation::saturate)
    return op.emitOpError()
           << "expected rounding<rne> and saturation<saturate> "
              "for a result with f8E4M3FN scales (NVFP4)";
  return success();
}

/// (C1)-(C5) of the ops that round into an MX tensor (quantize, cast).
template <typename RoundingOp>
static LogicalResult verifyRoundingOp(RoundingOp op) {
  BlockTensorType result = op.getResult().getType();
  if (failed(verifySameShape(op, op.getInput().getType().getShape(),
                             result.getShape(), "result", "input"))) // (C1)
    return failure();
  Rounding rounding = op.getRounding();
  std::optional<uint64_t> seed = op.getSeed();
  Saturation saturation = op.getSaturation();
  // (C5): the type's (T6) leaves E8M0, f32 and E4M3 scales.
  if (isa<Float8E4M3FNType>(result.getScaleType())) {
    if constexpr (!std::is_same_v<RoundingOp, QuantizeOp>)
      return op.emitOpError()
             << "expected a result without f8E4M3FN scales: NVFP4 needs a "
                "tensor scale, which mx.cast does not take; dequantize the "
                "input and quantize the values with mx.quantize tensor_scale";
    else if (failed(verifyNVFP4Quantize(op, result)))
      return failure();
  }
  if (failed(verifyFloatScaleRules(op, result))) // (C9)
    return failure();
  if (rounding == Rounding::stochastic && !seed) // (C2)
    return op.emitOpError()
           << "expected a 'seed' with rounding<stochastic>, but got none";
  if (rounding != Rounding::stochastic && seed) // (C3)
    return op.emitOpError()
           << "expected no 'seed' with rounding<" << stringifyRounding(rounding)
           << ">: only stochastic rounding draws random bits";
  if (saturation == Saturation::nonfinite && !result.isTwoLevel()) { // (C4)
    const auto &info = ::mlir::mx::numerics::getFormatInfo(result.getFormat());
    if (!info.hasInf && !info.hasNaN)
      return op.emitOpError()
             << "expected an FP8 element type (f8E4M3FN or f8E5M2) with "
                "saturation<nonfinite>, but got "
             << result.getElementType() << ", which has no Inf or NaN";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizeOp / DequantizeOp / CastOp
//===----------------------------------------------------------------------===//

/// "mx.cast", "mx.pack", ... cannot take two-level tensors (yet or by
/// nature); `why` says what to use instead.
static LogicalResult verifyOneLevel(Operation *op, Type type, StringRef what,
                                    StringRef why) {
  auto mx = dyn_cast<BlockTensorType>(type);
  if (!mx || !mx.isTwoLevel())
    return success();
  return op->emitOpError() << "expected " << what
                           << " in a one-level format, but got the two-level "
                           << mx << ": " << why;
}

LogicalResult QuantizeOp::verify() {
  if (failed(verifyRoundingOp(*this)))
    return failure();
  BlockTensorType type = getResult().getType();
  if (type.isTwoLevel()) { // (C8)
    if (hasGivenScales())
      return emitOpError() << "expected no given scales for a two-level "
                              "result: its exponents and microexponents come "
                              "from the data";
    if (getScaleRule() != ScaleRule::floor)
      return emitOpError()
             << "expected no scale_rule for a two-level result (its shared "
                "exponent is floor(log2 amax)), but got scale_rule<"
             << stringifyScaleRule(getScaleRule()) << ">";
    if (getRounding() == Rounding::stochastic)
      return emitOpError() << "expected rounding<rne> or rounding<rtz> for a "
                              "two-level result, but got rounding<stochastic>";
    if (getSaturation() != Saturation::saturate)
      return emitOpError() << "expected saturation<saturate> for a two-level "
                              "result, whose elements have no Inf or NaN";
  }
  if (getTensorScale() && !isa<Float8E4M3FNType>(type.getScaleType())) // (C10)
    return emitOpError() << "expected a tensor_scale only with f8E4M3FN "
                            "scales (NVFP4), but the result has "
                         << type.getScaleType() << " scales";
  if (!hasGivenScales())
    return success();
  BlockTensorType result = getResult().getType();
  auto scales = cast<RankedTensorType>(getScales().getType());
  if (scales.getElementType() != result.getScaleType()) // (C6)
    return emitOpError() << "expected scales of type " << result.getScaleType()
                         << ", but got " << scales.getElementType();
  if (failed(verifySameShape(*this, result.getScaleShape(), scales.getShape(),
                             "scales", "block grid"))) // (C6)
    return failure();
  if (getScaleRule() != ScaleRule::floor) // (C7)
    return emitOpError() << "expected no scale_rule with given scales, but got "
                            "scale_rule<"
                         << stringifyScaleRule(getScaleRule()) << ">";
  return success();
}

LogicalResult DequantizeOp::verify() {
  if (failed(verifySameShape(*this, getInput().getType().getShape(),
                             getResult().getType().getShape(), "result",
                             "input"))) // (C1)
    return failure();
  Type scaleType = getInput().getType().getScaleType();
  if (getTensorScale() && !isa<Float8E4M3FNType>(scaleType)) // (C2)
    return emitOpError() << "expected a tensor_scale only with f8E4M3FN "
                            "scales (NVFP4), but the input has "
                         << scaleType << " scales";
  return success();
}

LogicalResult CastOp::verify() {
  if (failed(verifyRoundingOp(*this)))
    return failure();
  constexpr StringRef why = "dequantize it and quantize the result";
  if (failed(verifyOneLevel(*this, getInput().getType(), "the input",
                            why))) // (C6)
    return failure();
  return verifyOneLevel(*this, getResult().getType(), "the result",
                        why); // (C6)
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::verify() {
  auto lhsMX = dyn_cast<BlockTensorType>(getLhs().getType());
  auto rhsMX = dyn_cast<BlockTensorType>(getRhs().getType());
  if (!lhsMX && !rhsMX) // (C7)
    return emitOpError() << "expected at least one MX operand; a product of "
                            "two f32 tensors is linalg.matmul";
  ArrayRef<int64_t> lhsShape = getOperandShape(getLhs().getType()),
                     rhsShape = getOperandShape(getRhs().getType());
  if (lhsShape.size() != 2 || rhsShape.size() != 2) // (C1)
    return emitOpError() << "expected rank-2 operands (M x K and K x N), but "
                            "got ranks "
                         << lhsShape.size() << " and " << rhsShape.size();
  if (lhsMX && lhsMX.getBlockShape()[1] == 1) // (C2)
    return emitOpError() << "expected the lhs to be blocked along K (its "
                            "dimension 1), but got block ["
                         << lhsMX.getBlockShape()[0] << ", 1]";
  if (rhsMX && rhsMX.getBlockShape()[0] == 1) // (C3)
    return emitOpError() << "expected the rhs to be blocked along K (its "
                            "dimension 0), but got block [1, "
                         << rhsMX.getBlockShape()[1] << "]";
  if (lhsMX && rhsMX &&
      lhsMX.getBlockShape()[1] != rhsMX.getBlockShape()[0]) // (C4)
    return emitOpError() << "expected lhs and rhs to use the same block size "
                            "along K, but got "
                         << lhsMX.getBlockShape()[1] << " and "
                         << rhsMX.getBlockShape()[0];
  int64_t lhsK = lhsShape[1], rhsK = rhsShape[0];
  if (!ShapedType::isDynamic(lhsK) && !ShapedType::isDynamic(rhsK) &&
      lhsK != rhsK) // (C5)
    return emitOpError() << "expected the K dimensions to agree, but got "
                         << lhsK << " (lhs) and " << rhsK << " (rhs)";
  auto result = cast<RankedTensorType>(getResult().getType());
  if (!result.getElementType().isF32()) // (C6)
    return emitOpError() << "expected an f32 result, but got element type "
                         << result.getElementType();
  return verifySameShape(*this, {lhsShape[0], rhsShape[1]}, result.getShape(),
                         "result", "M x N");
}

ArrayRef<int64_t> mlir::mx::getOperandShape(Type type) {
  if (auto mx = dyn_cast<BlockTensorType>(type))
    return mx.getShape();
  return cast<RankedTensorType>(type).getShape();
}

int64_t MatmulOp::getBlockSizeK() {
  if (auto lhs = dyn_cast<BlockTensorType>(getLhs().getType()))
    return lhs.getBlockShape()[1];
  return cast<BlockTensorType>(getRhs().getType()).getBlockShape()[0];
}

//===----------------------------------------------------------------------===//
// PackOp / UnpackOp
//===----------------------------------------------------------------------===//

/// (C1)-(C4): `elements` and `scales` are the two halves of `tensor`.
static LogicalResult verifyHalves(Operation *op, BlockTensorType tensor,
                                  RankedTensorType elements,
                                  RankedTensorType scales) {
  if (failed(verifySameShape(op, tensor.getElementStorageType().getShape(),
                             elements.getShape(), "element tensor",
                             tensor.hasPanels()
                                 ? "panels of the block-scaled tensor"
                                 : "block-scaled tensor"))) // (C1)
    return failure();
  if (elements.getElementType() != tensor.getElementType()) // (C2)
    return op->emitOpError()
           << "expected the element tensor to have element type "
           << tensor.getElementType() << ", but got "
           << elements.getElementType();
  if (scales.getElementType() != tensor.getScaleType()) // (C3)
    return op->emitOpError()
           << "expected the scale tensor to have element type "
           << tensor.getScaleType() << ", but got " << scales.getElementType();
  return verifySameShape(op, tensor.getScaleStorageType().getShape(),
                         scales.getShape(), "scale tensor",
                         tensor.hasSwizzledScales() ? "swizzled scale storage"
                         : tensor.hasPanels()       ? "panels of the block grid"
                                                    : "block grid"); // (C4)
}

/// (C5) of mx.pack and mx.unpack.
static constexpr StringRef kTwoLevelHalves =
    "it is stored as one tensor of packed blocks, not elements and scales";

LogicalResult PackOp::verify() {
  if (failed(verifyOneLevel(*this, getType(), "the result",
                            kTwoLevelHalves))) // (C5)
    return failure();
  return verifyHalves(*this, getResult().getType(), getElements().getType(),
                      getScales().getType());
}

LogicalResult UnpackOp::verify() {
  if (failed(verifyOneLevel(*this, getInput().getType(), "the input",
                            kTwoLevelHalves))) // (C5)
    return failure();
  return verifyHalves(*this, getInput().getType(), getElements().getType(),
                      getScales().getType());
}

//===----------------------------------------------------------------------===//
// FromStorageOp / ToStorageOp
//===----------------------------------------------------------------------===//

/// (C2): `storage` is the packed storage of the two-level `tensor`.
static LogicalResult verifyStorage(Operation *op, BlockTensorType tensor,
                                   RankedTensorType storage) {
  RankedTensorType expected = tensor.getTwoLevelStorageType();
  if (storage != expected) // (C2)
    return op->emitOpError()
           << "expected the storage of " << tensor << " to be " << expected
           << ", but got " << storage;
  return success();
}

/// (C1)-(C3) of mx.from_storage: `storage` (its operands, or mx.to_storage's
/// results) is the storage of `tensor`.
static LogicalResult verifyStorageParts(Operation *op, BlockTensorType tensor,
                                        TypeRange storage) {
  size_t expected = tensor.isTwoLevel() ? 1 : 2;
  if (storage.size() != expected) // (C1)
    return op->emitOpError()
           << "expected " << expected << " storage tensor"
           << (expected == 1 ? "" : "s") << " for " << tensor
           << (tensor.isTwoLevel() ? " (its packed storage)"
                                   : " (its element codes and its scales)")
           << ", but got " << storage.size();
  if (tensor.isTwoLevel()) // (C2)
    return verifyStorage(op, tensor, cast<RankedTensorType>(storage[0]));
  RankedTensorType codes = tensor.getCodeStorageType(); // (C3)
  RankedTensorType scales = tensor.getScaleStorageType();
  if (storage[0] != codes || storage[1] != scales)
    return op->emitOpError()
           << "expected the storage of " << tensor << " to be " << codes
           << " and " << scales << ", but got " << storage[0] << " and "
           << storage[1];
  return success();
}

LogicalResult FromStorageOp::verify() {
  return verifyStorageParts(*this, getType(), getStorage().getTypes());
}

LogicalResult ToStorageOp::verify() {
  return verifyStorageParts(*this, getInput().getType(),
                            getStorage().getTypes());
}

//===----------------------------------------------------------------------===//
// ConvertScaleLayoutOp
//===----------------------------------------------------------------------===//

LogicalResult ConvertScaleLayoutOp::verify() {
  BlockTensorType input = getInput().getType(), result = getResult().getType();
  if (input.withScaleLayout(result.getScaleLayout()) != result) // (C1)
    return emitOpError() << "expected the result to be the input type with "
                            "another scale layout, but got "
                         << input << " -> " << result;
  return success();
}

//===----------------------------------------------------------------------===//
// ConvertLayoutOp
//===----------------------------------------------------------------------===//

LogicalResult ConvertLayoutOp::verify() {
  BlockTensorType input = getInput().getType(), result = getResult().getType();
  if (input.withStorageLayout(result.getStorageLayout()) != result) // (C1)
    return emitOpError() << "expected the result to be the input type with "
                            "another layout, but got "
                         << input << " -> " << result;
  return success();
}

//===----------------------------------------------------------------------===//
// LdexpOp
//===----------------------------------------------------------------------===//

LogicalResult LdexpOp::verify() {
  Type scaleType = getInput().getType().getScaleType();
  if (!isa<Float8E8M0FNUType>(scaleType)) // (C1)
    return emitOpError() << "expected an input with f8E8M0FNU scales, but got "
                         << scaleType
                         << " scales, which a power-of-two shift would round";
  return verifyOneLevel(*this, getInput().getType(), "the input",
                        "dequantize it and use math.ldexp"); // (C2)
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::verify() {
  BlockTensorType input = getInput().getType(), result = getResult().getType();
  if (failed(verifyOneLevel(*this, input, "the input",
                            "dequantize it and transpose the values"))) // (C4)
    return failure();
  ArrayRef<int64_t> permutation = getPermutation();
  SmallVector<bool> seen(input.getRank(), false);
  bool valid = int64_t(permutation.size()) == input.getRank();
  for (int64_t dim : permutation) {
    valid = valid && dim >= 0 && dim < input.getRank() && !seen[dim];
    if (valid)
      seen[dim] = true;
  }
  if (!valid) // (C1)
    return emitOpError() << "expected a permutation of the " << input.getRank()
                         << " dimensions, but got ["
                         << formatList(permutation) << "]";
  SmallVector<int64_t> shape, block;
  for (int64_t dim : permutation) {
    shape.push_back(input.getShape()[dim]);
    block.push_back(input.getBlockShape()[dim]);
  }
  if (failed(verifySameShape(*this, shape, result.getShape(), "result",
                             "permuted input"))) // (C2)
    return failure();
  if (ArrayRef<int64_t>(block) != result.getBlockShape()) // (C2)
    return emitOpError() << "expected the result block to be the permuted "
                            "input block ["
                         << formatList(block) << "], but got ["
                         << formatList(result.getBlockShape()) << "]";
  if (input.getElementType() != result.getElementType() ||
      input.getScaleType() != result.getScaleType()) // (C3)
    return emitOpError() << "expected the result to have the input's element "
                            "and scale types ("
                         << input.getElementType() << ", "
                         << input.getScaleType() << "), but got "
                         << result.getElementType() << ", "
                         << result.getScaleType();
  return success();
}

//===----------------------------------------------------------------------===//
// HadamardOp
//===----------------------------------------------------------------------===//

LogicalResult HadamardOp::verify() {
  auto type = cast<RankedTensorType>(getInput().getType());
  int64_t axis = getAxis();
  if (axis < 0 || axis >= type.getRank()) // (C1)
    return emitOpError() << "expected an axis in [0, " << type.getRank()
                         << "), but got " << axis;
  int64_t extent = type.getDimSize(axis);
  if (!ShapedType::isDynamic(extent) &&
      extent % numerics::kHadamardBlock != 0) // (C2)
    return emitOpError() << "expected the extent along axis " << axis
                         << " to be a multiple of " << numerics::kHadamardBlock
                         << " (whole blocks), but got " << extent;
  return success();
}
