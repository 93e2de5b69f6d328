"""MXArray: a block-scaled array as compiled code stores it (element
storage and E8M0 scale codes), and the names of the MX element formats.
Used by the JIT (ir.py) for !mx.tensor arguments and results, and by the
array API (arrays.py).
"""

import numpy as np

from .reference import (SHARED_MICROEXPONENT_FORMATS, _shared_microexponent_info, scales_shape,
                        shared_microexponent_storage_shape, storage_shape)

# Short format names -> MLIR element types.
ELEMENT_TYPES = {"e4m3": "f8E4M3FN", "e5m2": "f8E5M2", "e3m2": "f6E3M2FN",
                 "e2m3": "f6E2M3FN", "e2m1": "f4E2M1FN", "int8": "i8"}
FORMATS = tuple(ELEMENT_TYPES)
# The named two-level formats (shared microexponents, blocks of 16); any
# "m=M,k1=K1,k2=K2,d2=D2" of the family is a TwoLevelArray format too.
TWO_LEVEL_FORMATS = tuple(SHARED_MICROEXPONENT_FORMATS)


def two_level_element_type(fmt):
    """The `!mx.microexp<...>` element type of a two-level format."""
    if fmt in TWO_LEVEL_FORMATS:
        return f"!mx.microexp<{fmt}>"
    m, _, k2, d2 = _shared_microexponent_info(fmt)
    return f"!mx.microexp<magnitude = {m}, sub_block = {k2}, micro_bits = {d2}>"


def two_level_type(shape, fmt, axis):
    """The MLIR type `!mx.tensor<...>` of a two-level array blocked along
    `axis` with its format's block size."""
    block = _shared_microexponent_info(fmt)[1]
    blocks = [block if d == axis % len(shape) else 1 for d in range(len(shape))]
    return (f"!mx.tensor<{'x'.join(map(str, shape))}x{two_level_element_type(fmt)}, "
            f"block = [{', '.join(map(str, blocks))}]>")


def mx_type(shape, fmt, blocks, scale_type="f8E8M0FNU"):
    """The MLIR type `!mx.tensor<...>` of an MX array."""
    scale = "" if scale_type == "f8E8M0FNU" else f", scale = {scale_type}"
    return (f"!mx.tensor<{'x'.join(map(str, shape))}x{ELEMENT_TYPES[fmt]}, "
            f"block = [{', '.join(map(str, blocks))}]{scale}>")


class MXArray:
    """A block-scaled array as the compiled code stores it.

    elements: uint8 element storage (FP4 packed two per byte along the last
              axis, low nibble first; other formats one code per byte);
    scales:   one per block (shape: ceil(shape / block)): uint8 codes of
              the scale type (E8M0, the default, or E4M3), or float32 for
              f32 tile scales (`scale_type` "f32", FP8 elements);
    fmt, shape, block (the size along `axis`, or a tuple for 2-D blocks),
    axis (None for 2-D blocks), block_shape (one size per dimension);
    tensor_scale: NVFP4's f32 tensor scale (E4M3 scales; value = element *
    block scale * tensor_scale); None for 1, and for other scale types.
    """

    def __init__(self, elements, scales, fmt, shape, block_shape, scale_type="f8E8M0FNU",
                 tensor_scale=None):
        if fmt not in ELEMENT_TYPES:
            raise ValueError(f"unknown MX format '{fmt}' (expected one of {', '.join(FORMATS)})")
        self.fmt, self.shape, self.block_shape = fmt, tuple(shape), tuple(block_shape)
        self.scale_type = scale_type
        if tensor_scale is not None and scale_type != "f8E4M3FN":
            raise ValueError("tensor_scale: only NVFP4 (E4M3 scales) has one")
        self.tensor_scale = None if tensor_scale is None else np.float32(tensor_scale)
        self.elements = np.asarray(elements, dtype=np.uint8)
        self.scales = np.asarray(scales, dtype=np.float32 if scale_type == "f32" else np.uint8)
        if self.elements.shape != storage_shape(self.shape, fmt):
            raise ValueError(f"elements: expected shape {storage_shape(self.shape, fmt)}, "
                             f"got {self.elements.shape}")
        if self.scales.shape != scales_shape(self.shape, self.block_shape):
            raise ValueError(f"scales: expected shape {scales_shape(self.shape, self.block_shape)}, "
                             f"got {self.scales.shape}")

    @property
    def axis(self):
        blocked = [d for d, b in enumerate(self.block_shape) if b > 1]
        return blocked[0] if len(blocked) == 1 else None

    @property
    def block(self):
        axis = self.axis
        return self.block_shape[axis] if axis is not None else self.block_shape

    @property
    def type(self):
        """The MLIR type: `!mx.tensor<...>`."""
        return mx_type(self.shape, self.fmt, self.block_shape, self.scale_type)

    @property
    def nbytes(self):
        return self.elements.nbytes + self.scales.nbytes

    def element_codes(self):
        """One uint8 element code per element, in the shape of the array."""
        if self.fmt != "e2m1":
            return self.elements.copy()
        codes = np.empty(self.shape[:-1] + (2 * self.elements.shape[-1],), dtype=np.uint8)
        codes[..., 0::2] = self.elements & 0xF
        codes[..., 1::2] = self.elements >> 4
        return codes[..., :self.shape[-1]]

    def __repr__(self):
        return f"MXArray({self.type})"


class TwoLevelArray:
    """A two-level (shared-microexponent: MX9, MX6, MX4, ...) array as the
    compiled code stores it: `blocks`, uint8 of shape (block grid..., bytes
    per block), each block its E8M0 exponent, microexponents and element
    codes bit-packed (docs/Numerics.md); `fmt` ("mx9", "mx6", "mx4" or
    "m=M,k1=K1,k2=K2,d2=D2"), `shape` and the blocked `axis`."""

    def __init__(self, blocks, fmt, shape, axis):
        _, self.block, _, _ = _shared_microexponent_info(fmt)
        self.fmt, self.shape = fmt, tuple(shape)
        if not self.shape:
            raise ValueError("a two-level array needs at least one dimension")
        self.axis = axis % len(self.shape)
        self.blocks = np.asarray(blocks, dtype=np.uint8)
        expected = shared_microexponent_storage_shape(self.shape, fmt, self.axis)
        if self.blocks.shape != expected:
            raise ValueError(f"blocks: expected shape {expected}, got {self.blocks.shape}")

    @property
    def block_shape(self):
        return tuple(self.block if d == self.axis else 1 for d in range(len(self.shape)))

    @property
    def type(self):
        """The MLIR type: `!mx.tensor<... x !mx.microexp<...>, block = [...]>`."""
        return two_level_type(self.shape, self.fmt, self.axis)

    @property
    def nbytes(self):
        return self.blocks.nbytes

    def __repr__(self):
        return f"TwoLevelArray({self.type})"
