//===- TransposeKernel.cpp - mx.transpose of a matrix in 16 x 16 tiles ----===//
//
// The element codes move in tiles of 16 x 16 codes: sixteen row loads (FP4:
// eight bytes split into nibbles), one shuffle that transposes the tile's
// 256 bytes, sixteen row stores (FP4: packed back). No code is decoded. The
// scales, a sixteenth or less of the data, take linalg.transpose.
//
// The linalg lowering unpacks the codes into a tensor of bytes, transposes
// it and packs it again, each a loop of its own; for a weight streamed from
// an [N, K] checkpoint into the [K, N] operand of a matmul
// (docs/LayerToLayer.md) that took a few nanoseconds per element.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <numeric>

using namespace mlir;
using namespace mlir::mx;

namespace {

/// Rows and columns of a tile.
constexpr int64_t kTile = 16;

/// `parts` (vectors of one length) end to end, by a tree of shuffles.
Value concatenate(OpBuilder &b, Location loc, SmallVector<Value> parts) {
  while (parts.size() > 1) {
    SmallVector<Value> joined;
    for (size_t i = 0; i < parts.size(); i += 2) {
      int64_t n = cast<VectorType>(parts[i].getType()).getNumElements();
      SmallVector<int64_t> mask(2 * n);
      std::iota(mask.begin(), mask.end(), 0);
      joined.push_back(
          vector::ShuffleOp::create(b, loc, parts[i], parts[i + 1], mask));
    }
    parts = std::move(joined);
  }
  return parts.front();
}

struct TransposeKernel final : OpConversionPattern<TransposeOp> {
  TransposeKernel(const TypeConverter &converter, MLIRContext *context)
      : OpConversionPattern(converter, context, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(TransposeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    BlockTensorType input = op.getInput().getType();
    if (input.isTwoLevel() || !input.hasStaticShape() || input.getRank() != 2 ||
        op.getPermutation() != ArrayRef<int64_t>{1, 0})
      return rewriter.notifyMatchFailure(op, "not a static 2-D transpose");
    const int64_t rows = input.getShape()[0], cols = input.getShape()[1];
    if (rows % kTile != 0 || cols % kTile != 0)
      return rewriter.notifyMatchFailure(op, "not of whole 16 x 16 tiles");
    Location loc = op.getLoc();
    const bool fp4 = isa<Float4E2M1FNType>(input.getElementType());
    // Bytes of storage per row, in and out, and per tile row.
    const int64_t inRow = fp4 ? cols / 2 : cols;
    const int64_t outRow = fp4 ? rows / 2 : rows;
    const int64_t tileRow = fp4 ? kTile / 2 : kTile;
    const int64_t rowTiles = rows / kTile;

    Value codes = readFlat(rewriter, loc, adaptor.getInput()[0]);
    FlatResult moved =
        allocateFlat(rewriter, loc, getStorageType(op.getType()));
    SmallVector<int64_t> transposing(kTile * kTile);
    for (int64_t r = 0; r < kTile; ++r)
      for (int64_t c = 0; c < kTile; ++c)
        transposing[c * kTile + r] = r * kTile + c;
    buildBlockLoop(
        rewriter, loc, rowTiles * (cols / kTile),
        [&](OpBuilder &b, Location l, Value tile) {
          // Consecutive tiles fill the same sixteen output rows left to
          // right, so each output cache line is written whole while it is
          // in cache; the sixteen input rows' lines wait in L2 for the
          // next column of tiles.
          Value rowTilesValue = arith::ConstantIndexOp::create(b, l, rowTiles);
          Value colTile = arith::DivUIOp::create(b, l, tile, rowTilesValue);
          Value rowTile = arith::RemUIOp::create(b, l, tile, rowTilesValue);
          // Byte offsets of the tile's first row, in and out.
          Value in = addIndices(b, l, scaledIndex(b, l, rowTile, kTile * inRow),
                                scaledIndex(b, l, colTile, tileRow));
          Value out =
              addIndices(b, l, scaledIndex(b, l, colTile, kTile * outRow),
                         scaledIndex(b, l, rowTile, tileRow));
          auto rowType = VectorType::get({tileRow}, b.getI8Type());
          SmallVector<Value> tileRows;
          for (int64_t r = 0; r < kTile; ++r) {
            Value bytes = vector::LoadOp::create(
                b, l, rowType, codes,
                addIndices(b, l, in,
                           arith::ConstantIndexOp::create(b, l, r * inRow)));
            tileRows.push_back(fp4 ? unpackNibbles(b, l, bytes) : bytes);
          }
          Value whole = concatenate(b, l, tileRows);
          Value turned =
              vector::ShuffleOp::create(b, l, whole, whole, transposing);
          for (int64_t c = 0; c < kTile; ++c) {
            Value column = vector::ExtractStridedSliceOp::create(
                b, l, turned, /*offsets=*/{c * kTile}, /*sizes=*/{kTile},
                /*strides=*/{1});
            vector::StoreOp::create(
                b, l, fp4 ? packNibbles(b, l, column) : column, moved.flat,
                addIndices(b, l, out,
                           arith::ConstantIndexOp::create(b, l, c * outRow)));
          }
        });

    Value movedScales =
        buildTensorTranspose(rewriter, loc, adaptor.getInput()[1], {1, 0});
    rewriter.replaceOpWithMultiple(op, {{moved.tensor, movedScales}});
    return success();
  }
};

} // namespace

void mlir::mx::populateTransposeKernelPattern(const TypeConverter &converter,
                                              RewritePatternSet &patterns) {
  patterns.add<TransposeKernel>(converter, patterns.getContext());
}
