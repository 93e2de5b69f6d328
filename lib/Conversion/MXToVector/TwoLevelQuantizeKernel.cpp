//===- TwoLevelQuantizeKernel.cpp - MX9/MX6/MX4 quantize, one loop --------===//
//
// The two-level formats with blocks of 16 along the last axis: one block in
// one vector of 16 f32 lanes, blocks in parallel.
//
// Quantize: a butterfly of lane swaps and unsigned maxima over the
// magnitude bits leaves each sub-block's largest magnitude in its lanes and,
// after the remaining levels, the block's in every lane, whose exponent
// field is E's code (0 for a zero or subnormal amax, 0xFF where NaN or Inf
// wins, as in lib/Numerics). The block's facts are then scalars, off the
// vector units: a NaN block (rare) is stored by a branch; a sub-block's
// microexponent counts the powers 2^(E - t + 1), t = 1..max, that its
// largest magnitude is below (integer compares of f32 bits, subnormals
// included; one bit per sub-block comes straight from the compare's mask).
// The codes are |x| * 2^(m - 1 - E + mu), rounded: by one fma with 2^23
// where that power is a normal f32 (the sum rounds the exact product once),
// else as two exact halves. Codes and microexponents are bit-packed by
// merging lane pairs in ever narrower vectors; one store per stream.
//
// Where blocks come in groups of 16 (rne, one-bit microexponents), a
// group's pair maxima meet in one vector, so E, the thresholds and the
// powers are computed once in 16 lanes and each block takes its lane; a
// group with a NaN or a tiny block runs the block path for each block.
//
//===----------------------------------------------------------------------===//

#include "TwoLevelBlocks.h"

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"
#include "mx/Numerics/Scale.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

/// Fields of `width` (<= 8) bits in the 16 i32 lanes of `fields`, packed
/// as packFields packs bytes, by three merges: pairs of 32-bit lanes viewed
/// as one 64-bit lane, the odd lane's field shifted next to the even one's,
/// then each 64-bit lane truncated to 32 bits for the next merge.
Value packLanes(OpBuilder &b, Location loc, Value fields, unsigned width) {
  Value x = fields;
  for (int64_t lanes = kLanes / 2, bits = width; lanes >= 2;
       lanes /= 2, bits *= 2) {
    auto words = VectorType::get({lanes}, b.getI64Type());
    ArithEmitter a(b, loc, words);
    Value pairs = vector::BitCastOp::create(b, loc, words, x);
    int64_t low = (int64_t(1) << bits) - 1;
    pairs = a.bor(a.band(pairs, a.c(low)),
                  a.band(a.shr(pairs, a.c(32 - bits)), a.c(~low)));
    x = lanes > 2 ? a.trunc(VectorType::get({lanes}, b.getI32Type()), pairs)
                  : pairs;
  }
  return vector::BitCastOp::create(b, loc,
                                   VectorType::get({kLanes}, b.getI8Type()), x);
}

/// Bits 0, k2, 2 * k2, ... of the 16-bit `mask` (an i32) as bits 0, 1, 2...
Value everyKthBit(ArithEmitter &s, Value mask, int64_t k2) {
  if (k2 == 1)
    return mask;
  if (k2 == 2) { // halve the gaps: 1, 2, 4 bits at a time
    Value x = s.band(mask, s.c(0x5555));
    x = s.band(s.bor(x, s.shr(x, s.c(1))), s.c(0x3333));
    x = s.band(s.bor(x, s.shr(x, s.c(2))), s.c(0x0F0F));
    return s.band(s.bor(x, s.shr(x, s.c(4))), s.c(0x00FF));
  }
  Value x = s.c(0);
  for (int64_t j = 0; j * k2 < kLanes; ++j)
    x = s.bor(x, s.shl(s.band(s.shr(mask, s.c(j * k2)), s.c(1)), s.c(j)));
  return x;
}

/// The f32 bits of 2^(k - 127), k an i32: k << 23 where normal (k >= 1),
/// 1 << (22 + k) where subnormal (k in [-22, 0]), else 0.
Value powerBits(ArithEmitter &s, Value k, bool normalOrLeast) {
  if (normalOrLeast) // k >= 0
    return s.maxS(s.shl(k, s.c(23)), s.c(1 << 22));
  Value subnormal =
      s.select(s.cmp(arith::CmpIPredicate::sge, k, s.c(-22)),
               s.shl(s.c(1), s.maxS(s.add(k, s.c(22)), s.c(0))), s.c(0));
  return s.select(s.cmp(arith::CmpIPredicate::sge, k, s.c(1)),
                  s.shl(k, s.c(23)), subnormal);
}

/// Emits the kernel's loop bodies for one quantize.
struct QuantizeEmitter {
  const TwoLevelLayout &t;
  Value input, storage; // 1-D buffers
  Type inputElement;
  bool nearest;

  /// A block's f32 bits, magnitudes and sub-block maxima (lane i meets
  /// lane i ^ d until they fill their lanes).
  struct Loaded {
    Value bits, magnitude, subMax;
  };
  Loaded load(OpBuilder &b, Location l, Value block) const {
    VectorType f32s, i32s, bytes;
    std::tie(f32s, i32s, bytes) = blockVectors(b);
    ArithEmitter a(b, l, i32s);
    Value x =
        vector::LoadOp::create(b, l, VectorType::get({kLanes}, inputElement),
                               input, scaledIndex(b, l, block, kLanes));
    if (inputElement != b.getF32Type()) // exact
      x = arith::ExtFOp::create(b, l, f32s, x);
    Loaded v;
    v.bits = a.bitcast(i32s, x);
    v.magnitude = a.band(v.bits, a.c(0x7FFFFFFF));
    v.subMax = v.magnitude;
    for (int64_t d = 1; d < t.k2; d *= 2) {
      SmallVector<int64_t> partner;
      for (int64_t i = 0; i < kLanes; ++i)
        partner.push_back(i ^ d);
      v.subMax = arith::MaxUIOp::create(
          b, l, v.subMax, shuffleLanes(b, l, v.subMax, v.subMax, partner));
    }
    return v;
  }

  /// Whether a block with E8M0 code `code` (i32 lanes or scalar) takes the
  /// fma rounding: finite (code < 0xFF), and 2^(m - 1 - E) and
  /// 2^(m - 1 - E + mu) normal f32s.
  Value isFast(ArithEmitter &a, Value code) const {
    const int64_t maxMicro = t.format.maxMicroexponent();
    return a.band(
        a.cmp(arith::CmpIPredicate::sge, code, a.c(t.m + maxMicro - 1)),
        a.cmp(arith::CmpIPredicate::sle, code,
              a.c(std::min<int64_t>(252 + t.m, num::kE8M0NaN - 1))));
  }

  /// The code lanes from the rounded magnitudes: sign at bit m.
  Value element(ArithEmitter &a, Value bits, Value rounded) const {
    return a.bor(a.shl(a.shr(bits, a.c(31)), a.c(t.m)),
                 a.minS(rounded, a.c(t.format.maxMagnitude())));
  }

  /// Stores a block's E (`code`, an i32), microexponents (`belowOne`, a
  /// one-bit mask, or `micro`, counts) and codes.
  void store(OpBuilder &b, Location l, Value first, Value code, Value belowOne,
             Value micro, Value element) const {
    VectorType f32s, i32s, bytes;
    std::tie(f32s, i32s, bytes) = blockVectors(b);
    ArithEmitter a(b, l, i32s), s(b, l);
    auto storeAt = [&](Value value, int64_t offset) {
      Value at = addIndices(b, l, first, constantIndex(b, l, offset));
      if (isa<VectorType>(value.getType()))
        vector::StoreOp::create(b, l, value, storage, at);
      else
        memref::StoreOp::create(b, l, value, storage, at);
    };
    storeAt(s.trunc(b.getI8Type(), code), 0);
    if (belowOne) { // one bit per sub-block, from the compare's mask
      Value mask = vector::ExtractOp::create(
          b, l,
          vector::BitCastOp::create(b, l, VectorType::get({1}, b.getI16Type()),
                                    belowOne),
          ArrayRef<int64_t>{0});
      Value field = everyKthBit(s, s.zext(b.getI32Type(), mask), t.k2);
      for (int64_t i = 0; i < t.microBytes; ++i)
        storeAt(s.trunc(b.getI8Type(), s.shr(field, s.c(8 * i))), 1 + i);
    } else if (micro) {
      SmallVector<int64_t> firstOfEach;
      for (int64_t j = 0; j < kLanes; ++j)
        firstOfEach.push_back(j < t.subBlocks ? j * t.k2 : kLanes);
      Value stream = packFields(
          b, l,
          shuffleLanes(b, l, a.trunc(bytes, micro), a.c(0, bytes), firstOfEach),
          t.d2);
      storeAt(shuffleLanes(b, l, stream, stream,
                           TwoLevelLayout::streamBytes(t.subBlocks, t.d2)),
              1);
    }
    Value codes =
        t.w == 8 ? a.trunc(bytes, element) : packLanes(b, l, element, t.w);
    if (t.w < 8)
      codes = shuffleLanes(b, l, codes, codes,
                           TwoLevelLayout::streamBytes(kLanes, t.w));
    storeAt(codes, 1 + t.microBytes);
  }

  /// One block, its facts in scalar registers (off the vector units).
  void block(OpBuilder &b, Location l, Value block) const {
    VectorType f32s, i32s, bytes;
    std::tie(f32s, i32s, bytes) = blockVectors(b);
    ArithEmitter a(b, l, i32s), s(b, l);
    Loaded v = load(b, l, block);
    // E8M0: E + 127, or 0xFF; from a reduction of the sub-block maxima.
    Value code = s.shr(vector::ReductionOp::create(
                           b, l, vector::CombiningKind::MAXUI, v.subMax),
                       s.c(23));
    Value first = scaledIndex(b, l, block, t.blockBytes);
    auto splat = [&](Value scalar, VectorType type) -> Value {
      return vector::BroadcastOp::create(b, l, type, scalar);
    };

    // NaN or Inf (rare): E = 0xFF, every other bit 0.
    auto nonFinite = scf::IfOp::create(
        b, l, s.cmp(arith::CmpIPredicate::eq, code, s.c(num::kE8M0NaN)),
        /*withElse=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(nonFinite.thenBlock());
    SmallVector<int8_t> nanBlock(t.blockBytes, 0);
    nanBlock.front() = int8_t(num::kE8M0NaN);
    auto blockType = VectorType::get({t.blockBytes}, b.getI8Type());
    vector::StoreOp::create(
        b, l,
        arith::ConstantOp::create(
            b, l, DenseElementsAttr::get(blockType, ArrayRef(nanBlock))),
        storage, first);
    b.setInsertionPointToStart(nonFinite.elseBlock());

    // mu = #{t in 1..max : subMax < 2^(E - t + 1)}: lanes below each power
    // (a mask where mu has one bit, else a count).
    Value belowOne, micro;
    for (int64_t t1 = 0; t1 < int64_t(t.format.maxMicroexponent()); ++t1) {
      Value power = powerBits(s, s.sub(code, s.c(t1)), t1 == 0);
      Value below =
          a.cmp(arith::CmpIPredicate::ult, v.subMax, splat(power, i32s));
      if (t.d2 == 1)
        belowOne = below;
      else
        micro = micro ? a.add(micro, a.zext(i32s, below)) : a.zext(i32s, below);
    }

    // The magnitudes |x| * 2^(m - 1 - E + mu) < 2^(m + mu + 1) <= 2^23,
    // rounded and clamped: by the fma where P = 2^(m - 1 - E) and P * 2^mu
    // are f32s (every block but the tiniest), else (and for rtz) with the
    // power applied in two halves, each exact.
    Value absolute = a.bitcast(f32s, v.magnitude);
    auto splatF32 = [&](Value bitsOfScalar) {
      return splat(s.bitcast(b.getF32Type(), bitsOfScalar), f32s);
    };
    Value fast =
        nearest
            ? isFast(s, code)
            : arith::ConstantIntOp::create(b, l, b.getI1Type(), 0).getResult();
    auto rounding =
        scf::IfOp::create(b, l, TypeRange{i32s}, fast, /*withElse=*/true);
    b.setInsertionPointToStart(rounding.thenBlock());
    {
      Value power = splatF32(s.shl(s.sub(s.c(253 + t.m), code), s.c(23)));
      scf::YieldOp::create(
          b, l, roundScaled(a, f32s, absolute, power, belowOne, micro));
    }
    b.setInsertionPointToStart(rounding.elseBlock());
    {
      Value exponent = s.sub(s.c(126 + t.m), code);
      Value half = arith::ShRSIOp::create(b, l, exponent, s.c(1));
      auto power = [&](Value e) { return splat(pow2(s, e), f32s); };
      Value quotient =
          a.mulF(a.mulF(absolute, power(half)), power(s.sub(exponent, half)));
      // Scaled up by 2^mu after: exact where the product is normal, and
      // below 2^-111 (0 either way) where it is not.
      if (belowOne)
        quotient = a.select(belowOne, a.addF(quotient, quotient), quotient);
      else if (micro)
        quotient = a.mulF(quotient, pow2(a, micro));
      if (nearest)
        quotient = math::RoundEvenOp::create(b, l, quotient);
      scf::YieldOp::create(
          b, l, arith::FPToSIOp::create(b, l, i32s, quotient).getResult());
    }
    b.setInsertionPointAfter(rounding);
    store(b, l, first, code, belowOne, micro,
          element(a, v.bits, rounding.getResult(0)));
  }

  /// RNE(|x| * power * 2^mu) by one fma with 2^23, whose ulp is 1 (the sum
  /// rounds the exact product once; its bits less 2^23's are the integer),
  /// for power and power * 2^mu normal and the product below 2^23.
  static Value roundScaled(ArithEmitter &a, VectorType f32s, Value absolute,
                           Value power, Value belowOne, Value micro) {
    VectorType i32s = f32s.clone(a.b.getI32Type());
    Value scale = power;
    if (belowOne)
      scale = a.select(belowOne, a.addF(power, power), power);
    else if (micro)
      scale =
          a.bitcast(f32s, a.add(a.bitcast(i32s, power), a.shl(micro, a.c(23))));
    Value magic = a.bitcast(f32s, a.c(0x4B000000)); // 2^23
    Value sum = math::FmaOp::create(a.b, a.loc, absolute, scale, magic);
    return a.sub(a.bitcast(i32s, sum), a.c(0x4B000000));
  }

  /// Sixteen blocks (at most one-bit microexponents, rne): their maxima
  /// meet in one vector, so E, the thresholds and the powers are computed
  /// once in sixteen lanes and broadcast per block. A group with a block
  /// that is not fast (NaN, the tiniest) takes the block path for each.
  void group(OpBuilder &b, Location l, Value group) const {
    VectorType f32s, i32s, bytes;
    std::tie(f32s, i32s, bytes) = blockVectors(b);
    ArithEmitter a(b, l, i32s), s(b, l);
    Value firstBlock = scaledIndex(b, l, group, kLanes);
    SmallVector<Value> blocks;
    SmallVector<Loaded> loaded;
    SmallVector<Value> maxima;
    for (int64_t j = 0; j < kLanes; ++j) {
      blocks.push_back(addIndices(b, l, firstBlock, constantIndex(b, l, j)));
      loaded.push_back(load(b, l, blocks.back()));
      maxima.push_back(loaded.back().subMax);
    }
    Value codes = a.shr(
        a.bitcast(i32s, buildReduceMagnitudesOfSixteen(b, l, maxima)), a.c(23));
    Value allFast = vector::ReductionOp::create(
        b, l, vector::CombiningKind::AND, isFast(a, codes));
    auto path = scf::IfOp::create(b, l, allFast, /*withElse=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(path.elseBlock());
    for (Value blockIndex : blocks)
      block(b, l, blockIndex);
    b.setInsertionPointToStart(path.thenBlock());
    Value thresholds =
        t.d2 == 1 ? a.maxS(a.shl(codes, a.c(23)), a.c(1 << 22)) : Value();
    Value powers =
        a.bitcast(f32s, a.shl(a.sub(a.c(253 + t.m), codes), a.c(23)));
    for (int64_t j = 0; j < kLanes; ++j) {
      Value belowOne;
      if (thresholds)
        belowOne = a.cmp(arith::CmpIPredicate::ult, loaded[j].subMax,
                         broadcastLane(b, l, thresholds, j));
      Value rounded =
          roundScaled(a, f32s, a.bitcast(f32s, loaded[j].magnitude),
                      broadcastLane(b, l, powers, j), belowOne, Value());
      Value code = vector::ExtractOp::create(b, l, codes, ArrayRef<int64_t>{j});
      store(b, l, scaledIndex(b, l, blocks[j], t.blockBytes), code, belowOne,
            Value(), element(a, loaded[j].bits, rounded));
    }
  }
};

struct TwoLevelQuantizeKernel final : OpConversionPattern<QuantizeOp> {
  TwoLevelQuantizeKernel(const TypeConverter &converter, MLIRContext *context)
      : OpConversionPattern(converter, context, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(QuantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    BlockTensorType type = op.getType();
    if (!hasTwoLevelKernelLayout(type) ||
        !op.getInput().getType().hasStaticShape())
      return rewriter.notifyMatchFailure(op, "not of the kernel layout");
    Location loc = op.getLoc();
    const TwoLevelLayout t(type);
    FlatResult storage = allocateFlat(rewriter, loc, getStorageType(type));
    QuantizeEmitter emit{t, readFlat(rewriter, loc, adaptor.getInput().front()),
                         storage.flat, op.getInput().getType().getElementType(),
                         op.getRounding() == Rounding::rne};
    if (emit.nearest && t.d2 <= 1 && t.blocks % kLanes == 0)
      buildBlockLoop(rewriter, loc, t.blocks / kLanes,
                     [&](OpBuilder &b, Location l, Value group) {
                       emit.group(b, l, group);
                     });
    else
      buildBlockLoop(rewriter, loc, t.blocks,
                     [&](OpBuilder &b, Location l, Value block) {
                       emit.block(b, l, block);
                     });
    rewriter.replaceOpWithMultiple(op, {{storage.tensor}});
    return success();
  }
};

} // namespace

void mlir::mx::populateTwoLevelQuantizeKernelPattern(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<TwoLevelQuantizeKernel>(converter, patterns.getContext());
}
