//===- ScaleLayout.cpp - Block scales as tensor cores read them -----------===//

#include "mx/Numerics/ScaleLayout.h"

#include <cassert>

using namespace mlir::mx::numerics;

static constexpr int64_t kTileRows = 128, kTileColumns = 4;
static constexpr int64_t kTileBytes = kTileRows * kTileColumns;

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

int64_t mlir::mx::numerics::swizzledScaleBytes(int64_t rows, int64_t columns) {
  return ceilDiv(rows, kTileRows) * ceilDiv(columns, kTileColumns) * kTileBytes;
}

int64_t mlir::mx::numerics::swizzledScaleOffset(int64_t row, int64_t column,
                                                int64_t columns) {
  int64_t tile =
      row / kTileRows * ceilDiv(columns, kTileColumns) + column / kTileColumns;
  int64_t r = row % kTileRows, c = column % kTileColumns;
  return tile * kTileBytes + (r % 32) * 16 + (r / 32) * 4 + c;
}

std::vector<uint8_t>
mlir::mx::numerics::swizzleScales(const std::vector<uint8_t> &rowMajor,
                                  int64_t rows, int64_t columns) {
  assert(int64_t(rowMajor.size()) == rows * columns && "an R x C matrix");
  std::vector<uint8_t> swizzled(swizzledScaleBytes(rows, columns), 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c)
      swizzled[swizzledScaleOffset(r, c, columns)] = rowMajor[r * columns + c];
  return swizzled;
}

std::vector<uint8_t>
mlir::mx::numerics::unswizzleScales(const std::vector<uint8_t> &swizzled,
                                    int64_t rows, int64_t columns) {
  assert(int64_t(swizzled.size()) == swizzledScaleBytes(rows, columns) &&
         "the swizzled form of an R x C matrix");
  std::vector<uint8_t> rowMajor(rows * columns);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c)
      rowMajor[r * columns + c] = swizzled[swizzledScaleOffset(r, c, columns)];
  return rowMajor;
}
