//===- HalfRoundingTest.cpp - Stochastic bf16/f16 against llvm::APFloat ---===//
//
// randomBits = 0 must round every inexact value away from zero and
// randomBits = 2^32 - 1 toward it, as APFloat's directed roundings do;
// between them the rounding flips exactly where randomBits reaches
// frac * 2^32. Every result decodes to APFloat's value of the same bits.
//
//===----------------------------------------------------------------------===//

#include "mx/Numerics/HalfRounding.h"

#include "llvm/ADT/APFloat.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace mlir::mx::numerics;
using llvm::APFloat;

namespace {

const llvm::fltSemantics &semanticsOf(HalfFormat format) {
  return format == HalfFormat::BF16 ? APFloat::BFloat() : APFloat::IEEEhalf();
}

/// x converted by APFloat with `mode`, as 16 bits.
uint16_t convert(float x, HalfFormat format, llvm::RoundingMode mode) {
  APFloat value(x);
  bool lost = false;
  value.convert(semanticsOf(format), mode, &lost);
  return uint16_t(value.bitcastToAPInt().getZExtValue());
}

double valueOf(uint16_t bits, HalfFormat format) {
  return APFloat(semanticsOf(format), llvm::APInt(16, bits)).convertToDouble();
}

float fromBits(uint32_t bits) {
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

/// Finite inputs across every regime: random bit patterns, values near the
/// f16 subnormal range, f32 subnormals, exact values and the top binade.
std::vector<float> inputs() {
  std::mt19937 rng(2026);
  std::vector<float> xs = {0.0f,          -0.0f,         1.0f,     -1.5f,
                           65504.0f,      65519.99f,     65520.0f, 65535.0f,
                           6.1035156e-5f, 5.9604645e-8f, 2.9e-8f,  1e-40f,
                           -3e-45f,       3.3895314e38f, 1e-30f};
  std::uniform_int_distribution<uint32_t> any;
  std::uniform_real_distribution<float> small(-1e-4f, 1e-4f);
  for (int i = 0; i < 20000; ++i) {
    float x = fromBits(any(rng));
    if (std::isfinite(x))
      xs.push_back(x);
    xs.push_back(small(rng));
    xs.push_back(std::ldexp(small(rng), -10)); // f16 subnormals and below
  }
  return xs;
}

class HalfRoundingTest : public ::testing::TestWithParam<HalfFormat> {};

TEST_P(HalfRoundingTest, DirectedRoundingsAtTheExtremes) {
  HalfFormat format = GetParam();
  // The end of the top binade: 2^(emax + 1).
  double top = format == HalfFormat::BF16 ? std::ldexp(1.0, 128) : 65536.0;
  for (float x : inputs()) {
    llvm::RoundingMode away = std::signbit(x)
                                  ? llvm::RoundingMode::TowardNegative
                                  : llvm::RoundingMode::TowardPositive;
    uint16_t up = roundHalfStochastic(x, format, 0);
    EXPECT_EQ(up, convert(x, format, away)) << x;
    // Toward zero, except beyond the top binade, where even the value
    // toward zero is past the largest finite one: Inf, not max.
    uint16_t down = roundHalfStochastic(x, format, ~0u);
    if (std::fabs(double(x)) < top)
      EXPECT_EQ(down, convert(x, format, llvm::RoundingMode::TowardZero)) << x;
    else
      EXPECT_TRUE(std::isinf(valueOf(down, format))) << x;
  }
}

TEST_P(HalfRoundingTest, FlipsWhereRandomBitsReachTheFraction) {
  HalfFormat format = GetParam();
  for (float x : inputs()) {
    uint16_t lo = convert(x, format, llvm::RoundingMode::TowardZero);
    llvm::RoundingMode away = std::signbit(x)
                                  ? llvm::RoundingMode::TowardNegative
                                  : llvm::RoundingMode::TowardPositive;
    uint16_t hi = convert(x, format, away);
    double loValue = std::fabs(valueOf(lo, format));
    double hiValue = std::fabs(valueOf(hi, format));
    if (lo == hi || std::isinf(hiValue) || std::isinf(loValue))
      continue;
    // frac * 2^32, exact: the gap is a power of two.
    double scaled =
        (std::fabs(double(x)) - loValue) / (hiValue - loValue) * 4294967296.0;
    double threshold = std::ceil(scaled); // r < scaled  <=>  r < ceil(scaled)
    ASSERT_GE(threshold, 1.0);
    EXPECT_EQ(roundHalfStochastic(x, format, uint32_t(threshold - 1)), hi) << x;
    if (threshold <= 4294967295.0)
      EXPECT_EQ(roundHalfStochastic(x, format, uint32_t(threshold)), lo) << x;
  }
}

TEST_P(HalfRoundingTest, SpecialValuesAndDecoding) {
  HalfFormat format = GetParam();
  float inf = std::numeric_limits<float>::infinity();
  EXPECT_TRUE(std::isinf(valueOf(roundHalfStochastic(inf, format, 7), format)));
  EXPECT_LT(valueOf(roundHalfStochastic(-inf, format, 7), format), 0);
  uint16_t nan = roundHalfStochastic(std::nanf(""), format, 7);
  EXPECT_TRUE(std::isnan(valueOf(nan, format)));
  EXPECT_TRUE(std::isnan(decodeHalf(nan, format)));
  EXPECT_EQ(roundHalfStochastic(-0.0f, format, 0), 0x8000);
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    double expected = valueOf(uint16_t(bits), format);
    float decoded = decodeHalf(uint16_t(bits), format);
    if (std::isnan(expected))
      EXPECT_TRUE(std::isnan(decoded)) << bits;
    else
      EXPECT_EQ(double(decoded), expected) << bits;
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, HalfRoundingTest,
                         ::testing::Values(HalfFormat::BF16, HalfFormat::F16),
                         [](const auto &info) {
                           return info.param == HalfFormat::BF16 ? "BF16"
                                                                 : "F16";
                         });

} // namespace
