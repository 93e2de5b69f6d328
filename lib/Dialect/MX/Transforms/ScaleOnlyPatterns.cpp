//===- ScaleOnlyPatterns.cpp - Scale-only rewrites of MX tensors ----------===//
//
// The MX half of scale propagation (-mx-propagate-scales applies these
// first): rewrites that move or keep block scales instead of re-quantizing.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"
#include "mx/Dialect/MX/Utils/Contraction.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <limits>

using namespace mlir;
using namespace mlir::mx;

/// The k of a splat constant 2^k (exactly), if `value` is one.
static std::optional<int> splatPowerOfTwo(Value value) {
  SplatElementsAttr splat;
  if (!matchPattern(value, m_Constant(&splat)) ||
      !isa<FloatType>(splat.getElementType()))
    return std::nullopt;
  APFloat v = splat.getSplatValue<APFloat>();
  int k = v.getExactLog2Abs();
  if (v.isNegative() || k == std::numeric_limits<int>::min())
    return std::nullopt;
  return k;
}

namespace {

/// dequantize(q) * 2^k, 2^k * dequantize(q), dequantize(q) / 2^-k with
/// k > 0 -> dequantize(ldexp(q, k)): the scales move, the elements stay.
/// Only growth: a shrink can take a block's scale below E8M0's 2^-127
/// (all-zero blocks sit there), where its elements would need re-rounding
/// and mx.ldexp gives NaN. A growth past 2^127 gives NaN where the f32
/// product overflows anyway.
template <typename ArithOp>
struct ScaleByPowerOfTwo final : OpRewritePattern<ArithOp> {
  using OpRewritePattern<ArithOp>::OpRewritePattern;

  LogicalResult matchAndRewrite(ArithOp op,
                                PatternRewriter &rewriter) const override {
    constexpr bool isDiv = std::is_same_v<ArithOp, arith::DivFOp>;
    for (int side = 0; side < (isDiv ? 1 : 2); ++side) {
      auto dequantize =
          op->getOperand(side).template getDefiningOp<DequantizeOp>();
      std::optional<int> k = splatPowerOfTwo(op->getOperand(1 - side));
      if (!dequantize || !k || !dequantize.getType().getElementType().isF32())
        continue;
      int shift = isDiv ? -*k : *k;
      if (shift <= 0)
        continue;
      BlockTensorType type = dequantize.getInput().getType();
      if (!isa<Float8E8M0FNUType>(type.getScaleType()) || type.isTwoLevel())
        return rewriter.notifyMatchFailure(
            op, "scales are not E8M0, or the tensor is two-level");
      Value shifted =
          LdexpOp::create(rewriter, op.getLoc(), type, dequantize.getInput(),
                          rewriter.getI32IntegerAttr(shift));
      rewriter.replaceOpWithNewOp<DequantizeOp>(op, dequantize.getType(),
                                                shifted);
      return success();
    }
    return rewriter.notifyMatchFailure(
        op, "not an f32 dequantize times or over a splat power of two > 1");
  }
};

/// quantize(transpose(dequantize(q))) -> transpose(q) when q's blocks are
/// 2-D and the quantize asks for q's blocks transposed: re-quantizing the
/// exact values of such blocks reproduces them where q's encoding is one
/// that quantize makes (reproducesEncoding).
struct TransposeTwoDimensionalBlocks final : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto transpose = op.getInput().getDefiningOp<linalg::TransposeOp>();
    if (!transpose || op.hasGivenScales())
      return rewriter.notifyMatchFailure(op, "not a quantize of a transpose");
    auto dequantize = transpose.getInput().getDefiningOp<DequantizeOp>();
    if (!dequantize || !dequantize.getType().getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not a transpose of an f32 "
                                             "dequantize");
    if (!reproducesEncoding(dequantize.getInput(), op.getScaleRule(),
                            op.getRounding()))
      return rewriter.notifyMatchFailure(
          op, "re-quantizing may not reproduce the source's encoding");
    BlockTensorType source = dequantize.getInput().getType();
    if (llvm::count_if(source.getBlockShape(),
                       [](int64_t size) { return size > 1; }) < 2)
      // 1-D blocks: the quantize re-blocks, as it must.
      return rewriter.notifyMatchFailure(op, "the blocks are not 2-D");
    ArrayRef<int64_t> permutation = transpose.getPermutation();
    SmallVector<int64_t> shape, block;
    for (int64_t dim : permutation) {
      shape.push_back(source.getShape()[dim]);
      block.push_back(source.getBlockShape()[dim]);
    }
    auto moved = BlockTensorType::get(shape, source.getElementType(), block,
                                      source.getScaleType());
    if (moved != op.getType())
      return rewriter.notifyMatchFailure(
          op, "the quantize asks for other blocks than the transposed ones");
    rewriter.replaceOpWithNewOp<TransposeOp>(op, moved, dequantize.getInput(),
                                             permutation);
    return success();
  }
};

/// quantize(f(dequantize(q))) back to q's own type, with f = neg, abs or
/// max(x, 0): the blocks keep their scales (taken from q, no amax is
/// computed) and each element is f of its code, exactly. For neg and abs
/// the block maxima are unchanged, so this equals the program as written;
/// for max(x, 0) a block whose largest magnitude was negative keeps its
/// larger scale (Scalify's pass-through rule) where the program would
/// recompute a smaller one.
struct KeepBlockScales final : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (op.hasGivenScales() || op.getRounding() == Rounding::stochastic)
      return rewriter.notifyMatchFailure(op,
                                         "given scales or stochastic rounding");
    Operation *f = op.getInput().getDefiningOp();
    Value x;
    if (isa_and_present<arith::NegFOp, math::AbsFOp>(f)) {
      x = f->getOperand(0);
    } else if (isa_and_present<arith::MaximumFOp, arith::MaxNumFOp>(f)) {
      if (isZeroInit(f->getOperand(1)))
        x = f->getOperand(0);
      else if (isZeroInit(f->getOperand(0)))
        x = f->getOperand(1);
    }
    auto dequantize = x ? x.getDefiningOp<DequantizeOp>() : DequantizeOp();
    if (!dequantize || !dequantize.getType().getElementType().isF32())
      return rewriter.notifyMatchFailure(
          op, "not neg/abs/relu of an f32 dequantize");
    BlockTensorType type = dequantize.getInput().getType();
    if (type != op.getType() || !isa<Float8E8M0FNUType>(type.getScaleType()) ||
        type.isTwoLevel() || type.hasSwizzledScales())
      return rewriter.notifyMatchFailure(
          op, "another type than the source's, scales not E8M0 or swizzled, "
              "or two-level");
    auto parts = UnpackOp::create(rewriter, op.getLoc(), type.getElementsType(),
                                  type.getScalesType(), dequantize.getInput());
    rewriter.replaceOpWithNewOp<QuantizeOp>(
        op, type, op.getInput(), parts.getScales(), /*tensor_scale=*/Value(),
        ScaleRule::floor, op.getRounding(), /*seed=*/nullptr,
        op.getSaturation());
    return success();
  }
};

} // namespace

void mlir::mx::populateMXScaleOnlyPatterns(RewritePatternSet &patterns) {
  patterns
      .add<ScaleByPowerOfTwo<arith::MulFOp>, ScaleByPowerOfTwo<arith::DivFOp>,
           TransposeTwoDimensionalBlocks, KeepBlockScales>(
          patterns.getContext());
}
