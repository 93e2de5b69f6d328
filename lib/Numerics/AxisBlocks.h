//===- AxisBlocks.h - Blocks along one axis of a row-major tensor -*- C++
//-*-===//
//
// Private to lib/Numerics: the formats blocked along a single axis
// (two-level, NVFP4) see a row-major tensor as [outer, extent, inner] around
// that axis, with ceil(extent / blockSize) blocks along it, the last one
// possibly partial.
//
//===----------------------------------------------------------------------===//

#ifndef MX_LIB_NUMERICS_AXISBLOCKS_H
#define MX_LIB_NUMERICS_AXISBLOCKS_H

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <vector>

namespace mlir::mx::numerics {

struct AxisBlocks {
  int64_t outer = 1, extent = 1, inner = 1;
  int64_t blockSize = 1, blocksAlong = 0;

  AxisBlocks(const std::vector<int64_t> &shape, int64_t axis, int64_t blockSize)
      : blockSize(blockSize) {
    assert(axis >= 0 && axis < int64_t(shape.size()) && "axis out of range");
    for (int64_t d = 0; d < int64_t(shape.size()); ++d)
      (d < axis ? outer : d > axis ? inner : extent) *= shape[d];
    blocksAlong = (extent + blockSize - 1) / blockSize;
  }
  int64_t numElements() const { return outer * extent * inner; }
  int64_t numBlocks() const { return outer * blocksAlong * inner; }
  int64_t element(int64_t o, int64_t j, int64_t i) const {
    return (o * extent + j) * inner + i;
  }
  int64_t block(int64_t o, int64_t b, int64_t i) const {
    return (o * blocksAlong + b) * inner + i;
  }
  /// Elements [begin, end) along the axis of block b.
  int64_t blockBegin(int64_t b) const { return b * blockSize; }
  int64_t blockEnd(int64_t b) const {
    return std::min((b + 1) * blockSize, extent);
  }
  /// Calls fn(o, b, i) for every block, in row-major order of the grid.
  template <typename Fn> void forEachBlock(Fn fn) const {
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t b = 0; b < blocksAlong; ++b)
        for (int64_t i = 0; i < inner; ++i)
          fn(o, b, i);
  }
};

} // namespace mlir::mx::numerics

#endif // MX_LIB_NUMERICS_AXISBLOCKS_H
