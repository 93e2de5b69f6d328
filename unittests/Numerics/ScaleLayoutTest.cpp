//===- ScaleLayoutTest.cpp - The swizzled 128 x 4 scale layout ------------===//
//
// Positions computed by hand from the layout's definition, and against a
// second construction: torchao's to_blocked, pad, view as (R/128, 128, C/4,
// 4), permute tiles to row-major, each tile as (4, 32, 4) with its first two
// axes swapped, written here as plain loops.
//
//===----------------------------------------------------------------------===//

#include "mx/Numerics/ScaleLayout.h"

#include "gtest/gtest.h"

using namespace mlir::mx::numerics;

namespace {

TEST(ScaleLayoutTest, HandComputedOffsets) {
  // In the first tile: (r mod 32) * 16 + (r div 32) * 4 + c.
  EXPECT_EQ(swizzledScaleOffset(0, 0, 4), 0);
  EXPECT_EQ(swizzledScaleOffset(0, 3, 4), 3);
  EXPECT_EQ(swizzledScaleOffset(1, 0, 4), 16);
  EXPECT_EQ(swizzledScaleOffset(32, 0, 4), 4);
  EXPECT_EQ(swizzledScaleOffset(127, 3, 4), 31 * 16 + 3 * 4 + 3);
  // Tiles follow in row-major order of the grid: with 10 columns (3 tile
  // columns, the last padded), (0, 4) opens the second tile and (128, 0)
  // the fourth.
  EXPECT_EQ(swizzledScaleOffset(0, 4, 10), 512);
  EXPECT_EQ(swizzledScaleOffset(128, 0, 10), 3 * 512);
  EXPECT_EQ(swizzledScaleBytes(130, 10), 2 * 3 * 512);
  EXPECT_EQ(swizzledScaleBytes(1, 1), 512);
}

TEST(ScaleLayoutTest, MatchesTheBlockedConstruction) {
  for (auto [rows, columns] :
       {std::pair<int64_t, int64_t>{128, 4}, {300, 7}, {1, 1}, {256, 64}}) {
    std::vector<uint8_t> matrix(rows * columns);
    for (int64_t i = 0; i < rows * columns; ++i)
      matrix[i] = uint8_t(1 + i * 7 % 251);
    int64_t rowTiles = (rows + 127) / 128, columnTiles = (columns + 3) / 4;
    std::vector<uint8_t> want;
    for (int64_t tr = 0; tr < rowTiles; ++tr)
      for (int64_t tc = 0; tc < columnTiles; ++tc)
        // The tile as (4, 32, 4) [r div 32][r mod 32][c], first two swapped.
        for (int64_t inner = 0; inner < 32; ++inner)
          for (int64_t outer = 0; outer < 4; ++outer)
            for (int64_t c = 0; c < 4; ++c) {
              int64_t r = tr * 128 + outer * 32 + inner, col = tc * 4 + c;
              want.push_back(
                  r < rows && col < columns ? matrix[r * columns + col] : 0);
            }
    std::vector<uint8_t> swizzled = swizzleScales(matrix, rows, columns);
    EXPECT_EQ(swizzled, want) << rows << " x " << columns;
    EXPECT_EQ(unswizzleScales(swizzled, rows, columns), matrix);
  }
}

} // namespace
