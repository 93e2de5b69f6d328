//===- NVFP4.cpp - NVFP4: E2M1 with E4M3 block and f32 tensor scales ------===//

#include "mx/Numerics/NVFP4.h"
#include "mx/Numerics/ElementFormat.h"

#include "AxisBlocks.h"

#include <cmath>
#include <limits>

using namespace mlir::mx::numerics;

int64_t NVFP4Tensor::numElements() const {
  int64_t count = 1;
  for (int64_t size : shape)
    count *= size;
  return count;
}

float mlir::mx::numerics::computeNVFP4TensorScale(const float *data,
                                                  int64_t count) {
  float amax = 0.0f;
  for (int64_t i = 0; i < count; ++i)
    if (std::isfinite(data[i]))
      amax = std::max(amax, std::fabs(data[i]));
  if (amax == 0.0f)
    return 1.0f;
  // One f32 division, as the scale is stored; a tensor of tiny subnormals
  // keeps a nonzero scale (its block scales then saturate).
  return std::max(amax / 2688.0f, std::numeric_limits<float>::denorm_min());
}

// Both quotients below are one double division of values with at most 24
// and 28 significant bits. A quotient that is not exactly an E4M3 or E2M1
// rounding midpoint differs from one by far more than a double's rounding
// error, so rounding the double once more decides as rounding the exact
// quotient would: a single rounding.

NVFP4Tensor mlir::mx::numerics::quantizeNVFP4(
    const float *data, const std::vector<int64_t> &shape, int64_t axis,
    std::optional<float> tensorScale) {
  AxisBlocks layout(shape, axis, kNVFP4BlockSize);
  NVFP4Tensor result;
  result.shape = shape;
  result.axis = axis;
  result.tensorScale =
      tensorScale ? *tensorScale
                  : computeNVFP4TensorScale(data, layout.numElements());
  result.codes.assign(layout.numElements(), 0);
  result.blockScales.assign(layout.numBlocks(), 0);
  const double scale = result.tensorScale;

  layout.forEachBlock([&](int64_t o, int64_t b, int64_t i) {
    float amax = 0.0f;
    bool finite = true;
    for (int64_t j = layout.blockBegin(b); j < layout.blockEnd(b); ++j) {
      float x = data[layout.element(o, j, i)];
      finite &= std::isfinite(x);
      amax = std::max(amax, std::fabs(x));
    }
    uint8_t &blockScale = result.blockScales[layout.block(o, b, i)];
    if (!finite) {
      blockScale = kNVFP4NaNBlockScale; // the block is NaN; its codes stay 0
      return;
    }
    blockScale =
        encodeElement(ElementFormat::E4M3, double(amax) / (6.0 * scale),
                      Rounding::NearestEven, Saturation::Saturate);
    double step = decodeElement(ElementFormat::E4M3, blockScale) * scale;
    for (int64_t j = layout.blockBegin(b); j < layout.blockEnd(b); ++j) {
      int64_t index = layout.element(o, j, i);
      double x = data[index];
      // A zero block scale (the block is tiny next to the tensor's amax)
      // leaves zeros with the inputs' signs.
      result.codes[index] =
          step == 0.0
              ? (std::signbit(x) ? 0x8 : 0x0)
              : encodeElement(ElementFormat::E2M1, x / step,
                              Rounding::NearestEven, Saturation::Saturate);
    }
  });
  return result;
}

std::vector<float>
mlir::mx::numerics::dequantizeNVFP4(const NVFP4Tensor &tensor) {
  AxisBlocks layout(tensor.shape, tensor.axis, kNVFP4BlockSize);
  std::vector<float> result(layout.numElements());
  layout.forEachBlock([&](int64_t o, int64_t b, int64_t i) {
    uint8_t blockScale = tensor.blockScales[layout.block(o, b, i)];
    double scaleValue = decodeElement(ElementFormat::E4M3, blockScale);
    for (int64_t j = layout.blockBegin(b); j < layout.blockEnd(b); ++j) {
      int64_t index = layout.element(o, j, i);
      if (std::isnan(scaleValue)) {
        result[index] = std::numeric_limits<float>::quiet_NaN();
        continue;
      }
      // element * blockScale has at most 6 significant bits: exact in f32.
      float scaled = float(
          decodeElement(ElementFormat::E2M1, tensor.codes[index]) * scaleValue);
      result[index] = scaled * tensor.tensorScale;
    }
  });
  return result;
}
