//===- GemvRowDecoder.cpp - Weight rows of the GEMV -----------------------===//

#include "GemvRowDecoder.h"
#include "BlockKernels.h"

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/IR/MXTargetOps.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

/// The 16 FP4 (E2M1) values at unit scale, by code.
static SmallVector<float> fp4Values() {
  SmallVector<float> values;
  for (uint8_t code = 0; code < 16; ++code)
    values.push_back(float(num::decodeElement(num::ElementFormat::E2M1, code)));
  return values;
}

/// The FP4 values as f32 lanes (vpermps: code c in lane c).
static Value buildFP4Table(OpBuilder &b, Location loc) {
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(VectorType::get({kLanes}, b.getF32Type()),
                             ArrayRef<float>(fp4Values())));
}

/// `values` (all bf16s: f32s whose low half is zero) as the bf16 bits of
/// 16-bit lanes, 32 per vector, for vpermw / vpermi2w lookups.
static SmallVector<Value, 4> buildBF16Tables(OpBuilder &b, Location loc,
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
static SmallVector<Value, 4> buildBF16PairTables(OpBuilder &b, Location loc,
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
static Value splatI16(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantOp::create(
      b, loc,
      SplatElementsAttr::get(VectorType::get({2 * kLanes}, b.getI16Type()),
                             b.getIntegerAttr(b.getI16Type(), v)));
}

void RowDecoder::accumulate(OpBuilder &b, Location loc, Value codes,
                            ValueRange rowsAt, Value xs,
                            SmallVectorImpl<Value> &partial) const {
  auto load = [&](Value at, int64_t offset, int64_t bytes) -> Value {
    return vector::LoadOp::create(
        b, loc, VectorType::get({bytes}, b.getI8Type()), codes,
        ValueRange{
            arith::AddIOp::create(b, loc, at, constantIndex(b, loc, offset))});
  };
  auto fma = [&](Value &acc, Value values) {
    acc = vector::FMAOp::create(b, loc, xs, values, acc);
  };
  auto words = VectorType::get({kLanes}, b.getI32Type());
  switch (mode) {
  case RowDecode::Int8Quads: {
    // Per 64 columns: the four rows' codes made unsigned (k + 128, as
    // vpdpbusd's first operand) and interleaved so that each 32-bit lane
    // holds one column's four rows; x's four codes are the signed operand.
    auto bytes = VectorType::get({4 * kLanes}, b.getI8Type());
    Value flip = arith::ConstantOp::create(
        b, loc,
        SplatElementsAttr::get(bytes, b.getIntegerAttr(b.getI8Type(), -128)));
    for (int64_t c = 0; c < kGemvPanel / (4 * kLanes); ++c) {
      SmallVector<Value, 4> rows;
      for (Value at : rowsAt)
        rows.push_back(arith::XOrIOp::create(
            b, loc, load(at, c * 4 * kLanes, 4 * kLanes), flip));
      Value quads = interleaveQuads(b, loc, rows[0], rows[1], rows[2], rows[3]);
      for (int64_t v = 0; v < 4; ++v) {
        Value columns = vector::ExtractStridedSliceOp::create(
            b, loc, quads, ArrayRef<int64_t>{v * 4 * kLanes},
            ArrayRef<int64_t>{4 * kLanes}, ArrayRef<int64_t>{1});
        Value &acc = partial[4 * c + v];
        acc = DotUnsignedSignedI8Op::create(b, loc, acc.getType(), acc, columns,
                                            xs);
      }
    }
    return;
  }
  case RowDecode::BytesBF16Pairs: {
    // Per 32 columns: both rows' codes widened to 16-bit lanes and
    // interleaved (row k low, row k + 1 high in each 32-bit lane), 16
    // columns at a time, then looked up as bf16.
    auto halfWords = VectorType::get({2 * kLanes}, b.getI16Type());
    auto bf16s = VectorType::get({2 * kLanes}, b.getBF16Type());
    for (int64_t c = 0; c < kGemvPanel / (2 * kLanes); ++c) {
      auto widened = [&](Value at) -> Value {
        return arith::ExtUIOp::create(b, loc, halfWords,
                                      load(at, c * 2 * kLanes, 2 * kLanes));
      };
      Value rowK = widened(rowsAt[0]), rowK1 = widened(rowsAt[1]);
      for (int64_t h = 0; h < 2; ++h) {
        SmallVector<int64_t> mask;
        for (int64_t i = 0; i < kLanes; ++i)
          mask.append({kLanes * h + i, 2 * kLanes + kLanes * h + i});
        Value pairCodes = vector::ShuffleOp::create(b, loc, rowK, rowK1, mask);
        Value values = vector::BitCastOp::create(b, loc, bf16s,
                                                 lookUpBF16(b, loc, pairCodes));
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
          Value indices = s == 0 ? halves
                                 : arith::ShRUIOp::create(
                                       b, loc, halves, splatI16(b, loc, 4 * s))
                                       .getResult();
          Value values = vector::BitCastOp::create(
              b, loc, bf16s,
              PermuteI16Op::create(b, loc, halfWords, tables[0], indices));
          Value &acc = partial[8 * q + 4 * h + s];
          acc = x86vector::DotBF16Op::create(b, loc, acc.getType(), acc, values,
                                             xs);
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
      Value wide = arith::ExtUIOp::create(b, loc, words,
                                          load(rowsAt[0], v * kLanes, kLanes));
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

Value RowDecoder::lookUpBF16(OpBuilder &b, Location loc, Value codes) const {
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

SmallVector<Value> RowDecoder::blockDots(OpBuilder &b, Location loc,
                                         ValueRange partial,
                                         Value xCodeSum) const {
  if (!quads())
    return llvm::to_vector(partial);
  auto i32s = VectorType::get({kLanes}, b.getI32Type());
  auto f32s = VectorType::get({kLanes}, b.getF32Type());
  Value bias = vector::BroadcastOp::create(
      b, loc, i32s,
      arith::MulIOp::create(
          b, loc, xCodeSum,
          arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(128))));
  Value unit = arith::ConstantOp::create(
      b, loc, SplatElementsAttr::get(f32s, b.getF32FloatAttr(0x1p-12f)));
  SmallVector<Value> dots;
  for (Value sum : partial)
    dots.push_back(arith::MulFOp::create(
        b, loc,
        arith::SIToFPOp::create(b, loc, f32s,
                                arith::SubIOp::create(b, loc, sum, bias)),
        unit));
  return dots;
}

SmallVector<Value> RowDecoder::inColumnOrder(OpBuilder &b, Location loc,
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

RowDecoder mlir::mx::chooseRowDecoder(OpBuilder &b, Location loc,
                                      num::ElementFormat format, bool avx512,
                                      bool bf16Pairs, bool int8Quads) {
  if (int8Quads && format == num::ElementFormat::INT8)
    return {format, RowDecode::Int8Quads, {}};
  const bool fp4 = format == num::ElementFormat::E2M1;
  if (bf16Pairs && format != num::ElementFormat::INT8)
    return {format, fp4 ? RowDecode::FP4BF16Pairs : RowDecode::BytesBF16Pairs,
            buildBF16PairTables(b, loc, format)};
  if (fp4 && avx512)
    return {format, RowDecode::FP4F32Table, {buildFP4Table(b, loc)}};
  return {format, fp4 ? RowDecode::FP4Nibbles : RowDecode::Bytes, {}};
}
