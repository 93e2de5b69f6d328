"""The array API: MX quantize, dequantize and matmul on NumPy arrays, run by
the compiler's own kernels. Each call builds a one-op function on static
shapes (mx.quantize, mx.dequantize or mx.matmul), lowers it with
`mx-cpu-pipeline` and JIT-compiles it once per distinct signature; later
calls with the same shapes and options reuse the compiled kernel.

The compiled kernels are kept in a least-recently-used cache of
`kernel_cache_limit()` entries (64 unless MX_MLIR_KERNEL_CACHE says
otherwise; `set_kernel_cache_limit(n)` changes it). Each kernel has its own
MLIR context, so evicting one frees everything it held: its machine code,
and the types and attributes its module interned. Memory stays bounded
however many distinct shapes a program uses.
"""

import collections
import os
import sys
import threading

import numpy as np

from .ir import Context, Module
from .mxarray import (ELEMENT_TYPES, FORMATS, TWO_LEVEL_FORMATS, MXArray,  # noqa: F401 (part of this API)
                      TwoLevelArray, mx_type, two_level_type)
from .reference import (HADAMARD_BLOCK, _shared_microexponent_info, block_shape,  # noqa: F401
                        is_integer, scales_shape, shared_microexponent_storage_shape,
                        storage_shape)

SCALE_RULES = ("floor", "ceil", "even", "rceil")
# Scales per block: E8M0 powers of two (OCP MX), or f32 tile scales for FP8
# elements (DeepSeek-V3 block scaling), whose rules are these.
SCALE_TYPES = {"e8m0": "f8E8M0FNU", "f32": "f32", "e4m3": "f8E4M3FN"}
FLOAT_SCALE_RULES = ("quotient", "rceil")
ROUNDINGS = ("rne", "rtz", "stochastic")
SATURATIONS = ("saturate", "nonfinite")


_kernels = collections.OrderedDict()  # module text -> ExecutionEngine, oldest first
_kernels_lock = threading.Lock()
_kernel_limit = int(os.environ.get("MX_MLIR_KERNEL_CACHE", "64"))


def kernel_cache_limit():
    """How many compiled kernels the array API keeps."""
    return _kernel_limit


def kernel_cache_size():
    """How many compiled kernels the array API holds now."""
    with _kernels_lock:
        return len(_kernels)


def set_kernel_cache_limit(limit):
    """Keeps at most `limit` (>= 1) compiled kernels, evicting the least
    recently used ones beyond it."""
    global _kernel_limit
    if type(limit) is not int or limit < 1:
        raise ValueError(f"the kernel cache limit must be an integer >= 1, got {limit!r}")
    with _kernels_lock:
        _kernel_limit = limit
        while len(_kernels) > _kernel_limit:
            _kernels.popitem(last=False)


def _kernel(text):
    """The compiled kernel for a module text, compiled on first use. The lock
    is held while compiling: concurrent first calls compile once."""
    with _kernels_lock:
        kernel = _kernels.get(text)
        if kernel is None:
            kernel = Module.parse(text, Context()).compile()
            _kernels[text] = kernel
            while len(_kernels) > _kernel_limit:
                _kernels.popitem(last=False)
        else:
            _kernels.move_to_end(text)
        return kernel


def _check_size(what, shape, itemsize):
    """Rejects arrays whose byte count does not fit the kernels' 64-bit
    index arithmetic (a broadcast view can claim such a shape)."""
    count = 1
    for size in shape:
        count *= int(size)
    if count * itemsize > sys.maxsize:
        raise ValueError(f"{what}: {count} elements of {itemsize} bytes is more than a 64-bit "
                         "byte count holds")


def _tensor(shape, element):
    return f"tensor<{'x'.join(map(str, shape))}x{element}>"


def _check_choice(what, value, choices):
    if value not in choices:
        raise ValueError(f"unknown {what} '{value}' (expected one of {', '.join(choices)})")


def is_two_level(fmt):
    """Whether `fmt` names a two-level format: "mx9", "mx6", "mx4" or
    "m=M,k1=K1,k2=K2,d2=D2"."""
    return fmt in TWO_LEVEL_FORMATS or (isinstance(fmt, str) and fmt.startswith("m="))


def _two_level_format(fmt, block):
    """`fmt` with blocks of `block` elements (None: its own size)."""
    m, k1, k2, d2 = _shared_microexponent_info(fmt)
    if block is None or (is_integer(block) and block == k1):
        return fmt
    if not is_integer(block) or not k2 <= block <= 256 or block % k2:
        raise ValueError(f"quantize: {fmt} takes one block size, a multiple of its sub-block "
                         f"size {k2} up to 256, got {block!r}")
    return f"m={m},k1={int(block)},k2={k2},d2={d2}"


def _quantize_two_level(x, fmt, block, axis, scale_rule, rounding, saturation):
    if scale_rule != "floor" or saturation != "saturate":
        raise ValueError("quantize: two-level formats have no scale_rule or saturation choice "
                         "(the shared exponent is floor(log2 amax); magnitudes clamp)")
    _check_choice("two-level rounding", rounding, ("rne", "rtz"))
    if x.ndim == 0:
        raise ValueError("cannot quantize a 0-d array: it needs at least one dimension")
    spec = _two_level_format(fmt, block)
    block_shape(x.shape, _shared_microexponent_info(spec)[1], axis)  # checks the axis
    axis = int(axis) % x.ndim
    if x.size == 0:
        return TwoLevelArray(np.empty(shared_microexponent_storage_shape(x.shape, spec, axis),
                                      np.uint8), spec, x.shape, axis)
    source = _tensor(x.shape, "f16" if x.dtype == np.float16 else "f32")
    result = two_level_type(x.shape, spec, axis)
    text = f"""func.func @quantize(%x: {source}) -> {result} {{
  %q = mx.quantize %x rounding<{rounding}> : {source} -> {result}
  return %q : {result}
}}"""
    return _kernel(text).invoke("quantize", x)


def _quantize_nvfp4(x, fmt, block, axis, scale_rule, rounding, saturation, tensor_scale):
    if fmt != "e2m1" or block not in (None, 16):
        raise ValueError(f"quantize: E4M3 scales are NVFP4's: e2m1 elements in blocks of 16, "
                         f"got '{fmt}' with block {block!r}")
    if scale_rule not in (None, "quotient") or rounding != "rne" or saturation != "saturate":
        raise ValueError("quantize: NVFP4 block scales are quotients (amax / (6 S)), rounded "
                         "to nearest even, saturating")
    if x.ndim == 0:
        raise ValueError("cannot quantize a 0-d array: it needs at least one dimension")
    blocks = block_shape(x.shape, 16, axis)
    if tensor_scale is not None:
        tensor_scale = np.float32(tensor_scale)
        if not (np.isfinite(tensor_scale) and tensor_scale > 0):
            raise ValueError(f"quantize: the tensor scale must be positive and finite, got "
                             f"{tensor_scale}")
    if x.size == 0:
        return MXArray(np.empty(storage_shape(x.shape, fmt), np.uint8),
                       np.empty(scales_shape(x.shape, blocks)), fmt, x.shape, blocks,
                       "f8E4M3FN", np.float32(1) if tensor_scale is None else tensor_scale)
    source = _tensor(x.shape, "f16" if x.dtype == np.float16 else "f32")
    result = mx_type(x.shape, fmt, blocks, "f8E4M3FN")
    if tensor_scale is None:  # computed in the kernel: mx.tensor_scale
        text = f"""func.func @quantize(%x: {source}) -> ({result}, f32) {{
  %s = mx.tensor_scale %x : {source}
  %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> : {source} -> {result}
  return %q, %s : {result}, f32
}}"""
        q, scale = _kernel(text).invoke("quantize", x)
        elements, scales = _parts(q)
    else:
        text = f"""func.func @quantize(%x: {source}, %s: f32) -> {result} {{
  %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> : {source} -> {result}
  return %q : {result}
}}"""
        elements, scales = _parts(_kernel(text).invoke("quantize", x, float(tensor_scale)))
        scale = tensor_scale
    return MXArray(elements, scales, fmt, x.shape, blocks, "f8E4M3FN", scale)


def _parts(q):
    """(elements, scales) of what a kernel returned for an !mx.tensor."""
    return (q.elements, q.scales) if isinstance(q, MXArray) else tuple(q)


def quantize(x, fmt, *, block=None, axis=-1, scale_rule=None, rounding="rne", seed=0,
             saturation="saturate", scale="e8m0", tensor_scale=None):
    """Quantizes `x` (f32; f16 stays f16, anything else is converted to f32)
    to `fmt` with blocks of `block` elements along `axis` (or a tuple of
    block sizes, one per dimension, for 2-D blocks); `block` defaults to 32.
    Returns an MXArray; for a two-level `fmt` ("mx9", "mx6", "mx4", or
    "m=M,k1=K1,k2=K2,d2=D2": blocks of the format's K1 unless `block` says
    otherwise; rounding "rne" or "rtz") a TwoLevelArray.
    `scale` "f32" gives FP8 tiles with f32 scales (fmt "e4m3" or "e5m2",
    e.g. block=(1, 128) or (128, 128); scale_rule "quotient", the default
    there, or "rceil" for powers of two; rne, saturating). `scale` "e4m3"
    gives NVFP4 (fmt "e2m1", blocks of 16, E4M3 block scales and an f32
    tensor scale, `tensor_scale` or amax / 2688; the MXArray keeps it).
    `scale_rule` defaults to "floor" for E8M0 scales."""
    x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise ValueError(f"quantize: unsupported dtype {x.dtype} (a real floating-point, "
                         "integer or bool array)")
    _check_size("quantize", x.shape, 4)
    if x.dtype != np.float16:
        x = x.astype(np.float32)
    _check_choice("scale type", scale, tuple(SCALE_TYPES))
    if scale == "e4m3":
        return _quantize_nvfp4(x, fmt, block, axis, scale_rule, rounding, saturation,
                               tensor_scale)
    if tensor_scale is not None:
        raise ValueError("quantize: a tensor_scale belongs to NVFP4 (scale='e4m3')")
    if scale_rule is None:
        scale_rule = "quotient" if scale == "f32" else "floor"
    if is_two_level(fmt):
        if scale != "e8m0":
            raise ValueError(f"quantize: a two-level format has E8M0 exponents, not {scale} scales")
        return _quantize_two_level(x, fmt, block, axis, scale_rule, rounding, saturation)
    if block is None:
        block = 32
    _check_choice("MX format", fmt, FORMATS)
    if scale == "f32":
        if fmt not in ("e4m3", "e5m2"):
            raise ValueError(f"quantize: f32 scales come with FP8 elements (e4m3 or e5m2), "
                             f"got '{fmt}'")
        _check_choice("f32 scale rule", scale_rule, FLOAT_SCALE_RULES)
        if rounding != "rne" or saturation != "saturate":
            raise ValueError("quantize: f32 tile scales round to nearest even, saturating")
    else:
        _check_choice("scale rule", scale_rule, SCALE_RULES)
    _check_choice("rounding", rounding, ROUNDINGS)
    _check_choice("saturation", saturation, SATURATIONS)
    if x.ndim == 0:
        raise ValueError("cannot quantize a 0-d array: it needs at least one dimension")
    blocks = block_shape(x.shape, block, axis)
    scale_type = SCALE_TYPES[scale]
    if x.size == 0:  # nothing to compile: empty storage and scales
        return MXArray(np.empty(storage_shape(x.shape, fmt), np.uint8),
                       np.empty(scales_shape(x.shape, blocks)), fmt, x.shape, blocks, scale_type)
    source = _tensor(x.shape, "f16" if x.dtype == np.float16 else "f32")
    result = mx_type(x.shape, fmt, blocks, scale_type)
    options = f"scale_rule<{scale_rule}> rounding<{rounding}>"
    if rounding == "stochastic":
        if not is_integer(seed) or not 0 <= seed < 2**64:
            raise ValueError(f"quantize: the seed must be an integer from 0 to 2^64 - 1, got {seed!r}")
        # The attribute is an i64: seeds from 2^63 up are its negative half.
        options += f" seed({int(seed) - 2**64 if seed >= 2**63 else int(seed)})"
    options += f" saturation<{saturation}>"
    text = f"""func.func @quantize(%x: {source}) -> {result} {{
  %q = mx.quantize %x {options} : {source} -> {result}
  return %q : {result}
}}"""
    return _kernel(text).invoke("quantize", x)


def dequantize(q, dtype=np.float32):
    """The values of an MXArray (element * 2^scale) or a TwoLevelArray, as
    f32 (or f16 if asked); exact in f32."""
    if not isinstance(q, (MXArray, TwoLevelArray)):
        raise TypeError(f"dequantize: expected an MXArray or TwoLevelArray, got "
                        f"{type(q).__name__}")
    element = {np.dtype(np.float32): "f32", np.dtype(np.float16): "f16"}.get(np.dtype(dtype))
    if element is None:
        raise ValueError(f"dequantize: unsupported dtype {np.dtype(dtype)} (float32 or float16)")
    _check_size("dequantize", q.shape, 4)
    if 0 in q.shape:
        return np.empty(q.shape, np.dtype(dtype))
    result = _tensor(q.shape, element)
    if getattr(q, "tensor_scale", None) is not None:  # NVFP4
        text = f"""func.func @dequantize(%q: {q.type}, %s: f32) -> {result} {{
  %x = mx.dequantize %q tensor_scale(%s) : {q.type} -> {result}
  return %x : {result}
}}"""
        return _kernel(text).invoke("dequantize", q, float(q.tensor_scale))
    text = f"""func.func @dequantize(%q: {q.type}) -> {result} {{
  %x = mx.dequantize %q : {q.type} -> {result}
  return %x : {result}
}}"""
    return _kernel(text).invoke("dequantize", q)


def matmul(qa, qb):
    """C = A B in f32 for MX operands A (M x K, blocked along K) and B
    (K x N, blocked along K, or 2-D blocks): per-K-block f32 dot products
    scaled by both blocks' scales, summed over blocks (docs/Numerics.md).
    One operand may be an f32 NumPy array (weight-only quantization): its
    K-blocks enter the dots unscaled."""
    blocked = (MXArray, TwoLevelArray)
    if not isinstance(qa, blocked) and not isinstance(qb, blocked):
        raise ValueError("matmul: expected at least one MXArray or TwoLevelArray operand")
    operands = []
    for q in (qa, qb):
        if isinstance(q, blocked):
            operands.append((q, q.shape, q.type))
        else:
            array = np.asarray(q)
            if array.dtype.kind not in "fiub":
                raise ValueError(f"matmul: unsupported dtype {array.dtype} (a real "
                                 "floating-point, integer or bool array)")
            array = np.ascontiguousarray(array, dtype=np.float32)
            operands.append((array, array.shape, _tensor(array.shape, "f32")))
    (a, a_shape, a_type), (b, b_shape, b_type) = operands
    if len(a_shape) != 2 or len(b_shape) != 2 or a_shape[1] != b_shape[0]:
        raise ValueError(f"matmul: expected (M x K) and (K x N) operands, got {a_shape} and "
                         f"{b_shape}")
    _check_size("matmul", (a_shape[0], b_shape[1]), 4)
    if 0 in a_shape or 0 in b_shape:  # an empty sum is zero
        return np.zeros((a_shape[0], b_shape[1]), np.float32)
    result = _tensor((a_shape[0], b_shape[1]), "f32")
    scales = [getattr(q, "tensor_scale", None) for q in (a, b)]
    if any(s is not None for s in scales):  # NVFP4: alpha = S_a * S_b
        scales = [1.0 if s is None else float(s) for s in scales]
        text = f"""func.func @matmul(%a: {a_type}, %b: {b_type}, %sa: f32, %sb: f32) -> {result} {{
  %alpha = arith.mulf %sa, %sb : f32
  %c = mx.matmul %a, %b alpha(%alpha) : {a_type}, {b_type} -> {result}
  return %c : {result}
}}"""
        return _kernel(text).invoke("matmul", a, b, *scales)
    text = f"""func.func @matmul(%a: {a_type}, %b: {b_type}) -> {result} {{
  %c = mx.matmul %a, %b : {a_type}, {b_type} -> {result}
  return %c : {result}
}}"""
    return _kernel(text).invoke("matmul", a, b)


def hadamard(x, *, axis=-1, seed=0, inverse=False):
    """The random Hadamard transform of `x` (f32) in blocks of 16 along
    `axis` (its extent a multiple of 16): mx.hadamard, y = (1/4) H16 D x
    with D's signs drawn from `seed`, or the inverse x = D (1/4) H16 y."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim == 0:
        raise ValueError("hadamard: a 0-d array has no axis")
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"hadamard: axis {axis} out of range for {x.ndim} dimensions")
    axis = int(axis) % x.ndim
    if x.shape[axis] % HADAMARD_BLOCK:
        raise ValueError(f"hadamard: the extent along axis {axis} ({x.shape[axis]}) must be a "
                         f"multiple of {HADAMARD_BLOCK}")
    if not is_integer(seed) or not 0 <= seed < 2**64:
        raise ValueError(f"hadamard: the seed must be an integer from 0 to 2^64 - 1, got {seed!r}")
    _check_size("hadamard", x.shape, 4)
    if x.size == 0:
        return x.copy()
    tensor = _tensor(x.shape, "f32")
    options = f"axis({axis}) seed({int(seed) - 2**64 if seed >= 2**63 else int(seed)})"
    options += " inverse" if inverse else ""
    text = f"""func.func @hadamard(%x: {tensor}) -> {tensor} {{
  %y = mx.hadamard %x {options} : {tensor}
  return %y : {tensor}
}}"""
    return _kernel(text).invoke("hadamard", x)
