//===- Philox.h - Random bits for stochastic rounding -----------*- C++ -*-===//
//
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC'11). Stochastic rounding draws the bits for element i from
// philox(counter = i, key = seed), so results depend only on the seed and the
// element's linear index: not on vector width, tiling or thread count.
//
//===----------------------------------------------------------------------===//

#ifndef MX_NUMERICS_PHILOX_H
#define MX_NUMERICS_PHILOX_H

#include <array>
#include <cstdint>

namespace mlir::mx::numerics {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

/// Ten rounds of Philox4x32.
PhiloxCounter philox4x32(PhiloxCounter counter, PhiloxKey key);

/// The 32 random bits that stochastic rounding uses for the element at
/// `linearIndex` of a tensor quantized with `seed`.
uint32_t stochasticRoundingBits(uint64_t seed, uint64_t linearIndex);

} // namespace mlir::mx::numerics

#endif // MX_NUMERICS_PHILOX_H
