//===- TwoLevelKernels.cpp - MX9/MX6/MX4 quantize and dequantize ----------===//
//
// The two-level formats with blocks of 16 along the last axis: one block in
// one vector of 16 f32 lanes, blocks in parallel.
//
// Quantize: a butterfly of lane swaps and unsigned maxima over the
// magnitude bits leaves each sub-block's largest magnitude in its lanes and,
// after the remaining levels, the block's in every lane, whose exponent
// field is E's code (0 for a zero or subnormal amax, 0xFF where NaN or Inf
// wins, as in lib/Numerics). A sub-block's microexponent counts the powers
// 2^(E - t + 1), t = 1..max, that its largest magnitude is below: integer
// compares of f32 bits, subnormals included. The codes are |x| times
// 2^(m - 1 - E + mu), exact in f32 since the power is applied as two halves
// (alone it can leave f32's range), rounded, clamped, signed. The fields
// are then bit-packed, codes and microexponents alike, by three merge
// steps on two 64-bit lanes, and a block's bytes are stored by one store.
//
// Dequantize reverses the packing by the three steps backwards and scales
// each magnitude by its power of two, again in two exact halves.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"
#include "mx/Numerics/Scale.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

/// The facts of a two-level type that the kernels use.
struct TwoLevelLayout {
  num::SharedMicroexponentFormat format;
  int64_t blocks = 0;
  int64_t m, w, k2, d2, subBlocks, microBytes, blockBytes;

  explicit TwoLevelLayout(BlockTensorType type)
      : format(type.getTwoLevelFormat()) {
    blocks = countBlocks(type);
    m = format.magnitudeBits;
    w = m + 1;
    k2 = format.subBlockSize;
    d2 = format.microexponentBits;
    subBlocks = format.subBlocksPerBlock();
    microBytes = llvm::divideCeil(subBlocks * d2, 8);
    blockBytes = format.packedBlockBytes();
  }

  /// Where the bytes of a packed stream of `count` fields of `width` bits
  /// (packFields) lie in its vector: fields 0-7 from byte 0, 8-15 from 8.
  static SmallVector<int64_t> streamBytes(int64_t count, int64_t width) {
    SmallVector<int64_t> bytes;
    if (count <= 8) {
      for (int64_t i = 0, n = llvm::divideCeil(count * width, 8); i < n; ++i)
        bytes.push_back(i);
      return bytes;
    }
    for (int64_t half : {0, 8})
      for (int64_t i = 0; i < width; ++i)
        bytes.push_back(half + i);
    return bytes;
  }
};

/// One block's f32, i32 and byte lanes.
std::tuple<VectorType, VectorType, VectorType> blockVectors(OpBuilder &b) {
  return {VectorType::get({kLanes}, b.getF32Type()),
          VectorType::get({kLanes}, b.getI32Type()),
          VectorType::get({kLanes}, b.getI8Type())};
}

/// Whether the kernels take `type`: static, blocks of 16 along the last
/// axis only, whole blocks, sub-blocks that divide the block.
bool hasTwoLevelKernelLayout(BlockTensorType type) {
  if (!type.isTwoLevel() || !type.hasStaticShape() || type.getRank() == 0)
    return false;
  ArrayRef<int64_t> blocks = type.getBlockShape();
  if (blocks.back() != kLanes ||
      llvm::any_of(blocks.drop_back(), [](int64_t b) { return b != 1; }))
    return false;
  return type.getShape().back() % kLanes == 0 &&
         kLanes % type.getTwoLevelFormat().subBlockSize == 0;
}

/// `pattern` (of `lane` bits) in every `lane`-bit lane of a 64-bit word.
uint64_t everyLane(uint64_t pattern, unsigned lane) {
  uint64_t word = 0;
  for (unsigned at = 0; at < 64; at += lane)
    word |= pattern << at;
  return word;
}

/// Fields of `width` (<= 8) bits, one in the low bits of each byte of
/// `fields` (vector<16 x i8>), packed as the storage streams them: field i
/// of 0-7 at bit i * width from byte 0, of 8-15 from byte 8 (8 fields fill
/// `width` whole bytes). Lanes of 16, 32, then 64 bits each hold two halves
/// with `bits` valid bits at their bottom; the high half's move down next
/// to the low half's.
Value packFields(OpBuilder &b, Location loc, Value fields, unsigned width) {
  auto words = VectorType::get({2}, b.getI64Type());
  ArithEmitter a(b, loc, words);
  Value x = vector::BitCastOp::create(b, loc, words, fields);
  for (unsigned lane = 16, bits = width; lane <= 64; lane *= 2, bits *= 2) {
    unsigned half = lane / 2;
    if (bits == half)
      continue;
    uint64_t low = everyLane((uint64_t(1) << half) - 1, lane);
    x = a.bor(a.band(x, a.c(int64_t(low))),
              a.shr(a.band(x, a.c(int64_t(~low))), a.c(half - bits)));
  }
  return vector::BitCastOp::create(b, loc, fields.getType(), x);
}

/// The inverse of packFields: every byte of `stream` outside its fields'
/// bytes must be 0; the result's bytes hold one field each.
Value unpackFields(OpBuilder &b, Location loc, Value stream, unsigned width) {
  auto words = VectorType::get({2}, b.getI64Type());
  ArithEmitter a(b, loc, words);
  Value x = vector::BitCastOp::create(b, loc, words, stream);
  for (unsigned lane = 64, bits = 4 * width; lane >= 16; lane /= 2, bits /= 2) {
    unsigned half = lane / 2;
    if (bits == half)
      continue;
    Value field = a.c(int64_t(everyLane((uint64_t(1) << bits) - 1, lane)));
    x = a.bor(a.band(x, field),
              a.shl(a.band(a.shr(x, a.c(bits)), field), a.c(half)));
  }
  return vector::BitCastOp::create(b, loc, stream.getType(), x);
}

/// 2^e as f32 lanes, for i32 lanes e in [-126, 127].
Value pow2(ArithEmitter &a, Value e) {
  auto f32s = cast<VectorType>(e.getType()).clone(a.b.getF32Type());
  return a.bitcast(f32s, a.shl(a.add(e, a.c(127)), a.c(23)));
}

/// `x` times 2^e (i32 lanes) where x * 2^e is an f32 or rounds to it, for
/// e in [-254, 254]: two exact halves, each power a normal f32.
Value scaleByPowerOfTwo(ArithEmitter &a, Value x, Value e) {
  Value first = arith::ShRSIOp::create(a.b, a.loc, e, a.c(1));
  return a.mulF(a.mulF(x, pow2(a, first)), pow2(a, a.sub(e, first)));
}

Value shuffle(OpBuilder &b, Location loc, Value x, Value y,
              ArrayRef<int64_t> lanes) {
  return vector::ShuffleOp::create(b, loc, x, y, lanes);
}

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
    const bool nearest = op.getRounding() == Rounding::rne;
    Type inputElement = op.getInput().getType().getElementType();

    Value input = readFlat(rewriter, loc, adaptor.getInput().front());
    FlatResult storage = allocateFlat(rewriter, loc, getStorageType(type));
    buildBlockLoop(
        rewriter, loc, t.blocks, [&](OpBuilder &b, Location l, Value block) {
          auto [f32s, i32s, bytes] = blockVectors(b);
          ArithEmitter a(b, l, i32s);
          Value x = vector::LoadOp::create(
              b, l, VectorType::get({kLanes}, inputElement), input,
              scaledIndex(b, l, block, kLanes));
          if (inputElement != b.getF32Type()) // exact
            x = arith::ExtFOp::create(b, l, f32s, x);
          Value bits = a.bitcast(i32s, x);
          Value magnitude = a.band(bits, a.c(0x7FFFFFFF));

          // Lane i meets lane i ^ d: sub-block maxima after log2(k2) levels,
          // the block's after four.
          Value subMax = magnitude, amax = magnitude;
          for (int64_t d = 1; d < kLanes; d *= 2) {
            if (d == t.k2)
              subMax = amax;
            SmallVector<int64_t> partner;
            for (int64_t i = 0; i < kLanes; ++i)
              partner.push_back(i ^ d);
            amax = arith::MaxUIOp::create(b, l, amax,
                                          shuffle(b, l, amax, amax, partner));
          }
          if (t.k2 == kLanes)
            subMax = amax;
          Value code = a.shr(amax, a.c(23)); // E8M0: E + 127, or 0xFF
          Value nonFinite =
              a.cmp(arith::CmpIPredicate::eq, code, a.c(num::kE8M0NaN));

          // mu = #{t in 1..max : subMax < 2^(E - t + 1)}; that power's f32
          // bits from k = code - t + 1: k << 23 (normal), 1 << (22 + k) for a
          // subnormal power (k in [-22, 0]), else 0 (nothing is below it).
          Value micro = a.c(0);
          for (int64_t s = 0; s < int64_t(t.format.maxMicroexponent()); ++s) {
            Value k = a.sub(code, a.c(s));
            Value power = a.maxS(a.shl(k, a.c(23)), a.c(1 << 22));
            if (s > 0) {
              Value subnormal = a.select(
                  a.cmp(arith::CmpIPredicate::sge, k, a.c(-22)),
                  a.shl(a.c(1), a.maxS(a.add(k, a.c(22)), a.c(0))), a.c(0));
              power = a.select(a.cmp(arith::CmpIPredicate::sge, k, a.c(1)),
                               a.shl(k, a.c(23)), subnormal);
            }
            Value below = a.cmp(arith::CmpIPredicate::ult, subMax, power);
            micro = a.add(micro, a.zext(i32s, below));
          }

          // |x| * 2^(m - 1 - E + mu) < 2^(m + mu + 1), rounded, clamped.
          Value exponent = a.add(a.sub(a.c(126 + t.m), code), micro);
          Value quotient =
              scaleByPowerOfTwo(a, a.bitcast(f32s, magnitude), exponent);
          if (nearest)
            quotient = math::RoundEvenOp::create(b, l, quotient);
          Value rounded = arith::FPToSIOp::create(b, l, i32s, quotient);
          Value element = a.bor(a.shl(a.shr(bits, a.c(31)), a.c(t.m)),
                                a.minS(rounded, a.c(t.format.maxMagnitude())));
          element = a.select(nonFinite, a.c(0), element);
          micro = a.select(nonFinite, a.c(0), micro);

          // The block's bytes: E, the microexponent stream, the code stream.
          Value codeBytes = a.trunc(bytes, element);
          if (t.w < 8)
            codeBytes = packFields(b, l, codeBytes, t.w);
          SmallVector<int64_t> body;
          Value microStream = codeBytes; // any vector<16 x i8> without micro
          if (t.d2 > 0) {
            SmallVector<int64_t> firstOfEach;
            for (int64_t j = 0; j < kLanes; ++j)
              firstOfEach.push_back(j < t.subBlocks ? j * t.k2 : kLanes);
            Value zeros = a.c(0, bytes);
            microStream = packFields(
                b, l, shuffle(b, l, a.trunc(bytes, micro), zeros, firstOfEach),
                t.d2);
            body = TwoLevelLayout::streamBytes(t.subBlocks, t.d2);
          }
          for (int64_t i : TwoLevelLayout::streamBytes(kLanes, t.w))
            body.push_back(kLanes + i);
          Value rest = shuffle(b, l, microStream, codeBytes, body);
          SmallVector<int64_t> all{0};
          for (int64_t i = 0; i + 1 < t.blockBytes; ++i)
            all.push_back(kLanes + i);
          Value packed = shuffle(b, l, a.trunc(bytes, code), rest, all);
          vector::StoreOp::create(b, l, packed, storage.flat,
                                  scaledIndex(b, l, block, t.blockBytes));
        });
    rewriter.replaceOpWithMultiple(op, {{storage.tensor}});
    return success();
  }
};

struct TwoLevelDequantizeKernel final : OpConversionPattern<DequantizeOp> {
  TwoLevelDequantizeKernel(const TypeConverter &converter, MLIRContext *context)
      : OpConversionPattern(converter, context, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(DequantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    BlockTensorType type = op.getInput().getType();
    if (!hasTwoLevelKernelLayout(type))
      return rewriter.notifyMatchFailure(op, "not of the kernel layout");
    Location loc = op.getLoc();
    const TwoLevelLayout t(type);
    Type resultElement = op.getType().getElementType();

    Value storage = readFlat(rewriter, loc, adaptor.getInput().front());
    FlatResult values = allocateFlat(rewriter, loc, op.getType());
    buildBlockLoop(
        rewriter, loc, t.blocks, [&](OpBuilder &b, Location l, Value block) {
          auto [f32s, i32s, bytes] = blockVectors(b);
          ArithEmitter a(b, l, i32s);
          Value packed = vector::LoadOp::create(
              b, l, VectorType::get({t.blockBytes}, b.getI8Type()), storage,
              scaledIndex(b, l, block, t.blockBytes));
          Value zeros = a.c(0, bytes);
          // The bytes at `at` + streamBytes(count, width) back in their stream
          // positions, every other byte 0.
          auto stream = [&](int64_t at, int64_t count, int64_t width) {
            SmallVector<int64_t> lanes(kLanes, t.blockBytes); // zeros' lane 0
            for (auto [i, position] :
                 llvm::enumerate(TwoLevelLayout::streamBytes(count, width)))
              lanes[position] = at + int64_t(i);
            return unpackFields(b, l, shuffle(b, l, packed, zeros, lanes),
                                width);
          };
          Value code = a.zext(i32s, shuffle(b, l, packed, packed,
                                            SmallVector<int64_t>(kLanes, 0)));
          Value element = a.zext(i32s, stream(1 + t.microBytes, kLanes, t.w));
          Value micro = a.c(0);
          if (t.d2 > 0) {
            SmallVector<int64_t> subBlockOf;
            for (int64_t i = 0; i < kLanes; ++i)
              subBlockOf.push_back(i / t.k2);
            Value perSubBlock = stream(1, t.subBlocks, t.d2);
            micro = a.zext(i32s,
                           shuffle(b, l, perSubBlock, perSubBlock, subBlockOf));
          }
          // magnitude * 2^(E - mu + 1 - m): exact (an f32 or subnormal).
          Value magnitude = arith::SIToFPOp::create(
              b, l, f32s, a.band(element, a.c(t.format.maxMagnitude())));
          Value exponent =
              a.sub(a.sub(code, micro), a.c(num::kE8M0Bias - 1 + t.m));
          Value value = scaleByPowerOfTwo(a, magnitude, exponent);
          Value sign = a.shl(a.shr(element, a.c(t.m)), a.c(31));
          value = a.bitcast(f32s, a.bor(a.bitcast(i32s, value), sign));
          Value nan = arith::ConstantOp::create(
              b, l,
              SplatElementsAttr::get(
                  f32s,
                  b.getF32FloatAttr(std::numeric_limits<float>::quiet_NaN())));
          value = a.select(
              a.cmp(arith::CmpIPredicate::eq, code, a.c(num::kE8M0NaN)), nan,
              value);
          if (resultElement != b.getF32Type()) // one rounding, to nearest even
            value = arith::TruncFOp::create(
                b, l, VectorType::get({kLanes}, resultElement), value);
          vector::StoreOp::create(b, l, value, values.flat,
                                  scaledIndex(b, l, block, kLanes));
        });
    rewriter.replaceOp(op, values.tensor);
    return success();
  }
};

} // namespace

void mlir::mx::populateTwoLevelKernelPatterns(const TypeConverter &converter,
                                              RewritePatternSet &patterns) {
  patterns.add<TwoLevelQuantizeKernel, TwoLevelDequantizeKernel>(
      converter, patterns.getContext());
}
