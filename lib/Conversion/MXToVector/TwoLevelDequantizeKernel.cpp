//===- TwoLevelDequantizeKernel.cpp - MX9/MX6/MX4 dequantize, one loop ----===//
//
// The two-level formats with blocks of 16 along the last axis, a block per
// iteration, blocks in parallel: one load of the block's bytes, E
// broadcast from byte 0, the code and microexponent streams unpacked by
// shifts on 64-bit lanes, and each magnitude scaled by its power of two in
// two exact halves (the power alone can leave f32's normal range).
//
//===----------------------------------------------------------------------===//

#include "TwoLevelBlocks.h"

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"
#include "mx/Numerics/Scale.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

struct TwoLevelDequantizeKernel final : OpConversionPattern<DequantizeOp> {
  TwoLevelDequantizeKernel(const TypeConverter &converter, MLIRContext *context)
      : OpConversionPattern(converter, context, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(DequantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    BlockTensorType type = op.getInput().getType();
    if (!hasTwoLevelKernelLayout(type))
      return rewriter.notifyMatchFailure(op, "not of the kernel layout");
    Location loc = op.getLoc();
    const TwoLevelLayout t(type);
    Type resultElement = op.getType().getElementType();

    Value storage = readFlat(rewriter, loc, adaptor.getInput().front());
    FlatResult values = allocateFlat(rewriter, loc, op.getType());
    buildBlockLoop(
        rewriter, loc, t.blocks, [&](OpBuilder &b, Location l, Value block) {
          auto [f32s, i32s, bytes] = blockVectors(b);
          ArithEmitter a(b, l, i32s);
          Value packed = vector::LoadOp::create(
              b, l, VectorType::get({t.blockBytes}, b.getI8Type()), storage,
              scaledIndex(b, l, block, t.blockBytes));
          Value zeros = a.c(0, bytes);
          // The bytes at `at` + streamBytes(count, width) back in their stream
          // positions, every other byte 0.
          auto stream = [&](int64_t at, int64_t count, int64_t width) {
            SmallVector<int64_t> lanes(kLanes, t.blockBytes); // zeros' lane 0
            for (auto [i, position] :
                 llvm::enumerate(TwoLevelLayout::streamBytes(count, width)))
              lanes[position] = at + int64_t(i);
            return unpackFields(b, l, shuffleLanes(b, l, packed, zeros, lanes),
                                width);
          };
          Value code = a.zext(i32s, broadcastLane(b, l, packed, 0));
          Value element = a.zext(i32s, stream(1 + t.microBytes, kLanes, t.w));
          Value micro = a.c(0);
          if (t.d2 > 0) {
            SmallVector<int64_t> subBlockOf;
            for (int64_t i = 0; i < kLanes; ++i)
              subBlockOf.push_back(i / t.k2);
            Value perSubBlock = stream(1, t.subBlocks, t.d2);
            micro = a.zext(
                i32s, shuffleLanes(b, l, perSubBlock, perSubBlock, subBlockOf));
          }
          // magnitude * 2^(E - mu + 1 - m): exact (an f32 or subnormal).
          Value magnitude = arith::SIToFPOp::create(
              b, l, f32s, a.band(element, a.c(t.format.maxMagnitude())));
          Value exponent =
              a.sub(a.sub(code, micro), a.c(num::kE8M0Bias - 1 + t.m));
          Value value = scaleByPowerOfTwo(a, magnitude, exponent);
          Value sign = a.shl(a.shr(element, a.c(t.m)), a.c(31));
          value = a.bitcast(f32s, a.bor(a.bitcast(i32s, value), sign));
          Value nan = arith::ConstantOp::create(
              b, l,
              SplatElementsAttr::get(
                  f32s,
                  b.getF32FloatAttr(std::numeric_limits<float>::quiet_NaN())));
          value = a.select(
              a.cmp(arith::CmpIPredicate::eq, code, a.c(num::kE8M0NaN)), nan,
              value);
          if (resultElement != b.getF32Type()) // one rounding, to nearest even
            value = arith::TruncFOp::create(
                b, l, VectorType::get({kLanes}, resultElement), value);
          vector::StoreOp::create(b, l, value, values.flat,
                                  scaledIndex(b, l, block, kLanes));
        });
    rewriter.replaceOp(op, values.tensor);
    return success();
  }
};

} // namespace

void mlir::mx::populateTwoLevelDequantizeKernelPattern(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<TwoLevelDequantizeKernel>(converter, patterns.getContext());
}
