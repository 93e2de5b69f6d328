//===- TileQuantizeKernel.cpp - FP8 with f32 tile scales, one loop --------===//
//
// mx.quantize to FP8 with an f32 scale per 1-D tile along the last axis
// (the DeepSeek-V3 activation tiles), as the MXFP8 kernel does its blocks:
// per tile one vector load, the amax as an unsigned max over the magnitude
// bits (NaN and Inf win, as in the linalg reduction), the scale from it by
// the shared scalar builder, and the codes in vector lanes: the
// quotient rounded once, as lib/Numerics/FloatScaled, from the f32 quotient
// and its exact remainder (buildEncodeTileScaled). Tiles run in parallel.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Utils/FloatScaleCodes.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;

/// The largest tile the kernel holds in one vector (32 AVX-512 registers).
static constexpr int64_t kMaxTile = 512;

bool mlir::mx::isTileKernelQuantize(QuantizeOp op) {
  BlockTensorType type = op.getType();
  int64_t k = wholeBlocksAlongLastAxis(type);
  return !op.hasGivenScales() && op.getInput().getType().hasStaticShape() &&
         isa<Float32Type>(type.getScaleType()) && k != 0 && k % kLanes == 0 &&
         k <= kMaxTile;
}

namespace {

struct TileQuantizeKernel final : OpConversionPattern<QuantizeOp> {
  TileQuantizeKernel(const TypeConverter &converter, MLIRContext *context)
      : OpConversionPattern(converter, context, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(QuantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isTileKernelQuantize(op))
      return rewriter.notifyMatchFailure(op, "not of the tile kernel layout");
    BlockTensorType type = op.getType();
    Location loc = op.getLoc();
    const int64_t k = type.getBlockShape().back();
    const numerics::ElementFormat format = type.getFormat();
    const numerics::FloatScaleRule rule = toFloatScaleRule(op.getScaleRule());
    Type inputElement = op.getInput().getType().getElementType();

    Value input = readFlat(rewriter, loc, adaptor.getInput().front());
    FlatResult codes = allocateFlat(rewriter, loc, getStorageType(type));
    FlatResult scales = allocateFlat(rewriter, loc, type.getScalesType());
    buildBlockLoop(
        rewriter, loc, countBlocks(type),
        [&](OpBuilder &b, Location l, Value tile) {
          auto f32s = VectorType::get({k}, b.getF32Type());
          Value first = scaledIndex(b, l, tile, k);
          Value x = vector::LoadOp::create(
              b, l, VectorType::get({k}, inputElement), input, first);
          if (inputElement != b.getF32Type()) // exact
            x = arith::ExtFOp::create(b, l, f32s, x);
          Value amax = buildReduceMagnitudes(b, l, buildMagnitudeBits(b, l, x));
          Value scale = buildFloatScaleFromAmax(b, l, amax, format, rule);
          memref::StoreOp::create(b, l, scale, scales.flat, ValueRange{tile});
          Value code = buildEncodeTileScaled(
              b, l, x, vector::BroadcastOp::create(b, l, f32s, scale), format);
          Value bytes = arith::TruncIOp::create(
              b, l, VectorType::get({k}, b.getI8Type()), code);
          vector::StoreOp::create(b, l, bytes, codes.flat, first);
        });
    rewriter.replaceOpWithMultiple(op, {{codes.tensor, scales.tensor}});
    return success();
  }
};

} // namespace

void mlir::mx::populateTileQuantizeKernelPattern(const TypeConverter &converter,
                                                 RewritePatternSet &patterns) {
  patterns.add<TileQuantizeKernel>(converter, patterns.getContext());
}
