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
from .mxarray import ELEMENT_TYPES, FORMATS, MXArray, mx_type  # noqa: F401 (part of this API)
from .reference import block_shape, is_integer, scales_shape, storage_shape  # noqa: F401 (part of this API)

SCALE_RULES = ("floor", "ceil", "even", "rceil")
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


def quantize(x, fmt, *, block=32, axis=-1, scale_rule="floor", rounding="rne", seed=0,
             saturation="saturate"):
    """Quantizes `x` (f32; f16 stays f16, anything else is converted to f32)
    to `fmt` with blocks of `block` elements along `axis` (or a tuple of
    block sizes, one per dimension, for 2-D blocks). Returns an MXArray."""
    x = np.asarray(x)
    if x.dtype.kind not in "fiub":
        raise ValueError(f"quantize: unsupported dtype {x.dtype} (a real floating-point, "
                         "integer or bool array)")
    _check_size("quantize", x.shape, 4)
    if x.dtype != np.float16:
        x = x.astype(np.float32)
    _check_choice("MX format", fmt, FORMATS)
    _check_choice("scale rule", scale_rule, SCALE_RULES)
    _check_choice("rounding", rounding, ROUNDINGS)
    _check_choice("saturation", saturation, SATURATIONS)
    if x.ndim == 0:
        raise ValueError("cannot quantize a 0-d array: it needs at least one dimension")
    blocks = block_shape(x.shape, block, axis)
    if x.size == 0:  # nothing to compile: empty storage and scales
        return MXArray(np.empty(storage_shape(x.shape, fmt), np.uint8),
                       np.empty(scales_shape(x.shape, blocks), np.uint8), fmt, x.shape, blocks)
    source = _tensor(x.shape, "f16" if x.dtype == np.float16 else "f32")
    result = mx_type(x.shape, fmt, blocks)
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
    """The values of an MXArray: element * 2^scale, as f32 (or f16/bf16 if
    asked; bf16 comes back as its uint16 bit patterns)."""
    if not isinstance(q, MXArray):
        raise TypeError(f"dequantize: expected an MXArray, got {type(q).__name__}")
    element = {np.dtype(np.float32): "f32", np.dtype(np.float16): "f16"}.get(np.dtype(dtype))
    if element is None:
        raise ValueError(f"dequantize: unsupported dtype {np.dtype(dtype)} (float32 or float16)")
    _check_size("dequantize", q.shape, 4)
    if 0 in q.shape:
        return np.empty(q.shape, np.dtype(dtype))
    result = _tensor(q.shape, element)
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
    if not isinstance(qa, MXArray) and not isinstance(qb, MXArray):
        raise ValueError("matmul: expected at least one MXArray operand")
    operands = []
    for q in (qa, qb):
        if isinstance(q, MXArray):
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
    text = f"""func.func @matmul(%a: {a_type}, %b: {b_type}) -> {result} {{
  %c = mx.matmul %a, %b : {a_type}, {b_type} -> {result}
  return %c : {result}
}}"""
    return _kernel(text).invoke("matmul", a, b)
