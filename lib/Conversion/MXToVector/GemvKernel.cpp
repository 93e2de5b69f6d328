//===- GemvKernel.cpp - mx.matmul with one row: weights streamed once -----===//
//
// y = x B for one row x (M = 1): no packing, since every weight is used
// once. Each panel is 256 columns (whole cache lines of every weight row);
// a parallel iteration owns up to 4 adjacent panels and, per K-block, runs
// them one after another over the same 32 rows (their pages stay in the
// TLB, and the next block's rows are prefetched); per panel and K-block it
// decodes the block's 32 weight rows straight from their codes, multiplies
// them with x's values broadcast, and adds (S * X_x) * X_B to the totals in
// y: the order of the linalg lowering.
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
// instructions of the i32 decode. Without AVX-512, FP4 bytes split into
// low and high nibbles (even and odd columns).
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

constexpr int64_t kPanel = 256; // columns: whole cache lines of codes
constexpr int64_t kLanes = 16;  // f32 lanes of one AVX-512 register

Value index(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// The 16 FP4 (E2M1) values at unit scale, by code.
SmallVector<float> fp4Values() {
  SmallVector<float> values;
  for (uint8_t code = 0; code < 16; ++code)
    values.push_back(float(num::decodeElement(num::ElementFormat::E2M1, code)));
  return values;
}

/// The FP4 values as f32 lanes (vpermps: code c in lane c).
Value buildFP4Table(OpBuilder &b, Location loc) {
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(VectorType::get({kLanes}, b.getF32Type()),
                             ArrayRef<float>(fp4Values())));
}

/// `values` (all bf16s: f32s whose low half is zero) as the bf16 bits of
/// 16-bit lanes, 32 per vector, for vpermw / vpermi2w lookups.
SmallVector<Value, 4> buildBF16Tables(OpBuilder &b, Location loc,
                                      ArrayRef<float> values) {
  SmallVector<Value, 4> tables;
  auto type = VectorType::get({2 * kLanes}, b.getI16Type());
  for (size_t first = 0; first < values.size(); first += 2 * kLanes) {
    SmallVector<int16_t> bits;
    for (float value : values.slice(first, 2 * kLanes)) {
      uint32_t f32 = llvm::bit_cast<uint32_t>(value);
      assert((f32 & 0xffff) == 0 && "not a bf16 value");
      bits.push_back(int16_t(f32 >> 16));
    }
    tables.push_back(arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<int16_t>(bits))));
  }
  return tables;
}

/// The lookup tables of the bf16 pair modes: FP4 all 16 codes twice (vpermw
/// reads five index bits; the fifth is the next code's lowest), FP6 all 64
/// codes (vpermi2w), FP8 the 128 magnitudes (two vpermi2w).
SmallVector<Value, 4> buildBF16PairTables(OpBuilder &b, Location loc,
                                          num::ElementFormat format) {
  const num::FormatInfo &info = num::getFormatInfo(format);
  int64_t entries = format == num::ElementFormat::E2M1 ? 16
                    : info.bits == 8                   ? 128
                                                       : 64;
  SmallVector<float> values;
  for (int64_t code = 0; code < entries; ++code)
    values.push_back(float(num::decodeElement(format, uint8_t(code))));
  if (format == num::ElementFormat::E2M1)
    values.append(SmallVector<float>(values));
  return buildBF16Tables(b, loc, values);
}

/// The i16 constant `v` in every lane of vector<32xi16>.
Value splatI16(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantOp::create(
      b, loc,
      SplatElementsAttr::get(VectorType::get({2 * kLanes}, b.getI16Type()),
                             b.getIntegerAttr(b.getI16Type(), v)));
}

/// Prefetches `bytes` of the weights from `at` into L2: each row is read in
/// short pieces 8 KiB or more apart, which the hardware prefetchers do not
/// follow, so without it every piece waits on DRAM. Into L2 (locality 2,
/// prefetcht1) rather than L1: the misses then queue in L2's larger miss
/// buffers (MXFP4 from DRAM, one core: 7.5 -> 10.7 GB/s).
void prefetch(OpBuilder &b, Location loc, Value codes, Value at,
              int64_t bytes) {
  constexpr int64_t kLine = 64;
  for (int64_t line = 0; line < bytes; line += kLine)
    memref::PrefetchOp::create(
        b, loc, codes,
        ValueRange{arith::AddIOp::create(b, loc, at, index(b, loc, line))},
        /*isWrite=*/false, /*localityHint=*/2, /*isDataCache=*/true);
}

/// How the weight rows are decoded and multiplied with x.
enum class RowDecode {
  Bytes,          // FP8/FP6/INT8: bytes widened to i32 lanes, decoded, FMA
  FP4Nibbles,     // FP4 without AVX-512: low and high nibbles, decoded, FMA
  FP4F32Table,    // FP4 with AVX-512: vpermps lookups, FMA
  FP4BF16Pairs,   // FP4 with AVX512-BF16 and BW: vpermw on two rows, vdpbf16ps
  BytesBF16Pairs, // FP6/FP8 with AVX512-BF16 and BW: vpermi2w, vdpbf16ps
};

/// How a panel's part of the weight rows (kPanel columns) becomes f32 values
/// in the partial sums, and how the sums come back in column order.
struct RowDecoder {
  num::ElementFormat format;
  RowDecode mode;
  SmallVector<Value, 4> tables; // the lookup tables of the table modes

  bool fp4() const { return format == num::ElementFormat::E2M1; }
  bool pairs() const {
    return mode == RowDecode::FP4BF16Pairs || mode == RowDecode::BytesBF16Pairs;
  }
  int64_t rowBytes(int64_t columns) const {
    return fp4() ? columns / 2 : columns;
  }
  /// Rows taken per step: a bf16 pair of rows, or one.
  int64_t rowsPerStep() const { return pairs() ? 2 : 1; }
  /// Partial sums: 16 x 16 columns for FP4 and the pair modes, else 8 x 32.
  bool narrowSums() const { return fp4() || pairs(); }
  VectorType sumType(OpBuilder &b) const {
    return VectorType::get({narrowSums() ? kLanes : 2 * kLanes},
                           b.getF32Type());
  }
  int64_t sums() const { return narrowSums() ? 16 : 8; }

  /// partial[i] += x's values times the values of part i of the rows at
  /// `rowsAt` (byte offsets of the panel's part of each row). `xs`: x_k in
  /// every lane (f32), or the bf16 pair (x_k, x_k+1) in every 32-bit lane.
  void accumulate(OpBuilder &b, Location loc, Value codes, ValueRange rowsAt,
                  Value xs, SmallVectorImpl<Value> &partial) const {
    auto load = [&](Value at, int64_t offset, int64_t bytes) -> Value {
      return vector::LoadOp::create(
          b, loc, VectorType::get({bytes}, b.getI8Type()), codes,
          ValueRange{arith::AddIOp::create(b, loc, at, index(b, loc, offset))});
    };
    auto fma = [&](Value &acc, Value values) {
      acc = vector::FMAOp::create(b, loc, xs, values, acc);
    };
    auto words = VectorType::get({kLanes}, b.getI32Type());
    switch (mode) {
    case RowDecode::BytesBF16Pairs: {
      // Per 32 columns: both rows' codes widened to 16-bit lanes and
      // interleaved (row k low, row k + 1 high in each 32-bit lane), 16
      // columns at a time, then looked up as bf16.
      auto halfWords = VectorType::get({2 * kLanes}, b.getI16Type());
      auto bf16s = VectorType::get({2 * kLanes}, b.getBF16Type());
      for (int64_t c = 0; c < kPanel / (2 * kLanes); ++c) {
        auto widened = [&](Value at) -> Value {
          return arith::ExtUIOp::create(b, loc, halfWords,
                                        load(at, c * 2 * kLanes, 2 * kLanes));
        };
        Value rowK = widened(rowsAt[0]), rowK1 = widened(rowsAt[1]);
        for (int64_t h = 0; h < 2; ++h) {
          SmallVector<int64_t> mask;
          for (int64_t i = 0; i < kLanes; ++i)
            mask.append({kLanes * h + i, 2 * kLanes + kLanes * h + i});
          Value pairCodes =
              vector::ShuffleOp::create(b, loc, rowK, rowK1, mask);
          Value values = vector::BitCastOp::create(
              b, loc, bf16s, lookUpBF16(b, loc, pairCodes));
          Value &acc = partial[2 * c + h];
          acc = x86vector::DotBF16Op::create(b, loc, acc.getType(), acc, values,
                                             xs);
        }
      }
      return;
    }
    case RowDecode::FP4BF16Pairs: {
      // Per 64 bytes of the two rows: 16-bit half h of word i holds codes
      // 4h .. 4h + 3 of columns 8i ..; lane i of `halves[h]` pairs row k's
      // half h (low) with row k + 1's (high). Code s of both is then
      // halves[s / 4] >> 4 (s % 4) in each 16-bit lane, summed in part s.
      auto halfWords = VectorType::get({2 * kLanes}, b.getI16Type());
      auto bf16s = VectorType::get({2 * kLanes}, b.getBF16Type());
      for (int64_t q = 0; q < 2; ++q) {
        Value rowK = vector::BitCastOp::create(b, loc, halfWords,
                                               load(rowsAt[0], q * 64, 64));
        Value rowK1 = vector::BitCastOp::create(b, loc, halfWords,
                                                load(rowsAt[1], q * 64, 64));
        for (int64_t h = 0; h < 2; ++h) {
          SmallVector<int64_t> mask;
          for (int64_t i = 0; i < kLanes; ++i)
            mask.append({2 * i + h, 2 * kLanes + 2 * i + h});
          Value halves = vector::ShuffleOp::create(b, loc, rowK, rowK1, mask);
          for (int64_t s = 0; s < 4; ++s) {
            Value indices =
                s == 0 ? halves
                       : arith::ShRUIOp::create(
                             b, loc, halves,
                             arith::ConstantOp::create(
                                 b, loc,
                                 SplatElementsAttr::get(
                                     halfWords,
                                     b.getIntegerAttr(b.getI16Type(), 4 * s))))
                             .getResult();
            Value values = vector::BitCastOp::create(
                b, loc, bf16s,
                PermuteI16Op::create(b, loc, halfWords, tables[0], indices));
            Value &acc = partial[8 * q + 4 * h + s];
            acc = x86vector::DotBF16Op::create(b, loc, acc.getType(), acc,
                                               values, xs);
          }
        }
      }
      return;
    }
    case RowDecode::FP4F32Table:
      // Two i32 vectors of 8 codes per lane: code s of lane i of vector q is
      // column 128q + 8i + s, summed in partial[8q + s].
      for (int64_t q = 0; q < 2; ++q) {
        Value word = vector::BitCastOp::create(
            b, loc, words, load(rowsAt[0], q * 64, 4 * kLanes));
        for (int64_t s = 0; s < 8; ++s) {
          Value codesOfPart =
              s == 0 ? word
                     : arith::ShRUIOp::create(b, loc, word,
                                              splatI32(b, loc, words, 4 * s))
                           .getResult();
          fma(partial[8 * q + s],
              PermuteF32Op::create(b, loc, tables[0].getType(), tables[0],
                                   codesOfPart));
        }
      }
      return;
    case RowDecode::FP4Nibbles:
      // 8 x 16 bytes: low nibbles even columns, high ones odd.
      for (int64_t v = 0; v < 8; ++v) {
        Value wide = arith::ExtUIOp::create(
            b, loc, words, load(rowsAt[0], v * kLanes, kLanes));
        Value low =
            arith::AndIOp::create(b, loc, wide, splatI32(b, loc, words, 15));
        Value high =
            arith::ShRUIOp::create(b, loc, wide, splatI32(b, loc, words, 4));
        fma(partial[2 * v], buildDecodeUnitElement(b, loc, low, format));
        fma(partial[2 * v + 1], buildDecodeUnitElement(b, loc, high, format));
      }
      return;
    case RowDecode::Bytes: {
      auto wideType = VectorType::get({2 * kLanes}, b.getI32Type());
      for (int64_t v = 0; v < 8; ++v)
        fma(partial[v], buildDecodeUnitElement(
                            b, loc,
                            arith::ExtUIOp::create(
                                b, loc, wideType,
                                load(rowsAt[0], v * 2 * kLanes, 2 * kLanes)),
                            format));
      return;
    }
    }
  }

  /// The bf16 bits of the FP6/FP8 codes in the 16-bit lanes of `codes`:
  /// FP6 one lookup in its 64 codes; FP8 its 128 magnitudes in two lookups
  /// chosen by bit 6, and the sign moved from bit 7 to bit 15.
  Value lookUpBF16(OpBuilder &b, Location loc, Value codes) const {
    auto halfWords = cast<VectorType>(codes.getType());
    auto lookUp = [&](Value low, Value high) -> Value {
      return PermuteTwoI16Op::create(b, loc, halfWords, low, codes, high);
    };
    if (tables.size() == 2)
      return lookUp(tables[0], tables[1]);
    Value upper = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ne,
        arith::AndIOp::create(b, loc, codes, splatI16(b, loc, 0x40)),
        splatI16(b, loc, 0));
    Value magnitude =
        arith::SelectOp::create(b, loc, upper, lookUp(tables[2], tables[3]),
                                lookUp(tables[0], tables[1]));
    Value sign = arith::AndIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, codes, splatI16(b, loc, 8)),
        splatI16(b, loc, -0x8000));
    return arith::OrIOp::create(b, loc, magnitude, sign);
  }

  /// The partial sums as vectors of consecutive columns, in order.
  SmallVector<Value> inColumnOrder(OpBuilder &b, Location loc,
                                   ValueRange partial) const {
    if (!fp4())
      return llvm::to_vector(partial);
    SmallVector<Value> columns;
    if (mode == RowDecode::FP4Nibbles) {
      for (int64_t v = 0; v < 8; ++v)
        columns.push_back(vector::InterleaveOp::create(b, loc, partial[2 * v],
                                                       partial[2 * v + 1]));
      return columns;
    }
    // Part s holds columns 8i + s (i the lane). Interleaving parts s and
    // s + 4, then s and s + 2, then s and s + 1 (low halves to s, high to
    // the partner) moves s's bits below i's: part t ends with columns
    // 16t .. 16t + 15.
    SmallVector<int64_t> low, high;
    for (int64_t j = 0; j < kLanes; ++j) {
      low.push_back(j / 2 + (j % 2) * kLanes);
      high.push_back(kLanes / 2 + j / 2 + (j % 2) * kLanes);
    }
    for (int64_t q = 0; q < 2; ++q) {
      SmallVector<Value> parts = llvm::to_vector(partial.slice(8 * q, 8));
      for (int64_t bit : {4, 2, 1})
        for (int64_t s = 0; s < 8; ++s) {
          if (s & bit)
            continue;
          Value a = parts[s], c = parts[s | bit];
          parts[s] = vector::ShuffleOp::create(b, loc, a, c, low);
          parts[s | bit] = vector::ShuffleOp::create(b, loc, a, c, high);
        }
      columns.append(parts);
    }
    return columns;
  }
};

struct GemvKernel final : OpConversionPattern<MatmulOp> {
  GemvKernel(const TypeConverter &converter, MLIRContext *context, bool avx512,
             bool bf16Pairs)
      : OpConversionPattern(converter, context, /*benefit=*/3), avx512(avx512),
        bf16Pairs(bf16Pairs) {}

  LogicalResult
  matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isVectorKernelMatmul(op))
      return rewriter.notifyMatchFailure(op, "not of the kernel layout");
    const MatmulShape shape = getMatmulShape(op);
    BlockTensorType lhsType = shape.lhs, rhsType = shape.rhs;
    const int64_t M = shape.M, K = shape.K, N = shape.N, block = shape.block,
                  G = shape.G;
    if (M != 1 || N % kPanel != 0)
      return rewriter.notifyMatchFailure(op,
                                         "not one row of 256-column panels");
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value scalesX = readFlat(b, loc, adaptor.getLhs()[1]);
    Value codesW = readFlat(b, loc, adaptor.getRhs()[0]);
    Value scalesW = readFlat(b, loc, adaptor.getRhs()[1]);
    FlatResult y = allocateFlat(b, loc, cast<RankedTensorType>(op.getType()));

    const RowDecoder decoder = chooseDecoder(b, loc, rhsType.getFormat());
    Value x = decodeX(b, loc, adaptor.getLhs()[0], lhsType.getFormat(), K,
                      block, G, decoder.pairs());
    const int64_t rowBytes = decoder.rowBytes(N),
                  panelBytes = decoder.rowBytes(kPanel);
    Value zero = arith::ConstantOp::create(
        b, loc,
        SplatElementsAttr::get(decoder.sumType(b), b.getF32FloatAttr(0.0f)));
    SmallVector<Value> zeros(decoder.sums(), zero);
    // A parallel iteration owns `group` adjacent panels and walks the K-blocks
    // once for all of them: the pages of a block's 32 weight rows stay in
    // the TLB while every panel of the group reads its part of those rows.
    const int64_t panels = N / kPanel;
    const int64_t group = panels % 4 == 0 ? 4 : panels % 2 == 0 ? 2 : 1;
    buildBlockLoop(
        b, loc, panels / group,
        [&](OpBuilder &nb, Location l, Value groupIndex) {
          Value groupColumn = scaledIndex(nb, l, groupIndex, group * kPanel);
          auto zeroColumns = VectorType::get({kLanes}, nb.getF32Type());
          for (int64_t v = 0; v < group * kPanel / kLanes; ++v)
            vector::StoreOp::create(
                nb, l,
                arith::ConstantOp::create(
                    nb, l,
                    SplatElementsAttr::get(zeroColumns,
                                           nb.getF32FloatAttr(0.0f))),
                y.flat,
                ValueRange{arith::AddIOp::create(nb, l, groupColumn,
                                                 index(nb, l, v * kLanes))});
          buildLoop(nb, l, G, [&](OpBuilder &gb, Location gl, Value g) {
            buildLoop(gb, gl, group, [&](OpBuilder &pb, Location pl, Value p) {
              Value panel = arith::AddIOp::create(
                  pb, pl, scaledIndex(pb, pl, groupIndex, group), p);
              Value column = scaledIndex(pb, pl, panel, kPanel);
              Value columnByte = scaledIndex(pb, pl, panel, panelBytes);
              Value first = scaledIndex(pb, pl, g, block);
              // S: the block's 32 rows, each read as whole cache lines.
              const int64_t step = decoder.rowsPerStep();
              auto rows = scf::ForOp::create(
                  pb, pl, index(pb, pl, 0), index(pb, pl, block),
                  index(pb, pl, step), zeros,
                  [&](OpBuilder &rb, Location rl, Value j, ValueRange sums) {
                    Value k = arith::AddIOp::create(rb, rl, first, j);
                    SmallVector<Value> rowsAt;
                    for (int64_t r = 0; r < step; ++r) {
                      Value row =
                          arith::AddIOp::create(rb, rl, k, index(rb, rl, r));
                      rowsAt.push_back(arith::AddIOp::create(
                          rb, rl, scaledIndex(rb, rl, row, rowBytes),
                          columnByte));
                      // Row + block (the last row past the end).
                      Value ahead = arith::MinUIOp::create(
                          rb, rl,
                          arith::AddIOp::create(rb, rl, row,
                                                index(rb, rl, block)),
                          index(rb, rl, K - 1));
                      prefetch(rb, rl, codesW,
                               arith::AddIOp::create(
                                   rb, rl, scaledIndex(rb, rl, ahead, rowBytes),
                                   columnByte),
                               panelBytes);
                    }
                    SmallVector<Value> partial(sums);
                    decoder.accumulate(rb, rl, codesW, rowsAt,
                                       broadcastX(rb, rl, x, k, decoder),
                                       partial);
                    scf::YieldOp::create(rb, rl, partial);
                  });
              addScaledSums(pb, pl,
                            decoder.inColumnOrder(pb, pl, rows.getResults()),
                            scalesX, scalesW, y.flat, g, column, N);
            });
          });
        });
    rewriter.replaceOp(op, y.tensor);
    return success();
  }

private:
  /// The weight decoding the units allow for `format`.
  RowDecoder chooseDecoder(OpBuilder &b, Location loc,
                           num::ElementFormat format) const {
    const bool fp4 = format == num::ElementFormat::E2M1;
    if (bf16Pairs && format != num::ElementFormat::INT8)
      return {format, fp4 ? RowDecode::FP4BF16Pairs : RowDecode::BytesBF16Pairs,
              buildBF16PairTables(b, loc, format)};
    if (fp4 && avx512)
      return {format, RowDecode::FP4F32Table, {buildFP4Table(b, loc)}};
    return {format, fp4 ? RowDecode::FP4Nibbles : RowDecode::Bytes, {}};
  }

  /// x: K values at unit scale, decoded once (K is small next to the K x N
  /// weights), as f32, or as bf16 for the pair mode (exact: every MX
  /// element is a bf16).
  static Value decodeX(OpBuilder &b, Location loc, Value tensor,
                       num::ElementFormat format, int64_t K, int64_t block,
                       int64_t G, bool asBF16) {
    Value codes = readFlat(b, loc, tensor);
    Type elementType = asBF16 ? Type(b.getBF16Type()) : Type(b.getF32Type());
    Value x = memref::AllocOp::create(b, loc, MemRefType::get({K}, elementType),
                                      b.getI64IntegerAttr(64));
    const bool fp4 = format == num::ElementFormat::E2M1;
    buildBlockLoop(b, loc, G, [&](OpBuilder &nb, Location l, Value g) {
      Value first = scaledIndex(nb, l, g, block);
      Value bytes =
          fp4 ? unpackNibbles(nb, l,
                              vector::LoadOp::create(
                                  nb, l,
                                  VectorType::get({block / 2}, nb.getI8Type()),
                                  codes, scaledIndex(nb, l, g, block / 2)))
              : vector::LoadOp::create(nb, l,
                                       VectorType::get({block}, nb.getI8Type()),
                                       codes, first)
                    .getResult();
      auto i32s = VectorType::get({block}, nb.getI32Type());
      Value values = buildDecodeUnitElement(
          nb, l, arith::ExtUIOp::create(nb, l, i32s, bytes), format);
      if (asBF16)
        values = arith::TruncFOp::create(
            nb, l, VectorType::get({block}, nb.getBF16Type()), values);
      vector::StoreOp::create(nb, l, values, x, first);
    });
    return x;
  }

  /// x_k in every f32 lane, or (x_k, x_k+1) as the bf16 pair of every
  /// 32-bit lane.
  static Value broadcastX(OpBuilder &b, Location loc, Value x, Value k,
                          const RowDecoder &decoder) {
    if (!decoder.pairs())
      return vector::BroadcastOp::create(b, loc, decoder.sumType(b),
                                         memref::LoadOp::create(b, loc, x, k));
    Value pair = vector::LoadOp::create(
        b, loc, VectorType::get({2}, b.getBF16Type()), x, ValueRange{k});
    Value word = vector::BitCastOp::create(
        b, loc, VectorType::get({1}, b.getI32Type()), pair);
    Value words = vector::BroadcastOp::create(
        b, loc, VectorType::get({kLanes}, b.getI32Type()),
        vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0}));
    return vector::BitCastOp::create(
        b, loc, VectorType::get({2 * kLanes}, b.getBF16Type()), words);
  }

  /// A sequential loop over [0, count).
  static void buildLoop(OpBuilder &b, Location loc, int64_t count,
                        function_ref<void(OpBuilder &, Location, Value)> body) {
    scf::ForOp::create(b, loc, index(b, loc, 0), index(b, loc, count),
                       index(b, loc, 1), ValueRange{},
                       [&](OpBuilder &nb, Location l, Value i, ValueRange) {
                         body(nb, l, i);
                         scf::YieldOp::create(nb, l);
                       });
  }

  /// y[columns] += (S * X_x) * X_B for block g, S the block's sums in
  /// column order from `column`.
  static void addScaledSums(OpBuilder &b, Location loc, ArrayRef<Value> sums,
                            Value scalesX, Value scalesW, Value y, Value g,
                            Value column, int64_t N) {
    Value scaleX = buildScaleValue(
        b, loc,
        buildScaleCode(b, loc, memref::LoadOp::create(b, loc, scalesX, g)));
    Value at = column;
    for (Value sum : sums) {
      auto type = cast<VectorType>(sum.getType());
      Value scaleCodes = vector::LoadOp::create(
          b, loc,
          VectorType::get(type.getShape(),
                          Float8E8M0FNUType::get(b.getContext())),
          scalesW,
          ValueRange{
              arith::AddIOp::create(b, loc, scaledIndex(b, loc, g, N), at)});
      Value scaleW =
          buildScaleValue(b, loc, buildScaleCode(b, loc, scaleCodes));
      Value scaled = arith::MulFOp::create(
          b, loc,
          arith::MulFOp::create(
              b, loc, sum, vector::BroadcastOp::create(b, loc, type, scaleX)),
          scaleW);
      Value total = vector::LoadOp::create(b, loc, type, y, ValueRange{at});
      vector::StoreOp::create(b, loc,
                              arith::AddFOp::create(b, loc, total, scaled), y,
                              ValueRange{at});
      at = arith::AddIOp::create(b, loc, at,
                                 index(b, loc, type.getNumElements()));
    }
  }

  bool avx512;    // vpermps FP4 lookups
  bool bf16Pairs; // vpermw FP4 lookups of row pairs for vdpbf16ps
};

} // namespace

void mlir::mx::populateGemvKernelPattern(const TypeConverter &converter,
                                         RewritePatternSet &patterns,
                                         bool avx512, bool bf16Pairs) {
  patterns.add<GemvKernel>(converter, patterns.getContext(), avx512, bf16Pairs);
}
