//===- PhiloxTest.cpp - Philox4x32-10 known answers -----------------------===//

#include "mx/Numerics/Philox.h"

#include "gtest/gtest.h"

using namespace mlir::mx::numerics;

namespace {

// The known-answer vectors published with Random123 (kat_vectors).
TEST(PhiloxTest, KnownAnswers) {
  EXPECT_EQ(philox4x32({0, 0, 0, 0}, {0, 0}),
            (PhiloxCounter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(philox4x32({~0u, ~0u, ~0u, ~0u}, {~0u, ~0u}),
            (PhiloxCounter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(philox4x32({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                       {0xa4093822, 0x299f31d0}),
            (PhiloxCounter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(PhiloxTest, BitsDependOnSeedAndIndexOnly) {
  EXPECT_EQ(stochasticRoundingBits(42, 1000), stochasticRoundingBits(42, 1000));
  EXPECT_NE(stochasticRoundingBits(42, 1000), stochasticRoundingBits(43, 1000));
  EXPECT_NE(stochasticRoundingBits(42, 1000), stochasticRoundingBits(42, 1001));
  // The high half of a 64-bit index is part of the counter.
  EXPECT_NE(stochasticRoundingBits(1, 5),
            stochasticRoundingBits(1, 5 + (1ull << 32)));
}

} // namespace
