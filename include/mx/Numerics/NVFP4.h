//===- NVFP4.h - NVFP4: E2M1 with E4M3 block and f32 tensor scales -*- C++
//-*-===//
//
// NVIDIA's 4-bit format: E2M1 elements in blocks of 16, each block with an
// E4M3 scale, and one f32 scale per tensor:
//
//   value = element * blockScale * tensorScale
//
// The tensor scale is amax / (448 * 6) (so that the largest block scale is
// E4M3's largest); each block scale is amax_block / (6 * tensorScale)
// rounded once to E4M3 (nearest even, saturating); each element is
// x / (blockScale * tensorScale) rounded once to E2M1 (nearest even,
// saturating). The contract, the NaN/zero policy and the conventions users
// meet elsewhere are docs/Numerics.md's.
//
//===----------------------------------------------------------------------===//

#ifndef MX_NUMERICS_NVFP4_H
#define MX_NUMERICS_NVFP4_H

#include <cstdint>
#include <optional>
#include <vector>

namespace mlir::mx::numerics {

inline constexpr int64_t kNVFP4BlockSize = 16;
/// The E4M3 NaN code a block holding NaN or Inf gets for its scale.
inline constexpr uint8_t kNVFP4NaNBlockScale = 0x7F;

/// A row-major tensor in blocks of 16 along `axis`: E2M1 codes (one per
/// element, low 4 bits), E4M3 block scales (row-major over `shape` with
/// shape[axis] replaced by ceil(shape[axis] / 16)) and the f32 tensor scale.
struct NVFP4Tensor {
  std::vector<int64_t> shape;
  int64_t axis = 0;
  std::vector<uint8_t> codes;
  std::vector<uint8_t> blockScales;
  float tensorScale = 1.0f;

  int64_t numElements() const;
};

/// amax / (448 * 6) in f32 over the finite values of `data`; 1 for a tensor
/// with no nonzero finite value, and never below f32's least subnormal.
float computeNVFP4TensorScale(const float *data, int64_t count);

/// Quantizes a row-major f32 tensor in blocks of 16 along `axis`, with a
/// given positive finite tensor scale or the computed one.
NVFP4Tensor quantizeNVFP4(const float *data, const std::vector<int64_t> &shape,
                          int64_t axis,
                          std::optional<float> tensorScale = std::nullopt);

/// element * blockScale (exact in f32) times the tensor scale, rounded once
/// to f32 (+-Inf beyond its range); NaN for a block whose scale is NaN.
std::vector<float> dequantizeNVFP4(const NVFP4Tensor &tensor);

} // namespace mlir::mx::numerics

#endif // MX_NUMERICS_NVFP4_H
