//===- MXCanonicalization.cpp - Folds and canonicalization patterns -------===//
//
// Only rewrites that are exact on every input: quantize/dequantize are lossy,
// so a pair folds only where re-quantizing provably reproduces the encoding.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace mlir::mx;

/// Re-quantizing the values of a block that `rule` quantized, with `rule`,
/// gives the same scale and elements. `floor` derives the exponent from
/// amax's binade alone, which the block's largest element keeps; `even`
/// additionally rounds amax to the element width, which such an element
/// already has. `ceil` and `rceil` can shrink the scale when the largest
/// element rounded down.
static bool isIdempotentRule(ScaleRule rule) {
  return rule == ScaleRule::floor || rule == ScaleRule::even;
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
      !isIdempotentRule(getScaleRule()))
    return {};
  return dequantize.getInput();
}

OpFoldResult CastOp::fold(FoldAdaptor) {
  if (getInput().getType() == getType() && isIdempotentRule(getScaleRule()))
    return getInput();
  return {};
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
    if (op.getScales().use_empty())
      return rewriter.notifyMatchFailure(op, "scales are unused");
    rewriter.replaceAllUsesWith(op.getScales(), quantize.getScales());
    return success();
  }
};
} // namespace

void UnpackOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                           MLIRContext *context) {
  patterns.add<ForwardGivenScales>(context);
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
