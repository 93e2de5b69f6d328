//===- BlockQuantizeTest.cpp - Reference block quantization ---------------===//
//
// Tensor-level quantize/dequantize/matmul on edge-case blocks (zero, NaN,
// Inf, subnormal, saturating, partial, 2-D, along axis 0) and on many random
// blocks, where each element is checked against llvm::APFloat's conversion
// of V / X.
//
//===----------------------------------------------------------------------===//

#include "mx/Numerics/BlockQuantize.h"
#include "mx/Numerics/Philox.h"

#include "llvm/ADT/APFloat.h"
#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>

using namespace mlir::mx::numerics;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

} // namespace

static std::vector<float> randomValues(size_t count, unsigned seed,
                                       double minLog2, double maxLog2) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> log2Magnitude(minLog2, maxLog2);
  std::bernoulli_distribution negative(0.5);
  std::vector<float> values(count);
  for (float &v : values) {
    v = float(std::exp2(log2Magnitude(rng)));
    if (negative(rng))
      v = -v;
  }
  return values;
}

namespace {

TEST(BlockQuantizeTest, AllZeroBlockKeepsSignedZeros) {
  std::vector<float> x(32, 0.0f);
  x[3] = -0.0f;
  for (ElementFormat format : kAllElementFormats) {
    BlockTensor q = quantize(x.data(), {32}, {32}, format);
    EXPECT_EQ(q.scales[0], computeScale(format, ScaleRule::Floor, 0.0f));
    std::vector<float> y = dequantize(q);
    for (int i = 0; i < 32; ++i) {
      EXPECT_EQ(y[i], 0.0f);
      // INT8 has no negative zero.
      if (format != ElementFormat::INT8)
        EXPECT_EQ(std::signbit(y[i]), i == 3) << getFormatInfo(format).name;
    }
  }
}

TEST(BlockQuantizeTest, NaNOrInfPoisonsOnlyItsBlock) {
  for (float special : {kNaN, kInf, -kInf}) {
    std::vector<float> x(64, 1.0f);
    x[5] = special;
    for (ElementFormat format : kAllElementFormats) {
      BlockTensor q = quantize(x.data(), {64}, {32}, format);
      EXPECT_EQ(q.scales[0], kE8M0NaN);
      EXPECT_NE(q.scales[1], kE8M0NaN);
      std::vector<float> y = dequantize(q);
      for (int i = 0; i < 32; ++i)
        EXPECT_TRUE(std::isnan(y[i]));
      for (int i = 32; i < 64; ++i)
        EXPECT_EQ(y[i], 1.0f);
    }
  }
}

TEST(BlockQuantizeTest, FloorRuleSaturatesTheLargestElement) {
  // amax = 7.9: floor gives X = 1, and 7.9 saturates to E2M1's max 6.
  std::vector<float> x = {7.9f, -7.9f, 1.0f, 0.26f};
  BlockTensor q = quantize(x.data(), {4}, {4}, ElementFormat::E2M1);
  EXPECT_EQ(dequantize(q), (std::vector<float>{6.0f, -6.0f, 1.0f, 0.5f}));
  QuantizeOptions rceil;
  rceil.scaleRule = ScaleRule::RCeil;
  BlockTensor r = quantize(x.data(), {4}, {4}, ElementFormat::E2M1, rceil);
  EXPECT_EQ(dequantize(r), (std::vector<float>{8.0f, -8.0f, 1.0f, 0.0f}));
}

TEST(BlockQuantizeTest, SubnormalInputsAreNotFlushed) {
  float tiny = std::ldexp(1.0f, -130); // an f32 subnormal
  std::vector<float> x = {tiny, -tiny / 2, 0.0f, tiny * 1.5f};
  // Against X = 2^-127 these are 2^-3, 2^-4 and 1.5 * 2^-3: exact in the
  // formats whose subnormals reach 2^-4.
  for (ElementFormat format :
       {ElementFormat::E4M3, ElementFormat::E5M2, ElementFormat::E3M2}) {
    BlockTensor q = quantize(x.data(), {4}, {4}, format);
    EXPECT_EQ(q.scales[0], 0x00); // 2^-127 after clamping
    EXPECT_EQ(dequantize(q), x) << getFormatInfo(format).name;
  }
}

TEST(BlockQuantizeTest, PartialBlocksUseOnlyTheirOwnElements) {
  // 3 x 40 blocked [1, 32]: each row has a full block and one of 8 elements.
  std::vector<float> x(3 * 40, 0.25f);
  x[1 * 40 + 35] = 96.0f; // in row 1's partial block only
  BlockTensor q = quantize(x.data(), {3, 40}, {1, 32}, ElementFormat::E4M3);
  ASSERT_EQ(q.scaleShape(), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(q.scales[1 * 2 + 1],
            computeScale(ElementFormat::E4M3, ScaleRule::Floor, 96.0f));
  EXPECT_EQ(q.scales[1 * 2 + 0],
            computeScale(ElementFormat::E4M3, ScaleRule::Floor, 0.25f));
  EXPECT_EQ(q.scales[2 * 2 + 1], q.scales[0]);
  EXPECT_EQ(dequantize(q), x);
}

TEST(BlockQuantizeTest, TwoDimensionalAndAxisZeroBlocks) {
  std::vector<float> x(64 * 64);
  for (int r = 0; r < 64; ++r)
    for (int c = 0; c < 64; ++c)
      x[r * 64 + c] = float((r / 32) * 2 + (c / 32) + 1); // 1..4 per tile
  BlockTensor tiles =
      quantize(x.data(), {64, 64}, {32, 32}, ElementFormat::E2M1);
  ASSERT_EQ(tiles.scales.size(), 4u);
  for (int b = 0; b < 4; ++b)
    EXPECT_EQ(tiles.scales[b], computeScale(ElementFormat::E2M1,
                                            ScaleRule::Floor, float(b + 1)));
  BlockTensor columns =
      quantize(x.data(), {64, 64}, {32, 1}, ElementFormat::E2M1);
  ASSERT_EQ(columns.scaleShape(), (std::vector<int64_t>{2, 64}));
  EXPECT_EQ(columns.blockIndexOf(40 * 64 + 7), 1 * 64 + 7);
  EXPECT_EQ(dequantize(tiles), x);
  EXPECT_EQ(dequantize(columns), x);
}

} // namespace

static const llvm::fltSemantics *semanticsOrNull(ElementFormat format) {
  switch (format) {
  case ElementFormat::E4M3:
    return &llvm::APFloat::Float8E4M3FN();
  case ElementFormat::E5M2:
    return &llvm::APFloat::Float8E5M2();
  case ElementFormat::E3M2:
    return &llvm::APFloat::Float6E3M2FN();
  case ElementFormat::E2M3:
    return &llvm::APFloat::Float6E2M3FN();
  case ElementFormat::E2M1:
    return &llvm::APFloat::Float4E2M1FN();
  case ElementFormat::INT8:
    return nullptr;
  }
  return nullptr;
}

namespace {

TEST(BlockQuantizeTest, RandomBlocksMatchAPFloatElementByElement) {
  constexpr int kBlocks = 2000;
  for (ElementFormat format : kAllElementFormats) {
    for (ScaleRule rule : {ScaleRule::Floor, ScaleRule::Ceil, ScaleRule::Even,
                           ScaleRule::RCeil}) {
      // Wide dynamic range inside a block, so small elements go subnormal.
      std::vector<float> x = randomValues(kBlocks * 32, 99, -40, 40);
      QuantizeOptions options;
      options.scaleRule = rule;
      BlockTensor q =
          quantize(x.data(), {kBlocks, 32}, {1, 32}, format, options);
      const FormatInfo &info = getFormatInfo(format);
      for (size_t i = 0; i < x.size(); ++i) {
        int scaleExp = e8m0Exponent(q.scales[i / 32]);
        double scaled = std::ldexp(double(x[i]), -scaleExp);
        uint8_t expected;
        if (const llvm::fltSemantics *semantics = semanticsOrNull(format)) {
          llvm::APFloat reference(scaled);
          bool losesInfo;
          auto status = reference.convert(
              *semantics, llvm::RoundingMode::NearestTiesToEven, &losesInfo);
          if (status & llvm::APFloat::opOverflow) {
            // MX saturates where an IEEE conversion overflows.
            ASSERT_EQ(std::fabs(decodeElement(format, q.codes[i])),
                      info.maxNormal);
            continue;
          }
          expected = uint8_t(reference.bitcastToAPInt().getZExtValue());
        } else {
          double k = std::nearbyint(scaled * 64); // ties-to-even by default
          expected = uint8_t(int8_t(std::clamp(k, -127.0, 127.0)));
        }
        ASSERT_EQ(q.codes[i], expected)
            << info.name << " element " << i << " value " << x[i];
      }
    }
  }
}

TEST(BlockQuantizeTest, StochasticRoundingIsReproducibleAndUnbiased) {
  constexpr int kTrials = 200000;
  // 0.3 * 2^k sits between two E2M1 neighbours in every block.
  std::vector<float> x(kTrials);
  for (int i = 0; i < kTrials; ++i)
    x[i] = (i % 32 == 0) ? 6.0f : 1.3f; // amax 6 -> X = 1; 1.3 in (1, 1.5)
  QuantizeOptions options;
  options.rounding = Rounding::Stochastic;
  options.seed = 2024;
  BlockTensor a =
      quantize(x.data(), {kTrials}, {32}, ElementFormat::E2M1, options);
  BlockTensor b =
      quantize(x.data(), {kTrials}, {32}, ElementFormat::E2M1, options);
  EXPECT_EQ(a.codes, b.codes);
  options.seed = 2025;
  BlockTensor c =
      quantize(x.data(), {kTrials}, {32}, ElementFormat::E2M1, options);
  EXPECT_NE(a.codes, c.codes);

  std::vector<float> y = dequantize(a);
  double sum = 0;
  int count = 0;
  for (int i = 0; i < kTrials; ++i) {
    if (i % 32 == 0)
      continue;
    ASSERT_TRUE(y[i] == 1.0f || y[i] == 1.5f) << y[i];
    sum += y[i];
    ++count;
  }
  // Each draw has standard deviation <= 0.25; 6 sigma of the mean.
  double bound = 6 * 0.25 / std::sqrt(double(count));
  EXPECT_NEAR(sum / count, 1.3, bound);
}

TEST(BlockQuantizeTest, MatmulMixedFormatsWithPartialBlock) {
  // K = 40: one full block of 32 and a partial one of 8.
  constexpr int64_t M = 3, K = 40, N = 5;
  std::vector<float> a = randomValues(M * K, 1, -4, 4);
  std::vector<float> b = randomValues(K * N, 2, -4, 4);
  BlockTensor qa = quantize(a.data(), {M, K}, {1, 32}, ElementFormat::E2M1);
  BlockTensor qb = quantize(b.data(), {K, N}, {32, 1}, ElementFormat::E4M3);
  std::vector<double> c = matmul(qa, qb);
  std::vector<float> da = dequantize(qa), db = dequantize(qb);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double expected = 0;
      for (int64_t k = 0; k < K; ++k)
        expected += double(da[m * K + k]) * double(db[k * N + n]);
      EXPECT_EQ(c[m * N + n], expected);
    }
  // A NaN block reaches exactly the outputs whose sums include it.
  a[1 * K + 35] = kNaN;
  qa = quantize(a.data(), {M, K}, {1, 32}, ElementFormat::E2M1);
  c = matmul(qa, qb);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n)
      EXPECT_EQ(std::isnan(c[m * N + n]), m == 1);
  std::vector<double> bound = matmulAbsoluteSum(qa, qb);
  EXPECT_GE(bound[0], std::fabs(c[0]));
}

} // namespace

namespace {

TEST(BlockQuantizeTest, GivenScalesReproduceComputedOnesAndApplyOthers) {
  std::vector<float> x = randomValues(3 * 40, 5, -10, 10);
  BlockTensor computed =
      quantize(x.data(), {3, 40}, {1, 32}, ElementFormat::E4M3);
  BlockTensor given = quantizeWithScales(x.data(), {3, 40}, {1, 32},
                                         ElementFormat::E4M3, computed.scales);
  EXPECT_EQ(given.codes, computed.codes);
  EXPECT_EQ(given.scales, computed.scales);

  // Other scales round against those: 3.0 with X = 2 is 1.5; NaN zeroes codes.
  std::vector<float> y(64, 3.0f);
  std::vector<uint8_t> scales = {encodeE8M0(1), kE8M0NaN};
  BlockTensor q =
      quantizeWithScales(y.data(), {64}, {32}, ElementFormat::E2M1, scales);
  EXPECT_EQ(decodeElement(ElementFormat::E2M1, q.codes[0]), 1.5);
  EXPECT_EQ(q.codes[40], 0);
  EXPECT_TRUE(std::isnan(dequantize(q)[40]));
}

} // namespace
