//===- BlockQuantize.cpp - Reference MX quantize, dequantize, matmul ------===//

#include "mx/Numerics/BlockQuantize.h"
#include "mx/Numerics/Philox.h"

#include <cassert>
#include <cmath>
#include <limits>

using namespace mlir::mx::numerics;

std::vector<int64_t> BlockTensor::scaleShape() const {
  std::vector<int64_t> result(shape.size());
  for (size_t d = 0; d < shape.size(); ++d)
    result[d] = (shape[d] + block[d] - 1) / block[d];
  return result;
}

int64_t BlockTensor::numElements() const {
  int64_t count = 1;
  for (int64_t size : shape)
    count *= size;
  return count;
}

int64_t BlockTensor::blockIndexOf(int64_t linearIndex) const {
  int64_t blockIndex = 0, gridStride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    int64_t coordinate = linearIndex % shape[d];
    linearIndex /= shape[d];
    blockIndex += (coordinate / block[d]) * gridStride;
    gridStride *= (shape[d] + block[d] - 1) / block[d];
  }
  return blockIndex;
}

BlockTensor mlir::mx::numerics::quantize(const float *data,
                                         const std::vector<int64_t> &shape,
                                         const std::vector<int64_t> &block,
                                         ElementFormat format,
                                         const QuantizeOptions &options) {
  assert(shape.size() == block.size() && "block rank must match shape rank");
  BlockTensor layout;
  layout.shape = shape;
  layout.block = block;
  int64_t numBlocks = 1;
  for (int64_t size : layout.scaleShape())
    numBlocks *= size;

  // The largest magnitude of every block; NaN wins over everything.
  std::vector<float> amax(numBlocks, 0.0f);
  for (int64_t i = 0, e = layout.numElements(); i < e; ++i) {
    int64_t b = layout.blockIndexOf(i);
    float magnitude = std::fabs(data[i]);
    if (!std::isnan(amax[b]) && (std::isnan(magnitude) || magnitude > amax[b]))
      amax[b] = magnitude;
  }
  std::vector<uint8_t> scales(numBlocks);
  for (int64_t b = 0; b < numBlocks; ++b)
    scales[b] = computeScale(format, options.scaleRule, amax[b]);
  return quantizeWithScales(data, shape, block, format, scales, options);
}

BlockTensor mlir::mx::numerics::quantizeWithScales(
    const float *data, const std::vector<int64_t> &shape,
    const std::vector<int64_t> &block, ElementFormat format,
    const std::vector<uint8_t> &scales, const QuantizeOptions &options) {
  assert(shape.size() == block.size() && "block rank must match shape rank");
  BlockTensor result;
  result.format = format;
  result.shape = shape;
  result.block = block;
  result.scales = scales;
  int64_t numElements = result.numElements();
  result.codes.resize(numElements);
  for (int64_t i = 0; i < numElements; ++i) {
    uint8_t scale = scales[result.blockIndexOf(i)];
    if (scale == kE8M0NaN) {
      result.codes[i] = 0; // the block's NaN lives in its scale
      continue;
    }
    // V / X in double is exact: f32 values times a power of two in range.
    double scaled = std::ldexp(double(data[i]), -e8m0Exponent(scale));
    uint32_t randomBits =
        options.rounding == Rounding::Stochastic
            ? stochasticRoundingBits(options.seed, uint64_t(i))
            : 0;
    result.codes[i] = encodeElement(format, scaled, options.rounding,
                                    options.saturation, randomBits);
  }
  return result;
}

float mlir::mx::numerics::dequantizeElement(ElementFormat format, uint8_t code,
                                            uint8_t scale) {
  if (scale == kE8M0NaN)
    return std::numeric_limits<float>::quiet_NaN();
  return float(std::ldexp(decodeElement(format, code), e8m0Exponent(scale)));
}

std::vector<float> mlir::mx::numerics::dequantize(const BlockTensor &tensor) {
  int64_t numElements = tensor.numElements();
  std::vector<float> result(numElements);
  for (int64_t i = 0; i < numElements; ++i)
    result[i] = dequantizeElement(tensor.format, tensor.codes[i],
                                  tensor.scales[tensor.blockIndexOf(i)]);
  return result;
}

/// Visits every (m, n, k) term of lhs (M x K) times rhs (K x N).
template <typename Fn>
static void forEachProduct(const BlockTensor &lhs, const BlockTensor &rhs,
                           Fn fn) {
  assert(lhs.shape.size() == 2 && rhs.shape.size() == 2 &&
         lhs.shape[1] == rhs.shape[0] && lhs.block[1] == rhs.block[0] &&
         "matmul needs M x K and K x N tensors blocked alike along K");
  int64_t M = lhs.shape[0], K = lhs.shape[1], N = rhs.shape[1];
  int64_t lhsGridCols = lhs.scaleShape()[1], rhsGridCols = rhs.scaleShape()[1];
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k) {
        uint8_t lhsScale =
            lhs.scales[(m / lhs.block[0]) * lhsGridCols + k / lhs.block[1]];
        uint8_t rhsScale =
            rhs.scales[(k / rhs.block[0]) * rhsGridCols + n / rhs.block[1]];
        fn(m * N + n, decodeElement(lhs.format, lhs.codes[m * K + k]),
           decodeElement(rhs.format, rhs.codes[k * N + n]), lhsScale, rhsScale);
      }
}

std::vector<double> mlir::mx::numerics::matmul(const BlockTensor &lhs,
                                               const BlockTensor &rhs) {
  std::vector<double> result(lhs.shape[0] * rhs.shape[1], 0.0);
  forEachProduct(
      lhs, rhs, [&](int64_t out, double a, double b, uint8_t sa, uint8_t sb) {
        if (sa == kE8M0NaN || sb == kE8M0NaN) {
          result[out] = std::numeric_limits<double>::quiet_NaN();
          return;
        }
        result[out] += std::ldexp(a * b, e8m0Exponent(sa) + e8m0Exponent(sb));
      });
  return result;
}

std::vector<double>
mlir::mx::numerics::matmulAbsoluteSum(const BlockTensor &lhs,
                                      const BlockTensor &rhs) {
  std::vector<double> result(lhs.shape[0] * rhs.shape[1], 0.0);
  forEachProduct(
      lhs, rhs, [&](int64_t out, double a, double b, uint8_t sa, uint8_t sb) {
        if (sa != kE8M0NaN && sb != kE8M0NaN)
          result[out] +=
              std::fabs(std::ldexp(a * b, e8m0Exponent(sa) + e8m0Exponent(sb)));
      });
  return result;
}
