//===- MatmulPacking.cpp - Operands of the packed GEMM, decoded once ------===//

#include "MatmulPacking.h"

#include "mx/Dialect/MX/IR/MXTargetOps.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mx/Dialect/MX/IR/MXOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

Tiling mlir::mx::chooseTiling(bool bf16, bool int8, int64_t n) {
  Tiling t{bf16 && !int8, int8,
           int8   ? 4
           : bf16 ? 2
                  : 1,
           n % 32 == 0 ? 2 : 1, 0};
  // Partial sums and totals both live in registers: 2 * MR * V of 32.
  t.rows = t.vectors == 2 ? 6 : 12;
  return t;
}

/// `count` element codes starting at element `first` of a row-major flat
/// code buffer (FP4: two per byte), as vector<count x i8>.
static Value loadCodes(OpBuilder &b, Location loc, Value codes, Value first,
                       int64_t count, bool fp4) {
  if (!fp4)
    return vector::LoadOp::create(
        b, loc, VectorType::get({count}, b.getI8Type()), codes, first);
  Value byte = arith::DivUIOp::create(b, loc, first, constantIndex(b, loc, 2));
  return unpackNibbles(
      b, loc,
      vector::LoadOp::create(
          b, loc, VectorType::get({count / 2}, b.getI8Type()), codes, byte));
}

std::optional<int> mlir::mx::integerValueShift(num::ElementFormat format) {
  switch (format) {
  case num::ElementFormat::INT8:
    return 6;
  case num::ElementFormat::E2M1:
    return 1;
  case num::ElementFormat::E2M3:
    return 3;
  default:
    return std::nullopt;
  }
}

/// Sets `violations` when a lane of `values` is not zero (or is NaN) where
/// `scales` is the least E8M0 scale, 2^-127: folded, such a value would be
/// no normal bf16 (the lanes of an all-zero block are zero whatever their
/// scale).
static void flagUnscalableValues(OpBuilder &b, Location loc, Value values,
                                 Value scales, Value violations) {
  auto type = cast<VectorType>(values.getType());
  auto splat = [&](float v) {
    return arith::ConstantOp::create(
        b, loc, SplatElementsAttr::get(type, b.getF32FloatAttr(v)));
  };
  Value nonzero = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE,
                                        values, splat(0.0f));
  Value least = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, scales,
                                      splat(0x1p-126f));
  Value any = vector::ReductionOp::create(
      b, loc, vector::CombiningKind::OR,
      arith::AndIOp::create(b, loc, nonzero, least));
  scf::IfOp::create(b, loc, any, [&](OpBuilder &nb, Location l) {
    memref::AtomicRMWOp::create(
        nb, l, arith::AtomicRMWKind::ori,
        arith::ConstantOp::create(nb, l, nb.getI32IntegerAttr(1)), violations,
        ValueRange{constantIndex(nb, l, 0)});
    scf::YieldOp::create(nb, l);
  });
}

/// The element values of `codes` (vector<n x i8>) at unit scale, as the dot
/// unit's operand type (exact in each; int8: the value times
/// 2^integerValueShift as a signed byte). With `scale` (bf16 only: f32, or
/// a vector of n f32), the values times it, and a nonzero value under the
/// least scale sets `violations`.
static Value decodeForDot(OpBuilder &b, Location loc, Value codes,
                          num::ElementFormat format, const Tiling &t,
                          Value scale = {}, Value violations = {}) {
  auto shape = cast<VectorType>(codes.getType()).getShape();
  if (t.int8 && format == num::ElementFormat::INT8)
    return codes; // k / 64 as the signed byte k
  Value wide = arith::ExtUIOp::create(
      b, loc, VectorType::get(shape, b.getI32Type()), codes);
  Value value = buildDecodeUnitElement(b, loc, wide, format);
  auto f32s = cast<VectorType>(value.getType());
  if (t.int8) {
    Value factor = arith::ConstantOp::create(
        b, loc,
        SplatElementsAttr::get(f32s, b.getF32FloatAttr(std::ldexp(
                                         1.0f, *integerValueShift(format)))));
    Value integer =
        arith::FPToSIOp::create(b, loc, VectorType::get(shape, b.getI32Type()),
                                arith::MulFOp::create(b, loc, value, factor));
    return arith::TruncIOp::create(
        b, loc, VectorType::get(shape, b.getI8Type()), integer);
  }
  if (scale) {
    if (!isa<VectorType>(scale.getType()))
      scale = vector::BroadcastOp::create(b, loc, f32s, scale);
    flagUnscalableValues(b, loc, value, scale, violations);
    value = arith::MulFOp::create(b, loc, value, scale);
  }
  if (!t.bf16)
    return value;
  return arith::TruncFOp::create(
      b, loc, VectorType::get(shape, b.getBF16Type()), value);
}

Value mlir::mx::decodeScales(OpBuilder &b, Location loc, Value scales,
                             int64_t count, float unit) {
  Value out =
      memref::AllocOp::create(b, loc, MemRefType::get({count}, b.getF32Type()),
                              b.getI64IntegerAttr(64));
  Type stored = cast<MemRefType>(scales.getType()).getElementType();
  buildBlockLoop(b, loc, count, [&](OpBuilder &nb, Location l, Value i) {
    Value scale = memref::LoadOp::create(nb, l, scales, i);
    if (isa<Float8E4M3FNType>(stored))
      scale = buildExtendFP8(nb, l, scale, nb.getF32Type());
    else if (isa<Float8E8M0FNUType>(stored))
      scale = buildScaleValue(nb, l, buildScaleCode(nb, l, scale));
    if (unit != 1.0f)
      scale = arith::MulFOp::create(
          nb, l, scale,
          arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(unit)));
    memref::StoreOp::create(nb, l, scale, out, i);
  });
  return out;
}

Value mlir::mx::buildDotBiases(OpBuilder &b, Location loc, Value packedB,
                               const Tiling &t, int64_t K, int64_t N,
                               int64_t block) {
  const int64_t G = K / block, NR = t.columns(), panels = N / NR,
                steps = K / t.step, stepsPerBlock = block / t.step;
  Value biases =
      memref::AllocOp::create(b, loc, MemRefType::get({G * N}, b.getI32Type()),
                              b.getI64IntegerAttr(64));
  auto i32s = VectorType::get({kLanes}, b.getI32Type());
  auto quads = VectorType::get({kLanes * t.step}, b.getI8Type());
  buildBlockLoop(
      b, loc, G * panels * t.vectors, [&](OpBuilder &nb, Location l, Value i) {
        Value v =
            arith::RemUIOp::create(nb, l, i, constantIndex(nb, l, t.vectors));
        Value rest =
            arith::DivUIOp::create(nb, l, i, constantIndex(nb, l, t.vectors));
        Value panel =
            arith::RemUIOp::create(nb, l, rest, constantIndex(nb, l, panels));
        Value g =
            arith::DivUIOp::create(nb, l, rest, constantIndex(nb, l, panels));
        Value ones = arith::ConstantOp::create(
            nb, l,
            SplatElementsAttr::get(quads,
                                   nb.getIntegerAttr(nb.getI8Type(), 1)));
        Value sum = arith::ConstantOp::create(
            nb, l, SplatElementsAttr::get(i32s, nb.getI32IntegerAttr(0)));
        Value first = addIndices(
            nb, l, scaledIndex(nb, l, panel, steps * NR * t.step),
            addIndices(nb, l,
                       scaledIndex(nb, l, g, stepsPerBlock * NR * t.step),
                       scaledIndex(nb, l, v, kLanes * t.step)));
        for (int64_t s = 0; s < stepsPerBlock; ++s) {
          Value values = vector::LoadOp::create(
              nb, l, quads, packedB,
              addIndices(nb, l, first, constantIndex(nb, l, s * NR * t.step)));
          sum = DotUnsignedSignedI8Op::create(nb, l, i32s, sum, ones, values);
        }
        Value bias = arith::MulIOp::create(
            nb, l, sum,
            arith::ConstantOp::create(
                nb, l,
                SplatElementsAttr::get(i32s, nb.getI32IntegerAttr(-128))));
        Value column = addIndices(nb, l, scaledIndex(nb, l, panel, NR),
                                  scaledIndex(nb, l, v, kLanes));
        vector::StoreOp::create(
            nb, l, bias, biases,
            addIndices(nb, l, scaledIndex(nb, l, g, N), column));
      });
  return biases;
}

Value mlir::mx::packLhs(OpBuilder &b, Location loc, const MatmulShape &shape,
                        const Tiling &t, Value codesA, Type dotElement,
                        int64_t paddedM, FoldedScales folded) {
  const int64_t M = shape.M, K = shape.K, block = shape.block;
  const bool lhsFP4 = shape.lhs.getFormat() == num::ElementFormat::E2M1;
  Value packedA = memref::AllocOp::create(
      b, loc, MemRefType::get({paddedM * K}, dotElement),
      b.getI64IntegerAttr(64));
  buildBlockLoop(
      b, loc, paddedM * shape.G, [&](OpBuilder &nb, Location l, Value i) {
        Value first = scaledIndex(nb, l, i, block);
        Value source = first;
        if (paddedM != M) // rows past M read row M - 1
          source = arith::MinUIOp::create(
              nb, l, first,
              addIndices(
                  nb, l,
                  arith::RemUIOp::create(nb, l, first, constantIndex(nb, l, K)),
                  constantIndex(nb, l, (M - 1) * K)));
        Value codes = loadCodes(nb, l, codesA, source, block, lhsFP4);
        Value scale;
        if (folded.scales) // the block's own scale ([m][g] = source / block)
          scale = memref::LoadOp::create(
              nb, l, folded.scales,
              ValueRange{arith::DivUIOp::create(nb, l, source,
                                                constantIndex(nb, l, block))});
        Value values = decodeForDot(nb, l, codes, shape.lhs.getFormat(), t,
                                    scale, folded.violations);
        if (t.int8) // vpdpbusd's unsigned operand: k + 128
          values = arith::XOrIOp::create(
              nb, l, values,
              arith::ConstantOp::create(
                  nb, l,
                  SplatElementsAttr::get(
                      cast<ShapedType>(values.getType()),
                      nb.getIntegerAttr(nb.getI8Type(), -128))));
        vector::StoreOp::create(nb, l, values, packedA, first);
      });
  return packedA;
}

Value mlir::mx::packRhs(OpBuilder &b, Location loc, const MatmulShape &shape,
                        const Tiling &t, Value codesB, Type dotElement,
                        FoldedScales folded) {
  const int64_t K = shape.K, N = shape.N;
  const bool rhsFP4 = shape.rhs.getFormat() == num::ElementFormat::E2M1;
  const int64_t NR = t.columns(), panels = N / NR, steps = K / t.step;
  Value packedB = memref::AllocOp::create(
      b, loc, MemRefType::get({N * K}, dotElement), b.getI64IntegerAttr(64));
  buildBlockLoop(
      b, loc, panels * steps, [&](OpBuilder &nb, Location l, Value i) {
        Value panel =
            arith::DivUIOp::create(nb, l, i, constantIndex(nb, l, steps));
        Value s = arith::RemUIOp::create(nb, l, i, constantIndex(nb, l, steps));
        Value column = scaledIndex(nb, l, panel, NR);
        auto row = [&](int64_t offset) {
          Value k = addIndices(nb, l, scaledIndex(nb, l, s, t.step),
                               constantIndex(nb, l, offset));
          Value first = addIndices(nb, l, scaledIndex(nb, l, k, N), column);
          Value scales;
          if (folded.scales) // the columns' scales in k's K-block
            scales = vector::LoadOp::create(
                nb, l, VectorType::get({NR}, nb.getF32Type()), folded.scales,
                addIndices(nb, l,
                           scaledIndex(
                               nb, l,
                               arith::DivUIOp::create(
                                   nb, l, k, constantIndex(nb, l, shape.block)),
                               N),
                           column));
          return decodeForDot(
              nb, l, loadCodes(nb, l, codesB, first, NR, rhsFP4),
              shape.rhs.getFormat(), t, scales, folded.violations);
        };
        // int8: rows 4s..4s+3 of a column in one 32-bit lane.
        Value values =
            t.int8   ? interleaveQuads(nb, l, row(0), row(1), row(2), row(3))
            : t.bf16 ? vector::InterleaveOp::create(nb, l, row(0), row(1))
                           .getResult()
                     : row(0);
        vector::StoreOp::create(nb, l, values, packedB,
                                scaledIndex(nb, l, i, NR * t.step));
      });
  return packedB;
}

std::pair<int64_t, int64_t>
mlir::mx::valueExponents(num::ElementFormat format) {
  const num::FormatInfo &info = num::getFormatInfo(format);
  if (format == num::ElementFormat::INT8) // k / 64, |k| <= 128
    return {-int64_t(info.mantissaBits), 1};
  return {1 - info.bias - int64_t(info.mantissaBits), info.emax + 1};
}

/// The least E8M0 code other than 0 in `scales` (flat, `count` raw
/// scales; 255 if none) and the largest code, as i32.
static std::pair<Value, Value> scaleCodeRange(OpBuilder &b, Location loc,
                                              Value scales, int64_t count) {
  Type i32 = b.getI32Type();
  auto constant = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(i32, v));
  };
  auto loop = scf::ForOp::create(
      b, loc, constantIndex(b, loc, 0), constantIndex(b, loc, count),
      constantIndex(b, loc, 1), ValueRange{constant(255), constant(0)},
      [&](OpBuilder &nb, Location l, Value i, ValueRange range) {
        Value code =
            buildScaleCode(nb, l, memref::LoadOp::create(nb, l, scales, i));
        Value zero = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq,
                                           code, constant(0));
        Value least = arith::MinSIOp::create(
            nb, l, range[0],
            arith::SelectOp::create(nb, l, zero, constant(255), code));
        Value largest = arith::MaxSIOp::create(nb, l, range[1], code);
        scf::YieldOp::create(nb, l, ValueRange{least, largest});
      });
  return {loop.getResult(0), loop.getResult(1)};
}

std::pair<int64_t, int64_t>
mlir::mx::constantScaleCodeRange(ArrayRef<uint8_t> codes) {
  int64_t least = 255, largest = 0;
  for (uint8_t code : codes) {
    if (code != 0)
      least = std::min<int64_t>(least, code);
    largest = std::max<int64_t>(largest, code);
  }
  return {least, largest};
}

Value mlir::mx::buildFoldedScaleTest(
    OpBuilder &b, Location loc, const MatmulShape &shape, Value scalesA,
    Value scalesB, std::optional<std::pair<int64_t, int64_t>> rangeB) {
  Type i32 = b.getI32Type();
  auto constant = [&](int64_t v) {
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(i32, v));
  };
  auto [leastA, largestA] = scaleCodeRange(b, loc, scalesA, shape.M * shape.G);
  auto [leastB, largestB] =
      rangeB ? std::pair<Value, Value>(constant(rangeB->first),
                                       constant(rangeB->second))
             : scaleCodeRange(b, loc, scalesB, shape.G * shape.N);
  auto [gridA, topA] = valueExponents(shape.lhs.getFormat());
  auto [gridB, topB] = valueExponents(shape.rhs.getFormat());
  const int64_t sumBits = llvm::Log2_64_Ceil(uint64_t(shape.K));
  // With a = code - 127: scaled values and products are multiples of a
  // normal power of two (so every nonzero sum is normal: vdpbf16ps flushes
  // subnormals), and no value, product or K-long sum reaches 2^128.
  Value lowA = arith::AddIOp::create(b, loc, leastA, constant(gridA - 127));
  Value lowB = arith::AddIOp::create(b, loc, leastB, constant(gridB - 127));
  Value highA = arith::AddIOp::create(b, loc, largestA, constant(topA - 127));
  Value highB = arith::AddIOp::create(b, loc, largestB, constant(topB - 127));
  auto atLeast = [&](Value x, int64_t bound) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, x,
                                 constant(bound))
        .getResult();
  };
  auto atMost = [&](Value x, int64_t bound) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle, x,
                                 constant(bound))
        .getResult();
  };
  Value conditions[] = {
      atMost(largestA, 254), // no NaN scale
      atMost(largestB, 254),
      atLeast(lowA, -126),
      atLeast(lowB, -126),
      atLeast(arith::AddIOp::create(b, loc, lowA, lowB), -126),
      atMost(highA, 127),
      atMost(highB, 127),
      atMost(arith::AddIOp::create(b, loc, highA, highB), 127 - sumBits),
  };
  Value all = conditions[0];
  for (Value condition : ArrayRef(conditions).drop_front())
    all = arith::AndIOp::create(b, loc, all, condition);
  return all;
}
