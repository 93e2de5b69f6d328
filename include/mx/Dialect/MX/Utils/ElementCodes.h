//===- ElementCodes.h - Scalar arith IR for MX element codes ----*- C++ -*-===//
//
// Builders that emit, as arith ops, the exact element arithmetic of
// lib/Numerics: rounding a value against a power-of-two scale to an element
// code, decoding a code, and the Philox bits of stochastic rounding. Integer
// ops on f32 bits only: no division, no runtime call, no narrow-float truncf.
// Operands are scalars (linalg bodies, GPU threads) or vectors of one shape
// (the CPU kernels), except where a builder says scalar.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_UTILS_ELEMENTCODES_H
#define MX_DIALECT_MX_UTILS_ELEMENTCODES_H

#include "mx/Numerics/ElementFormat.h"
#include "mx/Numerics/Scale.h"

#include "mlir/IR/Builders.h"

namespace mlir::mx {

/// The options of one element encoding, as lib/Numerics takes them.
struct EncodeOptions {
  numerics::ElementFormat format;
  numerics::Rounding rounding;
  numerics::Saturation saturation;
};

/// The E8M0 code (i32, 0..255) of a scale element of type f8E8M0FNU.
Value buildScaleCode(OpBuilder &b, Location loc, Value scale);

/// The E8M0 scale (an f8E8M0FNU value) that `rule` derives from a block's
/// largest magnitude `amax` (a non-negative f32 or NaN), as lib/Numerics'
/// computeScale does: integer ops on amax's bits, no division.
Value buildScaleFromAmax(OpBuilder &b, Location loc, Value amax,
                         numerics::ElementFormat format,
                         numerics::ScaleRule rule);

/// The i32 element code (low `bits` bits) of `value` (f32) divided by the
/// E8M0 scale `scale` (i32 holding the code 0..255). A NaN scale gives code 0.
/// `randomBits` (i32) is used by stochastic rounding only.
Value buildEncodeElement(OpBuilder &b, Location loc, Value value, Value scale,
                         Value randomBits, const EncodeOptions &options);

/// buildEncodeElement for rounding to nearest even, in about a third of the
/// ops: `value` times the inverse scale (exact), rounded to the element grid
/// by the f32 adder (adding and subtracting 2^(quantum exponent + 23)), and
/// the code read off the result's bits. Only for values whose block scale
/// was computed from them: a finite scale then implies a finite value (a
/// block with NaN or Inf gets the NaN scale, whose codes are 0 here too).
Value buildEncodeElementNearest(OpBuilder &b, Location loc, Value value,
                                Value scale, numerics::ElementFormat format,
                                numerics::Saturation saturation);

/// The f32 value of element code `code` (i32) times the E8M0 scale `scale`
/// (i32 code): exact unless beyond f32's range; NaN for a NaN scale.
Value buildDecodeElement(OpBuilder &b, Location loc, Value code, Value scale,
                         numerics::ElementFormat format);

/// buildDecodeElement at unit scale in fewer ops: a normal code's exponent
/// and mantissa bits moved into an f32's and rebiased by an integer add, a
/// subnormal code's mantissa converted and scaled, NaN/Inf codes selected
/// apart. INT8: k / 64.
Value buildDecodeUnitElement(OpBuilder &b, Location loc, Value code,
                             numerics::ElementFormat format);

/// The value of the scalar `value`, of type f8E4M3FN or f8E5M2, as `to`
/// (f32 or wider exactly; f16 and bf16 hold every FP8 value too).
Value buildExtendFP8(OpBuilder &b, Location loc, Value value, FloatType to);

/// The scalar `value` (f32, f16 or bf16) rounded to `fp8` (f8E4M3FN or
/// f8E5M2) with `rounding` and `saturation`: the element arithmetic of a
/// unit scale. `randomBits` (i32) is used by stochastic rounding only.
Value buildRoundToFP8(OpBuilder &b, Location loc, Value value, FloatType fp8,
                      numerics::Rounding rounding,
                      numerics::Saturation saturation, Value randomBits);

/// The scalar `value` (f32) rounded to `to` (bf16 or f16) stochastically
/// with `randomBits` (i32), as numerics::roundHalfStochastic: on the f32's
/// bits, except below f16's normal range, where the grid is 2^-24.
Value buildRoundHalfStochastic(OpBuilder &b, Location loc, Value value,
                               Value randomBits, FloatType to);

/// The f32 value 2^(code - 127) of an E8M0 code (i32, 0..255): code 0 is
/// the f32 subnormal 2^-127, 0xFF is NaN.
Value buildScaleValue(OpBuilder &b, Location loc, Value code);

/// 2^e as f32 for `e` (i32) in the normal range [-126, 127]: the exponent
/// field built directly, no arithmetic on floats.
Value buildPowerOfTwo(OpBuilder &b, Location loc, Value e);

/// Philox4x32-10 word 0 for counter (index, 0, 0) and key `seed`, as i32:
/// the stochastic-rounding bits of the element at linear `index` (i64).
Value buildStochasticBits(OpBuilder &b, Location loc, Value index,
                          uint64_t seed);

} // namespace mlir::mx

#endif // MX_DIALECT_MX_UTILS_ELEMENTCODES_H
