//===- MatmulWeightBlocks.cpp - 2-D weight blocks as per-column scales ----===//
//
// Block-scaled training recipes (DeepSeek-V3's, Transformer Engine's) scale
// weights in 2-D blocks (128 x 128) and activations in 1 x 128 tiles, with
// f32 scales. The packed GEMM takes a rhs whose blocks run along K alone,
// one scale per K-block and column. A K_b x N_b block is the same values
// as N_b blocks of K_b x 1 that share its scale, so the rhs becomes that:
// its scales repeated N_b times along N (cropped to N), at compile time for
// constant weights, per call (a broadcast of the small scale grid)
// otherwise. The product computes the same sums; only where the kernel
// runs changes.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::mx;

/// `scales` (G x C, constant) with each column repeated `times` times and
/// cropped to `columns`.
static DenseElementsAttr repeatColumns(DenseElementsAttr scales, int64_t times,
                                       int64_t columns) {
  return rebuildColumns(
      scales, columns,
      [&](ArrayRef<Attribute> row, int64_t c) { return row[c / times]; });
}

/// `scales` (a G x C tensor) with each column repeated `times` times and
/// cropped to `columns`: broadcast to G x C x times, collapsed, sliced.
static Value repeatColumns(OpBuilder &b, Location loc, Value scales,
                           int64_t times, int64_t columns) {
  auto type = cast<RankedTensorType>(scales.getType());
  const int64_t rows = type.getDimSize(0), width = type.getDimSize(1);
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{rows, width, times}, type.getElementType());
  Value broadcast =
      linalg::BroadcastOp::create(b, loc, scales, init, ArrayRef<int64_t>{2})
          .getResult()[0];
  Value flat = tensor::CollapseShapeOp::create(
      b, loc,
      RankedTensorType::get({rows, width * times}, type.getElementType()),
      broadcast, ArrayRef<ReassociationIndices>{{0}, {1, 2}});
  if (width * times == columns)
    return flat;
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get({rows, columns}, type.getElementType()),
      flat, ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(rows), b.getIndexAttr(columns)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
}

void mlir::mx::splitMatmulWeightBlocks(Operation *root) {
  SmallVector<MatmulOp> matmuls;
  root->walk([&](MatmulOp op) {
    auto rhs = dyn_cast<BlockTensorType>(op.getRhs().getType());
    if (rhs && rhs.getRank() == 2 && rhs.hasStaticShape() &&
        !rhs.isTwoLevel() && !rhs.hasSwizzledScales() &&
        rhs.getBlockShape()[1] > 1)
      matmuls.push_back(op);
  });
  for (MatmulOp op : matmuls) {
    auto type = cast<BlockTensorType>(op.getRhs().getType());
    const int64_t N = type.getShape()[1], times = type.getBlockShape()[1];
    auto split =
        BlockTensorType::get(type.getShape(), type.getElementType(),
                             {type.getBlockShape()[0], 1}, type.getScaleType());
    if (!isVectorKernelProduct(op.getLhs().getType(), split,
                               /*wholePanels=*/false))
      continue; // no kernel would take it: the 2-D blocks stay
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value elements, scales;
    DenseElementsAttr constantScales;
    auto pack = op.getRhs().getDefiningOp<PackOp>();
    if (pack && matchPattern(pack.getScales(), m_Constant(&constantScales))) {
      elements = pack.getElements();
      scales = arith::ConstantOp::create(
          b, loc, repeatColumns(constantScales, times, N));
    } else {
      auto parts = UnpackOp::create(b, loc, type.getElementsType(),
                                    type.getScalesType(), op.getRhs());
      elements = parts.getElements();
      scales = repeatColumns(b, loc, parts.getScales(), times, N);
    }
    Value rhs = PackOp::create(b, loc, split, elements, scales);
    auto product =
        MatmulOp::create(b, loc, op.getType(), op.getLhs(), rhs, op.getAlpha());
    op.replaceAllUsesWith(product.getResult());
    op.erase();
  }
}
