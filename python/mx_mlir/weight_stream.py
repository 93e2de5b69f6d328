"""Layer weights streamed from a checkpoint (docs/LayerToLayer.md).

    with WeightStream("model.mxfp4.safetensors", layers) as stream:
        for index in range(len(layers)):
            tensors = stream.acquire(index)    # NumPy views of the layer's bytes
            ...                                # run the layer on every micro-batch
            stream.release(index)

`layers` lists, per layer, the tensors it takes: (name, dtype, shape) with
safetensors dtype names ("U8" for `.blocks` and `.scales`). The C++
runtime (lib/Runtime/WeightStream.cpp) checks them all against the file
before reading anything, then reads a layer at a time on a loader thread
into a pool of `buffers` buffers, the next layer while the caller holds the
current one. The arrays `acquire` returns are valid until `release`.
"""

import ctypes
import json

import numpy as np

from ._capi import lib
from .tensor_files import SAFETENSORS_DTYPES

# The reader's dtypes, and the FP8 ones as their byte codes.
_DTYPES = dict(SAFETENSORS_DTYPES, F8_E4M3=np.uint8, F8_E5M2=np.uint8)
_ERROR_SIZE = 4096


class WeightStreamError(Exception):
    """A checkpoint that does not hold what the layers take, or a read that
    failed: the message names the file, the layer and the tensor."""


class _OwnedHandle:
    """A C API object this wrapper destroys (`_destroy`) once: on close,
    at the end of a `with`, or when collected."""

    _destroy = None

    def close(self):
        if getattr(self, "_handle", None):
            type(self)._destroy(self._handle)
            self._handle = None

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()

    def __del__(self):
        self.close()


class WeightStream(_OwnedHandle):
    def __init__(self, path, layers, schedule=None, buffers=2, budget=0):
        self.layers = [[(name, dtype, tuple(int(s) for s in shape)) for name, dtype, shape in layer]
                       for layer in layers]
        for layer in self.layers:
            for name, dtype, _ in layer:
                if dtype not in _DTYPES:
                    raise WeightStreamError(f"tensor '{name}': unknown dtype '{dtype}'")
        text = json.dumps([[{"name": n, "dtype": d, "shape": list(s)} for n, d, s in layer]
                           for layer in self.layers])
        order = list(schedule) if schedule is not None else []
        schedule_array = (ctypes.c_uint * max(1, len(order)))(*order)
        error = ctypes.create_string_buffer(_ERROR_SIZE)
        self._handle = lib.mlirMXWeightStreamCreate(
            str(path).encode(), text.encode(), schedule_array if order else None, len(order),
            buffers, budget, error, _ERROR_SIZE)
        if not self._handle:
            raise WeightStreamError(error.value.decode(errors="replace"))

    def acquire(self, index):
        """The tensors of layer `index` (the next one in the schedule), as
        read-only NumPy arrays over the stream's buffer."""
        layer = self.layers[index]
        pointers = (ctypes.c_void_p * max(1, len(layer)))()
        error = ctypes.create_string_buffer(_ERROR_SIZE)
        if lib.mlirMXWeightStreamAcquire(self._handle, index, pointers, error, _ERROR_SIZE) != 0:
            raise WeightStreamError(error.value.decode(errors="replace"))
        arrays = []
        for (_, dtype, shape), address in zip(layer, pointers):
            element = np.dtype(_DTYPES[dtype])
            count = int(np.prod(shape, dtype=np.int64))
            raw = (ctypes.c_uint8 * (count * element.itemsize)).from_address(address or 0) \
                if count else bytearray()
            array = np.frombuffer(raw, dtype=element, count=count).reshape(shape)
            array.flags.writeable = False
            arrays.append(array)
        return arrays

    def release(self, index):
        lib.mlirMXWeightStreamRelease(self._handle, index)

    def driver(self):
        """A handle for compiled code that streams (`StreamDriver`): pass
        `.handle` as the i64 of `@mxWeightStreamTensor` and
        `@mxWeightStreamRelease`, then `.check()`."""
        return StreamDriver(self)

    @property
    def pool_bytes(self):
        """Bytes of the buffer pool: `buffers` times the largest layer."""
        return lib.mlirMXWeightStreamPoolBytes(self._handle)

    @property
    def peak_resident_bytes(self):
        """The most layer bytes held at once (loading, loaded or acquired)."""
        return lib.mlirMXWeightStreamPeakResidentBytes(self._handle)

    _destroy = staticmethod(lambda handle: lib.mlirMXWeightStreamDestroy(handle))


class StreamDriver(_OwnedHandle):
    """The runtime's state for one compiled driver over a WeightStream (the
    C API's MlirMXStreamDriver). Compiled code cannot raise: an error it
    meets (an I/O error at an acquire, a tensor index out of range) is kept
    and the tensors after it read as zeros; `check` raises it."""

    def __init__(self, stream):
        self._stream = stream  # kept alive while the driver is
        self._handle = lib.mlirMXStreamDriverCreate(stream._handle)

    @property
    def handle(self):
        """The i64 the compiled driver takes."""
        return int(self._handle)

    def check(self):
        message = lib.mlirMXStreamDriverError(self._handle).decode(errors="replace")
        if message:
            raise WeightStreamError(message)

    _destroy = staticmethod(lambda handle: lib.mlirMXStreamDriverDestroy(handle))

