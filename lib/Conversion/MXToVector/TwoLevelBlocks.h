//===- TwoLevelBlocks.h - Two-level blocks in vector lanes ------*- C++ -*-===//
//
// What the two-level kernels (MX9/MX6/MX4 and kin, blocks of 16 along the
// last axis) share: the layout of a packed block (E, the microexponent
// stream, the code stream), the bit streams' packing in vector lanes, and
// exact scaling by a power of two that may leave f32's normal range.
//
//===----------------------------------------------------------------------===//

#ifndef MX_LIB_CONVERSION_MXTOVECTOR_TWOLEVELBLOCKS_H
#define MX_LIB_CONVERSION_MXTOVECTOR_TWOLEVELBLOCKS_H

#include "BlockKernels.h"

#include "mx/Numerics/SharedMicroexponent.h"

#include <tuple>

namespace mlir::mx {

/// The facts of a two-level type that the kernels use.
struct TwoLevelLayout {
  numerics::SharedMicroexponentFormat format;
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

/// Whether every block of `format` is exactly an MXINT8 block (at most one
/// microexponent bit, m <= 6; TwoLevelMatmulOperands.cpp): the GEMM's
/// integer dots take such operands.
inline bool hasMXInt8Blocks(const numerics::SharedMicroexponentFormat &format) {
  return format.microexponentBits <= 1 && format.magnitudeBits <= 6;
}

/// Whether the kernels take `type`: static, blocks of 16 along the last
/// axis only, whole blocks, sub-blocks that divide the block.
bool hasTwoLevelKernelLayout(BlockTensorType type);

/// One block's f32, i32 and byte lanes.
std::tuple<VectorType, VectorType, VectorType> blockVectors(OpBuilder &b);

/// Fields of `width` (<= 8) bits, one in the low bits of each byte of
/// `fields` (vector<16 x i8>), packed as the storage streams them: field i
/// of 0-7 at bit i * width from byte 0, of 8-15 from byte 8 (8 fields fill
/// `width` whole bytes).
Value packFields(OpBuilder &b, Location loc, Value fields, unsigned width);

/// The inverse of packFields: every byte of `stream` outside its fields'
/// bytes must be 0; the result's bytes hold one field each.
Value unpackFields(OpBuilder &b, Location loc, Value stream, unsigned width);

/// 2^e as an f32 (or f32 lanes), for an i32 (or i32 lanes) e in
/// [-126, 127]: its exponent field. `a` makes constants of e's type.
Value pow2(ArithEmitter &a, Value e);

/// `x` times 2^e (i32 lanes) where x * 2^e is an f32 or rounds to it, for
/// e in [-254, 254]: two exact halves, each power a normal f32.
Value scaleByPowerOfTwo(ArithEmitter &a, Value x, Value e);

/// The f32 values of the packed block at `offset` (bytes) of `storage` (a
/// flat i8 buffer), one element per lane: sign and magnitude times
/// 2^(E - mu + 1 - m), exact (normal or subnormal); NaN under E's NaN code.
Value decodeTwoLevelBlock(OpBuilder &b, Location loc, const TwoLevelLayout &t,
                          Value storage, Value offset);

/// vector.shuffle of `x` and `y`.
Value shuffleLanes(OpBuilder &b, Location loc, Value x, Value y,
                   ArrayRef<int64_t> lanes);

} // namespace mlir::mx

#endif // MX_LIB_CONVERSION_MXTOVECTOR_TWOLEVELBLOCKS_H
