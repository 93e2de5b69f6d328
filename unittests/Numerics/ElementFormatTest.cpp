//===- ElementFormatTest.cpp - Element codes against llvm::APFloat --------===//
//
// Every FP element format is checked against LLVM's own implementation of
// the same MLIR builtin type: every code decodes as APFloat decodes it, and
// f32 -> code agrees with APFloat's round-to-nearest-even and toward-zero
// conversions on ties, subnormals, signed zero, NaN, Inf, the max-normal
// boundary and random values.
//
//===----------------------------------------------------------------------===//

#include "mx/Numerics/ElementFormat.h"

#include "llvm/ADT/APFloat.h"
#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using namespace mlir::mx::numerics;

static const llvm::fltSemantics &semanticsOf(ElementFormat format) {
  switch (format) {
  case ElementFormat::E4M3:
    return llvm::APFloat::Float8E4M3FN();
  case ElementFormat::E5M2:
    return llvm::APFloat::Float8E5M2();
  case ElementFormat::E3M2:
    return llvm::APFloat::Float6E3M2FN();
  case ElementFormat::E2M3:
    return llvm::APFloat::Float6E2M3FN();
  default:
    return llvm::APFloat::Float4E2M1FN();
  }
}

namespace {

constexpr ElementFormat kFloatFormats[] = {
    ElementFormat::E4M3, ElementFormat::E5M2, ElementFormat::E3M2,
    ElementFormat::E2M3, ElementFormat::E2M1};

struct APFloatResult {
  uint8_t code;
  bool overflow;
};

} // namespace

static APFloatResult convertWithAPFloat(ElementFormat format, float value,
                                        llvm::RoundingMode mode) {
  llvm::APFloat converted(value);
  bool losesInfo = false;
  llvm::APFloat::opStatus status =
      converted.convert(semanticsOf(format), mode, &losesInfo);
  return {uint8_t(converted.bitcastToAPInt().getZExtValue()),
          (status & llvm::APFloat::opOverflow) != 0};
}

/// Finite non-negative values of `format`, ascending.
static std::vector<double> positiveValues(ElementFormat format) {
  std::vector<double> values;
  const FormatInfo &info = getFormatInfo(format);
  for (unsigned code = 0; code < (1u << (info.bits - 1)); ++code) {
    double value = decodeElement(format, uint8_t(code));
    if (std::isfinite(value))
      values.push_back(value);
  }
  std::sort(values.begin(), values.end());
  return values;
}

/// Inputs that probe every rounding class of `format`: each value, each
/// midpoint (a tie), one f32 ulp either side of both, the region past max.
static std::vector<float> probeInputs(ElementFormat format) {
  std::vector<double> values = positiveValues(format);
  std::vector<float> inputs;
  auto addWithNeighbours = [&](float x) {
    for (float y : {x, std::nextafter(x, 0.0f),
                    std::nextafter(x, std::numeric_limits<float>::infinity())})
      for (float signedY : {y, -y})
        inputs.push_back(signedY);
  };
  for (size_t i = 0; i < values.size(); ++i) {
    addWithNeighbours(float(values[i]));
    if (i + 1 < values.size())
      addWithNeighbours(float((values[i] + values[i + 1]) / 2));
  }
  double max = getFormatInfo(format).maxNormal;
  double ulpAtMax = max - values[values.size() - 2];
  for (double beyond : {0.25, 0.5, 0.75, 1.0, 4.0, 1e6})
    addWithNeighbours(float(max + beyond * ulpAtMax));
  // Random f32 bit patterns across the format's range and below it.
  std::mt19937 rng(1234);
  std::uniform_real_distribution<double> log2Magnitude(-30, std::log2(max) + 2);
  for (int i = 0; i < 20000; ++i)
    addWithNeighbours(float(std::exp2(log2Magnitude(rng))));
  return inputs;
}

namespace {

TEST(ElementFormatTest, EveryCodeDecodesAsAPFloat) {
  for (ElementFormat format : kFloatFormats) {
    const FormatInfo &info = getFormatInfo(format);
    for (unsigned code = 0; code < (1u << info.bits); ++code) {
      llvm::APFloat reference(semanticsOf(format),
                              llvm::APInt(info.bits, code));
      double expected = reference.convertToDouble();
      double actual = decodeElement(format, uint8_t(code));
      if (std::isnan(expected)) {
        EXPECT_TRUE(std::isnan(actual)) << info.name << " code " << code;
        continue;
      }
      EXPECT_EQ(actual, expected) << info.name << " code " << code;
      EXPECT_EQ(std::signbit(actual), std::signbit(expected))
          << info.name << " code " << code;
    }
  }
}

TEST(ElementFormatTest, FormatParametersMatchAPFloat) {
  for (ElementFormat format : kFloatFormats) {
    const FormatInfo &info = getFormatInfo(format);
    const llvm::fltSemantics &semantics = semanticsOf(format);
    EXPECT_EQ(info.bits, llvm::APFloat::getSizeInBits(semantics)) << info.name;
    EXPECT_EQ(info.maxNormal,
              llvm::APFloat::getLargest(semantics).convertToDouble())
        << info.name;
    EXPECT_EQ(info.emax, llvm::APFloat::semanticsMaxExponent(semantics))
        << info.name;
    EXPECT_EQ(info.hasInf, llvm::APFloat::semanticsHasInf(semantics))
        << info.name;
    EXPECT_EQ(info.hasNaN, llvm::APFloat::semanticsHasNaN(semantics))
        << info.name;
  }
}

TEST(ElementFormatTest, RoundToNearestEvenMatchesAPFloat) {
  for (ElementFormat format : kFloatFormats) {
    const FormatInfo &info = getFormatInfo(format);
    for (float input : probeInputs(format)) {
      APFloatResult expected = convertWithAPFloat(
          format, input, llvm::RoundingMode::NearestTiesToEven);
      // Formats with Inf or NaN overflow the IEEE way under NonFinite.
      if (info.hasInf || info.hasNaN || !expected.overflow) {
        uint8_t actual = encodeElement(format, input, Rounding::NearestEven,
                                       Saturation::NonFinite);
        ASSERT_EQ(actual, expected.code) << info.name << " input " << input;
      }
      // MX saturation: wherever APFloat overflows, we give +-max instead.
      uint8_t saturated = encodeElement(format, input, Rounding::NearestEven,
                                        Saturation::Saturate);
      if (!expected.overflow) {
        ASSERT_EQ(saturated, expected.code) << info.name << " input " << input;
      } else {
        ASSERT_EQ(std::fabs(decodeElement(format, saturated)), info.maxNormal)
            << info.name << " input " << input;
        ASSERT_EQ(std::signbit(decodeElement(format, saturated)),
                  std::signbit(input));
      }
    }
  }
}

TEST(ElementFormatTest, RoundTowardZeroMatchesAPFloat) {
  for (ElementFormat format : kFloatFormats) {
    for (float input : probeInputs(format)) {
      APFloatResult expected =
          convertWithAPFloat(format, input, llvm::RoundingMode::TowardZero);
      if (expected.overflow)
        continue;
      ASSERT_EQ(encodeElement(format, input, Rounding::TowardZero,
                              Saturation::Saturate),
                expected.code)
          << getFormatInfo(format).name << " input " << input;
    }
  }
}

TEST(ElementFormatTest, SignedZeroNaNAndInf) {
  for (ElementFormat format : kFloatFormats) {
    const FormatInfo &info = getFormatInfo(format);
    uint8_t signBit = uint8_t(1u << (info.bits - 1));
    EXPECT_EQ(
        encodeElement(format, 0.0, Rounding::NearestEven, Saturation::Saturate),
        0);
    EXPECT_EQ(encodeElement(format, -0.0, Rounding::NearestEven,
                            Saturation::Saturate),
              signBit);
    // A tiny negative value that rounds to zero keeps its sign (upstream's
    // f4E2M1 expansion loses it).
    EXPECT_EQ(encodeElement(format, -1e-30, Rounding::NearestEven,
                            Saturation::Saturate),
              signBit);
    double inf = std::numeric_limits<double>::infinity();
    double nan = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(
        decodeElement(format, encodeElement(format, -inf, Rounding::NearestEven,
                                            Saturation::Saturate)),
        -info.maxNormal);
    double nanDecoded =
        decodeElement(format, encodeElement(format, nan, Rounding::NearestEven,
                                            Saturation::Saturate));
    EXPECT_EQ(std::isnan(nanDecoded), info.hasNaN) << info.name;
    if (info.hasNaN) {
      APFloatResult expected = convertWithAPFloat(
          format, float(inf), llvm::RoundingMode::NearestTiesToEven);
      EXPECT_EQ(encodeElement(format, inf, Rounding::NearestEven,
                              Saturation::NonFinite),
                expected.code)
          << info.name;
    }
  }
}

TEST(ElementFormatTest, Int8IsTwosComplementOver64) {
  for (unsigned code = 0; code < 256; ++code)
    EXPECT_EQ(decodeElement(ElementFormat::INT8, uint8_t(code)),
              double(int8_t(code)) / 64);
  auto encode = [](double v, Rounding r = Rounding::NearestEven) {
    return int8_t(
        encodeElement(ElementFormat::INT8, v, r, Saturation::Saturate));
  };
  for (int k = -127; k <= 127; ++k) {
    EXPECT_EQ(encode(k / 64.0), k);
    // Ties go to the even neighbour; just off a tie goes to the nearer one.
    double tie = (k + 0.5) / 64;
    if (k < 127) {
      EXPECT_EQ(encode(tie), (k % 2 == 0) ? k : k + 1) << "tie above " << k;
      EXPECT_EQ(encode(std::nextafter(tie, 10.0)), k + 1);
      EXPECT_EQ(encode(std::nextafter(tie, -10.0)), k);
    }
  }
  // Symmetric clamp: -128 is never produced.
  EXPECT_EQ(encode(2.0), 127);
  EXPECT_EQ(encode(-2.0), -127);
  EXPECT_EQ(encode(-1e30), -127);
  EXPECT_EQ(encode(-std::numeric_limits<double>::infinity()), -127);
  EXPECT_EQ(encode(1.99 / 64, Rounding::TowardZero), 1);
  EXPECT_EQ(encode(-1.99 / 64, Rounding::TowardZero), -1);
  EXPECT_EQ(encode(std::numeric_limits<double>::quiet_NaN()), 0);
}

TEST(ElementFormatTest, TowardZeroNeverOverflowsToNonFinite) {
  EXPECT_EQ(
      decodeElement(ElementFormat::E5M2,
                    encodeElement(ElementFormat::E5M2, 1e9,
                                  Rounding::TowardZero, Saturation::NonFinite)),
      57344.0);
  EXPECT_EQ(
      decodeElement(ElementFormat::E4M3,
                    encodeElement(ElementFormat::E4M3, -1e9,
                                  Rounding::TowardZero, Saturation::NonFinite)),
      -448.0);
}

TEST(ElementFormatTest, StochasticRoundingPicksANeighbour) {
  // 0.3 lies between the E2M1 values 0 and 0.5: the random bits decide.
  double value = 0.3;
  double remainderBits = 0.6 * 4294967296.0;
  EXPECT_EQ(encodeElement(ElementFormat::E2M1, value, Rounding::Stochastic,
                          Saturation::Saturate, 0),
            1); // 0.5
  EXPECT_EQ(encodeElement(ElementFormat::E2M1, value, Rounding::Stochastic,
                          Saturation::Saturate, uint32_t(remainderBits) + 1),
            0); // 0.0
  // Exactly representable values never move.
  for (uint32_t bits : {0u, 1u << 31, ~0u})
    EXPECT_EQ(encodeElement(ElementFormat::E4M3, 1.5, Rounding::Stochastic,
                            Saturation::Saturate, bits),
              encodeElement(ElementFormat::E4M3, 1.5, Rounding::NearestEven,
                            Saturation::Saturate));
}

TEST(ElementFormatTest, ParseNames) {
  for (ElementFormat format : kAllElementFormats)
    EXPECT_EQ(parseElementFormat(getFormatInfo(format).name), format);
  EXPECT_FALSE(parseElementFormat("e3m3").has_value());
}

} // namespace
