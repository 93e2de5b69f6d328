//===- ElementCodes.cpp - Scalar arith IR for MX element codes ------------===//
//
// Mirrors lib/Numerics/ElementFormat.cpp: |V| = sig * 2^ex exactly (sig the
// 24-bit significand), V / X = sig * 2^(ex - s). The code is found by
// shifting sig to the element's quantum and rounding on the bits shifted
// out, which is the single rounding step the contract prescribes.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Dialect/MX/IR/MXTypes.h" // getElementFormat
#include "mx/Dialect/MX/Utils/ArithEmitter.h"
#include "mx/Numerics/Philox.h"
#include "mx/Numerics/Scale.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/bit.h"

#include <limits>

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;
using P = arith::CmpIPredicate;

static Value floatConstant(OpBuilder &b, Location loc, Value model, float v) {
  return splatConstant(b, loc, shapedLike(model, b.getF32Type()),
                       b.getF32FloatAttr(v));
}

/// Rounds n_floor + rem / 2^sh (sh > 0, rem < 2^sh, both as i32 with sh
/// already clamped where noted) to an integer, returning the increment (0/1).
static Value roundingIncrement(OpBuilder &b, Location loc, Value nFloor,
                               Value rem, Value sh, Value randomBits,
                               num::Rounding rounding) {
  Type i32 = shapedLike(nFloor, b.getI32Type());
  ArithEmitter i(b, loc, i32);
  switch (rounding) {
  case num::Rounding::TowardZero:
    return i.c(0);
  case num::Rounding::NearestEven: {
    // For sh >= 25 every remainder is below half: min(sh, 31) keeps that.
    Value half = i.shl(i.c(1), i.sub(i.minS(sh, i.c(31)), i.c(1)));
    Value above = i.cmp(P::ugt, rem, half);
    Value tie = i.cmp(P::eq, rem, half);
    Value odd = i.cmp(P::ne, i.band(nFloor, i.c(1)), i.c(0));
    return i.zext(i32, i.bor(above, i.band(tie, odd)));
  }
  case num::Rounding::Stochastic: {
    // Up iff r < rem / 2^sh * 2^32, i.e. r * 2^sh < rem * 2^32, in i64:
    // sh <= 32: r < rem << (32 - sh); sh > 32: (r << (sh - 32)) < rem, with
    // the shift capped at 31, past which only r == 0 can be below rem.
    Type i64 = shapedLike(nFloor, b.getI64Type());
    ArithEmitter w(b, loc, i64);
    Value r = w.zext(i64, randomBits);
    Value rem64 = w.zext(i64, rem);
    Value sh64 = w.zext(i64, sh);
    Value small = w.cmp(P::sle, sh64, w.c(32));
    Value lhs =
        w.select(small, r, w.shl(r, w.minS(w.sub(sh64, w.c(32)), w.c(31))));
    Value rhs = w.select(
        small, w.shl(rem64, w.maxS(w.sub(w.c(32), sh64), w.c(0))), rem64);
    return i.zext(i32, w.cmp(P::ult, lhs, rhs));
  }
  }
  llvm_unreachable("unknown rounding");
}

Value mlir::mx::buildEncodeElement(OpBuilder &b, Location loc, Value value,
                                   Value scale, Value randomBits,
                                   const EncodeOptions &options) {
  const num::FormatInfo &info = num::getFormatInfo(options.format);
  Type i32 = shapedLike(value, b.getI32Type());
  ArithEmitter i(b, loc, i32);
  const bool isInt8 = options.format == num::ElementFormat::INT8;
  const int m = int(info.mantissaBits);

  Value bits = arith::BitcastOp::create(b, loc, i32, value);
  Value sign = i.shr(bits, i.c(31));
  Value field = i.band(i.shr(bits, i.c(23)), i.c(0xFF));
  Value fraction = i.band(bits, i.c(0x7FFFFF));
  Value isSubnormal = i.cmp(P::eq, field, i.c(0));
  Value isNaN =
      i.band(i.cmp(P::eq, field, i.c(0xFF)), i.cmp(P::ne, fraction, i.c(0)));
  Value isInf =
      i.band(i.cmp(P::eq, field, i.c(0xFF)), i.cmp(P::eq, fraction, i.c(0)));
  // |V| = sig * 2^ex, and V / X = sig * 2^q.
  Value sig = i.select(isSubnormal, fraction, i.bor(fraction, i.c(0x800000)));
  Value ex = i.sub(i.select(isSubnormal, i.c(1), field), i.c(150));
  Value q = i.sub(ex, i.sub(scale, i.c(num::kE8M0Bias)));
  // floor(log2(V / X)) from the exponent of sig as an f32 (exact: sig has
  // 24 bits); meaningless for sig == 0, which is handled below. Plain arith,
  // so it lowers on vectors of any rank.
  Value sigBits = arith::BitcastOp::create(
      b, loc, i32,
      arith::UIToFPOp::create(b, loc, shapedLike(value, b.getF32Type()), sig));
  Value log2 =
      i.add(i.sub(i.band(i.shr(sigBits, i.c(23)), i.c(0xFF)), i.c(127)), q);

  // The quantum's exponent: the binade's for FP (or the subnormal one's),
  // 2^-6 for INT8.
  Value quantumExp =
      isInt8 ? i.c(-6) : i.sub(i.maxS(log2, i.c(1 - info.bias)), i.c(m));
  Value sh = i.sub(quantumExp, q);
  Value positive = i.cmp(P::sgt, sh, i.c(0));
  // sh <= 0: V / X is a multiple of the quantum (only small multiples reach
  // here, or INT8 overflow, caught below).
  Value exact = i.shl(sig, i.minS(i.maxS(i.sub(i.c(0), sh), i.c(0)), i.c(31)));
  Value shClamped = i.maxS(i.minS(sh, i.c(31)), i.c(0));
  Value nFloor = i.select(positive, i.shr(sig, shClamped), exact);
  Value mask = i.sub(i.shl(i.c(1), shClamped), i.c(1));
  Value rem = i.select(positive, i.band(sig, mask), i.c(0));
  Value up = i.select(
      positive,
      roundingIncrement(b, loc, nFloor, rem, sh, randomBits, options.rounding),
      i.c(0));
  Value n = i.add(nFloor, up);

  Value signBit = i.shl(sign, i.c(info.bits - 1));
  Value code;
  if (isInt8) {
    // Values of 2^7 and above saturate however they round (and shifting
    // them would overflow); Inf too.
    Value big = i.bor(i.cmp(P::sge, log2, i.c(7)), isInf);
    Value k = i.select(big, i.c(127), i.minS(n, i.c(127)));
    k = i.select(i.cmp(P::eq, sig, i.c(0)), i.c(0), k);
    Value negated = i.sub(i.c(0), k);
    code = i.band(i.select(i.cmp(P::ne, sign, i.c(0)), negated, k), i.c(0xFF));
    code = i.select(isNaN, i.c(0), code);
  } else {
    // ((t + bias - 1) << m) + n encodes normals, subnormals (t = emin) and a
    // carry into the next binade alike.
    Value t = i.add(quantumExp, i.c(m));
    Value magnitude = i.add(i.shl(i.add(t, i.c(info.bias - 1)), i.c(m)), n);
    magnitude = i.select(i.cmp(P::eq, sig, i.c(0)), i.c(0), magnitude);
    int64_t maxCode = num::encodeElement(options.format, info.maxNormal,
                                         num::Rounding::TowardZero,
                                         num::Saturation::Saturate);
    Value overflow = i.bor(i.cmp(P::sgt, magnitude, i.c(maxCode)), isInf);
    int64_t overflowCode = num::encodeElement(
        options.format, std::numeric_limits<double>::infinity(),
        options.rounding, options.saturation);
    magnitude = i.select(overflow, i.c(overflowCode & ~(1 << (info.bits - 1))),
                         magnitude);
    code = i.bor(magnitude, signBit);
    int64_t nanCode = num::encodeElement(
        options.format, std::numeric_limits<double>::quiet_NaN(),
        options.rounding, options.saturation);
    code = i.select(isNaN, info.hasNaN ? i.bor(i.c(nanCode), signBit) : i.c(0),
                    code);
  }
  // The NaN of a NaN-scale block lives in its scale; its codes are zero.
  return i.select(i.cmp(P::eq, scale, i.c(num::kE8M0NaN)), i.c(0), code);
}

Value mlir::mx::buildEncodeElementNearest(OpBuilder &b, Location loc,
                                          Value value, Value scale,
                                          num::ElementFormat format,
                                          num::Saturation saturation) {
  const num::FormatInfo &info = num::getFormatInfo(format);
  Type i32 = shapedLike(value, b.getI32Type());
  Type f32 = shapedLike(value, b.getF32Type());
  ArithEmitter i(b, loc, i32);
  auto bits = [&](Value v) { return arith::BitcastOp::create(b, loc, i32, v); };
  auto real = [&](Value v) { return arith::BitcastOp::create(b, loc, f32, v); };
  auto addf = [&](Value x, Value y) {
    return arith::AddFOp::create(b, loc, x, y).getResult();
  };
  auto subf = [&](Value x, Value y) {
    return arith::SubFOp::create(b, loc, x, y).getResult();
  };
  const int m = int(info.mantissaBits);
  // value / X = value * 2^(127 - scale): exact, except that results below
  // f32's normal range may round, and those are far below half the
  // element's smallest step (their code is a signed zero either way).
  Value inverse = buildScaleValue(b, loc, i.sub(i.c(254), scale));
  Value y = arith::MulFOp::create(b, loc, value, inverse);
  Value yBits = bits(y);
  Value sign = i.shr(yBits, i.c(31));
  Value magnitude = real(i.band(yBits, i.c(0x7FFFFFFF)));
  Value code;
  if (format == num::ElementFormat::INT8) {
    // k = round(|y| * 64), saturating at 127; |y| < 2^7 here, so adding
    // 1.5 * 2^23 rounds it to an integer.
    Value k64 = arith::MulFOp::create(b, loc, magnitude,
                                      floatConstant(b, loc, value, 64.0f));
    Value magic = floatConstant(b, loc, value, 12582912.0f); // 1.5 * 2^23
    Value k = i.sub(bits(addf(k64, magic)), bits(magic));
    k = i.minS(k, i.c(127));
    code = i.band(i.select(i.cmp(P::ne, sign, i.c(0)), i.sub(i.c(0), k), k),
                  i.c(0xFF));
  } else {
    // The quantum 2^p of |y|'s binade (or of the subnormal range), and
    // (|y| + 2^(p + 23)) - 2^(p + 23): the f32 adder rounds to a multiple
    // of 2^p, ties to even.
    const int emin = 1 - info.bias;
    Value field = i.maxS(i.shr(bits(magnitude), i.c(23)), i.c(emin + 127));
    Value big = real(i.shl(i.add(field, i.c(23 - m)), i.c(23)));
    Value rounded = subf(addf(magnitude, big), big);
    Value magnitudeCode;
    const float minNormal = std::ldexp(1.0f, emin);
    if (info.exponentBits >= 4) {
      // FP8: the bits of rounded * 2^(bias - 127) shifted down. That product
      // has the element's biased exponent as its f32 exponent field for
      // normals, and for the element's subnormals (and zero) it is the f32
      // subnormal whose fraction holds the element's mantissa. Exact; the
      // f32 subnormals it makes (slow on some CPUs) are rare for FP8.
      Value rebias =
          floatConstant(b, loc, value, std::ldexp(1.0f, info.bias - 127));
      magnitudeCode = i.shr(
          bits(arith::MulFOp::create(b, loc, rounded, rebias)), i.c(23 - m));
    } else {
      // FP6/FP4, where element subnormals are common: normals from the bits
      // directly, subnormals (and zero) after adding 2^emin, which moves them
      // into the first binade exactly.
      Value minimum = floatConstant(b, loc, value, minNormal);
      Value isSubnormal = arith::CmpFOp::create(
          b, loc, arith::CmpFPredicate::OLT, rounded, minimum);
      Value shifted = arith::SelectOp::create(b, loc, isSubnormal,
                                              addf(rounded, minimum), rounded);
      magnitudeCode = i.sub(i.shr(bits(shifted), i.c(23 - m)),
                            i.select(isSubnormal, i.c((128 - info.bias) << m),
                                     i.c((127 - info.bias) << m)));
    }
    int64_t maxCode =
        num::encodeElement(format, info.maxNormal, num::Rounding::TowardZero,
                           num::Saturation::Saturate);
    int64_t overflowCode =
        num::encodeElement(format, std::numeric_limits<double>::infinity(),
                           num::Rounding::NearestEven, saturation) &
        ~(1 << (info.bits - 1));
    magnitudeCode = i.select(i.cmp(P::sgt, magnitudeCode, i.c(maxCode)),
                             i.c(overflowCode), magnitudeCode);
    code = i.bor(magnitudeCode, i.shl(sign, i.c(info.bits - 1)));
  }
  return i.select(i.cmp(P::eq, scale, i.c(num::kE8M0NaN)), i.c(0), code);
}

Value mlir::mx::buildScaleCode(OpBuilder &b, Location loc, Value scale) {
  Value byte =
      arith::BitcastOp::create(b, loc, shapedLike(scale, b.getI8Type()), scale);
  return arith::ExtUIOp::create(b, loc, shapedLike(scale, b.getI32Type()),
                                byte);
}

Value mlir::mx::buildScaleValue(OpBuilder &b, Location loc, Value code) {
  ArithEmitter i(b, loc, shapedLike(code, b.getI32Type()));
  auto c = [&](int64_t v) { return i.c(v); };
  // Code c > 0 is the normal f32 with exponent field c; code 0 is 2^-127, the
  // subnormal 0x00400000; 0xFF is NaN.
  Value bits = arith::SelectOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, code, c(0)),
      c(0x00400000), arith::ShLIOp::create(b, loc, code, c(23)));
  bits = arith::SelectOp::create(b, loc,
                                 arith::CmpIOp::create(b, loc,
                                                       arith::CmpIPredicate::eq,
                                                       code, c(num::kE8M0NaN)),
                                 c(0x7FC00000), bits);
  return arith::BitcastOp::create(b, loc, shapedLike(code, b.getF32Type()),
                                  bits);
}

Value mlir::mx::buildPowerOfTwo(OpBuilder &b, Location loc, Value e) {
  ArithEmitter i(b, loc, shapedLike(e, b.getI32Type()));
  return arith::BitcastOp::create(b, loc, shapedLike(e, b.getF32Type()),
                                  i.shl(i.add(e, i.c(127)), i.c(23)));
}

Value mlir::mx::buildDecodeElement(OpBuilder &b, Location loc, Value code,
                                   Value scale, num::ElementFormat format) {
  const num::FormatInfo &info = num::getFormatInfo(format);
  Type f32 = shapedLike(code, b.getF32Type());
  ArithEmitter i(b, loc, shapedLike(code, b.getI32Type()));
  Value element;
  if (format == num::ElementFormat::INT8) {
    // Sign-extend the byte, then k / 64.
    Value k = i.sub(code, i.shl(i.band(code, i.c(0x80)), i.c(1)));
    element =
        arith::MulFOp::create(b, loc, arith::SIToFPOp::create(b, loc, f32, k),
                              buildPowerOfTwo(b, loc, i.c(-6)));
  } else {
    const int m = int(info.mantissaBits);
    Value negative =
        i.cmp(P::ne, i.band(code, i.c(1 << (info.bits - 1))), i.c(0));
    Value field =
        i.band(i.shr(code, i.c(m)), i.c((1 << info.exponentBits) - 1));
    Value mantissa = i.band(code, i.c((1 << m) - 1));
    Value isSubnormal = i.cmp(P::eq, field, i.c(0));
    Value sig = i.select(isSubnormal, mantissa, i.bor(mantissa, i.c(1 << m)));
    Value exponent =
        i.sub(i.select(isSubnormal, i.c(1), field), i.c(info.bias + m));
    Value magnitude =
        arith::MulFOp::create(b, loc, arith::UIToFPOp::create(b, loc, f32, sig),
                              buildPowerOfTwo(b, loc, exponent));
    int64_t top = (1 << info.exponentBits) - 1;
    Value topField = i.cmp(P::eq, field, i.c(top));
    auto constant = [&](double v) {
      return floatConstant(b, loc, code, float(v));
    };
    if (info.hasInf) {
      Value special = arith::SelectOp::create(
          b, loc, i.cmp(P::eq, mantissa, i.c(0)),
          constant(std::numeric_limits<double>::infinity()),
          constant(std::numeric_limits<double>::quiet_NaN()));
      magnitude = arith::SelectOp::create(b, loc, topField, special, magnitude);
    } else if (info.hasNaN) {
      Value isNaN = i.band(topField, i.cmp(P::eq, mantissa, i.c((1 << m) - 1)));
      magnitude = arith::SelectOp::create(
          b, loc, isNaN, constant(std::numeric_limits<double>::quiet_NaN()),
          magnitude);
    }
    element = arith::SelectOp::create(
        b, loc, negative, arith::NegFOp::create(b, loc, magnitude), magnitude);
  }
  // element * 2^(scale - 127): scale code 0 is the subnormal 2^-127, built
  // as 2^-126 * 2^-1 so that each factor is a normal f32 (both products are
  // exact: elements have at most 4 significant bits).
  Value e = i.sub(scale, i.c(num::kE8M0Bias));
  Value isLowest = i.cmp(P::eq, e, i.c(-127));
  Value scaled = arith::MulFOp::create(
      b, loc, element, buildPowerOfTwo(b, loc, i.maxS(e, i.c(-126))));
  scaled = arith::SelectOp::create(
      b, loc, isLowest,
      arith::MulFOp::create(b, loc, scaled, buildPowerOfTwo(b, loc, i.c(-1))),
      scaled);
  Value nan =
      floatConstant(b, loc, code, std::numeric_limits<float>::quiet_NaN());
  return arith::SelectOp::create(
      b, loc, i.cmp(P::eq, scale, i.c(num::kE8M0NaN)), nan, scaled);
}

Value mlir::mx::buildDecodeUnitElement(OpBuilder &b, Location loc, Value code,
                                       num::ElementFormat format) {
  const num::FormatInfo &info = num::getFormatInfo(format);
  Type f32 = shapedLike(code, b.getF32Type());
  ArithEmitter i(b, loc, shapedLike(code, b.getI32Type()));
  if (format == num::ElementFormat::INT8) {
    Value k = i.sub(code, i.shl(i.band(code, i.c(0x80)), i.c(1)));
    return arith::MulFOp::create(b, loc,
                                 arith::SIToFPOp::create(b, loc, f32, k),
                                 floatConstant(b, loc, code, 1.0f / 64));
  }
  const int m = int(info.mantissaBits);
  const int64_t signBit = int64_t(1) << (info.bits - 1);
  Value magnitudeCode = i.band(code, i.c(signBit - 1));
  // Normals: the fields moved into an f32's and the exponent rebiased by an
  // integer add. Subnormals (exponent field 0): mantissa * 2^(1 - bias - m),
  // converted, since an f32 subnormal operand would be slow.
  Value normal = arith::BitcastOp::create(
      b, loc, f32,
      i.add(i.shl(magnitudeCode, i.c(23 - m)), i.c((127 - info.bias) << 23)));
  Value subnormal = arith::MulFOp::create(
      b, loc, arith::UIToFPOp::create(b, loc, f32, magnitudeCode),
      floatConstant(b, loc, code, std::ldexp(1.0f, 1 - info.bias - m)));
  Value magnitude = arith::SelectOp::create(
      b, loc, i.cmp(P::ult, magnitudeCode, i.c(int64_t(1) << m)), subnormal,
      normal);
  auto special = [&](int64_t magnitudeCodeValue, float value, P predicate) {
    magnitude = arith::SelectOp::create(
        b, loc, i.cmp(predicate, magnitudeCode, i.c(magnitudeCodeValue)),
        floatConstant(b, loc, code, value), magnitude);
  };
  const int64_t topField = ((int64_t(1) << info.exponentBits) - 1) << m;
  if (info.hasInf) { // E5M2: top field is Inf (mantissa 0) or NaN
    special(topField, std::numeric_limits<float>::quiet_NaN(), P::ugt);
    special(topField, std::numeric_limits<float>::infinity(), P::eq);
  } else if (info.hasNaN) { // E4M3: only all-ones is NaN
    special(signBit - 1, std::numeric_limits<float>::quiet_NaN(), P::eq);
  }
  Value bits = arith::BitcastOp::create(b, loc, i.type, magnitude);
  Value sign = i.shl(i.band(code, i.c(signBit)), i.c(32 - info.bits));
  return arith::BitcastOp::create(b, loc, f32, i.bor(bits, sign));
}

Value mlir::mx::buildExtendFP8(OpBuilder &b, Location loc, Value value,
                               FloatType to) {
  std::optional<num::ElementFormat> format = getElementFormat(value.getType());
  assert(format && "expected an FP8 value");
  ArithEmitter i(b, loc, b.getI32Type());
  Value byte = arith::BitcastOp::create(b, loc, b.getI8Type(), value);
  Value code = arith::ExtUIOp::create(b, loc, b.getI32Type(), byte);
  Value f32 = buildDecodeElement(b, loc, code, i.c(num::kE8M0Bias), *format);
  if (to.getWidth() > 32)
    return arith::ExtFOp::create(b, loc, to, f32);
  if (to.getWidth() < 32) // exact: f16 and bf16 hold every FP8 value
    return arith::TruncFOp::create(b, loc, to, f32);
  return f32;
}

Value mlir::mx::buildRoundToFP8(OpBuilder &b, Location loc, Value value,
                                FloatType fp8, num::Rounding rounding,
                                num::Saturation saturation, Value randomBits) {
  std::optional<num::ElementFormat> format = getElementFormat(fp8);
  assert(format && "expected an FP8 type");
  ArithEmitter i(b, loc, b.getI32Type());
  if (!value.getType().isF32()) // exact widening, so one rounding
    value = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
  Value code =
      buildEncodeElement(b, loc, value, i.c(num::kE8M0Bias), randomBits,
                         EncodeOptions{*format, rounding, saturation});
  Value byte = arith::TruncIOp::create(b, loc, b.getI8Type(), code);
  return arith::BitcastOp::create(b, loc, fp8, byte);
}

Value mlir::mx::buildRoundHalfStochastic(OpBuilder &b, Location loc,
                                         Value value, Value randomBits,
                                         FloatType to) {
  assert((to.isBF16() || to.isF16()) && "expected bf16 or f16");
  ArithEmitter i(b, loc);
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  int64_t dropped = to.isBF16() ? 16 : 13; // f32 fraction bits not kept
  Value bits = i.bitcast(i32, value);
  Value sign = i.band(bits, i.c(INT32_MIN));
  Value magnitude = i.band(bits, i.c(0x7FFFFFFF));
  // Up iff r < frac * 2^32, where frac * 2^32 is the dropped bits shifted
  // to the top.
  Value low = i.band(magnitude, i.c((int64_t(1) << dropped) - 1));
  Value up = i.cmp(P::ult, randomBits, i.shl(low, i.c(32 - dropped)));
  Value rounded = i.add(i.sub(magnitude, low),
                        i.select(up, i.c(int64_t(1) << dropped), i.c(0)));
  if (to.isF16()) {
    // Below 2^-14 the f16 grid is 2^-24 at every f32 exponent: count units
    // of 2^-24 in f32 (exact: fewer than 1024) and compare in f64, where
    // both r and frac * 2^32 are exact.
    Value units = i.mulF(i.bitcast(f32, magnitude), i.cF32(0x1p24f));
    Value whole = arith::FPToUIOp::create(b, loc, i32, units);
    Value frac =
        i.subF(units, arith::UIToFPOp::create(b, loc, f32, whole).getResult());
    Type f64 = b.getF64Type();
    Value upTiny = i.cmpF(
        arith::CmpFPredicate::OLT,
        arith::UIToFPOp::create(b, loc, f64, randomBits),
        arith::ExtFOp::create(b, loc, f64, i.mulF(frac, i.cF32(0x1p32f))));
    Value count = i.add(whole, i.select(upTiny, i.c(1), i.c(0)));
    Value tinyRounded = i.bitcast(
        i32, i.mulF(arith::UIToFPOp::create(b, loc, f32, count).getResult(),
                    i.cF32(0x1p-24f)));
    rounded = i.select(i.cmp(P::ult, magnitude, i.c(0x38800000)), // 2^-14
                       tinyRounded, rounded);
  }
  // Exact, or Inf past the largest finite value; Inf and NaN as they are.
  Value narrow =
      arith::TruncFOp::create(b, loc, to, i.bitcast(f32, i.bor(sign, rounded)));
  Value special = i.cmp(P::uge, magnitude, i.c(0x7F800000));
  return i.select(special, arith::TruncFOp::create(b, loc, to, value), narrow);
}

Value mlir::mx::buildStochasticBits(OpBuilder &b, Location loc, Value index,
                                    uint64_t seed) {
  ArithEmitter w(b, loc, shapedLike(index, b.getI64Type()));
  Value mask = w.c(0xFFFFFFFF);
  // Words kept in i64 (upper half zero) so that products are full 64-bit.
  Value c0 = w.band(index, mask), c1 = w.shr(index, w.c(32));
  Value c2 = w.c(0), c3 = w.c(0);
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    Value p0 = w.mul(c0, w.c(0xD2511F53));
    Value p1 = w.mul(c2, w.c(0xCD9E8D57));
    Value n0 = w.bxor(w.bxor(w.shr(p1, w.c(32)), c1), w.c(k0));
    Value n2 = w.bxor(w.bxor(w.shr(p0, w.c(32)), c3), w.c(k1));
    c0 = n0;
    c1 = w.band(p1, mask);
    c2 = n2;
    c3 = w.band(p0, mask);
    k0 += 0x9E3779B9;
    k1 += 0xBB67AE85;
  }
  return arith::TruncIOp::create(b, loc, shapedLike(index, b.getI32Type()), c0);
}

//===----------------------------------------------------------------------===//
// Scale rules
//===----------------------------------------------------------------------===//

/// The E8M0 scale that `rule` derives from `amax` (a non-negative f32 or NaN),
/// as an f8E8M0FNU value.
Value mlir::mx::buildScaleFromAmax(OpBuilder &builder, Location loc, Value amax,
                                   num::ElementFormat format,
                                   num::ScaleRule rule) {
  const num::FormatInfo &info = num::getFormatInfo(format);
  Type i32Type = shapedLike(amax, builder.getI32Type());
  ArithEmitter i(builder, loc, i32Type);
  Value bits = arith::BitcastOp::create(builder, loc, i32Type, amax);
  Value field = i.band(i.shr(bits, i.c(23)), i.c(0xFF));
  Value isSpecial = i.cmp(P::eq, field, i.c(0xFF)); // NaN or Inf
  Value isZero = i.cmp(P::eq, i.band(bits, i.c(0x7FFFFFFF)), i.c(0));
  Value isSubnormal = i.cmp(P::eq, field, i.c(0));

  // amax * 2^64 is exact and normal for a subnormal amax: read its exponent
  // and mantissa there, then take the 64 back.
  Value twoPow64 = floatConstant(builder, loc, amax, std::ldexp(1.0f, 64));
  Value normalizedBits = arith::BitcastOp::create(
      builder, loc, i32Type,
      arith::MulFOp::create(builder, loc, amax, twoPow64));
  Value exponent = i.select(
      isSubnormal,
      i.sub(i.band(i.shr(normalizedBits, i.c(23)), i.c(0xFF)), i.c(127 + 64)),
      i.sub(field, i.c(127)));
  Value mantissa = i.select(isSubnormal, i.band(normalizedBits, i.c(0x7FFFFF)),
                            i.band(bits, i.c(0x7FFFFF)));
  // An all-zero block is scaled as if amax were 2^-126.
  exponent = i.select(isZero, i.c(-126), exponent);
  mantissa = i.select(isZero, i.c(0), mantissa);

  Value scaleExponent;
  switch (rule) {
  case num::ScaleRule::Floor:
    scaleExponent = exponent;
    break;
  case num::ScaleRule::Ceil:
    scaleExponent =
        i.add(exponent, i.zext(i32Type, i.cmp(P::ne, mantissa, i.c(0))));
    break;
  case num::ScaleRule::Even: {
    // Round the significand to the element's mantissa width, ties away: a
    // carry out of the 23 mantissa bits moves amax into the next binade.
    Value half = i.c(int64_t(1) << (22 - info.mantissaBits));
    scaleExponent = i.add(exponent, i.shr(i.add(mantissa, half), i.c(23)));
    break;
  }
  case num::ScaleRule::RCeil: {
    // ceil(log2(amax / max)): compare significands instead of dividing.
    uint32_t maxBits = llvm::bit_cast<uint32_t>(float(info.maxNormal));
    int64_t maxExponent = int64_t(maxBits >> 23) - 127;
    Value above = i.cmp(P::ugt, mantissa, i.c(maxBits & 0x7FFFFF));
    scaleExponent =
        i.add(i.sub(exponent, i.c(maxExponent)), i.zext(i32Type, above));
    break;
  }
  }
  if (rule != num::ScaleRule::RCeil)
    scaleExponent = i.sub(scaleExponent, i.c(info.emax));
  scaleExponent = i.maxS(scaleExponent, i.c(num::kMinScaleExponent));
  scaleExponent = i.minS(scaleExponent, i.c(num::kMaxScaleExponent));
  Value code = i.select(isSpecial, i.c(num::kE8M0NaN),
                        i.add(scaleExponent, i.c(num::kE8M0Bias)));
  Value code8 = arith::TruncIOp::create(
      builder, loc, shapedLike(amax, builder.getI8Type()), code);
  return arith::BitcastOp::create(
      builder, loc,
      shapedLike(amax, Float8E8M0FNUType::get(builder.getContext())), code8);
}
