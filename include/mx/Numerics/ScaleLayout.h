//===- ScaleLayout.h - Block scales as tensor cores read them ----*- C++
//-*-===//
//
// The swizzled layout in which Blackwell's block-scaled MMAs and cuBLASLt
// read a matrix of block scales (one byte each: E8M0 for MX, E4M3 for
// NVFP4): the R x C matrix is padded to multiples of 128 rows and 4 columns
// (with zeros), cut into 128 x 4 tiles stored one after another in
// row-major order of the tile grid, 512 bytes each, and entry (r, c) of a
// tile is stored at (r mod 32) * 16 + (r div 32) * 4 + c within it.
//
//===----------------------------------------------------------------------===//

#ifndef MX_NUMERICS_SCALELAYOUT_H
#define MX_NUMERICS_SCALELAYOUT_H

#include <cstdint>
#include <vector>

namespace mlir::mx::numerics {

/// Bytes of the swizzled form of an R x C scale matrix (padding included).
int64_t swizzledScaleBytes(int64_t rows, int64_t columns);

/// The offset of entry (row, column) in the swizzled form of a matrix with
/// `columns` columns.
int64_t swizzledScaleOffset(int64_t row, int64_t column, int64_t columns);

/// A row-major R x C scale matrix in the swizzled layout, padding zero.
std::vector<uint8_t> swizzleScales(const std::vector<uint8_t> &rowMajor,
                                   int64_t rows, int64_t columns);

/// The inverse: the R x C row-major matrix (the padding dropped).
std::vector<uint8_t> unswizzleScales(const std::vector<uint8_t> &swizzled,
                                     int64_t rows, int64_t columns);

} // namespace mlir::mx::numerics

#endif // MX_NUMERICS_SCALELAYOUT_H
