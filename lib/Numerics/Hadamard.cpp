//===- Hadamard.cpp - Random Hadamard transform in blocks of 16 -----------===//

#include "mx/Numerics/Hadamard.h"
#include "mx/Numerics/Philox.h"

#include "AxisBlocks.h"

#include <cassert>

using namespace mlir::mx::numerics;

std::array<float, kHadamardBlock>
mlir::mx::numerics::hadamardSigns(uint64_t seed) {
  std::array<float, kHadamardBlock> signs;
  for (int64_t j = 0; j < kHadamardBlock; ++j)
    signs[j] = (stochasticRoundingBits(seed, uint64_t(j)) >> 31) ? -1.0f : 1.0f;
  return signs;
}

void mlir::mx::numerics::hadamardBlock(
    float *block, const std::array<float, kHadamardBlock> &signs,
    bool inverse) {
  if (!inverse)
    for (int64_t j = 0; j < kHadamardBlock; ++j)
      block[j] *= signs[j]; // exact: a sign flip
  for (int64_t h = 1; h < kHadamardBlock; h *= 2)
    for (int64_t group = 0; group < kHadamardBlock; group += 2 * h)
      for (int64_t i = group; i < group + h; ++i) {
        float a = block[i], b = block[i + h];
        block[i] = a + b;
        block[i + h] = a - b;
      }
  for (int64_t j = 0; j < kHadamardBlock; ++j)
    block[j] = block[j] * 0.25f * (inverse ? signs[j] : 1.0f);
}

void mlir::mx::numerics::randomHadamard(float *data,
                                        const std::vector<int64_t> &shape,
                                        int64_t axis, uint64_t seed,
                                        bool inverse) {
  AxisBlocks layout(shape, axis, kHadamardBlock);
  assert(layout.extent % kHadamardBlock == 0 && "not whole blocks of 16");
  std::array<float, kHadamardBlock> signs = hadamardSigns(seed);
  std::array<float, kHadamardBlock> block;
  layout.forEachBlock([&](int64_t o, int64_t b, int64_t i) {
    for (int64_t j = 0; j < kHadamardBlock; ++j)
      block[j] = data[layout.element(o, b * kHadamardBlock + j, i)];
    hadamardBlock(block.data(), signs, inverse);
    for (int64_t j = 0; j < kHadamardBlock; ++j)
      data[layout.element(o, b * kHadamardBlock + j, i)] = block[j];
  });
}
