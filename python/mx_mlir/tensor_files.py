"""Reading tensor files: safetensors, .npy and .npz (tensor_writer.py writes them).

safetensors (https://huggingface.co/docs/safetensors): an 8-byte
little-endian header length N, N bytes of JSON ({name: {dtype, shape,
data_offsets: [begin, end]}, "__metadata__": {str: str}}), then the data,
offsets relative to its start. The reader checks everything a broken file
can get wrong and raises TensorFileError naming the file and the problem;
tensors are memory-mapped, not read whole.
"""

import json
import math
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
    expected = math.prod(shape) * np.dtype(SAFETENSORS_DTYPES[dtype_name]).itemsize
    if offsets[1] - offsets[0] != expected:
        raise TensorFileError(f"{where}: {offsets[1] - offsets[0]} bytes of data for shape "
                              f"{shape} of {dtype_name}, which needs {expected}")
    return dtype_name, shape, offsets[0], offsets[1]


def read_numpy(path):
    """Tensors of a .npy (named after the file) or .npz file; ({} metadata).
    Arrays are memory-mapped where they lie whole in the file (.npy, and
    .npz members stored uncompressed, as np.savez writes them); a compressed
    member is inflated into an unlinked temporary file and mapped from
    there, so no input is held whole in memory."""
    handle, size = _open_bytes(path)
    with handle:
        if not path.endswith(".npz"):
            name = os.path.splitext(os.path.basename(path))[0]
            return [_npy_tensor(path, name, handle, 0, size)], {}
        try:
            archive = zipfile.ZipFile(handle)
            members = archive.infolist()
            tensors = [_npz_member(path, archive, handle, member) for member in members]
        except TensorFileError:
            raise
        except Exception as error:  # noqa: BLE001
            # zipfile fails on malformed bytes in many ways (BadZipFile,
            # ValueError, EOFError, zlib.error, NotImplementedError for an
            # unknown compression, ...): each is the file's fault.
            raise TensorFileError(f"{path}: malformed or truncated .npz: "
                                  f"{type(error).__name__}: {error}") from None
    names = [t.name for t in tensors]
    if len(set(names)) != len(names):
        raise TensorFileError(f"{path}: malformed .npz: two members hold the same tensor name")
    return tensors, {}


def _npz_member(path, archive, handle, member):
    if not member.filename.endswith(".npy"):
        raise TensorFileError(f"{path}: .npz member '{member.filename}' is not a .npy array")
    name = member.filename[:-len(".npy")]
    if member.compress_type == zipfile.ZIP_STORED and not member.flag_bits & 0x1:
        # The member's bytes follow its local header: 30 bytes, the name,
        # the extra field.
        handle.seek(member.header_offset)
        local = handle.read(30)
        if len(local) < 30 or local[:4] != b"PK\x03\x04":
            raise TensorFileError(f"{path}: malformed .npz: member '{member.filename}' has no "
                                  "local header")
        name_size, extra_size = struct.unpack("<HH", local[26:30])
        start = member.header_offset + 30 + name_size + extra_size
        return _npy_tensor(path, name, handle, start, member.file_size)
    spill = tempfile.TemporaryFile(prefix="mx-quantize-npz-")
    with archive.open(member) as source:
        while chunk := source.read(1 << 20):
            spill.write(chunk)
    spill.flush()
    return _npy_tensor(path, name, spill, 0, spill.tell())


def _npy_tensor(path, name, handle, start, size):
    """The tensor of a .npy image at bytes [start, start + size) of `handle`,
    memory-mapped, after checking its header against the bytes that are
    there: a header or data length past the end is 'truncated', never an
    attempt to read it."""
    where = f"{path}: tensor '{name}'"
    handle.seek(start)
    prefix = handle.read(min(size, 12))
    if len(prefix) < 8 or prefix[:6] != b"\x93NUMPY":
        raise TensorFileError(f"{where}: not a .npy array (no \\x93NUMPY magic)")
    version = (prefix[6], prefix[7])
    length_size = {1: 2, 2: 4, 3: 4}.get(version[0])
    if length_size is None or version[1] != 0:
        raise TensorFileError(f"{where}: unsupported .npy version {version[0]}.{version[1]}")
    if len(prefix) < 8 + length_size:
        raise TensorFileError(f"{where}: truncated .npy header")
    header_size = int.from_bytes(prefix[8:8 + length_size], "little")
    if 8 + length_size + header_size > size:
        raise TensorFileError(f"{where}: truncated: the .npy header should be {header_size} "
                              f"bytes, but only {size - 8 - length_size} follow its length")
    handle.seek(start + 8)
    try:
        if version[0] == 1:
            header = np.lib.format.read_array_header_1_0(handle)
        elif version[0] == 2:
            header = np.lib.format.read_array_header_2_0(handle)
        else:
            header = np.lib.format._read_array_header(handle, version)  # noqa: SLF001
        shape, fortran_order, dtype = header
    except Exception as error:  # noqa: BLE001
        # ValueError, SyntaxError, TokenError, TypeError, UnicodeDecodeError
        # from the header's literal: the file's fault.
        raise TensorFileError(f"{where}: malformed .npy header: "
                              f"{type(error).__name__}: {error}") from None
    if any(d < 0 for d in shape):
        raise TensorFileError(f"{where}: malformed .npy header: shape {shape}")
    dtype_name = _safetensors_dtype(path, name, dtype)
    data_start = start + 8 + length_size + header_size
    needed = math.prod(shape) * dtype.itemsize
    if needed > start + size - data_start:
        raise TensorFileError(f"{where}: truncated: shape {list(shape)} of {dtype} needs "
                              f"{needed} bytes, but {start + size - data_start} follow the header")
    if needed == 0:
        return Tensor(name, np.zeros(shape, dtype), dtype_name)
    array = np.memmap(handle, dtype=dtype, mode="r", offset=data_start, shape=shape,
                      order="F" if fortran_order else "C")
    return Tensor(name, array, dtype_name)


def _safetensors_dtype(path, name, dtype):
    dtype_name = _NUMPY_TO_SAFETENSORS.get(dtype)
    if dtype_name is None:
        raise TensorFileError(f"{path}: tensor '{name}' has unsupported dtype {dtype}")
    return dtype_name


def read_tensors(path):
    """(tensors, metadata) of a .safetensors, .npy or .npz file."""
    if path.endswith((".npy", ".npz")):
        return read_numpy(path)
    return read_safetensors(path)
