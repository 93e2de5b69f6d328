//===- MatmulColumnPadding.cpp - Whole panels of columns for the GEMM -----===//
//
// The packed GEMM works on 16-column panels. A product with N not a multiple
// of 16 (a classifier's 10 outputs) would otherwise keep the linalg
// lowering, tens of times slower. Its rhs gains zero columns up to the next
// multiple of 16 and the product's result is sliced back to N columns: a
// zero element contributes an exact zero to every sum of its column and to
// no other column, so the N columns are the same sums as before. Constant
// weights (mx.pack of constants) are padded at compile time, their scales
// repeating the last column's (so the kernel's choices from the scale
// ranges, such as folding FP8 scales, do not change); other rhs operands
// are unpacked and padded by tensor.pad per call.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::mx;

/// `values` (a K x N constant) widened to `columns` columns: the new ones
/// `fill`, or copies of the last column where `fill` is null.
static DenseElementsAttr padColumns(DenseElementsAttr values, int64_t columns,
                                    Attribute fill) {
  return rebuildColumns(
      values, columns, [&](ArrayRef<Attribute> row, int64_t c) {
        return c < int64_t(row.size()) ? row[c] : fill ? fill : row.back();
      });
}

/// `x` (a K x N tensor) widened to `columns` columns of `fill`.
static Value padColumns(OpBuilder &b, Location loc, Value x, int64_t columns,
                        TypedAttr fill) {
  auto type = cast<RankedTensorType>(x.getType());
  auto paddedType = RankedTensorType::get({type.getDimSize(0), columns},
                                          type.getElementType());
  Value value = arith::ConstantOp::create(b, loc, fill);
  SmallVector<OpFoldResult> low(2, b.getIndexAttr(0));
  SmallVector<OpFoldResult> high = {
      b.getIndexAttr(0), b.getIndexAttr(columns - type.getDimSize(1))};
  return tensor::PadOp::create(b, loc, paddedType, x, low, high, value);
}

/// The rhs `rhs` (MX, K x N, blocks along K) with `columns` columns.
static Value paddedRhs(OpBuilder &b, Location loc, Value rhs, int64_t columns) {
  auto type = cast<BlockTensorType>(rhs.getType());
  BlockTensorType paddedType =
      type.cloneWithShape({type.getShape()[0], columns});
  Type elementType = type.getElementType();
  DenseElementsAttr elements, scales;
  auto pack = rhs.getDefiningOp<PackOp>();
  if (pack && matchPattern(pack.getElements(), m_Constant(&elements)) &&
      matchPattern(pack.getScales(), m_Constant(&scales))) {
    auto e = arith::ConstantOp::create(
        b, loc, padColumns(elements, columns, b.getZeroAttr(elementType)));
    auto s = arith::ConstantOp::create(
        b, loc, padColumns(scales, columns, Attribute()));
    return PackOp::create(b, loc, paddedType, e, s);
  }
  auto parts = UnpackOp::create(b, loc, type.getElementsType(),
                                type.getScalesType(), rhs);
  Value e = padColumns(b, loc, parts.getElements(), columns,
                       cast<TypedAttr>(b.getZeroAttr(elementType)));
  // Scale 2^0 for the zero columns.
  Value s = padColumns(b, loc, parts.getScales(), columns,
                       FloatAttr::get(type.getScaleType(), 1.0));
  return PackOp::create(b, loc, paddedType, e, s);
}

void mlir::mx::padMatmulColumns(Operation *root) {
  SmallVector<MatmulOp> matmuls;
  root->walk([&](MatmulOp op) {
    auto rhs = dyn_cast<BlockTensorType>(op.getRhs().getType());
    if (rhs && !rhs.hasSwizzledScales() && !isVectorKernelMatmul(op) &&
        isVectorKernelMatmul(op, /*wholePanels=*/false))
      matmuls.push_back(op);
  });
  for (MatmulOp op : matmuls) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    auto result = cast<RankedTensorType>(op.getType());
    const int64_t M = result.getDimSize(0), N = result.getDimSize(1);
    const int64_t columns = llvm::alignTo(N, kLanes);
    Value rhs = paddedRhs(b, loc, op.getRhs(), columns);
    auto product = MatmulOp::create(
        b, loc, RankedTensorType::get({M, columns}, result.getElementType()),
        op.getLhs(), rhs, op.getAlpha());
    assert(isVectorKernelMatmul(product) && "padding made no kernel product");
    op.replaceAllUsesWith(
        sliceLeadingColumns(b, loc, product.getResult(), result));
    op.erase();
  }
}
