//===- QuantizeKernel.cpp - mx.quantize as one fused loop over blocks -----===//
//
// Per block: one vector load, the amax as an unsigned max over the magnitude
// bits (NaN's bits exceed Inf's, which exceed every finite value's, so the
// NaN/Inf rule of the scale follows), the scale from the shared scale-rule
// builder, and every element code in vector lanes. The data is read once.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

Value splatI32(OpBuilder &b, Location loc, VectorType type, int64_t v) {
  return arith::ConstantOp::create(
      b, loc,
      SplatElementsAttr::get(type, b.getIntegerAttr(b.getI32Type(), v)));
}

/// The linear element indices first + [0, k) as vector<k x i64>: the Philox
/// counters of stochastic rounding.
Value linearIndices(OpBuilder &b, Location loc, Value first, int64_t k) {
  auto type = VectorType::get({k}, b.getI64Type());
  SmallVector<int64_t> lanes;
  for (int64_t i = 0; i < k; ++i)
    lanes.push_back(i);
  Value iota = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef<int64_t>(lanes)));
  Value base = arith::IndexCastOp::create(b, loc, b.getI64Type(), first);
  return arith::AddIOp::create(
      b, loc, vector::BroadcastOp::create(b, loc, type, base), iota);
}

struct QuantizeKernel final : OpConversionPattern<QuantizeOp> {
  QuantizeKernel(const TypeConverter &converter, MLIRContext *context)
      : OpConversionPattern(converter, context, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(QuantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isVectorKernelQuantize(op))
      return rewriter.notifyMatchFailure(op, "not of the kernel layout");
    BlockTensorType type = op.getType();
    Location loc = op.getLoc();
    const int64_t k = type.getBlockShape().back();
    const int64_t blocks = countBlocks(type);
    num::ElementFormat format = type.getFormat();
    EncodeOptions options{format, toNumerics(op.getRounding()),
                          toNumerics(op.getSaturation())};
    const bool stochastic = op.getRounding() == Rounding::stochastic;
    const bool fp4 = format == num::ElementFormat::E2M1;
    const uint64_t seed = op.getSeed().value_or(0);
    ScaleRule rule = op.getScaleRule();
    Type inputElement = op.getInput().getType().getElementType();

    Value input = readFlat(rewriter, loc, adaptor.getInput().front());
    FlatResult codes = allocateFlat(rewriter, loc, getStorageType(type));
    FlatResult scales = allocateFlat(rewriter, loc, type.getScalesType());
    buildBlockLoop(
        rewriter, loc, blocks, [&](OpBuilder &b, Location l, Value block) {
          auto f32s = VectorType::get({k}, b.getF32Type());
          auto i32s = VectorType::get({k}, b.getI32Type());
          Value first = scaledIndex(b, l, block, k);
          Value x = vector::LoadOp::create(
              b, l, VectorType::get({k}, inputElement), input, first);
          if (inputElement != b.getF32Type()) // exact widening
            x = arith::ExtFOp::create(b, l, f32s, x);
          Value magnitude = arith::AndIOp::create(
              b, l, arith::BitcastOp::create(b, l, i32s, x),
              splatI32(b, l, i32s, 0x7FFFFFFF));
          Value amaxBits = vector::ReductionOp::create(
              b, l, vector::CombiningKind::MAXUI, magnitude);
          Value amax = arith::BitcastOp::create(b, l, b.getF32Type(), amaxBits);
          Value scale = buildScaleFromAmax(b, l, amax, format, rule);
          memref::StoreOp::create(b, l, scale, scales.flat, block);
          Value scaleCode = vector::BroadcastOp::create(
              b, l, i32s, buildScaleCode(b, l, scale));
          Value random = stochastic
                             ? buildStochasticBits(
                                   b, l, linearIndices(b, l, first, k), seed)
                             : splatI32(b, l, i32s, 0);
          // Nearest even (the default) has a shorter exact form.
          Value code =
              op.getRounding() == Rounding::rne
                  ? buildEncodeElementNearest(b, l, x, scaleCode, format,
                                              options.saturation)
                  : buildEncodeElement(b, l, x, scaleCode, random, options);
          Value bytes = arith::TruncIOp::create(
              b, l, VectorType::get({k}, b.getI8Type()), code);
          if (fp4) {
            vector::StoreOp::create(b, l, packNibbles(b, l, bytes), codes.flat,
                                    scaledIndex(b, l, block, k / 2));
            return;
          }
          vector::StoreOp::create(b, l, bytes, codes.flat, first);
        });
    rewriter.replaceOpWithMultiple(op, {{codes.tensor, scales.tensor}});
    return success();
  }
};

} // namespace

void mlir::mx::populateQuantizeKernelPattern(const TypeConverter &converter,
                                             RewritePatternSet &patterns) {
  patterns.add<QuantizeKernel>(converter, patterns.getContext());
}
