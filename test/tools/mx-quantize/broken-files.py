# RUN: rm -rf %t && mkdir -p %t
# RUN: env PYTHONPATH=%mx_python_packages %python %s %t mx-quantize | FileCheck %s
#
# Missing, truncated and malformed inputs, and an output that cannot be
# written whole: exit status 1, one clear line on stderr, and no output file,
# temporary or partial, left behind (an existing output file is left as it
# was, and the input untouched).

import json
import os
import resource
import signal
import struct
import subprocess
import sys
import zipfile

import numpy as np

from mx_mlir.tensor_writer import write_tensors

directory, tool = sys.argv[1], sys.argv[2]


def path(name):
    return os.path.join(directory, name)


def safetensors(header, data=b"", header_size=None):
    text = json.dumps(header).encode()
    size = len(text) if header_size is None else header_size
    return struct.pack("<Q", size) + text + data


good = np.arange(64, dtype=np.float32).reshape(2, 32)
write_tensors(path("good.safetensors"), [("w", good, "F32")])
good_bytes = open(path("good.safetensors"), "rb").read()
entry = {"dtype": "F32", "shape": [2, 32], "data_offsets": [0, 256]}
cases = {
    "empty.safetensors": b"",
    "short-length.safetensors": b"\x10\x00\x00",
    "header-cut.safetensors": good_bytes[:20],
    "data-cut.safetensors": good_bytes[:-10],
    "huge-header.safetensors": struct.pack("<Q", 1 << 40) + b"{}",
    "not-json.safetensors": safetensors({}, header_size=2)[:8] + b"{[" + b"",
    "not-object.safetensors": safetensors([1, 2]),
    "no-dtype.safetensors": safetensors({"w": {"shape": [2], "data_offsets": [0, 8]}}, bytes(8)),
    "bad-dtype.safetensors": safetensors({"w": dict(entry, dtype="F7")}, bytes(256)),
    "bad-shape.safetensors": safetensors({"w": dict(entry, shape=[2, -32])}, bytes(256)),
    "wrong-size.safetensors": safetensors({"w": dict(entry, shape=[2, 33])}, bytes(256)),
    "overlap.safetensors": safetensors({"a": entry, "b": dict(entry, data_offsets=[128, 384])},
                                       bytes(384)),
    "gap.safetensors": safetensors({"w": dict(entry, data_offsets=[8, 264])}, bytes(264)),
    "bad-metadata.safetensors": safetensors({"__metadata__": {"k": 1}}),
    "truncated.npy": open(path("good.safetensors"), "rb").read()[:0],
}
np.save(path("full.npy"), good)
cases["truncated.npy"] = open(path("full.npy"), "rb").read()[:100]
cases["corrupt.npz"] = b"PK\x03\x04 this is not a zip archive"
# An .npy header cut inside its dict literal (found by mx-tensor-file-fuzzer:
# NumPy raised tokenize.TokenError, which escaped as a traceback).
npy_header = b"{'descr': '<f4', 'fortran_order': False, 'shape': (2,"
npy_header += b" " * (63 - len(npy_header) % 64) + b"\n"
cases["cut-header.npy"] = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(npy_header)) + npy_header + bytes(8)
# A .npy v2 header length of 4 GiB in a 13-byte file (found by
# mx-tensor-file-fuzzer: NumPy tried to read it, out of memory).
cases["huge-header.npy"] = b"\x93NUMPY\x02\x00\xff\xff\xff\xffi"
full_npy = open(path("full.npy"), "rb").read()
cases["bad-version.npy"] = b"\x93NUMPY\x09\x00" + full_npy[8:]
cases["data-cut.npy"] = full_npy[:-10]
np.save(path("complex.npy"), np.zeros(4, np.complex64))
np.save(path("object.npy"), np.array([{}], dtype=object), allow_pickle=True)
with zipfile.ZipFile(path("not-npy-member.npz"), "w") as archive:
    archive.writestr("w.txt", "not an array")
for name, data in cases.items():
    with open(path(name), "wb") as handle:
        handle.write(data)

with open(path("existing.safetensors"), "w") as handle:
    handle.write("keep me")


def run(*args):
    return subprocess.run([tool, *args], capture_output=True, text=True)


for name in ["missing.safetensors"] + list(cases) + ["complex.npy", "object.npy",
                                                    "not-npy-member.npz"]:
    result = run(path(name), "--format", "e4m3", "-o", path("existing.safetensors"))
    message = result.stderr.strip().replace(directory + "/", "")
    print(f"{name}: exit {result.returncode}: {message}")
# CHECK: missing.safetensors: exit 1: mx-quantize: error: missing.safetensors: cannot open: No such file or directory
# CHECK: empty.safetensors: exit 1: mx-quantize: error: empty.safetensors: truncated: 0 bytes, but a safetensors file starts with an 8-byte header length
# CHECK: short-length.safetensors: exit 1: mx-quantize: error: short-length.safetensors: truncated: 3 bytes, but a safetensors file starts with an 8-byte header length
# CHECK: header-cut.safetensors: exit 1: mx-quantize: error: header-cut.safetensors: truncated: the header should be {{[0-9]+}} bytes, but only 12 follow the length
# CHECK: data-cut.safetensors: exit 1: mx-quantize: error: data-cut.safetensors: truncated: tensor 'w' ends at byte 256 of the data, but the file holds 246
# CHECK: huge-header.safetensors: exit 1: mx-quantize: error: huge-header.safetensors: malformed: header length 1099511627776 is over the format's limit of 104857600 bytes
# CHECK: not-json.safetensors: exit 1: mx-quantize: error: not-json.safetensors: malformed header: not UTF-8 JSON
# CHECK: not-object.safetensors: exit 1: mx-quantize: error: not-object.safetensors: malformed header: expected a JSON object
# CHECK: no-dtype.safetensors: exit 1: mx-quantize: error: no-dtype.safetensors: malformed header: tensor 'w': missing dtype
# CHECK: bad-dtype.safetensors: exit 1: mx-quantize: error: bad-dtype.safetensors: malformed header: tensor 'w': unsupported dtype 'F7'
# CHECK: bad-shape.safetensors: exit 1: mx-quantize: error: bad-shape.safetensors: malformed header: tensor 'w': shape must be a list of non-negative integers
# CHECK: wrong-size.safetensors: exit 1: mx-quantize: error: wrong-size.safetensors: malformed header: tensor 'w': 256 bytes of data for shape [2, 33] of F32, which needs 264
# CHECK: overlap.safetensors: exit 1: mx-quantize: error: overlap.safetensors: malformed: tensor 'b' at bytes [128, 384) overlaps the previous tensor
# CHECK: gap.safetensors: exit 1: mx-quantize: error: gap.safetensors: malformed: tensor 'w' at bytes [8, 264) leaves a gap before it
# CHECK: bad-metadata.safetensors: exit 1: mx-quantize: error: bad-metadata.safetensors: malformed header: __metadata__ must map strings to strings
# CHECK: truncated.npy: exit 1: mx-quantize: error: truncated.npy: tensor 'truncated': truncated: the .npy header should be 118 bytes, but only 90 follow its length
# CHECK: corrupt.npz: exit 1: mx-quantize: error: corrupt.npz: malformed or truncated .npz: BadZipFile: File is not a zip file
# CHECK: cut-header.npy: exit 1: mx-quantize: error: cut-header.npy: tensor 'cut-header': malformed .npy header: TokenError: ('EOF in multi-line statement'
# CHECK: huge-header.npy: exit 1: mx-quantize: error: huge-header.npy: tensor 'huge-header': truncated: the .npy header should be 4294967295 bytes, but only 1 follow its length
# CHECK: bad-version.npy: exit 1: mx-quantize: error: bad-version.npy: tensor 'bad-version': unsupported .npy version 9.0
# CHECK: data-cut.npy: exit 1: mx-quantize: error: data-cut.npy: tensor 'data-cut': truncated: shape [2, 32] of float32 needs 256 bytes, but 246 follow the header
# CHECK: complex.npy: exit 1: mx-quantize: error: complex.npy: tensor 'complex' has unsupported dtype complex64
# CHECK: object.npy: exit 1: mx-quantize: error: object.npy: tensor 'object' has unsupported dtype object
# CHECK: not-npy-member.npz: exit 1: mx-quantize: error: not-npy-member.npz: .npz member 'w.txt' is not a .npy array

# The direction must match the file.
result = run(path("good.safetensors"), "--dequantize", "-o", path("existing.safetensors"))
print("dequantize f32:", result.returncode, result.stderr.strip().replace(directory + "/", ""))
# CHECK: dequantize f32: 1 mx-quantize: error: good.safetensors: no mx_mlir metadata: not written by mx-quantize
assert run(path("good.safetensors"), "--format", "e4m3", "-o", path("mx.safetensors")).returncode == 0
result = run(path("mx.safetensors"), "--format", "e4m3", "-o", path("existing.safetensors"))
print("quantize twice:", result.returncode, result.stderr.strip().replace(directory + "/", ""))
# CHECK: quantize twice: 1 mx-quantize: error: mx.safetensors: already quantized by mx-quantize (use --dequantize)

# A quantized file whose pieces do not fit its record.
data = open(path("mx.safetensors"), "rb").read()
(size,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + size])
body = data[8 + size:]
info = json.loads(header["__metadata__"]["mx_mlir"])
info["tensors"]["w"]["shape"] = [4, 32]
header["__metadata__"]["mx_mlir"] = json.dumps(info)
with open(path("mx-bad.safetensors"), "wb") as handle:
    handle.write(safetensors(header, body))
result = run(path("mx-bad.safetensors"), "--dequantize", "-o", path("existing.safetensors"))
print("bad record:", result.returncode, result.stderr.strip().replace(directory + "/", ""))
# CHECK: bad record: 1 mx-quantize: error: mx-bad.safetensors: 'w.blocks' [2, 1, 32] / 'w.scales' [2, 1] do not hold a [4, 32] tensor in e4m3 with blocks of 32

# The same for a two-level file, and one whose record names another block.
assert run(path("good.safetensors"), "--format", "mx6", "-o", path("mx6.safetensors")).returncode == 0
data = open(path("mx6.safetensors"), "rb").read()
(size,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + size])
body = data[8 + size:]
for label, change in (("bad two-level record", lambda i: i["tensors"]["w"].update(shape=[4, 32])),
                      ("two-level block", lambda i: i.update(block=32))):
    info = json.loads(header["__metadata__"]["mx_mlir"])
    change(info)
    bad_header = dict(header, __metadata__={"mx_mlir": json.dumps(info)})
    with open(path("mx6-bad.safetensors"), "wb") as handle:
        handle.write(safetensors(bad_header, body))
    result = run(path("mx6-bad.safetensors"), "--dequantize", "-o", path("existing.safetensors"))
    print(f"{label}:", result.returncode, result.stderr.strip().replace(directory + "/", ""))
# CHECK: bad two-level record: 1 mx-quantize: error: mx6-bad.safetensors: 'w.blocks' [2, 2, 12] does not hold a [4, 32] tensor in mx6
# CHECK: two-level block: 1 mx-quantize: error: mx6-bad.safetensors: malformed mx_mlir metadata: format 'mx6', block 32
result = run(path("good.safetensors"), "--format", "mx9", "--block", "32", "-o", path("x.safetensors"))
print("two-level usage:", result.returncode, result.stderr.strip().splitlines()[-1])
# CHECK: two-level usage: 2 mx-quantize: error: --block: mx9 has blocks of 16

# Usage errors and an output nobody can write.
result = run(path("good.safetensors"), "-o", path("x.safetensors"))
print("usage:", result.returncode, result.stderr.strip().splitlines()[-1])
# CHECK: usage: 2 mx-quantize: error: give --format FMT to quantize, or --dequantize (not both)
result = run(path("good.safetensors"), "--format", "e4m3", "-o", path("no/such/dir/out.safetensors"))
print("unwritable:", result.returncode, result.stderr.strip().replace(directory + "/", ""))
# CHECK: unwritable: 1 mx-quantize: error: no/such/dir/out.safetensors: cannot write: No such file or directory
os.mkdir(path("a-directory.safetensors"))
result = run(path("good.safetensors"), "--format", "e4m3", "-o", path("a-directory.safetensors"))
print("directory:", result.returncode, result.stderr.strip().replace(directory + "/", ""))
# CHECK: directory: 1 mx-quantize: error: a-directory.safetensors: cannot write: Is a directory
os.mkdir(path("a-directory.npz"))
result = run(path("good.safetensors"), "--format", "e4m3", "-o", path("a-directory.npz"))
print("npz directory:", result.returncode, result.stderr.strip().replace(directory + "/", ""))
# CHECK: npz directory: 1 mx-quantize: error: a-directory.npz: cannot write: Is a directory
# A location nobody may write, root included: sysfs refuses new files.
if os.path.isdir("/sys/kernel"):
    result = run(path("good.safetensors"), "--format", "e4m3", "-o", "/sys/kernel/mx.safetensors")
    print("unwritable location:", result.returncode, result.stderr.strip())
else:
    print("unwritable location: skipped, no sysfs")
# CHECK: unwritable location: {{(1 mx-quantize: error: /sys/kernel/mx.safetensors: cannot write: .+|skipped, no sysfs)$}}

# A full disk: a file-size limit makes the output's writes fail part way
# (EFBIG where a full disk gives ENOSPC; the same path in the tool).
big = np.ones((64, 4096), dtype=np.float32)
write_tensors(path("big.safetensors"), [("w", big, "F32")])
big_bytes = open(path("big.safetensors"), "rb").read()


def small_file_limit():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))


result = subprocess.run([tool, path("big.safetensors"), "--format", "e4m3", "-o",
                         path("x.safetensors")], capture_output=True, text=True,
                        preexec_fn=small_file_limit)
print("full:", result.returncode, result.stderr.strip().replace(directory + "/", ""))
# CHECK: full: 1 mx-quantize: error: x.safetensors: File too large
result = subprocess.run([tool, path("big.safetensors"), "--format", "e4m3", "-o",
                         path("x.npz")], capture_output=True, text=True,
                        preexec_fn=small_file_limit)
print("full npz:", result.returncode, result.stderr.strip().replace(directory + "/", ""))
# CHECK: full npz: 1 mx-quantize: error: x.npz: File too large
print("input untouched:", open(path("big.safetensors"), "rb").read() == big_bytes)
# CHECK: input untouched: True

print("existing output:", open(path("existing.safetensors")).read())
# CHECK: existing output: keep me
print("left behind:", sorted(f for f in os.listdir(directory) if f.startswith(".") or f.startswith("x.")))
# CHECK: left behind: []
