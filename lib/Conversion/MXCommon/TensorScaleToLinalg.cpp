//===- TensorScaleToLinalg.cpp - NVFP4's tensor scale and GEMM alpha ------===//
//
// mx.tensor_scale -> one linalg reduction of the finite magnitudes to a 0-d
// tensor, then amax / 2688 as lib/Numerics/NVFP4 computes it.
// mx.matmul alpha(%a) -> mx.matmul, then the product times %a: every
// lowering's kernel then sees a plain product.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Utils/ArithEmitter.h"
#include "mx/Dialect/MX/Utils/Elementwise.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::mx;
using F = arith::CmpFPredicate;

namespace {

struct TensorScaleLowering final : OpConversionPattern<TensorScaleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TensorScaleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    ArithEmitter i(rewriter, loc, f32);
    Value amax = buildReduceAll(
        rewriter, loc, adaptor.getInput(),
        [&](OpBuilder &b, Location l, Value value, Value accumulator) {
          ArithEmitter e(b, l, f32);
          if (!value.getType().isF32()) // f16/bf16 -> f32 is exact
            value = arith::ExtFOp::create(b, l, f32, value);
          // NaN and Inf belong to blocks with NaN scales: skipped.
          Value magnitude = math::AbsFOp::create(b, l, value);
          Value finite = e.cmpF(F::OLT, magnitude, e.cF32(INFINITY));
          Value counted = e.select(finite, magnitude, e.cF32(0.0f));
          return arith::MaximumFOp::create(b, l, accumulator, counted)
              .getResult();
        });
    // One f32 division, never below the least subnormal; 1 for no magnitude.
    Value scale = arith::MaximumFOp::create(
        rewriter, loc, i.divF(amax, i.cF32(2688.0f)),
        i.cF32(std::numeric_limits<float>::denorm_min()));
    rewriter.replaceOp(
        op, i.select(i.cmpF(F::OEQ, amax, i.cF32(0.0f)), i.cF32(1.0f), scale));
    return success();
  }
};

struct MatmulAlphaAfterProduct final : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    Value alpha = op.getAlpha();
    if (!alpha)
      return rewriter.notifyMatchFailure(op, "no alpha");
    Location loc = op.getLoc();
    Value product =
        MatmulOp::create(rewriter, loc, op.getType(), op.getLhs(), op.getRhs());
    rewriter.replaceOp(
        op,
        buildElementwise(
            rewriter, loc, product, rewriter.getF32Type(),
            [&](OpBuilder &b, Location l, ValueRange args) {
              return arith::MulFOp::create(b, l, args[0], alpha).getResult();
            }));
    return success();
  }
};

} // namespace

void mlir::mx::populateMXTensorScaleToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<TensorScaleLowering>(converter, patterns.getContext());
}

void mlir::mx::populateMXMatmulAlphaPatterns(RewritePatternSet &patterns) {
  patterns.add<MatmulAlphaAfterProduct>(patterns.getContext());
}
