//===- Numerics.cpp - C interface to the MX numerics reference ------------===//

#include "mx-c/Numerics.h"
#include "mx/Numerics/BlockQuantize.h"
#include "mx/Numerics/HalfRounding.h"

#include <algorithm>
#include <cstring>
#include <optional>

using namespace mlir::mx::numerics;

// Plain C++ with the standard algorithms: this library has no LLVM
// dependency (ctypes loads it without libLLVM), so no llvm:: ranges.
// NOLINTBEGIN(llvm-use-ranges)

static std::optional<Rounding> parseRounding(const char *name) {
  if (!name)
    return std::nullopt;
  if (!std::strcmp(name, "rne"))
    return Rounding::NearestEven;
  if (!std::strcmp(name, "rtz"))
    return Rounding::TowardZero;
  if (!std::strcmp(name, "stochastic"))
    return Rounding::Stochastic;
  return std::nullopt;
}

/// Shapes and blocks as vectors, or false when one is invalid: a null
/// array, a negative size, a block under 1, or more elements than an
/// int64_t byte count (of f32s) can hold.
static bool readLayout(int64_t rank, const int64_t *shape, const int64_t *block,
                       std::vector<int64_t> &shapeOut,
                       std::vector<int64_t> &blockOut) {
  if (rank < 1 || !shape || !block)
    return false;
  shapeOut.assign(shape, shape + rank);
  blockOut.assign(block, block + rank);
  if (!std::all_of(shapeOut.begin(), shapeOut.end(),
                   [](int64_t s) { return s >= 0; }) ||
      !std::all_of(blockOut.begin(), blockOut.end(),
                   [](int64_t b) { return b >= 1; }))
    return false;
  int64_t bytes = int64_t(sizeof(float));
  for (int64_t size : shapeOut)
    if (__builtin_mul_overflow(bytes, size, &bytes))
      return false;
  return true;
}

static std::optional<ElementFormat> parseFormat(const char *name) {
  return name ? parseElementFormat(name) : std::nullopt;
}

static std::optional<ScaleRule> parseRule(const char *name) {
  return name ? parseScaleRule(name) : std::nullopt;
}

extern "C" int mlirMXNumericsQuantize(
    const float *data, int64_t rank, const int64_t *shape, const int64_t *block,
    const char *format, const char *scaleRule, const char *rounding,
    int nonfinite, uint64_t seed, uint8_t *codes, uint8_t *scales) {
  std::optional<ElementFormat> parsedFormat = parseFormat(format);
  std::optional<ScaleRule> parsedRule = parseRule(scaleRule);
  std::optional<Rounding> parsedRounding = parseRounding(rounding);
  std::vector<int64_t> shapeVec, blockVec;
  if (!parsedFormat || !parsedRule || !parsedRounding ||
      !readLayout(rank, shape, block, shapeVec, blockVec))
    return -1;
  bool empty = std::find(shapeVec.begin(), shapeVec.end(), 0) != shapeVec.end();
  if (!empty && (!data || !codes || !scales))
    return -1;
  QuantizeOptions options;
  options.scaleRule = *parsedRule;
  options.rounding = *parsedRounding;
  options.saturation = nonfinite ? Saturation::NonFinite : Saturation::Saturate;
  options.seed = seed;
  BlockTensor result =
      quantize(data, shapeVec, blockVec, *parsedFormat, options);
  std::copy(result.codes.begin(), result.codes.end(), codes);
  std::copy(result.scales.begin(), result.scales.end(), scales);
  return 0;
}

extern "C" int mlirMXNumericsDequantize(const uint8_t *codes,
                                        const uint8_t *scales, int64_t rank,
                                        const int64_t *shape,
                                        const int64_t *block,
                                        const char *format, float *out) {
  std::optional<ElementFormat> parsedFormat = parseFormat(format);
  BlockTensor tensor;
  if (!parsedFormat ||
      !readLayout(rank, shape, block, tensor.shape, tensor.block))
    return -1;
  if (tensor.numElements() && (!codes || !scales || !out))
    return -1;
  tensor.format = *parsedFormat;
  int64_t numBlocks = 1;
  for (int64_t size : tensor.scaleShape())
    numBlocks *= size;
  tensor.codes.assign(codes, codes + tensor.numElements());
  tensor.scales.assign(scales, scales + numBlocks);
  std::vector<float> values = dequantize(tensor);
  std::copy(values.begin(), values.end(), out);
  return 0;
}

extern "C" int mlirMXNumericsRoundHalfStochastic(const float *values,
                                                 const uint32_t *randomBits,
                                                 int64_t count,
                                                 const char *format,
                                                 uint16_t *out) {
  HalfFormat half;
  if (!format || count < 0 || (count && (!values || !randomBits || !out)))
    return -1;
  if (!std::strcmp(format, "bf16"))
    half = HalfFormat::BF16;
  else if (!std::strcmp(format, "f16"))
    half = HalfFormat::F16;
  else
    return -1;
  for (int64_t i = 0; i < count; ++i)
    out[i] = roundHalfStochastic(values[i], half, randomBits[i]);
  return 0;
}

// NOLINTEND(llvm-use-ranges)
