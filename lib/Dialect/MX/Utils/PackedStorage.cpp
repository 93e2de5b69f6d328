//===- PackedStorage.cpp - Sub-byte element storage -----------------------===//

#include "mx/Dialect/MX/Utils/PackedStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"

using namespace mlir;
using namespace mlir::mx;

static bool isNibblePacked(BlockTensorType type) {
  return isa<Float4E2M1FNType>(type.getElementType());
}

RankedTensorType mlir::mx::getStorageType(BlockTensorType type) {
  return type.isTwoLevel() ? type.getTwoLevelStorageType()
                           : type.getCodeStorageType();
}

std::vector<uint8_t> mlir::mx::getConstantCodes(DenseElementsAttr values) {
  // One byte per value in a dense attribute; a splat holds one.
  ArrayRef<char> raw = values.getRawData();
  int64_t count = values.getNumElements();
  std::vector<uint8_t> codes(count);
  for (int64_t i = 0; i < count; ++i)
    codes[i] = uint8_t(raw[values.isSplat() ? 0 : i]);
  return codes;
}

DenseElementsAttr mlir::mx::packConstantCodes(DenseElementsAttr elements,
                                              BlockTensorType type) {
  std::vector<uint8_t> codes = getConstantCodes(elements);
  int64_t count = elements.getNumElements();
  RankedTensorType storageType = getStorageType(type);
  if (!isNibblePacked(type))
    return DenseElementsAttr::getFromRawBuffer(
        storageType,
        ArrayRef<char>(reinterpret_cast<const char *>(codes.data()),
                       codes.size()));
  int64_t width = type.getElementStorageType().getShape().back(),
          packedWidth = (width + 1) / 2;
  std::vector<char> packed(storageType.getNumElements(), 0);
  for (int64_t row = 0; row < count / width; ++row)
    for (int64_t j = 0; j < width; ++j)
      packed[row * packedWidth + j / 2] |=
          static_cast<char>((codes[row * width + j] & 0xF) << (4 * (j % 2)));
  return DenseElementsAttr::getFromRawBuffer(storageType, packed);
}

/// [..., 2n] <-> [..., n, 2] reassociation on a tensor of `rank`.
static SmallVector<ReassociationIndices> pairReassociation(int64_t rank) {
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t d = 0; d + 1 < rank; ++d)
    reassociation.push_back({d});
  reassociation.push_back({rank - 1, rank});
  return reassociation;
}

/// [..., n, 2] -> [..., n]: the byte a pair of codes shares.
static AffineMap pairMap(int64_t rank, MLIRContext *context) {
  return AffineMap::getMultiDimIdentityMap(rank + 1, context).dropResult(rank);
}

Value mlir::mx::packCodes(OpBuilder &b, Location loc, Value codes,
                          BlockTensorType type) {
  if (!isNibblePacked(type))
    return codes;
  Type i8 = b.getI8Type();
  // As stored: the panels layout's [N/256, K, 256].
  SmallVector<int64_t> shape(type.getElementStorageType().getShape());
  int64_t rank = shape.size();
  SmallVector<int64_t> even(shape);
  even.back() = llvm::alignTo(shape.back(), 2);
  if (even != shape) // a zero code fills the last high nibble
    codes = tensor::createPadHighOp(RankedTensorType::get(even, i8), codes,
                                    arith::ConstantIntOp::create(b, loc, i8, 0),
                                    /*nofold=*/false, loc, b);
  SmallVector<int64_t> pairs(even);
  pairs.back() /= 2;
  SmallVector<int64_t> split(pairs);
  split.push_back(2);
  Value paired = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(split, i8), codes, pairReassociation(rank));
  // Reduce each pair: low | high << 4.
  MLIRContext *context = b.getContext();
  Value zero = arith::ConstantIntOp::create(b, loc, i8, 0);
  Value init = linalg::FillOp::create(
                   b, loc, ValueRange{zero},
                   ValueRange{tensor::EmptyOp::create(b, loc, pairs, i8)})
                   .getResult(0);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{paired}, ValueRange{init},
             SmallVector<AffineMap>{b.getMultiDimIdentityMap(rank + 1),
                                    pairMap(rank, context)},
             iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value position = arith::IndexCastOp::create(
                   nb, nl, i8, linalg::IndexOp::create(nb, nl, rank));
               Value shift = arith::MulIOp::create(
                   nb, nl, position,
                   arith::ConstantIntOp::create(nb, nl, i8, 4));
               Value placed = arith::ShLIOp::create(nb, nl, args[0], shift);
               linalg::YieldOp::create(
                   nb, nl,
                   arith::OrIOp::create(nb, nl, args[1], placed).getResult());
             })
      .getResult(0);
}

Value mlir::mx::unpackCodes(OpBuilder &b, Location loc, Value storage,
                            BlockTensorType type) {
  if (!isNibblePacked(type))
    return storage;
  Type i8 = b.getI8Type();
  // As stored: the panels layout's [N/256, K, 256].
  SmallVector<int64_t> shape(type.getElementStorageType().getShape());
  int64_t rank = shape.size();
  auto pairs = cast<RankedTensorType>(storage.getType()).getShape();
  SmallVector<int64_t> split(pairs);
  split.push_back(2);
  MLIRContext *context = b.getContext();
  Value init = tensor::EmptyOp::create(b, loc, split, i8);
  Value nibbles =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{storage}, ValueRange{init},
          SmallVector<AffineMap>{pairMap(rank, context),
                                 b.getMultiDimIdentityMap(rank + 1)},
          SmallVector<utils::IteratorType>(rank + 1,
                                           utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value position = arith::IndexCastOp::create(
                nb, nl, i8, linalg::IndexOp::create(nb, nl, rank));
            Value shift = arith::MulIOp::create(
                nb, nl, position, arith::ConstantIntOp::create(nb, nl, i8, 4));
            Value nibble = arith::AndIOp::create(
                nb, nl, arith::ShRUIOp::create(nb, nl, args[0], shift),
                arith::ConstantIntOp::create(nb, nl, i8, 0xF));
            linalg::YieldOp::create(nb, nl, nibble);
          })
          .getResult(0);
  SmallVector<int64_t> even(pairs);
  even.back() *= 2;
  Value codes =
      tensor::CollapseShapeOp::create(b, loc, RankedTensorType::get(even, i8),
                                      nibbles, pairReassociation(rank));
  if (even.back() == shape.back())
    return codes;
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)),
      strides(rank, b.getIndexAttr(1)), sizes;
  for (int64_t size : shape)
    sizes.push_back(b.getIndexAttr(size));
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(shape, i8), codes, offsets, sizes, strides);
}
