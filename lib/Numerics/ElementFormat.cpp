//===- ElementFormat.cpp - MX element formats: encode and decode ----------===//

#include "mx/Numerics/ElementFormat.h"

#include <cassert>
#include <cmath>
#include <limits>

using namespace mlir::mx::numerics;

namespace {
//                                   name   bits e  m  bias  inf    nan    emax
//                                   max
constexpr FormatInfo kE4M3 = {"e4m3", 8, 4, 3, 7, false, true, 8, 448.0};
constexpr FormatInfo kE5M2 = {"e5m2", 8, 5, 2, 15, true, true, 15, 57344.0};
constexpr FormatInfo kE3M2 = {"e3m2", 6, 3, 2, 3, false, false, 4, 28.0};
constexpr FormatInfo kE2M3 = {"e2m3", 6, 2, 3, 1, false, false, 2, 7.5};
constexpr FormatInfo kE2M1 = {"e2m1", 4, 2, 1, 1, false, false, 2, 6.0};
constexpr FormatInfo kINT8 = {"int8", 8, 0, 6, 0, false, false, 0, 127.0 / 64};

constexpr double kTwoPow32 = 4294967296.0;
} // namespace

const FormatInfo &mlir::mx::numerics::getFormatInfo(ElementFormat format) {
  switch (format) {
  case ElementFormat::E4M3:
    return kE4M3;
  case ElementFormat::E5M2:
    return kE5M2;
  case ElementFormat::E3M2:
    return kE3M2;
  case ElementFormat::E2M3:
    return kE2M3;
  case ElementFormat::E2M1:
    return kE2M1;
  case ElementFormat::INT8:
    return kINT8;
  }
  assert(false && "unknown element format");
  return kE4M3;
}

std::optional<ElementFormat>
mlir::mx::numerics::parseElementFormat(std::string_view name) {
  for (ElementFormat format : kAllElementFormats)
    if (name == getFormatInfo(format).name)
      return format;
  return std::nullopt;
}

/// Rounds a non-negative `n` to an integer.
static double roundMagnitude(double n, Rounding rounding, uint32_t randomBits) {
  double floorN = std::floor(n);
  double remainder = n - floorN; // exact: n has at most 53 significant bits
  switch (rounding) {
  case Rounding::TowardZero:
    return floorN;
  case Rounding::NearestEven:
    if (remainder > 0.5 || (remainder == 0.5 && std::fmod(floorN, 2.0) != 0))
      return floorN + 1;
    return floorN;
  case Rounding::Stochastic:
    // P(up) = P(randomBits < remainder * 2^32), which is the remainder itself
    // (to 2^-32) and makes the rounding unbiased in expectation.
    return double(randomBits) < remainder * kTwoPow32 ? floorN + 1 : floorN;
  }
  return floorN;
}

static uint8_t signBitOf(const FormatInfo &info, bool negative) {
  return negative ? uint8_t(1u << (info.bits - 1)) : uint8_t(0);
}

/// Code of the largest finite magnitude (without sign).
static uint8_t maxFiniteCode(const FormatInfo &info) {
  if (info.exponentBits == 0)
    return 127;
  // E4M3's top code S.1111.111 is NaN, so its largest finite has mantissa 110.
  unsigned allOnes = (1u << (info.bits - 1)) - 1;
  if (!info.hasInf && info.hasNaN)
    return uint8_t(allOnes - 1);
  if (info.hasInf) // E5M2: exponent 11110, mantissa 11
    return uint8_t(allOnes - (1u << info.mantissaBits));
  return uint8_t(allOnes);
}

static uint8_t nanCode(const FormatInfo &info) {
  // E4M3: S.1111.111. E5M2: the quiet NaN S.11111.10.
  unsigned allOnes = (1u << (info.bits - 1)) - 1;
  if (info.hasInf)
    return uint8_t(allOnes - 1);
  return uint8_t(allOnes);
}

static uint8_t infCode(const FormatInfo &info) {
  return uint8_t(((1u << info.exponentBits) - 1) << info.mantissaBits);
}

/// What an overflow (finite or infinite) becomes.
static uint8_t overflowCode(const FormatInfo &info, bool negative,
                            Rounding rounding, Saturation saturation) {
  uint8_t sign = signBitOf(info, negative);
  // IEEE truncation never rounds up to infinity; formats without Inf/NaN
  // cannot overflow to one.
  if (saturation == Saturation::Saturate || rounding == Rounding::TowardZero ||
      (!info.hasInf && !info.hasNaN))
    return sign | maxFiniteCode(info);
  return sign | (info.hasInf ? infCode(info) : nanCode(info));
}

static uint8_t encodeInt8(double value, Rounding rounding,
                          uint32_t randomBits) {
  if (std::isnan(value))
    return 0;
  bool negative = std::signbit(value);
  double magnitude = std::fabs(value) * 64; // k/64: exact scaling
  double k =
      std::isinf(magnitude)
          ? 127
          : std::min(127.0, roundMagnitude(magnitude, rounding, randomBits));
  return uint8_t(int8_t(negative ? -k : k));
}

uint8_t mlir::mx::numerics::encodeElement(ElementFormat format, double value,
                                          Rounding rounding,
                                          Saturation saturation,
                                          uint32_t randomBits) {
  if (format == ElementFormat::INT8)
    return encodeInt8(value, rounding, randomBits);

  const FormatInfo &info = getFormatInfo(format);
  bool negative = std::signbit(value);
  uint8_t sign = signBitOf(info, negative);
  if (std::isnan(value))
    return info.hasNaN ? uint8_t(sign | nanCode(info)) : uint8_t(0);
  if (std::isinf(value))
    return overflowCode(info, negative, rounding, saturation);

  const int m = int(info.mantissaBits);
  const int minNormalExp = 1 - info.bias;
  double magnitude = std::fabs(value);
  if (magnitude == 0)
    return sign;

  // Round at the quantum of the value's binade (or of the subnormal range).
  int frexpExp;
  std::frexp(magnitude, &frexpExp);
  int exponent = std::max(frexpExp - 1, minNormalExp);
  double quantum = std::ldexp(1.0, exponent - m);
  double rounded =
      roundMagnitude(magnitude / quantum, rounding, randomBits) * quantum;
  if (rounded > info.maxNormal)
    return overflowCode(info, negative, rounding, saturation);
  if (rounded == 0)
    return sign;

  // Rounding may have carried into the next binade: take the exponent again.
  std::frexp(rounded, &frexpExp);
  int roundedExp = frexpExp - 1;
  if (roundedExp < minNormalExp) {
    unsigned mantissa = unsigned(std::ldexp(rounded, m - minNormalExp));
    return sign | uint8_t(mantissa);
  }
  unsigned exponentField = unsigned(roundedExp + info.bias);
  unsigned mantissa = unsigned(std::ldexp(rounded, m - roundedExp)) - (1u << m);
  return sign | uint8_t(exponentField << m) | uint8_t(mantissa);
}

double mlir::mx::numerics::decodeElement(ElementFormat format, uint8_t code) {
  const FormatInfo &info = getFormatInfo(format);
  if (format == ElementFormat::INT8)
    return double(int8_t(code)) / 64;

  const unsigned m = info.mantissaBits;
  code &= uint8_t((1u << info.bits) - 1);
  bool negative = (code >> (info.bits - 1)) & 1;
  unsigned exponentField = (code >> m) & ((1u << info.exponentBits) - 1);
  unsigned mantissa = code & ((1u << m) - 1);
  unsigned maxExponentField = (1u << info.exponentBits) - 1;

  double magnitude;
  if (info.hasInf && exponentField == maxExponentField) {
    magnitude = mantissa == 0 ? std::numeric_limits<double>::infinity()
                              : std::numeric_limits<double>::quiet_NaN();
  } else if (!info.hasInf && info.hasNaN && exponentField == maxExponentField &&
             mantissa == (1u << m) - 1) {
    magnitude = std::numeric_limits<double>::quiet_NaN();
  } else if (exponentField == 0) {
    magnitude = std::ldexp(double(mantissa), 1 - info.bias - int(m));
  } else {
    magnitude = std::ldexp(double((1u << m) | mantissa),
                           int(exponentField) - info.bias - int(m));
  }
  return negative ? -magnitude : magnitude;
}
