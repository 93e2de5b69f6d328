//===- FloatScaleCodes.h - Scalar arith IR for f32 tile scales --*- C++ -*-===//
//
// Builders that emit, as arith ops, the arithmetic of
// lib/Numerics/FloatScaled (FP8 elements with an f32 scale per tile, the
// DeepSeek-V3 block scaling): the scale of a tile from its amax, an element
// divided by its scale and rounded once, and an element times its scale
// rounded once. Where the numerics library computes in double, so do they:
// an f32 quotient or product could round twice. The element builders take
// scalars or vectors of one shape (the CPU kernel); the scale builder a
// scalar.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_UTILS_FLOATSCALECODES_H
#define MX_DIALECT_MX_UTILS_FLOATSCALECODES_H

#include "mx/Numerics/ElementFormat.h"
#include "mx/Numerics/FloatScaled.h"

#include "mlir/IR/Builders.h"

namespace mlir::mx {

/// The f32 scale that `rule` derives from a tile's largest magnitude `amax`
/// (f32; NaN or Inf where the tile holds a non-finite value, which gives the
/// NaN scale): 1 for amax 0, else amax / max (f32 division, at least 2^-149)
/// or the least power of two s with amax <= max * s (at least 2^-149).
Value buildFloatScaleFromAmax(OpBuilder &b, Location loc, Value amax,
                              numerics::ElementFormat format,
                              numerics::FloatScaleRule rule);

/// The i32 code (0..255) of `value` (f32) / `scale` (f32, the same shape), the
/// double quotient rounded once to `format` (E4M3 or E5M2), nearest even,
/// saturating; code 0 under a NaN scale.
Value buildEncodeFloatScaled(OpBuilder &b, Location loc, Value value,
                             Value scale, numerics::ElementFormat format);

/// buildEncodeFloatScaled's codes for a tile scale computed from its own
/// elements (finite, positive), in f32 arithmetic: the f32 quotient q and
/// its remainder x - q * scale (exact, by one fma) make q the quotient
/// rounded to odd, which rounds once to FP8; a scale below 2^-64 first
/// moves x and the scale up by 2^64, exactly, so the remainder cannot
/// underflow. About three times faster than the double division.
Value buildEncodeTileScaled(OpBuilder &b, Location loc, Value value,
                            Value scale, numerics::ElementFormat format);

/// The FP8 element `code` (i32) times `scale` (f32), exact in double and
/// rounded once to `to` (f32, f16 or bf16); NaN under a NaN scale.
Value buildDecodeFloatScaled(OpBuilder &b, Location loc, Value code,
                             Value scale, numerics::ElementFormat format,
                             FloatType to);

/// |x| as f32 (x f32, f16 or bf16, scalar or vector), 0 where x is NaN or
/// Inf: what NVFP4's tensor scale takes the largest of (non-finite values
/// belong to blocks with NaN scales).
Value buildFiniteMagnitude(OpBuilder &b, Location loc, Value x);

/// NVFP4's tensor scale from the largest finite magnitude `amax` (f32) of
/// the tensor: amax / 2688 in one f32 division, at least f32's least
/// subnormal, and 1 for amax 0 (lib/Numerics/NVFP4).
Value buildNVFP4TensorScale(OpBuilder &b, Location loc, Value amax);

/// NVFP4's E4M3 block scale (an f8E4M3FN scalar) of a block whose largest
/// magnitude is `amax` (f32; NaN or Inf where the block holds a non-finite
/// value, which gives the NaN code 0x7F) under the f32 tensor scale
/// `tensorScale`: amax / (6 S) in double, rounded once to E4M3, nearest
/// even, saturating at 448 (lib/Numerics/NVFP4).
Value buildNVFP4BlockScale(OpBuilder &b, Location loc, Value amax,
                           Value tensorScale);

/// buildNVFP4BlockScale's E4M3 code as i32, for scalars or vectors (`amax`
/// and `tensorScale` of one shape).
Value buildNVFP4BlockScaleCode(OpBuilder &b, Location loc, Value amax,
                               Value tensorScale);

/// The seven f32 thresholds that round |x| / (block scale * S) to E2M1:
/// the midpoints m_c between codes c and c + 1 times the step, each exact
/// in double (at most 3 + 4 + 24 significant bits), rounded toward the side
/// that keeps an f32 comparison exact: for an f32 x and a real T, x > T
/// iff x > RD(T) (even c: a tie stays down), and x >= T iff x >= RU(T) (odd
/// c: a tie goes up to the even code). Shaped like `blockScale` (the E4M3
/// value, f32) and `tensorScale` (f32).
struct NVFP4Thresholds {
  /// NaN (no comparison passes) where the step block scale * S is zero or
  /// NaN.
  SmallVector<Value, 7> bounds;
  /// i32: the sign bit a negative element gets, 0x8; 0 under a NaN step.
  Value signBit;
};
NVFP4Thresholds buildNVFP4Thresholds(OpBuilder &b, Location loc,
                                     Value blockScale, Value tensorScale);

/// The i32 E2M1 code of `value` (f32, or a vector of f32; the thresholds
/// shaped like it): the count of thresholds |value| passes, with `value`'s
/// sign; a signed zero under a zero step, code 0 under a NaN one.
Value buildEncodeNVFP4(OpBuilder &b, Location loc, Value value,
                       const NVFP4Thresholds &thresholds);

/// The i32 E2M1 code of `value` (f32, or a vector of f32) / (`blockScale`
/// * `tensorScale`) (f32, shaped like `value`; the block scale's
/// E4M3 value): the exact quotient rounded once, nearest even, saturating
/// (the two functions above, no division); a zero with `value`'s sign
/// under a zero step; code 0 under a NaN block scale.
Value buildEncodeNVFP4(OpBuilder &b, Location loc, Value value,
                       Value blockScale, Value tensorScale);

/// The E2M1 element `code` (i32) times `blockScale` (f32, exact) times
/// `tensorScale` (f32), rounded once to `to` (f32, f16 or bf16); NaN under
/// a NaN block scale.
Value buildDecodeNVFP4(OpBuilder &b, Location loc, Value code, Value blockScale,
                       Value tensorScale, FloatType to);

} // namespace mlir::mx

#endif // MX_DIALECT_MX_UTILS_FLOATSCALECODES_H
