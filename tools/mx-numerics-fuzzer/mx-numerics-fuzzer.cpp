//===- mx-numerics-fuzzer.cpp - libFuzzer target: the numerics C API ------===//
//
// Arbitrary bytes as f32 inputs and as element and scale codes, through the
// numerics C API (mx-c/Numerics.h): quantize, dequantize and stochastic
// half rounding. Besides the sanitizers' checks, each input checks
// properties the numeric contract (docs/Numerics.md) guarantees:
//   - every code fits its format's width;
//   - a quantized block dequantizes to values no larger than the format's
//     largest element times the block scale, with the input's sign;
//   - where numerics::isRequantizationIdempotent says so (Floor, Even with
//     round-to-nearest-even), quantizing the dequantized values again gives
//     the same scales and codes;
//   - the block dequantize and the per-element dequantize agree bit for bit;
//   - a stochastically rounded bf16 is one of the two neighbours of its input;
//   - the two-level formats (MX9/6/4): codes and microexponents fit their
//     widths, each value is within half a step (rne) or a step (rtz) of its
//     input unless it clamped, keeps its sign, and quantizing the values
//     again gives the same codes, microexponents and exponents;
//   - NVFP4: codes fit 4 bits, a given tensor scale is refused exactly when
//     it is not positive and finite, a block's scale is NaN exactly when it
//     holds NaN or Inf, and each element is within a step of its input
//     (half of E2M1's widest spacing) unless saturated, with its sign;
//   - FP8 with f32 tile scales: a tile's scale is NaN exactly when it holds
//     NaN or Inf, each element keeps its input's sign and stays within the
//     format's largest value times its scale, and the power-of-two rule's
//     scales are powers of two under which no element saturated.
//
//===----------------------------------------------------------------------===//

#include "mx-c/Numerics.h"
#include "mx/Numerics/BlockQuantize.h"
#include "mx/Numerics/FloatScaled.h"
#include "mx/Numerics/NVFP4.h"
#include "mx/Numerics/SharedMicroexponent.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

using namespace mlir::mx::numerics;

namespace {

/// Reads the input front to back; past its end every read is zero.
class ByteReader {
public:
  ByteReader(const uint8_t *data, size_t size) : data(data), size(size) {}
  uint8_t byte() { return offset < size ? data[offset++] : 0; }
  uint64_t u64() {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i)
      value = value << 8 | byte();
    return value;
  }
  /// The unread bytes, as little-endian f32s, repeated to `count` values
  /// (zeros when none are left).
  std::vector<float> floats(size_t count) const {
    std::vector<float> values(count, 0.0f);
    size_t available = (size - std::min(offset, size)) / 4;
    for (size_t i = 0; available && i < count; ++i)
      std::memcpy(&values[i], data + offset + 4 * (i % available), 4);
    return values;
  }
  const uint8_t *rest() const { return data + std::min(offset, size); }
  size_t restSize() const { return size - std::min(offset, size); }

private:
  const uint8_t *data;
  size_t size;
  size_t offset = 0;
};

const char *const kFormats[] = {"e4m3", "e5m2", "e3m2", "e2m3", "e2m1", "int8"};
const char *const kRules[] = {"floor", "ceil", "even", "rceil"};
const char *const kRoundings[] = {"rne", "rtz", "stochastic"};

[[noreturn]] void fail(const char *what, size_t index) {
  std::fprintf(stderr, "mx-numerics-fuzzer: %s (index %zu)\n", what, index);
  std::abort();
}

bool sameBits(float a, float b) { return !std::memcmp(&a, &b, sizeof(float)); }

struct Layout {
  std::vector<int64_t> shape, block;
  size_t elements = 1, blocks = 1;
  std::vector<size_t> blockOf; ///< element -> row-major block index
};

Layout readLayout(ByteReader &reader) {
  Layout layout;
  int rank = 1 + reader.byte() % 3;
  for (int d = 0; d < rank; ++d) {
    layout.shape.push_back(reader.byte() % 18);     // 0..17: empty tensors too
    layout.block.push_back(1 + reader.byte() % 40); // partial blocks too
  }
  std::vector<size_t> grid;
  for (int d = 0; d < rank; ++d) {
    layout.elements *= size_t(layout.shape[d]);
    grid.push_back(
        size_t((layout.shape[d] + layout.block[d] - 1) / layout.block[d]));
    layout.blocks *= grid.back();
  }
  for (size_t i = 0; i < layout.elements; ++i) {
    size_t rest = i, blockIndex = 0, stride = 1;
    for (int d = rank - 1; d >= 0; --d) {
      size_t coordinate = rest % size_t(layout.shape[d]);
      rest /= size_t(layout.shape[d]);
      blockIndex += coordinate / size_t(layout.block[d]) * stride;
      stride *= grid[d];
    }
    layout.blockOf.push_back(blockIndex);
  }
  return layout;
}

void checkQuantize(ByteReader &reader) {
  Layout layout = readLayout(reader);
  uint8_t formatIndex = reader.byte() % 6;
  const char *format = kFormats[formatIndex];
  ScaleRule rule = ScaleRule(reader.byte() % 4);
  uint8_t roundingIndex = reader.byte() % 3;
  int nonfinite = reader.byte() & 1;
  uint64_t seed = reader.u64();
  std::vector<float> input = reader.floats(layout.elements);
  int64_t rank = int64_t(layout.shape.size());

  std::vector<uint8_t> codes(layout.elements), scales(layout.blocks);
  if (mlirMXNumericsQuantize(input.data(), rank, layout.shape.data(),
                             layout.block.data(), format, kRules[int(rule)],
                             kRoundings[roundingIndex], nonfinite, seed,
                             codes.data(), scales.data()))
    fail("quantize rejected a valid layout", 0);
  const FormatInfo &info = getFormatInfo(ElementFormat(formatIndex));
  for (size_t i = 0; i < codes.size(); ++i)
    if (info.bits < 8 && codes[i] >> info.bits)
      fail("a code is wider than its format", i);

  std::vector<float> values(layout.elements);
  if (mlirMXNumericsDequantize(codes.data(), scales.data(), rank,
                               layout.shape.data(), layout.block.data(), format,
                               values.data()))
    fail("dequantize rejected a valid layout", 0);

  std::vector<bool> requantizable(layout.blocks, true), nonzero(layout.blocks);
  for (size_t i = 0; i < layout.elements; ++i) {
    size_t b = layout.blockOf[i];
    if (!sameBits(values[i], dequantizeElement(ElementFormat(formatIndex),
                                               codes[i], scales[b])))
      fail("block and element dequantize differ", i);
    if (!std::isfinite(values[i]))
      requantizable[b] = false;
    nonzero[b] = nonzero[b] || values[i] != 0.0f;
    if (scales[b] == kE8M0NaN || !std::isfinite(input[i]) ||
        !std::isfinite(values[i]))
      continue;
    double bound = info.maxNormal * decodeE8M0(scales[b]);
    if (std::fabs(double(values[i])) > bound)
      fail("an element exceeds the format's range at its scale", i);
    if (values[i] != 0.0f && std::signbit(values[i]) != std::signbit(input[i]))
      fail("an element changed sign", i);
  }

  if (!isRequantizationIdempotent(rule, Rounding(roundingIndex)))
    return;
  std::vector<uint8_t> codes2(layout.elements), scales2(layout.blocks);
  mlirMXNumericsQuantize(values.data(), rank, layout.shape.data(),
                         layout.block.data(), format, kRules[int(rule)],
                         kRoundings[roundingIndex], nonfinite, seed,
                         codes2.data(), scales2.data());
  // A block is stable unless it overflowed f32 on the way out or rounded to
  // all zeros (whose scale is then the all-zero block's, 2^-126).
  for (size_t b = 0; b < layout.blocks; ++b)
    if (requantizable[b] && nonzero[b] && scales[b] != kE8M0NaN &&
        scales2[b] != scales[b])
      fail("requantizing changed a scale", b);
  for (size_t i = 0; i < layout.elements; ++i) {
    size_t b = layout.blockOf[i];
    if (requantizable[b] && nonzero[b] && scales[b] != kE8M0NaN &&
        codes2[i] != codes[i])
      fail("requantizing changed a code", i);
  }
}

/// Arbitrary codes and scales, including codes above a narrow format's
/// width (the library masks them) and NaN scales.
void checkDequantize(ByteReader &reader) {
  Layout layout = readLayout(reader);
  const char *format = kFormats[reader.byte() % 6];
  std::vector<uint8_t> codes(layout.elements), scales(layout.blocks);
  for (uint8_t &code : codes)
    code = reader.byte();
  for (uint8_t &scale : scales)
    scale = reader.byte();
  std::vector<float> values(layout.elements);
  if (mlirMXNumericsDequantize(
          codes.data(), scales.data(), int64_t(layout.shape.size()),
          layout.shape.data(), layout.block.data(), format, values.data()))
    fail("dequantize rejected a valid layout", 0);
  for (size_t i = 0; i < layout.elements; ++i)
    if (scales[layout.blockOf[i]] == kE8M0NaN && !std::isnan(values[i]))
      fail("a NaN-scale block dequantized to a number", i);
}

void checkHalfRounding(ByteReader &reader) {
  bool bf16 = reader.byte() & 1;
  size_t count = reader.restSize() / 8;
  std::vector<float> values(count);
  std::vector<uint32_t> bits(count);
  if (count == 0)
    return;
  std::memcpy(values.data(), reader.rest(), count * 4);
  std::memcpy(bits.data(), reader.rest() + count * 4, count * 4);
  std::vector<uint16_t> out(count);
  if (mlirMXNumericsRoundHalfStochastic(values.data(), bits.data(),
                                        int64_t(count), bf16 ? "bf16" : "f16",
                                        out.data()))
    fail("half rounding rejected a known format", 0);
  if (!bf16)
    return;
  for (size_t i = 0; i < count; ++i) {
    uint32_t word;
    std::memcpy(&word, &values[i], 4);
    if (std::isnan(values[i])) {
      if ((out[i] & 0x7f80) != 0x7f80 || !(out[i] & 0x7f))
        fail("a NaN rounded to a number", i);
      continue;
    }
    uint16_t truncated = uint16_t(word >> 16);
    if (out[i] != truncated && out[i] != uint16_t(truncated + 1))
      fail("a stochastic bf16 is not a neighbour of its input", i);
  }
}

/// Where an element's block (of 16 along `axis`) and sub-block (of 2) sit in
/// the row-major per-block and per-sub-block arrays of the C API.
struct AxisBlockIndex {
  int64_t extent, inner = 1, blocksAlong;
  AxisBlockIndex(const std::vector<int64_t> &shape, int64_t axis)
      : extent(shape[axis]), blocksAlong((shape[axis] + 15) / 16) {
    for (size_t d = size_t(axis) + 1; d < shape.size(); ++d)
      inner *= shape[d];
  }
  size_t block(size_t element) const { return index(element, 16, 1); }
  size_t subBlock(size_t element) const { return index(element, 2, 8); }

private:
  /// (outer, along, inner) of the element, with the axis coordinate j as
  /// j / per in a dimension of blocksAlong * perBlock entries.
  size_t index(size_t element, int64_t per, int64_t perBlock) const {
    int64_t i = int64_t(element), o = i / (extent * inner),
            j = i / inner % extent, k = i % inner;
    return size_t((o * blocksAlong * perBlock + j / per) * inner + k);
  }
};

void checkSharedMicroexponent(ByteReader &reader) {
  const char *const names[] = {"mx9", "mx6", "mx4"};
  const char *name = names[reader.byte() % 3];
  const char *rounding = reader.byte() & 1 ? "rtz" : "rne";
  int rank = 1 + reader.byte() % 3;
  std::vector<int64_t> shape;
  for (int d = 0; d < rank; ++d)
    shape.push_back(reader.byte() % 40); // partial blocks and empty tensors
  int64_t axis = reader.byte() % rank;
  SharedMicroexponentFormat format = *parseSharedMicroexponentFormat(name);
  size_t elements = 1, blocks = 1;
  for (int d = 0; d < rank; ++d) {
    elements *= size_t(shape[d]);
    blocks *= d == axis ? size_t((shape[d] + 15) / 16) : size_t(shape[d]);
  }
  std::vector<float> input = reader.floats(elements);
  std::vector<uint8_t> codes(elements), micro(blocks * 8), exponents(blocks);
  auto quantize = [&](const std::vector<float> &x, std::vector<uint8_t> &c,
                      std::vector<uint8_t> &u, std::vector<uint8_t> &e) {
    if (mlirMXNumericsQuantizeSharedMicroexponent(x.data(), rank, shape.data(),
                                                  axis, name, rounding,
                                                  c.data(), u.data(), e.data()))
      fail("two-level quantize rejected a valid layout", 0);
  };
  quantize(input, codes, micro, exponents);
  for (size_t i = 0; i < elements; ++i)
    if (codes[i] >> (format.magnitudeBits + 1))
      fail("a two-level code is wider than its format", i);
  for (size_t s = 0; s < micro.size(); ++s)
    if (micro[s] > format.maxMicroexponent())
      fail("a microexponent is wider than its format", s);
  std::vector<float> values(elements);
  if (mlirMXNumericsDequantizeSharedMicroexponent(
          codes.data(), micro.data(), exponents.data(), rank, shape.data(),
          axis, name, values.data()))
    fail("two-level dequantize rejected a valid layout", 0);

  AxisBlockIndex where(shape, axis);
  for (size_t i = 0; i < elements; ++i) {
    uint8_t e = exponents[where.block(i)];
    uint8_t u = micro[where.subBlock(i)];
    if (e == kE8M0NaN) {
      if (!std::isnan(values[i]))
        fail("a NaN two-level block dequantized to a number", i);
      continue;
    }
    if (!std::isfinite(input[i]))
      fail("a non-finite input left its block finite", i);
    double step =
        std::ldexp(1.0, e8m0Exponent(e) - u + 1 - int(format.magnitudeBits));
    double error = std::fabs(double(values[i]) - double(input[i]));
    bool clamped = std::fabs(double(values[i])) == format.maxMagnitude() * step;
    if (!clamped && error > (std::strcmp(rounding, "rne") ? step : step / 2))
      fail("a two-level value is farther from its input than its step", i);
    if (std::signbit(values[i]) != std::signbit(input[i]))
      fail("a two-level value changed sign", i);
  }

  std::vector<uint8_t> codes2(elements), micro2(micro.size()),
      exponents2(blocks);
  quantize(values, codes2, micro2, exponents2);
  for (size_t b = 0; b < blocks; ++b)
    if (exponents[b] != kE8M0NaN && exponents2[b] != exponents[b])
      fail("requantizing changed a two-level exponent", b);
  for (size_t i = 0; i < elements; ++i) {
    size_t b = where.block(i), s = where.subBlock(i);
    if (exponents[b] != kE8M0NaN &&
        (codes2[i] != codes[i] || micro2[s] != micro[s]))
      fail("requantizing changed a two-level code or microexponent", i);
  }
}

void checkNVFP4(ByteReader &reader) {
  int rank = 1 + reader.byte() % 3;
  std::vector<int64_t> shape;
  for (int d = 0; d < rank; ++d)
    shape.push_back(reader.byte() % 40);
  int64_t axis = reader.byte() % rank;
  bool giveScale = reader.byte() & 1;
  uint64_t scaleBits = reader.u64();
  float given;
  uint32_t bits32 = uint32_t(scaleBits);
  std::memcpy(&given, &bits32, sizeof given);
  size_t elements = 1, blocks = 1;
  for (int d = 0; d < rank; ++d) {
    elements *= size_t(shape[d]);
    blocks *= d == axis ? size_t((shape[d] + 15) / 16) : size_t(shape[d]);
  }
  std::vector<float> input = reader.floats(elements);
  std::vector<uint8_t> codes(elements), scales(blocks);
  float scale = 0.0f;
  int status = mlirMXNumericsQuantizeNVFP4(input.data(), rank, shape.data(),
                                           axis, giveScale ? &given : nullptr,
                                           codes.data(), scales.data(), &scale);
  bool validScale = !giveScale || (std::isfinite(given) && given > 0.0f);
  if ((status == 0) != validScale)
    fail("NVFP4 quantize accepted or refused the wrong tensor scale", 0);
  if (status)
    return;
  std::vector<float> values(elements);
  if (mlirMXNumericsDequantizeNVFP4(codes.data(), scales.data(), scale, rank,
                                    shape.data(), axis, values.data()))
    fail("NVFP4 dequantize rejected a valid layout", 0);
  AxisBlockIndex where(shape, axis);
  std::vector<bool> finite(blocks, true);
  for (size_t i = 0; i < elements; ++i)
    finite[where.block(i)] = finite[where.block(i)] && std::isfinite(input[i]);
  for (size_t i = 0; i < elements; ++i) {
    size_t b = where.block(i);
    if (codes[i] > 0xF)
      fail("an NVFP4 code is wider than 4 bits", i);
    if ((scales[b] == kNVFP4NaNBlockScale) == finite[b])
      fail("an NVFP4 block scale is NaN exactly when it should not be", b);
    if (!finite[b])
      continue;
    double step = decodeElement(ElementFormat::E4M3, scales[b]) * scale;
    double element = decodeElement(ElementFormat::E2M1, codes[i]);
    if (std::signbit(element) != std::signbit(input[i]))
      fail("an NVFP4 element changed sign", i);
    if (step > 0 && std::fabs(element) < 6.0 &&
        std::fabs(double(input[i]) / step - element) > 1.0)
      fail("an NVFP4 element is more than a step from its input", i);
  }
}

void checkFloatScaled(ByteReader &reader) {
  int64_t rows = reader.byte() % 40, columns = reader.byte() % 40;
  int64_t tileRows = 1 + reader.byte() % 40,
          tileColumns = 1 + reader.byte() % 40;
  bool e5m2 = reader.byte() & 1, powerOfTwo = reader.byte() & 1;
  ElementFormat format = e5m2 ? ElementFormat::E5M2 : ElementFormat::E4M3;
  std::vector<float> input = reader.floats(size_t(rows * columns));
  FloatScaledTensor layout;
  layout.rows = rows;
  layout.columns = columns;
  layout.tileRows = tileRows;
  layout.tileColumns = tileColumns;
  size_t tiles = size_t(layout.gridRows() * layout.gridColumns());
  std::vector<uint8_t> codes(input.size());
  std::vector<float> scales(tiles), values(input.size());
  const char *name = e5m2 ? "e5m2" : "e4m3";
  if (mlirMXNumericsQuantizeFloatScaled(
          input.data(), rows, columns, tileRows, tileColumns, name,
          powerOfTwo ? "pow2" : "quotient", codes.data(), scales.data()) ||
      mlirMXNumericsDequantizeFloatScaled(codes.data(), scales.data(), rows,
                                          columns, tileRows, tileColumns, name,
                                          values.data()))
    fail("a float-scaled call rejected a valid layout", 0);
  std::vector<bool> finite(tiles, true);
  for (size_t i = 0; i < input.size(); ++i) {
    size_t t =
        size_t(layout.tileOf(int64_t(i) / columns, int64_t(i) % columns));
    finite[t] = finite[t] && std::isfinite(input[i]);
  }
  double largest = getFormatInfo(format).maxNormal;
  for (size_t i = 0; i < input.size(); ++i) {
    size_t t =
        size_t(layout.tileOf(int64_t(i) / columns, int64_t(i) % columns));
    if (std::isnan(scales[t]) == finite[t])
      fail("a tile scale is NaN exactly when it should not be", t);
    if (!finite[t])
      continue;
    double element = decodeElement(format, codes[i]);
    if (std::isnan(element) || std::signbit(element) != std::signbit(input[i]))
      fail("a float-scaled element is NaN or changed sign", i);
    if (std::fabs(element) > largest)
      fail("a float-scaled element exceeds its format", i);
    if (powerOfTwo) {
      int exponent;
      if (std::frexp(double(scales[t]), &exponent) != 0.5)
        fail("a pow2 tile scale is not a power of two", t);
      if (std::fabs(double(input[i])) / scales[t] > largest)
        fail("an element saturated under a pow2 scale", i);
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ByteReader reader(data, size);
  switch (reader.byte() % 6) {
  case 0:
    checkQuantize(reader);
    break;
  case 1:
    checkDequantize(reader);
    break;
  case 3:
    checkSharedMicroexponent(reader);
    break;
  case 4:
    checkNVFP4(reader);
    break;
  case 5:
    checkFloatScaled(reader);
    break;
  default:
    checkHalfRounding(reader);
    break;
  }
  return 0;
}
