//===- NVFP4Test.cpp - E2M1 with E4M3 block and f32 tensor scales ---------===//
//
// Hand-computed blocks (the element and block-scale roundings, saturation of
// both, a zero block scale, NaN/Inf blocks, the tensor scale's edges) and
// random tensors against a second implementation: llvm::APFloat divisions in
// quad precision converted to Float8E4M3FN and Float4E2M1FN.
//
//===----------------------------------------------------------------------===//

#include "mx/Numerics/NVFP4.h"

#include "llvm/ADT/APFloat.h"
#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <random>

using namespace mlir::mx::numerics;

namespace {

/// Quantizes with tensor scale 1 and checks the dequantized values.
void expectValues(std::vector<float> x, const std::vector<float> &expected) {
  NVFP4Tensor q = quantizeNVFP4(x.data(), {int64_t(x.size())}, 0, 1.0f);
  std::vector<float> y = dequantizeNVFP4(q);
  ASSERT_EQ(y.size(), expected.size());
  for (size_t i = 0; i < y.size(); ++i) {
    EXPECT_EQ(y[i], expected[i]) << "element " << i;
    EXPECT_EQ(std::signbit(y[i]), std::signbit(expected[i])) << "element " << i;
  }
}

TEST(NVFP4Test, ElementsRoundToNearestEven) {
  // amax 6: block scale 1. E2M1 holds 0, 0.5, 1, 1.5, 2, 3, 4, 6: -0.75 is a
  // tie between 0.5 and 1 (to the even code, 1), 0.4 rounds to 0.5, 5 is a
  // tie between 4 and 6 (to 4), 0.2 to 0, -0.2 to -0.
  expectValues({6, 3, 1.5f, -0.75f, 0.4f, 5, 0.2f, -0.2f},
               {6, 3, 1.5f, -1, 0.5f, 4, 0, -0.0f});
}

TEST(NVFP4Test, BlockScalesRoundToE4M3) {
  // amax 10: 10 / 6 = 1.667 rounds to E4M3's 1.625 (not 1.75), so 10 / 1.625
  // = 6.15 saturates to 6: 9.75; 1 / 1.625 = 0.615 rounds to 0.5: 0.8125.
  expectValues({10, 1}, {9.75f, 0.8125f});
  // amax 6000: 1000 saturates to E4M3's 448, 6000 / 448 to E2M1's 6.
  expectValues({6000, -448}, {2688, -448});
}

TEST(NVFP4Test, TinyBlocksGetAZeroScale) {
  // 1e-4 / 6 is below half of E4M3's least subnormal (2^-9): block scale 0,
  // every element a zero of its sign.
  expectValues({1e-4f, -1e-5f}, {0.0f, -0.0f});
}

TEST(NVFP4Test, NonFiniteMakesOnlyItsBlockNaN) {
  for (float special : {std::numeric_limits<float>::quiet_NaN(),
                        std::numeric_limits<float>::infinity()}) {
    std::vector<float> x(32, 1.0f);
    x[3] = special;
    NVFP4Tensor q = quantizeNVFP4(x.data(), {32}, 0);
    EXPECT_EQ(q.blockScales[0], kNVFP4NaNBlockScale);
    // The tensor scale comes from the finite values: 1 / 2688.
    EXPECT_EQ(q.tensorScale, 1.0f / 2688.0f);
    std::vector<float> y = dequantizeNVFP4(q);
    for (int i = 0; i < 16; ++i)
      EXPECT_TRUE(std::isnan(y[i]));
    for (int i = 16; i < 32; ++i)
      EXPECT_FALSE(std::isnan(y[i]));
  }
}

TEST(NVFP4Test, TensorScaleEdges) {
  float amax2688[] = {0.0f, -2688.0f, 1.0f};
  EXPECT_EQ(computeNVFP4TensorScale(amax2688, 3), 1.0f);
  float zeros[] = {0.0f, -0.0f, std::numeric_limits<float>::quiet_NaN()};
  EXPECT_EQ(computeNVFP4TensorScale(zeros, 3), 1.0f);
  float tiny[] = {std::numeric_limits<float>::denorm_min()};
  EXPECT_EQ(computeNVFP4TensorScale(tiny, 1),
            std::numeric_limits<float>::denorm_min());
  // The largest f32: its block scale is 448 and its element 6, and 2688
  // times the tensor scale rounds back to within f32's range or to Inf; the
  // block's other values stay finite.
  float largest[] = {std::numeric_limits<float>::max(), 1e30f};
  NVFP4Tensor q = quantizeNVFP4(largest, {2}, 0);
  EXPECT_EQ(q.blockScales[0], 0x7E); // 448
  std::vector<float> y = dequantizeNVFP4(q);
  EXPECT_GE(y[0], 0.99f * std::numeric_limits<float>::max());
  EXPECT_TRUE(std::isfinite(y[1]));
}

TEST(NVFP4Test, BlocksAlongEitherAxis) {
  // A 3 x 20 tensor blocked along axis 0 has one (partial) block per column;
  // along axis 1, two per row (16 and 4).
  std::vector<float> x(60);
  for (int i = 0; i < 60; ++i)
    x[i] = float(i % 7) - 3.0f;
  EXPECT_EQ(quantizeNVFP4(x.data(), {3, 20}, 0).blockScales.size(), 20u);
  EXPECT_EQ(quantizeNVFP4(x.data(), {3, 20}, 1).blockScales.size(), 6u);
}

/// The oracle's code for `x / step`: a quad-precision division converted
/// to `semantics` with ties to even, saturated at `largest`.
llvm::APFloat roundQuotient(double x, double step,
                            const llvm::fltSemantics &semantics,
                            double largest) {
  using llvm::APFloat;
  bool lost;
  APFloat q(x);
  q.convert(APFloat::IEEEquad(), APFloat::rmNearestTiesToEven, &lost);
  APFloat d(step);
  d.convert(APFloat::IEEEquad(), APFloat::rmNearestTiesToEven, &lost);
  q.divide(d, APFloat::rmNearestTiesToEven);
  APFloat top(largest);
  top.convert(APFloat::IEEEquad(), APFloat::rmNearestTiesToEven, &lost);
  if (llvm::abs(q).compare(top) == APFloat::cmpGreaterThan)
    q = q.isNegative() ? -top : top;
  q.convert(semantics, APFloat::rmNearestTiesToEven, &lost);
  return q;
}

TEST(NVFP4Test, RandomTensorsMatchTheAPFloatOracle) {
  using llvm::APFloat;
  std::mt19937 rng(4);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> spread(-20, 20);
  int64_t compared = 0;
  for (int trial = 0; trial < 200; ++trial) {
    int64_t rows = 1 + trial % 4, columns = 1 + (trial * 13) % 70;
    int64_t axis = trial % 2;
    std::vector<float> x(rows * columns);
    int top = spread(rng);
    for (float &v : x)
      v = float((unit(rng) < 0.5 ? -1 : 1) *
                std::ldexp(unit(rng), top - int(unit(rng) * 12)));
    std::optional<float> given;
    if (trial % 3 == 0) // a given scale: saturating and zero block scales
      given = float(std::ldexp(1.0, spread(rng)));
    NVFP4Tensor q = quantizeNVFP4(x.data(), {rows, columns}, axis, given);
    std::vector<float> y = dequantizeNVFP4(q);
    double scale = q.tensorScale;
    int64_t extent = axis ? columns : rows, lines = axis ? rows : columns;
    for (int64_t line = 0; line < lines; ++line)
      for (int64_t begin = 0; begin < extent; begin += 16) {
        int64_t count = std::min<int64_t>(16, extent - begin);
        auto index = [&](int64_t j) {
          return axis ? line * columns + begin + j
                      : (begin + j) * columns + line;
        };
        double amax = 0;
        for (int64_t j = 0; j < count; ++j)
          amax = std::max(amax, std::fabs(double(x[index(j)])));
        APFloat block =
            roundQuotient(amax, 6.0 * scale, APFloat::Float8E4M3FN(), 448.0);
        double blockValue = block.convertToDouble();
        for (int64_t j = 0; j < count; ++j) {
          float want;
          if (blockValue == 0.0) {
            want = std::signbit(x[index(j)]) ? -0.0f : 0.0f;
          } else {
            APFloat element = roundQuotient(x[index(j)], blockValue * scale,
                                            APFloat::Float4E2M1FN(), 6.0);
            want =
                float(element.convertToDouble() * blockValue) * q.tensorScale;
          }
          float got = y[index(j)];
          EXPECT_TRUE(got == want && std::signbit(got) == std::signbit(want))
              << "input " << x[index(j)] << ": " << got << " instead of "
              << want;
          ++compared;
        }
      }
  }
  EXPECT_GT(compared, 10000);
}

} // namespace
