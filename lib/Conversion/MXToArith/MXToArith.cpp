//===- MXToArith.cpp - mx quantize/dequantize to arith.scaling_* ----------===//
//
// The interop lowering: element conversion by upstream's own MX ops, so that
// another MLIR compiler's lowering of arith.scaling_truncf/extf decides the
// code. MX saturation is made explicit (scaling_truncf does not saturate):
// values are clamped to +-max * scale first. Where upstream's expansion of
// these ops is wrong (docs/Numerics.md, "Upstream pitfalls"), this lowering
// inherits it; test/Integration/CPU/mx-to-arith-differences.mlir shows where.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MXToArith/MXToArith.h"
#include "mx/Conversion/MXCommon/ElementwiseLowering.h"
#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Conversion/Passes.h"
#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir::mx {
#define GEN_PASS_DEF_CONVERTMXTOARITHPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

/// The integer type as wide as an element type (i4, i6, i8).
static Type codeType(Type elementType) {
  return IntegerType::get(elementType.getContext(),
                          elementType.getIntOrFloatBitWidth());
}

namespace {

struct QuantizeToScalingTruncF final : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QuantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    BlockTensorType type = op.getType();
    if (!op.hasGivenScales() || !type.hasStaticShape() ||
        op.getRounding() != Rounding::rne ||
        isa<IntegerType>(type.getElementType()))
      return rewriter.notifyMatchFailure(op,
                                         "not expressible with scaling_truncf");
    Location loc = op.getLoc();
    Value input = adaptor.getInput().front(),
          scales = adaptor.getScales().front();
    Type inputElement =
        cast<RankedTensorType>(input.getType()).getElementType();
    Type element = type.getElementType();
    bool saturate = op.getSaturation() == Saturation::saturate;
    double max = num::getFormatInfo(type.getFormat()).maxNormal;

    Value codes = buildQuantizedCodes(
        rewriter, loc, type, input, scales,
        [&](OpBuilder &b, Location l, const BlockedLayout &, Value value,
            Value scale) -> Value {
          if (saturate) {
            // Clamp to +-max * scale so the conversion saturates as MX asks.
            Value scaleValue = arith::ExtFOp::create(b, l, inputElement, scale);
            Value maxElement = arith::ConstantOp::create(
                b, l, b.getFloatAttr(inputElement, max));
            Value limit = arith::MulFOp::create(b, l, maxElement, scaleValue);
            value = arith::MinimumFOp::create(b, l, value, limit);
            value = arith::MaximumFOp::create(
                b, l, value, arith::NegFOp::create(b, l, limit));
          }
          Value narrow =
              arith::ScalingTruncFOp::create(b, l, element, value, scale,
                                             /*roundingmode=*/nullptr,
                                             /*fastmath=*/nullptr);
          Value bits =
              arith::BitcastOp::create(b, l, codeType(element), narrow);
          if (element.getIntOrFloatBitWidth() < 8)
            bits = arith::ExtUIOp::create(b, l, b.getI8Type(), bits);
          // A NaN scale's block has zero codes.
          Value scaleBits =
              arith::BitcastOp::create(b, l, b.getI8Type(), scale);
          Value isNaN = arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::eq, scaleBits,
              arith::ConstantIntOp::create(b, l, b.getI8Type(), -1));
          return arith::SelectOp::create(
              b, l, isNaN, arith::ConstantIntOp::create(b, l, b.getI8Type(), 0),
              bits);
        });
    rewriter.replaceOpWithMultiple(op, {{codes, scales}});
    return success();
  }
};

struct DequantizeToScalingExtF final : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DequantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    BlockTensorType type = op.getInput().getType();
    if (!type.hasStaticShape() || isa<IntegerType>(type.getElementType()) ||
        !isa<Float8E8M0FNUType>(type.getScaleType()))
      return rewriter.notifyMatchFailure(op,
                                         "not expressible with scaling_extf");
    Type element = type.getElementType();
    Type resultElement = op.getType().getElementType();
    Value values = buildDequantizedValues(
        rewriter, op.getLoc(), type, adaptor.getInput()[0],
        adaptor.getInput()[1], resultElement,
        [&](OpBuilder &b, Location l, Value code, Value scale) -> Value {
          if (element.getIntOrFloatBitWidth() < 8)
            code = arith::TruncIOp::create(b, l, codeType(element), code);
          Value narrow = arith::BitcastOp::create(b, l, element, code);
          return arith::ScalingExtFOp::create(b, l, resultElement, narrow,
                                              scale,
                                              /*fastmath=*/nullptr);
        });
    rewriter.replaceOp(op, values);
    return success();
  }
};

struct ConvertMXToArithPass final
    : mlir::mx::impl::ConvertMXToArithPassBase<ConvertMXToArithPass> {
  void runOnOperation() override {
    // What upstream's ops cannot express is an error naming the op, not a
    // silent fallback to the exact lowering.
    WalkResult unsupported = getOperation()->walk([](Operation *op) {
      if (auto quantize = dyn_cast<QuantizeOp>(op)) {
        if (quantize.getRounding() != Rounding::rne) {
          quantize.emitOpError()
              << "has rounding<" << stringifyRounding(quantize.getRounding())
              << ">, but arith.scaling_truncf rounds to nearest even only; use "
                 "-convert-mx-to-linalg";
          return WalkResult::interrupt();
        }
      }
      Type element, scale;
      if (auto quantize = dyn_cast<QuantizeOp>(op)) {
        element = quantize.getType().getElementType();
        scale = quantize.getType().getScaleType();
      } else if (auto dequantize = dyn_cast<DequantizeOp>(op)) {
        element = dequantize.getInput().getType().getElementType();
        scale = dequantize.getInput().getType().getScaleType();
      } else if (auto cast = dyn_cast<CastOp>(op)) {
        element = cast.getType().getElementType();
        scale = cast.getType().getScaleType();
      }
      if (scale && !isa<Float8E8M0FNUType>(scale)) {
        op->emitOpError() << "has " << scale
                          << " scales; the arith lowering expresses E8M0 "
                             "scales only; use -convert-mx-to-linalg";
        return WalkResult::interrupt();
      }
      if (isa_and_nonnull<SharedMicroexponentType>(element)) {
        op->emitOpError() << "has two-level (" << element
                          << ") elements, which arith.scaling_truncf and "
                             "scaling_extf do not express; use "
                             "-convert-mx-to-linalg";
        return WalkResult::interrupt();
      }
      if (isa_and_nonnull<IntegerType>(element)) {
        op->emitOpError() << "has MXINT8 elements, which arith.scaling_truncf "
                             "and scaling_extf do not express; use "
                             "-convert-mx-to-linalg";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (unsupported.wasInterrupted())
      return signalPassFailure();
    MXTensorLowering lowering;
    lowering.populate = populateMXElementToArithConversionPatterns;
    if (failed(applyMXTensorConversion(getOperation(), lowering)))
      signalPassFailure();
  }
};

} // namespace

void mlir::mx::populateMXElementToArithConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<QuantizeToScalingTruncF, DequantizeToScalingExtF>(
      converter, patterns.getContext());
}
