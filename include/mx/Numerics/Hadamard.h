//===- Hadamard.h - Random Hadamard transform in blocks of 16 ---*- C++ -*-===//
//
// The random Hadamard transform used before quantizing gradients and weights
// (it spreads an outlier over its block, so the block's scale fits the rest
// of it): each block of 16 consecutive elements along an axis becomes
// y = (1/4) H16 D x, with H16 the Sylvester Hadamard matrix and D a diagonal
// of random signs drawn from a seed, the same for every block (so that the
// transforms of the two operands of a product along K cancel:
// (x M^T)(M w) = x w with M = (1/4) H16 D orthogonal). The inverse is
// x = D (1/4) H16 y. The contract (docs/Numerics.md): f32 arithmetic, the
// butterflies of the fast Walsh-Hadamard transform in a fixed order, so
// every lowering computes the same bits; this is the reference.
//
//===----------------------------------------------------------------------===//

#ifndef MX_NUMERICS_HADAMARD_H
#define MX_NUMERICS_HADAMARD_H

#include <array>
#include <cstdint>
#include <vector>

namespace mlir::mx::numerics {

inline constexpr int64_t kHadamardBlock = 16;

/// The signs of D for `seed`: element j of every block is negated when bit
/// 31 of Philox4x32-10(counter = j, key = seed) (word 0, as stochastic
/// rounding draws it) is set.
std::array<float, kHadamardBlock> hadamardSigns(uint64_t seed);

/// One block in place: forward y = (1/4) H16 D x, or the inverse
/// x = D (1/4) H16 y. The butterflies run for h = 1, 2, 4, 8 over the pairs
/// (i, i + h) of each group of 2h, (a, b) -> (a + b, a - b), each rounded to
/// f32; then every element is multiplied by 1/4 (exact unless it
/// underflows) and, for the inverse, by its sign.
void hadamardBlock(float *block, const std::array<float, kHadamardBlock> &signs,
                   bool inverse);

/// The transform of a row-major f32 tensor of `shape` along `axis`, whose
/// extent must be a multiple of 16, in place.
void randomHadamard(float *data, const std::vector<int64_t> &shape,
                    int64_t axis, uint64_t seed, bool inverse);

} // namespace mlir::mx::numerics

#endif // MX_NUMERICS_HADAMARD_H
