//===- FloatScaled.h - FP8 tiles with f32 scales (DeepSeek-V3) ---*- C++
//-*-===//
//
// FP8 (E4M3 or E5M2) tensors with one f32 scale per tile, the block scaling
// of FP8 training recipes (DeepSeek-V3, Transformer Engine's
// Float8BlockScaling): 1 x 128 tiles for activations and gradients,
// 128 x 128 blocks for weights, the scale either amax / max (f32) or its
// power of two rounded up. value = element * scale. The contract is
// docs/Numerics.md's.
//
//===----------------------------------------------------------------------===//

#ifndef MX_NUMERICS_FLOATSCALED_H
#define MX_NUMERICS_FLOATSCALED_H

#include "mx/Numerics/ElementFormat.h"

#include <cstdint>
#include <vector>

namespace mlir::mx::numerics {

/// How a tile's f32 scale follows from its largest magnitude.
enum class FloatScaleRule : uint8_t {
  Quotient,  ///< amax / max, one f32 division: the largest element is max
  PowerOfTwo ///< the least power of two s with amax / s <= max (at least
             ///< f32's least subnormal, 2^-149)
};

/// A row-major 2-D tensor of FP8 codes with an f32 scale per tile (row-major
/// over ceil(shape / tile); partial tiles at the ends). A tile holding NaN
/// or Inf has a NaN scale and zero codes.
struct FloatScaledTensor {
  ElementFormat format = ElementFormat::E4M3;
  int64_t rows = 0, columns = 0;
  int64_t tileRows = 1, tileColumns = 128;
  std::vector<uint8_t> codes;
  std::vector<float> scales;

  int64_t gridColumns() const {
    return (columns + tileColumns - 1) / tileColumns;
  }
  int64_t gridRows() const { return (rows + tileRows - 1) / tileRows; }
  int64_t tileOf(int64_t row, int64_t column) const {
    return row / tileRows * gridColumns() + column / tileColumns;
  }
};

/// Quantizes rows x columns f32 values (row-major) to `format` (E4M3 or
/// E5M2) in tiles of tileRows x tileColumns: each element x / scale rounded
/// once to nearest even, saturating. A tile without a nonzero value has
/// scale 1; a quotient scale is never below f32's least subnormal.
FloatScaledTensor quantizeFloatScaled(const float *data, int64_t rows,
                                      int64_t columns, int64_t tileRows,
                                      int64_t tileColumns, ElementFormat format,
                                      FloatScaleRule rule);

/// element * scale rounded once to f32 (+-Inf past its range); NaN in a tile
/// whose scale is NaN.
std::vector<float> dequantizeFloatScaled(const FloatScaledTensor &tensor);

/// C[m, n] in double: the sum over K tiles of lhs scale * rhs scale * the
/// tile's exact dot of elements. `lhs` is M x K and `rhs` K x N; their tiles
/// must split K alike (lhs tileColumns == rhs tileRows), as 1 x 128 by
/// 128 x 128 do.
std::vector<double> matmulFloatScaled(const FloatScaledTensor &lhs,
                                      const FloatScaledTensor &rhs);

} // namespace mlir::mx::numerics

#endif // MX_NUMERICS_FLOATSCALED_H
