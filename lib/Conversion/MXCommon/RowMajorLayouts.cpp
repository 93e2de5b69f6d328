//===- RowMajorLayouts.cpp - Row-major storage around the ops that compute ===//
//
// The kernels compute on row-major codes and scales. Before the conversion,
// every mx op with a swizzled or `panels` operand or result gets it through
// an explicit mx.convert_scale_layout or mx.convert_layout, so the IR shows
// where storage is reordered; a lowering keeps the `panels` operands of the
// ops its kernels read that way (the GEMV).
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Dialect/MX/IR/MXOps.h"

using namespace mlir;
using namespace mlir::mx;

namespace {
struct RowMajorAroundCompute final : RewritePattern {
  RowMajorAroundCompute(MLIRContext *context,
                        std::function<bool(Operation *)> keepsPanels)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, context),
        keepsPanels(std::move(keepsPanels)) {}

  static bool isSwizzled(Type type) {
    auto mxType = dyn_cast<BlockTensorType>(type);
    return mxType && mxType.hasSwizzledScales();
  }
  static bool isPanels(Type type) {
    auto mxType = dyn_cast<BlockTensorType>(type);
    return mxType && mxType.hasPanels();
  }

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    // Storage ops take codes and scales as stored.
    if (!isa<MXDialect>(op->getDialect()) ||
        isa<PackOp, UnpackOp, FromStorageOp, ToStorageOp, ConvertScaleLayoutOp,
            ConvertLayoutOp>(op))
      return failure();
    const bool keepPanels = keepsPanels && keepsPanels(op);
    auto reordered = [&](Type type) {
      return isSwizzled(type) || (isPanels(type) && !keepPanels);
    };
    if (llvm::none_of(op->getOperandTypes(), reordered) &&
        llvm::none_of(op->getResultTypes(), reordered))
      return rewriter.notifyMatchFailure(op, "row-major storage already");
    Location loc = op->getLoc();
    // `value` converted to `type`, which differs from it in one layout.
    auto convert = [&](Value value, BlockTensorType type) -> Value {
      auto from = cast<BlockTensorType>(value.getType());
      if (from.getScaleLayout() != type.getScaleLayout())
        return ConvertScaleLayoutOp::create(rewriter, loc, type, value);
      return ConvertLayoutOp::create(rewriter, loc, type, value);
    };
    auto rowMajor = [](Type type) {
      return cast<BlockTensorType>(type)
          .withScaleLayout(ScaleLayout::row_major)
          .withStorageLayout(StorageLayout::row_major);
    };
    SmallVector<Value> operands;
    for (Value operand : op->getOperands())
      operands.push_back(reordered(operand.getType())
                             ? convert(operand, rowMajor(operand.getType()))
                             : operand);
    Operation *compute = rewriter.clone(*op);
    compute->setOperands(operands);
    SmallVector<Value> results;
    for (auto [result, original] :
         llvm::zip(compute->getResults(), op->getResults())) {
      if (!reordered(original.getType())) {
        results.push_back(result);
        continue;
      }
      result.setType(rowMajor(original.getType()));
      results.push_back(
          convert(result, cast<BlockTensorType>(original.getType())));
    }
    rewriter.replaceOp(op, results);
    return success();
  }

  std::function<bool(Operation *)> keepsPanels;
};
} // namespace

void mlir::mx::populateMXRowMajorLayoutPatterns(
    RewritePatternSet &patterns, std::function<bool(Operation *)> keepsPanels) {
  patterns.add<RowMajorAroundCompute>(patterns.getContext(),
                                      std::move(keepsPanels));
}
