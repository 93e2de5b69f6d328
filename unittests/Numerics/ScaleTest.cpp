//===- ScaleTest.cpp - E8M0 codes and the four scale rules ----------------===//

#include "mx/Numerics/Scale.h"

#include "llvm/ADT/APFloat.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace mlir::mx::numerics;

static int scaleExponent(ElementFormat format, ScaleRule rule, float amax) {
  uint8_t code = computeScale(format, rule, amax);
  EXPECT_NE(code, kE8M0NaN);
  return e8m0Exponent(code);
}

namespace {

TEST(ScaleTest, E8M0DecodesAsAPFloat) {
  for (unsigned code = 0; code < 256; ++code) {
    llvm::APFloat reference(llvm::APFloat::Float8E8M0FNU(),
                            llvm::APInt(8, code));
    double value = decodeE8M0(uint8_t(code));
    if (code == 0xFF) {
      EXPECT_TRUE(std::isnan(value));
      EXPECT_TRUE(reference.isNaN());
      continue;
    }
    EXPECT_EQ(value, reference.convertToDouble()) << code;
    EXPECT_EQ(encodeE8M0(e8m0Exponent(uint8_t(code))), code);
  }
  // Code 0 is 2^-127, an f32 subnormal, not zero.
  EXPECT_EQ(float(decodeE8M0(0)), std::ldexp(1.0f, -127));
  EXPECT_EQ(encodeE8M0(-500), 0x00);
  EXPECT_EQ(encodeE8M0(500), 0xFE);
}

TEST(ScaleTest, FloorIsOCP) {
  EXPECT_EQ(scaleExponent(ElementFormat::E4M3, ScaleRule::Floor, 1.0f), -8);
  EXPECT_EQ(scaleExponent(ElementFormat::E4M3, ScaleRule::Floor, 448.0f), 0);
  EXPECT_EQ(scaleExponent(ElementFormat::E4M3, ScaleRule::Floor, 511.0f), 0);
  EXPECT_EQ(scaleExponent(ElementFormat::E5M2, ScaleRule::Floor, 3.0f), -14);
  EXPECT_EQ(scaleExponent(ElementFormat::E2M1, ScaleRule::Floor, 7.9f), 0);
  EXPECT_EQ(scaleExponent(ElementFormat::E3M2, ScaleRule::Floor, 0.1f), -8);
  EXPECT_EQ(scaleExponent(ElementFormat::E2M3, ScaleRule::Floor, -6.0f), 0);
  EXPECT_EQ(scaleExponent(ElementFormat::INT8, ScaleRule::Floor, 1.99f), 0);
}

TEST(ScaleTest, CeilRoundsLog2Up) {
  EXPECT_EQ(scaleExponent(ElementFormat::E4M3, ScaleRule::Ceil, 256.0f), 0);
  EXPECT_EQ(scaleExponent(ElementFormat::E4M3, ScaleRule::Ceil, 257.0f), 1);
  EXPECT_EQ(scaleExponent(ElementFormat::E2M1, ScaleRule::Ceil, 4.5f), 1);
}

TEST(ScaleTest, EvenRoundsTheSignificandTiesAway) {
  // E2M1 keeps one mantissa bit: 3.5 = 1.75 * 2 ties away to 2.0 * 2.
  EXPECT_EQ(scaleExponent(ElementFormat::E2M1, ScaleRule::Even, 3.5f), 0);
  EXPECT_EQ(scaleExponent(ElementFormat::E2M1, ScaleRule::Even, 3.4f), -1);
  // E4M3 keeps three: 495 = 1.934 * 2^8 rounds to 1.875, 496 = 1.9375 carries.
  EXPECT_EQ(scaleExponent(ElementFormat::E4M3, ScaleRule::Even, 495.0f), 0);
  EXPECT_EQ(scaleExponent(ElementFormat::E4M3, ScaleRule::Even, 496.0f), 1);
}

} // namespace

/// torchao's EVEN mode on f32 bits, an independent formulation: add half an
/// element ulp to amax's bits, clear the mantissa, then floor(log2).
static int evenByBitTrick(ElementFormat format, float amax) {
  const FormatInfo &info = getFormatInfo(format);
  uint32_t bits;
  std::memcpy(&bits, &amax, 4);
  bits += 1u << (23 - info.mantissaBits - 1);
  bits &= 0xFF800000u;
  float rounded;
  std::memcpy(&rounded, &bits, 4);
  int exponent = rounded == 0          ? -1000
                 : std::isinf(rounded) ? 128 // the carry left f32's range
                                       : int(std::floor(std::log2(rounded)));
  return std::clamp(exponent - info.emax, -127, 127);
}

namespace {

TEST(ScaleTest, EvenAgreesWithTheBitTrickOnRandomAmax) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> bits(0x00800000u, 0x7F7FFFFFu);
  for (ElementFormat format : kAllElementFormats)
    for (int i = 0; i < 100000; ++i) {
      uint32_t b = bits(rng);
      float amax;
      std::memcpy(&amax, &b, 4);
      ASSERT_EQ(scaleExponent(format, ScaleRule::Even, amax),
                evenByBitTrick(format, amax))
          << getFormatInfo(format).name << " amax " << amax;
    }
}

TEST(ScaleTest, RCeilIsTheSmallestScaleThatDoesNotSaturate) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> log2Magnitude(-100, 100);
  for (ElementFormat format : kAllElementFormats) {
    double max = getFormatInfo(format).maxNormal;
    for (int i = 0; i < 100000; ++i) {
      float amax = float(std::exp2(log2Magnitude(rng)));
      int e = scaleExponent(format, ScaleRule::RCeil, amax);
      ASSERT_LE(std::ldexp(double(amax), -e), max) << amax;
      ASSERT_GT(std::ldexp(double(amax), -(e - 1)), max) << amax;
    }
  }
}

TEST(ScaleTest, RCeilIsExactJustAboveTheInt8Max) {
  // amax just above 127/64 * 2^j: the f32 shortcut amax * fl(64/127) rounds
  // onto 2^j and picks a scale one binade too small.
  for (int j : {-20, 0, 5, 40}) {
    float amax = std::nextafter(std::ldexp(127.0f / 64, j),
                                std::numeric_limits<float>::infinity());
    EXPECT_EQ(scaleExponent(ElementFormat::INT8, ScaleRule::RCeil, amax),
              j + 1);
    EXPECT_EQ(scaleExponent(ElementFormat::INT8, ScaleRule::RCeil,
                            std::ldexp(127.0f / 64, j)),
              j);
  }
}

TEST(ScaleTest, SpecialBlocks) {
  float inf = std::numeric_limits<float>::infinity();
  float nan = std::numeric_limits<float>::quiet_NaN();
  for (ElementFormat format : kAllElementFormats)
    for (ScaleRule rule : {ScaleRule::Floor, ScaleRule::Ceil, ScaleRule::Even,
                           ScaleRule::RCeil}) {
      EXPECT_EQ(computeScale(format, rule, nan), kE8M0NaN);
      EXPECT_EQ(computeScale(format, rule, inf), kE8M0NaN);
      // An all-zero block is scaled as if amax were 2^-126.
      EXPECT_EQ(computeScale(format, rule, 0.0f),
                computeScale(format, rule, std::ldexp(1.0f, -126)));
    }
  EXPECT_EQ(scaleExponent(ElementFormat::INT8, ScaleRule::Floor, 0.0f), -126);
  EXPECT_EQ(scaleExponent(ElementFormat::E4M3, ScaleRule::Floor, 0.0f), -127);
}

TEST(ScaleTest, ExponentClampsAtBothEnds) {
  float largest = std::numeric_limits<float>::max();
  EXPECT_EQ(scaleExponent(ElementFormat::INT8, ScaleRule::Ceil, largest), 127);
  EXPECT_EQ(scaleExponent(ElementFormat::INT8, ScaleRule::RCeil, largest), 127);
  EXPECT_EQ(scaleExponent(ElementFormat::INT8, ScaleRule::Even, largest), 127);
  float tiniest = std::numeric_limits<float>::denorm_min();
  EXPECT_EQ(scaleExponent(ElementFormat::E2M1, ScaleRule::Floor, tiniest),
            -127);
}

TEST(ScaleTest, ParseNames) {
  EXPECT_EQ(parseScaleRule("floor"), ScaleRule::Floor);
  EXPECT_EQ(parseScaleRule("rceil"), ScaleRule::RCeil);
  EXPECT_FALSE(parseScaleRule("round").has_value());
}

} // namespace
