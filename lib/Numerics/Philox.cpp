//===- Philox.cpp - Counter-based random bits for stochastic rounding -----===//

#include "mx/Numerics/Philox.h"

using namespace mlir::mx::numerics;

static constexpr uint32_t kMultiplier0 = 0xD2511F53;
static constexpr uint32_t kMultiplier1 = 0xCD9E8D57;
static constexpr uint32_t kWeyl0 = 0x9E3779B9;
static constexpr uint32_t kWeyl1 = 0xBB67AE85;

PhiloxCounter mlir::mx::numerics::philox4x32(PhiloxCounter c, PhiloxKey k) {
  for (int round = 0; round < 10; ++round) {
    uint64_t product0 = uint64_t(kMultiplier0) * c[0];
    uint64_t product1 = uint64_t(kMultiplier1) * c[2];
    c = {uint32_t(product1 >> 32) ^ c[1] ^ k[0], uint32_t(product1),
         uint32_t(product0 >> 32) ^ c[3] ^ k[1], uint32_t(product0)};
    k[0] += kWeyl0;
    k[1] += kWeyl1;
  }
  return c;
}

uint32_t mlir::mx::numerics::stochasticRoundingBits(uint64_t seed,
                                                    uint64_t linearIndex) {
  PhiloxCounter counter = {uint32_t(linearIndex), uint32_t(linearIndex >> 32),
                           0, 0};
  PhiloxKey key = {uint32_t(seed), uint32_t(seed >> 32)};
  return philox4x32(counter, key)[0];
}
