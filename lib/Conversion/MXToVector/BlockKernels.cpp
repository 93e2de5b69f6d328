//===- BlockKernels.cpp - Loops over the blocks of a flat MX layout -------===//

#include "BlockKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;

/// The 1-D view of an identity-layout buffer.
static Value collapseToFlat(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  if (type.getRank() == 1)
    return buffer;
  ReassociationIndices all;
  for (int64_t dim = 0; dim < type.getRank(); ++dim)
    all.push_back(dim);
  return memref::CollapseShapeOp::create(b, loc, buffer,
                                         ArrayRef<ReassociationIndices>{all});
}

MatmulShape mlir::mx::getMatmulShape(Operation *matmul) {
  auto lhs = dyn_cast<BlockTensorType>(matmul->getOperand(0).getType());
  auto rhs = cast<BlockTensorType>(matmul->getOperand(1).getType());
  int64_t M = lhs ? lhs.getShape()[0]
                  : cast<RankedTensorType>(matmul->getOperand(0).getType())
                        .getShape()[0];
  int64_t K = rhs.getShape()[0], block = rhs.getBlockShape()[0];
  return {lhs, rhs, M, K, rhs.getShape()[1], block, K / block};
}

int64_t mlir::mx::countBlocks(BlockTensorType type) {
  int64_t blocks = 1;
  for (int64_t extent : type.getScaleShape())
    blocks *= extent;
  return blocks;
}

Value mlir::mx::readFlat(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  Value buffer = bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()), tensor,
      /*read_only=*/true);
  return collapseToFlat(b, loc, buffer);
}

FlatResult mlir::mx::allocateFlat(OpBuilder &b, Location loc,
                                  RankedTensorType type) {
  // 64-byte aligned: one cache line, one AVX-512 register.
  Value buffer = memref::AllocOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()),
      b.getI64IntegerAttr(64));
  Value tensor = bufferization::ToTensorOp::create(
      b, loc, type, buffer, /*restrict=*/true, /*writable=*/true);
  return {tensor, collapseToFlat(b, loc, buffer)};
}

Value mlir::mx::sliceLeadingColumns(OpBuilder &b, Location loc, Value wide,
                                    RankedTensorType result) {
  return tensor::ExtractSliceOp::create(
      b, loc, result, wide,
      ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(result.getDimSize(0)),
                             b.getIndexAttr(result.getDimSize(1))},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
}

void mlir::mx::buildBlockLoop(
    OpBuilder &b, Location loc, int64_t count,
    function_ref<void(OpBuilder &, Location, Value)> body) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value end = arith::ConstantIndexOp::create(b, loc, count);
  scf::ParallelOp::create(
      b, loc, ValueRange{zero}, ValueRange{end}, ValueRange{one},
      [&](OpBuilder &nested, Location nestedLoc, ValueRange ivs) {
        body(nested, nestedLoc, ivs.front());
      });
}

/// The linear element indices first + [0, k) as vector<k x i64>: the
/// Philox counters of stochastic rounding.
static Value linearElementIndices(OpBuilder &b, Location loc, Value first,
                                  int64_t k) {
  auto type = VectorType::get({k}, b.getI64Type());
  SmallVector<int64_t> lanes;
  for (int64_t i = 0; i < k; ++i)
    lanes.push_back(i);
  Value iota = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, ArrayRef<int64_t>(lanes)));
  Value base = arith::IndexCastOp::create(b, loc, b.getI64Type(), first);
  return arith::AddIOp::create(
      b, loc, vector::BroadcastOp::create(b, loc, type, base), iota);
}

/// first / 2, FP4's byte index: index * (k / 2) where `first` is
/// scaledIndex(index, k) with k even (the row kernel's blocks), else a
/// division.
static Value halfIndex(OpBuilder &b, Location loc, Value first) {
  if (auto product = first.getDefiningOp<arith::MulIOp>())
    if (std::optional<int64_t> factor = getConstantIntValue(product.getRhs());
        factor && *factor % 2 == 0)
      return scaledIndex(b, loc, product.getLhs(), *factor / 2);
  return arith::DivUIOp::create(b, loc, first, constantIndex(b, loc, 2));
}

void mlir::mx::storeEncodedElements(OpBuilder &b, Location loc, Value x,
                                    Value scaleCodes, Value first,
                                    const EncodeOptions &options, uint64_t seed,
                                    Value codes) {
  int64_t k = cast<VectorType>(x.getType()).getNumElements();
  Value code;
  if (options.rounding == numerics::Rounding::NearestEven) {
    // Nearest even (the default) has a shorter exact form.
    code = buildEncodeElementNearest(b, loc, x, scaleCodes, options.format,
                                     options.saturation);
  } else {
    auto i32s = VectorType::get({k}, b.getI32Type());
    Value random =
        options.rounding == numerics::Rounding::Stochastic
            ? buildStochasticBits(b, loc,
                                  linearElementIndices(b, loc, first, k), seed)
            : splatI32(b, loc, i32s, 0);
    code = buildEncodeElement(b, loc, x, scaleCodes, random, options);
  }
  Value bytes = arith::TruncIOp::create(
      b, loc, VectorType::get({k}, b.getI8Type()), code);
  if (options.format == numerics::ElementFormat::E2M1)
    vector::StoreOp::create(b, loc, packNibbles(b, loc, bytes), codes,
                            halfIndex(b, loc, first));
  else
    vector::StoreOp::create(b, loc, bytes, codes, first);
}

Value mlir::mx::broadcastLane(OpBuilder &b, Location loc, Value v,
                              int64_t lane) {
  return vector::ShuffleOp::create(b, loc, v, v,
                                   SmallVector<int64_t>(kLanes, lane));
}

Value mlir::mx::splatI32(OpBuilder &b, Location loc, VectorType type,
                         int64_t v) {
  return arith::ConstantOp::create(
      b, loc, SplatElementsAttr::get(type, b.getI32IntegerAttr(v)));
}

Value mlir::mx::buildMagnitudeBits(OpBuilder &b, Location loc, Value x) {
  auto i32s = cast<VectorType>(x.getType()).clone(b.getI32Type());
  return arith::AndIOp::create(b, loc,
                               arith::BitcastOp::create(b, loc, i32s, x),
                               splatI32(b, loc, i32s, 0x7FFFFFFF));
}

Value mlir::mx::buildReduceMagnitudes(OpBuilder &b, Location loc,
                                      Value magnitudes) {
  return arith::BitcastOp::create(
      b, loc, b.getF32Type(),
      vector::ReductionOp::create(b, loc, vector::CombiningKind::MAXUI,
                                  magnitudes));
}

Value mlir::mx::buildReduceMagnitudesOfSixteen(OpBuilder &b, Location loc,
                                               ArrayRef<Value> magnitudes) {
  assert(magnitudes.size() == kLanes && "one vector per lane");
  // Level by level, pairs (a, b) whose lanes hold runs of `run` partial
  // maxima per block become one vector with runs of run / 2: the first
  // halves of every run of a and b side by side, against the second
  // halves. After four levels lane j holds block j's maximum.
  SmallVector<Value> level(magnitudes.begin(), magnitudes.end());
  for (int64_t run = kLanes; run > 1; run /= 2) {
    int64_t half = run / 2;
    SmallVector<int64_t> firsts, seconds;
    for (int64_t source = 0; source < 2; ++source)
      for (int64_t start = 0; start < kLanes; start += run)
        for (int64_t i = 0; i < half; ++i) {
          firsts.push_back(source * kLanes + start + i);
          seconds.push_back(source * kLanes + start + half + i);
        }
    SmallVector<Value> next;
    for (size_t p = 0; p < level.size(); p += 2) {
      Value first =
          vector::ShuffleOp::create(b, loc, level[p], level[p + 1], firsts);
      Value second =
          vector::ShuffleOp::create(b, loc, level[p], level[p + 1], seconds);
      next.push_back(arith::MaxUIOp::create(b, loc, first, second));
    }
    level = std::move(next);
  }
  return arith::BitcastOp::create(
      b, loc, cast<VectorType>(level.front().getType()).clone(b.getF32Type()),
      level.front());
}

Value mlir::mx::addIndices(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddIOp::create(b, loc, x, y);
}

Value mlir::mx::scaledIndex(OpBuilder &b, Location loc, Value index,
                            int64_t factor) {
  return arith::MulIOp::create(b, loc, index,
                               arith::ConstantIndexOp::create(b, loc, factor));
}

/// The constant `v` in every byte lane of `type`.
static Value splatByte(OpBuilder &b, Location loc, VectorType type, int64_t v) {
  return arith::ConstantOp::create(
      b, loc, SplatElementsAttr::get(type, b.getIntegerAttr(b.getI8Type(), v)));
}

Value mlir::mx::packNibbles(OpBuilder &b, Location loc, Value codes) {
  auto halves = vector::DeinterleaveOp::create(b, loc, codes);
  auto byteType = cast<VectorType>(halves.getRes1().getType());
  return arith::OrIOp::create(
      b, loc,
      arith::AndIOp::create(b, loc, halves.getRes1(),
                            splatByte(b, loc, byteType, 15)),
      arith::ShLIOp::create(b, loc, halves.getRes2(),
                            splatByte(b, loc, byteType, 4)));
}

Value mlir::mx::unpackNibbles(OpBuilder &b, Location loc, Value bytes) {
  auto byteType = cast<VectorType>(bytes.getType());
  Value low =
      arith::AndIOp::create(b, loc, bytes, splatByte(b, loc, byteType, 15));
  Value high =
      arith::ShRUIOp::create(b, loc, bytes, splatByte(b, loc, byteType, 4));
  return vector::InterleaveOp::create(b, loc, low, high);
}

Value mlir::mx::interleaveQuads(OpBuilder &b, Location loc, Value r0, Value r1,
                                Value r2, Value r3) {
  int64_t n = cast<VectorType>(r0.getType()).getNumElements();
  auto halves = VectorType::get({n}, b.getI16Type());
  Value low = vector::BitCastOp::create(
      b, loc, halves, vector::InterleaveOp::create(b, loc, r0, r1));
  Value high = vector::BitCastOp::create(
      b, loc, halves, vector::InterleaveOp::create(b, loc, r2, r3));
  return vector::BitCastOp::create(
      b, loc, VectorType::get({4 * n}, b.getI8Type()),
      vector::InterleaveOp::create(b, loc, low, high));
}

DenseElementsAttr mlir::mx::rebuildColumns(
    DenseElementsAttr values, int64_t columns,
    function_ref<Attribute(ArrayRef<Attribute>, int64_t)> pick) {
  auto type = cast<RankedTensorType>(values.getType());
  const int64_t rows = type.getDimSize(0), width = type.getDimSize(1);
  SmallVector<Attribute> old(values.getValues<Attribute>());
  SmallVector<Attribute> built;
  built.reserve(rows * columns);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c)
      built.push_back(pick(ArrayRef(old).slice(r * width, width), c));
  return DenseElementsAttr::get(
      RankedTensorType::get({rows, columns}, type.getElementType()), built);
}

Value mlir::mx::broadcastWord(OpBuilder &b, Location loc, Value buffer,
                              Value at, int64_t count) {
  constexpr int64_t kWords = 16; // 32-bit lanes of one AVX-512 register
  Type element = cast<MemRefType>(buffer.getType()).getElementType();
  Value values = vector::LoadOp::create(
      b, loc, VectorType::get({count}, element), buffer, ValueRange{at});
  Value word = vector::BitCastOp::create(
      b, loc, VectorType::get({1}, b.getI32Type()), values);
  Value words = vector::BroadcastOp::create(
      b, loc, VectorType::get({kWords}, b.getI32Type()),
      vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0}));
  return vector::BitCastOp::create(
      b, loc, VectorType::get({count * kWords}, element), words);
}
