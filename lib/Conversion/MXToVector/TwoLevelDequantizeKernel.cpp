//===- TwoLevelDequantizeKernel.cpp - MX9/MX6/MX4 dequantize, one loop ----===//
//
// The two-level formats with blocks of 16 along the last axis, a block per
// iteration, blocks in parallel, each decoded by decodeTwoLevelBlock
// (TwoLevelBlocks.h): one load of the block's bytes, E broadcast from byte
// 0, the code and microexponent streams unpacked by shifts on 64-bit lanes,
// and each magnitude scaled by its power of two in two exact halves (the
// power alone can leave f32's normal range).
//
//===----------------------------------------------------------------------===//

#include "TwoLevelBlocks.h"

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;

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
          Value value = decodeTwoLevelBlock(
              b, l, t, storage, scaledIndex(b, l, block, t.blockBytes));
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
