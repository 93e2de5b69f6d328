//===- TileSizes.h - Tile sizes that need no remainder ----------*- C++ -*-===//

#ifndef MX_DIALECT_MX_UTILS_TILESIZES_H
#define MX_DIALECT_MX_UTILS_TILESIZES_H

#include <algorithm>
#include <cstdint>

namespace mlir::mx {

/// The largest divisor of `range` that is at most `limit` (1 for a prime
/// above it): whole tiles, no masks or remainder loops.
inline int64_t largestDivisorUpTo(int64_t range, int64_t limit) {
  for (int64_t size = std::min(range, limit); size > 1; --size)
    if (range % size == 0)
      return size;
  return 1;
}

} // namespace mlir::mx

#endif // MX_DIALECT_MX_UTILS_TILESIZES_H
