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
#include "mx/Dialect/MX/Utils/Elementwise.h"
#include "mx/Dialect/MX/Utils/FloatScaleCodes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::mx;

namespace {

struct TensorScaleLowering final : OpConversionPattern<TensorScaleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(TensorScaleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value amax = buildReduceAll(
        rewriter, loc, adaptor.getInput(),
        [&](OpBuilder &b, Location l, Value value, Value accumulator) {
          return arith::MaximumFOp::create(b, l, accumulator,
                                           buildFiniteMagnitude(b, l, value))
              .getResult();
        });
    rewriter.replaceOp(op, buildNVFP4TensorScale(rewriter, loc, amax));
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
