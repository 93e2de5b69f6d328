//===- Numerics.cpp - C interface to the MX numerics reference ------------===//

#include "mx-c/Numerics.h"
#include "mx/Numerics/BlockQuantize.h"
#include "mx/Numerics/FloatScaled.h"
#include "mx/Numerics/Hadamard.h"
#include "mx/Numerics/HalfRounding.h"
#include "mx/Numerics/NVFP4.h"
#include "mx/Numerics/ScaleLayout.h"
#include "mx/Numerics/SharedMicroexponent.h"

#include <algorithm>
#include <cmath>
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

/// The shape and axis of a call blocked along one axis, or false when one is
/// invalid (readLayout's checks, and an axis outside the shape).
static bool readAxisLayout(int64_t rank, const int64_t *shape, int64_t axis,
                           std::vector<int64_t> &shapeOut) {
  std::vector<int64_t> unitBlock(rank > 0 ? rank : 0, 1), blockOut;
  return rank >= 1 &&
         readLayout(rank, shape, unitBlock.data(), shapeOut, blockOut) &&
         axis >= 0 && axis < rank;
}

/// The two-level format and layout of a call, or false when one is invalid.
static bool readSharedMicroexponentCall(const char *format, int64_t rank,
                                        const int64_t *shape, int64_t axis,
                                        SharedMicroexponentTensor &tensor) {
  std::optional<SharedMicroexponentFormat> parsed =
      format ? parseSharedMicroexponentFormat(format) : std::nullopt;
  if (!parsed || !readAxisLayout(rank, shape, axis, tensor.shape))
    return false;
  tensor.format = *parsed;
  tensor.axis = axis;
  return true;
}

/// The number of entries of a per-block array: `shape` with shape[axis]
/// replaced by ceil(shape[axis] / per) * times, multiplied out.
static int64_t gridSize(const std::vector<int64_t> &shape, int64_t axis,
                        int64_t per, int64_t times = 1) {
  int64_t count = 1;
  for (int64_t d = 0; d < int64_t(shape.size()); ++d)
    count *= d == axis ? (shape[d] + per - 1) / per * times : shape[d];
  return count;
}

extern "C" int mlirMXNumericsQuantizeSharedMicroexponent(
    const float *data, int64_t rank, const int64_t *shape, int64_t axis,
    const char *format, const char *rounding, uint8_t *codes,
    uint8_t *microexponents, uint8_t *exponents) {
  SharedMicroexponentTensor layout;
  std::optional<Rounding> parsedRounding = parseRounding(rounding);
  if (!readSharedMicroexponentCall(format, rank, shape, axis, layout) ||
      !parsedRounding || *parsedRounding == Rounding::Stochastic)
    return -1;
  if (layout.numElements() &&
      (!data || !codes || !microexponents || !exponents))
    return -1;
  SharedMicroexponentTensor result = quantizeSharedMicroexponent(
      data, layout.shape, axis, layout.format, *parsedRounding);
  std::copy(result.codes.begin(), result.codes.end(), codes);
  std::copy(result.microexponents.begin(), result.microexponents.end(),
            microexponents);
  std::copy(result.exponents.begin(), result.exponents.end(), exponents);
  return 0;
}

extern "C" int mlirMXNumericsDequantizeSharedMicroexponent(
    const uint8_t *codes, const uint8_t *microexponents,
    const uint8_t *exponents, int64_t rank, const int64_t *shape, int64_t axis,
    const char *format, float *out) {
  SharedMicroexponentTensor tensor;
  if (!readSharedMicroexponentCall(format, rank, shape, axis, tensor))
    return -1;
  if (tensor.numElements() && (!codes || !microexponents || !exponents || !out))
    return -1;
  const SharedMicroexponentFormat &f = tensor.format;
  tensor.codes.assign(codes, codes + tensor.numElements());
  tensor.microexponents.assign(
      microexponents, microexponents + gridSize(tensor.shape, axis, f.blockSize,
                                                f.subBlocksPerBlock()));
  tensor.exponents.assign(
      exponents, exponents + gridSize(tensor.shape, axis, f.blockSize));
  std::vector<float> values = dequantizeSharedMicroexponent(tensor);
  std::copy(values.begin(), values.end(), out);
  return 0;
}

extern "C" int mlirMXNumericsQuantizeSharedMicroexponentPacked(
    const float *data, int64_t rank, const int64_t *shape, int64_t axis,
    const char *format, const char *rounding, uint8_t *blocks) {
  SharedMicroexponentTensor layout;
  std::optional<Rounding> parsedRounding = parseRounding(rounding);
  if (!readSharedMicroexponentCall(format, rank, shape, axis, layout) ||
      !parsedRounding || *parsedRounding == Rounding::Stochastic)
    return -1;
  if (layout.numElements() && (!data || !blocks))
    return -1;
  std::vector<uint8_t> bytes =
      packSharedMicroexponent(quantizeSharedMicroexponent(
          data, layout.shape, axis, layout.format, *parsedRounding));
  std::copy(bytes.begin(), bytes.end(), blocks);
  return 0;
}

extern "C" int mlirMXNumericsDequantizeSharedMicroexponentPacked(
    const uint8_t *blocks, int64_t rank, const int64_t *shape, int64_t axis,
    const char *format, float *out) {
  SharedMicroexponentTensor layout;
  if (!readSharedMicroexponentCall(format, rank, shape, axis, layout))
    return -1;
  if (layout.numElements() && (!blocks || !out))
    return -1;
  const SharedMicroexponentFormat &f = layout.format;
  std::vector<uint8_t> bytes(
      blocks, blocks + gridSize(layout.shape, axis, f.blockSize) *
                           int64_t(f.packedBlockBytes()));
  std::vector<float> values = dequantizeSharedMicroexponent(
      unpackSharedMicroexponent(bytes, f, layout.shape, axis));
  std::copy(values.begin(), values.end(), out);
  return 0;
}

extern "C" int mlirMXNumericsQuantizeNVFP4(const float *data, int64_t rank,
                                           const int64_t *shape, int64_t axis,
                                           const float *tensorScale,
                                           uint8_t *codes, uint8_t *blockScales,
                                           float *tensorScaleOut) {
  std::vector<int64_t> shapeVec;
  if (!readAxisLayout(rank, shape, axis, shapeVec) || !tensorScaleOut ||
      (tensorScale && !(std::isfinite(*tensorScale) && *tensorScale > 0)))
    return -1;
  NVFP4Tensor layout;
  layout.shape = shapeVec;
  if (layout.numElements() && (!data || !codes || !blockScales))
    return -1;
  std::optional<float> given;
  if (tensorScale)
    given = *tensorScale;
  NVFP4Tensor result = quantizeNVFP4(data, shapeVec, axis, given);
  std::copy(result.codes.begin(), result.codes.end(), codes);
  std::copy(result.blockScales.begin(), result.blockScales.end(), blockScales);
  *tensorScaleOut = result.tensorScale;
  return 0;
}

extern "C" int mlirMXNumericsDequantizeNVFP4(const uint8_t *codes,
                                             const uint8_t *blockScales,
                                             float tensorScale, int64_t rank,
                                             const int64_t *shape, int64_t axis,
                                             float *out) {
  NVFP4Tensor tensor;
  if (!readAxisLayout(rank, shape, axis, tensor.shape))
    return -1;
  if (tensor.numElements() && (!codes || !blockScales || !out))
    return -1;
  tensor.axis = axis;
  tensor.tensorScale = tensorScale;
  tensor.codes.assign(codes, codes + tensor.numElements());
  tensor.blockScales.assign(
      blockScales, blockScales + gridSize(tensor.shape, axis, kNVFP4BlockSize));
  std::vector<float> values = dequantizeNVFP4(tensor);
  std::copy(values.begin(), values.end(), out);
  return 0;
}

/// A float-scaled call's format and layout, or false when one is invalid.
static bool readFloatScaledCall(const char *format, int64_t rows,
                                int64_t columns, int64_t tileRows,
                                int64_t tileColumns,
                                FloatScaledTensor &tensor) {
  std::optional<ElementFormat> parsed = parseFormat(format);
  int64_t bytes;
  if (!parsed ||
      (*parsed != ElementFormat::E4M3 && *parsed != ElementFormat::E5M2) ||
      rows < 0 || columns < 0 || tileRows < 1 || tileColumns < 1 ||
      __builtin_mul_overflow(rows, columns, &bytes) ||
      __builtin_mul_overflow(bytes, int64_t(sizeof(float)), &bytes))
    return false;
  tensor.format = *parsed;
  tensor.rows = rows;
  tensor.columns = columns;
  tensor.tileRows = tileRows;
  tensor.tileColumns = tileColumns;
  return true;
}

extern "C" int mlirMXNumericsRandomHadamard(float *data, int64_t rank,
                                            const int64_t *shape, int64_t axis,
                                            uint64_t seed, int inverse) {
  std::vector<int64_t> shapeVec;
  if (!readAxisLayout(rank, shape, axis, shapeVec) ||
      shapeVec[axis] % kHadamardBlock != 0)
    return -1;
  int64_t count = 1;
  for (int64_t size : shapeVec)
    count *= size;
  if (count && !data)
    return -1;
  randomHadamard(data, shapeVec, axis, seed, inverse != 0);
  return 0;
}

extern "C" int mlirMXNumericsQuantizeFloatScaled(
    const float *data, int64_t rows, int64_t columns, int64_t tileRows,
    int64_t tileColumns, const char *format, const char *scaleRule,
    uint8_t *codes, float *scales) {
  FloatScaledTensor layout;
  if (!readFloatScaledCall(format, rows, columns, tileRows, tileColumns,
                           layout) ||
      !scaleRule)
    return -1;
  FloatScaleRule rule;
  if (!std::strcmp(scaleRule, "quotient"))
    rule = FloatScaleRule::Quotient;
  else if (!std::strcmp(scaleRule, "pow2"))
    rule = FloatScaleRule::PowerOfTwo;
  else
    return -1;
  if (rows * columns && (!data || !codes || !scales))
    return -1;
  FloatScaledTensor result = quantizeFloatScaled(
      data, rows, columns, tileRows, tileColumns, layout.format, rule);
  std::copy(result.codes.begin(), result.codes.end(), codes);
  std::copy(result.scales.begin(), result.scales.end(), scales);
  return 0;
}

extern "C" int mlirMXNumericsDequantizeFloatScaled(
    const uint8_t *codes, const float *scales, int64_t rows, int64_t columns,
    int64_t tileRows, int64_t tileColumns, const char *format, float *out) {
  FloatScaledTensor tensor;
  if (!readFloatScaledCall(format, rows, columns, tileRows, tileColumns,
                           tensor))
    return -1;
  if (rows * columns && (!codes || !scales || !out))
    return -1;
  tensor.codes.assign(codes, codes + rows * columns);
  tensor.scales.assign(scales,
                       scales + tensor.gridRows() * tensor.gridColumns());
  std::vector<float> values = dequantizeFloatScaled(tensor);
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

extern "C" int64_t mlirMXNumericsSwizzledScaleBytes(int64_t rows,
                                                    int64_t columns) {
  return rows < 0 || columns < 0 ? -1 : swizzledScaleBytes(rows, columns);
}

extern "C" int mlirMXNumericsSwizzleScales(const uint8_t *from, int64_t rows,
                                           int64_t columns, int inverse,
                                           uint8_t *to) {
  if (rows < 0 || columns < 0 || !from || !to)
    return -1;
  int64_t matrixBytes = rows * columns,
          swizzledBytes = swizzledScaleBytes(rows, columns);
  std::vector<uint8_t> result;
  if (inverse)
    result = unswizzleScales(std::vector<uint8_t>(from, from + swizzledBytes),
                             rows, columns);
  else
    result = swizzleScales(std::vector<uint8_t>(from, from + matrixBytes), rows,
                           columns);
  std::copy(result.begin(), result.end(), to);
  return 0;
}

// NOLINTEND(llvm-use-ranges)
