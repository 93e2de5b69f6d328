//===- StorageLayoutToLinalg.cpp - The panels layout on the CPU
//------------===//
//
// mx.convert_layout -> one transpose of the codes and one of the scales. A
// matrix as stored (FP4 codes two to a byte: 128 bytes per panel row)
// viewed as [rows, panels, width] is its panels [panels, rows, width] with
// the first two dimensions swapped, either way.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::mx;

/// `stored` (a [rows, panels * width] matrix, or its panels [panels, rows,
/// width]) in the other form.
static Value reorderPanels(OpBuilder &b, Location loc, Value stored,
                           int64_t panels, bool toPanels) {
  auto type = cast<RankedTensorType>(stored.getType());
  Type element = type.getElementType();
  if (toPanels) {
    const int64_t rows = type.getShape()[0],
                  width = type.getShape()[1] / panels;
    Value view = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({rows, panels, width}, element), stored,
        SmallVector<ReassociationIndices>{{0}, {1, 2}});
    return buildTensorTranspose(b, loc, view, {1, 0, 2});
  }
  Value matrix = buildTensorTranspose(b, loc, stored, {1, 0, 2});
  return tensor::CollapseShapeOp::create(
      b, loc, matrix, SmallVector<ReassociationIndices>{{0}, {1, 2}});
}

namespace {
struct ConvertLayoutLowering final : OpConversionPattern<ConvertLayoutOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConvertLayoutOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ValueRange input = adaptor.getInput();
    BlockTensorType to = op.getType();
    const int64_t panels = to.getShape()[1] / kPanelColumns;
    const bool toPanels = to.hasPanels();
    Location loc = op.getLoc();
    rewriter.replaceOpWithMultiple(
        op, {{reorderPanels(rewriter, loc, input[0], panels, toPanels),
              reorderPanels(rewriter, loc, input[1], panels, toPanels)}});
    return success();
  }
};
} // namespace

void mlir::mx::populateMXStorageLayoutToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConvertLayoutLowering>(converter, patterns.getContext());
}
