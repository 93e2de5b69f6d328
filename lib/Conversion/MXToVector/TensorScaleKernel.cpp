//===- TensorScaleKernel.cpp - NVFP4's tensor scale, one vector loop ------===//
//
// mx.tensor_scale over a static tensor whose size is a multiple of 16: one
// pass of 16-lane loads (four per iteration where the size allows, into
// four running maxima), the finite magnitudes as integers (the magnitude
// bits of an f32 order as its value; Inf and NaN, at or above 0x7F800000,
// count as 0), one horizontal maximum, then amax / 2688 as the linalg
// lowering and lib/Numerics/NVFP4 compute it. The maximum does not depend
// on the order, so the result is the same bits.
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
    auto i32s = VectorType::get({kLanes}, rewriter.getI32Type());
    auto splat = [&](int64_t v) {
      return arith::ConstantOp::create(
                 rewriter, loc,
                 DenseElementsAttr::get(i32s, rewriter.getI32IntegerAttr(v)))
          .getResult();
    };
    Value zero = splat(0), infinity = splat(0x7F800000);
    auto index = [&](int64_t v) {
      return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
    };
    int64_t vectors = type.getNumElements() / kLanes;
    int64_t unroll = vectors % 4 == 0 ? 4 : vectors % 2 == 0 ? 2 : 1;
    auto loop = scf::ForOp::create(
        rewriter, loc, index(0), index(type.getNumElements()),
        index(kLanes * unroll), SmallVector<Value>(unroll, zero),
        [&](OpBuilder &b, Location l, Value first, ValueRange running) {
          SmallVector<Value> largest;
          for (int64_t u = 0; u < unroll; ++u) {
            Value x = vector::LoadOp::create(
                b, l, VectorType::get({kLanes}, type.getElementType()), input,
                addIndices(b, l, first, index(kLanes * u)));
            if (x.getType() != f32s) // f16 and bf16 extend exactly
              x = arith::ExtFOp::create(b, l, f32s, x);
            Value bits = buildMagnitudeBits(b, l, x);
            Value finite = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::ult, bits, infinity);
            Value magnitude = arith::SelectOp::create(b, l, finite, bits, zero);
            largest.push_back(
                arith::MaxUIOp::create(b, l, running[u], magnitude));
          }
          scf::YieldOp::create(b, l, largest);
        });
    Value combined = loop.getResult(0);
    for (int64_t u = 1; u < unroll; ++u)
      combined =
          arith::MaxUIOp::create(rewriter, loc, combined, loop.getResult(u));
    Value amax = arith::BitcastOp::create(
        rewriter, loc, rewriter.getF32Type(),
        vector::ReductionOp::create(rewriter, loc, vector::CombiningKind::MAXUI,
                                    combined));
    rewriter.replaceOp(op, buildNVFP4TensorScale(rewriter, loc, amax));
    return success();
  }
};

} // namespace

void mlir::mx::populateTensorScaleKernelPattern(const TypeConverter &converter,
                                                RewritePatternSet &patterns) {
  patterns.add<TensorScaleKernel>(converter, patterns.getContext());
}
