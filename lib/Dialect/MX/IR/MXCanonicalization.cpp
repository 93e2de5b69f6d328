//===- MXCanonicalization.cpp - Folds and canonicalization patterns -------===//
//
// Only rewrites that are exact on every input: quantize/dequantize are lossy,
// so a pair folds only where re-quantizing provably reproduces the encoding.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Numerics/BlockQuantize.h"
#include "mx/Numerics/FloatScaled.h"
#include "mx/Numerics/Hadamard.h"
#include "mx/Numerics/NVFP4.h"
#include "mx/Numerics/ScaleLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::mx;

/// numerics::isRequantizationIdempotent says which rules and roundings, and
/// why.
static bool isIdempotent(ScaleRule rule, Rounding rounding) {
  return numerics::isRequantizationIdempotent(toNumerics(rule),
                                              toNumerics(rounding));
}

bool mlir::mx::reproducesEncoding(Value q, ScaleRule rule, Rounding rounding) {
  // Re-quantizing f32 tile scales need not reproduce them (a quotient scale
  // is rounded; a tiny power of two leaves subnormal products rounded).
  if (!isa<Float8E8M0FNUType>(
          cast<BlockTensorType>(q.getType()).getScaleType()) ||
      !isIdempotent(rule, rounding))
    return false;
  while (auto transpose = q.getDefiningOp<TransposeOp>())
    q = transpose.getInput();
  // Under floor every rounding leaves a block's largest code in the top
  // binade, where re-quantizing finds the same scale; under even only rne
  // does (an rtz or stochastic largest element can fall below it). Without
  // saturation an element past the largest code became NaN or Inf, which
  // re-quantizing spreads to its whole block.
  auto madeUnder = [&](auto producer) {
    return producer.getScaleRule() == rule &&
           (rule == ScaleRule::floor || producer.getRounding() == rounding) &&
           producer.getSaturation() == Saturation::saturate;
  };
  if (auto quantize = q.getDefiningOp<QuantizeOp>())
    return !quantize.hasGivenScales() && madeUnder(quantize);
  if (auto cast = q.getDefiningOp<CastOp>())
    return madeUnder(cast);
  return false;
}

//===----------------------------------------------------------------------===//
// QuantizeOp / CastOp
//===----------------------------------------------------------------------===//

OpFoldResult QuantizeOp::fold(FoldAdaptor) {
  // quantize(dequantize(q) : f32) -> q, for the same encoding. A dequantize
  // to f16/bf16 may have rounded, so only f32 qualifies.
  auto dequantize = getInput().getDefiningOp<DequantizeOp>();
  if (hasGivenScales() || !dequantize ||
      !dequantize.getType().getElementType().isF32() ||
      dequantize.getInput().getType() != getType() ||
      !reproducesEncoding(dequantize.getInput(), getScaleRule(), getRounding()))
    return {};
  return dequantize.getInput();
}

/// Every element and one-byte scale type stores one byte per value in a
/// dense attribute, so byte vectors are their raw buffers.
static ArrayRef<char> raw(const std::vector<uint8_t> &bytes) {
  return ArrayRef<char>(reinterpret_cast<const char *>(bytes.data()),
                        bytes.size());
}

/// The codes of a constant of one-byte scales (E8M0 or E4M3).
static std::vector<uint8_t> scaleCodes(DenseElementsAttr scales) {
  std::vector<uint8_t> codes;
  for (APFloat scale : scales.getValues<APFloat>())
    codes.push_back(scale.bitcastToAPInt().getZExtValue());
  return codes;
}

namespace {
/// quantize(constant) -> pack(constant codes, constant scales), computed by
/// lib/Numerics: the weights of a model become MX constants at compile time.
struct FoldQuantizeOfConstant final : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    BlockTensorType type = op.getType();
    DenseElementsAttr input, givenScales;
    if (!type.hasStaticShape() || !matchPattern(op.getInput(), m_Constant(&input)))
      return rewriter.notifyMatchFailure(op, "the input is not a constant");
    if (op.hasGivenScales() &&
        !matchPattern(op.getScales(), m_Constant(&givenScales)))
      return rewriter.notifyMatchFailure(op, "the given scales are not constant");

    // Widening f16/bf16 to f32 is exact: the kernels quantize the same values.
    std::vector<float> values;
    values.reserve(input.getNumElements());
    if (input.getElementType().isF32()) { // weights: read as they are stored
      auto floats = input.getValues<float>();
      values.assign(floats.begin(), floats.end());
    } else {
      for (APFloat value : input.getValues<APFloat>()) {
        bool losesInfo;
        value.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                      &losesInfo);
        values.push_back(value.convertToFloat());
      }
    }
    std::vector<int64_t> shape(type.getShape()), block(type.getBlockShape());
    Location loc = op.getLoc();
    if (type.isTwoLevel()) { // its packed blocks, a constant of bytes
      std::vector<uint8_t> bytes = numerics::packSharedMicroexponent(
          numerics::quantizeSharedMicroexponent(
              values.data(), shape, type.getBlockedAxis(),
              type.getTwoLevelFormat(), toNumerics(op.getRounding())));
      Value storage = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::getFromRawBuffer(type.getTwoLevelStorageType(),
                                              raw(bytes)));
      rewriter.replaceOpWithNewOp<FromStorageOp>(op, type, storage);
      return success();
    }
    if (isa<Float8E4M3FNType>(type.getScaleType())) {
      // NVFP4: lib/Numerics/NVFP4 with the constant tensor scale.
      FloatAttr tensorScale;
      if (op.hasGivenScales() ||
          !matchPattern(op.getTensorScale(), m_Constant(&tensorScale)))
        return rewriter.notifyMatchFailure(
            op, "NVFP4 folds with computed block scales and a constant "
                "tensor scale");
      float scale = tensorScale.getValue().convertToFloat();
      if (!std::isfinite(scale) || !(scale > 0.0f))
        return rewriter.notifyMatchFailure(
            op, "the tensor scale is not positive and finite");
      numerics::NVFP4Tensor quantized = numerics::quantizeNVFP4(
          values.data(), shape, type.getBlockedAxis(), scale);
      replaceWithPack(rewriter, op, quantized.codes,
                      DenseElementsAttr::getFromRawBuffer(
                          type.getScalesType(), raw(quantized.blockScales)));
      return success();
    }
    if (isa<Float32Type>(type.getScaleType())) {
      // FP8 tiles with f32 scales: lib/Numerics/FloatScaled, on a matrix
      // (a vector is one row).
      if (op.hasGivenScales() || type.getRank() > 2)
        return rewriter.notifyMatchFailure(
            op, "f32 tile scales fold when computed, for rank 1 or 2");
      int64_t rows = type.getRank() == 2 ? shape[0] : 1;
      int64_t tileRows = type.getRank() == 2 ? block[0] : 1;
      numerics::FloatScaledTensor quantized = numerics::quantizeFloatScaled(
          values.data(), rows, shape.back(), tileRows, block.back(),
          type.getFormat(), toFloatScaleRule(op.getScaleRule()));
      replaceWithPack(
          rewriter, op, quantized.codes,
          DenseElementsAttr::get(type.getScalesType(),
                                 ArrayRef<float>(quantized.scales)));
      return success();
    }
    numerics::QuantizeOptions options;
    options.scaleRule = toNumerics(op.getScaleRule());
    options.rounding = toNumerics(op.getRounding());
    options.saturation = toNumerics(op.getSaturation());
    options.seed = op.getSeed().value_or(0);
    numerics::BlockTensor quantized;
    if (givenScales) {
      quantized = numerics::quantizeWithScales(
          values.data(), shape, block, type.getFormat(),
          scaleCodes(givenScales), options);
    } else {
      quantized = numerics::quantize(values.data(), shape, block,
                                     type.getFormat(), options);
    }

    replaceWithPack(rewriter, op, quantized.codes,
                    DenseElementsAttr::getFromRawBuffer(type.getScalesType(),
                                                        raw(quantized.scales)));
    return success();
  }

private:
  /// op -> mx.pack(constant codes, constant scales).
  static void replaceWithPack(PatternRewriter &rewriter, QuantizeOp op,
                              const std::vector<uint8_t> &codes,
                              DenseElementsAttr scales) {
    Location loc = op.getLoc();
    Value elements = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::getFromRawBuffer(op.getType().getElementsType(),
                                            raw(codes)));
    Value scaleValues = arith::ConstantOp::create(rewriter, loc, scales);
    BlockTensorType type = op.getType();
    if (!type.hasSwizzledScales() && !type.hasPanels()) {
      rewriter.replaceOpWithNewOp<PackOp>(op, type, elements, scaleValues);
      return;
    }
    // Swizzled or panels: the row-major pack, converted (which folds to the
    // pack of the reordered constants).
    Value rowMajor =
        PackOp::create(rewriter, loc,
                       type.withScaleLayout(ScaleLayout::row_major)
                           .withStorageLayout(StorageLayout::row_major),
                       elements, scaleValues);
    if (type.hasPanels())
      rewriter.replaceOpWithNewOp<ConvertLayoutOp>(op, type, rowMajor);
    else
      rewriter.replaceOpWithNewOp<ConvertScaleLayoutOp>(op, type, rowMajor);
  }
};
} // namespace

void QuantizeOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                             MLIRContext *context) {
  results.add<FoldQuantizeOfConstant>(context);
}

//===----------------------------------------------------------------------===//
// TensorScaleOp
//===----------------------------------------------------------------------===//

OpFoldResult TensorScaleOp::fold(FoldAdaptor adaptor) {
  auto input = dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput());
  if (!input)
    return {};
  // Widening f16/bf16 to f32 is exact, as in the lowering.
  std::vector<float> values;
  values.reserve(input.getNumElements());
  for (APFloat value : input.getValues<APFloat>()) {
    bool losesInfo;
    value.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
    values.push_back(value.convertToFloat());
  }
  float scale = numerics::computeNVFP4TensorScale(
      values.data(), static_cast<int64_t>(values.size()));
  return FloatAttr::get(Float32Type::get(getContext()), scale);
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType() &&
      reproducesEncoding(getInput(), getScaleRule(), getRounding()))
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// FromStorageOp / ToStorageOp
//===----------------------------------------------------------------------===//

OpFoldResult FromStorageOp::fold(FoldAdaptor) {
  // Every part the storage of one tensor, in order.
  if (getStorage().empty())
    return {};
  auto toStorage = getStorage()[0].getDefiningOp<ToStorageOp>();
  if (!toStorage || toStorage.getInput().getType() != getType() ||
      ValueRange(toStorage.getStorage()) != ValueRange(getStorage()))
    return {};
  return toStorage.getInput();
}

LogicalResult ToStorageOp::fold(FoldAdaptor,
                                SmallVectorImpl<OpFoldResult> &results) {
  auto fromStorage = getInput().getDefiningOp<FromStorageOp>();
  if (!fromStorage)
    return failure();
  for (Value part : fromStorage.getStorage())
    results.push_back(part);
  return success();
}

//===----------------------------------------------------------------------===//
// PackOp / UnpackOp
//===----------------------------------------------------------------------===//

OpFoldResult PackOp::fold(FoldAdaptor) {
  // pack(unpack(q)) -> q
  auto unpack = getElements().getDefiningOp<UnpackOp>();
  if (unpack && getElements() == unpack.getElements() &&
      getScales() == unpack.getScales() &&
      unpack.getInput().getType() == getType())
    return unpack.getInput();
  return {};
}

LogicalResult UnpackOp::fold(FoldAdaptor,
                             SmallVectorImpl<OpFoldResult> &results) {
  // unpack(pack(e, s)) -> e, s
  auto pack = getInput().getDefiningOp<PackOp>();
  if (!pack)
    return failure();
  results.push_back(pack.getElements());
  results.push_back(pack.getScales());
  return success();
}

namespace {
/// The scales of unpack(quantize %x scales(%s)) are %s: the quantize only
/// rounds elements against them.
struct ForwardGivenScales final : OpRewritePattern<UnpackOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(UnpackOp op,
                                PatternRewriter &rewriter) const override {
    auto quantize = op.getInput().getDefiningOp<QuantizeOp>();
    if (!quantize || !quantize.hasGivenScales())
      return rewriter.notifyMatchFailure(op, "input is not a quantize with "
                                             "given scales");
    if (quantize.getType().hasSwizzledScales() ||
        quantize.getType().hasPanels())
      return rewriter.notifyMatchFailure(op, "the unpacked scales are stored "
                                             "reordered, the given ones not");
    if (op.getScales().use_empty())
      return rewriter.notifyMatchFailure(op, "scales are unused");
    rewriter.replaceAllUsesWith(op.getScales(), quantize.getScales());
    return success();
  }
};
} // namespace

void UnpackOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<ForwardGivenScales>(context);
}

//===----------------------------------------------------------------------===//
// ConvertScaleLayoutOp
//===----------------------------------------------------------------------===//

/// A layout conversion to its input's own layout, or back to where a
/// conversion of the same kind started, folds to that value.
template <typename ConvertOp>
static OpFoldResult foldLayoutRoundTrip(ConvertOp op) {
  if (op.getInput().getType() == op.getType())
    return op.getInput();
  auto previous = op.getInput().template getDefiningOp<ConvertOp>();
  if (previous && previous.getInput().getType() == op.getType())
    return previous.getInput();
  return {};
}

OpFoldResult ConvertScaleLayoutOp::fold(FoldAdaptor) {
  return foldLayoutRoundTrip(*this);
}

namespace {
/// convert_scale_layout(pack(%e, constant)) -> pack(%e, the constant in
/// the result's layout), computed by lib/Numerics/ScaleLayout.
struct ConvertPackedConstantScales final
    : OpRewritePattern<ConvertScaleLayoutOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(ConvertScaleLayoutOp op,
                                PatternRewriter &rewriter) const override {
    auto pack = op.getInput().getDefiningOp<PackOp>();
    DenseElementsAttr scales;
    if (!pack || !matchPattern(pack.getScales(), m_Constant(&scales)))
      return rewriter.notifyMatchFailure(op, "not a pack of constant scales");
    BlockTensorType from = op.getInput().getType(), to = op.getType();
    std::vector<uint8_t> bytes = scaleCodes(scales);
    auto [rows, columns] = from.getScaleMatrixShape();
    // The layout's matrix is (unblocked, blocked); blocks along the first
    // axis store the block grid transposed.
    bool transposed = from.getBlockedAxis() == 0;
    auto transpose = [&](const std::vector<uint8_t> &matrix, int64_t r,
                         int64_t c) {
      std::vector<uint8_t> result(matrix.size());
      for (int64_t i = 0; i < r; ++i)
        for (int64_t j = 0; j < c; ++j)
          result[j * r + i] = matrix[i * c + j];
      return result;
    };
    std::vector<uint8_t> converted;
    if (to.hasSwizzledScales()) {
      converted = numerics::swizzleScales(
          transposed ? transpose(bytes, columns, rows) : bytes, rows, columns);
    } else {
      converted = numerics::unswizzleScales(bytes, rows, columns);
      if (transposed)
        converted = transpose(converted, rows, columns);
    }
    Value constant = arith::ConstantOp::create(
        rewriter, op.getLoc(),
        DenseElementsAttr::getFromRawBuffer(to.getScaleStorageType(),
                                            raw(converted)));
    rewriter.replaceOpWithNewOp<PackOp>(op, to, pack.getElements(), constant);
    return success();
  }
};
} // namespace

void ConvertScaleLayoutOp::getCanonicalizationPatterns(
    RewritePatternSet &results, MLIRContext *context) {
  results.add<ConvertPackedConstantScales>(context);
}

//===----------------------------------------------------------------------===//
// ConvertLayoutOp
//===----------------------------------------------------------------------===//

OpFoldResult ConvertLayoutOp::fold(FoldAdaptor) {
  return foldLayoutRoundTrip(*this);
}

/// `values` (a rows x N matrix, row-major, or its panels [N/256, rows, 256])
/// reordered into `type` (the other of the two).
static DenseElementsAttr reorderPanels(DenseElementsAttr values,
                                       RankedTensorType type, bool toPanels) {
  if (values.isSplat())
    return values.reshape(type);
  ArrayRef<char> from = values.getRawData();
  const int64_t width =
      llvm::divideCeil(values.getElementType().getIntOrFloatBitWidth(), 8);
  const int64_t count = values.getNumElements(),
                columns = toPanels ? values.getType().getShape()[1]
                                   : type.getShape()[1],
                rows = count / columns, panelBytes = kPanelColumns * width;
  std::vector<char> to(from.size());
  for (int64_t panel = 0; panel < columns / kPanelColumns; ++panel)
    for (int64_t row = 0; row < rows; ++row) {
      const int64_t matrixAt = (row * columns + panel * kPanelColumns) * width,
                    panelAt = (panel * rows + row) * panelBytes;
      std::memcpy(&to[toPanels ? panelAt : matrixAt],
                  &from[toPanels ? matrixAt : panelAt], panelBytes);
    }
  return DenseElementsAttr::getFromRawBuffer(type, to);
}

namespace {
/// convert_layout(pack(constant, constant)) -> pack of the constants in the
/// result's layout: constant weights are reordered at compile time.
struct ConvertPackedConstants final : OpRewritePattern<ConvertLayoutOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(ConvertLayoutOp op,
                                PatternRewriter &rewriter) const override {
    auto pack = op.getInput().getDefiningOp<PackOp>();
    DenseElementsAttr elements, scales;
    if (!pack || !matchPattern(pack.getElements(), m_Constant(&elements)) ||
        !matchPattern(pack.getScales(), m_Constant(&scales)))
      return rewriter.notifyMatchFailure(op, "not a pack of constants");
    BlockTensorType to = op.getType();
    const bool toPanels = to.hasPanels();
    Location loc = op.getLoc();
    Value newElements = arith::ConstantOp::create(
        rewriter, loc,
        reorderPanels(elements, to.getElementStorageType(), toPanels));
    Value newScales = arith::ConstantOp::create(
        rewriter, loc,
        reorderPanels(scales, to.getScaleStorageType(), toPanels));
    rewriter.replaceOpWithNewOp<PackOp>(op, to, newElements, newScales);
    return success();
  }
};
} // namespace

void ConvertLayoutOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                                  MLIRContext *context) {
  results.add<ConvertPackedConstants>(context);
}

//===----------------------------------------------------------------------===//
// LdexpOp
//===----------------------------------------------------------------------===//

OpFoldResult LdexpOp::fold(FoldAdaptor) {
  int32_t exponent = getExponent();
  if (exponent == 0)
    return getInput();
  // ldexp(ldexp(q, a), b) -> ldexp(q, a + b) when a and b have the same sign:
  // then the first shift leaves the range only if the sum does. A shift of
  // 255 or more already moves every scale out of range, so the sum
  // saturates there instead of overflowing int32.
  auto inner = getInput().getDefiningOp<LdexpOp>();
  if (!inner)
    return {};
  int32_t innerExponent = inner.getExponent();
  if ((innerExponent > 0) != (exponent > 0) || innerExponent == 0)
    return {};
  constexpr int64_t kOutOfAnyRange = 255;
  int64_t sum = std::clamp<int64_t>(int64_t(exponent) + innerExponent,
                                    -kOutOfAnyRange, kOutOfAnyRange);
  getInputMutable().assign(inner.getInput());
  setExponent(int32_t(sum));
  return getResult();
}

//===----------------------------------------------------------------------===//
// HadamardOp
//===----------------------------------------------------------------------===//

LogicalResult HadamardOp::canonicalize(HadamardOp op,
                                       PatternRewriter &rewriter) {
  // A constant transforms at compile time, by the library the lowerings
  // are checked against bit for bit.
  DenseElementsAttr input;
  auto type = cast<RankedTensorType>(op.getType());
  if (!type.hasStaticShape() ||
      !matchPattern(op.getInput(), m_Constant(&input)))
    return failure();
  std::vector<float> values;
  values.reserve(input.getNumElements());
  for (float value : input.getValues<float>())
    values.push_back(value);
  numerics::randomHadamard(values.data(), std::vector<int64_t>(type.getShape()),
                           op.getAxis(), static_cast<uint64_t>(op.getSeed()),
                           op.getInverse());
  rewriter.replaceOpWithNewOp<arith::ConstantOp>(
      op, DenseElementsAttr::get(type, ArrayRef<float>(values)));
  return success();
}
