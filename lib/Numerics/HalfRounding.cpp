//===- HalfRounding.cpp - f32 to bf16/f16, stochastically -----------------===//
//
// Written on doubles and frexp, unlike the compiled code (integer ops on
// the f32 bits), so that the two are independent.
//
//===----------------------------------------------------------------------===//

#include "mx/Numerics/HalfRounding.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace mlir::mx::numerics;

namespace {

struct HalfInfo {
  int mantissaBits; // fraction bits
  int minExponent;  // exponent of the smallest normal value
  int bias;
  double maxFinite;
};

} // namespace

static HalfInfo infoOf(HalfFormat format) {
  if (format == HalfFormat::BF16)
    return {7, -126, 127, std::ldexp(255.0, 120)}; // 0x7F7F
  return {10, -14, 15, 65504.0};
}

static uint16_t encodeExact(double magnitude, const HalfInfo &info) {
  if (magnitude == 0)
    return 0;
  int exponent = std::ilogb(magnitude);
  if (exponent < info.minExponent) // subnormal: a multiple of the quantum
    return uint16_t(
        std::ldexp(magnitude, info.mantissaBits - info.minExponent));
  double mantissa = std::ldexp(magnitude, info.mantissaBits - exponent) -
                    std::ldexp(1.0, info.mantissaBits);
  return uint16_t(((exponent + info.bias) << info.mantissaBits) |
                  int(mantissa));
}

uint16_t mlir::mx::numerics::roundHalfStochastic(float x, HalfFormat format,
                                                 uint32_t randomBits) {
  const HalfInfo info = infoOf(format);
  const uint16_t sign = std::signbit(x) ? 0x8000 : 0;
  const int exponentBits = 15 - info.mantissaBits;
  const uint16_t inf =
      uint16_t(((1u << exponentBits) - 1) << info.mantissaBits);
  if (std::isnan(x))
    return sign | inf | uint16_t(1u << (info.mantissaBits - 1));
  double magnitude = std::fabs(double(x));
  if (std::isinf(magnitude))
    return sign | inf;
  if (magnitude == 0)
    return sign;
  int exponent = std::max(std::ilogb(magnitude), info.minExponent);
  int quantumExponent = exponent - info.mantissaBits;
  double units = std::ldexp(magnitude, -quantumExponent); // exact
  double below = std::floor(units);
  double frac = units - below;
  bool up = double(randomBits) < frac * 4294967296.0;
  double result = std::ldexp(below + (up ? 1 : 0), quantumExponent);
  if (result > info.maxFinite)
    return sign | inf;
  return sign | encodeExact(result, info);
}

float mlir::mx::numerics::decodeHalf(uint16_t bits, HalfFormat format) {
  if (format == HalfFormat::BF16) {
    uint32_t wide = uint32_t(bits) << 16;
    float value;
    std::memcpy(&value, &wide, sizeof value);
    return value;
  }
  const HalfInfo info = infoOf(format);
  int field = (bits >> 10) & 0x1F, fraction = bits & 0x3FF;
  double magnitude =
      field == 0x1F ? (fraction ? NAN : INFINITY)
      : field == 0
          ? std::ldexp(double(fraction), info.minExponent - 10)
          : std::ldexp(double(fraction | 0x400), field - info.bias - 10);
  return float((bits & 0x8000) ? -magnitude : magnitude);
}
