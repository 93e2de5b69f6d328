//===- MatmulPacking.h - Operands of the packed GEMM, decoded once -*- C++ -*-//
//
// The packed mx.matmul kernel (MatmulKernel.cpp) decodes each operand once
// per call into the dot unit's operand type: signed bytes for vpdpbusd
// (integer-valued formats), bf16 pairs for vdpbf16ps, or f32 for FMA. A
// stays row-major; B becomes panels of NR columns with each dot step's K
// values of a column adjacent. Scales become f32.
//
// Folded scales (bf16 dots with an FP8 operand): each value is packed times
// its block scale, exactly, so the micro-kernel sums the whole K without
// scaling per K-block. That holds when every scaled value and every product
// is a normal bf16/f32 and no sum can overflow: buildFoldedScaleTest checks
// the scales' exponent range, and the packers flag a block whose scale is the
// least (2^-127, that of an all-zero block) but whose values are not zero.
//
//===----------------------------------------------------------------------===//

#ifndef MX_LIB_CONVERSION_MXTOVECTOR_MATMULPACKING_H
#define MX_LIB_CONVERSION_MXTOVECTOR_MATMULPACKING_H

#include "BlockKernels.h"

#include "mx/Numerics/ElementFormat.h"

#include <optional>
#include <vector>

namespace mlir::mx {

/// The shape of the register tile and of one dot step.
struct Tiling {
  bool bf16;       // vdpbf16ps on bf16 pairs
  bool int8;       // vpdpbusd on integer values (u8 = value ^ 0x80 times s8)
  int64_t step;    // K values per dot step: 4 (int8), 2 (bf16 pair) or 1
  int64_t vectors; // accumulator vectors per row of the tile: NR = 16 * vectors
  int64_t rows;    // MR
  int64_t columns() const { return kLanes * vectors; }
};
Tiling chooseTiling(bool bf16, bool int8, int64_t n);

/// log2 of the factor that makes every unit-scale value of `format` an
/// integer of at most 7 bits and a sign (INT8: k / 64; E2M1: halves up to 6;
/// E2M3: eighths up to 7.5), or none: the formats vpdpbusd multiplies
/// exactly.
std::optional<int> integerValueShift(numerics::ElementFormat format);

/// Decodes the E8M0 (or NVFP4's E4M3, or f32) scale buffer `scales` (flat,
/// `count` entries) into an f32 buffer, each times `unit` (a power of two
/// >= 2^-22: every 2^e x unit, e in [-127, 127], and every E4M3 value times
/// it is an f32, subnormal or not, so the product is exact; f32 scales come
/// with FP8 elements, whose unit is 1).
Value decodeScales(OpBuilder &b, Location loc, Value scales, int64_t count,
                   float unit = 1.0f);

/// Packing with folded scales: the f32 scales of the operand (as
/// decodeScales gives them) and an i32 cell that a block with the least scale
/// and a nonzero value sets to 1.
struct FoldedScales {
  Value scales, violations;
};

/// A as the dot reads it: `paddedM` rows of values (rows past M repeat row
/// M - 1: AMX tiles take whole 32-row tiles), row-major, decoded one K-block
/// per iteration; int8 values made vpdpbusd's unsigned operand.
Value packLhs(OpBuilder &b, Location loc, const MatmulShape &shape,
              const Tiling &t, Value codesA, Type dotElement, int64_t paddedM,
              FoldedScales folded = {});

/// B in panels: panel p, step s holds columns [p*NR, (p+1)*NR) of the step's
/// rows (bf16: two rows interleaved, int8: four).
Value packRhs(OpBuilder &b, Location loc, const MatmulShape &shape,
              const Tiling &t, Value codesB, Type dotElement,
              FoldedScales folded = {});

/// A two-level B (blocks of 16 along K; `storage`, its packed blocks, flat)
/// as its exact f32 values in the panels of f32 dots (t.step = 1), N widened
/// to `paddedN` (a multiple of 16 and of t.columns()) by copies of column
/// N - 1, whose products C's first N columns never read
/// (TwoLevelRhsPacking.cpp).
Value packTwoLevelRhs(OpBuilder &b, Location loc, BlockTensorType rhs,
                      const Tiling &t, Value storage, int64_t paddedN);

/// What each integer block dot starts from: vpdpbusd sums (v_a + 128) *
/// v_b, so -128 x the block's sum of each column of B's integer values, as a
/// flat G x N buffer of i32, from B packed.
Value buildDotBiases(OpBuilder &b, Location loc, Value packedB, const Tiling &t,
                     int64_t K, int64_t N, int64_t block);

/// The least E8M0 code other than 0 among `codes` (255 if none) and the
/// largest: what buildFoldedScaleTest reads of a constant operand's scales.
std::pair<int64_t, int64_t> constantScaleCodeRange(ArrayRef<uint8_t> codes);

/// Whether the E8M0 scales `scalesA` and `scalesB` (flat, raw) allow folded
/// scales for K-long dots of the two formats (i1), given that the packers
/// find no violation. `rangeB`: B's constantScaleCodeRange, known at compile
/// time, instead of a pass over `scalesB` per call.
Value buildFoldedScaleTest(
    OpBuilder &b, Location loc, const MatmulShape &shape, Value scalesA,
    Value scalesB,
    std::optional<std::pair<int64_t, int64_t>> rangeB = std::nullopt);

/// The exponent bounds of `format`'s nonzero values: every one is a multiple
/// of 2^grid and below 2^top in magnitude.
std::pair<int64_t, int64_t> valueExponents(numerics::ElementFormat format);

//===----------------------------------------------------------------------===//
// Constant weights, packed at compile time (ConstantRhsPacking.cpp)
//===----------------------------------------------------------------------===//

class MatmulOp;

/// B's raw codes when the rhs of a product is an mx.pack of constants:
/// elements K x N and E8M0 scales G x N, row-major.
struct ConstantCodes {
  std::vector<uint8_t> elements, scales;
};
std::optional<ConstantCodes> getConstantRhs(MatmulOp op);

/// What packRhs, buildDotBiases and decodeScales would compute from a
/// constant B, as memrefs of private constant globals: `scales` (f32,
/// [g][n]); where `fold` asks and B's own scales and values allow it,
/// `folded` (bf16 values times their scales), else `values` at unit scale
/// and, for int8 dots, `dotBiases`. Null where not built.
struct PackedRhs {
  Value values, folded, scales, dotBiases;
  /// B's constantScaleCodeRange, with `folded`.
  std::optional<std::pair<int64_t, int64_t>> scaleCodeRange;
};
PackedRhs buildConstantRhs(OpBuilder &b, Location loc, Operation *module,
                           const MatmulShape &shape, const Tiling &t,
                           const ConstantCodes &codes, bool fold);

/// The f32 values (row-major, by lib/Numerics) of `x`, a two-level tensor,
/// where its packed blocks are a constant: an mx.from_storage of one.
std::optional<std::vector<float>> getConstantTwoLevelValues(Value x);

/// What packTwoLevelRhs would compute from the constant values of B (K x N,
/// row-major), as the memref of a private constant global.
Value buildConstantTwoLevelRhs(OpBuilder &b, Location loc, Operation *module,
                               ArrayRef<float> values, int64_t K, int64_t N,
                               const Tiling &t, int64_t paddedN);

} // namespace mlir::mx

#endif // MX_LIB_CONVERSION_MXTOVECTOR_MATMULPACKING_H
