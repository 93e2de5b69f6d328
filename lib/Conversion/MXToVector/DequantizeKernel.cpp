//===- DequantizeKernel.cpp - mx.dequantize as one loop over blocks -------===//
//
// Per block: the codes as one vector (FP4 bytes split into nibbles), the
// block's scale broadcast, and the shared decode builder in vector lanes.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

struct DequantizeKernel final : OpConversionPattern<DequantizeOp> {
  DequantizeKernel(const TypeConverter &converter, MLIRContext *context)
      : OpConversionPattern(converter, context, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(DequantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    BlockTensorType type = op.getInput().getType();
    if (!hasVectorKernelLayout(type))
      return rewriter.notifyMatchFailure(op, "not of the kernel layout");
    Location loc = op.getLoc();
    const int64_t k = type.getBlockShape().back();
    const int64_t blocks = countBlocks(type);
    num::ElementFormat format = type.getFormat();
    const bool fp4 = format == num::ElementFormat::E2M1;
    Type resultElement = op.getType().getElementType();

    Value codes = readFlat(rewriter, loc, adaptor.getInput()[0]);
    Value scales = readFlat(rewriter, loc, adaptor.getInput()[1]);
    FlatResult values = allocateFlat(rewriter, loc, op.getType());
    buildBlockLoop(
        rewriter, loc, blocks, [&](OpBuilder &b, Location l, Value block) {
          auto bytesType = VectorType::get({k}, b.getI8Type());
          Value first = scaledIndex(b, l, block, k);
          Value bytes;
          if (fp4) {
            bytes =
                unpackNibbles(b, l,
                              vector::LoadOp::create(
                                  b, l, VectorType::get({k / 2}, b.getI8Type()),
                                  codes, scaledIndex(b, l, block, k / 2)));
          } else {
            bytes = vector::LoadOp::create(b, l, bytesType, codes, first);
          }
          auto i32s = VectorType::get({k}, b.getI32Type());
          Value code = arith::ExtUIOp::create(b, l, i32s, bytes);
          Value scale = buildScaleCode(
              b, l, memref::LoadOp::create(b, l, scales, ValueRange{block}));
          Value value = buildDecodeElement(
              b, l, code, vector::BroadcastOp::create(b, l, i32s, scale),
              format);
          if (resultElement != b.getF32Type()) // one rounding, to nearest even
            value = arith::TruncFOp::create(
                b, l, VectorType::get({k}, resultElement), value);
          vector::StoreOp::create(b, l, value, values.flat, first);
        });
    rewriter.replaceOp(op, values.tensor);
    return success();
  }
};

} // namespace

void mlir::mx::populateDequantizeKernelPattern(const TypeConverter &converter,
                                               RewritePatternSet &patterns) {
  patterns.add<DequantizeKernel>(converter, patterns.getContext());
}
