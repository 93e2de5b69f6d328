"""Training in layer-to-layer order (docs/LayerToLayer.md, "Training").

    trainer = LayerToLayerTrainer(loss_module, params, micro_batches=4,
                                  recipe="mxfp8", optimizer="adamw")
    loss = trainer.step(x, onehot, lr=2e-3)   # each data argument stacked:
                                              # [micro-batches, ...]
    weights = trainer.parameters()

`loss_module` is what `Trainer` takes (a function returning a scalar loss,
its parameters marked `{mx.wrt}`, weights of products also `{mx.weight}`),
written for one micro-batch. mx-split-layers cuts it into layers. One step:

- forward, layer-major: each layer's weights are prepared once (its
  `_weights` function), then the layer runs on every micro-batch; the
  inputs of each layer are kept for its backward;
- backward, layer-major in reverse: per layer one compiled function
  (the layer's forward inlined, then mx-generate-gradients of the sum of
  its outputs times their gradients; the last layer's output is the loss
  itself) runs on every micro-batch, accumulating its parameters' gradients
  and handing each micro-batch's input gradient to the layer that made it;
- as soon as a layer's backward is done, its parameters are updated (mean
  over the micro-batches) on a second thread while the backward goes on.
  The update is a compiled `mx-training-step` of that layer's parameters
  (`Trainer` on the loss sum(w * g), whose gradient is g exactly), so the
  optimizers, master formats and stochastic rounding (same Philox keys:
  seed + the parameter's index in the model) are those of `Trainer`.

The master weights and optimizer moments live in host memory in those
per-layer trainers (the parameter server); a layer's f32 compute weights
are made from them when the layer runs. `recipe` is applied to every
layer's forward and backward function as `Trainer` applies it to a whole
step. Loss scaling is not supported in this order.
"""

import re
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .ir import Context, Module
from .layer_to_layer import LayerToLayerError, _activations, _argument_index, _signature
from .training import RECIPES, Trainer


def _function_text(text, name):
    """The printed function @name (from its `func.func` line to the line
    that closes it at the same indentation)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if re.search(rf"func\.func @{name}\(", line):
            indent = line[:len(line) - len(line.lstrip())]
            for j in range(i + 1, len(lines)):
                if lines[j] == indent + "}":
                    return "\n".join(lines[i:j + 1])
    raise LayerToLayerError(f"no function @{name} in the split module")


def _shape(type_text):
    """The shape of an f32 tensor type (a layer's output)."""
    found = re.fullmatch(r"tensor<((?:\d+x)*)f32>", type_text)
    if not found:
        raise LayerToLayerError(f"a layer value of type {type_text} is not an f32 tensor")
    return [int(s) for s in found.group(1).split("x") if s]


def _sum_of_products(lines, terms):
    """Appends lines computing the sum over `terms` (a, b, type) of sum(a * b)
    over every element; returns the tensor<f32> value's name."""
    total = None
    for n, (a, b, type_text) in enumerate(terms):
        rank = len(_shape(type_text))
        dims = ", ".join(f"d{i}" for i in range(rank))
        identity = f"affine_map<({dims}) -> ({dims})>"
        reductions = ", ".join(['"reduction"'] * rank)
        lines += [
            f"  %s{n}_init = tensor.empty() : tensor<f32>",
            f"  %s{n}_zero = linalg.fill ins(%zero : f32) outs(%s{n}_init : tensor<f32>) "
            "-> tensor<f32>",
            f"  %s{n} = linalg.generic {{indexing_maps = [{identity}, {identity}, "
            f"affine_map<({dims}) -> ()>], iterator_types = [{reductions}]}}"
            f" ins({a}, {b} : {type_text}, {type_text}) outs(%s{n}_zero : tensor<f32>) {{",
            "  ^bb0(%p: f32, %q: f32, %acc: f32):",
            "    %pq = arith.mulf %p, %q : f32",
            "    %sum = arith.addf %acc, %pq : f32",
            "    linalg.yield %sum : f32",
            "  } -> tensor<f32>",
        ]
        if total is None:
            total = f"%s{n}"
        else:
            lines.append(f"  %t{n} = arith.addf {total}, %s{n} : tensor<f32>")
            total = f"%t{n}"
    return total


def _update_module(types):
    """@update(gradients..., parameters {mx.wrt}...) -> sum_i sum(p_i * g_i):
    its gradient with respect to p_i is g_i exactly."""
    arguments = [f"%g{i}: {t}" for i, t in enumerate(types)]
    arguments += [f"%p{i}: {t} {{mx.wrt}}" for i, t in enumerate(types)]
    lines = [f"func.func @update({', '.join(arguments)}) -> tensor<f32> {{",
             "  %zero = arith.constant 0.0 : f32"]
    total = _sum_of_products(lines, [(f"%p{i}", f"%g{i}", t) for i, t in enumerate(types)])
    lines += [f"  return {total} : tensor<f32>", "}"]
    return "\n".join(lines)


class _Layer:
    """One layer's functions and where its operands come from."""

    def __init__(self, k, text, function, wrt_arguments):
        self.k = k
        self.name = f"{function}_layer{k}"
        arguments, results = _signature(text, self.name)
        self.activations = _activations(k, arguments)
        self.parameters = [_argument_index(a) for _, a in arguments[len(self.activations):]
                           if _argument_index(a) is not None]
        self.result_types = [t for t, _ in results]
        self.is_output = any("mx.output" in a for _, a in results)
        self.weights_name = f"{function}_layer{k}_weights"
        self.weight_parameters = []
        if f"@{self.weights_name}(" in text:
            self.weight_parameters = [_argument_index(a)
                                      for _, a in _signature(text, self.weights_name)[0]]
        # The model's parameters this layer reads, in model order.
        self.reads = sorted(set(self.parameters) | set(self.weight_parameters))
        unknown = [i for i in self.reads if i not in wrt_arguments]
        if unknown:
            raise LayerToLayerError(f"layer {k}: argument {unknown[0]} of the loss function is a "
                                    "parameter of the layer but not {mx.wrt}")
        # Gradients flow to the activations other layers made.
        self.wrt_activations = [i for i, (_, s) in enumerate(self.activations)
                                if s[0] == "layer"]

    def forward_operands(self, jit, weights):
        """The arguments after the activations: parameters, then the
        prepared weights (computed once per step)."""
        operands = [weights[i] for i in self.parameters]
        if self.weight_parameters:
            prepared = jit.invoke(self.weights_name, *[weights[i] for i in self.weight_parameters])
            operands += list(prepared) if isinstance(prepared, tuple) else [prepared]
        return operands

    def backward_module(self, text, parameter_types, parameter_attributes):
        """The layer's forward inlined into @backward(activations...,
        parameters..., output gradients...), whose scalar is what
        mx-generate-gradients differentiates."""
        private = []
        for name in ([self.weights_name] if self.weight_parameters else []) + [self.name]:
            body = _function_text(text, name).replace(f"func.func @{name}(",
                                                      f"func.func private @{name}(", 1)
            private.append(body.replace("mx.wrt", "mx.was_wrt"))
        arguments, activation_names = [], []
        for i, (t, _) in enumerate(self.activations):
            wrt = " {mx.wrt}" if i in self.wrt_activations else ""
            arguments.append(f"%a{i}: {t}{wrt}")
            activation_names.append((f"%a{i}", t))
        for i in self.reads:
            marks = ["mx.wrt"] + (["mx.weight"] if "mx.weight" in parameter_attributes[i] else [])
            arguments.append(f"%w{i}: {parameter_types[i]} {{{', '.join(marks)}}}")
        if not self.is_output:
            arguments += [f"%dy{r}: {t}" for r, t in enumerate(self.result_types)]
        lines = [f"func.func @backward({', '.join(arguments)}) -> tensor<f32> {{",
                 "  %zero = arith.constant 0.0 : f32"]
        operands = [(f"%w{i}", parameter_types[i]) for i in self.parameters]
        if self.weight_parameters:
            _, prepared_results = _signature(text, self.weights_name)
            types = [t for t, _ in prepared_results]
            ins = ", ".join(f"%w{i}" for i in self.weight_parameters)
            in_types = ", ".join(parameter_types[i] for i in self.weight_parameters)
            lines.append(f"  %prep:{len(types)} = call @{self.weights_name}({ins}) : "
                         f"({in_types}) -> ({', '.join(types)})")
            operands += [(f"%prep#{j}", t) for j, t in enumerate(types)]
        call_args = activation_names + operands
        results = self.result_types
        lines.append(f"  %y:{len(results)} = call @{self.name}({', '.join(n for n, _ in call_args)}) : "
                     f"({', '.join(t for _, t in call_args)}) -> ({', '.join(results)})")
        if self.is_output:
            if len(results) != 1 or results[0] != "tensor<f32>":
                raise LayerToLayerError(f"layer {self.k}: the loss layer returns {results}; "
                                        "training takes one scalar loss (tensor<f32>)")
            lines += ["  return %y#0 : tensor<f32>", "}"]
        else:
            total = _sum_of_products(lines, [(f"%y#{r}", f"%dy{r}", t)
                                             for r, t in enumerate(results)])
            lines += [f"  return {total} : tensor<f32>", "}"]
        # The printed module's attribute aliases (#map = ...) that the
        # copied functions use.
        aliases = [line for line in text.split("\n") if line.startswith("#")]
        return "\n".join(aliases + private + lines) + "\n"


class _Backward:
    """A layer's compiled @backward_grad, or its @backward_grad_prepare
    (once per step) and @backward_grad_prepared (per micro-batch)."""

    def __init__(self, text, jit):
        self.jit = jit
        self.prepare_from = None
        if "@backward_grad_prepared(" in text:
            self.prepare_from = [_argument_index(a)
                                 for _, a in _signature(text, "backward_grad_prepare")[0]]
            self.plan = []
            for _, a in _signature(text, "backward_grad_prepared")[0]:
                index = _argument_index(a)
                self.plan.append(("argument", index) if index is not None else
                                 ("prepared", int(re.search(r"mx\.prepared_weight = (\d+)",
                                                            a).group(1))))

    def prepare(self, activations, params):
        """The prepared weights, from the parameters (which follow the
        `activations` first arguments)."""
        if self.prepare_from is None:
            return None
        prepared = self.jit.invoke("backward_grad_prepare",
                                   *[params[i - activations] for i in self.prepare_from])
        return prepared if isinstance(prepared, tuple) else (prepared,)

    def run(self, arguments, prepared):
        if prepared is None:
            return self.jit.invoke("backward_grad", *arguments)
        return self.jit.invoke("backward_grad_prepared",
                               *[arguments[i] if kind == "argument" else prepared[i]
                                 for kind, i in self.plan])


class LayerToLayerTrainer:
    """Training steps in layer-to-layer order over micro-batches.

    `params`: the initial parameters (f32, in the order of the function's
    `{mx.wrt}` arguments). `micro_batches` shapes nothing but is checked
    against the data. `recipe`, `recipe_options` and the optimizer options
    (optimizer, momentum, beta1, beta2, epsilon, weight_decay, master,
    master_rounding, seed) are `Trainer`'s. `state_file`: a path where the
    master weights and moments are kept, memory-mapped, instead of in
    anonymous memory (`state_bytes` is its size). `last_stats` after a step:
    seconds (forward_seconds, backward_seconds) and peak_weight_bytes, the
    most f32 compute weights held at once (one layer's).
    """

    def __init__(self, loss_module, params, micro_batches, function=None, recipe=None,
                 recipe_options="", opt_level=3, state_file=None, **step_options):
        text = loss_module
        if recipe is not None and recipe not in RECIPES:
            raise ValueError(f"mx_mlir.layer_to_layer_training: unknown recipe '{recipe}' "
                             f"(have: {', '.join(RECIPES)}, or None for f32)")
        if step_options.get("loss_scaling", "none") != "none":
            raise ValueError("mx_mlir.layer_to_layer_training: loss scaling is not supported "
                             "in layer-to-layer order")
        if function is None:
            found = re.search(r"func\.func @(\w+)\([^\n]*mx\.wrt", text)
            if not found:
                raise LayerToLayerError("no function with {mx.wrt} arguments")
            function = found.group(1)
        self.micro_batches = micro_batches
        context = Context()
        module = Module.parse(text, context)
        module.run_pipeline(f"mx-split-layers{{function={function} micro-batches={micro_batches}}}")
        split = str(module)
        arguments, _ = _signature(split, function)
        wrt = [i for i, (_, a) in enumerate(arguments) if "mx.wrt" in a]
        self.num_data = len(arguments) - len(wrt)
        if wrt != list(range(self.num_data, len(arguments))):
            raise LayerToLayerError(f"@{function}'s {{mx.wrt}} arguments must follow its data "
                                    "arguments")
        if len(params) != len(wrt):
            raise ValueError(f"@{function} has {len(wrt)} parameters, got {len(params)}")
        types = {i: t for i, (t, _) in enumerate(arguments)}
        attributes = {i: a for i, (_, a) in enumerate(arguments)}
        self.layers = []
        while f"@{function}_layer{len(self.layers)}(" in split:
            self.layers.append(_Layer(len(self.layers), split, function, wrt))
        if not self.layers or not self.layers[-1].is_output or \
                any(layer.is_output for layer in self.layers[:-1]):
            raise LayerToLayerError(f"@{function}: the last layer must compute the loss, and "
                                    "only it")
        recipe_pass = (f"mx-training-recipe{{{f'recipe={recipe} {recipe_options}'.strip()}}}"
                       if recipe else "")
        # Forward: the model under the recipe (every product a forward
        # product), then split, so that each layer's weight quantizes are in
        # its weights function: once per step, not per micro-batch.
        self.forward_layers = self.layers
        forward = module  # the split module, printed above; compiling lowers it
        if recipe:
            forward = Module.parse(text, context)
            forward.run_pipeline(f"{recipe_pass},mx-split-layers{{function={function} "
                                 f"micro-batches={micro_batches}}}")
            quantized = str(forward)
            self.forward_layers = [_Layer(k, quantized, function, wrt)
                                   for k in range(len(self.layers))]
            if f"@{function}_layer{len(self.layers)}(" in quantized or any(
                    a.activations != b.activations
                    for a, b in zip(self.layers, self.forward_layers)):
                raise LayerToLayerError(f"@{function}: the recipe changed its layers")
        self._forward = forward.compile(opt_level=opt_level)
        # Backward: one gradient function per layer; under a recipe, its
        # weight quantizes prepared once per step (mx-prepare-weights).
        self._backward = []
        for layer in self.layers:
            backward = Module.parse(layer.backward_module(split, types, attributes), context)
            backward.run_pipeline("inline,symbol-dce,mx-generate-gradients"
                                  + (f",{recipe_pass},mx-prepare-weights" if recipe else ""))
            self._backward.append(_Backward(str(backward), backward.compile(opt_level=opt_level)))
        # Each parameter is updated after the backward of the first layer
        # that reads it: the last to add to its gradient.
        self.owner = {i: min(layer.k for layer in self.layers if i in layer.reads) for i in wrt}
        self._updates = {}
        seed = int(step_options.pop("seed", 0))
        for layer in self.layers:
            owned = [i for i in wrt if self.owner[i] == layer.k]
            if owned:
                self._updates[layer.k] = (owned, Trainer(
                    _update_module([types[i] for i in owned]),
                    [params[i - self.num_data] for i in owned],
                    seed=seed + owned[0] - self.num_data, opt_level=opt_level, **step_options))
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._mapped, self.state_bytes = {}, 0
        if state_file is not None:
            self._map_state(state_file)
        self._peak_weight_bytes = 0
        self.last_stats = {}

    def _compute_weights(self, layer):
        """The f32 weights layer reads, made from the masters now (before
        the layer's own update; the layers after it may be updating)."""
        weights = {}
        for k in sorted({self.owner[i] for i in layer.reads}):
            owned, trainer = self._updates[k]
            weights.update(zip(owned, trainer.parameters()))
        self._peak_weight_bytes = max(self._peak_weight_bytes,
                                      sum(weights[i].nbytes for i in layer.reads))
        return weights

    def _update(self, k, gradients, lr):
        """Layer k's optimizer step; with a state file, the new masters and
        moments are written back to its mapped arrays."""
        _, trainer = self._updates[k]
        trainer.step(*gradients, lr=lr)
        if k in self._mapped:
            params, moments = self._mapped[k]
            for view, value in zip(params + moments, trainer.params + trainer.moments):
                view[...] = value
            trainer.params, trainer.moments = list(params), list(moments)

    def _map_state(self, path):
        """Masters and moments in one file, memory-mapped: the kernel can
        write them back and drop them from memory between their uses."""
        arrays = [(k, a) for k, (_, t) in sorted(self._updates.items())
                  for a in t.params + t.moments]
        offsets, total = [], 0
        for _, a in arrays:
            offsets.append(total)
            total += -(-a.nbytes // 64) * 64
        mapped = np.memmap(path, dtype=np.uint8, mode="w+", shape=(max(total, 1),))
        views = {}
        for (k, a), offset in zip(arrays, offsets):
            view = mapped[offset:offset + a.nbytes].view(a.dtype).reshape(a.shape)
            view[...] = a
            views.setdefault(k, []).append(view)
        for k, (_, trainer) in self._updates.items():
            count = len(trainer.params)
            params, moments = views[k][:count], views[k][count:]
            trainer.params, trainer.moments = list(params), list(moments)
            self._mapped[k] = (params, moments)
        self.state_bytes = total

    def parameters(self):
        """The master weights as f32 arrays, in the model's order."""
        values = {}
        for owned, trainer in self._updates.values():
            values.update(zip(owned, trainer.parameters()))
        return [values[i] for i in sorted(values)]

    def step(self, *data, lr):
        """One update on the batch: each data argument stacked along a new
        first axis of `micro_batches` micro-batches. Returns the loss (the
        mean of the micro-batches' losses)."""
        if len(data) != self.num_data:
            raise TypeError(f"the loss takes {self.num_data} data arguments, got {len(data)}")
        n = self.micro_batches
        data = [np.ascontiguousarray(d) for d in data]
        if any(len(d) != n for d in data):
            raise ValueError(f"each data argument must hold {n} micro-batches")
        start = time.perf_counter()
        values = {("input", i): list(d) for i, d in enumerate(data)}
        inputs = []  # per layer, per micro-batch: its activations
        for layer in self.forward_layers[:-1]:
            operands = layer.forward_operands(self._forward, self._compute_weights(layer))
            per_batch = [[values[s][m] for _, s in layer.activations] for m in range(n)]
            inputs.append(per_batch)
            for m in range(n):
                out = self._forward.invoke(layer.name, *per_batch[m], *operands)
                out = out if isinstance(out, tuple) else (out,)
                for r, value in enumerate(out):
                    values.setdefault(("layer", layer.k, r), []).append(value)
        last = self.layers[-1]
        inputs.append([[values[s][m] for _, s in last.activations] for m in range(n)])
        forward_seconds = time.perf_counter() - start
        # Backward, in reverse; gradients of layer outputs per micro-batch.
        output_gradients = {}
        parameter_gradients = {}
        pending = []
        losses = []
        for layer in reversed(self.layers):
            weights = self._compute_weights(layer)
            params = [weights[i] for i in layer.reads]
            backward = self._backward[layer.k]
            prepared = backward.prepare(len(layer.activations), params)
            for m in range(n):
                dys = []
                if not layer.is_output:
                    for r, t in enumerate(layer.result_types):
                        slot = output_gradients.get((layer.k, r), [None] * n)
                        dys.append(slot[m] if slot[m] is not None else
                                   np.zeros(_shape(t), np.float32))  # an unread output
                results = backward.run([*inputs[layer.k][m], *params, *dys], prepared)
                if layer.is_output:
                    losses.append(float(np.asarray(results[0]).reshape(-1)[0]))
                grads = list(results[1:])
                for g, i in zip(grads, layer.wrt_activations):
                    slot = output_gradients.setdefault(layer.activations[i][1][1:], [None] * n)
                    slot[m] = g if slot[m] is None else slot[m] + g
                for g, i in zip(grads[len(layer.wrt_activations):], layer.reads):
                    total = parameter_gradients.get(i)
                    parameter_gradients[i] = g if total is None else total + g
            inputs[layer.k] = None
            for r in range(len(layer.result_types)):
                output_gradients.pop((layer.k, r), None)
            if layer.k in self._updates:
                owned, trainer = self._updates[layer.k]
                mean = [parameter_gradients.pop(i) * np.float32(1.0 / n) for i in owned]
                pending.append(self._pool.submit(self._update, layer.k, mean, lr))
        backward_seconds = time.perf_counter() - start - forward_seconds
        for future in pending:
            future.result()
        self.last_stats = {"seconds": time.perf_counter() - start,
                           "forward_seconds": forward_seconds,
                           "backward_seconds": backward_seconds,
                           "peak_weight_bytes": self._peak_weight_bytes}
        return float(np.mean(losses))
