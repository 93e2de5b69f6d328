//===- QuantizeToLinalg.cpp - Element-wise mx ops to linalg ---------------===//
//
// mx.quantize (given scales), mx.dequantize, mx.pack, mx.unpack, mx.ldexp on
// the converted (codes, scales) pairs; mx.from_storage and mx.to_storage on
// a two-level tensor's packed blocks.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MXCommon/ElementwiseLowering.h"
#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Dialect/MX/Utils/FloatScaleCodes.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"
#include "mx/Numerics/Scale.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

static LogicalResult requireStaticShape(ConversionPatternRewriter &rewriter,
                                        Operation *op, BlockTensorType type) {
  if (!type.hasStaticShape())
    return rewriter.notifyMatchFailure(op, "dynamic shapes are not lowered");
  return success();
}

namespace {

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

struct QuantizeLowering final : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QuantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!op.hasGivenScales())
      return rewriter.notifyMatchFailure(
          op, "scales are computed: run the scale-computation rewrite first");
    BlockTensorType type = op.getType();
    if (failed(requireStaticShape(rewriter, op, type)))
      return failure();
    Location loc = op.getLoc();
    Value scales = adaptor.getScales().front();
    num::ElementFormat format = type.getFormat();
    if (!isa<Float8E8M0FNUType>(type.getScaleType())) {
      // One rounding of a double quotient: NVFP4 under its tensor scale
      // (E4M3 block scales), or FP8 tiles (f32 scales).
      Value tensorScale = optionalOperand(adaptor.getTensorScale());
      Value codes = buildQuantizedCodes(
          rewriter, loc, type, adaptor.getInput().front(), scales,
          [&](OpBuilder &b, Location l, const BlockedLayout &, Value value,
              Value scale) -> Value {
            if (!value.getType().isF32()) // f16/bf16 -> f32 is exact
              value = arith::ExtFOp::create(b, l, b.getF32Type(), value);
            Value code =
                tensorScale
                    ? buildEncodeNVFP4(
                          b, l, value,
                          buildExtendFP8(b, l, scale, b.getF32Type()),
                          tensorScale)
                    : buildEncodeFloatScaled(b, l, value, scale, format);
            return arith::TruncIOp::create(b, l, b.getI8Type(), code);
          });
      rewriter.replaceOpWithMultiple(op, {{codes, scales}});
      return success();
    }
    EncodeOptions options{format, toNumerics(op.getRounding()),
                          toNumerics(op.getSaturation())};
    bool stochastic = op.getRounding() == Rounding::stochastic;
    uint64_t seed = op.getSeed().value_or(0);
    Value codes = buildQuantizedCodes(
        rewriter, loc, type, adaptor.getInput().front(), scales,
        [&](OpBuilder &b, Location l, const BlockedLayout &layout, Value value,
            Value scaleElement) -> Value {
          if (!value.getType().isF32()) // f16/bf16 -> f32 is exact
            value = arith::ExtFOp::create(b, l, b.getF32Type(), value);
          Value random =
              stochastic
                  ? buildStochasticBits(b, l, layout.linearIndex(b, l), seed)
                  : arith::ConstantIntOp::create(b, l, b.getI32Type(), 0);
          Value code = buildEncodeElement(
              b, l, value, buildScaleCode(b, l, scaleElement), random, options);
          return arith::TruncIOp::create(b, l, b.getI8Type(), code);
        });
    rewriter.replaceOpWithMultiple(op, {{codes, scales}});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

struct DequantizeLowering final : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DequantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    BlockTensorType type = op.getInput().getType();
    if (type.isTwoLevel())
      return rewriter.notifyMatchFailure(op, "a two-level input");
    if (failed(requireStaticShape(rewriter, op, type)))
      return failure();
    auto resultElementType = cast<FloatType>(op.getType().getElementType());
    num::ElementFormat format = type.getFormat();
    Type scaleType = type.getScaleType();
    Value tensorScale = optionalOperand(adaptor.getTensorScale());
    Value values = buildDequantizedValues(
        rewriter, op.getLoc(), type, adaptor.getInput()[0],
        adaptor.getInput()[1], resultElementType,
        [&](OpBuilder &b, Location l, Value code, Value scaleElement) -> Value {
          code = arith::ExtUIOp::create(b, l, b.getI32Type(), code);
          if (isa<Float32Type>(scaleType)) // an f32 product, rounded once
            return buildDecodeFloatScaled(b, l, code, scaleElement, format,
                                          resultElementType);
          if (tensorScale) // NVFP4: one rounding of the triple product
            return buildDecodeNVFP4(
                b, l, code, buildExtendFP8(b, l, scaleElement, b.getF32Type()),
                tensorScale, resultElementType);
          Value value;
          if (isa<Float8E4M3FNType>(scaleType)) {
            // An E4M3 scale times an element is exact in f32 (at most
            // 4 + 7 significant bits, far inside its range); NaN stays NaN.
            value = arith::MulFOp::create(
                b, l, buildDecodeUnitElement(b, l, code, format),
                buildExtendFP8(b, l, scaleElement, b.getF32Type()));
          } else {
            value = buildDecodeElement(
                b, l, code, buildScaleCode(b, l, scaleElement), format);
          }
          if (!resultElementType.isF32()) // one rounding, to nearest even
            value = arith::TruncFOp::create(b, l, resultElementType, value);
          return value;
        });
    rewriter.replaceOp(op, values);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// PackOp / UnpackOp
//===----------------------------------------------------------------------===//

} // namespace

/// Element tensor (builtin narrow type) -> i8 codes, or back.
static Value convertElements(OpBuilder &b, Location loc, Value elements,
                             Type toElementType) {
  Type from = cast<RankedTensorType>(elements.getType()).getElementType();
  if (from == toElementType)
    return elements;
  return buildElementwise(
      b, loc, elements, toElementType,
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value v = args[0];
        unsigned fromWidth = from.getIntOrFloatBitWidth();
        unsigned toWidth = toElementType.getIntOrFloatBitWidth();
        if (isa<FloatType>(from)) { // narrow float -> i8 codes
          v = arith::BitcastOp::create(nb, nl, nb.getIntegerType(fromWidth), v);
          if (fromWidth < toWidth)
            v = arith::ExtUIOp::create(nb, nl, toElementType, v);
          return v;
        }
        // i8 codes -> narrow float: keep the low bits.
        if (toWidth < fromWidth)
          v = arith::TruncIOp::create(nb, nl, nb.getIntegerType(toWidth), v);
        return arith::BitcastOp::create(nb, nl, toElementType, v);
      });
}

namespace {

struct PackLowering final : OpConversionPattern<PackOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PackOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShape(rewriter, op, op.getType())))
      return failure();
    DenseElementsAttr constant;
    if (matchPattern(adaptor.getElements().front(), m_Constant(&constant))) {
      // Compile-time weights: the packed storage is itself a constant.
      Value storage = arith::ConstantOp::create(
          rewriter, op.getLoc(), packConstantCodes(constant, op.getType()));
      rewriter.replaceOpWithMultiple(op,
                                     {{storage, adaptor.getScales().front()}});
      return success();
    }
    Value codes =
        convertElements(rewriter, op.getLoc(), adaptor.getElements().front(),
                        rewriter.getI8Type());
    rewriter.replaceOpWithMultiple(
        op, {{packCodes(rewriter, op.getLoc(), codes, op.getType()),
              adaptor.getScales().front()}});
    return success();
  }
};

struct UnpackLowering final : OpConversionPattern<UnpackOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(UnpackOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    BlockTensorType type = op.getInput().getType();
    if (failed(requireStaticShape(rewriter, op, type)))
      return failure();
    Value codes =
        unpackCodes(rewriter, op.getLoc(), adaptor.getInput()[0], type);
    Value elements =
        convertElements(rewriter, op.getLoc(), codes, type.getElementType());
    rewriter.replaceOp(op, ValueRange{elements, adaptor.getInput()[1]});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// FromStorageOp / ToStorageOp: the converted value is the storage itself.
//===----------------------------------------------------------------------===//

struct FromStorageLowering final : OpConversionPattern<FromStorageOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(FromStorageOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SmallVector<Value> storage;
    for (ValueRange converted : adaptor.getStorage())
      storage.push_back(converted.front());
    rewriter.replaceOpWithMultiple(op, {storage});
    return success();
  }
};

struct ToStorageLowering final : OpConversionPattern<ToStorageOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ToStorageOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// LdexpOp
//===----------------------------------------------------------------------===//

struct LdexpLowering final : OpConversionPattern<LdexpOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(LdexpOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (failed(requireStaticShape(rewriter, op, op.getType())))
      return failure();
    Value scales = adaptor.getInput()[1];
    int64_t shift = op.getExponent();
    Type scaleType = op.getType().getScaleType();
    Value shifted = buildElementwise(
        rewriter, op.getLoc(), scales, scaleType,
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          auto c = [&](int64_t v) {
            return arith::ConstantIntOp::create(b, l, b.getI32Type(), v);
          };
          Value code = buildScaleCode(b, l, args[0]);
          Value moved = arith::AddIOp::create(b, l, code, c(shift));
          // Out of [2^-127, 2^127] (codes 0..254), or NaN already: NaN.
          Value outOfRange = arith::OrIOp::create(
              b, l,
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, moved,
                                    c(0)),
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::sgt, moved,
                                    c(num::kE8M0NaN - 1)));
          Value isNaN = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                              code, c(num::kE8M0NaN));
          Value result = arith::SelectOp::create(
              b, l, arith::OrIOp::create(b, l, outOfRange, isNaN),
              c(num::kE8M0NaN), moved);
          Value byte = arith::TruncIOp::create(b, l, b.getI8Type(), result);
          return arith::BitcastOp::create(b, l, scaleType, byte);
        });
    rewriter.replaceOpWithMultiple(op, {{adaptor.getInput()[0], shifted}});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

} // namespace

Value mlir::mx::buildTensorTranspose(OpBuilder &b, Location loc, Value input,
                                     ArrayRef<int64_t> permutation) {
  auto type = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape;
  for (int64_t dim : permutation)
    shape.push_back(type.getShape()[dim]);
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(b, loc, input, init, permutation)
      .getResult()
      .front();
}

namespace {

/// Codes (one per element, unpacked from FP4's two per byte) and scales
/// move as they are: no element is decoded.
struct TransposeLowering final : OpConversionPattern<TransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TransposeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    BlockTensorType input = op.getInput().getType();
    if (failed(requireStaticShape(rewriter, op, input)))
      return failure();
    ArrayRef<int64_t> permutation = op.getPermutation();
    Value codes = unpackCodes(rewriter, loc, adaptor.getInput()[0], input);
    Value moved = packCodes(
        rewriter, loc, buildTensorTranspose(rewriter, loc, codes, permutation),
        op.getType());
    Value scales =
        buildTensorTranspose(rewriter, loc, adaptor.getInput()[1], permutation);
    rewriter.replaceOpWithMultiple(op, {{moved, scales}});
    return success();
  }
};

} // namespace

void mlir::mx::populateMXElementToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<QuantizeLowering, DequantizeLowering>(converter,
                                                     patterns.getContext());
  populateMXTwoLevelToLinalgConversionPatterns(converter, patterns);
}

void mlir::mx::populateMXStructuralToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<PackLowering, UnpackLowering, FromStorageLowering,
               ToStorageLowering, LdexpLowering, TransposeLowering>(
      converter, patterns.getContext());
}
