//===- HalfRounding.h - f32 to bf16/f16, stochastically ---------*- C++ -*-===//
//
// The reference for 16-bit master weights rounded stochastically
// (mx-training-step master-rounding=stochastic): the rule of every
// stochastic rounding in the project, "round away from zero iff
// randomBits < frac * 2^32", where frac is the fraction of the 16-bit
// format's unit in the last place by which |x| exceeds the representable
// value toward zero. docs/Numerics.md states it.
//
//===----------------------------------------------------------------------===//

#ifndef MX_NUMERICS_HALFROUNDING_H
#define MX_NUMERICS_HALFROUNDING_H

#include <cstdint>

namespace mlir::mx::numerics {

enum class HalfFormat { BF16, F16 };

/// The bits of `x` rounded to `format` stochastically with `randomBits`.
/// Exact values stay; a result beyond the format's largest finite value is
/// Inf (as rounding to nearest would give); NaN gives the quiet NaN of x's
/// sign; subnormal results are kept.
uint16_t roundHalfStochastic(float x, HalfFormat format, uint32_t randomBits);

/// The value of the 16-bit `bits` in `format`, as a float (exact).
float decodeHalf(uint16_t bits, HalfFormat format);

} // namespace mlir::mx::numerics

#endif // MX_NUMERICS_HALFROUNDING_H
