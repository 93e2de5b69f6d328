//===- SharedMicroexponentTest.cpp - Two-level block formats --------------===//
//
// MX9/MX6/MX4 and other two-level formats: hand-computed blocks (each
// microexponent and clamp edge, ties, zero, NaN/Inf, subnormal and largest
// f32 blocks, partial blocks), the packed storage's size and bit layout, and
// many random tensors against a second implementation built on
// llvm::APFloat's scaling and integral rounding.
//
//===----------------------------------------------------------------------===//

#include "mx/Numerics/SharedMicroexponent.h"
#include "mx/Numerics/Scale.h"

#include "llvm/ADT/APFloat.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace mlir::mx::numerics;

namespace {

constexpr float kInfinity = std::numeric_limits<float>::infinity();
constexpr float kQuietNaN = std::numeric_limits<float>::quiet_NaN();

uint32_t bitsOf(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

/// Quantizes a 1-D block and checks that dequantizing gives `expected` bit
/// for bit (signed zeros included).
void expectRoundTrip(const SharedMicroexponentFormat &format,
                     std::vector<float> x, const std::vector<float> &expected,
                     Rounding rounding = Rounding::NearestEven) {
  SharedMicroexponentTensor q = quantizeSharedMicroexponent(
      x.data(), {int64_t(x.size())}, 0, format, rounding);
  std::vector<float> y = dequantizeSharedMicroexponent(q);
  ASSERT_EQ(y.size(), expected.size());
  for (size_t i = 0; i < y.size(); ++i)
    EXPECT_EQ(bitsOf(y[i]), bitsOf(expected[i]))
        << "element " << i << ": " << y[i] << " instead of " << expected[i];
}

TEST(SharedMicroexponentTest, FormatsReachTheirBitsPerElement) {
  EXPECT_EQ(kMX9.bitsPerElement(), 9.0);
  EXPECT_EQ(kMX6.bitsPerElement(), 6.0);
  EXPECT_EQ(kMX4.bitsPerElement(), 4.0);
  // E (1 byte), 8 one-bit microexponents (1 byte), 16 codes of 1 + m bits.
  EXPECT_EQ(kMX9.packedBlockBytes(), 18u);
  EXPECT_EQ(kMX6.packedBlockBytes(), 12u);
  EXPECT_EQ(kMX4.packedBlockBytes(), 8u);
  EXPECT_EQ(parseSharedMicroexponentFormat("mx6"), kMX6);
  EXPECT_FALSE(parseSharedMicroexponentFormat("mx8"));
  EXPECT_EQ(parseSharedMicroexponentFormat("m=7,k1=16,k2=2,d2=1"), kMX9);
  SharedMicroexponentFormat wide{3, 32, 4, 2};
  EXPECT_EQ(parseSharedMicroexponentFormat("m=3,k1=32,k2=4,d2=2"), wide);
  EXPECT_FALSE(parseSharedMicroexponentFormat("m=3,k1=32,k2=4,d2=2,"));
  EXPECT_FALSE(parseSharedMicroexponentFormat("m=8,k1=16,k2=2,d2=1"));
  EXPECT_FALSE(parseSharedMicroexponentFormat("m=3,k1=16"));
}

TEST(SharedMicroexponentTest, VerifierNamesEachLimit) {
  for (SharedMicroexponentFormat format : {kMX9, kMX6, kMX4})
    EXPECT_EQ(verifySharedMicroexponentFormat(format), "");
  // One-level block floating point (no microexponent) is a member too.
  EXPECT_EQ(verifySharedMicroexponentFormat({7, 32, 32, 0}), "");
  EXPECT_NE(verifySharedMicroexponentFormat({0, 16, 2, 1}), "");
  EXPECT_NE(verifySharedMicroexponentFormat({8, 16, 2, 1}), "");
  EXPECT_NE(verifySharedMicroexponentFormat({4, 16, 0, 1}), "");
  EXPECT_NE(verifySharedMicroexponentFormat({4, 16, 32, 1}), "");
  EXPECT_NE(verifySharedMicroexponentFormat({4, 512, 2, 1}), "");
  EXPECT_NE(verifySharedMicroexponentFormat({4, 16, 2, 5}), "");
}

TEST(SharedMicroexponentTest, HandComputedMX6Block) {
  // amax 3 gives E = 1. The pairs (1, 0.5) and (0.25, 0.125) are below 2^1:
  // microexponent 1, step 2^(1 - 1 + 1 - 4) = 1/8. The pair (3, -2.5) holds
  // an element of exponent 1: microexponent 0, step 1/4. Each value is a
  // multiple of its step, so the block comes back exactly.
  std::vector<float> x(16, 0.0f);
  float values[] = {1.0f, 0.5f, 0.25f, 0.125f, 3.0f, -2.5f};
  std::copy(std::begin(values), std::end(values), x.begin());
  SharedMicroexponentTensor q =
      quantizeSharedMicroexponent(x.data(), {16}, 0, kMX6);
  EXPECT_EQ(q.exponents[0], encodeE8M0(1));
  EXPECT_EQ(q.microexponents, (std::vector<uint8_t>{1, 1, 0, 1, 1, 1, 1, 1}));
  // Sign bit 4, magnitude in bits 0..3.
  EXPECT_EQ(q.codes[0], 8);
  EXPECT_EQ(q.codes[1], 4);
  EXPECT_EQ(q.codes[2], 2);
  EXPECT_EQ(q.codes[3], 1);
  EXPECT_EQ(q.codes[4], 12);
  EXPECT_EQ(q.codes[5], 16 | 10);
  expectRoundTrip(kMX6, x, x);
}

TEST(SharedMicroexponentTest, MicroexponentNeedsBothElementsBelow) {
  // E = 2 (amax 4). (4, 0.01): one element at E, microexponent 0, step
  // 2^(2 + 1 - 7) = 1/16, so 0.01 rounds to 0. (3.9, 0.01): both below E,
  // microexponent 1, step 1/32: 0.01 * 32 = 0.32 rounds to 0 too, and 3.9
  // to 125/32.
  std::vector<float> x = {4.0f, 0.01f, 3.9f, 0.01f, 0.03125f, 1.0f};
  SharedMicroexponentTensor q =
      quantizeSharedMicroexponent(x.data(), {6}, 0, kMX9);
  EXPECT_EQ(q.exponents[0], encodeE8M0(2));
  EXPECT_EQ(q.microexponents[0], 0);
  EXPECT_EQ(q.microexponents[1], 1);
  EXPECT_EQ(q.microexponents[2], 1);
  expectRoundTrip(kMX9, x, {4.0f, 0.0f, 125.0f / 32, 0.0f, 0.03125f, 1.0f});
}

TEST(SharedMicroexponentTest, MagnitudesClampAtTwoToTheMMinusOne) {
  // E = 0 (amax 1.99). MX6 step 2^(0 + 1 - 4) = 1/8: 1.99 * 8 = 15.92
  // rounds to 16, past the largest magnitude 15, so it clamps to 15/8.
  expectRoundTrip(kMX6, {1.99f, 1.0f}, {1.875f, 1.0f});
  // Both of a pair below E (amax 2, E = 1) and rounding up to 2^E: the
  // pair's step is 1/8, 1.99 rounds to 16/8 = 2^E, which 4 bits cannot
  // hold: 15/8 (AMD Quark's emulation keeps 2 here, a value that needs a
  // fifth bit).
  expectRoundTrip(kMX6, {2.0f, 0.0f, 1.99f, 0.5f}, {2.0f, 0.0f, 1.875f, 0.5f});
  // Negative values clamp symmetrically.
  expectRoundTrip(kMX6, {-1.99f}, {-1.875f});
}

TEST(SharedMicroexponentTest, TiesGoToEvenOrTowardZero) {
  // MX4 (m = 2), E = 1: (3, 1) has step 1; (0.75, 0.25) is below E, step
  // 1/2: 1.5 and 0.5 steps are ties.
  std::vector<float> x = {3.0f, 1.0f, 0.75f, 0.25f, -0.75f, 2.5f};
  // (-0.75, 2.5): 2.5 has exponent 1 = E, step 1: -0.75 rounds to -1,
  // 2.5 is a tie (to 2).
  expectRoundTrip(kMX4, x, {3.0f, 1.0f, 1.0f, 0.0f, -1.0f, 2.0f});
  expectRoundTrip(kMX4, x, {3.0f, 1.0f, 0.5f, 0.0f, -0.0f, 2.0f},
                  Rounding::TowardZero);
}

TEST(SharedMicroexponentTest, ZeroBlockTakesTheLeastExponent) {
  std::vector<float> x(16, 0.0f);
  x[5] = -0.0f;
  SharedMicroexponentTensor q =
      quantizeSharedMicroexponent(x.data(), {16}, 0, kMX9);
  EXPECT_EQ(q.exponents[0], 0); // 2^-127
  for (uint8_t micro : q.microexponents)
    EXPECT_EQ(micro, 1);
  expectRoundTrip(kMX9, x, x); // -0 keeps its sign bit
}

TEST(SharedMicroexponentTest, NonFiniteMakesOnlyItsBlockNaN) {
  for (float special : {kQuietNaN, kInfinity, -kInfinity}) {
    std::vector<float> x(32, 1.0f);
    x[7] = special;
    SharedMicroexponentTensor q =
        quantizeSharedMicroexponent(x.data(), {32}, 0, kMX6);
    EXPECT_EQ(q.exponents[0], kE8M0NaN);
    std::vector<float> y = dequantizeSharedMicroexponent(q);
    for (int i = 0; i < 16; ++i)
      EXPECT_TRUE(std::isnan(y[i]));
    for (int i = 16; i < 32; ++i)
      EXPECT_EQ(y[i], 1.0f);
  }
}

TEST(SharedMicroexponentTest, SubnormalBlocksUseTheLeastExponent) {
  // amax 2^-130 is below E8M0's 2^-127: E = -127, every pair is below it
  // (microexponent 1) and MX9's step is 2^(-127 - 1 + 1 - 7) = 2^-134.
  float tiny = std::ldexp(1.0f, -140), small = std::ldexp(1.0f, -130);
  float denormMin = std::numeric_limits<float>::denorm_min();
  expectRoundTrip(kMX9, {tiny, small, -small, denormMin},
                  {0.0f, small, -small, 0.0f});
  // A block of 2^-125 (normal, above 2^-127) keeps its own exponent, and
  // its subnormal partners round to its pair's step 2^(-125 + 1 - 7).
  float normal = std::ldexp(1.0f, -125);
  float partner = std::ldexp(3.0f, -131); // 3 steps of 2^-131
  expectRoundTrip(kMX9, {normal, partner}, {normal, partner});
}

TEST(SharedMicroexponentTest, LargestFloatsStayFinite) {
  float largest = std::numeric_limits<float>::max();
  // E = 127, step 2^(128 - m); FLT_MAX rounds to 2^m steps and clamps to
  // 2^m - 1: (2^m - 1) * 2^(128 - m), an f32 below FLT_MAX.
  for (SharedMicroexponentFormat format : {kMX9, kMX6, kMX4}) {
    int m = int(format.magnitudeBits);
    float top = std::ldexp(float(format.maxMagnitude()), 128 - m);
    expectRoundTrip(format, {largest, -largest}, {top, -top});
  }
}

TEST(SharedMicroexponentTest, PartialBlocksUseTheirOwnElements) {
  // 21 elements: a full block and one of 5, whose amax (0.5) sets its E.
  std::vector<float> x(21, 100.0f);
  for (int i = 16; i < 21; ++i)
    x[i] = 0.5f / float(i - 15);
  SharedMicroexponentTensor q =
      quantizeSharedMicroexponent(x.data(), {21}, 0, kMX9);
  ASSERT_EQ(q.exponents.size(), 2u);
  EXPECT_EQ(q.exponents[1], encodeE8M0(-1));
  ASSERT_EQ(q.microexponents.size(), 16u);
  // The partial block's sub-blocks: (16, 17), (18, 19), (20), then empty
  // ones, which take the largest microexponent.
  EXPECT_EQ(q.microexponents[8], 0);
  EXPECT_EQ(q.microexponents[9], 1);
  EXPECT_EQ(q.microexponents[10], 1);
  for (int s = 11; s < 16; ++s)
    EXPECT_EQ(q.microexponents[s], 1);
}

TEST(SharedMicroexponentTest, PackedBytesFollowTheLayout) {
  // One MX4 block: E, then microexponent bits (pair 0 first, in bit 0), then
  // 3-bit codes from bit 0 of the third byte.
  std::vector<float> x(16, 0.0f);
  x[0] = 3.0f;  // E = 1, pair 0 microexponent 0, step 1: magnitude 3
  x[1] = -1.0f; // sign 1, magnitude 1: code 0b101
  SharedMicroexponentTensor q =
      quantizeSharedMicroexponent(x.data(), {16}, 0, kMX4);
  std::vector<uint8_t> bytes = packSharedMicroexponent(q);
  ASSERT_EQ(bytes.size(), 8u);
  EXPECT_EQ(bytes[0], encodeE8M0(1));
  EXPECT_EQ(bytes[1], 0xFE);       // pairs 1..7 are zero: microexponent 1
  EXPECT_EQ(bytes[2], 0b00101011); // code 3, then code 0b101 from bit 3
  for (int i = 3; i < 8; ++i)
    EXPECT_EQ(bytes[i], 0);
}

//===----------------------------------------------------------------------===//
// Random tensors against a second implementation
//===----------------------------------------------------------------------===//

/// One block quantized with APFloat: floor(log2) by ilogb, the quotient by
/// scalbn and the rounding by roundToIntegral, on doubles.
void oracleBlock(const SharedMicroexponentFormat &format, const float *x,
                 int64_t count, Rounding rounding, std::vector<float> &out) {
  using llvm::APFloat;
  out.assign(count, 0.0f);
  for (int64_t j = 0; j < count; ++j)
    if (!std::isfinite(x[j])) {
      out.assign(count, kQuietNaN);
      return;
    }
  auto exponent = [](float v) {
    return v == 0.0f ? std::numeric_limits<int>::min()
                     : llvm::ilogb(APFloat(std::fabs(double(v))));
  };
  int shared = -127;
  for (int64_t j = 0; j < count; ++j)
    shared = std::max(shared, exponent(x[j]));
  int m = int(format.magnitudeBits);
  for (int64_t first = 0; first < count; first += format.subBlockSize) {
    int64_t last = std::min<int64_t>(first + format.subBlockSize, count);
    int subExponent = std::numeric_limits<int>::min();
    for (int64_t j = first; j < last; ++j)
      subExponent = std::max(subExponent, exponent(x[j]));
    int micro = int(format.maxMicroexponent());
    if (subExponent != std::numeric_limits<int>::min())
      micro = std::min(micro, shared - subExponent);
    int step = shared - micro + 1 - m;
    for (int64_t j = first; j < last; ++j) {
      APFloat v(std::fabs(double(x[j])));
      v = llvm::scalbn(v, -step, APFloat::rmNearestTiesToEven); // exact
      v.roundToIntegral(rounding == Rounding::NearestEven
                            ? APFloat::rmNearestTiesToEven
                            : APFloat::rmTowardZero);
      double magnitude =
          std::min(v.convertToDouble(), double(format.maxMagnitude()));
      APFloat value(magnitude);
      value = llvm::scalbn(value, step, APFloat::rmNearestTiesToEven);
      float result = float(value.convertToDouble());
      out[j] = std::signbit(x[j]) ? -result : result;
    }
  }
}

/// A block's values spread over `spread` binades below a random top, with
/// zeros, signed zeros, subnormals, ties and specials mixed in.
std::vector<float> randomTensor(std::mt19937 &rng, int64_t count) {
  std::uniform_int_distribution<int> top(-150, 127), spread(0, 12);
  std::uniform_int_distribution<int> kind(0, 99);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<float> x(count);
  int blockTop = top(rng), blockSpread = spread(rng);
  for (int64_t j = 0; j < count; ++j) {
    if (j % 16 == 0) {
      blockTop = top(rng);
      blockSpread = spread(rng);
    }
    int k = kind(rng);
    double magnitude =
        std::ldexp(1.0 + unit(rng), blockTop - int(unit(rng) * blockSpread));
    if (k < 4)
      magnitude = 0.0;
    else if (k < 10) // a tie of some step: few significand bits
      magnitude = std::ldexp(std::floor(unit(rng) * 64) + 0.5,
                             blockTop - 6 - int(unit(rng) * 4));
    float v =
        float(std::min(magnitude, double(std::numeric_limits<float>::max())));
    if (k == 99)
      v = kind(rng) < 50 ? kQuietNaN : kInfinity;
    x[j] = unit(rng) < 0.5 ? -v : v;
  }
  return x;
}

TEST(SharedMicroexponentTest, RandomTensorsMatchTheAPFloatOracle) {
  std::mt19937 rng(2302);
  const SharedMicroexponentFormat formats[] = {
      kMX9, kMX6, kMX4, {3, 8, 4, 2}, {5, 32, 1, 3}, {7, 32, 32, 0}};
  int64_t compared = 0;
  for (const SharedMicroexponentFormat &format : formats)
    for (Rounding rounding : {Rounding::NearestEven, Rounding::TowardZero})
      for (int trial = 0; trial < 100; ++trial) {
        // [rows, columns] blocked along either axis, with partial blocks.
        int64_t rows = 1 + trial % 5, columns = 1 + (trial * 7) % 53;
        int64_t axis = trial % 2;
        std::vector<float> x = randomTensor(rng, rows * columns);
        SharedMicroexponentTensor q = quantizeSharedMicroexponent(
            x.data(), {rows, columns}, axis, format, rounding);
        std::vector<float> y = dequantizeSharedMicroexponent(q);
        // The same tensor through the packed storage.
        std::vector<float> z =
            dequantizeSharedMicroexponent(unpackSharedMicroexponent(
                packSharedMicroexponent(q), format, {rows, columns}, axis));
        int64_t extent = axis ? columns : rows, lines = axis ? rows : columns;
        for (int64_t line = 0; line < lines; ++line)
          for (int64_t begin = 0; begin < extent; begin += format.blockSize) {
            int64_t count = std::min<int64_t>(format.blockSize, extent - begin);
            auto index = [&](int64_t j) {
              return axis ? line * columns + begin + j
                          : (begin + j) * columns + line;
            };
            std::vector<float> block(count), want;
            for (int64_t j = 0; j < count; ++j)
              block[j] = x[index(j)];
            oracleBlock(format, block.data(), count, rounding, want);
            for (int64_t j = 0; j < count; ++j) {
              float got = y[index(j)];
              if (std::isnan(want[j]))
                EXPECT_TRUE(std::isnan(got) && std::isnan(z[index(j)]));
              else
                EXPECT_EQ(bitsOf(got), bitsOf(want[j]))
                    << "format m=" << format.magnitudeBits << " input "
                    << block[j] << ": " << got << " instead of " << want[j];
              if (!std::isnan(want[j]))
                EXPECT_EQ(bitsOf(z[index(j)]), bitsOf(got));
              ++compared;
            }
          }
      }
  EXPECT_GT(compared, 80000);
}

} // namespace
