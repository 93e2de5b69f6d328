//===- InsertScaleComputation.cpp - Explicit block scales for mx.quantize -===//
//
// mx.quantize %x  ->  block amax (pad, expand_shape, reduce) -> scale rule on
// amax's f32 bits -> mx.quantize %x scales(%s). f32 tile scales follow
// lib/Numerics/FloatScaled the same way, NVFP4's E4M3 block scales (under
// the quantize's tensor scale) lib/Numerics/NVFP4. The rule arithmetic follows
// docs/Numerics.md (and lib/Numerics/Scale.cpp) operation for operation, in
// integer ops only, so it vectorizes and is exact.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"
#include "mx/Dialect/MX/Utils/BlockedLayout.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Dialect/MX/Utils/FloatScaleCodes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXINSERTSCALECOMPUTATIONPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

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

/// tensor<grid x scale type> of the scales `rule` derives from `amax`: E8M0
/// powers of two, f32 tile scales, or NVFP4's E4M3 block scales under
/// `tensorScale`.
static Value buildScales(OpBuilder &b, Location loc, Value amax,
                         BlockTensorType type, ScaleRule rule,
                         Value tensorScale) {
  auto amaxType = cast<RankedTensorType>(amax.getType());
  Type scaleType = type.getScaleType();
  Value init = tensor::EmptyOp::create(b, loc, amaxType.getShape(), scaleType);
  AffineMap identity = b.getMultiDimIdentityMap(amaxType.getRank());
  SmallVector<utils::IteratorType> iterators(amaxType.getRank(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{amax}, ValueRange{init},
             SmallVector<AffineMap>{identity, identity}, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value scale =
                   tensorScale
                       ? buildNVFP4BlockScale(nb, nl, args[0], tensorScale)
                   : isa<Float32Type>(scaleType)
                       ? buildFloatScaleFromAmax(nb, nl, args[0],
                                                 type.getFormat(),
                                                 toFloatScaleRule(rule))
                       : buildScaleFromAmax(nb, nl, args[0], type.getFormat(),
                                            toNumerics(rule));
               linalg::YieldOp::create(nb, nl, scale);
             })
      .getResult(0);
}

namespace {

struct InsertScaleComputation final : OpRewritePattern<QuantizeOp> {
  InsertScaleComputation(MLIRContext *context,
                         std::function<bool(QuantizeOp)> keep)
      : OpRewritePattern(context), keep(std::move(keep)) {}

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (op.hasGivenScales())
      return rewriter.notifyMatchFailure(op, "scales are already given");
    if (op.getType().isTwoLevel())
      return rewriter.notifyMatchFailure(
          op, "two-level exponents are computed with their elements");
    if (keep && keep(op))
      return rewriter.notifyMatchFailure(op, "a fused kernel computes them");
    BlockTensorType type = op.getType();
    if (!op.getInput().getType().hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes are not handled");
    Location loc = op.getLoc();
    Value amax = buildBlockAmax(rewriter, loc, op.getInput(), type);
    Value scales = buildScales(rewriter, loc, amax, type, op.getScaleRule(),
                               op.getTensorScale());
    rewriter.replaceOpWithNewOp<QuantizeOp>(
        op, type, op.getInput(), scales, op.getTensorScale(), ScaleRule::floor,
        op.getRounding(), op.getSeedAttr(), op.getSaturation());
    return success();
  }

private:
  std::function<bool(QuantizeOp)> keep;
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
    RewritePatternSet &patterns, std::function<bool(QuantizeOp)> keep) {
  patterns.add<InsertScaleComputation>(patterns.getContext(), std::move(keep));
}
