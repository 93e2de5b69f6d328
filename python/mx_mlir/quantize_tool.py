"""mx-quantize: quantize the tensors of a file to an MX format, and back.

    mx-quantize model.safetensors --format e2m1 -o model.mxfp4.safetensors
    mx-quantize model.mxfp4.safetensors --dequantize -o model.f32.safetensors

Every floating-point tensor (F32, F16, BF16, F64; `--keep` names the ones
to leave alone) is quantized along its last axis by the compiler's kernels
(mx_mlir.quantize) and written as two U8 tensors, like published MXFP4
checkpoints: `<name>.blocks`, the packed elements (shape [..., blocks,
bytes per block] when the last axis is whole blocks, else the storage
shape [..., ceil(K/2) for FP4 or K]), and `<name>.scales`, one E8M0 byte per
block. A two-level format (mx9, mx6, mx4: shared microexponents, blocks of
16) is one U8 tensor, `<name>.blocks` of shape [..., blocks, bytes per
block], each block its exponent, microexponents and element codes packed
as the compiled code stores them. The `mx_mlir` metadata entry records what
--dequantize needs.
Other tensors are copied. Inputs: .safetensors, .npy, .npz; outputs:
.safetensors or .npz. A broken input is an error, and no output file is
left behind.
"""

import argparse
import fnmatch
import json
import math
import sys
import time

import numpy as np

from . import arrays
from .tensor_files import TensorFileError, read_tensors
from .tensor_writer import TensorWriter

CHUNK_ELEMENTS = 1 << 22  # rows are quantized 16 MiB of f32 at a time
METADATA_KEY = "mx_mlir"


class Progress:
    """A one-line progress bar on stderr, in bytes of source tensors."""

    def __init__(self, total, enabled):
        self.total, self.done, self.enabled = max(total, 1), 0, enabled
        self.start = time.monotonic()

    def advance(self, count, label):
        self.done += count
        if not self.enabled:
            return
        fraction = min(1.0, self.done / self.total)
        filled = int(30 * fraction)
        rate = self.done / max(time.monotonic() - self.start, 1e-9) / 1e6
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {100 * fraction:5.1f}% "
                         f"{self.done / 1e6:9.1f}/{self.total / 1e6:.1f} MB {rate:7.1f} MB/s  "
                         f"{label[:40]:<40}")
        sys.stderr.flush()

    def finish(self):
        if self.enabled:
            sys.stderr.write("\n")


def _row_chunks(rows, width):
    step = max(1, min(rows, CHUNK_ELEMENTS // max(width, 1)))
    for start in range(0, rows, step):
        yield start, min(rows, start + step)


def _blocks_shape(shape, fmt, block):
    """Shape of `<name>.blocks`: [..., blocks, bytes per block] when the last
    axis is whole blocks (the layout of published MXFP4 checkpoints), else
    the storage shape."""
    width = shape[-1]
    storage = tuple(shape[:-1]) + tuple(arrays.storage_shape((width,), fmt))
    if width % block or (fmt == "e2m1" and block % 2):
        return storage
    per_block = block // 2 if fmt == "e2m1" else block
    return tuple(shape[:-1]) + (width // block, per_block)


def _two_level_blocks_shape(shape, fmt):
    """Shape of a two-level `<name>.blocks`: [..., blocks, bytes per block]."""
    return arrays.shared_microexponent_storage_shape(shape, fmt, -1)


def quantize_tensor(tensor, options, progress, writer):
    """Quantizes one tensor a row chunk at a time into `writer`'s
    `<name>.blocks` (and `<name>.scales`); returns its error statistics."""
    values = tensor.values()
    shape = values.shape
    width = shape[-1]
    rows = math.prod(shape[:-1])
    matrix = values.reshape(rows, width)
    two_level = arrays.is_two_level(options.format)
    if two_level:
        storage_row = math.prod(_two_level_blocks_shape((width,), options.format))
    else:
        storage_row = arrays.storage_shape((width,), options.format)[0]
    scales_row = -(-width // options.block)
    error_max = amax = square_error = square_sum = 0.0
    nan_blocks = 0
    for start, end in _row_chunks(rows, width):
        chunk = np.asarray(matrix[start:end], dtype=np.float32)
        if two_level:
            q = arrays.quantize(chunk, options.format, axis=-1, rounding=options.rounding)
            writer.write(tensor.name + ".blocks", start * storage_row, q.blocks)
            block_exponents = q.blocks[..., 0]
        else:
            q = arrays.quantize(chunk, options.format, block=options.block, axis=-1,
                                scale_rule=options.scale_rule, rounding=options.rounding)
            writer.write(tensor.name + ".blocks", start * storage_row, q.elements)
            writer.write(tensor.name + ".scales", start * scales_row, q.scales)
            block_exponents = q.scales
        back = arrays.dequantize(q).astype(np.float64)
        # Error statistics over finite values; a block holding NaN or Inf
        # is NaN as a whole (its scale is NaN) and counts apart.
        finite = np.isfinite(chunk) & np.isfinite(back)
        nan_blocks += int(np.sum(block_exponents == 0xFF))
        error = np.where(finite, np.abs(back - chunk), 0.0)
        error_max = max(error_max, float(error.max(initial=0.0)))
        amax = max(amax, float(np.abs(np.where(finite, chunk, 0.0)).max(initial=0.0)))
        square_error += float(np.sum(error * error))
        square_sum += float(np.sum(np.where(finite, chunk.astype(np.float64), 0.0) ** 2))
        progress.advance(chunk.size * tensor.array.itemsize, tensor.name)
    return {"max_error": error_max / amax if amax else 0.0,
            "rms_error": (square_error / square_sum) ** 0.5 if square_sum else 0.0,
            "nan_blocks": nan_blocks}


def run_quantize(options):
    tensors, metadata = read_tensors(options.input)
    if METADATA_KEY in metadata:
        raise TensorFileError(f"{options.input}: already quantized by mx-quantize "
                              "(use --dequantize)")
    chosen = [t for t in tensors if t.is_float and t.array.ndim and t.array.size
              and not any(fnmatch.fnmatchcase(t.name, p) for p in options.keep)]
    names = {t.name for t in tensors}
    two_level = arrays.is_two_level(options.format)
    suffixes = (".blocks",) if two_level else (".blocks", ".scales")
    entries, record = [], {}
    for tensor in tensors:
        shape = tensor.array.shape
        if tensor not in chosen:
            entries.append((tensor.name, tensor.dtype_name, shape))
            continue
        for suffix in suffixes:
            if tensor.name + suffix in names:
                raise TensorFileError(f"{options.input}: tensor '{tensor.name}' cannot be written "
                                      f"as '{tensor.name}{suffix}': the file has a tensor of "
                                      "that name")
        if two_level:
            entries.append((tensor.name + ".blocks", "U8",
                            _two_level_blocks_shape(shape, options.format)))
        else:
            entries += [(tensor.name + ".blocks", "U8", _blocks_shape(shape, options.format,
                                                                      options.block)),
                        (tensor.name + ".scales", "U8",
                         arrays.scales_shape(shape, arrays.block_shape(shape, options.block, -1)))]
        record[tensor.name] = {"shape": list(shape), "dtype": tensor.dtype_name}
    metadata = dict(metadata)
    metadata[METADATA_KEY] = json.dumps({
        "version": 1, "format": options.format, "block": options.block, "axis": -1,
        "scale_rule": options.scale_rule, "rounding": options.rounding, "tensors": record})
    progress = Progress(sum(t.array.nbytes for t in chosen), options.progress)
    rows = []
    with TensorWriter(options.output, entries, metadata) as writer:
        for tensor in tensors:
            if tensor not in chosen:
                writer.write_all(tensor.name, tensor.array)
                rows.append((tensor.name, tensor.array.shape, tensor.array.nbytes,
                             tensor.array.nbytes, None))
                continue
            stats = quantize_tensor(tensor, options, progress, writer)
            written = writer.size[tensor.name + ".blocks"] + writer.size.get(
                tensor.name + ".scales", 0)
            rows.append((tensor.name, tensor.array.shape, tensor.array.nbytes, written, stats))
        progress.finish()
        writer.commit()
    return rows


def _quantized_entry(path, tensors, name, entry, fmt, block):
    """The MXArray of one recorded tensor, checked against its record."""
    try:
        shape = tuple(int(d) for d in entry["shape"])
    except (KeyError, TypeError, ValueError):
        raise TensorFileError(f"{path}: malformed mx_mlir metadata for '{name}'") from None
    if not shape or not all(d > 0 for d in shape):
        raise TensorFileError(f"{path}: malformed mx_mlir metadata for '{name}': shape {shape}")
    if arrays.is_two_level(fmt):
        blocks = tensors[name + ".blocks"]
        storage = _two_level_blocks_shape(shape, fmt)
        if blocks.dtype_name != "U8" or blocks.array.shape != storage:
            raise TensorFileError(f"{path}: '{name}.blocks' {list(blocks.array.shape)} does not "
                                  f"hold a {list(shape)} tensor in {fmt}")
        return shape, blocks.array, None
    blocks, scales = tensors[name + ".blocks"], tensors[name + ".scales"]
    storage = arrays.storage_shape(shape, fmt)
    expected_scales = arrays.scales_shape(shape, arrays.block_shape(shape, block, -1))
    if (blocks.dtype_name != "U8" or scales.dtype_name != "U8"
            or blocks.array.size != math.prod(storage) or scales.array.shape != expected_scales):
        raise TensorFileError(f"{path}: '{name}.blocks' {list(blocks.array.shape)} / "
                              f"'{name}.scales' {list(scales.array.shape)} do not hold a "
                              f"{list(shape)} tensor in {fmt} with blocks of {block}")
    return shape, blocks.array.reshape(storage), scales.array


def run_dequantize(options):
    tensors, metadata = read_tensors(options.input)
    path = options.input
    if METADATA_KEY not in metadata:
        raise TensorFileError(f"{path}: no mx_mlir metadata: not written by mx-quantize")
    try:
        info = json.loads(metadata[METADATA_KEY])
        fmt, block, record = info["format"], int(info["block"]), dict(info["tensors"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError):
        raise TensorFileError(f"{path}: malformed mx_mlir metadata") from None
    two_level = isinstance(fmt, str) and arrays.is_two_level(fmt)
    try:  # a two-level format's block size is part of it
        valid = arrays._shared_microexponent_info(fmt)[1] == block if two_level else (
            fmt in arrays.FORMATS and block >= 1)
    except ValueError:
        valid = False
    if not valid:
        raise TensorFileError(f"{path}: malformed mx_mlir metadata: format {fmt!r}, block {block}")
    by_name = {t.name: t for t in tensors}
    suffixes = (".blocks",) if two_level else (".blocks", ".scales")
    parts = {n + suffix for n in record for suffix in suffixes}
    missing = [n for n in record if any(n + suffix not in by_name for suffix in suffixes)]
    if missing:
        raise TensorFileError(f"{path}: tensor '{missing[0]}' lacks its "
                              f"{' or '.join(suffixes)}")
    entries, quantized = [], {}
    for tensor in tensors:  # in file order; each quantized one at its .blocks
        if tensor.name not in parts:
            entries.append((tensor.name, tensor.dtype_name, tensor.array.shape))
        elif tensor.name.endswith(".blocks") and tensor.name[:-len(".blocks")] in record:
            name = tensor.name[:-len(".blocks")]
            quantized[name] = _quantized_entry(path, by_name, name, record[name], fmt, block)
            entries.append((name, "F32", quantized[name][0]))
    progress = Progress(sum(by_name[p].array.nbytes for p in parts if p in by_name), options.progress)
    rest = {k: v for k, v in metadata.items() if k != METADATA_KEY}
    rows = []
    with TensorWriter(options.output, entries, rest) as writer:
        for name, _, shape in entries:
            if name not in quantized:
                array = by_name[name].array
                writer.write_all(name, array)
                rows.append((name, shape, array.nbytes, array.nbytes, None))
                continue
            shape, storage, scales = quantized[name]
            width, rows_count = shape[-1], math.prod(shape[:-1])
            if two_level:
                storage2d = storage.reshape((rows_count,) + storage.shape[-2:])
            else:
                storage2d = storage.reshape(rows_count, storage.shape[-1])
                scales2d = scales.reshape(rows_count, scales.shape[-1])
            for start, end in _row_chunks(rows_count, width):
                if two_level:
                    q = arrays.TwoLevelArray(storage2d[start:end], fmt, (end - start, width), 1)
                else:
                    q = arrays.MXArray(storage2d[start:end], scales2d[start:end], fmt,
                                       (end - start, width), (1, block))
                writer.write(name, start * width * 4, arrays.dequantize(q))
                progress.advance(q.nbytes, name)
            size_in = storage.nbytes + (0 if scales is None else scales.nbytes)
            rows.append((name, shape, size_in, writer.size[name], None))
        progress.finish()
        writer.commit()
    return rows


def _print_summary(rows, direction, out):
    header = (f"{'tensor':<32} {'shape':<16} {'in bytes':>12} {'out bytes':>12} {'ratio':>7}"
              + ("  max|err|/amax  rel RMS err" if direction == "quantize" else ""))
    print(header, file=out)
    total_in = total_out = 0
    for name, shape, size_in, size_out, stats in rows:
        total_in, total_out = total_in + size_in, total_out + size_out
        line = (f"{name[:32]:<32} {'x'.join(map(str, shape)) or 'scalar':<16} {size_in:>12} "
                f"{size_out:>12} {size_in / max(size_out, 1):>6.2f}x")
        if stats is not None:
            line += f"  {stats['max_error']:>13.3e}  {stats['rms_error']:>11.3e}"
            if stats["nan_blocks"]:
                line += f"  ({stats['nan_blocks']} NaN blocks)"
        elif direction == "quantize":
            line += "  (kept)"
        print(line, file=out)
    print(f"{'total':<32} {'':<16} {total_in:>12} {total_out:>12} "
          f"{total_in / max(total_out, 1):>6.2f}x", file=out)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="mx-quantize", description="Quantize the tensors of a .safetensors/.npy/.npz file "
        "to an MX format with mx-mlir's kernels (or --dequantize them back to f32).")
    parser.add_argument("input", help="a .safetensors, .npy or .npz file")
    parser.add_argument("-o", "--output", required=True, help="a .safetensors or .npz file")
    parser.add_argument("--format", choices=arrays.FORMATS + arrays.TWO_LEVEL_FORMATS,
                        help="MX element format, or a two-level format (mx9, mx6, mx4)")
    parser.add_argument("--dequantize", action="store_true",
                        help="the other direction: MX tensors written by mx-quantize to f32")
    parser.add_argument("--scale-rule", default="floor", choices=arrays.SCALE_RULES)
    parser.add_argument("--rounding", default="rne", choices=("rne", "rtz"))
    parser.add_argument("--block", type=int, default=None,
                        help="block size (default 32; the two-level formats' is 16)")
    parser.add_argument("--keep", action="append", default=[], metavar="PATTERN",
                        help="leave tensors whose name matches this glob unquantized")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="draw a progress bar (default: when stderr is a terminal)")
    progress.add_argument("--no-progress", dest="progress", action="store_false")
    parser.add_argument("--quiet", action="store_true", help="no summary table")
    options = parser.parse_args(argv)
    if options.dequantize == (options.format is not None):
        parser.error("give --format FMT to quantize, or --dequantize (not both)")
    if options.format is not None and arrays.is_two_level(options.format):
        if options.block not in (None, 16):
            parser.error(f"--block: {options.format} has blocks of 16")
        if options.scale_rule != "floor":
            parser.error(f"--scale-rule: {options.format} computes its own exponents")
        options.block = 16
    elif options.block is None:
        options.block = 32
    if options.block < 2:
        parser.error("--block must be at least 2")
    if options.progress is None:
        options.progress = sys.stderr.isatty()
    try:
        rows = run_dequantize(options) if options.dequantize else run_quantize(options)
    except TensorFileError as error:
        print(f"mx-quantize: error: {error}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"mx-quantize: error: {error.filename or options.output}: {error.strerror}",
              file=sys.stderr)
        return 1
    if not options.quiet:
        _print_summary(rows, "dequantize" if options.dequantize else "quantize", sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
