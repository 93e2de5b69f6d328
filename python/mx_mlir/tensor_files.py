"""Reading and writing tensor files: safetensors, .npy and .npz.

safetensors (https://huggingface.co/docs/safetensors): an 8-byte
little-endian header length N, N bytes of JSON ({name: {dtype, shape,
data_offsets: [begin, end]}, "__metadata__": {str: str}}), then the data,
offsets relative to its start. The reader checks everything a broken file
can get wrong and raises TensorFileError naming the file and the problem;
tensors are memory-mapped, not read whole.
"""

import json
import os
import struct
import tempfile
import zipfile

import numpy as np


class TensorFileError(Exception):
    """A missing, truncated or malformed tensor file."""


# safetensors dtype -> NumPy dtype; BF16 is kept as its uint16 bits.
SAFETENSORS_DTYPES = {
    "F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": np.uint16,
    "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8,
    "U64": np.uint64, "U32": np.uint32, "U16": np.uint16, "U8": np.uint8, "BOOL": np.bool_,
}
_NUMPY_TO_SAFETENSORS = {np.dtype(v): k for k, v in SAFETENSORS_DTYPES.items() if k != "BF16"}
_MAX_HEADER = 100 * 1024 * 1024  # the format's own limit


class Tensor:
    """A named array and the dtype name it had in its file (BF16 arrays are
    uint16 bit patterns; `values()` widens them to f32 exactly)."""

    def __init__(self, name, array, dtype_name):
        self.name, self.array, self.dtype_name = name, array, dtype_name

    def values(self):
        if self.dtype_name == "BF16":
            return (self.array.astype(np.uint32) << 16).view(np.float32)
        return self.array

    @property
    def is_float(self):
        return self.dtype_name in ("F64", "F32", "F16", "BF16")


def _open_bytes(path):
    try:
        size = os.path.getsize(path)
        handle = open(path, "rb")
    except OSError as error:
        raise TensorFileError(f"{path}: cannot open: {error.strerror}") from None
    return handle, size


def read_safetensors(path):
    """(tensors in file order, metadata dict)."""
    handle, size = _open_bytes(path)
    with handle:
        prefix = handle.read(8)
        if len(prefix) < 8:
            raise TensorFileError(f"{path}: truncated: {size} bytes, but a safetensors file "
                                  "starts with an 8-byte header length")
        (header_size,) = struct.unpack("<Q", prefix)
        if header_size > _MAX_HEADER:
            raise TensorFileError(f"{path}: malformed: header length {header_size} is over "
                                  f"the format's limit of {_MAX_HEADER} bytes")
        if 8 + header_size > size:
            raise TensorFileError(f"{path}: truncated: the header should be {header_size} bytes, "
                                  f"but only {size - 8} follow the length")
        try:
            header = json.loads(handle.read(header_size).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise TensorFileError(f"{path}: malformed header: not UTF-8 JSON ({error})") from None
    if not isinstance(header, dict):
        raise TensorFileError(f"{path}: malformed header: expected a JSON object")
    metadata = header.pop("__metadata__", {}) or {}
    if not isinstance(metadata, dict) or not all(isinstance(v, str) for v in metadata.values()):
        raise TensorFileError(f"{path}: malformed header: __metadata__ must map strings to strings")
    data_start, data_size = 8 + header_size, size - 8 - header_size
    entries = []
    for name, entry in header.items():
        dtype_name, shape, begin, end = _check_entry(path, name, entry)
        if end > data_size:
            raise TensorFileError(f"{path}: truncated: tensor '{name}' ends at byte {end} of the "
                                  f"data, but the file holds {data_size}")
        entries.append((begin, end, name, dtype_name, shape))
    entries.sort()
    position = 0
    for begin, end, name, _, _ in entries:
        if begin != position:
            problem = "overlaps the previous tensor" if begin < position else "leaves a gap before it"
            raise TensorFileError(f"{path}: malformed: tensor '{name}' at bytes [{begin}, {end}) "
                                  f"{problem}")
        position = end
    tensors = []
    for begin, end, name, dtype_name, shape in entries:
        dtype = np.dtype(SAFETENSORS_DTYPES[dtype_name])
        if end == begin:
            array = np.zeros(shape, dtype=dtype)
        else:
            array = np.memmap(path, dtype=dtype, mode="r", offset=data_start + begin, shape=tuple(shape))
        tensors.append(Tensor(name, array, dtype_name))
    return tensors, metadata


def _check_entry(path, name, entry):
    where = f"{path}: malformed header: tensor '{name}'"
    if not isinstance(entry, dict):
        raise TensorFileError(f"{where}: expected an object")
    missing = [key for key in ("dtype", "shape", "data_offsets") if key not in entry]
    if missing:
        raise TensorFileError(f"{where}: missing {', '.join(missing)}")
    dtype_name, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype_name not in SAFETENSORS_DTYPES:
        raise TensorFileError(f"{where}: unsupported dtype {dtype_name!r} (supported: "
                              f"{', '.join(SAFETENSORS_DTYPES)})")
    if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
        raise TensorFileError(f"{where}: shape must be a list of non-negative integers")
    if (not isinstance(offsets, list) or len(offsets) != 2
            or not all(type(o) is int and o >= 0 for o in offsets) or offsets[0] > offsets[1]):
        raise TensorFileError(f"{where}: data_offsets must be [begin, end] with 0 <= begin <= end")
    expected = int(np.prod(shape, dtype=np.int64)) * np.dtype(SAFETENSORS_DTYPES[dtype_name]).itemsize
    if offsets[1] - offsets[0] != expected:
        raise TensorFileError(f"{where}: {offsets[1] - offsets[0]} bytes of data for shape "
                              f"{shape} of {dtype_name}, which needs {expected}")
    return dtype_name, shape, offsets[0], offsets[1]


def read_numpy(path):
    """Tensors of a .npy (named after the file) or .npz file; ({} metadata)."""
    handle, _ = _open_bytes(path)
    handle.close()
    try:
        if path.endswith(".npz"):
            with np.load(path, allow_pickle=False) as archive:
                tensors = [Tensor(name, archive[name], _safetensors_dtype(path, name, archive[name]))
                           for name in archive.files]
        else:
            array = np.load(path, mmap_mode="r", allow_pickle=False)
            name = os.path.splitext(os.path.basename(path))[0]
            tensors = [Tensor(name, array, _safetensors_dtype(path, name, array))]
    except TensorFileError:
        raise
    except Exception as error:  # noqa: BLE001
        # NumPy's readers fail on malformed bytes in many ways (ValueError,
        # EOFError, zipfile.BadZipFile, tokenize.TokenError and SyntaxError
        # from the header's literal, MemoryError for a shape no file holds,
        # ...): each one is the file's fault, reported as such.
        raise TensorFileError(f"{path}: malformed or truncated: "
                              f"{type(error).__name__}: {error}") from None
    return tensors, {}


def _safetensors_dtype(path, name, array):
    dtype_name = _NUMPY_TO_SAFETENSORS.get(array.dtype)
    if dtype_name is None:
        raise TensorFileError(f"{path}: tensor '{name}' has unsupported dtype {array.dtype}")
    return dtype_name


def read_tensors(path):
    """(tensors, metadata) of a .safetensors, .npy or .npz file."""
    if path.endswith((".npy", ".npz")):
        return read_numpy(path)
    return read_safetensors(path)


def write_tensors(path, tensors, metadata=None):
    """Writes [(name, array, dtype name)] as safetensors (or .npz by the
    file name). The file appears whole or not at all: the data goes to a
    temporary file in the same directory, renamed over `path` at the end."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=".mx-quantize-", dir=directory)
    except OSError as error:
        raise TensorFileError(f"{path}: cannot write: {error.strerror}") from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 is for secrets
    try:
        with os.fdopen(descriptor, "wb") as out:
            if path.endswith(".npz"):
                np.savez(out, **{name: array for name, array, _ in tensors})
            else:
                _write_safetensors(out, tensors, metadata or {})
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _write_safetensors(out, tensors, metadata):
    header, offset = {}, 0
    if metadata:
        header["__metadata__"] = metadata
    for name, array, dtype_name in tensors:
        size = array.size * array.itemsize
        header[name] = {"dtype": dtype_name, "shape": list(array.shape),
                        "data_offsets": [offset, offset + size]}
        offset += size
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
    out.write(struct.pack("<Q", len(text)))
    out.write(text)
    for _, array, _ in tensors:
        out.write(np.ascontiguousarray(array).reshape(-1).view(np.uint8))
