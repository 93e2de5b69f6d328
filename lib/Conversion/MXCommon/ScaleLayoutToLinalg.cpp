//===- ScaleLayoutToLinalg.cpp - Swizzled scales on the CPU ---------------===//
//
// mx.convert_scale_layout -> tensor reshapes around one linalg.transpose on
// the scale bytes (the codes pass through). The R x C scale matrix, padded
// to Rp x Cp, is viewed as [Rp/128, 4, 32, Cp/4, 4] (row = tile * 128 +
// quarter * 32 + lane, column = tile * 4 + c); the swizzled bytes are that
// view in the order [row tile, column tile, lane, quarter, c], so one
// transpose that swaps dimensions 1 and 3 goes either way.
//
// The kernels compute on row-major scales: before the conversion, every
// other mx op with a swizzled operand or result gets it through an explicit
// mx.convert_scale_layout (RowMajorLayouts.cpp), so the IR shows where
// scales are reordered.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::mx;

namespace {
constexpr int64_t kTileRows = 128, kTileColumns = 4, kLanes = 32;
constexpr int64_t kQuarters = kTileRows / kLanes;

/// The scale bytes and the reshapes and transposes between the layouts.
class ScaleBytes {
public:
  ScaleBytes(OpBuilder &b, Location loc, BlockTensorType type)
      : b(b), loc(loc), i8(b.getI8Type()) {
    std::tie(rows, columns) = type.getScaleMatrixShape();
    paddedRows = llvm::alignTo(rows, kTileRows);
    paddedColumns = llvm::alignTo(columns, kTileColumns);
    transposed = type.getBlockedAxis() == 0;
  }

  /// Row-major block grid -> swizzled bytes.
  Value swizzle(Value grid) {
    Value matrix =
        transposed ? buildTensorTranspose(b, loc, grid, {1, 0}) : grid;
    Value padded =
        tensor::EmptyOp::create(b, loc, {paddedRows, paddedColumns}, i8);
    padded =
        linalg::FillOp::create(
            b, loc, ValueRange{arith::ConstantIntOp::create(b, loc, i8, 0)},
            ValueRange{padded})
            .getResult(0);
    padded = tensor::InsertSliceOp::create(
        b, loc, matrix, padded, indices({0, 0}), indices({rows, columns}),
        indices({1, 1}));
    Value tiles = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(tileView(), i8), padded,
        SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4}});
    Value swizzled = buildTensorTranspose(b, loc, tiles, kSwapQuarters);
    return tensor::CollapseShapeOp::create(
        b, loc, swizzled, SmallVector<ReassociationIndices>{{0, 1, 2, 3, 4}});
  }

  /// Swizzled bytes -> row-major block grid.
  Value unswizzle(Value bytes) {
    Value stored = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(storedView(), i8), bytes,
        SmallVector<ReassociationIndices>{{0, 1, 2, 3, 4}});
    Value tiles = buildTensorTranspose(b, loc, stored, kSwapQuarters);
    Value padded = tensor::CollapseShapeOp::create(
        b, loc, tiles, SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4}});
    Value matrix = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({rows, columns}, i8), padded,
        indices({0, 0}), indices({rows, columns}), indices({1, 1}));
    return transposed ? buildTensorTranspose(b, loc, matrix, {1, 0}) : matrix;
  }

private:
  static constexpr std::array<int64_t, 5> kSwapQuarters = {0, 3, 2, 1, 4};

  /// [row tile, quarter, lane, column tile, c]
  SmallVector<int64_t> tileView() const {
    return {paddedRows / kTileRows, kQuarters, kLanes,
            paddedColumns / kTileColumns, kTileColumns};
  }
  /// [row tile, column tile, lane, quarter, c]
  SmallVector<int64_t> storedView() const {
    return {paddedRows / kTileRows, paddedColumns / kTileColumns, kLanes,
            kQuarters, kTileColumns};
  }

  SmallVector<OpFoldResult> indices(ArrayRef<int64_t> values) {
    return llvm::map_to_vector(
        values, [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); });
  }

  OpBuilder &b;
  Location loc;
  Type i8;
  int64_t rows, columns, paddedRows, paddedColumns;
  bool transposed;
};

struct ConvertScaleLayoutLowering final
    : OpConversionPattern<ConvertScaleLayoutOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConvertScaleLayoutOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ValueRange input = adaptor.getInput();
    Location loc = op.getLoc();
    BlockTensorType from = op.getInput().getType(), to = op.getType();
    Type i8 = rewriter.getI8Type();
    auto bitcast = [&](Value value, Type element) {
      auto type = cast<RankedTensorType>(value.getType()).clone(element);
      return arith::BitcastOp::create(rewriter, loc, type, value).getResult();
    };
    // Scale bytes move as i8: the reordering never looks at a value.
    Value bytes = bitcast(input[1], i8);
    ScaleBytes scales(rewriter, loc, from);
    Value converted = to.hasSwizzledScales() ? scales.swizzle(bytes)
                                             : scales.unswizzle(bytes);
    rewriter.replaceOpWithMultiple(
        op, {{input[0], bitcast(converted, to.getScaleType())}});
    return success();
  }
};

} // namespace

void mlir::mx::populateMXScaleLayoutToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConvertScaleLayoutLowering>(converter, patterns.getContext());
}
