//===- FloatScaledTest.cpp - FP8 tiles with f32 scales --------------------===//
//
// Both scale rules on hand-computed tiles, NaN/zero/tiny tiles, partial
// 1 x 128 and 128 x 128 tiles, random tensors against quad-precision
// llvm::APFloat divisions converted to Float8E4M3FN / Float8E5M2, and the
// mixed-tile matmul against a double matmul of the exact values.
//
//===----------------------------------------------------------------------===//

#include "mx/Numerics/FloatScaled.h"

#include "llvm/ADT/APFloat.h"
#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>

using namespace mlir::mx::numerics;

namespace {

TEST(FloatScaledTest, QuotientScaleMakesTheLargestElementMax) {
  std::vector<float> x = {896, -224, 1, 0};
  FloatScaledTensor q = quantizeFloatScaled(
      x.data(), 1, 4, 1, 128, ElementFormat::E4M3, FloatScaleRule::Quotient);
  EXPECT_EQ(q.scales, std::vector<float>{2.0f});
  EXPECT_EQ(dequantizeFloatScaled(q), (std::vector<float>{896, -224, 1, 0}));
  // amax 1: the scale 1/448 is not a power of two, the largest element is
  // E4M3's max all the same.
  std::vector<float> y = {1.0f, 0.5f};
  q = quantizeFloatScaled(y.data(), 1, 2, 1, 128, ElementFormat::E4M3,
                          FloatScaleRule::Quotient);
  EXPECT_EQ(q.scales[0], 1.0f / 448.0f);
  EXPECT_EQ(q.codes[0], 0x7E);
}

TEST(FloatScaledTest, PowerOfTwoScaleIsTheLeastThatFits) {
  auto scaleOf = [](float amax, ElementFormat format) {
    return quantizeFloatScaled(&amax, 1, 1, 1, 128, format,
                               FloatScaleRule::PowerOfTwo)
        .scales[0];
  };
  EXPECT_EQ(scaleOf(1.0f, ElementFormat::E4M3), std::ldexp(1.0f, -8));
  EXPECT_EQ(scaleOf(448.0f, ElementFormat::E4M3), 1.0f);
  EXPECT_EQ(scaleOf(449.0f, ElementFormat::E4M3), 2.0f);
  EXPECT_EQ(scaleOf(57344.0f, ElementFormat::E5M2), 1.0f);
  EXPECT_EQ(scaleOf(std::numeric_limits<float>::max(), ElementFormat::E4M3),
            std::ldexp(1.0f, 120));
  // 2^-157 would be the least that fits, but f32 stops at 2^-149.
  EXPECT_EQ(
      scaleOf(std::numeric_limits<float>::denorm_min(), ElementFormat::E4M3),
      std::numeric_limits<float>::denorm_min());
}

TEST(FloatScaledTest, SpecialTiles) {
  // NaN and Inf make only their tile NaN; an all-zero tile has scale 1; a
  // tile of tiny values a quotient scale of f32's least subnormal.
  float tiny = std::numeric_limits<float>::denorm_min();
  std::vector<float> x = {
      std::numeric_limits<float>::quiet_NaN(), 1, 0, 0, tiny, -tiny};
  FloatScaledTensor q = quantizeFloatScaled(
      x.data(), 3, 2, 1, 2, ElementFormat::E4M3, FloatScaleRule::Quotient);
  EXPECT_TRUE(std::isnan(q.scales[0]));
  EXPECT_EQ(q.scales[1], 1.0f);
  EXPECT_EQ(q.scales[2], tiny);
  std::vector<float> y = dequantizeFloatScaled(q);
  EXPECT_TRUE(std::isnan(y[0]) && std::isnan(y[1]));
  EXPECT_EQ(y[2], 0.0f);
  EXPECT_EQ(y[4], tiny);
  EXPECT_EQ(y[5], -tiny);
}

TEST(FloatScaledTest, PartialTiles) {
  std::vector<float> x(130 * 200, 1.0f);
  FloatScaledTensor weights =
      quantizeFloatScaled(x.data(), 130, 200, 128, 128, ElementFormat::E4M3,
                          FloatScaleRule::Quotient);
  EXPECT_EQ(weights.scales.size(), 4u);
  FloatScaledTensor activations =
      quantizeFloatScaled(x.data(), 130, 200, 1, 128, ElementFormat::E4M3,
                          FloatScaleRule::Quotient);
  EXPECT_EQ(activations.scales.size(), 260u);
  EXPECT_EQ(activations.tileOf(129, 199), 259);
}

/// x / scale in quad precision, saturated at `largest`, converted once.
double oracleElement(double x, double scale, const llvm::fltSemantics &fp8,
                     double largest) {
  using llvm::APFloat;
  bool lost;
  APFloat q(x), s(scale), top(largest);
  for (APFloat *v : {&q, &s, &top})
    v->convert(APFloat::IEEEquad(), APFloat::rmNearestTiesToEven, &lost);
  q.divide(s, APFloat::rmNearestTiesToEven);
  if (llvm::abs(q).compare(top) == APFloat::cmpGreaterThan)
    q = q.isNegative() ? -top : top;
  q.convert(fp8, APFloat::rmNearestTiesToEven, &lost);
  return q.convertToDouble();
}

TEST(FloatScaledTest, RandomTensorsMatchTheAPFloatOracle) {
  using llvm::APFloat;
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int64_t compared = 0;
  for (int trial = 0; trial < 24; ++trial) {
    ElementFormat format =
        trial % 2 ? ElementFormat::E5M2 : ElementFormat::E4M3;
    const llvm::fltSemantics &fp8 =
        trial % 2 ? APFloat::Float8E5M2() : APFloat::Float8E4M3FN();
    FloatScaleRule rule =
        trial % 4 < 2 ? FloatScaleRule::Quotient : FloatScaleRule::PowerOfTwo;
    int64_t rows = 1 + trial % 3, columns = 150 + trial;
    int top = int(unit(rng) * 60) - 30;
    std::vector<float> x(rows * columns);
    for (float &v : x)
      v = float((unit(rng) < 0.5 ? -1 : 1) *
                std::ldexp(unit(rng), top - int(unit(rng) * 16)));
    FloatScaledTensor q =
        quantizeFloatScaled(x.data(), rows, columns, 1, 128, format, rule);
    std::vector<float> y = dequantizeFloatScaled(q);
    double largest = getFormatInfo(format).maxNormal;
    for (int64_t i = 0; i < rows * columns; ++i) {
      float scale = q.scales[q.tileOf(i / columns, i % columns)];
      APFloat want(float(oracleElement(x[i], scale, fp8, largest)));
      want.multiply(APFloat(scale), APFloat::rmNearestTiesToEven);
      EXPECT_EQ(y[i], want.convertToFloat()) << "input " << x[i];
      ++compared;
    }
  }
  EXPECT_GT(compared, 4000);
}

TEST(FloatScaledTest, MixedTileMatmulMatchesTheExactValues) {
  // A (4 x 300) in 1 x 128 tiles times B (300 x 5) in 128 x 128 blocks.
  std::mt19937 rng(5);
  std::normal_distribution<float> normal;
  std::vector<float> a(4 * 300), b(300 * 5);
  for (float &v : a)
    v = normal(rng);
  for (float &v : b)
    v = normal(rng) * 1e-3f;
  FloatScaledTensor qa = quantizeFloatScaled(
      a.data(), 4, 300, 1, 128, ElementFormat::E4M3, FloatScaleRule::Quotient);
  FloatScaledTensor qb =
      quantizeFloatScaled(b.data(), 300, 5, 128, 128, ElementFormat::E4M3,
                          FloatScaleRule::PowerOfTwo);
  std::vector<double> c = matmulFloatScaled(qa, qb);
  for (int64_t m = 0; m < 4; ++m)
    for (int64_t n = 0; n < 5; ++n) {
      double want = 0, magnitude = 0;
      for (int64_t k = 0; k < 300; ++k) {
        double term = decodeElement(qa.format, qa.codes[m * 300 + k]) *
                      double(qa.scales[qa.tileOf(m, k)]) *
                      decodeElement(qb.format, qb.codes[k * 5 + n]) *
                      double(qb.scales[qb.tileOf(k, n)]);
        want += term;
        magnitude += std::fabs(term);
      }
      EXPECT_LE(std::fabs(c[m * 5 + n] - want), 1e-13 * magnitude);
    }
}

} // namespace
