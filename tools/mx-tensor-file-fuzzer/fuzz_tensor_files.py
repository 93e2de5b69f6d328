"""One fuzz input through mx-quantize's tensor-file reader.

The first byte picks the kind of file (.safetensors, .npy, .npz); the rest
is the file. read_tensors() must return tensors whose every value can be
read, or raise TensorFileError naming the file; anything else propagates
and the fuzzer reports it with its traceback.
"""

import os
import tempfile

import numpy as np

from mx_mlir.tensor_files import TensorFileError, read_tensors

_DIRECTORY = tempfile.mkdtemp(prefix="mx-tensor-file-fuzzer-")
_KINDS = (".safetensors", ".npy", ".npz")


def check_input(data):
    kind = _KINDS[data[0] % len(_KINDS)] if data else _KINDS[0]
    path = os.path.join(_DIRECTORY, "input" + kind)
    with open(path, "wb") as handle:
        handle.write(data[1:])
    try:
        tensors, metadata = read_tensors(path)
    except TensorFileError as error:
        if not str(error).startswith(path + ": "):
            raise AssertionError(f"a TensorFileError that does not name the file: {error}")
        return
    assert isinstance(metadata, dict)
    for tensor in tensors:
        values = np.asarray(tensor.values())
        assert values.shape == tensor.array.shape, (values.shape, tensor.array.shape)
        # Touch every byte: a memory map past the file's end would fault here.
        values.reshape(-1).view(np.uint8).sum()
