//===- NVFP4QuantizeKernel.cpp - NVFP4 quantize, sixteen blocks at a time -===//
//
// mx.quantize to NVFP4 (E2M1 elements, blocks of 16 along the last axis,
// E4M3 block scales under an f32 tensor scale S) when the blocks come in
// whole groups of sixteen. A group's amaxes meet in one vector, so its
// sixteen E4M3 scales (a double division each) are computed in the lanes of
// one vector.
//
// The codes then come from a lookup and one comparison per element instead
// of seven. With y = |x| / step (step = block scale * S) and R the f32 just
// below 2 / step, one fma gives b, the nearest integer of |x| * R, which
// lies in [2y (1 - 2^-20), 2y]. The smallest code of y's with that b,
// LUT[b], is the code of y or one less: the buckets are half-units of y,
// the rounding midpoints of E2M1 sit at quarter and half points, and the
// code changes by at most one within a bucket and across its lower edge.
// One exact comparison of |x| with the block's threshold above LUT[b]
// settles it. The thresholds are computed in f32 with the rounding error of
// a product (exact in an fma) and transposed so that two blocks' eight sit
// in one register, which vpermps reads by LUT[b].
//
// The block scales come from an f32 product: q = amax * RN(1 / (6 S)) is
// within 2^-22 of amax / (6 S), so its E4M3 rounding (the f32 adder's) is
// the contract's unless q lies within that distance of a rounding midpoint
// or in E4M3's subnormal range; a group with such a q (one group in 1,800
// for Gaussian data) or an S outside [2^-126, 2^120] (where RN(1 / (6 S))
// would leave f32's normal range) takes the exact double division instead.
//
// A group with a block scale that is NaN, subnormal or 448 (where y may
// leave the sixteen buckets), or an S whose products could leave f32's
// normal range, compares each element with all seven thresholds, as the
// single-block loop does (TileQuantizeKernel.cpp).
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/IR/MXTargetOps.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Dialect/MX/Utils/FloatScaleCodes.h"
#include "mx/Numerics/ElementFormat.h"
#include "mx/Numerics/NVFP4.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;
using F = arith::CmpFPredicate;

namespace {

/// The f32 2^23: an fma that adds it to a value in [0, 2^23) rounds that
/// value to the nearest integer, held in the low bits of the sum.
constexpr int32_t kMagicBits = 0x4B000000;
/// The last bucket: a register of sixteen lanes holds the table.
constexpr int64_t kLastBucket = 15;

/// Lanes hold block j at lane (j mod 2) * 8 + j / 2: after the transpose
/// below, blocks 2p and 2p + 1 then share register p, each in eight lanes.
int64_t laneOfBlock(int64_t j) { return (j % 2) * 8 + j / 2; }

/// The smallest E2M1 code in bucket b (the y with nearest integer of 2y
/// equal to b): the code of its lower end (2b - 1) / 4, which belongs to it
/// where b is even (ties go to even) and otherwise only what lies above
/// does; `plusEight` adds 8, for the odd block of a register pair.
SmallVector<int32_t> bucketCodes(bool plusEight) {
  SmallVector<int32_t> codes;
  for (int64_t bucket = 0; bucket <= kLastBucket; ++bucket) {
    double low = std::max(0.0, (2.0 * double(bucket) - 1.0) / 4.0);
    if (bucket % 2 == 1)
      low = std::nextafter(low, 8.0);
    codes.push_back(num::encodeElement(num::ElementFormat::E2M1, low,
                                       num::Rounding::NearestEven,
                                       num::Saturation::Saturate) +
                    (plusEight ? 8 : 0));
  }
  return codes;
}

/// `x` with register-index bit `reg` and lane-index bit `lane` of its
/// vectors exchanged: the element in register r, lane l moves to the
/// register whose bit `reg` is l's bit `lane`, and the lane whose bit
/// `lane` is r's bit `reg`.
void swapIndexBits(OpBuilder &b, Location loc, MutableArrayRef<Value> x,
                   unsigned reg, unsigned lane) {
  const int64_t regBit = int64_t(1) << reg, laneBit = int64_t(1) << lane;
  for (int64_t r = 0; r < int64_t(x.size()); ++r) {
    if (r & regBit)
      continue;
    SmallVector<int64_t> low, high; // from x[r] (0-15) and x[r + regBit]
    for (int64_t l = 0; l < kLanes; ++l) {
      bool set = l & laneBit;
      low.push_back(set ? kLanes + (l ^ laneBit) : l);
      high.push_back(set ? kLanes + l : (l | laneBit));
    }
    Value a = x[r], c = x[r + regBit];
    x[r] = vector::ShuffleOp::create(b, loc, a, c, low);
    x[r + regBit] = vector::ShuffleOp::create(b, loc, a, c, high);
  }
}

/// The E2M1 codes of one block as i32 lanes packed two to a byte (lane 2i
/// in the low nibble of byte i): each 64-bit word's high half moves down
/// next to its low half, then each word is truncated to its byte.
Value packCodeWords(OpBuilder &b, Location loc, Value codes) {
  auto words = VectorType::get({kLanes / 2}, b.getI64Type());
  ArithEmitter a(b, loc, words);
  Value w = vector::BitCastOp::create(b, loc, words, codes);
  return a.trunc(VectorType::get({kLanes / 2}, b.getI8Type()),
                 a.bor(w, a.shr(w, a.c(28))));
}

/// One group of sixteen blocks after its loads: the elements, the block
/// scales (stored), and whether the lookup path takes them.
struct Group {
  Value index;
  SmallVector<Value, 16> xs;
  Value scaleValues; // f32, block j in lane j
  Value usual;       // i1
};

/// A group's lookup tables: its bounds, two blocks to a register, and R
/// (pair order).
struct LookupTables {
  SmallVector<Value, 8> pairs;
  Value ratio;
};

/// The loop body's pieces: a group's loads and scales, then either path.
struct GroupEmitter {
  Value input, codes, scales, tensorScale;
  Type inputElement;
  Value inRange, scaleOutOfRange, twiceInverse, inverseSixS;

  Value blockScaleCodes(OpBuilder &b, Location l, Value amax) const;
  Group load(OpBuilder &b, Location l, Value index) const;
  LookupTables tables(OpBuilder &b, Location l, const Group &g) const;
  void lookupCodes(OpBuilder &b, Location l, const Group &g,
                   const LookupTables &t) const;
  void compareCodes(OpBuilder &b, Location l, const Group &g) const;
  void storeCodes(OpBuilder &b, Location l, const Group &g, int64_t j,
                  Value code) const;
  void iteration(OpBuilder &b, Location l, Value index) const;
};

VectorType f32Lanes(OpBuilder &b) {
  return VectorType::get({kLanes}, b.getF32Type());
}
VectorType i32Lanes(OpBuilder &b) {
  return VectorType::get({kLanes}, b.getI32Type());
}
Value splatF32(OpBuilder &b, Location l, float v) {
  return splatConstant(b, l, f32Lanes(b), b.getF32FloatAttr(v));
}

Value GroupEmitter::blockScaleCodes(OpBuilder &b, Location l,
                                    Value amax) const {
  auto f32s = f32Lanes(b);
  auto i32s = i32Lanes(b);
  ArithEmitter a(b, l, i32s);
  // q below 1024 (past 464 every code saturates to 448), finite for the
  // encoder; NaN and Inf amaxes get their code at the end.
  Value product =
      a.mulF(amax, vector::BroadcastOp::create(b, l, f32s, inverseSixS));
  Value limit = splatF32(b, l, 1024.0f);
  Value q = a.select(a.cmpF(F::OLT, product, limit), product, limit);
  Value candidate = buildEncodeElementNearest(b, l, q, a.c(num::kE8M0Bias),
                                              num::ElementFormat::E4M3,
                                              num::Saturation::Saturate);
  Value infinity = splatF32(b, l, INFINITY);
  Value fast = a.select(a.cmpF(F::OLT, amax, infinity), candidate,
                        a.c(num::kNVFP4NaNBlockScale));
  // Doubtful: the 20 bits below E4M3's fraction within 16 units of a
  // midpoint (10000...), or 0 < q < 2^-6 (E4M3 subnormals, whose midpoints
  // sit elsewhere).
  Value bits = a.bitcast(i32s, q);
  Value nearMidpoint =
      a.cmp(arith::CmpIPredicate::ule,
            a.band(a.add(bits, a.c(16 - 0x80000)), a.c(0xFFFFF)), a.c(32));
  Value subnormal = a.cmp(arith::CmpIPredicate::ult, a.sub(bits, a.c(1)),
                          a.c(0x3C800000 - 1)); // 2^-6
  Value doubtful = vector::ReductionOp::create(b, l, vector::CombiningKind::OR,
                                               a.bor(nearMidpoint, subnormal));
  auto exact =
      scf::IfOp::create(b, l, TypeRange{i32s},
                        arith::OrIOp::create(b, l, doubtful, scaleOutOfRange),
                        /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(exact.thenBlock());
  scf::YieldOp::create(
      b, l,
      buildNVFP4BlockScaleCode(
          b, l, amax, vector::BroadcastOp::create(b, l, f32s, tensorScale)));
  b.setInsertionPointToStart(exact.elseBlock());
  scf::YieldOp::create(b, l, fast);
  return exact.getResult(0);
}

Group GroupEmitter::load(OpBuilder &b, Location l, Value index) const {
  auto f32s = f32Lanes(b);
  ArithEmitter a(b, l, i32Lanes(b));
  Group g;
  g.index = index;
  SmallVector<Value> magnitudes;
  for (int64_t j = 0; j < kLanes; ++j) {
    Value first = addIndices(b, l, scaledIndex(b, l, index, kLanes * kLanes),
                             constantIndex(b, l, kLanes * j));
    Value x = vector::LoadOp::create(
        b, l, VectorType::get({kLanes}, inputElement), input, first);
    if (inputElement != b.getF32Type()) // exact
      x = arith::ExtFOp::create(b, l, f32s, x);
    g.xs.push_back(x);
    magnitudes.push_back(buildMagnitudeBits(b, l, x));
  }
  Value amax = buildReduceMagnitudesOfSixteen(b, l, magnitudes);
  Value scaleCodes = blockScaleCodes(b, l, amax);
  vector::StoreOp::create(
      b, l,
      arith::BitcastOp::create(
          b, l, VectorType::get({kLanes}, b.getType<Float8E4M3FNType>()),
          a.trunc(VectorType::get({kLanes}, b.getI8Type()), scaleCodes)),
      scales, scaledIndex(b, l, index, kLanes));
  g.scaleValues =
      buildDecodeUnitElement(b, l, scaleCodes, num::ElementFormat::E4M3);
  // Block scales that are zero or normal and below 448: then y < 6.4 (the
  // E4M3 rounding of amax / (6 S) is within 2^-4 of it), so 2y' stays
  // inside the sixteen buckets.
  Value usual =
      a.bor(a.cmp(arith::CmpIPredicate::eq, scaleCodes, a.c(0)),
            a.band(a.cmp(arith::CmpIPredicate::uge, scaleCodes, a.c(0x08)),
                   a.cmp(arith::CmpIPredicate::ult, scaleCodes, a.c(0x7E))));
  g.usual =
      vector::ReductionOp::create(b, l, vector::CombiningKind::AND, usual);
  return g;
}

LookupTables GroupEmitter::tables(OpBuilder &b, Location l,
                                  const Group &g) const {
  auto f32s = f32Lanes(b);
  auto i32s = i32Lanes(b);
  ArithEmitter a(b, l, i32s);
  SmallVector<int64_t> pairOrder(kLanes);
  for (int64_t j = 0; j < kLanes; ++j)
    pairOrder[laneOfBlock(j)] = j;
  Value blockScale =
      vector::ShuffleOp::create(b, l, g.scaleValues, g.scaleValues, pairOrder);
  Value zeroStep = a.cmpF(F::OEQ, blockScale, splatF32(b, l, 0.0f));
  // Bound c is T = m_c * block scale * S, with m_c * block scale exact (at
  // most 3 + 4 significant bits) and the product's error exact in the fma
  // (both factors' exponents sum to at least -99): x > T (even c, a tie
  // stays down) iff x >= the f32 above RD(T), and x >= T (odd c) iff
  // x >= RU(T); in both cases RN(T), or the f32 above it where the error
  // T - RN(T) is >= 0 (even c) or > 0 (odd c). Bound 7 is never passed.
  static constexpr float kMidpoints[] = {0.25f, 0.75f, 1.25f, 1.75f,
                                         2.5f,  3.5f,  5.0f};
  Value tensorScales = vector::BroadcastOp::create(b, l, f32s, tensorScale);
  LookupTables t;
  for (auto [c, midpoint] : llvm::enumerate(kMidpoints)) {
    Value exactFactor = a.mulF(blockScale, splatF32(b, l, midpoint));
    Value nearest = a.mulF(exactFactor, tensorScales);
    Value error = math::FmaOp::create(b, l, exactFactor, tensorScales,
                                      arith::NegFOp::create(b, l, nearest));
    Value up = a.cmpF(c % 2 ? F::OGT : F::OGE, error, splatF32(b, l, 0.0f));
    Value bits = a.bitcast(i32s, nearest);
    t.pairs.push_back(a.bitcast(f32s, a.select(up, a.add(bits, a.c(1)), bits)));
  }
  // A zero step leaves signed zeros (R = 0 below: bound 0 is the only one
  // read, and never passed).
  t.pairs.front() = a.select(zeroStep, splatF32(b, l, NAN), t.pairs.front());
  t.pairs.push_back(splatF32(b, l, INFINITY));
  t.ratio =
      a.select(zeroStep, splatF32(b, l, 0.0f),
               a.divF(vector::BroadcastOp::create(b, l, f32s, twiceInverse),
                      blockScale));
  // Register bits (bound) <-> lane bits 0-2 (block / 2 in pair order):
  // register p then holds block 2p's bounds in lanes 0-7, 2p + 1's in 8-15.
  for (unsigned bit = 0; bit < 3; ++bit)
    swapIndexBits(b, l, t.pairs, bit, bit);
  return t;
}

void GroupEmitter::storeCodes(OpBuilder &b, Location l, const Group &g,
                              int64_t j, Value code) const {
  Value at = addIndices(b, l, scaledIndex(b, l, g.index, kLanes * 8),
                        constantIndex(b, l, 8 * j));
  vector::StoreOp::create(b, l, packCodeWords(b, l, code), codes, at);
}

void GroupEmitter::lookupCodes(OpBuilder &b, Location l, const Group &g,
                               const LookupTables &t) const {
  auto f32s = f32Lanes(b);
  auto i32s = i32Lanes(b);
  ArithEmitter a(b, l, i32s);
  Value lookup[2];
  for (int64_t odd = 0; odd < 2; ++odd)
    lookup[odd] = a.bitcast(
        f32s,
        arith::ConstantOp::create(
            b, l,
            DenseElementsAttr::get(i32s, ArrayRef<int32_t>(bucketCodes(odd)))));
  Value magic = a.bitcast(f32s, a.c(kMagicBits));
  for (int64_t j = 0; j < kLanes; ++j) {
    Value magnitude = math::AbsFOp::create(b, l, g.xs[j]);
    Value bucket = math::FmaOp::create(
        b, l, magnitude, broadcastLane(b, l, t.ratio, laneOfBlock(j)), magic);
    Value low = PermuteF32Op::create(b, l, f32s, lookup[j % 2],
                                     a.bitcast(i32s, bucket));
    Value bound =
        PermuteF32Op::create(b, l, f32s, t.pairs[j / 2], a.bitcast(i32s, low));
    Value lowCode = a.bitcast(i32s, low);
    Value code = a.select(a.cmpF(F::OGE, magnitude, bound),
                          a.add(lowCode, a.c(1)), lowCode);
    // E2M1 code bits 0-2 and x's sign as bit 3 (x >> 28 keeps it there).
    Value sign = a.band(a.shr(a.bitcast(i32s, g.xs[j]), a.c(28)), a.c(8));
    storeCodes(b, l, g, j, a.bor(a.band(code, a.c(7)), sign));
  }
}

void GroupEmitter::compareCodes(OpBuilder &b, Location l,
                                const Group &g) const {
  NVFP4Thresholds thresholds = buildNVFP4Thresholds(
      b, l, g.scaleValues,
      vector::BroadcastOp::create(b, l, f32Lanes(b), tensorScale));
  for (int64_t j = 0; j < kLanes; ++j) {
    NVFP4Thresholds block;
    for (Value bound : thresholds.bounds)
      block.bounds.push_back(broadcastLane(b, l, bound, j));
    block.signBit = broadcastLane(b, l, thresholds.signBit, j);
    storeCodes(b, l, g, j, buildEncodeNVFP4(b, l, g.xs[j], block));
  }
}

void GroupEmitter::iteration(OpBuilder &b, Location l, Value index) const {
  Group g = load(b, l, index);
  auto path =
      scf::IfOp::create(b, l, arith::AndIOp::create(b, l, inRange, g.usual),
                        /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(path.elseBlock());
  compareCodes(b, l, g);
  b.setInsertionPointToStart(path.thenBlock());
  lookupCodes(b, l, g, tables(b, l, g));
}

} // namespace

void mlir::mx::buildNVFP4QuantizeGroups(OpBuilder &rewriter, Location loc,
                                        int64_t groups, Value input,
                                        Type inputElement, Value tensorScale,
                                        Value codes, Value scales) {
  ArithEmitter scalar(rewriter, loc, rewriter.getI32Type());
  // The lookup path's range of S: the products and quotients below stay
  // normal f32 for every finite nonzero E4M3 block scale (2^-9 to 448).
  Value inRange =
      scalar.band(scalar.cmpF(F::OGE, tensorScale, scalar.cF32(0x1p-88f)),
                  scalar.cmpF(F::OLE, tensorScale, scalar.cF32(0x1p115f)));
  // (2 - 2^-20) / S: its quotient by a block scale, R, is below 2 / step by
  // at most 2^-20 of it (three roundings of 2^-24 each at most).
  Value twiceInverse = scalar.divF(scalar.cF32(2.0f - 0x1p-20f), tensorScale);
  // RN(1 / (6 S)), normal f32 for S in range: 6 S is exact in double.
  Type f64 = rewriter.getF64Type();
  Value sixS =
      scalar.mulF(arith::ExtFOp::create(rewriter, loc, f64, tensorScale),
                  arith::ConstantFloatOp::create(
                      rewriter, loc, cast<FloatType>(f64), APFloat(6.0)));
  Value inverseSixS = arith::TruncFOp::create(
      rewriter, loc, rewriter.getF32Type(),
      scalar.divF(arith::ConstantFloatOp::create(
                      rewriter, loc, cast<FloatType>(f64), APFloat(1.0)),
                  sixS));
  Value scaleOutOfRange =
      scalar.bor(scalar.cmpF(F::ULT, tensorScale, scalar.cF32(0x1p-126f)),
                 scalar.cmpF(F::UGT, tensorScale, scalar.cF32(0x1p120f)));
  GroupEmitter emit{input,           codes,        scales,
                    tensorScale,     inputElement, inRange,
                    scaleOutOfRange, twiceInverse, inverseSixS};
  buildBlockLoop(rewriter, loc, groups,
                 [&](OpBuilder &b, Location l, Value group) {
                   emit.iteration(b, l, group);
                 });
}
