//===- Scale.cpp - E8M0 shared scales and MX scale rules ------------------===//

#include "mx/Numerics/Scale.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir::mx::numerics;

std::optional<ScaleRule>
mlir::mx::numerics::parseScaleRule(std::string_view name) {
  if (name == "floor")
    return ScaleRule::Floor;
  if (name == "ceil")
    return ScaleRule::Ceil;
  if (name == "even")
    return ScaleRule::Even;
  if (name == "rceil")
    return ScaleRule::RCeil;
  return std::nullopt;
}

double mlir::mx::numerics::decodeE8M0(uint8_t code) {
  if (code == kE8M0NaN)
    return std::numeric_limits<double>::quiet_NaN();
  return std::ldexp(1.0, e8m0Exponent(code));
}

uint8_t mlir::mx::numerics::encodeE8M0(int exponent) {
  exponent = std::clamp(exponent, kMinScaleExponent, kMaxScaleExponent);
  return uint8_t(exponent + kE8M0Bias);
}

/// Splits a positive finite x into significand in [1, 2) and exponent.
static double splitSignificand(double x, int &exponent) {
  int frexpExp;
  double fraction = std::frexp(x, &frexpExp);
  exponent = frexpExp - 1;
  return fraction * 2;
}

uint8_t mlir::mx::numerics::computeScale(ElementFormat format, ScaleRule rule,
                                         float amax) {
  if (std::isnan(amax) || std::isinf(amax))
    return kE8M0NaN;
  const FormatInfo &info = getFormatInfo(format);
  double magnitude = std::fabs(double(amax));
  if (magnitude == 0)
    magnitude = std::ldexp(1.0, -126);

  int exponent;
  double significand = splitSignificand(magnitude, exponent);
  int scaleExponent = 0;
  switch (rule) {
  case ScaleRule::Floor:
    scaleExponent = exponent - info.emax;
    break;
  case ScaleRule::Ceil:
    scaleExponent = exponent + (significand > 1 ? 1 : 0) - info.emax;
    break;
  case ScaleRule::Even: {
    // Round the significand to the element's mantissa width, ties away from
    // zero; a carry moves amax into the next binade.
    double steps = std::ldexp(1.0, int(info.mantissaBits));
    double rounded = std::floor(significand * steps + 0.5) / steps;
    scaleExponent = exponent + (rounded >= 2 ? 1 : 0) - info.emax;
    break;
  }
  case ScaleRule::RCeil: {
    // ceil(log2(amax / max)) exactly: compare the significands instead of
    // dividing, which would round.
    int maxExponent;
    double maxSignificand = splitSignificand(info.maxNormal, maxExponent);
    scaleExponent =
        exponent - maxExponent + (significand > maxSignificand ? 1 : 0);
    break;
  }
  }
  return encodeE8M0(scaleExponent);
}
