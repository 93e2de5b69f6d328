//===- ExpandCasts.cpp - mx.cast -> mx.dequantize + mx.quantize -----------===//

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXEXPANDCASTSPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

namespace {

/// Writes out mx.cast's definition: dequantize to f32, then quantize with the
/// cast's scale rule, rounding, seed and saturation.
struct ExpandCast final : OpRewritePattern<CastOp> {
  using Base::Base;

  LogicalResult matchAndRewrite(CastOp op,
                                PatternRewriter &rewriter) const override {
    BlockTensorType source = op.getInput().getType();
    auto f32Type =
        RankedTensorType::get(source.getShape(), rewriter.getF32Type());
    Value values =
        DequantizeOp::create(rewriter, op.getLoc(), f32Type, op.getInput());
    rewriter.replaceOpWithNewOp<QuantizeOp>(
        op, op.getType(), values, /*scales=*/Value(), /*tensor_scale=*/Value(),
        op.getScaleRuleAttr(), op.getRoundingAttr(), op.getSeedAttr(),
        op.getSaturationAttr());
    return success();
  }
};

struct MXExpandCastsPass final
    : mlir::mx::impl::MXExpandCastsPassBase<MXExpandCastsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMXExpandCastsPatterns(patterns);
    // Folding could turn a same-type cast back into its input before it is
    // expanded; this pass only expands, -canonicalize folds.
    GreedyRewriteConfig config;
    config.enableFolding(false);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      signalPassFailure();
  }
};

} // namespace

void mlir::mx::populateMXExpandCastsPatterns(RewritePatternSet &patterns) {
  patterns.add<ExpandCast>(patterns.getContext());
}
