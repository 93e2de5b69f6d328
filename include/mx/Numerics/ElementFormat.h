//===- ElementFormat.h - MX element formats: encode, decode -----*- C++ -*-===//
//
// The element formats of OCP MX v1.0 (FP8 E4M3/E5M2, FP6 E3M2/E2M3, FP4 E2M1,
// INT8) as plain C++: their parameters, and exact conversion between a real
// value and an element code under each rounding and saturation mode. This is
// the project's numeric reference; it depends on nothing from LLVM or MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef MX_NUMERICS_ELEMENTFORMAT_H
#define MX_NUMERICS_ELEMENTFORMAT_H

#include <cstdint>
#include <optional>
#include <string_view>

namespace mlir::mx::numerics {

/// An MX element format. The FP formats keep subnormals and signed zero.
enum class ElementFormat : uint8_t { E4M3, E5M2, E3M2, E2M3, E2M1, INT8 };

inline constexpr ElementFormat kAllElementFormats[] = {
    ElementFormat::E4M3, ElementFormat::E5M2, ElementFormat::E3M2,
    ElementFormat::E2M3, ElementFormat::E2M1, ElementFormat::INT8};

/// How a value that falls between two representable elements is rounded.
enum class Rounding : uint8_t {
  NearestEven, ///< round to nearest, ties to even (the MX default)
  TowardZero,  ///< truncate the magnitude
  Stochastic,  ///< round up with probability equal to the remainder
};

/// What a finite value beyond the largest element becomes.
enum class Saturation : uint8_t {
  Saturate, ///< clamp to +-max, keeping the sign (the MX rule)
  NonFinite ///< IEEE-style: Inf (E5M2) or NaN (E4M3); only for FP8
};

/// The fixed parameters of an element format.
struct FormatInfo {
  const char *name;      ///< short name: "e4m3", ..., "int8"
  unsigned bits;         ///< storage width of one element
  unsigned exponentBits; ///< 0 for INT8
  unsigned mantissaBits; ///< fraction bits (INT8: 6, as k/64 has 6)
  int bias;              ///< exponent bias (0 for INT8)
  bool hasInf;
  bool hasNaN;
  int emax;         ///< exponent of the largest power of two (emax_elem)
  double maxNormal; ///< largest finite magnitude
};

const FormatInfo &getFormatInfo(ElementFormat format);

/// Parses a short name ("e4m3", "e5m2", "e3m2", "e2m3", "e2m1", "int8").
std::optional<ElementFormat> parseElementFormat(std::string_view name);

/// The value of an element code (its low `bits` bits). NaN codes give a quiet
/// NaN, E5M2's Inf codes give +-Inf; INT8 codes are two's complement k/64.
double decodeElement(ElementFormat format, uint8_t code);

/// Converts `value` to an element code. Every f32 value, and every f32 value
/// divided by a power of two, is exact in a double, so this is the single
/// rounding step of MX quantization. `randomBits` is used only by
/// Rounding::Stochastic: the value rounds up when randomBits < rem * 2^32.
/// NaN encodes as the format's NaN, or +0 in formats without NaN (an MX block
/// holding NaN carries it in its scale); Inf encodes as Inf, NaN or +-max
/// following `saturation`, as a finite overflow does.
uint8_t encodeElement(ElementFormat format, double value, Rounding rounding,
                      Saturation saturation, uint32_t randomBits = 0);

} // namespace mlir::mx::numerics

#endif // MX_NUMERICS_ELEMENTFORMAT_H
