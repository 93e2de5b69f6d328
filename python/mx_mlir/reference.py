"""NumPy reference of the MX numerics: docs/Numerics.md, vectorized.

Element codes are uint8 (one per element, FP4/FP6 codes in the low bits);
scales are uint8 E8M0 codes, one per block, row-major over ceil(shape/block).
Every function here agrees bit for bit with lib/Numerics (the C++ reference),
which test/python/numerics-reference.py checks.
"""

import numpy as np

# name: (bits, exponent bits, mantissa bits, bias, has Inf, has NaN, emax, max)
FORMATS = {
    "e4m3": (8, 4, 3, 7, False, True, 8, 448.0),
    "e5m2": (8, 5, 2, 15, True, True, 15, 57344.0),
    "e3m2": (6, 3, 2, 3, False, False, 4, 28.0),
    "e2m3": (6, 2, 3, 1, False, False, 2, 7.5),
    "e2m1": (4, 2, 1, 1, False, False, 2, 6.0),
    "int8": (8, 0, 6, 0, False, False, 0, 127.0 / 64),
}
SCALE_RULES = ("floor", "ceil", "even", "rceil")
ROUNDINGS = ("rne", "rtz", "stochastic")
SATURATIONS = ("saturate", "nonfinite")
E8M0_NAN = 0xFF
_MASK32 = np.uint64(0xFFFFFFFF)


def _info(fmt):
    if fmt not in FORMATS:
        raise ValueError(f"unknown MX element format {fmt!r}; expected one of {sorted(FORMATS)}")
    return FORMATS[fmt]


# ---------------------------------------------------------------------------
# Elements
# ---------------------------------------------------------------------------

def _decode_fp(fmt, codes):
    bits, ebits, mbits, bias, has_inf, has_nan, _, _ = _info(fmt)
    codes = codes.astype(np.int64) & ((1 << bits) - 1)
    negative = (codes >> (bits - 1)) & 1
    exponent = (codes >> mbits) & ((1 << ebits) - 1)
    mantissa = codes & ((1 << mbits) - 1)
    top = (1 << ebits) - 1
    subnormal = np.ldexp(mantissa.astype(np.float64), 1 - bias - mbits)
    normal = np.ldexp((mantissa | (1 << mbits)).astype(np.float64),
                      (exponent - bias - mbits).astype(np.int32))
    magnitude = np.where(exponent == 0, subnormal, normal)
    if has_inf:
        magnitude = np.where(exponent == top,
                             np.where(mantissa == 0, np.inf, np.nan), magnitude)
    elif has_nan:
        magnitude = np.where((exponent == top) & (mantissa == (1 << mbits) - 1),
                             np.nan, magnitude)
    return np.where(negative == 1, -magnitude, magnitude)


def decode(fmt, codes):
    """The float64 value of each element code."""
    codes = np.asarray(codes, dtype=np.uint8)
    if fmt == "int8":
        _info(fmt)
        return codes.view(np.int8).astype(np.float64) / 64
    return _decode_fp(fmt, codes)


def _finite_magnitudes(fmt):
    """Finite non-negative values by code; codes ascend with the value."""
    bits = _info(fmt)[0]
    values = _decode_fp(fmt, np.arange(1 << (bits - 1)))
    return values[np.isfinite(values)]


def _round_magnitude(n, rounding, random_bits):
    floor = np.floor(n)
    remainder = n - floor
    if rounding == "rne":
        up = (remainder > 0.5) | ((remainder == 0.5) & (np.fmod(floor, 2) == 1))
    elif rounding == "rtz":
        up = np.zeros(n.shape, dtype=bool)
    elif rounding == "stochastic":
        up = random_bits.astype(np.float64) < remainder * 4294967296.0
    else:
        raise ValueError(f"unknown rounding {rounding!r}; expected one of {ROUNDINGS}")
    return floor + up


def encode(fmt, values, rounding="rne", saturation="saturate", random_bits=None):
    """Element codes of float64 `values` (rounded once, as lib/Numerics does)."""
    bits, ebits, mbits, bias, has_inf, has_nan, _, max_normal = _info(fmt)
    if saturation not in SATURATIONS:
        raise ValueError(f"unknown saturation {saturation!r}; expected one of {SATURATIONS}")
    values = np.asarray(values, dtype=np.float64)
    if random_bits is None:
        random_bits = np.zeros(values.shape, dtype=np.uint32)
    with np.errstate(invalid="ignore", over="ignore"):
        magnitude = np.abs(values)
        nan = np.isnan(values)
        finite_magnitude = np.where(np.isfinite(values), magnitude, 0.0)
        if fmt == "int8":
            k = _round_magnitude(finite_magnitude * 64, rounding, random_bits)
            k = np.where(np.isinf(values), 127.0, np.minimum(k, 127.0))
            k = np.where(np.signbit(values), -k, k)
            return np.where(nan, 0, k).astype(np.int64).astype(np.uint8)

        min_normal_exp = 1 - bias
        _, frexp_exp = np.frexp(finite_magnitude)
        exponent = np.maximum(frexp_exp - 1, min_normal_exp)
        quantum = np.ldexp(1.0, (exponent - mbits).astype(np.int32))
        rounded = _round_magnitude(finite_magnitude / quantum, rounding, random_bits) * quantum
        overflow = np.isinf(values) | (rounded > max_normal)
        table = _finite_magnitudes(fmt)
        code = np.searchsorted(table, np.minimum(rounded, max_normal)).astype(np.int64)
        max_code = len(table) - 1
        if saturation == "nonfinite" and rounding != "rtz" and (has_inf or has_nan):
            all_ones = (1 << (bits - 1)) - 1
            special = ((1 << ebits) - 1) << mbits if has_inf else all_ones
            code = np.where(overflow, special, code)
        else:
            code = np.where(overflow, max_code, code)
        code = code | (np.signbit(values).astype(np.int64) << (bits - 1))
        if has_nan:
            nan_code = (1 << (bits - 1)) - (2 if has_inf else 1)
            code = np.where(nan, nan_code | (np.signbit(values).astype(np.int64) << (bits - 1)), code)
        else:
            code = np.where(nan, 0, code)
        return code.astype(np.uint8)


# ---------------------------------------------------------------------------
# Scales
# ---------------------------------------------------------------------------

def decode_e8m0(codes):
    codes = np.asarray(codes, dtype=np.uint8)
    values = np.ldexp(1.0, codes.astype(np.int32) - 127)
    return np.where(codes == E8M0_NAN, np.nan, values)


def compute_scale(fmt, scale_rule, amax):
    """E8M0 scale codes for blocks whose largest magnitudes are `amax` (f32)."""
    _, _, mbits, _, _, _, emax, max_normal = _info(fmt)
    amax = np.abs(np.asarray(amax, dtype=np.float32).astype(np.float64))
    special = ~np.isfinite(amax)
    amax = np.where(special, 1.0, np.where(amax == 0, 2.0 ** -126, amax))
    fraction, frexp_exp = np.frexp(amax)
    exponent = frexp_exp.astype(np.int64) - 1
    significand = fraction * 2
    if scale_rule == "floor":
        scale = exponent - emax
    elif scale_rule == "ceil":
        scale = exponent + (significand > 1) - emax
    elif scale_rule == "even":
        steps = float(1 << mbits)
        rounded = np.floor(significand * steps + 0.5) / steps
        scale = exponent + (rounded >= 2) - emax
    elif scale_rule == "rceil":
        max_fraction, max_exp = np.frexp(max_normal)
        scale = exponent - (max_exp - 1) + (significand > max_fraction * 2)
    else:
        raise ValueError(f"unknown scale rule {scale_rule!r}; expected one of {SCALE_RULES}")
    codes = np.clip(scale, -127, 127) + 127
    return np.where(special, E8M0_NAN, codes).astype(np.uint8)


# ---------------------------------------------------------------------------
# Stochastic rounding bits: Philox4x32-10 keyed by seed, counted by index
# ---------------------------------------------------------------------------

def philox4x32(counter, key):
    """Ten rounds of Philox4x32 on arrays: counter is 4 arrays, key 2 ints."""
    c0, c1, c2, c3 = (np.asarray(c, dtype=np.uint64) & _MASK32 for c in counter)
    k0, k1 = np.uint64(key[0]) & _MASK32, np.uint64(key[1]) & _MASK32
    for _ in range(10):
        p0 = c0 * np.uint64(0xD2511F53)
        p1 = c2 * np.uint64(0xCD9E8D57)
        c0, c1, c2, c3 = (((p1 >> np.uint64(32)) ^ c1 ^ k0) & _MASK32, p1 & _MASK32,
                          ((p0 >> np.uint64(32)) ^ c3 ^ k1) & _MASK32, p0 & _MASK32)
        k0 = (k0 + np.uint64(0x9E3779B9)) & _MASK32
        k1 = (k1 + np.uint64(0xBB67AE85)) & _MASK32
    return tuple(c.astype(np.uint32) for c in (c0, c1, c2, c3))


def stochastic_bits(seed, linear_indices):
    indices = np.asarray(linear_indices, dtype=np.uint64)
    zeros = np.zeros_like(indices)
    return philox4x32((indices & _MASK32, indices >> np.uint64(32), zeros, zeros),
                      (seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF))[0]


# ---------------------------------------------------------------------------
# Random Hadamard transform in blocks of 16 (mx/Numerics/Hadamard.h)
# ---------------------------------------------------------------------------

HADAMARD_BLOCK = 16


def hadamard_signs(seed):
    """The random signs of D: element j negative where bit 31 of
    Philox4x32-10(counter = j, key = seed) is set."""
    bits = stochastic_bits(seed, np.arange(HADAMARD_BLOCK))
    return np.where(bits >> np.uint32(31), np.float32(-1), np.float32(1))


def random_hadamard(x, seed, axis=-1, inverse=False):
    """(1/4) H16 D x in blocks of 16 along `axis` (or D (1/4) H16 x), in f32
    with the butterflies of the fast Walsh-Hadamard transform in the
    reference's order: h = 1, 2, 4, 8, (a, b) -> (a + b, a - b)."""
    x = np.moveaxis(np.array(x, dtype=np.float32), axis, -1)
    if x.shape[-1] % HADAMARD_BLOCK:
        raise ValueError(f"the extent {x.shape[-1]} along the axis is not a multiple of 16")
    blocks = x.reshape(x.shape[:-1] + (-1, HADAMARD_BLOCK))
    signs = hadamard_signs(seed)
    if not inverse:
        blocks = blocks * signs
    h = 1
    while h < HADAMARD_BLOCK:
        pairs = blocks.reshape(blocks.shape[:-1] + (HADAMARD_BLOCK // (2 * h), 2, h))
        a, b = pairs[..., 0, :], pairs[..., 1, :]
        blocks = np.stack([a + b, a - b], axis=-2).reshape(blocks.shape)
        h *= 2
    blocks = blocks * np.float32(0.25)
    if inverse:
        blocks = blocks * signs
    return np.moveaxis(blocks.reshape(x.shape), -1, axis)


# ---------------------------------------------------------------------------
# Tensors
# ---------------------------------------------------------------------------

def block_shape(shape, block, axis):
    """One block size per dimension, from a size along `axis` or a tuple."""
    if np.isscalar(block):
        if not is_integer(axis):
            raise ValueError(f"axis must be an integer, got {axis!r}")
        if not -len(shape) <= axis < len(shape):
            raise ValueError(f"axis {axis} is out of range for a rank-{len(shape)} array")
        full = [1] * len(shape)
        full[axis % len(shape)] = _block_size(block)
        return tuple(full)
    if len(block) != len(shape):
        raise ValueError(f"expected one block size per dimension ({len(shape)}), got {len(block)}")
    return tuple(_block_size(b) for b in block)


def is_integer(value):
    """A Python or NumPy integer, and not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _block_size(size):
    """A block size: an integer from 1 to 2^63 - 1."""
    if not is_integer(size) or not 1 <= size < 2**63:
        raise ValueError(f"block sizes must be integers from 1 to 2^63 - 1, got {size!r}")
    return int(size)


def storage_shape(shape, fmt):
    """The element storage of a lowered tensor: FP4 two codes per byte along
    the innermost dimension, every other format one byte per element."""
    shape = list(shape)
    if fmt == "e2m1":
        shape[-1] = -(-shape[-1] // 2)
    return tuple(shape)


def scales_shape(shape, block):
    """ceil(shape / block) per dimension: the shape of the block scales."""
    return tuple(-(-s // b) for s, b in zip(shape, block))


def _expand(per_block, shape, block):
    """Repeat each block's value over its elements, cropped to `shape`."""
    out = per_block
    for d, b in enumerate(block):
        out = np.repeat(out, b, axis=d)
    return out[tuple(slice(0, s) for s in shape)]


def _split_blocks(x, block):
    """`x` zero-padded to whole blocks and viewed as (grid_0, block_0, grid_1,
    block_1, ...); and the grid."""
    grid = scales_shape(x.shape, block)
    padded = np.zeros(tuple(g * b for g, b in zip(grid, block)), dtype=x.dtype)
    padded[tuple(slice(0, s) for s in x.shape)] = x
    return padded.reshape([v for g, b in zip(grid, block) for v in (g, b)]), grid


def _split_along(x, axis, size):
    """`x` with `axis` moved last, zero-padded to whole blocks of `size` and
    viewed as (..., blocks, size)."""
    moved = np.moveaxis(x, axis, -1)
    block = (1,) * (moved.ndim - 1) + (size,)
    split, grid = _split_blocks(moved, block)
    return split.reshape(moved.shape[:-1] + (grid[-1], size))


def quantize(x, fmt, block=32, axis=-1, scale_rule="floor", rounding="rne",
             saturation="saturate", seed=0):
    """(codes, scales) of an f32 array. `block` is a size along `axis`, or one
    size per dimension (2-D blocks); partial last blocks are allowed."""
    x = np.asarray(x, dtype=np.float32)
    block = block_shape(x.shape, block, axis)
    split, _ = _split_blocks(x, block)
    amax = np.max(np.abs(split), axis=tuple(range(1, 2 * len(block), 2)))
    scales = compute_scale(fmt, scale_rule, amax)
    element_scales = _expand(scales, x.shape, block)
    nan_block = element_scales == E8M0_NAN
    scaled = np.ldexp(x.astype(np.float64), 127 - element_scales.astype(np.int32))
    random_bits = None
    if rounding == "stochastic":
        random_bits = stochastic_bits(seed, np.arange(x.size, dtype=np.uint64).reshape(x.shape))
    codes = encode(fmt, np.where(nan_block, 0.0, scaled), rounding, saturation, random_bits)
    return np.where(nan_block, 0, codes).astype(np.uint8), scales


def dequantize(codes, scales, fmt, block=32, axis=-1, dtype=np.float32):
    """element * 2^scale, rounded to `dtype`; NaN where the scale is NaN."""
    codes = np.asarray(codes, dtype=np.uint8)
    block = block_shape(codes.shape, block, axis)
    element_scales = _expand(np.asarray(scales, dtype=np.uint8), codes.shape, block)
    with np.errstate(over="ignore"):
        values = np.ldexp(decode(fmt, codes), element_scales.astype(np.int32) - 127)
        values = np.where(element_scales == E8M0_NAN, np.nan, values)
        return values.astype(dtype)


# ---------------------------------------------------------------------------
# Two-level formats: shared microexponents (MX9, MX6, MX4)
# ---------------------------------------------------------------------------

# name: (magnitude bits m, block k1, sub-block k2, microexponent bits d2)
SHARED_MICROEXPONENT_FORMATS = {
    "mx9": (7, 16, 2, 1),
    "mx6": (4, 16, 2, 1),
    "mx4": (2, 16, 2, 1),
}


def _shared_microexponent_info(fmt):
    """(m, k1, k2, d2) of "mx9", "mx6", "mx4" or "m=M,k1=K1,k2=K2,d2=D2"."""
    if fmt in SHARED_MICROEXPONENT_FORMATS:
        return SHARED_MICROEXPONENT_FORMATS[fmt]
    fields = dict(part.partition("=")[::2] for part in str(fmt).split(","))
    try:
        m, k1, k2, d2 = (int(fields[key]) for key in ("m", "k1", "k2", "d2"))
    except (KeyError, ValueError):
        m = None
    if (m is None or len(fields) != 4 or not 1 <= m <= 7 or not 1 <= k2 <= k1 <= 256
            or k1 % k2 or not 0 <= d2 <= 4):
        raise ValueError(f"unknown two-level format {fmt!r}; expected one of "
                         f"{sorted(SHARED_MICROEXPONENT_FORMATS)} or 'm=M,k1=K1,k2=K2,d2=D2' "
                         "(1 <= M <= 7, K2 dividing K1 <= 256, D2 <= 4)")
    return m, k1, k2, d2


def shared_microexponent_block_bytes(fmt):
    """Bytes of one packed block: E, the microexponents, the element codes."""
    m, k1, k2, d2 = _shared_microexponent_info(fmt)
    return 1 + -(-(k1 // k2) * d2 // 8) + -(-k1 * (m + 1) // 8)


def shared_microexponent_storage_shape(shape, fmt, axis=-1):
    """The shape of the packed storage: the block grid (shape[axis] ->
    ceil(shape[axis] / k1)), then the bytes of each block."""
    _, k1, _, _ = _shared_microexponent_info(fmt)
    grid = list(shape)
    axis %= len(grid)
    grid[axis] = -(-grid[axis] // k1)
    return tuple(grid) + (shared_microexponent_block_bytes(fmt),)


def _floor_log2(magnitudes):
    """floor(log2 m) of positive f32 magnitudes, subnormals included."""
    return np.frexp(magnitudes)[1].astype(np.int64) - 1


def quantize_shared_microexponent(x, fmt, axis=-1, rounding="rne"):
    """(codes, microexponents, exponents) of an f32 array in blocks of k1
    along `axis` (mx/Numerics/SharedMicroexponent.h): sign-magnitude codes
    (sign in bit m), one microexponent per sub-block of k2 and one E8M0
    exponent per block, the blocked axis of each of the last two holding
    ceil(n / k1) * (k1 / k2) and ceil(n / k1) entries."""
    m, k1, k2, d2 = _shared_microexponent_info(fmt)
    if rounding not in ("rne", "rtz"):
        raise ValueError(f"two-level formats round 'rne' or 'rtz', not {rounding!r}")
    x = np.moveaxis(np.asarray(x, dtype=np.float32), axis, -1)
    n = x.shape[-1]
    blocks = _split_along(x, -1, k1)
    split = blocks.reshape(blocks.shape[:-1] + (k1 // k2, k2))
    magnitude = np.abs(split)
    finite = np.all(np.isfinite(split), axis=(-2, -1))
    with np.errstate(invalid="ignore"):
        amax = np.max(np.where(np.isfinite(magnitude), magnitude, 0), axis=(-2, -1))
        sub_max = np.max(np.where(np.isfinite(magnitude), magnitude, 0), axis=-1)
    shared = np.where(amax == 0, -127, np.maximum(_floor_log2(amax), -127))
    max_micro = (1 << d2) - 1
    micro = np.where(sub_max == 0, max_micro,
                     np.minimum(shared[..., None] - _floor_log2(sub_max), max_micro))
    step = (shared[..., None] - micro + 1 - m)[..., None]
    quotient = np.ldexp(np.where(np.isfinite(magnitude), magnitude, 0).astype(np.float64),
                        -step)
    rounded = np.rint(quotient) if rounding == "rne" else np.trunc(quotient)
    codes = np.minimum(rounded, (1 << m) - 1).astype(np.int64)
    codes |= np.signbit(split).astype(np.int64) << m
    codes = np.where(finite[..., None, None], codes, 0)
    micro = np.where(finite[..., None], micro, 0)
    exponents = np.where(finite, shared + 127, E8M0_NAN)
    codes = codes.reshape(x.shape[:-1] + (blocks.shape[-2] * k1,))[..., :n]
    micro = micro.reshape(x.shape[:-1] + (blocks.shape[-2] * (k1 // k2),))
    return (np.moveaxis(codes.astype(np.uint8), -1, axis),
            np.moveaxis(micro.astype(np.uint8), -1, axis),
            np.moveaxis(exponents.astype(np.uint8), -1, axis))


def _bits(values, width):
    """The low `width` bits of each value, least significant first."""
    return ((values[..., None].astype(np.int64) >> np.arange(width)) & 1).astype(np.uint8)


def pack_shared_microexponent(codes, microexponents, exponents, fmt, axis=-1):
    """The stored form (mx/Numerics/SharedMicroexponent.h): per block, E,
    then the microexponents, then the element codes, each bit-packed from
    the least significant bit, each section padded to whole bytes; shape
    `shape` with shape[axis] -> ceil(n / k1), then the bytes of a block."""
    m, k1, k2, d2 = _shared_microexponent_info(fmt)
    codes = np.moveaxis(np.asarray(codes, dtype=np.uint8), axis, -1)
    micro = np.moveaxis(np.asarray(microexponents, dtype=np.uint8), axis, -1)
    exponents = np.moveaxis(np.asarray(exponents, dtype=np.uint8), axis, -1)
    blocks = exponents.shape[-1]
    padded = np.zeros(codes.shape[:-1] + (blocks * k1,), np.uint8)
    padded[..., :codes.shape[-1]] = codes
    grid = exponents.shape
    sections = [_bits(exponents, 8).reshape(grid + (8,)),
                _bits(micro.reshape(grid + (k1 // k2,)), d2).reshape(grid + (-1,)),
                _bits(padded.reshape(grid + (k1,)), m + 1).reshape(grid + (-1,))]
    sections = [np.concatenate([b, np.zeros(b.shape[:-1] + (-b.shape[-1] % 8,), np.uint8)], -1)
                for b in sections]
    packed = np.packbits(np.concatenate(sections, -1), axis=-1, bitorder="little")
    return np.moveaxis(packed, -2, axis % codes.ndim)


def dequantize_shared_microexponent(codes, microexponents, exponents, fmt, axis=-1):
    """The f32 values (exact): sign and magnitude times 2^(E - mu + 1 - m);
    NaN for every element of a block whose exponent is 0xFF."""
    m, k1, k2, _ = _shared_microexponent_info(fmt)
    codes = np.moveaxis(np.asarray(codes, dtype=np.uint8), axis, -1).astype(np.int64)
    micro = np.moveaxis(np.asarray(microexponents, dtype=np.uint8), axis, -1)
    exponents = np.moveaxis(np.asarray(exponents, dtype=np.uint8), axis, -1)
    n = codes.shape[-1]
    element = np.arange(n)
    shared = exponents[..., element // k1].astype(np.int64) - 127
    step = shared - micro[..., element // k2].astype(np.int64) + 1 - m
    values = np.ldexp((codes & ((1 << m) - 1)).astype(np.float64), step)
    values = np.where((codes >> m) & 1 == 1, -values, values)
    values = np.where(exponents[..., element // k1] == E8M0_NAN, np.nan, values)
    return np.moveaxis(values.astype(np.float32), -1, axis)


# ---------------------------------------------------------------------------
# NVFP4: E2M1 elements, E4M3 block scales (blocks of 16), an f32 tensor scale
# ---------------------------------------------------------------------------

NVFP4_BLOCK = 16
NVFP4_NAN_BLOCK_SCALE = 0x7F


def nvfp4_tensor_scale(x):
    """amax / (448 * 6) in f32 over the finite values; 1 without a nonzero
    one; never below f32's least subnormal (mx/Numerics/NVFP4.h)."""
    x = np.asarray(x, dtype=np.float32)
    finite = np.abs(x[np.isfinite(x)])
    amax = finite.max() if finite.size else np.float32(0)
    if amax == 0:
        return np.float32(1)
    return max(np.float32(amax) / np.float32(2688), np.finfo(np.float32).smallest_subnormal)


def quantize_nvfp4(x, axis=-1, tensor_scale=None):
    """(codes, block_scales, tensor_scale): E2M1 codes, E4M3 block scales (the
    blocked axis holding ceil(n / 16)) and the f32 tensor scale, given or
    computed. Each block scale and element is rounded once, to nearest even,
    saturating."""
    x = np.asarray(x, dtype=np.float32)
    scale = nvfp4_tensor_scale(x) if tensor_scale is None else np.float32(tensor_scale)
    moved = np.moveaxis(x, axis, -1)
    n = moved.shape[-1]
    split = _split_along(moved, -1, NVFP4_BLOCK).astype(np.float64)
    finite = np.all(np.isfinite(split), axis=-1)
    amax = np.max(np.abs(np.where(np.isfinite(split), split, 0)), axis=-1)
    block_scales = encode("e4m3", amax / (6.0 * float(scale)))
    step = decode("e4m3", block_scales) * float(scale)
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = np.where(step[..., None] == 0, 0.0,
                            np.where(np.isfinite(split), split, 0) / step[..., None])
    codes = encode("e2m1", quotient).astype(np.int64)
    codes = np.where(step[..., None] == 0, np.signbit(split).astype(np.int64) << 3, codes)
    codes = np.where(finite[..., None], codes, 0)
    block_scales = np.where(finite, block_scales, NVFP4_NAN_BLOCK_SCALE)
    codes = codes.reshape(moved.shape[:-1] + (split.shape[-2] * NVFP4_BLOCK,))[..., :n]
    return (np.moveaxis(codes.astype(np.uint8), -1, axis),
            np.moveaxis(block_scales.astype(np.uint8), -1, axis), scale)


def dequantize_nvfp4(codes, block_scales, tensor_scale, axis=-1):
    """element * block scale (exact in f32) times the tensor scale, rounded
    once to f32; NaN for a block whose scale is NaN."""
    codes = np.moveaxis(np.asarray(codes, dtype=np.uint8), axis, -1)
    block_scales = np.moveaxis(np.asarray(block_scales, dtype=np.uint8), axis, -1)
    per_element = block_scales[..., np.arange(codes.shape[-1]) // NVFP4_BLOCK]
    scaled = (decode("e2m1", codes) * decode("e4m3", per_element)).astype(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        values = scaled * np.float32(tensor_scale)
    return np.moveaxis(values, -1, axis)


# ---------------------------------------------------------------------------
# FP8 with f32 tile scales (DeepSeek-V3 block scaling)
# ---------------------------------------------------------------------------

def _float_tile_scales(amax, fmt, scale_rule):
    maximum = _info(fmt)[7]
    amax = amax.astype(np.float32)
    if scale_rule == "quotient":
        scales = np.maximum(amax / np.float32(maximum), np.finfo(np.float32).smallest_subnormal)
    elif scale_rule == "pow2":
        # The least k with amax <= max * 2^k, never below 2^-149.
        k = np.ceil(np.log2(np.maximum(amax.astype(np.float64), 1e-300) / maximum)).astype(np.int64)
        k = np.where(amax.astype(np.float64) > np.ldexp(maximum, k), k + 1, k)
        k = np.where(amax.astype(np.float64) <= np.ldexp(maximum, k - 1), k - 1, k)
        scales = np.ldexp(np.float32(1), np.maximum(k, -149).astype(np.int32)).astype(np.float32)
    else:
        raise ValueError(f"scale rule must be 'quotient' or 'pow2', not {scale_rule!r}")
    return np.where(amax == 0, np.float32(1), scales).astype(np.float32)


def quantize_float_scaled(x, fmt="e4m3", tile=(1, 128), scale_rule="quotient"):
    """(codes, scales) of a 2-D f32 array: FP8 codes and one f32 scale per
    tile (mx/Numerics/FloatScaled.h), each element x / scale rounded once."""
    if fmt not in ("e4m3", "e5m2"):
        raise ValueError(f"FP8 tiles are 'e4m3' or 'e5m2', not {fmt!r}")
    x = np.asarray(x, dtype=np.float32)
    split, _ = _split_blocks(x, tile)
    finite = np.all(np.isfinite(split), axis=(1, 3))
    amax = np.max(np.abs(np.where(np.isfinite(split), split, 0)), axis=(1, 3))
    scales = np.where(finite, _float_tile_scales(amax, fmt, scale_rule), np.float32(np.nan))
    element_scales = _expand(scales, x.shape, tile).astype(np.float64)
    with np.errstate(invalid="ignore"):
        quotient = np.where(np.isnan(element_scales), 0.0, x.astype(np.float64) / element_scales)
    codes = encode(fmt, quotient)
    return np.where(np.isnan(element_scales), 0, codes).astype(np.uint8), scales.astype(np.float32)


def dequantize_float_scaled(codes, scales, fmt="e4m3", tile=(1, 128)):
    """element * scale rounded once to f32; NaN in a NaN-scale tile."""
    codes = np.asarray(codes, dtype=np.uint8)
    element_scales = _expand(np.asarray(scales, dtype=np.float32), codes.shape, tile)
    with np.errstate(over="ignore", invalid="ignore"):
        return (decode(fmt, codes) * element_scales.astype(np.float64)).astype(np.float32)
