//===- HadamardTest.cpp - The random Hadamard transform -------------------===//
//
// Against a second implementation on llvm::APFloat: each output as the
// balanced tree over its block in index order, each node adding or
// subtracting its halves as H16's sign pattern says, rounded to f32 at every
// node; the butterflies of the reference must give the same bits. Then the
// algebra: the signs, orthogonality (the inverse undoes the forward transform,
// exactly where every sum is exact) and the axis handling.
//
//===----------------------------------------------------------------------===//

#include "mx/Numerics/Hadamard.h"
#include "mx/Numerics/Philox.h"

#include "llvm/ADT/APFloat.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace mlir::mx::numerics;

namespace {

uint32_t hadamardBitsOf(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

/// Equal bit patterns, or both NaN.
bool sameHadamardBits(float a, float b) {
  return hadamardBitsOf(a) == hadamardBitsOf(b) || (std::isnan(a) && std::isnan(b));
}

/// Output i over the leaves [lo, hi) as a balanced tree, lower half first:
/// the halves are added, or subtracted where bit (hi - lo) / 2 of i is set
/// (the sign of H16's entries is (-1)^popcount(i & j)), in f32. Signs sit
/// at the nodes: -(a + b) and (-a) + (-b) differ for a signed zero.
llvm::APFloat hadamardTreeSum(const std::vector<llvm::APFloat> &leaves, int i, int lo,
                      int hi) {
  if (hi - lo == 1)
    return leaves[lo];
  int mid = (lo + hi) / 2;
  llvm::APFloat sum = hadamardTreeSum(leaves, i, lo, mid);
  llvm::APFloat upper = hadamardTreeSum(leaves, i, mid, hi);
  if (i & (mid - lo))
    sum.subtract(upper, llvm::APFloat::rmNearestTiesToEven);
  else
    sum.add(upper, llvm::APFloat::rmNearestTiesToEven);
  return sum;
}

/// The hadamardOracle's forward (or inverse) transform of one block.
std::array<float, 16> hadamardOracle(const std::array<float, 16> &x,
                             const std::array<float, 16> &signs, bool inverse) {
  std::vector<llvm::APFloat> leaves;
  for (int j = 0; j < 16; ++j) {
    llvm::APFloat leaf(x[j]);
    if (!inverse && signs[j] < 0)
      leaf.changeSign();
    leaves.push_back(leaf);
  }
  std::array<float, 16> y;
  for (int i = 0; i < 16; ++i) {
    llvm::APFloat value = hadamardTreeSum(leaves, i, 0, 16);
    value.multiply(llvm::APFloat(0.25f), llvm::APFloat::rmNearestTiesToEven);
    if (inverse && signs[i] < 0)
      value.changeSign();
    y[i] = value.convertToFloat();
  }
  return y;
}

TEST(HadamardTest, SignsComeFromPhilox) {
  for (uint64_t seed : {0ull, 1ull, 0x123456789abcdefull}) {
    std::array<float, 16> signs = hadamardSigns(seed);
    int negative = 0;
    for (int j = 0; j < 16; ++j) {
      EXPECT_EQ(signs[j],
                (stochasticRoundingBits(seed, j) >> 31) ? -1.0f : 1.0f);
      negative += signs[j] < 0;
    }
    EXPECT_GT(negative, 0) << "seed " << seed; // random, not all one sign
    EXPECT_LT(negative, 16) << "seed " << seed;
  }
  EXPECT_NE(hadamardSigns(1), hadamardSigns(2));
}

TEST(HadamardTest, HandComputedBlock) {
  // All signs +1 is plain H16 / 4: a unit impulse at 0 becomes 1/4
  // everywhere; an all-ones block becomes 4 at 0 and 0 elsewhere.
  std::array<float, 16> plus;
  plus.fill(1.0f);
  std::array<float, 16> impulse{}, ones;
  impulse[0] = 1.0f;
  ones.fill(1.0f);
  hadamardBlock(impulse.data(), plus, /*inverse=*/false);
  hadamardBlock(ones.data(), plus, /*inverse=*/false);
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ(impulse[i], 0.25f);
    EXPECT_EQ(ones[i], i == 0 ? 4.0f : 0.0f);
  }
  // Row 3 of H16 is (+, -, -, +) repeated: x_j = j gives
  // (0 - 1 - 2 + 3) + (4 - 5 - 6 + 7) + ... = 0, and row 1 gives -8 / 4.
  std::array<float, 16> ramp;
  for (int j = 0; j < 16; ++j)
    ramp[j] = float(j);
  hadamardBlock(ramp.data(), plus, /*inverse=*/false);
  EXPECT_EQ(ramp[0], 30.0f); // 120 / 4
  EXPECT_EQ(ramp[1], -2.0f);
  EXPECT_EQ(ramp[3], 0.0f);
}

TEST(HadamardTest, MatchesTheAPFloatTreeOnRandomAndSpecialBlocks) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> exponent(-40.0f, 40.0f);
  std::uniform_int_distribution<int> coin(0, 1);
  int checked = 0;
  for (int trial = 0; trial < 4000; ++trial) {
    std::array<float, 16> signs = hadamardSigns(uint64_t(trial));
    std::array<float, 16> x;
    for (float &v : x)
      v = std::ldexp(1.0f, int(exponent(rng))) * (coin(rng) ? -1.0f : 1.0f) *
          std::uniform_real_distribution<float>(1.0f, 2.0f)(rng);
    if (trial % 50 == 1)
      x[trial % 16] = std::numeric_limits<float>::quiet_NaN();
    if (trial % 50 == 2)
      x[trial % 16] = -std::numeric_limits<float>::infinity();
    if (trial % 50 == 3)
      x.fill(0.0f), x[5] = -0.0f;
    if (trial % 50 == 4)
      x.fill(std::numeric_limits<float>::max()); // overflows to +-Inf or NaN
    if (trial % 50 == 5)
      x.fill(std::numeric_limits<float>::denorm_min()); // 1/4 underflows
    for (bool inverse : {false, true}) {
      std::array<float, 16> y = x;
      hadamardBlock(y.data(), signs, inverse);
      std::array<float, 16> want = hadamardOracle(x, signs, inverse);
      for (int i = 0; i < 16; ++i, ++checked)
        ASSERT_TRUE(sameHadamardBits(y[i], want[i]))
            << "trial " << trial << " inverse " << inverse << " element " << i
            << ": " << y[i] << " vs " << want[i];
    }
  }
  EXPECT_EQ(checked, 4000 * 2 * 16);
}

TEST(HadamardTest, InverseUndoesTheTransform) {
  // Small integers: every sum is exact, so the round trip is exact.
  std::mt19937 rng(9);
  std::uniform_int_distribution<int> small(-1000, 1000);
  for (uint64_t seed = 0; seed < 100; ++seed) {
    std::array<float, 16> signs = hadamardSigns(seed), x, y;
    for (float &v : x)
      v = float(small(rng));
    y = x;
    hadamardBlock(y.data(), signs, false);
    hadamardBlock(y.data(), signs, true);
    for (int i = 0; i < 16; ++i)
      ASSERT_EQ(y[i], x[i]);
  }
  // Any values: within a few rounding errors of the block's norm (each
  // direction is 4 levels of f32 additions, and the transform is
  // orthogonal).
  std::normal_distribution<float> normal;
  for (uint64_t seed = 0; seed < 100; ++seed) {
    std::array<float, 16> signs = hadamardSigns(seed), x, y;
    double norm = 0.0;
    for (float &v : x) {
      v = normal(rng);
      norm += double(v) * v;
    }
    y = x;
    hadamardBlock(y.data(), signs, false);
    double transformedNorm = 0.0;
    for (float v : y)
      transformedNorm += double(v) * v;
    EXPECT_NEAR(transformedNorm, norm, 1e-5 * norm);
    hadamardBlock(y.data(), signs, true);
    for (int i = 0; i < 16; ++i)
      EXPECT_NEAR(y[i], x[i], 8 * std::ldexp(1.0, -24) * std::sqrt(norm));
  }
}

TEST(HadamardTest, TensorsAlongAnyAxis) {
  // A 3 x 32 x 2 tensor along axis 1: each (row, column) pair has two
  // blocks of 16, strided by 2 in memory.
  std::vector<int64_t> shape{3, 32, 2};
  std::vector<float> data(3 * 32 * 2);
  std::mt19937 rng(3);
  std::normal_distribution<float> normal;
  for (float &v : data)
    v = normal(rng);
  std::vector<float> transformed = data;
  randomHadamard(transformed.data(), shape, 1, 42, false);
  std::array<float, 16> signs = hadamardSigns(42);
  for (int64_t o = 0; o < 3; ++o)
    for (int64_t b = 0; b < 2; ++b)
      for (int64_t i = 0; i < 2; ++i) {
        std::array<float, 16> block;
        for (int64_t j = 0; j < 16; ++j)
          block[j] = data[(o * 32 + b * 16 + j) * 2 + i];
        hadamardBlock(block.data(), signs, false);
        for (int64_t j = 0; j < 16; ++j)
          ASSERT_EQ(hadamardBitsOf(transformed[(o * 32 + b * 16 + j) * 2 + i]),
                    hadamardBitsOf(block[j]));
      }
}

} // namespace
