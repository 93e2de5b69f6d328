//===- InsertScaleComputation.cpp - Explicit block scales for mx.quantize -===//
//
// mx.quantize %x  ->  block amax (pad, expand_shape, reduce) -> scale rule on
// amax's f32 bits -> mx.quantize %x scales(%s). The rule arithmetic follows
// docs/Numerics.md (and lib/Numerics/Scale.cpp) operation for operation, in
// integer ops only, so it vectorizes and is exact.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"
#include "mx/Dialect/MX/Utils/BlockedLayout.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cstring>

namespace mlir::mx {
#define GEN_PASS_DEF_MXINSERTSCALECOMPUTATIONPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

/// Emits scalar i32 arithmetic; every helper is one arith op.
struct IntBuilder {
  OpBuilder &b;
  Location loc;
  Type i32 = b.getI32Type();

  Value constant(int64_t value) {
    return arith::ConstantIntOp::create(b, loc, i32, value);
  }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value andMask(Value x, int64_t mask) {
    return arith::AndIOp::create(b, loc, x, constant(mask));
  }
  Value shiftRight(Value x, int64_t amount) {
    return arith::ShRUIOp::create(b, loc, x, constant(amount));
  }
  Value compare(arith::CmpIPredicate predicate, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, predicate, x, y);
  }
  Value select(Value condition, Value x, Value y) {
    return arith::SelectOp::create(b, loc, condition, x, y);
  }
  Value zext(Value flag) { return arith::ExtUIOp::create(b, loc, i32, flag); }
};

/// The bits of a float as an i32, at compile time.
static uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

/// The E8M0 scale that `rule` derives from `amax` (a non-negative f32 or NaN),
/// as an f8E8M0FNU value.
static Value buildScaleFromAmax(OpBuilder &builder, Location loc, Value amax,
                                const num::FormatInfo &info, ScaleRule rule) {
  IntBuilder ib{builder, loc};
  using P = arith::CmpIPredicate;
  Value bits = arith::BitcastOp::create(builder, loc, ib.i32, amax);
  Value field = ib.andMask(ib.shiftRight(bits, 23), 0xFF);
  Value isSpecial = ib.compare(P::eq, field, ib.constant(0xFF)); // NaN or Inf
  Value isZero =
      ib.compare(P::eq, ib.andMask(bits, 0x7FFFFFFF), ib.constant(0));
  Value isSubnormal = ib.compare(P::eq, field, ib.constant(0));

  // amax * 2^64 is exact and normal for a subnormal amax: read its exponent
  // and mantissa there, then take the 64 back.
  Value twoPow64 = arith::ConstantFloatOp::create(
      builder, loc, builder.getF32Type(), APFloat(std::ldexp(1.0f, 64)));
  Value normalizedBits = arith::BitcastOp::create(
      builder, loc, ib.i32,
      arith::MulFOp::create(builder, loc, amax, twoPow64));
  Value exponent =
      ib.select(isSubnormal,
                ib.sub(ib.andMask(ib.shiftRight(normalizedBits, 23), 0xFF),
                       ib.constant(127 + 64)),
                ib.sub(field, ib.constant(127)));
  Value mantissa = ib.select(isSubnormal, ib.andMask(normalizedBits, 0x7FFFFF),
                             ib.andMask(bits, 0x7FFFFF));
  // An all-zero block is scaled as if amax were 2^-126.
  exponent = ib.select(isZero, ib.constant(-126), exponent);
  mantissa = ib.select(isZero, ib.constant(0), mantissa);

  Value scaleExponent;
  switch (rule) {
  case ScaleRule::floor:
    scaleExponent = exponent;
    break;
  case ScaleRule::ceil:
    scaleExponent =
        ib.add(exponent, ib.zext(ib.compare(P::ne, mantissa, ib.constant(0))));
    break;
  case ScaleRule::even: {
    // Round the significand to the element's mantissa width, ties away: a
    // carry out of the 23 mantissa bits moves amax into the next binade.
    Value half = ib.constant(int64_t(1) << (22 - info.mantissaBits));
    scaleExponent = ib.add(exponent, ib.shiftRight(ib.add(mantissa, half), 23));
    break;
  }
  case ScaleRule::rceil: {
    // ceil(log2(amax / max)): compare significands instead of dividing.
    uint32_t maxBits = bitsOf(float(info.maxNormal));
    int64_t maxExponent = int64_t(maxBits >> 23) - 127;
    Value above = ib.compare(P::ugt, mantissa, ib.constant(maxBits & 0x7FFFFF));
    scaleExponent =
        ib.add(ib.sub(exponent, ib.constant(maxExponent)), ib.zext(above));
    break;
  }
  }
  if (rule != ScaleRule::rceil)
    scaleExponent = ib.sub(scaleExponent, ib.constant(info.emax));
  scaleExponent = arith::MaxSIOp::create(builder, loc, scaleExponent,
                                         ib.constant(num::kMinScaleExponent));
  scaleExponent = arith::MinSIOp::create(builder, loc, scaleExponent,
                                         ib.constant(num::kMaxScaleExponent));
  Value code = ib.select(isSpecial, ib.constant(num::kE8M0NaN),
                         ib.add(scaleExponent, ib.constant(num::kE8M0Bias)));
  Value code8 =
      arith::TruncIOp::create(builder, loc, builder.getI8Type(), code);
  return arith::BitcastOp::create(
      builder, loc, Float8E8M0FNUType::get(builder.getContext()), code8);
}

/// tensor<grid x f32> of block abs-maxima of `input` (any float type).
static Value buildBlockAmax(OpBuilder &b, Location loc, Value input,
                            BlockTensorType type) {
  auto elementType =
      cast<FloatType>(cast<RankedTensorType>(input.getType()).getElementType());
  Type f32 = b.getF32Type();

  // Zeros fill partial blocks to whole ones without changing any amax.
  BlockedLayout layout(type);
  Value blocks = layout.toBlocked(b, loc, input, b.getZeroAttr(elementType));

  // Reduce the block dimensions (odd positions) into the grid.
  Value zero = arith::ConstantFloatOp::create(b, loc, cast<FloatType>(f32),
                                              APFloat(0.0f));
  Value init = tensor::EmptyOp::create(b, loc, type.getScaleShape(), f32);
  Value filled =
      linalg::FillOp::create(b, loc, ValueRange{zero}, ValueRange{init})
          .getResult(0);
  SmallVector<utils::IteratorType> iterators = layout.parallelIterators();
  for (unsigned d = 1; d < iterators.size(); d += 2)
    iterators[d] = utils::IteratorType::reduction;
  SmallVector<AffineMap> maps = {layout.elementMap(b.getContext()),
                                 layout.gridMap(b.getContext())};
  return linalg::GenericOp::create(
             b, loc, filled.getType(), ValueRange{blocks}, ValueRange{filled},
             maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value value = args[0];
               if (elementType != f32) // f16/bf16 -> f32 is exact
                 value = arith::ExtFOp::create(nb, nl, f32, value);
               // |v| as max(v, -v): maximumf orders -0 below +0 and
               // propagates NaN, so a NaN anywhere makes the amax NaN.
               Value magnitude = arith::MaximumFOp::create(
                   nb, nl, value, arith::NegFOp::create(nb, nl, value));
               Value amax =
                   arith::MaximumFOp::create(nb, nl, args[1], magnitude);
               linalg::YieldOp::create(nb, nl, amax);
             })
      .getResult(0);
}

/// tensor<grid x f8E8M0FNU> of the scales `rule` derives from `amax`.
static Value buildScales(OpBuilder &b, Location loc, Value amax,
                         BlockTensorType type, ScaleRule rule) {
  auto amaxType = cast<RankedTensorType>(amax.getType());
  Type scaleType = type.getScaleType();
  Value init = tensor::EmptyOp::create(b, loc, amaxType.getShape(), scaleType);
  AffineMap identity = b.getMultiDimIdentityMap(amaxType.getRank());
  SmallVector<utils::IteratorType> iterators(amaxType.getRank(),
                                             utils::IteratorType::parallel);
  const num::FormatInfo &info = num::getFormatInfo(type.getFormat());
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{amax}, ValueRange{init},
             SmallVector<AffineMap>{identity, identity}, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(
                   nb, nl, buildScaleFromAmax(nb, nl, args[0], info, rule));
             })
      .getResult(0);
}

struct InsertScaleComputation final : OpRewritePattern<QuantizeOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (op.hasGivenScales())
      return rewriter.notifyMatchFailure(op, "scales are already given");
    BlockTensorType type = op.getType();
    if (!op.getInput().getType().hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes are not handled");
    Location loc = op.getLoc();
    Value amax = buildBlockAmax(rewriter, loc, op.getInput(), type);
    Value scales = buildScales(rewriter, loc, amax, type, op.getScaleRule());
    rewriter.replaceOpWithNewOp<QuantizeOp>(
        op, type, op.getInput(), scales, ScaleRule::floor, op.getRounding(),
        op.getSeedAttr(), op.getSaturation());
    return success();
  }
};

struct MXInsertScaleComputationPass final
    : mlir::mx::impl::MXInsertScaleComputationPassBase<
          MXInsertScaleComputationPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMXInsertScaleComputationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // A quantize left with computed scales is one the patterns cannot handle.
    WalkResult result = getOperation()->walk([](QuantizeOp op) {
      if (op.hasGivenScales())
        return WalkResult::advance();
      op.emitOpError() << "has a dynamically shaped input "
                       << op.getInput().getType()
                       << ", for which -mx-insert-scale-computation cannot "
                          "make the scale computation explicit yet";
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void mlir::mx::populateMXInsertScaleComputationPatterns(
    RewritePatternSet &patterns) {
  patterns.add<InsertScaleComputation>(patterns.getContext());
}
