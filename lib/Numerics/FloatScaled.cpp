//===- FloatScaled.cpp - FP8 tiles with f32 scales (DeepSeek-V3) ----------===//

#include "mx/Numerics/FloatScaled.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

using namespace mlir::mx::numerics;

/// The scale of a tile whose largest finite magnitude is `amax`.
static float tileScale(float amax, double maxNormal, FloatScaleRule rule) {
  if (amax == 0.0f)
    return 1.0f;
  if (rule == FloatScaleRule::Quotient)
    return std::max(float(amax / float(maxNormal)),
                    std::numeric_limits<float>::denorm_min());
  // The least k with amax <= max * 2^k, compared exactly in double (max has
  // at most 3 significant bits, amax 24).
  int k = std::ilogb(amax) - std::ilogb(maxNormal);
  while (double(amax) > std::ldexp(maxNormal, k))
    ++k;
  while (double(amax) <= std::ldexp(maxNormal, k - 1))
    --k;
  // f32's least power of two: a larger scale only shrinks the quotients.
  return std::ldexp(1.0f, std::max(k, -149));
}

FloatScaledTensor mlir::mx::numerics::quantizeFloatScaled(
    const float *data, int64_t rows, int64_t columns, int64_t tileRows,
    int64_t tileColumns, ElementFormat format, FloatScaleRule rule) {
  assert((format == ElementFormat::E4M3 || format == ElementFormat::E5M2) &&
         tileRows >= 1 && tileColumns >= 1 && "FP8 elements, nonempty tiles");
  FloatScaledTensor result;
  result.format = format;
  result.rows = rows;
  result.columns = columns;
  result.tileRows = tileRows;
  result.tileColumns = tileColumns;
  int64_t tiles = result.gridRows() * result.gridColumns();
  std::vector<float> amax(tiles, 0.0f);
  std::vector<bool> finite(tiles, true);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c) {
      float x = data[r * columns + c];
      int64_t t = result.tileOf(r, c);
      finite[t] = finite[t] && std::isfinite(x);
      if (std::isfinite(x))
        amax[t] = std::max(amax[t], std::fabs(x));
    }
  double maxNormal = getFormatInfo(format).maxNormal;
  result.scales.resize(tiles);
  for (int64_t t = 0; t < tiles; ++t)
    result.scales[t] = finite[t] ? tileScale(amax[t], maxNormal, rule)
                                 : std::numeric_limits<float>::quiet_NaN();
  result.codes.resize(rows * columns);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < columns; ++c) {
      float scale = result.scales[result.tileOf(r, c)];
      // One double division of two f32s: a quotient that is not exactly an
      // FP8 rounding midpoint is farther from one than a double's error.
      result.codes[r * columns + c] =
          std::isnan(scale)
              ? 0
              : encodeElement(format, double(data[r * columns + c]) / scale,
                              Rounding::NearestEven, Saturation::Saturate);
    }
  return result;
}

std::vector<float>
mlir::mx::numerics::dequantizeFloatScaled(const FloatScaledTensor &tensor) {
  std::vector<float> result(tensor.rows * tensor.columns);
  for (int64_t r = 0; r < tensor.rows; ++r)
    for (int64_t c = 0; c < tensor.columns; ++c) {
      float scale = tensor.scales[tensor.tileOf(r, c)];
      // The double product is exact (at most 4 + 24 significant bits).
      result[r * tensor.columns + c] = float(
          decodeElement(tensor.format, tensor.codes[r * tensor.columns + c]) *
          double(scale));
    }
  return result;
}

std::vector<double>
mlir::mx::numerics::matmulFloatScaled(const FloatScaledTensor &lhs,
                                      const FloatScaledTensor &rhs) {
  assert(lhs.columns == rhs.rows && lhs.tileColumns == rhs.tileRows &&
         "M x K times K x N, with K split alike");
  int64_t M = lhs.rows, K = lhs.columns, N = rhs.columns;
  std::vector<double> result(M * N, 0.0);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double sum = 0.0;
      for (int64_t k0 = 0; k0 < K; k0 += lhs.tileColumns) {
        double dot = 0.0; // in double, as BlockQuantize's matmul
        for (int64_t k = k0; k < std::min(k0 + lhs.tileColumns, K); ++k)
          dot += decodeElement(lhs.format, lhs.codes[m * K + k]) *
                 decodeElement(rhs.format, rhs.codes[k * N + n]);
        sum += double(lhs.scales[lhs.tileOf(m, k0)]) *
               double(rhs.scales[rhs.tileOf(k0, n)]) * dot;
      }
      result[m * N + n] = sum;
    }
  return result;
}
