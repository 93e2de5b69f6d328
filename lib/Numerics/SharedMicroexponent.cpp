//===- SharedMicroexponent.cpp - Two-level block formats (MX9/6/4) --------===//

#include "mx/Numerics/SharedMicroexponent.h"
#include "mx/Numerics/Scale.h"

#include "AxisBlocks.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <limits>

using namespace mlir::mx::numerics;

unsigned SharedMicroexponentFormat::packedBlockBytes() const {
  unsigned microBits = subBlocksPerBlock() * microexponentBits;
  unsigned codeBits = blockSize * (1 + magnitudeBits);
  return 1 + (microBits + 7) / 8 + (codeBits + 7) / 8;
}

double SharedMicroexponentFormat::bitsPerElement() const {
  return 1.0 + magnitudeBits + 8.0 / blockSize +
         double(subBlocksPerBlock() * microexponentBits) / blockSize;
}

std::string mlir::mx::numerics::verifySharedMicroexponentFormat(
    const SharedMicroexponentFormat &format) {
  if (format.magnitudeBits < 1 || format.magnitudeBits > 7)
    return "the element magnitude must have 1 to 7 bits";
  if (format.subBlockSize < 1 || format.subBlockSize > format.blockSize ||
      format.blockSize > 256)
    return "the sub-block size must be at least 1 and at most the block "
           "size, which must be at most 256";
  // Steps go down to 2^(-127 - (2^d2 - 1) + 1 - m) >= 2^-149 (f32's least
  // subnormal) for d2 <= 4, m <= 7: every value stays an f32.
  if (format.microexponentBits > 4)
    return "a microexponent must have at most 4 bits";
  return "";
}

std::optional<SharedMicroexponentFormat>
mlir::mx::numerics::parseSharedMicroexponentFormat(std::string_view name) {
  for (const auto &[known, format] : kNamedSharedMicroexponentFormats)
    if (name == known)
      return format;
  // "m=M,k1=K1,k2=K2,d2=D2": any format of the family.
  std::string text(name);
  SharedMicroexponentFormat format;
  int consumed = -1;
  if (std::sscanf(text.c_str(), "m=%u,k1=%u,k2=%u,d2=%u%n",
                  &format.magnitudeBits, &format.blockSize,
                  &format.subBlockSize, &format.microexponentBits,
                  &consumed) != 4 ||
      consumed != int(text.size()) ||
      !verifySharedMicroexponentFormat(format).empty())
    return std::nullopt;
  return format;
}

const char *mlir::mx::numerics::nameOfSharedMicroexponentFormat(
    const SharedMicroexponentFormat &format) {
  for (const auto &[name, known] : kNamedSharedMicroexponentFormats)
    if (format == known)
      return name;
  return nullptr;
}

int64_t SharedMicroexponentTensor::numElements() const {
  int64_t count = 1;
  for (int64_t size : shape)
    count *= size;
  return count;
}

namespace {

/// The blocks of AxisBlocks and their sub-blocks.
struct AxisLayout : AxisBlocks {
  int64_t subBlocksAlong = 0;
  const SharedMicroexponentFormat &format;

  AxisLayout(const std::vector<int64_t> &shape, int64_t axis,
             const SharedMicroexponentFormat &format)
      : AxisBlocks(shape, axis, format.blockSize), format(format) {
    subBlocksAlong = blocksAlong * format.subBlocksPerBlock();
  }
  int64_t numSubBlocks() const { return outer * subBlocksAlong * inner; }
  int64_t subBlock(int64_t o, int64_t b, int64_t s, int64_t i) const {
    return (o * subBlocksAlong + b * format.subBlocksPerBlock() + s) * inner +
           i;
  }
  /// Elements [begin, end) along the axis of sub-block s of block b.
  std::pair<int64_t, int64_t> subBlockRange(int64_t b, int64_t s) const {
    int64_t end = blockEnd(b);
    int64_t begin = blockBegin(b) + s * format.subBlockSize;
    return {std::min(begin, end),
            std::min<int64_t>(begin + format.subBlockSize, end)};
  }
};

/// floor(log2 |x|) of a nonzero finite f32, subnormals included.
int exponentOf(float x) { return std::ilogb(x); }

/// |x| / 2^step rounded to an integer: exact, since an f32 divided by a
/// power of two is a double and the quotient stays below 2^53.
int64_t roundMagnitude(float x, int step, Rounding rounding) {
  double quotient = std::ldexp(std::fabs(double(x)), -step);
  double whole = std::floor(quotient);
  if (rounding == Rounding::NearestEven) {
    double fraction = quotient - whole;
    if (fraction > 0.5 || (fraction == 0.5 && std::fmod(whole, 2.0) != 0.0))
      whole += 1.0;
  }
  return int64_t(whole);
}

/// A tensor of `layout`'s shape with every code, microexponent and
/// exponent 0.
SharedMicroexponentTensor zeroTensor(const AxisLayout &layout,
                                     const std::vector<int64_t> &shape,
                                     int64_t axis) {
  SharedMicroexponentTensor result;
  result.format = layout.format;
  result.shape = shape;
  result.axis = axis;
  result.codes.assign(result.numElements(), 0);
  result.exponents.assign(layout.numBlocks(), 0);
  result.microexponents.assign(layout.numSubBlocks(), 0);
  return result;
}

} // namespace

SharedMicroexponentTensor mlir::mx::numerics::quantizeSharedMicroexponent(
    const float *data, const std::vector<int64_t> &shape, int64_t axis,
    const SharedMicroexponentFormat &format, Rounding rounding) {
  assert(verifySharedMicroexponentFormat(format).empty() && "invalid format");
  assert(rounding != Rounding::Stochastic && "not a two-level rounding");
  AxisLayout layout(shape, axis, format);
  SharedMicroexponentTensor result = zeroTensor(layout, shape, axis);
  const int m = int(format.magnitudeBits);
  const int maxMicro = int(format.maxMicroexponent());
  const int64_t maxMagnitude = format.maxMagnitude();

  layout.forEachBlock([&](int64_t o, int64_t b, int64_t i) {
    int64_t begin = layout.blockBegin(b), end = layout.blockEnd(b);
    float amax = 0.0f;
    bool finite = true;
    for (int64_t j = begin; j < end; ++j) {
      float x = data[layout.element(o, j, i)];
      finite &= std::isfinite(x);
      amax = std::max(amax, std::fabs(x));
    }
    int64_t blockIndex = layout.block(o, b, i);
    if (!finite) {
      // The whole block is NaN, as an OCP MX block with a NaN scale; its
      // microexponents and codes stay 0.
      result.exponents[blockIndex] = kE8M0NaN;
      return;
    }
    // An all-zero block, and blocks of tiny subnormals, take the least
    // exponent; every element of theirs is then below it.
    int shared = amax == 0.0f ? kMinScaleExponent
                              : std::max(exponentOf(amax), kMinScaleExponent);
    result.exponents[blockIndex] = encodeE8M0(shared);
    for (int64_t s = 0; s < int64_t(format.subBlocksPerBlock()); ++s) {
      auto [first, last] = layout.subBlockRange(b, s);
      float subMax = 0.0f;
      for (int64_t j = first; j < last; ++j)
        subMax = std::max(subMax, std::fabs(data[layout.element(o, j, i)]));
      // The microexponent: how far the sub-block's largest exponent is below
      // E, up to its largest value (an all-zero sub-block takes that).
      int micro = subMax == 0.0f
                      ? maxMicro
                      : std::min(shared - exponentOf(subMax), maxMicro);
      result.microexponents[layout.subBlock(o, b, s, i)] = uint8_t(micro);
      int step = shared - micro + 1 - m;
      for (int64_t j = first; j < last; ++j) {
        int64_t index = layout.element(o, j, i);
        int64_t magnitude =
            std::min(roundMagnitude(data[index], step, rounding), maxMagnitude);
        uint8_t sign = std::signbit(data[index]) ? uint8_t(1u << m) : 0;
        result.codes[index] = sign | uint8_t(magnitude);
      }
    }
  });
  return result;
}

float mlir::mx::numerics::decodeSharedMicroexponent(
    const SharedMicroexponentFormat &format, uint8_t code,
    uint8_t microexponent, uint8_t exponent) {
  if (exponent == kE8M0NaN)
    return std::numeric_limits<float>::quiet_NaN();
  int m = int(format.magnitudeBits);
  int step = e8m0Exponent(exponent) - int(microexponent) + 1 - m;
  float magnitude =
      std::ldexp(float(code & format.maxMagnitude()), step); // exact
  return (code >> m) & 1 ? -magnitude : magnitude;
}

std::vector<float> mlir::mx::numerics::dequantizeSharedMicroexponent(
    const SharedMicroexponentTensor &tensor) {
  const SharedMicroexponentFormat &format = tensor.format;
  AxisLayout layout(tensor.shape, tensor.axis, format);
  std::vector<float> result(tensor.numElements());
  layout.forEachBlock([&](int64_t o, int64_t b, int64_t i) {
    uint8_t exponent = tensor.exponents[layout.block(o, b, i)];
    for (int64_t s = 0; s < int64_t(format.subBlocksPerBlock()); ++s) {
      auto [first, last] = layout.subBlockRange(b, s);
      uint8_t micro = tensor.microexponents[layout.subBlock(o, b, s, i)];
      for (int64_t j = first; j < last; ++j) {
        int64_t index = layout.element(o, j, i);
        result[index] = decodeSharedMicroexponent(format, tensor.codes[index],
                                                  micro, exponent);
      }
    }
  });
  return result;
}

namespace {

/// Appends the low `width` bits of values to a bit stream, least
/// significant bit first.
struct BitWriter {
  uint8_t *out;
  unsigned position = 0;
  void put(unsigned value, unsigned width) {
    for (unsigned bit = 0; bit < width; ++bit, ++position)
      if ((value >> bit) & 1)
        out[position / 8] |= uint8_t(1u << (position % 8));
  }
};

struct BitReader {
  const uint8_t *in;
  unsigned position = 0;
  unsigned get(unsigned width) {
    unsigned value = 0;
    for (unsigned bit = 0; bit < width; ++bit, ++position)
      value |= unsigned((in[position / 8] >> (position % 8)) & 1) << bit;
    return value;
  }
};

} // namespace

std::vector<uint8_t> mlir::mx::numerics::packSharedMicroexponent(
    const SharedMicroexponentTensor &tensor) {
  const SharedMicroexponentFormat &format = tensor.format;
  AxisLayout layout(tensor.shape, tensor.axis, format);
  const unsigned microBytes =
      (format.subBlocksPerBlock() * format.microexponentBits + 7) / 8;
  std::vector<uint8_t> bytes(layout.numBlocks() * format.packedBlockBytes());
  int64_t next = 0; // blocks in row-major order of the block grid
  layout.forEachBlock([&](int64_t o, int64_t b, int64_t i) {
    uint8_t *out = bytes.data() + next++ * format.packedBlockBytes();
    out[0] = tensor.exponents[layout.block(o, b, i)];
    BitWriter micro{out + 1};
    BitWriter codes{out + 1 + microBytes};
    for (int64_t s = 0; s < int64_t(format.subBlocksPerBlock()); ++s) {
      micro.put(tensor.microexponents[layout.subBlock(o, b, s, i)],
                format.microexponentBits);
      auto [first, last] = layout.subBlockRange(b, s);
      for (int64_t j = first; j < last; ++j)
        codes.put(tensor.codes[layout.element(o, j, i)],
                  1 + format.magnitudeBits);
    }
  });
  return bytes;
}

SharedMicroexponentTensor mlir::mx::numerics::unpackSharedMicroexponent(
    const std::vector<uint8_t> &bytes, const SharedMicroexponentFormat &format,
    const std::vector<int64_t> &shape, int64_t axis) {
  AxisLayout layout(shape, axis, format);
  assert(int64_t(bytes.size()) ==
             layout.numBlocks() * int64_t(format.packedBlockBytes()) &&
         "not every block is there");
  const unsigned microBytes =
      (format.subBlocksPerBlock() * format.microexponentBits + 7) / 8;
  SharedMicroexponentTensor result = zeroTensor(layout, shape, axis);
  int64_t next = 0;
  layout.forEachBlock([&](int64_t o, int64_t b, int64_t i) {
    const uint8_t *in = bytes.data() + next++ * format.packedBlockBytes();
    result.exponents[layout.block(o, b, i)] = in[0];
    BitReader micro{in + 1};
    BitReader codes{in + 1 + microBytes};
    for (int64_t s = 0; s < int64_t(format.subBlocksPerBlock()); ++s) {
      result.microexponents[layout.subBlock(o, b, s, i)] =
          uint8_t(micro.get(format.microexponentBits));
      auto [first, last] = layout.subBlockRange(b, s);
      for (int64_t j = first; j < last; ++j)
        result.codes[layout.element(o, j, i)] =
            uint8_t(codes.get(1 + format.magnitudeBits));
    }
  });
  return result;
}
