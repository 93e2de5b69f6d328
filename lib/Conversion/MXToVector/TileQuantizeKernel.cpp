//===- TileQuantizeKernel.cpp - FP8 with f32 tile scales, one loop --------===//
//
// mx.quantize to FP8 with an f32 scale per 1-D tile along the last axis
// (the DeepSeek-V3 activation tiles), as the MXFP8 kernel does its blocks:
// per tile one vector load, the amax as an unsigned max over the magnitude
// bits (NaN and Inf win, as in the linalg reduction), the scale from it by
// the shared scalar builder, and the codes in vector lanes: the
// quotient rounded once, as lib/Numerics/FloatScaled, from the f32 quotient
// and its exact remainder (buildEncodeTileScaled). Tiles run in parallel.
// NVFP4 (blocks of 16 with E4M3 scales under the quantize's tensor scale)
// runs the same loop, one vector per block, its E4M3 scale from the amax,
// the E2M1 codes by f32 comparisons with the rounding thresholds, each
// rounded from its exact double value toward the side that keeps the
// comparison exact (buildEncodeNVFP4), packed two to a byte; where the
// blocks come in whole groups of sixteen, NVFP4QuantizeKernel.cpp takes
// them.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"
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
         isa<Float32Type, Float8E4M3FNType>(type.getScaleType()) && k != 0 &&
         k % kLanes == 0 && k <= kMaxTile;
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
    Value tensorScale = optionalOperand(adaptor.getTensorScale());
    Type inputElement = op.getInput().getType().getElementType();

    Value input = readFlat(rewriter, loc, adaptor.getInput().front());
    FlatResult codes = allocateFlat(rewriter, loc, getStorageType(type));
    FlatResult scales = allocateFlat(rewriter, loc, type.getScalesType());
    if (tensorScale && k == kLanes && countBlocks(type) % kLanes == 0) {
      buildNVFP4QuantizeGroups(rewriter, loc, countBlocks(type) / kLanes, input,
                               inputElement, tensorScale, codes.flat,
                               scales.flat);
      rewriter.replaceOpWithMultiple(op, {{codes.tensor, scales.tensor}});
      return success();
    }
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
          auto splat = [&](Value scalar) {
            return vector::BroadcastOp::create(b, l, f32s, scalar).getResult();
          };
          Value code;
          if (tensorScale) { // NVFP4
            Value scale = buildNVFP4BlockScale(b, l, amax, tensorScale);
            memref::StoreOp::create(b, l, scale, scales.flat, ValueRange{tile});
            code = buildEncodeNVFP4(
                b, l, x, splat(buildExtendFP8(b, l, scale, b.getF32Type())),
                splat(tensorScale));
          } else {
            Value scale = buildFloatScaleFromAmax(
                b, l, amax, format, toFloatScaleRule(op.getScaleRule()));
            memref::StoreOp::create(b, l, scale, scales.flat, ValueRange{tile});
            code = buildEncodeTileScaled(b, l, x, splat(scale), format);
          }
          Value bytes = arith::TruncIOp::create(
              b, l, VectorType::get({k}, b.getI8Type()), code);
          if (tensorScale) // E2M1: two codes to a byte
            vector::StoreOp::create(b, l, packNibbles(b, l, bytes), codes.flat,
                                    scaledIndex(b, l, tile, k / 2));
          else
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
