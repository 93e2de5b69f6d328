//===- Scale.h - E8M0 shared scales and MX scale rules ----------*- C++ -*-===//
//
// The shared block scale of OCP MX: an E8M0 power of two, and the rules that
// choose it from a block's largest magnitude (docs/Numerics.md).
//
//===----------------------------------------------------------------------===//

#ifndef MX_NUMERICS_SCALE_H
#define MX_NUMERICS_SCALE_H

#include "mx/Numerics/ElementFormat.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace mlir::mx::numerics {

/// How a block's shared exponent is derived from its largest magnitude.
enum class ScaleRule : uint8_t {
  Floor, ///< OCP: 2^(floor(log2 amax) - emax); the largest element may saturate
  Ceil,  ///< 2^(ceil(log2 amax) - emax)
  Even,  ///< round amax's significand to the element width (ties away), then
         ///< Floor
  RCeil, ///< 2^ceil(log2(amax / max)): never saturates an element
};

std::optional<ScaleRule> parseScaleRule(std::string_view name);

/// Whether quantizing the values of a block that `rule` and `rounding`
/// quantized, again with them, gives the same scale and elements. `Floor`
/// derives the exponent from amax's binade alone, which the block's largest
/// element keeps under every rounding (its binade's least value 2^emax is
/// representable; saturation stays above it). `Even` rounds amax's
/// significand first and can move amax up a binade (a larger scale); then
/// only round-to-nearest-even carries the largest element up to 2^emax with
/// it, while toward-zero and stochastic rounding can leave it below, and the
/// second quantization picks the smaller scale. `Ceil` and `RCeil` can shrink
/// the scale when the largest element rounded down. (The numerics fuzzer
/// found the `Even` case with toward-zero rounding.)
inline constexpr bool isRequantizationIdempotent(ScaleRule rule,
                                                 Rounding rounding) {
  return rule == ScaleRule::Floor ||
         (rule == ScaleRule::Even && rounding == Rounding::NearestEven);
}

/// E8M0: bias 127, codes 0x00..0xFE are 2^-127..2^127, 0xFF is NaN.
inline constexpr uint8_t kE8M0NaN = 0xFF;
inline constexpr int kE8M0Bias = 127;
inline constexpr int kMinScaleExponent = -127;
inline constexpr int kMaxScaleExponent = 127;

/// The value of an E8M0 code: 2^(code-127), or NaN for 0xFF.
double decodeE8M0(uint8_t code);

/// The E8M0 code of 2^exponent; `exponent` is clamped to [-127, 127].
uint8_t encodeE8M0(int exponent);

/// The unbiased exponent of a non-NaN E8M0 code.
inline int e8m0Exponent(uint8_t code) { return int(code) - kE8M0Bias; }

/// The E8M0 scale of a block whose largest magnitude is `amax`. A NaN or Inf
/// amax gives NaN (0xFF); amax == 0 (an all-zero block) is taken as 2^-126.
/// Subnormal amax is not flushed. The exponent is clamped to [-127, 127].
uint8_t computeScale(ElementFormat format, ScaleRule rule, float amax);

} // namespace mlir::mx::numerics

#endif // MX_NUMERICS_SCALE_H
