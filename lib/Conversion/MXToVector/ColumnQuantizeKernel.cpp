//===- ColumnQuantizeKernel.cpp - mx.quantize in blocks down columns ------===//
//
// mx.quantize with blocks along the second-to-last axis (`[.., k, 1]`: a
// weight stored K x N for a product, dY for a weight gradient), where the
// row kernel does not apply and the linalg lowering reads each block with a
// stride. Here the lanes are 16 adjacent columns instead: an iteration loads
// the k rows of one block-row (16 contiguous f32 each), takes the 16 amaxes
// as a lane-wise unsigned max of the magnitude bits (no horizontal
// reduction), computes the 16 scales in lanes and stores them contiguously
// (the scale grid is row-major), and encodes each row with its lanes' own
// scale codes. The same builders as the row kernel, so the same bits.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

/// The block size k down columns where the kernel applies, else 0: one
/// level, E8M0 scales, blocks `[1.., k, 1]` that tile the second-to-last
/// axis (so flattening the leading axes keeps every block whole), and rows
/// of whole 16-lane groups.
static int64_t columnBlockSize(QuantizeOp op) {
  BlockTensorType type = op.getType();
  ArrayRef<int64_t> shape = type.getShape(), block = type.getBlockShape();
  if (op.hasGivenScales() || !op.getInput().getType().hasStaticShape() ||
      type.isTwoLevel() || !isa<Float8E8M0FNUType>(type.getScaleType()) ||
      shape.size() < 2 || block.back() != 1 ||
      llvm::any_of(block.drop_back(2), [](int64_t b) { return b != 1; }))
    return 0;
  int64_t k = block[block.size() - 2];
  if (k == 1 || shape[shape.size() - 2] % k != 0 || shape.back() % kLanes != 0)
    return 0;
  return k;
}

bool mlir::mx::isColumnKernelQuantize(QuantizeOp op) {
  return columnBlockSize(op) != 0;
}

namespace {

struct ColumnQuantizeKernel final : OpConversionPattern<QuantizeOp> {
  ColumnQuantizeKernel(const TypeConverter &converter, MLIRContext *context)
      : OpConversionPattern(converter, context, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(QuantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    const int64_t k = columnBlockSize(op);
    if (k == 0)
      return rewriter.notifyMatchFailure(op, "not blocks down whole columns");
    BlockTensorType type = op.getType();
    Location loc = op.getLoc();
    const int64_t columns = type.getShape().back();
    const int64_t rows =
        cast<RankedTensorType>(op.getInput().getType()).getNumElements() /
        columns;
    num::ElementFormat format = type.getFormat();
    EncodeOptions options{format, toNumerics(op.getRounding()),
                          toNumerics(op.getSaturation())};
    const uint64_t seed = op.getSeed().value_or(0);
    Type inputElement = op.getInput().getType().getElementType();

    Value input = readFlat(rewriter, loc, adaptor.getInput().front());
    FlatResult codes = allocateFlat(rewriter, loc, getStorageType(type));
    FlatResult scales = allocateFlat(rewriter, loc, type.getScalesType());
    const int64_t groups = columns / kLanes;
    // One iteration: one block-row (k rows) of 16 adjacent columns.
    buildBlockLoop(
        rewriter, loc, rows / k * groups,
        [&](OpBuilder &b, Location l, Value iteration) {
          auto f32s = VectorType::get({kLanes}, b.getF32Type());
          Value groupsValue = constantIndex(b, l, groups);
          Value blockRow = arith::DivUIOp::create(b, l, iteration, groupsValue);
          Value column = scaledIndex(
              b, l, arith::RemUIOp::create(b, l, iteration, groupsValue),
              kLanes);
          SmallVector<Value> firsts, xs;
          Value largest;
          for (int64_t r = 0; r < k; ++r) {
            Value row = addIndices(b, l, scaledIndex(b, l, blockRow, k),
                                   constantIndex(b, l, r));
            Value first =
                addIndices(b, l, scaledIndex(b, l, row, columns), column);
            Value x = vector::LoadOp::create(
                b, l, VectorType::get({kLanes}, inputElement), input, first);
            if (inputElement != b.getF32Type()) // exact widening
              x = arith::ExtFOp::create(b, l, f32s, x);
            Value magnitude = buildMagnitudeBits(b, l, x);
            largest = largest ? arith::MaxUIOp::create(b, l, largest, magnitude)
                                    .getResult()
                              : magnitude;
            firsts.push_back(first);
            xs.push_back(x);
          }
          Value amax = arith::BitcastOp::create(b, l, f32s, largest);
          Value scale = buildScaleFromAmax(b, l, amax, format,
                                           toNumerics(op.getScaleRule()));
          vector::StoreOp::create(
              b, l, scale, scales.flat,
              addIndices(b, l, scaledIndex(b, l, blockRow, columns), column));
          Value scaleCodes = buildScaleCode(b, l, scale);
          for (int64_t r = 0; r < k; ++r)
            storeEncodedElements(b, l, xs[r], scaleCodes, firsts[r], options,
                                 seed, codes.flat);
        });
    rewriter.replaceOpWithMultiple(op, {{codes.tensor, scales.tensor}});
    return success();
  }
};

} // namespace

void mlir::mx::populateColumnQuantizeKernelPattern(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ColumnQuantizeKernel>(converter, patterns.getContext());
}
