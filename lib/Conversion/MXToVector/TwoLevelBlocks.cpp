//===- TwoLevelBlocks.cpp - Two-level blocks in vector lanes --------------===//

#include "TwoLevelBlocks.h"

#include "mx/Numerics/Scale.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace mlir::mx;

/// One block's f32, i32 and byte lanes.
std::tuple<VectorType, VectorType, VectorType>
mlir::mx::blockVectors(OpBuilder &b) {
  return {VectorType::get({kLanes}, b.getF32Type()),
          VectorType::get({kLanes}, b.getI32Type()),
          VectorType::get({kLanes}, b.getI8Type())};
}

/// Whether the kernels take `type`: static, blocks of 16 along the last
/// axis only, whole blocks, sub-blocks that divide the block.
bool mlir::mx::hasTwoLevelKernelLayout(BlockTensorType type) {
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
static uint64_t everyLane(uint64_t pattern, unsigned lane) {
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
Value mlir::mx::packFields(OpBuilder &b, Location loc, Value fields,
                           unsigned width) {
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
Value mlir::mx::unpackFields(OpBuilder &b, Location loc, Value stream,
                             unsigned width) {
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

Value mlir::mx::pow2(ArithEmitter &a, Value e) {
  return a.bitcast(shapedLike(e, a.b.getF32Type()),
                   a.shl(a.add(e, a.c(127)), a.c(23)));
}

/// `x` times 2^e (i32 lanes) where x * 2^e is an f32 or rounds to it, for
/// e in [-254, 254]: two exact halves, each power a normal f32.
Value mlir::mx::scaleByPowerOfTwo(ArithEmitter &a, Value x, Value e) {
  Value first = arith::ShRSIOp::create(a.b, a.loc, e, a.c(1));
  return a.mulF(a.mulF(x, pow2(a, first)), pow2(a, a.sub(e, first)));
}

Value mlir::mx::shuffleLanes(OpBuilder &b, Location loc, Value x, Value y,
                             ArrayRef<int64_t> lanes) {
  return vector::ShuffleOp::create(b, loc, x, y, lanes);
}

Value mlir::mx::decodeTwoLevelBlock(OpBuilder &b, Location l,
                                    const TwoLevelLayout &t, Value storage,
                                    Value offset) {
  namespace num = mlir::mx::numerics;
  auto [f32s, i32s, bytes] = blockVectors(b);
  ArithEmitter a(b, l, i32s);
  Value packed = vector::LoadOp::create(
      b, l, VectorType::get({t.blockBytes}, b.getI8Type()), storage, offset);
  Value zeros = a.c(0, bytes);
  // The bytes at `at` + streamBytes(count, width) back in their stream
  // positions, every other byte 0.
  auto stream = [&](int64_t at, int64_t count, int64_t width) {
    SmallVector<int64_t> lanes(kLanes, t.blockBytes); // zeros' lane 0
    for (auto [i, position] :
         llvm::enumerate(TwoLevelLayout::streamBytes(count, width)))
      lanes[position] = at + int64_t(i);
    return unpackFields(b, l, shuffleLanes(b, l, packed, zeros, lanes), width);
  };
  Value code = a.zext(i32s, broadcastLane(b, l, packed, 0));
  Value element = a.zext(i32s, stream(1 + t.microBytes, kLanes, t.w));
  Value micro = a.c(0);
  if (t.d2 > 0) {
    SmallVector<int64_t> subBlockOf;
    for (int64_t i = 0; i < kLanes; ++i)
      subBlockOf.push_back(i / t.k2);
    Value perSubBlock = stream(1, t.subBlocks, t.d2);
    micro =
        a.zext(i32s, shuffleLanes(b, l, perSubBlock, perSubBlock, subBlockOf));
  }
  // magnitude * 2^(E - mu + 1 - m): exact (an f32 or subnormal).
  Value magnitude = arith::SIToFPOp::create(
      b, l, f32s, a.band(element, a.c(t.format.maxMagnitude())));
  Value exponent = a.sub(a.sub(code, micro), a.c(num::kE8M0Bias - 1 + t.m));
  Value value = scaleByPowerOfTwo(a, magnitude, exponent);
  Value sign = a.shl(a.shr(element, a.c(t.m)), a.c(31));
  value = a.bitcast(f32s, a.bor(a.bitcast(i32s, value), sign));
  Value nan = arith::ConstantOp::create(
      b, l,
      SplatElementsAttr::get(
          f32s, b.getF32FloatAttr(std::numeric_limits<float>::quiet_NaN())));
  return a.select(a.cmp(arith::CmpIPredicate::eq, code, a.c(num::kE8M0NaN)),
                  nan, value);
}
