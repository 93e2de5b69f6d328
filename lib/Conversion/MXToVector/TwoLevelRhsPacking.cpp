//===- TwoLevelRhsPacking.cpp - Two-level B as f32 panels for the GEMM ----===//
//
// A two-level rhs whose blocks are no MXINT8 blocks (MX9: 8-bit
// significands; two or more microexponent bits) enters the packed GEMM as
// its exact f32 values: each block's microexponents vary inside it, so
// there is no one scale per K-block to apply after a block dot, and the
// product is the f32 dot of the values (mx.matmul's contract for two-level
// operands). The packer decodes 16 blocks of a K-block row (16 adjacent
// columns, stored one after another) per iteration, transposes the 16 x 16
// values by lane shuffles so that each K row is one vector of 16 columns,
// and stores them in the FMA kernel's panels.
//
//===----------------------------------------------------------------------===//

#include "MatmulPacking.h"
#include "TwoLevelBlocks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;

/// Transposes the 16 x 16 matrix whose rows are `rows` (vectors of 16) in
/// place: four stages of pairwise lane shuffles, each swapping the
/// off-diagonal d x d blocks of every 2d x 2d block (d = 8, 4, 2, 1).
static void transposeSixteen(OpBuilder &b, Location loc,
                             MutableArrayRef<Value> rows) {
  for (int64_t d = kLanes / 2; d >= 1; d /= 2) {
    SmallVector<int64_t> low, high; // lanes of (rows[i], rows[i + d])
    for (int64_t lane = 0; lane < kLanes; ++lane) {
      bool upper = lane & d;
      low.push_back(upper ? kLanes + lane - d : lane);
      high.push_back(upper ? kLanes + lane : lane + d);
    }
    for (int64_t i = 0; i < kLanes; ++i) {
      if (i & d)
        continue;
      Value x = rows[i], y = rows[i + d];
      rows[i] = vector::ShuffleOp::create(b, loc, x, y, low);
      rows[i + d] = vector::ShuffleOp::create(b, loc, x, y, high);
    }
  }
}

Value mlir::mx::packTwoLevelRhs(OpBuilder &b, Location loc, BlockTensorType rhs,
                                const Tiling &t, Value storage,
                                int64_t paddedN) {
  const TwoLevelLayout layout(rhs);
  const int64_t K = rhs.getShape()[0], N = rhs.getShape()[1];
  const int64_t G = K / kLanes, groups = paddedN / kLanes, NR = t.columns();
  Value packedB = memref::AllocOp::create(
      b, loc, MemRefType::get({paddedN * K}, b.getF32Type()),
      b.getI64IntegerAttr(64));
  buildBlockLoop(b, loc, G * groups, [&](OpBuilder &nb, Location l, Value i) {
    Value g = arith::DivUIOp::create(nb, l, i, constantIndex(nb, l, groups));
    Value group =
        arith::RemUIOp::create(nb, l, i, constantIndex(nb, l, groups));
    Value first = scaledIndex(nb, l, group, kLanes); // the group's column 0
    // Blocks (g, first + j), one column's 16 K values each. A column past
    // N repeats column N - 1: it only reaches C's columns past N, which the
    // kernel slices off.
    SmallVector<Value> rows;
    for (int64_t j = 0; j < kLanes; ++j) {
      Value n = arith::MinUIOp::create(
          nb, l, addIndices(nb, l, first, constantIndex(nb, l, j)),
          constantIndex(nb, l, N - 1));
      Value block = addIndices(nb, l, scaledIndex(nb, l, g, N), n);
      rows.push_back(
          decodeTwoLevelBlock(nb, l, layout, storage,
                              scaledIndex(nb, l, block, layout.blockBytes)));
    }
    transposeSixteen(nb, l, rows); // rows[k]: K row g * 16 + k
    // Row k of the group in panel first / NR at column first % NR.
    Value panel =
        arith::DivUIOp::create(nb, l, first, constantIndex(nb, l, NR));
    Value at = addIndices(
        nb, l,
        scaledIndex(nb, l,
                    addIndices(nb, l, scaledIndex(nb, l, panel, K),
                               scaledIndex(nb, l, g, kLanes)),
                    NR),
        arith::RemUIOp::create(nb, l, first, constantIndex(nb, l, NR)));
    for (int64_t k = 0; k < kLanes; ++k)
      vector::StoreOp::create(
          nb, l, rows[k], packedB,
          addIndices(nb, l, at, constantIndex(nb, l, k * NR)));
  });
  return packedB;
}
