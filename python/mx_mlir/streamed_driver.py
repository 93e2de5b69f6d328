"""The compiled driver of a streamed model (docs/LayerToLayer.md, "A
compiled driver"): one MLIR function that runs every layer over every
micro-batch and takes each layer's weights from a WeightStream itself,
through the runtime's C entry points, instead of a Python loop.

    func.func @<f>_streamed(%driver: i64, %x: tensor<M x ...>) -> tensor<M x ...>

For each layer k it asks `@mxWeightStreamTensor(%driver, k, t)` for the
bytes of the layer's checkpoint tensors (the first call acquires the
layer), views them with their static shapes (`memref.view`), takes MX
weights as they are stored (`mx.from_storage` of the blocks and the
scales) and turns them into the layer's operand (the model's relayout
function), runs `@<f>_layer<k>` on each micro-batch in an `scf.for`, and
then calls `@mxWeightStreamRelease(%driver, k)`.
"""

from .mxarray import ELEMENT_TYPES
from .reference import storage_shape

_DECLARATIONS = """\
func.func private @mxWeightStreamTensor(i64, index, index) -> memref<?xi8> attributes {llvm.emit_c_interface}
func.func private @mxWeightStreamRelease(i64, index) attributes {llvm.emit_c_interface}
"""


def _dims(type_text):
    """The shape of a static `tensor<AxBx...xT>` and its element type."""
    *dims, element = type_text[len("tensor<"):-1].split("x")
    return [int(d) for d in dims], element


def _tensor(shape, element):
    return "tensor<" + "x".join(str(d) for d in shape) + f"x{element}>"


def _stacked(micro_batches, type_text):
    """The type of `micro_batches` values of `type_text` stacked."""
    shape, element = _dims(type_text)
    return _tensor([micro_batches] + shape, element)


def stored_weight_types(fmt, n, k):
    """The checkpoint's N x K weight (blocks of 32 along K) as an MX type, and
    the types of its codes and scales as mx.from_storage takes them."""
    codes = k // 32 * storage_shape((1, 32), fmt)[-1]
    return (f"!mx.tensor<{n}x{k}x{ELEMENT_TYPES[fmt]}, block = [1, 32]>",
            f"tensor<{n}x{codes}xi8>", f"tensor<{n}x{k // 32}xf8E8M0FNU>")


def _micro_batch_slice(shape):
    """The offsets, sizes and strides of micro-batch %m of a stacked tensor
    whose micro-batches have `shape`."""
    return (", ".join(["%m"] + ["0"] * len(shape)),
            ", ".join(str(d) for d in [1] + shape),
            ", ".join(["1"] * (len(shape) + 1)))


class _Emitter:
    def __init__(self):
        self.lines, self.count = [], 0

    def value(self, text):
        """Emits `%vN = text` and returns %vN."""
        name = f"%v{self.count}"
        self.count += 1
        self.lines.append(f"  {name} = {text}")
        return name

    def index(self, i):
        return self.value(f"arith.constant {i} : index")

    def stream_tensor(self, layer, tensor, shape, element):
        """The layer's checkpoint tensor `tensor` viewed as tensor<shape x element>."""
        memref = "memref<" + "x".join(str(d) for d in shape) + f"x{element}>"
        raw = self.value(f"func.call @mxWeightStreamTensor(%driver, {self.index(layer)}, "
                         f"{self.index(tensor)}) : (i64, index, index) -> memref<?xi8>")
        view = self.value(f"memref.view {raw}[{self.index(0)}][] : memref<?xi8> to {memref}")
        return self.value(f"bufferization.to_tensor {view} restrict : {memref} to "
                          f"{_tensor(shape, element)}")


def compiled_driver(function, micro_batches, layers, output):
    """The driver's MLIR text (with the two runtime declarations).

    `layers[k]` is a dict: `activations` [(per-micro-batch type, source)]
    with sources ("input", 0) or ("layer", j, r); `operands` [(type, step)],
    the layer's other arguments with StreamedModel's plan steps: ("tensor",
    t) (checkpoint tensor t of the layer, F32) or ("weight", t, relayout,
    fmt, (N, K)) (tensors t and t + 1, the blocks and scales of an N x K
    weight, which `relayout` turns into the argument); `results`
    [per-micro-batch type]. `output` is ("layer", k, r)."""
    e = _Emitter()
    input_type = layers[0]["activations"][0][0]
    stacked = {("input", 0): ("%x", input_type)}  # source -> (value, per-micro-batch type)
    zero, one, count = e.index(0), e.index(1), e.index(micro_batches)
    for k, layer in enumerate(layers):
        operands = []
        for type_text, step in layer["operands"]:
            if step[0] == "tensor":
                shape, element = _dims(type_text)
                operands.append(e.stream_tensor(k, step[1], shape, element))
                continue
            _, blocks, relayout, fmt, (out_features, in_features) = step
            mx_type, codes_type, scales_type = stored_weight_types(fmt, out_features, in_features)
            codes = e.stream_tensor(k, blocks, *_dims(codes_type))
            scales = e.stream_tensor(k, blocks + 1, *_dims(scales_type))
            stored = e.value(f"mx.from_storage {codes}, {scales} : {codes_type}, {scales_type} "
                             f"-> {mx_type}")
            operands.append(e.value(f"func.call @{relayout}({stored}) : ({mx_type}) -> {type_text}"))
        results = layer["results"]
        stacked_types = [_stacked(micro_batches, t) for t in results]
        inits = [e.value(f"tensor.empty() : {t}") for t in stacked_types]
        # The loop: its body's lines are indented under it.
        body = _Emitter()
        body.count = e.count + 1
        arguments = []
        for type_text, source in layer["activations"]:
            value, _ = stacked[source]
            offsets, sizes, strides = _micro_batch_slice(_dims(type_text)[0])
            arguments.append(body.value(
                f"tensor.extract_slice {value}[{offsets}] [{sizes}] [{strides}] : "
                f"{_stacked(micro_batches, type_text)} to {type_text}"))
        call = body.value(
            f"func.call @{function}_layer{k}({', '.join(arguments + operands)}) : "
            f"({', '.join([t for t, _ in layer['activations']] + [t for t, _ in layer['operands']])})"
            f" -> ({', '.join(results)})")
        yielded = []
        for r, (type_text, whole) in enumerate(zip(results, stacked_types)):
            result = call if len(results) == 1 else f"{call}#{r}"
            offsets, sizes, strides = _micro_batch_slice(_dims(type_text)[0])
            yielded.append(body.value(
                f"tensor.insert_slice {result} into %acc{r}[{offsets}] [{sizes}] [{strides}] : "
                f"{type_text} into {whole}"))
        loop = f"%v{e.count}"
        e.count = body.count
        carried = ", ".join(f"%acc{r} = {init}" for r, init in enumerate(inits))
        e.lines.append(f"  {loop}:{len(results)} = scf.for %m = {zero} to {count} step {one} "
                       f"iter_args({carried}) -> ({', '.join(stacked_types)}) {{")
        e.lines += ["  " + line for line in body.lines]
        e.lines.append(f"    scf.yield {', '.join(yielded)} : {', '.join(stacked_types)}")
        e.lines.append("  }")
        e.lines.append(f"  func.call @mxWeightStreamRelease(%driver, {e.index(k)}) : (i64, index) -> ()")
        for r, type_text in enumerate(results):
            stacked[("layer", k, r)] = (f"{loop}#{r}", type_text)
    value, type_text = stacked[output]
    result_type = _stacked(micro_batches, type_text)
    x_type = _stacked(micro_batches, input_type)
    return (_DECLARATIONS +
            f"func.func @{function}_streamed(%driver: i64, %x: {x_type}) -> {result_type} "
            "attributes {llvm.emit_c_interface} {\n" + "\n".join(e.lines) +
            f"\n  return {value} : {result_type}\n}}\n")
