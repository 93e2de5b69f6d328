//===- ScaledToLinalg.cpp - !mx.scaled ops to linalg and arith ------------===//
//
// A scaled tensor converts to its data tensor and an f32 scale. The data
// work is linalg.generic with the exact element arithmetic of ElementCodes;
// the scale work is scalar arith on the scale's f32 bits (powers of two).
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MXCommon/ElementwiseLowering.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"

#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

/// Scalar i32 and f32 helpers for the scale arithmetic.
struct ScaleMath {
  OpBuilder &b;
  Location loc;

  Value i32(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
  }
  Value f32(float v) {
    return arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(v));
  }
  Value bits(Value f) {
    return arith::BitcastOp::create(b, loc, b.getI32Type(), f);
  }
  /// The biased exponent field of an f32.
  Value field(Value f) {
    return arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, bits(f), i32(23)), i32(0xFF));
  }
  Value clamp(Value v, Value lo, Value hi) {
    return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, v, lo),
                                  hi);
  }
  /// floor(log2 s) of a positive finite power of two, subnormals included.
  Value exponentOf(Value s) {
    Value isSubnormal = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                              field(s), i32(0));
    // Subnormal scales times 2^64 are normal, exactly.
    Value normalized = arith::SelectOp::create(
        b, loc, isSubnormal, arith::MulFOp::create(b, loc, s, f32(0x1p64f)), s);
    Value bias =
        arith::SelectOp::create(b, loc, isSubnormal, i32(127 + 64), i32(127));
    return arith::SubIOp::create(b, loc, field(normalized), bias);
  }
};

} // namespace

static Value toF32(OpBuilder &b, Location loc, Value v) {
  Type type = v.getType();
  if (type.isF32())
    return v;
  if (isa<Float8E4M3FNType, Float8E5M2Type>(type))
    return buildExtendFP8(b, loc, v, b.getF32Type());
  return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
}

static Value fromF32(OpBuilder &b, Location loc, Value v, Type to) {
  return to.isF32() ? v : arith::TruncFOp::create(b, loc, to, v).getResult();
}

/// data * factor (f32 scalar) elementwise, in f32, rounded to `to`.
static Value scaleData(OpBuilder &b, Location loc, Value data, Value factor,
                       Type to) {
  return buildElementwise(
      b, loc, data, to, [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value x = toF32(nb, nl, args[0]);
        return fromF32(nb, nl, arith::MulFOp::create(nb, nl, x, factor), to);
      });
}

namespace {

struct ScaleLowering final : OpConversionPattern<ScaleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ScaleOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithMultiple(
        op, {{adaptor.getData().front(), adaptor.getScale().front()}});
    return success();
  }
};

struct ScaledPartsLowering final : OpConversionPattern<ScaledPartsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ScaledPartsOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

struct UnscaleLowering final : OpConversionPattern<UnscaleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(UnscaleOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type to = op.getType().getElementType();
    rewriter.replaceOp(op,
                       scaleData(rewriter, op.getLoc(), adaptor.getInput()[0],
                                 adaptor.getInput()[1], to));
    return success();
  }
};

} // namespace

/// The norm of `data` (f32 scalar): max |x|, sum |x| / n or
/// sqrt(sum x^2 / n), accumulated in f32.
static Value buildNorm(OpBuilder &b, Location loc, Value data,
                       RescaleNorm norm) {
  auto type = cast<RankedTensorType>(data.getType());
  Value value = buildReduceAll(
      b, loc, data,
      [&](OpBuilder &nb, Location nl, Value element, Value acc) -> Value {
        Value x = toF32(nb, nl, element);
        switch (norm) {
        case RescaleNorm::max: // NaN-propagating
          return arith::MaximumFOp::create(nb, nl, acc,
                                           math::AbsFOp::create(nb, nl, x));
        case RescaleNorm::l1:
          return arith::AddFOp::create(nb, nl, acc,
                                       math::AbsFOp::create(nb, nl, x));
        case RescaleNorm::l2:
          return arith::AddFOp::create(nb, nl, acc,
                                       arith::MulFOp::create(nb, nl, x, x));
        }
        llvm_unreachable("unknown norm");
      });
  if (norm == RescaleNorm::max)
    return value;
  Value count = arith::ConstantFloatOp::create(
      b, loc, b.getF32Type(), APFloat(float(type.getNumElements())));
  Value mean = arith::DivFOp::create(b, loc, value, count);
  return norm == RescaleNorm::l2 ? math::SqrtOp::create(b, loc, mean) : mean;
}

namespace {

struct RescaleLowering final : OpConversionPattern<RescaleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RescaleOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getInput()[0], scale = adaptor.getInput()[1];
    ScaleMath m{rewriter, loc};
    Value norm = buildNorm(rewriter, loc, data, op.getNorm());
    // k = floor(log2 norm), at least -14 (Scalify's epsilon); 0 for a NaN or
    // infinite norm.
    Value field = m.field(norm);
    Value k = arith::MaxSIOp::create(
        rewriter, loc, arith::SubIOp::create(rewriter, loc, field, m.i32(127)),
        m.i32(-14));
    Value finite = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::ne, field, m.i32(0xFF));
    k = arith::SelectOp::create(rewriter, loc, finite, k, m.i32(0));
    // The new scale stays normal and both factors are normal powers of two.
    Value e = m.exponentOf(scale);
    k = m.clamp(k, arith::SubIOp::create(rewriter, loc, m.i32(-126), e),
                arith::SubIOp::create(rewriter, loc, m.i32(127), e));
    k = m.clamp(k, m.i32(-126), m.i32(126));
    Value newScale = arith::MulFOp::create(rewriter, loc, scale,
                                           buildPowerOfTwo(rewriter, loc, k));
    Value factor = buildPowerOfTwo(
        rewriter, loc, arith::SubIOp::create(rewriter, loc, m.i32(0), k));
    Type element = op.getType().getElementType();
    rewriter.replaceOpWithMultiple(
        op, {{scaleData(rewriter, loc, data, factor, element), newScale}});
    return success();
  }
};

struct ScaledCastLowering final : OpConversionPattern<ScaledCastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ScaledCastOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto fp8 = cast<FloatType>(op.getType().getElementType());
    ArrayRef<int64_t> shape = op.getType().getShape();
    num::Rounding rounding = toNumerics(op.getRounding());
    num::Saturation saturation = toNumerics(op.getSaturation());
    uint64_t seed = op.getSeed().value_or(0);
    Value data = buildElementwise(
        rewriter, op.getLoc(), adaptor.getInput()[0], fp8,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value bits = arith::ConstantIntOp::create(b, l, b.getI32Type(), 0);
          if (rounding == num::Rounding::Stochastic) {
            // The row-major linear index of the element is Philox's counter.
            Value linear = arith::ConstantIndexOp::create(b, l, 0);
            for (auto [dim, size] : llvm::enumerate(shape)) {
              Value index = linalg::IndexOp::create(b, l, dim);
              linear = arith::AddIOp::create(
                  b, l,
                  arith::MulIOp::create(
                      b, l, linear, arith::ConstantIndexOp::create(b, l, size)),
                  index);
            }
            bits = buildStochasticBits(
                b, l, arith::IndexCastOp::create(b, l, b.getI64Type(), linear),
                seed);
          }
          return buildRoundToFP8(b, l, args[0], fp8, rounding, saturation,
                                 bits);
        });
    rewriter.replaceOpWithMultiple(op, {{data, adaptor.getInput()[1]}});
    return success();
  }
};

} // namespace

void mlir::mx::populateMXScaledToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ScaleLowering, ScaledPartsLowering, UnscaleLowering,
               RescaleLowering, ScaledCastLowering>(converter,
                                                    patterns.getContext());
}
