//===- BlockedLayout.h - The blocked view of an MX tensor -------*- C++ -*-===//
//
// A tensor of shape [d0, d1, ...] blocked [b0, b1, ...] is viewed, after
// padding each dimension to a whole number of blocks, as
// [g0, b0, g1, b1, ...] with g = ceil(d / b) (a block longer than its
// static dimension is taken as the dimension's length). In that view a block's
// scale is the element of the grid [g0, g1, ...] at the even loop dimensions,
// an ordinary broadcast operand of a linalg.generic. Used by the scale
// computation (-mx-insert-scale-computation) and the lowerings alike.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_UTILS_BLOCKEDLAYOUT_H
#define MX_DIALECT_MX_UTILS_BLOCKEDLAYOUT_H

#include "mx/Dialect/MX/IR/MXTypes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/Builders.h"

namespace mlir::mx {

class BlockedLayout {
public:
  explicit BlockedLayout(BlockTensorType type);

  /// Pads `tensor` (of the MX tensor's shape) with `padValue` to whole blocks
  /// and splits it into [g0, b0, g1, b1, ...].
  Value toBlocked(OpBuilder &b, Location loc, Value tensor,
                  Attribute padValue) const;
  /// The inverse of toBlocked: merges the split dimensions and drops the pad.
  Value fromBlocked(OpBuilder &b, Location loc, Value blocked) const;

  /// tensor.empty of the blocked shape with `elementType`.
  Value emptyBlocked(OpBuilder &b, Location loc, Type elementType) const;

  /// Identity map of the blocked loops, and the map onto the scale grid.
  AffineMap elementMap(MLIRContext *context) const;
  AffineMap gridMap(MLIRContext *context) const;
  SmallVector<utils::IteratorType> parallelIterators() const;

  /// The row-major linear index (i64) in the unpadded tensor of the element
  /// at the current loop position, from linalg.index inside a generic body.
  Value linearIndex(OpBuilder &b, Location loc) const;

  /// A linalg.generic over the blocked view: `blocked` element by element,
  /// with its block's scale element from `scales`, producing `outType`
  /// elements; the result is returned in the MX tensor's own shape.
  Value mapWithScales(
      OpBuilder &b, Location loc, Value blocked, Value scales, Type outType,
      function_ref<Value(OpBuilder &, Location, Value, Value)> body) const;

  ArrayRef<int64_t> getBlockedShape() const { return blockedShape; }

private:
  SmallVector<int64_t> shape, block, paddedShape, blockedShape;
  SmallVector<ReassociationIndices> reassociation;
};

} // namespace mlir::mx

#endif // MX_DIALECT_MX_UTILS_BLOCKEDLAYOUT_H
