//===- BlockedLayout.cpp - The blocked view of an MX tensor ---------------===//

#include "mx/Dialect/MX/Utils/BlockedLayout.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"

using namespace mlir;
using namespace mlir::mx;

BlockedLayout::BlockedLayout(BlockTensorType type)
    : shape(type.getShape()), block(type.getBlockShape()) {
  for (auto [size, blockSize] : llvm::zip_equal(shape, block)) {
    // A block longer than its dimension is one partial block: viewing it as
    // a block of the dimension's length is the same computation, without
    // padding to the block's length (a block of 2^40 would pad to terabytes).
    // `blockSize` refers into `block`, which linearIndex() reads too.
    if (!ShapedType::isDynamic(size) && size > 0 && blockSize > size)
      blockSize = size;
    int64_t grid = llvm::divideCeil(size, blockSize);
    paddedShape.push_back(grid * blockSize);
    reassociation.push_back(
        {int64_t(blockedShape.size()), int64_t(blockedShape.size() + 1)});
    blockedShape.append({grid, blockSize});
  }
}

Value BlockedLayout::toBlocked(OpBuilder &b, Location loc, Value tensor,
                               Attribute padValue) const {
  Type elementType = cast<RankedTensorType>(tensor.getType()).getElementType();
  if (ArrayRef<int64_t>(paddedShape) != ArrayRef<int64_t>(shape)) {
    Value pad = arith::ConstantOp::create(b, loc, cast<TypedAttr>(padValue));
    tensor = tensor::createPadHighOp(
        RankedTensorType::get(paddedShape, elementType), tensor, pad,
        /*nofold=*/false, loc, b);
  }
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(blockedShape, elementType), tensor,
      reassociation);
}

Value BlockedLayout::fromBlocked(OpBuilder &b, Location loc,
                                 Value blocked) const {
  Type elementType = cast<RankedTensorType>(blocked.getType()).getElementType();
  Value padded = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(paddedShape, elementType), blocked,
      reassociation);
  if (ArrayRef<int64_t>(paddedShape) == ArrayRef<int64_t>(shape))
    return padded;
  SmallVector<OpFoldResult> offsets(shape.size(), b.getIndexAttr(0)),
      strides(shape.size(), b.getIndexAttr(1)), sizes;
  for (int64_t size : shape)
    sizes.push_back(b.getIndexAttr(size));
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(shape, elementType), padded, offsets, sizes,
      strides);
}

Value BlockedLayout::emptyBlocked(OpBuilder &b, Location loc,
                                  Type elementType) const {
  return tensor::EmptyOp::create(b, loc, blockedShape, elementType);
}

AffineMap BlockedLayout::elementMap(MLIRContext *context) const {
  return AffineMap::getMultiDimIdentityMap(blockedShape.size(), context);
}

AffineMap BlockedLayout::gridMap(MLIRContext *context) const {
  SmallVector<AffineExpr> gridDims;
  for (unsigned d = 0; d < blockedShape.size(); d += 2)
    gridDims.push_back(getAffineDimExpr(d, context));
  return AffineMap::get(blockedShape.size(), 0, gridDims, context);
}

SmallVector<utils::IteratorType> BlockedLayout::parallelIterators() const {
  return SmallVector<utils::IteratorType>(blockedShape.size(),
                                          utils::IteratorType::parallel);
}

Value BlockedLayout::linearIndex(OpBuilder &b, Location loc) const {
  Type i64 = b.getI64Type();
  auto constant = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, loc, i64, v);
  };
  auto index = [&](unsigned dim) {
    return arith::IndexCastOp::create(b, loc, i64,
                                      linalg::IndexOp::create(b, loc, dim));
  };
  Value linear = constant(0);
  for (size_t d = 0; d < shape.size(); ++d) {
    // coordinate = g * b + j; linear = linear * shape[d] + coordinate.
    Value coordinate = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, index(2 * d), constant(block[d])),
        index(2 * d + 1));
    linear = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, linear, constant(shape[d])),
        coordinate);
  }
  return linear;
}

Value BlockedLayout::mapWithScales(
    OpBuilder &b, Location loc, Value blocked, Value scales, Type outType,
    function_ref<Value(OpBuilder &, Location, Value, Value)> body) const {
  MLIRContext *context = b.getContext();
  Value result =
      linalg::GenericOp::create(
          b, loc, RankedTensorType::get(blockedShape, outType),
          ValueRange{blocked, scales},
          ValueRange{emptyBlocked(b, loc, outType)},
          SmallVector<AffineMap>{elementMap(context), gridMap(context),
                                 elementMap(context)},
          parallelIterators(),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value out = body(nb, nl, args[0], args[1]);
            linalg::YieldOp::create(nb, nl, out);
          })
          .getResult(0);
  return fromBlocked(b, loc, result);
}
