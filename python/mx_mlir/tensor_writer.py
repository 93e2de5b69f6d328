"""Writing tensor files (safetensors, .npz) a piece at a time.

The file's layout is fixed before any data is written: a TensorWriter takes
every tensor's name, dtype and shape, and then pieces of their bytes at
any offset, in any order. So a tool can stream a model larger than memory
through its kernels, holding one chunk at a time. The file appears whole
or not at all: the data goes to a temporary file in the output's
directory, renamed over the output by commit(); an error (a full disk, a
file-size limit) removes it and leaves any older output untouched.
"""

import json
import math
import os
import struct
import tempfile
import zipfile

import numpy as np

from .tensor_files import SAFETENSORS_DTYPES, TensorFileError

_COPY_BYTES = 1 << 24  # pieces of 16 MiB


def _temporary(path, prefix):
    """A new file next to `path`, readable as the user's umask says (mkstemp's
    0600 is for secrets)."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        descriptor, name = tempfile.mkstemp(prefix=prefix, dir=directory)
    except OSError as error:
        raise TensorFileError(f"{path}: cannot write: {error.strerror}") from None
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    return descriptor, name


def _replace(temporary, path):
    """Renames the finished file over `path`; an error names `path` (a
    directory there, say), not the temporary."""
    try:
        os.replace(temporary, path)
    except OSError as error:
        raise TensorFileError(f"{path}: cannot write: {error.strerror}") from None


def _pwrite_all(descriptor, data, offset):
    view = memoryview(data).cast("B")
    while view:
        written = os.pwrite(descriptor, view, offset)
        view, offset = view[written:], offset + written


def _c_order_pieces(array):
    """`array`'s elements in C order as contiguous pieces of at most about
    _COPY_BYTES: views where it is C-contiguous, copies of a few rows at a
    time where it is not (a Fortran-order .npy), never a copy of the whole."""
    if array.flags.c_contiguous:
        flat = array.reshape(-1)
        step = max(1, _COPY_BYTES // max(flat.itemsize, 1))
        for start in range(0, flat.size, step):
            yield flat[start:start + step]
        return
    row_bytes = array[0].nbytes if array.shape[0] else 0
    if row_bytes > _COPY_BYTES:
        for row in array:
            yield from _c_order_pieces(row)
        return
    rows = max(1, _COPY_BYTES // max(row_bytes, 1))
    for start in range(0, array.shape[0], rows):
        yield np.ascontiguousarray(array[start:start + rows]).reshape(-1)


class TensorWriter:
    """Writes [(name, dtype name, shape)] to `path` (safetensors, or .npz by
    the file name) from pieces given to write(); use as a context manager
    and call commit() once every byte is written."""

    def __init__(self, path, entries, metadata=None):
        self.path, self.entries = path, list(entries)
        self.npz = path.endswith(".npz")
        self.begin, self.size, self.written, offset = {}, {}, {}, 0
        for name, dtype_name, shape in self.entries:
            if name in self.begin:
                raise ValueError(f"two tensors named '{name}'")
            size = math.prod(shape) * np.dtype(SAFETENSORS_DTYPES[dtype_name]).itemsize
            self.begin[name], self.size[name], self.written[name] = offset, size, 0
            offset += size
        self.data_start = 0
        # A .npz is built at commit() from the data laid out raw in a spill
        # file; a safetensors file is its header, then that same layout.
        self.descriptor, self.temporary = _temporary(path, ".mx-quantize-")
        if not self.npz:
            header = dict(({"__metadata__": metadata} if metadata else {}), **{
                name: {"dtype": dtype_name, "shape": list(shape),
                       "data_offsets": [self.begin[name], self.begin[name] + self.size[name]]}
                for name, dtype_name, shape in self.entries})
            text = json.dumps(header, separators=(",", ":")).encode()
            text += b" " * (-len(text) % 8)  # the data starts 8-byte aligned
            self.data_start = 8 + len(text)
            _pwrite_all(self.descriptor, struct.pack("<Q", len(text)) + text, 0)

    def write(self, name, byte_offset, array):
        """Writes `array`'s bytes (C order) at `byte_offset` of tensor `name`."""
        data = np.ascontiguousarray(array)
        if byte_offset < 0 or byte_offset + data.nbytes > self.size[name]:
            raise ValueError(f"bytes [{byte_offset}, {byte_offset + data.nbytes}) are outside "
                             f"tensor '{name}' ({self.size[name]} bytes)")
        _pwrite_all(self.descriptor, data, self.data_start + self.begin[name] + byte_offset)
        self.written[name] += data.nbytes

    def write_all(self, name, array):
        """Writes a whole tensor in C order, a piece at a time (`array` may be
        a map of a file larger than memory, in any order)."""
        offset = 0
        for piece in _c_order_pieces(np.asarray(array)):
            self.write(name, offset, piece)
            offset += piece.nbytes

    def commit(self):
        unwritten = [n for n, _, _ in self.entries if self.written[n] != self.size[n]]
        if unwritten:
            raise ValueError(f"tensor '{unwritten[0]}' was not written whole")
        if self.npz:
            self._build_npz()
        else:
            os.close(self.descriptor)
            self.descriptor = None
            _replace(self.temporary, self.path)
        self.temporary = None

    def _build_npz(self):
        descriptor, archive_path = _temporary(self.path, ".mx-quantize-")
        try:
            with os.fdopen(descriptor, "wb") as out, \
                    zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
                for name, dtype_name, shape in self.entries:
                    dtype = np.dtype(SAFETENSORS_DTYPES[dtype_name])
                    with archive.open(name + ".npy", "w", force_zip64=True) as member:
                        header = {"descr": np.lib.format.dtype_to_descr(dtype),
                                  "fortran_order": False, "shape": tuple(shape)}
                        try:
                            np.lib.format.write_array_header_1_0(member, header)
                        except ValueError:  # a header over 64 KiB
                            np.lib.format.write_array_header_2_0(member, header)
                        for start in range(0, self.size[name], _COPY_BYTES):
                            count = min(_COPY_BYTES, self.size[name] - start)
                            member.write(os.pread(self.descriptor,
                                                  count, self.begin[name] + start))
            _replace(archive_path, self.path)
        except BaseException:
            os.unlink(archive_path)
            raise
        os.close(self.descriptor)
        self.descriptor = None
        os.unlink(self.temporary)

    def __enter__(self):
        return self

    def __exit__(self, *_):
        if self.descriptor is not None:
            os.close(self.descriptor)
            self.descriptor = None
        if self.temporary is not None:
            os.unlink(self.temporary)
            self.temporary = None
        return False


def write_tensors(path, tensors, metadata=None):
    """Writes [(name, array, dtype name)] as safetensors (or .npz by the
    file name), whole or not at all."""
    with TensorWriter(path, [(n, d, a.shape) for n, a, d in tensors], metadata) as writer:
        for name, array, _ in tensors:
            writer.write_all(name, array)
        writer.commit()
