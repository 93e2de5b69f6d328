//===- FloatScaleCodes.cpp - Scalar arith IR for f32 tile scales ----------===//

#include "mx/Dialect/MX/Utils/FloatScaleCodes.h"
#include "mx/Dialect/MX/Utils/ArithEmitter.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Numerics/NVFP4.h"
#include "mx/Numerics/Scale.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;
using P = arith::CmpIPredicate;
using F = arith::CmpFPredicate;

Value mlir::mx::buildFloatScaleFromAmax(OpBuilder &b, Location loc, Value amax,
                                        num::ElementFormat format,
                                        num::FloatScaleRule rule) {
  ArithEmitter i(b, loc, b.getI64Type());
  Type f32 = b.getF32Type(), f64 = b.getF64Type(), i64 = b.getI64Type();
  double maxNormal = num::getFormatInfo(format).maxNormal;
  Value scale;
  if (rule == num::FloatScaleRule::Quotient) {
    Value quotient = i.divF(amax, i.cF32(static_cast<float>(maxNormal)));
    scale = arith::MaximumFOp::create(
        b, loc, quotient, i.cF32(std::numeric_limits<float>::denorm_min()));
  } else {
    // amax <= max * 2^k with max = 2^maxExp * (1 + maxFraction / 2^52):
    // k = e - maxExp, plus one where amax's fraction exceeds max's (amax
    // taken to f64, where every f32 is normal).
    int maxExp = std::ilogb(maxNormal);
    int64_t maxFraction = static_cast<int64_t>(
        std::ldexp(std::ldexp(maxNormal, -maxExp) - 1.0, 52));
    Value bits = i.bitcast(i64, arith::ExtFOp::create(b, loc, f64, amax));
    Value e = i.sub(i.band(i.shr(bits, i.c(52)), i.c(0x7FF)), i.c(1023));
    Value fraction = i.band(bits, i.c((int64_t(1) << 52) - 1));
    Value k = i.add(i.sub(e, i.c(maxExp)),
                    i.zext(i64, i.cmp(P::ugt, fraction, i.c(maxFraction))));
    k = i.maxS(k, i.c(-149)); // f32's least power of two
    Value power = i.bitcast(f64, i.shl(i.add(k, i.c(1023)), i.c(52)));
    scale = arith::TruncFOp::create(b, loc, f32, power); // exact
  }
  Value one = i.cF32(1.0f);
  Value nan = i.cF32(std::numeric_limits<float>::quiet_NaN());
  Value isZero = i.cmpF(F::OEQ, amax, i.cF32(0.0f));
  // NaN compares unordered and Inf equal to Inf: both give the NaN scale.
  Value finite = i.cmpF(F::OLT, amax, i.cF32(INFINITY));
  return i.select(finite, i.select(isZero, one, scale), nan);
}

/// `value` (f64, or a vector of f64) rounded to f32 to odd: nearest even,
/// then one step toward `value` where that was inexact and landed on an
/// even significand. A second rounding to any format at least two bits
/// narrower is then the one rounding of `value` (nearest even).
static Value roundToOddF32(OpBuilder &b, Location loc, Value value) {
  Type f32 = shapedLike(value, b.getF32Type());
  Type i32 = shapedLike(value, b.getI32Type());
  ArithEmitter i(b, loc, i32);
  Value nearest = arith::TruncFOp::create(b, loc, f32, value);
  Value back = arith::ExtFOp::create(b, loc, value.getType(), nearest);
  Value bits = i.bitcast(i32, nearest);
  Value inexact = i.cmpF(F::UNE, back, value);
  Value even = i.cmp(P::eq, i.band(bits, i.c(1)), i.c(0));
  // Rounding keeps the sign: |back| < |value| on either side of zero.
  Value zero = splatConstant(b, loc, value.getType(), b.getF64FloatAttr(0.0));
  Value below =
      i.select(i.cmpF(F::OGT, value, zero), i.cmpF(F::OLT, back, value),
               i.cmpF(F::OGT, back, value));
  Value stepped = i.select(below, i.add(bits, i.c(1)), i.sub(bits, i.c(1)));
  Value odd =
      i.select(arith::AndIOp::create(b, loc, inexact, even), stepped, bits);
  return i.bitcast(f32, odd);
}

Value mlir::mx::buildEncodeFloatScaled(OpBuilder &b, Location loc, Value value,
                                       Value scale, num::ElementFormat format) {
  ArithEmitter i(b, loc, shapedLike(value, b.getI32Type()));
  Type f64 = shapedLike(value, b.getF64Type());
  Value quotient = i.divF(arith::ExtFOp::create(b, loc, f64, value),
                          arith::ExtFOp::create(b, loc, f64, scale));
  // FP8 keeps at most 3 fraction bits: rounding the odd f32 is exact.
  Value code = buildEncodeElement(
      b, loc, roundToOddF32(b, loc, quotient), i.c(num::kE8M0Bias), i.c(0),
      EncodeOptions{format, num::Rounding::NearestEven,
                    num::Saturation::Saturate});
  Value nanScale = i.cmpF(F::UNO, scale, scale);
  return i.select(nanScale, i.c(0), code);
}

Value mlir::mx::buildEncodeTileScaled(OpBuilder &b, Location loc, Value value,
                                      Value scale, num::ElementFormat format) {
  Type f32 = value.getType();
  ArithEmitter i(b, loc, shapedLike(value, b.getI32Type()));
  auto constant = [&](float v) {
    return splatConstant(b, loc, f32, b.getF32FloatAttr(v));
  };
  // Below 2^-64 a quotient that reaches FP8's range has a remainder finer
  // than f32's subnormals: scale both up (x <= 57344 * scale stays finite).
  Value tiny = i.cmpF(F::OLT, scale, constant(0x1p-64f));
  Value factor = i.select(tiny, constant(0x1p64f), constant(1.0f));
  Value x = i.mulF(value, factor), s = i.mulF(scale, factor);
  Value q = i.divF(x, s);
  // r = x - q s exactly (the remainder of a correctly rounded quotient is
  // an f32 here); its sign says on which side of q the exact quotient is.
  Value r = math::FmaOp::create(b, loc, i.negF(q), s, x);
  Type i32 = shapedLike(value, b.getI32Type());
  Value bits = i.bitcast(i32, q);
  Value zero = constant(0.0f);
  Value inexact = i.cmpF(F::ONE, r, zero);
  Value even = i.cmp(P::eq, i.band(bits, i.c(1)), i.c(0));
  // Away from zero when the exact quotient is: r has the sign of q there
  // (q = +-0 only when x has q's sign, so r does too).
  Value away =
      i.cmp(P::eq, i.shr(i.bitcast(i32, r), i.c(31)), i.shr(bits, i.c(31)));
  Value stepped = i.select(away, i.add(bits, i.c(1)), i.sub(bits, i.c(1)));
  Value odd =
      i.bitcast(f32, i.select(arith::AndIOp::create(b, loc, inexact, even),
                              stepped, bits));
  // The f32 adder rounds the odd quotient to the FP8 grid (unit scale): the
  // one rounding of the exact quotient, for the finite values a computed
  // scale implies.
  Value code = buildEncodeElementNearest(b, loc, odd, i.c(num::kE8M0Bias),
                                         format, num::Saturation::Saturate);
  Value nanScale = i.cmpF(F::UNO, scale, scale);
  return i.select(nanScale, i.c(0), code);
}

Value mlir::mx::buildDecodeFloatScaled(OpBuilder &b, Location loc, Value code,
                                       Value scale, num::ElementFormat format,
                                       FloatType to) {
  ArithEmitter i(b, loc, shapedLike(code, b.getI32Type()));
  Type f64 = shapedLike(code, b.getF64Type());
  Value element = buildDecodeUnitElement(b, loc, code, format); // exact f32
  // At most 4 + 24 significant bits: exact in double.
  Value product = i.mulF(arith::ExtFOp::create(b, loc, f64, element),
                         arith::ExtFOp::create(b, loc, f64, scale));
  Type result = shapedLike(code, to);
  if (to.isF32())
    return arith::TruncFOp::create(b, loc, result, product);
  return arith::TruncFOp::create(b, loc, result,
                                 roundToOddF32(b, loc, product));
}

Value mlir::mx::buildFiniteMagnitude(OpBuilder &b, Location loc, Value x) {
  Type f32 = shapedLike(x, b.getF32Type());
  if (x.getType() != f32) // f16/bf16 -> f32 is exact
    x = arith::ExtFOp::create(b, loc, f32, x);
  ArithEmitter i(b, loc, shapedLike(x, b.getI32Type()));
  Value magnitude = math::AbsFOp::create(b, loc, x);
  Value infinity = splatConstant(b, loc, f32, b.getF32FloatAttr(INFINITY));
  return i.select(i.cmpF(F::OLT, magnitude, infinity), magnitude,
                  splatConstant(b, loc, f32, b.getF32FloatAttr(0.0f)));
}

Value mlir::mx::buildNVFP4TensorScale(OpBuilder &b, Location loc, Value amax) {
  ArithEmitter i(b, loc, b.getF32Type());
  Value scale = arith::MaximumFOp::create(
      b, loc, i.divF(amax, i.cF32(2688.0f)),
      i.cF32(std::numeric_limits<float>::denorm_min()));
  return i.select(i.cmpF(F::OEQ, amax, i.cF32(0.0f)), i.cF32(1.0f), scale);
}

Value mlir::mx::buildNVFP4BlockScaleCode(OpBuilder &b, Location loc, Value amax,
                                         Value tensorScale) {
  ArithEmitter i(b, loc, shapedLike(amax, b.getI32Type()));
  Type f64 = shapedLike(amax, b.getF64Type());
  Type f32 = shapedLike(amax, b.getF32Type());
  // 6 S is exact in double; the quotient of a 24-bit amax by it is rounded
  // once to E4M3 through the odd f32 (docs/Numerics.md, NVFP4).
  Value divisor = i.mulF(arith::ExtFOp::create(b, loc, f64, tensorScale),
                         splatConstant(b, loc, f64, b.getF64FloatAttr(6.0)));
  Value quotient = i.divF(arith::ExtFOp::create(b, loc, f64, amax), divisor);
  // The odd f32 is finite (round-to-odd keeps a quotient past f32's range
  // at its largest value): the adder rounding applies, saturating at 448.
  Value code = buildEncodeElementNearest(
      b, loc, roundToOddF32(b, loc, quotient), i.c(num::kE8M0Bias),
      num::ElementFormat::E4M3, num::Saturation::Saturate);
  Value infinity = splatConstant(b, loc, f32, b.getF32FloatAttr(INFINITY));
  Value finite = i.cmpF(F::OLT, amax, infinity);
  return i.select(finite, code, i.c(num::kNVFP4NaNBlockScale));
}

Value mlir::mx::buildNVFP4BlockScale(OpBuilder &b, Location loc, Value amax,
                                     Value tensorScale) {
  Value code = buildNVFP4BlockScaleCode(b, loc, amax, tensorScale);
  return arith::BitcastOp::create(
      b, loc, b.getType<Float8E4M3FNType>(),
      arith::TruncIOp::create(b, loc, b.getI8Type(), code));
}

NVFP4Thresholds mlir::mx::buildNVFP4Thresholds(OpBuilder &b, Location loc,
                                               Value blockScale,
                                               Value tensorScale) {
  Type f64 = shapedLike(blockScale, b.getF64Type());
  Type f32 = shapedLike(blockScale, b.getF32Type());
  ArithEmitter i(b, loc, shapedLike(blockScale, b.getI32Type()));
  auto extend = [&](Value v) {
    return arith::ExtFOp::create(b, loc, f64, v).getResult();
  };
  Value step = i.mulF(extend(blockScale), extend(tensorScale));
  // Midpoint m_c lies between codes c and c + 1 (0.5 apart up to 2, 1 to
  // 4, then 2).
  static constexpr double kMidpoints[] = {0.25, 0.75, 1.25, 1.75,
                                          2.5,  3.5,  5.0};
  NVFP4Thresholds thresholds;
  // A zero step (a block tiny next to the tensor's amax) leaves only signed
  // zeros: no threshold is passed. A NaN step (a non-finite block) gives
  // code 0, unsigned too.
  Value zeroStep =
      i.cmpF(F::OEQ, step, splatConstant(b, loc, f64, b.getF64FloatAttr(0.0)));
  Value nanStep = i.cmpF(F::UNO, step, step);
  thresholds.signBit = i.select(nanStep, i.c(0), i.c(0x8));
  Value never = splatConstant(b, loc, f32, b.getF32FloatAttr(NAN));
  for (auto [c, midpoint] : llvm::enumerate(kMidpoints)) {
    Value exact =
        i.mulF(step, splatConstant(b, loc, f64, b.getF64FloatAttr(midpoint)));
    // RNE to f32, then one ulp toward the side the comparison needs where
    // that went the other way (inf - 1 ulp is FLT_MAX; FLT_MAX + 1 ulp is
    // inf, which no finite x reaches).
    Value nearest = arith::TruncFOp::create(b, loc, f32, exact);
    Value back = extend(nearest);
    Value bits = i.bitcast(i.type, nearest);
    bool up = c % 2;
    Value wrongSide = i.cmpF(up ? F::OLT : F::OGT, back, exact);
    Value moved = up ? i.add(bits, i.c(1)) : i.sub(bits, i.c(1));
    thresholds.bounds.push_back(i.select(
        zeroStep, never, i.bitcast(f32, i.select(wrongSide, moved, bits))));
  }
  return thresholds;
}

Value mlir::mx::buildEncodeNVFP4(OpBuilder &b, Location loc, Value value,
                                 const NVFP4Thresholds &thresholds) {
  Type i32 = shapedLike(value, b.getI32Type());
  ArithEmitter i(b, loc, i32);
  Value magnitude = math::AbsFOp::create(b, loc, value);
  Value code = i.c(0);
  for (auto [c, bound] : llvm::enumerate(thresholds.bounds)) {
    Value passed = i.cmpF(c % 2 ? F::OGE : F::OGT, magnitude, bound);
    code = i.add(code, arith::ExtUIOp::create(b, loc, i32, passed));
  }
  // The sign bit: x's (a zero keeps its sign), masked by the block's.
  Value sign =
      i.band(i.shr(i.bitcast(i32, value), i.c(28)), thresholds.signBit);
  return i.bor(code, sign);
}

Value mlir::mx::buildEncodeNVFP4(OpBuilder &b, Location loc, Value value,
                                 Value blockScale, Value tensorScale) {
  return buildEncodeNVFP4(
      b, loc, value, buildNVFP4Thresholds(b, loc, blockScale, tensorScale));
}

Value mlir::mx::buildDecodeNVFP4(OpBuilder &b, Location loc, Value code,
                                 Value blockScale, Value tensorScale,
                                 FloatType to) {
  ArithEmitter i(b, loc, b.getI32Type());
  // element * block scale has at most 2 + 4 significant bits: exact in f32.
  Value scaled =
      i.mulF(buildDecodeUnitElement(b, loc, code, num::ElementFormat::E2M1),
             blockScale);
  if (to.isF32())
    return i.mulF(scaled, tensorScale);
  Type f64 = b.getF64Type();
  Value product = i.mulF(arith::ExtFOp::create(b, loc, f64, scaled),
                         arith::ExtFOp::create(b, loc, f64, tensorScale));
  return arith::TruncFOp::create(b, loc, to, roundToOddF32(b, loc, product));
}
