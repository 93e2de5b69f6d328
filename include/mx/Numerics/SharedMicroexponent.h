//===- SharedMicroexponent.h - Two-level block formats (MX9/6/4) -*- C++
//-*-===//
//
// Block floating point with two levels of shared exponent (shared
// microexponents, arXiv 2302.08007): a block of k1 elements shares an 8-bit
// exponent E; each sub-block of k2 elements shares a d2-bit microexponent
// mu, which lowers its step by 2^mu; each element is a sign and an m-bit
// magnitude, an integer multiple of its sub-block's step
// 2^(E - mu + 1 - m). MX9, MX6 and MX4 are k1 = 16, k2 = 2, d2 = 1 with
// m = 7, 4 and 2: 9, 6 and 4 bits per element in all. The contract (and the
// NaN, Inf, zero and subnormal policy) is docs/Numerics.md's; like the rest of
// lib/Numerics this is the reference every lowering is compared with.
//
//===----------------------------------------------------------------------===//

#ifndef MX_NUMERICS_SHAREDMICROEXPONENT_H
#define MX_NUMERICS_SHAREDMICROEXPONENT_H

#include "mx/Numerics/ElementFormat.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mlir::mx::numerics {

/// The parameters of a two-level format.
struct SharedMicroexponentFormat {
  unsigned magnitudeBits = 7;     ///< m: element bits besides the sign
  unsigned blockSize = 16;        ///< k1: elements that share E
  unsigned subBlockSize = 2;      ///< k2: elements that share a microexponent
  unsigned microexponentBits = 1; ///< d2: bits of each microexponent

  /// The largest microexponent, 2^d2 - 1.
  unsigned maxMicroexponent() const { return (1u << microexponentBits) - 1; }
  /// The largest element magnitude, 2^m - 1.
  unsigned maxMagnitude() const { return (1u << magnitudeBits) - 1; }
  unsigned subBlocksPerBlock() const {
    return (blockSize + subBlockSize - 1) / subBlockSize;
  }
  /// Bytes of one packed block: E, then the microexponents, then the element
  /// codes, each bit-packed from the least significant bit.
  unsigned packedBlockBytes() const;
  /// The storage cost per element of a full block, in bits.
  double bitsPerElement() const;
  bool operator==(const SharedMicroexponentFormat &other) const {
    return magnitudeBits == other.magnitudeBits &&
           blockSize == other.blockSize && subBlockSize == other.subBlockSize &&
           microexponentBits == other.microexponentBits;
  }
};

inline constexpr SharedMicroexponentFormat kMX9{7, 16, 2, 1};
inline constexpr SharedMicroexponentFormat kMX6{4, 16, 2, 1};
inline constexpr SharedMicroexponentFormat kMX4{2, 16, 2, 1};

/// The formats known by name, the one list every parser and printer reads.
struct NamedSharedMicroexponentFormat {
  const char *name;
  SharedMicroexponentFormat format;
};
inline constexpr NamedSharedMicroexponentFormat
    kNamedSharedMicroexponentFormats[] = {
        {"mx9", kMX9}, {"mx6", kMX6}, {"mx4", kMX4}};

/// "mx9", "mx6" or "mx4" for those formats; null for any other.
const char *
nameOfSharedMicroexponentFormat(const SharedMicroexponentFormat &format);

/// Why `format` is not one this library handles, or "" when it is:
/// 1 <= m <= 7 (a code fits a byte), 1 <= k2 <= k1 <= 256,
/// 0 <= d2 <= 4 (every value stays exact in f32; d2 = 0 is one-level block
/// floating point).
std::string
verifySharedMicroexponentFormat(const SharedMicroexponentFormat &format);

/// "mx9", "mx6" or "mx4", or any valid format of the family spelled
/// "m=M,k1=K1,k2=K2,d2=D2" (e.g. "m=7,k1=16,k2=2,d2=1" is MX9).
std::optional<SharedMicroexponentFormat>
parseSharedMicroexponentFormat(std::string_view name);

/// A row-major tensor quantized in blocks along one axis. Element codes are
/// sign (bit m) and magnitude (bits 0..m-1); exponents are E8M0 codes (bias
/// 127, 0xFF for a NaN block), one per block, row-major over the block grid
/// (`shape` with the axis's extent d replaced by ceil(d / k1));
/// microexponents one per sub-block, row-major over `shape` with d replaced
/// by ceil(d / k1) * (sub-blocks per block). A last, partial block along the
/// axis holds fewer elements, and its sub-blocks the ones that remain.
struct SharedMicroexponentTensor {
  SharedMicroexponentFormat format;
  std::vector<int64_t> shape;
  int64_t axis = 0;
  std::vector<uint8_t> codes;
  std::vector<uint8_t> microexponents;
  std::vector<uint8_t> exponents;

  int64_t numElements() const;
};

/// Quantizes the row-major f32 tensor `data` of `shape` in blocks along
/// `axis`. Rounding is NearestEven or TowardZero (of the magnitude).
SharedMicroexponentTensor
quantizeSharedMicroexponent(const float *data,
                            const std::vector<int64_t> &shape, int64_t axis,
                            const SharedMicroexponentFormat &format,
                            Rounding rounding = Rounding::NearestEven);

/// Dequantizes to f32, exactly: every value of these formats is an f32.
/// Every element of a NaN block is NaN.
std::vector<float>
dequantizeSharedMicroexponent(const SharedMicroexponentTensor &tensor);

/// The value of one element: sign and magnitude times 2^(E - mu + 1 - m).
float decodeSharedMicroexponent(const SharedMicroexponentFormat &format,
                                uint8_t code, uint8_t microexponent,
                                uint8_t exponent);

/// The storage form: every block (row-major over the block grid) as
/// packedBlockBytes() bytes, partial blocks padded with zero codes.
std::vector<uint8_t>
packSharedMicroexponent(const SharedMicroexponentTensor &tensor);

/// The inverse of packSharedMicroexponent for a tensor of `shape` blocked
/// along `axis`; `bytes` must hold every block.
SharedMicroexponentTensor
unpackSharedMicroexponent(const std::vector<uint8_t> &bytes,
                          const SharedMicroexponentFormat &format,
                          const std::vector<int64_t> &shape, int64_t axis);

} // namespace mlir::mx::numerics

#endif // MX_NUMERICS_SHAREDMICROEXPONENT_H
