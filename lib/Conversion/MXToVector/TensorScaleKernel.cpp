//===- TensorScaleKernel.cpp - NVFP4's tensor scale, one vector loop ------===//
//
// mx.tensor_scale over a static tensor whose size is a multiple of 16: one
// pass of 16-lane loads, a running maximum of the finite magnitudes in a
// vector, one horizontal maximum, then amax / 2688 as the linalg lowering
// and lib/Numerics/NVFP4 compute it. The maximum of finite magnitudes does
// not depend on the order, so the result is the same bits.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Utils/FloatScaleCodes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;

namespace {

struct TensorScaleKernel final : OpConversionPattern<TensorScaleOp> {
  TensorScaleKernel(const TypeConverter &converter, MLIRContext *context)
      : OpConversionPattern(converter, context, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(TensorScaleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getInput().getType());
    if (!type.hasStaticShape() || type.getNumElements() % kLanes != 0)
      return rewriter.notifyMatchFailure(op, "not whole vectors");
    Location loc = op.getLoc();
    Value input = readFlat(rewriter, loc, adaptor.getInput());
    auto f32s = VectorType::get({kLanes}, rewriter.getF32Type());
    Value zero = arith::ConstantOp::create(rewriter, loc,
                                           DenseElementsAttr::get(f32s, 0.0f));
    auto index = [&](int64_t v) {
      return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
    };
    auto loop = scf::ForOp::create(
        rewriter, loc, index(0), index(type.getNumElements()), index(kLanes),
        ValueRange{zero},
        [&](OpBuilder &b, Location l, Value first, ValueRange running) {
          Value x = vector::LoadOp::create(
              b, l, VectorType::get({kLanes}, type.getElementType()), input,
              first);
          Value largest = arith::MaximumFOp::create(
              b, l, running.front(), buildFiniteMagnitude(b, l, x));
          scf::YieldOp::create(b, l, largest);
        });
    Value amax = vector::ReductionOp::create(
        rewriter, loc, vector::CombiningKind::MAXIMUMF, loop.getResult(0));
    rewriter.replaceOp(op, buildNVFP4TensorScale(rewriter, loc, amax));
    return success();
  }
};

} // namespace

void mlir::mx::populateTensorScaleKernelPattern(const TypeConverter &converter,
                                                RewritePatternSet &patterns) {
  patterns.add<TensorScaleKernel>(converter, patterns.getContext());
}
