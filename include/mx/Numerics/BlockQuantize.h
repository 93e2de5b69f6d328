//===- BlockQuantize.h - Reference MX quantize and matmul -------*- C++ -*-===//
//
// Block-scaled tensors on plain arrays: the executable form of the numeric
// contract (docs/Numerics.md) that every lowering is compared with. Blocks
// are 1-D along any axis or 2-D; a dimension that is not a multiple of its
// block size ends in a partial block.
//
//===----------------------------------------------------------------------===//

#ifndef MX_NUMERICS_BLOCKQUANTIZE_H
#define MX_NUMERICS_BLOCKQUANTIZE_H

#include "mx/Numerics/ElementFormat.h"
#include "mx/Numerics/Scale.h"

#include <cstdint>
#include <vector>

namespace mlir::mx::numerics {

/// The options of one quantization.
struct QuantizeOptions {
  ScaleRule scaleRule = ScaleRule::Floor;
  Rounding rounding = Rounding::NearestEven;
  Saturation saturation = Saturation::Saturate;
  uint64_t seed = 0; ///< key of the stochastic-rounding generator
};

/// A row-major tensor of element codes with one E8M0 scale per block.
struct BlockTensor {
  ElementFormat format = ElementFormat::E4M3;
  std::vector<int64_t> shape;
  std::vector<int64_t> block;  ///< same rank as shape, every entry >= 1
  std::vector<uint8_t> codes;  ///< one code per element, row-major
  std::vector<uint8_t> scales; ///< row-major over scaleShape()

  /// ceil(shape[d] / block[d]) for every dimension d.
  std::vector<int64_t> scaleShape() const;
  int64_t numElements() const;
  /// The row-major index into `scales` of the block holding element `index`.
  int64_t blockIndexOf(int64_t linearIndex) const;
};

/// Quantizes a row-major f32 tensor. The block shape must have the rank of
/// `shape`; the element at linear index i uses stochastic bits
/// stochasticRoundingBits(seed, i).
BlockTensor quantize(const float *data, const std::vector<int64_t> &shape,
                     const std::vector<int64_t> &block, ElementFormat format,
                     const QuantizeOptions &options = {});

/// Quantizes against given block scales (row-major over the block grid of
/// `shape` and `block`) instead of computing them: `options.scaleRule` is not
/// used. Elements of a block whose scale is NaN get code 0.
BlockTensor quantizeWithScales(const float *data,
                               const std::vector<int64_t> &shape,
                               const std::vector<int64_t> &block,
                               ElementFormat format,
                               const std::vector<uint8_t> &scales,
                               const QuantizeOptions &options = {});

/// Dequantizes to f32: element * 2^scale, which is exact unless it overflows
/// f32 (then +-Inf). Every element of a NaN-scale block is NaN.
std::vector<float> dequantize(const BlockTensor &tensor);

/// The value of one element, as dequantize computes it.
float dequantizeElement(ElementFormat format, uint8_t code, uint8_t scale);

/// C[m, n] = sum over K-blocks b of X_a[m, b] * X_b[b, n] * dot(P_a, P_b),
/// accumulated in double. `lhs` is M x K and `rhs` K x N; both must block K
/// with the same size (their other block dimension is free).
std::vector<double> matmul(const BlockTensor &lhs, const BlockTensor &rhs);

/// sum over k of |A[m, k] * B[k, n]| per output: the magnitude that bounds
/// the rounding error of any f32 evaluation order (|error| <= gamma_K * this).
std::vector<double> matmulAbsoluteSum(const BlockTensor &lhs,
                                      const BlockTensor &rhs);

} // namespace mlir::mx::numerics

#endif // MX_NUMERICS_BLOCKQUANTIZE_H
