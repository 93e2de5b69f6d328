/*===- mx-c/Numerics.h - C interface to the MX numerics reference --*- C -*-===*
 *
 * Plain C entry points over lib/Numerics, for runtimes and for the Python
 * package's tests (ctypes), which check their own code against it bit for bit.
 * Names: "e4m3" "e5m2" "e3m2" "e2m3" "e2m1" "int8" (and the two-level
 * "mx9" "mx6" "mx4"; NVFP4 has entry points of its own); scale rules "floor"
 * "ceil" "even" "rceil"; roundings "rne" "rtz" "stochastic".
 *
 *===----------------------------------------------------------------------===*/

#ifndef MX_C_NUMERICS_H
#define MX_C_NUMERICS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Quantizes the row-major f32 tensor `data` of shape `shape[0..rank)` with
 *  blocks `block[0..rank)`. Writes one element code per element to `codes`
 *  and one E8M0 scale per block, row-major over ceil(shape / block), to
 *  `scales`. `nonfinite` selects IEEE-style overflow instead of saturation.
 *  Returns 0, or -1 for an unknown or null name, an invalid shape or block
 *  (a size below 0, a block below 1, more elements than a 64-bit byte count
 *  holds), or a null array where there are elements. */
int mlirMXNumericsQuantize(const float *data, int64_t rank,
                           const int64_t *shape, const int64_t *block,
                           const char *format, const char *scaleRule,
                           const char *rounding, int nonfinite, uint64_t seed,
                           uint8_t *codes, uint8_t *scales);

/** The inverse: writes element * 2^scale (NaN for a NaN scale) to `out`.
 *  Returns 0, or -1 for an unknown or null format, an invalid shape or
 *  block, or a null array where there are elements. */
int mlirMXNumericsDequantize(const uint8_t *codes, const uint8_t *scales,
                             int64_t rank, const int64_t *shape,
                             const int64_t *block, const char *format,
                             float *out);

/** Quantizes the row-major f32 tensor `data` of shape `shape[0..rank)` in a
 *  two-level format with shared microexponents (`format` "mx9", "mx6" or
 *  "mx4"; mx/Numerics/SharedMicroexponent.h), in blocks of 16 along `axis`,
 *  rounding "rne" or "rtz". Writes one sign-magnitude code per element to
 *  `codes`; one microexponent per sub-block to `microexponents`, row-major
 *  over `shape` with shape[axis] replaced by ceil(shape[axis] / 16) * 8; and
 *  one E8M0 exponent per block to `exponents`, row-major over `shape` with
 *  shape[axis] replaced by ceil(shape[axis] / 16). Returns 0, or -1 for an
 *  unknown or null name, an invalid shape or axis, or a null array where
 *  there are elements. */
int mlirMXNumericsQuantizeSharedMicroexponent(
    const float *data, int64_t rank, const int64_t *shape, int64_t axis,
    const char *format, const char *rounding, uint8_t *codes,
    uint8_t *microexponents, uint8_t *exponents);

/** The inverse, exact in f32 (NaN for a block whose exponent is 0xFF). */
int mlirMXNumericsDequantizeSharedMicroexponent(
    const uint8_t *codes, const uint8_t *microexponents,
    const uint8_t *exponents, int64_t rank, const int64_t *shape, int64_t axis,
    const char *format, float *out);

/** The same quantization (`format` also any "m=M,k1=K1,k2=K2,d2=D2" of the
 *  family), stored as the compiled code stores it: every block, row-major
 *  over the block grid (`shape` with shape[axis] replaced by
 *  ceil(shape[axis] / K1)), as its packed bytes (18, 12, 8 for MX9, MX6,
 *  MX4): E, the microexponents, the element codes, bit-packed from the
 *  least significant bit. Returns 0 or -1 as above. */
int mlirMXNumericsQuantizeSharedMicroexponentPacked(
    const float *data, int64_t rank, const int64_t *shape, int64_t axis,
    const char *format, const char *rounding, uint8_t *blocks);

/** The inverse of the packed form, exact in f32. */
int mlirMXNumericsDequantizeSharedMicroexponentPacked(
    const uint8_t *blocks, int64_t rank, const int64_t *shape, int64_t axis,
    const char *format, float *out);

/** Quantizes the row-major f32 tensor `data` of shape `shape[0..rank)` to
 *  NVFP4 (mx/Numerics/NVFP4.h) in blocks of 16 along `axis`: one E2M1 code
 *  per element to `codes`, one E4M3 block scale per block to `blockScales`
 *  (row-major over `shape` with shape[axis] replaced by
 *  ceil(shape[axis] / 16)), and the f32 tensor scale to `*tensorScaleOut`:
 *  `*tensorScale` where `tensorScale` is not null (it must be positive and
 *  finite), else amax / 2688. Returns 0, or -1 for an invalid shape, axis or
 *  tensor scale, or a null array where there are elements. */
int mlirMXNumericsQuantizeNVFP4(const float *data, int64_t rank,
                                const int64_t *shape, int64_t axis,
                                const float *tensorScale, uint8_t *codes,
                                uint8_t *blockScales, float *tensorScaleOut);

/** The inverse: element * block scale * tensor scale, rounded once to f32. */
int mlirMXNumericsDequantizeNVFP4(const uint8_t *codes,
                                  const uint8_t *blockScales, float tensorScale,
                                  int64_t rank, const int64_t *shape,
                                  int64_t axis, float *out);

/** The random Hadamard transform (mx/Numerics/Hadamard.h), in place, of the
 *  row-major f32 tensor `data` of shape `shape[0..rank)` along `axis`,
 *  whose extent must be a multiple of 16: each block of 16 becomes
 *  (1/4) H16 D x with D the random signs of `seed`, or with `inverse`
 *  D (1/4) H16 x. Returns 0, or -1 for an invalid shape or axis, an extent
 *  that is not whole blocks, or a null array where there are elements. */
int mlirMXNumericsRandomHadamard(float *data, int64_t rank,
                                 const int64_t *shape, int64_t axis,
                                 uint64_t seed, int inverse);

/** Quantizes a row-major `rows` x `columns` f32 matrix to FP8 (`format`
 *  "e4m3" or "e5m2") with one f32 scale per `tileRows` x `tileColumns` tile
 *  (mx/Numerics/FloatScaled.h): scale rule "quotient" (amax / max) or
 *  "pow2" (the least power of two that fits). Writes one code per element
 *  to `codes` and the scales, row-major over the tile grid, to `scales`.
 *  Returns 0, or -1 for an unknown or null name, a negative size, a tile
 *  below 1, or a null array where there are elements. */
int mlirMXNumericsQuantizeFloatScaled(const float *data, int64_t rows,
                                      int64_t columns, int64_t tileRows,
                                      int64_t tileColumns, const char *format,
                                      const char *scaleRule, uint8_t *codes,
                                      float *scales);

/** The inverse: element * scale rounded once to f32. */
int mlirMXNumericsDequantizeFloatScaled(const uint8_t *codes,
                                        const float *scales, int64_t rows,
                                        int64_t columns, int64_t tileRows,
                                        int64_t tileColumns, const char *format,
                                        float *out);

/** Rounds `count` floats to bf16 (`format` "bf16") or f16 ("f16")
 *  stochastically, element i with `randomBits[i]` (mx/Numerics/HalfRounding.h),
 *  writing the 16-bit patterns to `out`. Returns 0, or -1 for an unknown or
 *  null format, a negative count, or a null array with a nonzero count. */
int mlirMXNumericsRoundHalfStochastic(const float *values,
                                      const uint32_t *randomBits, int64_t count,
                                      const char *format, uint16_t *out);

/** Bytes of the swizzled form (mx/Numerics/ScaleLayout.h: the layout of
 *  Blackwell's block-scaled MMAs and cuBLASLt) of a `rows` x `columns`
 *  matrix of one-byte scales, padding included; -1 for a negative extent. */
int64_t mlirMXNumericsSwizzledScaleBytes(int64_t rows, int64_t columns);

/** The row-major `rows` x `columns` byte matrix `rowMajor` in the swizzled
 *  layout (mlirMXNumericsSwizzledScaleBytes bytes to `swizzled`, padding
 *  zero), or with `inverse` the swizzled bytes back to the row-major matrix.
 *  Returns 0, or -1 for a negative extent or a null array. */
int mlirMXNumericsSwizzleScales(const uint8_t *from, int64_t rows,
                                int64_t columns, int inverse, uint8_t *to);

#ifdef __cplusplus
}
#endif

#endif /* MX_C_NUMERICS_H */
