"""A PyTorch model run layer to layer from an mx-quantize checkpoint
(docs/LayerToLayer.md).

    imported = from_torch(model, (x[0],), weights="arguments")
    model = StreamedModel(imported, "weights=e2m1 activations=e4m3",
                          micro_batches=16, checkpoint="model.mxfp4.safetensors",
                          budget=64 << 20)
    y, stats = model.run(x)          # x: [micro-batches, rows, features]

The model is compiled once: mx-quantize-policy, then mx-split-layers into
one function per layer. A run streams the checkpoint through a
WeightStream (two buffers of the largest layer, within `budget` bytes):
for each layer it takes the layer's weights as the checkpoint stores them
(`<name>.blocks` and `<name>.scales`, blocks along the input features) and
turns each into the layer's operand with `mx.transpose` (an exact move of
codes and scales, compiled with the model), then runs the layer on every
micro-batch, keeping the activations between layers. Only the current
layer's weights and the next one's are resident.

What the checkpoint must hold: the weights the policy quantizes, written
by `mx-quantize --format <the policy's weight format>` (same scale rule and
rounding: the defaults), and the other parameters (biases) kept as F32
(`--keep '*.bias'`). The model takes one input and returns one output;
a layer may read any earlier layer's outputs and the input (residual
connections), as mx-split-layers records them ({mx.input},
{mx.from_layer}, {mx.output}): each output is kept until its last reader
has run on every micro-batch.
"""

import re
import time

import numpy as np

from .ir import Module
from .mxarray import ELEMENT_TYPES, MXArray
from .reference import storage_shape
from .streamed_driver import compiled_driver, stored_weight_types
from .tensor_files import SAFETENSORS_DTYPES
from .weight_stream import WeightStream

_FORMAT_OF_TYPE = {element: fmt for fmt, element in ELEMENT_TYPES.items()}


class LayerToLayerError(Exception):
    """A model or checkpoint the streamed run cannot take, with the reason."""


def _split_top_level(text):
    """`text` split at the commas outside <>, [], {} and ()."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        depth += (c in "<[{(") - (c in ">]})")
        if c == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts


def _balanced(text, start):
    """The index just past the bracket that closes the one at `start`."""
    depth = 0
    for i in range(start, len(text)):
        depth += (text[i] in "<[{(") - (text[i] in ">]})")
        if depth == 0:
            return i + 1
    raise LayerToLayerError("unbalanced brackets in the split module")


def _typed(part):
    """(type, attributes) of `type {attributes}`."""
    type_text, _, attributes = part.partition(" {")
    return type_text.strip(), attributes.strip().rstrip("}")


def _signature(text, name):
    """[(type, attributes)] of @name's arguments and of its results."""
    found = re.search(rf"func\.func @{name}\(", text)
    if not found:
        raise LayerToLayerError(f"no function @{name} in the split module")
    close = _balanced(text, found.end() - 1)
    arguments = [_typed(part.split(": ", 1)[1])
                 for part in _split_top_level(text[found.end():close - 1])]
    rest = text[close:]
    results = []
    if rest.startswith(" -> ("):
        results = [_typed(part) for part in
                   _split_top_level(rest[5:_balanced(rest, 4) - 1])]
    elif rest.startswith(" -> "):
        results = [(re.match(r" -> (.*?)(?: attributes)? \{", rest).group(1), "")]
    return arguments, results


def _source(k, attributes):
    """Where layer k's activation with `attributes` comes from: ("input", i)
    or ("layer", j, r)."""
    found = re.search(r"mx\.input = (\d+)", attributes)
    if found:
        return ("input", int(found.group(1)))
    found = re.search(r"mx\.from_layer = array<i64: (\d+), (\d+)>", attributes)
    if found:
        return ("layer", int(found.group(1)), int(found.group(2)))
    raise LayerToLayerError(f"layer {k}: an activation says neither {{mx.input}} nor "
                            "{mx.from_layer}: was the module split by mx-split-layers?")


def _activations(k, arguments):
    """[(type, source)] of layer k's activation arguments (those before its
    parameters and prepared weights), from `_signature`'s arguments."""
    return [(t, _source(k, a)) for t, a in arguments
            if "mx.argument" not in a and "mx.layer_weight" not in a]


def _argument_index(attributes):
    found = re.search(r"mx\.argument = (\d+)", attributes)
    return int(found.group(1)) if found else None


class StreamedModel:
    def __init__(self, imported, policy, micro_batches, checkpoint, budget=0, buffers=2,
                 opt_level=3):
        self.checkpoint, self.budget, self.buffers = checkpoint, budget, buffers
        self.micro_batches = micro_batches
        function = imported.function
        module = Module.parse(imported.text)
        module.run_pipeline(f"mx-quantize-policy{{{policy}}},"
                            f"mx-split-layers{{function={function} micro-batches={micro_batches}}}")
        text = str(module)
        inputs = len(_signature(text, function)[0]) - len(imported.parameters)
        names = [name for name, _ in imported.parameters]
        if inputs != 1:
            raise LayerToLayerError(f"@{function} takes {inputs} inputs; a streamed run takes one")
        self.layers, relayouts, self._driver_layers = [], [], []
        self.sources, self.results, outputs = [], [], {}
        while f"@{function}_layer{len(self.layers)}(" in text:
            k = len(self.layers)
            arguments, results = _signature(text, f"{function}_layer{k}")
            activations = _activations(k, arguments)
            self.sources.append([source for _, source in activations])
            self.results.append(len(results))
            result_types = [t for t, _ in results]
            for r, (_, attributes) in enumerate(results):
                found = re.search(r"mx\.output = (\d+)", attributes)
                if found:
                    outputs[int(found.group(1))] = ("layer", k, r)
            tensors = []  # (checkpoint name, dtype, shape) the stream reads for the layer
            plan = []     # per layer argument after the activations: how to build it
            for type_text, attributes in arguments[len(activations):]:
                index = _argument_index(attributes)
                if index is None:
                    continue  # prepared weights, handled with the weights function
                if not type_text.startswith("tensor<") or not type_text.endswith("xf32>"):
                    raise LayerToLayerError(f"layer {k}: parameter {names[index - inputs]} of type "
                                            f"{type_text} is not an f32 tensor")
                shape = [int(s) for s in type_text[len("tensor<"):-len("xf32>")].split("x")]
                plan.append(("tensor", len(tensors)))
                tensors.append((names[index - inputs], "F32", shape))
            if f"@{function}_layer{k}_weights(" in text:
                weight_arguments, weight_results = _signature(text, f"{function}_layer{k}_weights")
                prepared_types = [type_text for type_text, _ in weight_results]
                if len(weight_arguments) != len(prepared_types):
                    raise LayerToLayerError(f"layer {k}: its weights function does not prepare one "
                                            "weight per parameter")
                for j, ((type_text, attributes), result) in enumerate(zip(weight_arguments,
                                                                          prepared_types)):
                    found = re.fullmatch(r"!mx\.tensor<(\d+)x(\d+)x(\w+), block = \[32, 1\]>", result)
                    fmt = _FORMAT_OF_TYPE.get(found.group(3)) if found else None
                    K, N = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
                    if fmt is None or type_text != f"tensor<{N}x{K}xf32>" or K % 32:
                        raise LayerToLayerError(
                            f"layer {k}: weight {j} ({type_text} -> {result}) is not the transposed "
                            "quantize of an N x K weight in whole blocks of 32 along K")
                    name = names[_argument_index(attributes) - inputs]
                    relayout = f"__l2l_layer{k}_weight{j}"
                    stored = stored_weight_types(fmt, N, K)[0]
                    relayouts.append(
                        f"func.func @{relayout}(%w: {stored}) -> {result} {{\n"
                        f"  %t = mx.transpose %w [1, 0] : {stored} -> {result}\n"
                        f"  return %t : {result}\n}}\n")
                    per_block = storage_shape((1, 32), fmt)[-1]
                    plan.append(("weight", len(tensors), relayout, fmt, (N, K)))
                    tensors.append((f"{name}.blocks", "U8", [N, K // 32, per_block]))
                    tensors.append((f"{name}.scales", "U8", [N, K // 32]))
            self.layers.append((tensors, plan))
            self._driver_layers.append({
                "activations": activations, "results": result_types,
                # The layer's arguments after its activations, in plan order.
                "operands": list(zip([t for t, _ in arguments[len(activations):]], plan))})
        if not self.layers:
            raise LayerToLayerError(f"mx-split-layers found no layer in @{function}")
        if list(outputs) != [0]:
            raise LayerToLayerError(f"@{function} returns {len(outputs)} layer outputs; a streamed "
                                    "run takes a model with one output")
        self.output = outputs[0]
        # The last layer reading each value: after it, the value is dropped.
        self.last_reader = {}
        for k, sources in enumerate(self.sources):
            for source in sources:
                self.last_reader[source] = k
        body = text.rstrip()
        if not body.endswith("}"):
            raise LayerToLayerError("the split module does not end its module")
        self.function = function
        # The bytes a run reads: every layer's tensors once.
        self.checkpoint_bytes = sum(int(np.prod(shape)) * np.dtype(SAFETENSORS_DTYPES[dtype]).itemsize
                                    for tensors, _ in self.layers for _, dtype, shape in tensors)
        driver = compiled_driver(function, micro_batches, self._driver_layers, self.output)
        self.module_text = body[:-1] + "".join(relayouts) + driver + "}\n"
        self.jit = Module.parse(self.module_text).compile(opt_level=opt_level)

    def _operands(self, k, loaded):
        """Layer k's arguments after its activation, from its loaded tensors."""
        operands = []
        for step in self.layers[k][1]:
            if step[0] == "tensor":
                operands.append(loaded[step[1]])
                continue
            _, at, relayout, fmt, (N, K) = step
            stored = MXArray(loaded[at].reshape(storage_shape((N, K), fmt)), loaded[at + 1],
                             fmt, (N, K), (1, 32))
            operands.append(self.jit.invoke(relayout, stored))
        return operands

    def load_resident(self):
        """Every layer's arguments, read from the checkpoint once and kept:
        the resident model that `run(x, resident=...)` runs, for comparing
        a streamed run with one that holds all its weights."""
        resident = []
        with WeightStream(self.checkpoint, [tensors for tensors, _ in self.layers]) as stream:
            for k in range(len(self.layers)):
                loaded = [np.array(array) for array in stream.acquire(k)]
                stream.release(k)
                resident.append(self._operands(k, loaded))
        return resident

    def run(self, x, resident=None):
        """The model on `x` ([micro-batches, rows, features], f32; any
        number of micro-batches: `micro_batches` only shapes @f_l2l), each
        layer's weights streamed from the checkpoint once (or taken from
        `resident`, what load_resident returned). Returns the outputs,
        stacked like `x`, and a dict: seconds, pool_bytes (the stream's
        buffers), peak_resident_bytes (the most layer bytes held at once)
        and checkpoint_bytes (the weights read); the last three are 0 for a
        resident run."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        start = time.perf_counter()
        values = {("input", 0): list(x)}  # per micro-batch, until the last reader
        if resident is not None:
            for k, operands in enumerate(resident):
                self._run_layer(k, operands, values, len(x))
            return np.stack(values[self.output]), {"seconds": time.perf_counter() - start,
                                                   "pool_bytes": 0, "peak_resident_bytes": 0,
                                                   "checkpoint_bytes": 0}
        with WeightStream(self.checkpoint, [tensors for tensors, _ in self.layers],
                          buffers=self.buffers, budget=self.budget) as stream:
            for k in range(len(self.layers)):
                loaded = stream.acquire(k)
                self._run_layer(k, self._operands(k, loaded), values, len(x))
                stream.release(k)
            stats = {"seconds": time.perf_counter() - start, "pool_bytes": stream.pool_bytes,
                     "peak_resident_bytes": stream.peak_resident_bytes,
                     "checkpoint_bytes": self.checkpoint_bytes}
        return np.stack(values[self.output]), stats

    def run_compiled(self, x):
        """`run`, with the loop over layers and micro-batches compiled: one
        call of `@<f>_streamed`, which takes each layer's weights from the
        stream through the runtime's C entry points (streamed_driver.py).
        `x` has exactly `micro_batches` micro-batches. Returns what `run`
        returns."""
        x = np.ascontiguousarray(x, dtype=np.float32)
        if len(x) != self.micro_batches:
            raise LayerToLayerError(f"the compiled driver takes {self.micro_batches} "
                                    f"micro-batches, got {len(x)}")
        start = time.perf_counter()
        with WeightStream(self.checkpoint, [tensors for tensors, _ in self.layers],
                          buffers=self.buffers, budget=self.budget) as stream:
            with stream.driver() as driver:
                y = self.jit.invoke(f"{self.function}_streamed", driver.handle, x)
                driver.check()
            stats = {"seconds": time.perf_counter() - start, "pool_bytes": stream.pool_bytes,
                     "peak_resident_bytes": stream.peak_resident_bytes,
                     "checkpoint_bytes": self.checkpoint_bytes}
        return y, stats

    def _run_layer(self, k, operands, values, count):
        """Layer k on each of `count` micro-batches: its activations from
        `values`, its results into it; values no later layer reads are
        dropped."""
        sources = self.sources[k]
        outputs = []
        for m in range(count):
            result = self.jit.invoke(f"{self.function}_layer{k}",
                                     *[values[source][m] for source in sources], *operands)
            outputs.append(result if self.results[k] > 1 else (result,))
        for r in range(self.results[k]):
            values[("layer", k, r)] = [output[r] for output in outputs]
        for source in set(sources):
            if self.last_reader[source] == k and source != self.output:
                del values[source]
