//===- TwoLevelBlocks.cpp - Two-level blocks in vector lanes --------------===//

#include "TwoLevelBlocks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

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
