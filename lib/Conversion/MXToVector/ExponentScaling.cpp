//===- ExponentScaling.cpp - Block scales applied without a multiply ------===//

#include "ExponentScaling.h"
#include "BlockKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;

namespace {
// The range of a + b the exponent path takes: 1.5 * 2^(23 + a + b) a
// normal f32 (a + b <= 104), and S * 2^(a + b) on the f32 grid
// (a + b >= -149).
constexpr int64_t kLeast = -149, kLargest = 104;
// What a NaN or non-normal scale's exponent becomes: no partner brings the
// sum back into range.
constexpr int64_t kOutside = 1000;
} // namespace

static Value splatOrScalar(OpBuilder &b, Location loc, Type type,
                           int64_t value) {
  if (auto vector = dyn_cast<VectorType>(type))
    return splatI32(b, loc, vector, value);
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(value));
}

/// The exponent of each f32 scale in `scales` (f32 or vector of f32) as
/// {low, high}: e itself for a normal scale, -kOutside / -kOutside for a zero
/// or subnormal one, -kOutside / kOutside for NaN.
static std::pair<Value, Value> exponentBounds(OpBuilder &b, Location loc,
                                              Value scales) {
  Type i32 = b.getI32Type();
  Type type = i32;
  if (auto vector = dyn_cast<VectorType>(scales.getType()))
    type = VectorType::get(vector.getShape(), i32);
  auto constant = [&](int64_t v) { return splatOrScalar(b, loc, type, v); };
  Value bits = arith::BitcastOp::create(b, loc, type, scales);
  Value field = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, bits, constant(23)),
      constant(255));
  Value exponent = arith::SubIOp::create(b, loc, field, constant(127));
  Value nan = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, field,
                                    constant(255));
  Value notNormal = arith::OrIOp::create(
      b, loc, nan,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, field,
                            constant(0)));
  Value low =
      arith::SelectOp::create(b, loc, notNormal, constant(-kOutside), exponent);
  Value high =
      arith::SelectOp::create(b, loc, nan, constant(kOutside), exponent);
  return {low, high};
}

static void storeRange(OpBuilder &b, Location loc, Value ranges, Value at,
                       Value low, Value high) {
  Value first = scaledIndex(b, loc, at, 2);
  memref::StoreOp::create(b, loc, low, ranges, first);
  memref::StoreOp::create(b, loc, high, ranges,
                          addIndices(b, loc, first, constantIndex(b, loc, 1)));
}

Value mlir::mx::buildRowTileExponentRanges(OpBuilder &b, Location loc,
                                           Value scalesA, int64_t M, int64_t G,
                                           int64_t rows) {
  const int64_t tiles = llvm::divideCeil(M, rows);
  Value ranges = memref::AllocOp::create(
      b, loc, MemRefType::get({tiles * G * 2}, b.getI32Type()),
      b.getI64IntegerAttr(64));
  buildBlockLoop(b, loc, tiles * G, [&](OpBuilder &nb, Location l, Value i) {
    Value tile = arith::DivUIOp::create(nb, l, i, constantIndex(nb, l, G));
    Value g = arith::RemUIOp::create(nb, l, i, constantIndex(nb, l, G));
    Value low, high;
    for (int64_t r = 0; r < rows; ++r) {
      Value row = arith::MinUIOp::create(
          nb, l,
          addIndices(nb, l, scaledIndex(nb, l, tile, rows),
                     constantIndex(nb, l, r)),
          constantIndex(nb, l, M - 1));
      auto [lo, hi] = exponentBounds(
          nb, l,
          memref::LoadOp::create(
              nb, l, scalesA,
              ValueRange{addIndices(nb, l, scaledIndex(nb, l, row, G), g)}));
      low = low ? arith::MinSIOp::create(nb, l, low, lo).getResult() : lo;
      high = high ? arith::MaxSIOp::create(nb, l, high, hi).getResult() : hi;
    }
    storeRange(nb, l, ranges, i, low, high);
  });
  return ranges;
}

Value mlir::mx::buildPanelExponentRanges(OpBuilder &b, Location loc,
                                         Value scalesB, int64_t G, int64_t N,
                                         int64_t vectors) {
  const int64_t NR = kLanes * vectors, panels = N / NR;
  Value ranges = memref::AllocOp::create(
      b, loc, MemRefType::get({panels * G * 2}, b.getI32Type()),
      b.getI64IntegerAttr(64));
  auto f32s = VectorType::get({kLanes}, b.getF32Type());
  buildBlockLoop(b, loc, panels * G, [&](OpBuilder &nb, Location l, Value i) {
    Value panel = arith::DivUIOp::create(nb, l, i, constantIndex(nb, l, G));
    Value g = arith::RemUIOp::create(nb, l, i, constantIndex(nb, l, G));
    Value first = addIndices(nb, l, scaledIndex(nb, l, g, N),
                             scaledIndex(nb, l, panel, NR));
    Value low, high;
    for (int64_t v = 0; v < vectors; ++v) {
      auto [lo, hi] = exponentBounds(
          nb, l,
          vector::LoadOp::create(
              nb, l, f32s, scalesB,
              addIndices(nb, l, first, constantIndex(nb, l, v * kLanes))));
      low = low ? arith::MinSIOp::create(nb, l, low, lo).getResult() : lo;
      high = high ? arith::MaxSIOp::create(nb, l, high, hi).getResult() : hi;
    }
    storeRange(
        nb, l, ranges, i,
        vector::ReductionOp::create(nb, l, vector::CombiningKind::MINSI, low),
        vector::ReductionOp::create(nb, l, vector::CombiningKind::MAXSI, high));
  });
  return ranges;
}

Value mlir::mx::buildExponentPathTest(OpBuilder &b, Location loc, Value rangesA,
                                      Value rangesB, Value tile, Value panel,
                                      Value g, int64_t G) {
  auto bounds = [&](Value ranges, Value group) {
    Value first = scaledIndex(
        b, loc, addIndices(b, loc, scaledIndex(b, loc, group, G), g), 2);
    return std::pair{
        memref::LoadOp::create(b, loc, ranges, first).getResult(),
        memref::LoadOp::create(
            b, loc, ranges, addIndices(b, loc, first, constantIndex(b, loc, 1)))
            .getResult()};
  };
  auto [lowA, highA] = bounds(rangesA, tile);
  auto [lowB, highB] = bounds(rangesB, panel);
  Type i32 = b.getI32Type();
  Value least = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                      addIndices(b, loc, lowA, lowB),
                                      splatOrScalar(b, loc, i32, kLeast));
  Value largest = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                        addIndices(b, loc, highA, highB),
                                        splatOrScalar(b, loc, i32, kLargest));
  return arith::AndIOp::create(b, loc, least, largest);
}

SmallVector<Value>
mlir::mx::scaleByExponents(OpBuilder &b, Location loc, ArrayRef<Value> partial,
                           ValueRange totals, Value scalesA, Value scalesB,
                           ArrayRef<Value> rowIndices, Value column, Value g,
                           int64_t G, int64_t N, int64_t vectors) {
  auto i32s = VectorType::get({kLanes}, b.getI32Type());
  auto f32s = VectorType::get({kLanes}, b.getF32Type());
  // 0x4B400000 = 1.5 * 2^23; each scale's bits carry the bias 127 << 23.
  Value offset =
      splatI32(b, loc, i32s, int64_t(0x4B400000) - 2 * (int64_t(127) << 23));
  SmallVector<Value> exponentB;
  for (int64_t v = 0; v < vectors; ++v) {
    Value scale = vector::LoadOp::create(
        b, loc, f32s, scalesB,
        addIndices(
            b, loc, scaledIndex(b, loc, g, N),
            addIndices(b, loc, column, constantIndex(b, loc, v * kLanes))));
    exponentB.push_back(addIndices(
        b, loc, vector::BitCastOp::create(b, loc, i32s, scale), offset));
  }
  SmallVector<Value> next;
  for (auto [r, row] : llvm::enumerate(rowIndices)) {
    Value scaleA = memref::LoadOp::create(
        b, loc, scalesA,
        ValueRange{addIndices(b, loc, scaledIndex(b, loc, row, G), g)});
    Value exponentA = vector::BroadcastOp::create(
        b, loc, i32s, arith::BitcastOp::create(b, loc, b.getI32Type(), scaleA));
    for (int64_t v = 0; v < vectors; ++v) {
      Value e = addIndices(b, loc, exponentA, exponentB[v]);
      Value shifted = addIndices(b, loc, e, partial[r * vectors + v]);
      Value scaled = arith::SubFOp::create(
          b, loc, vector::BitCastOp::create(b, loc, f32s, shifted),
          vector::BitCastOp::create(b, loc, f32s, e));
      next.push_back(
          arith::AddFOp::create(b, loc, totals[r * vectors + v], scaled));
    }
  }
  return next;
}
