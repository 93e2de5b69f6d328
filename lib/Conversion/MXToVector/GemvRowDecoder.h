//===- GemvRowDecoder.h - Weight rows of the GEMV, decoded and multiplied -===//
//
// How the GEMV kernel (GemvKernel.cpp) turns a panel's part of the weight
// rows into f32 partial sums.
//
// Decoding a row: FP8/FP6/INT8 bytes widen to i32 lanes for the shared
// decode builder. FP4 with AVX-512 reads the row as i32 words of 8 codes
// and looks each code up in a table of the 16 FP4 values (vpermps, which
// reads an index's low 4 bits: the word shifted right by 4s gives code s of
// every lane); the sums then hold columns 8i + s in part s, put back in
// column order once per K-block by three rounds of two-vector interleaves.
// With AVX512-BF16 (and BW), two rows are decoded at once: their words'
// 16-bit halves are interleaved so that each 32-bit lane holds four codes
// of row k in its low half and the same four of row k + 1 in its high half;
// vpermw looks up both halves at once (bf16 FP4 values), giving the bf16
// pairs that vdpbf16ps multiplies with (x_k, x_k+1): per 256 codes, half the
// instructions of the vpermps form. FP6 and FP8 rows take the same pair
// form: both rows' bytes widened to 16-bit lanes and interleaved, then
// looked up as bf16 with vpermi2w (FP6: its 64 codes; FP8: its 128
// magnitudes in two lookups, and the sign moved over), about half the
// instructions of the i32 decode. MXINT8 x MXINT8 with AVX512-VNNI takes
// four rows per step: their codes made unsigned (^ 0x80) and interleaved
// so that a 32-bit lane holds one column's four rows, vpdpbusd with x's
// four signed codes, and per block the exact i32 sums corrected by -128 x
// the sum of x's codes. Without AVX-512, FP4 bytes split into low and high
// nibbles (even and odd columns).
//
//===----------------------------------------------------------------------===//

#ifndef MX_LIB_CONVERSION_MXTOVECTOR_GEMVROWDECODER_H
#define MX_LIB_CONVERSION_MXTOVECTOR_GEMVROWDECODER_H

#include "mx/Numerics/ElementFormat.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace mlir::mx {

constexpr int64_t kGemvPanel = 256; // columns: whole cache lines of codes

/// How the weight rows are decoded and multiplied with x.
enum class RowDecode {
  Bytes,          // FP8/FP6/INT8: bytes widened to i32 lanes, decoded, FMA
  FP4Nibbles,     // FP4 without AVX-512: low and high nibbles, decoded, FMA
  FP4F32Table,    // FP4 with AVX-512: vpermps lookups, FMA
  FP4BF16Pairs,   // FP4 with AVX512-BF16 and BW: vpermw on two rows, vdpbf16ps
  BytesBF16Pairs, // FP6/FP8 with AVX512-BF16 and BW: vpermi2w, vdpbf16ps
  Int8Quads,      // MXINT8 x MXINT8 with AVX512-VNNI: vpdpbusd on four rows
};

/// How a panel's part of the weight rows (kGemvPanel columns) becomes f32
/// values in the partial sums, and how the sums come back in column order.
struct RowDecoder {
  numerics::ElementFormat format;
  RowDecode mode;
  SmallVector<Value, 4> tables; // the lookup tables of the table modes

  bool fp4() const { return format == numerics::ElementFormat::E2M1; }
  bool pairs() const {
    return mode == RowDecode::FP4BF16Pairs || mode == RowDecode::BytesBF16Pairs;
  }
  int64_t rowBytes(int64_t columns) const {
    return fp4() ? columns / 2 : columns;
  }
  bool quads() const { return mode == RowDecode::Int8Quads; }
  /// Rows taken per step: four for vpdpbusd, a bf16 pair, or one.
  int64_t rowsPerStep() const { return quads() ? 4 : pairs() ? 2 : 1; }
  /// Partial sums: 16 x 16 columns for FP4, the pair and the quad modes,
  /// else 8 x 32; f32, or the quads' exact i32 sums.
  bool narrowSums() const { return fp4() || pairs() || quads(); }
  VectorType accumulatorType(OpBuilder &b) const {
    return VectorType::get({narrowSums() ? 16 : 32},
                           quads() ? Type(b.getI32Type()) : b.getF32Type());
  }
  VectorType sumType(OpBuilder &b) const {
    return VectorType::get({narrowSums() ? 16 : 32}, b.getF32Type());
  }
  int64_t sums() const { return narrowSums() ? 16 : 8; }

  /// partial[i] += x's values times the values of part i of the rows at
  /// `rowsAt` (byte offsets of the panel's part of each row). `xs`: x_k in
  /// every lane (f32), the bf16 pair (x_k, x_k+1) in every 32-bit lane, or
  /// (quads) x's codes k .. k+3 in every 32-bit lane.
  void accumulate(OpBuilder &b, Location loc, Value codes, ValueRange rowsAt,
                  Value xs, SmallVectorImpl<Value> &partial) const;

  /// The block dots in f32 from the partial sums: the quads' i32 sums of
  /// (k_w + 128) * k_x less 128 x `xCodeSum` (the block's sum of x's codes),
  /// times 2^-12 (exact: |sum| < 2^24); the f32 sums as they are.
  SmallVector<Value> blockDots(OpBuilder &b, Location loc, ValueRange partial,
                               Value xCodeSum) const;

  /// The partial sums as vectors of consecutive columns, in order.
  SmallVector<Value> inColumnOrder(OpBuilder &b, Location loc,
                                   ValueRange partial) const;

private:
  /// The bf16 bits of the FP6/FP8 codes in the 16-bit lanes of `codes`:
  /// FP6 one lookup in its 64 codes; FP8 its 128 magnitudes in two lookups
  /// chosen by bit 6, and the sign moved from bit 7 to bit 15.
  Value lookUpBF16(OpBuilder &b, Location loc, Value codes) const;
};

/// The weight decoding for `format` that the units allow: `int8Quads`
/// (AVX512-VNNI, INT8 x) vpdpbusd for INT8, `bf16Pairs` (AVX512-BF16 and
/// BW) the pair modes for FP4/FP6/FP8, else `avx512` the vpermps lookups for
/// FP4, else the arithmetic decode.
RowDecoder chooseRowDecoder(OpBuilder &b, Location loc,
                            numerics::ElementFormat format, bool avx512,
                            bool bf16Pairs, bool int8Quads);

} // namespace mlir::mx

#endif // MX_LIB_CONVERSION_MXTOVECTOR_GEMVROWDECODER_H
