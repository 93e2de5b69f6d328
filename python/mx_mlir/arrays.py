"""The array API: MX quantize, dequantize and matmul on NumPy arrays, run by
the compiler's own kernels. Each call builds a one-op function on static
shapes (mx.quantize, mx.dequantize or mx.matmul), lowers it with
`mx-cpu-pipeline` and JIT-compiles it once per distinct signature; later
calls with the same shapes and options reuse the compiled kernel.
"""

import threading

import numpy as np

from .ir import Module, default_context
from .mxarray import ELEMENT_TYPES, FORMATS, MXArray, mx_type  # noqa: F401 (part of this API)
from .reference import block_shape, scales_shape, storage_shape  # noqa: F401 (part of this API)

SCALE_RULES = ("floor", "ceil", "even", "rceil")
ROUNDINGS = ("rne", "rtz", "stochastic")
SATURATIONS = ("saturate", "nonfinite")


_kernels = {}
_kernels_lock = threading.Lock()


def _kernel(text):
    """The compiled kernel for a module text, compiled on first use."""
    with _kernels_lock:
        if text not in _kernels:
            _kernels[text] = Module.parse(text, default_context()).compile()
        return _kernels[text]


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
    if x.dtype != np.float16:
        x = x.astype(np.float32)
    _check_choice("MX format", fmt, FORMATS)
    _check_choice("scale rule", scale_rule, SCALE_RULES)
    _check_choice("rounding", rounding, ROUNDINGS)
    _check_choice("saturation", saturation, SATURATIONS)
    if x.ndim == 0 or x.size == 0:
        raise ValueError(f"cannot quantize an array of shape {x.shape}: it needs at least one "
                         "dimension and one element")
    blocks = block_shape(x.shape, block, axis)
    source = _tensor(x.shape, "f16" if x.dtype == np.float16 else "f32")
    result = mx_type(x.shape, fmt, blocks)
    options = f"scale_rule<{scale_rule}> rounding<{rounding}>"
    if rounding == "stochastic":
        options += f" seed({int(seed)})"
    options += f" saturation<{saturation}>"
    text = f"""func.func @quantize(%x: {source}) -> {result} {{
  %q = mx.quantize %x {options} : {source} -> {result}
  return %q : {result}
}}"""
    return _kernel(text).invoke("quantize", x)


def dequantize(q, dtype=np.float32):
    """The values of an MXArray: element * 2^scale, as f32 (or f16/bf16 if
    asked; bf16 comes back as its uint16 bit patterns)."""
    element = {np.dtype(np.float32): "f32", np.dtype(np.float16): "f16"}.get(np.dtype(dtype))
    if element is None:
        raise ValueError(f"dequantize: unsupported dtype {np.dtype(dtype)} (float32 or float16)")
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
            array = np.ascontiguousarray(q, dtype=np.float32)
            operands.append((array, array.shape, _tensor(array.shape, "f32")))
    (a, a_shape, a_type), (b, b_shape, b_type) = operands
    if len(a_shape) != 2 or len(b_shape) != 2 or a_shape[1] != b_shape[0]:
        raise ValueError(f"matmul: expected (M x K) and (K x N) operands, got {a_shape} and "
                         f"{b_shape}")
    result = _tensor((a_shape[0], b_shape[1]), "f32")
    text = f"""func.func @matmul(%a: {a_type}, %b: {b_type}) -> {result} {{
  %c = mx.matmul %a, %b : {a_type}, {b_type} -> {result}
  return %c : {result}
}}"""
    return _kernel(text).invoke("matmul", a, b)
