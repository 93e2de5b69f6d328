"""Compiled training steps from Python.

    trainer = Trainer(loss_module, params, recipe="mxfp8", optimizer="adamw")
    for x, y in batches:
        loss = trainer.step(x, y, lr=1e-3)
    weights = trainer.parameters()          # f32 copies of the master weights

`loss_module` is MLIR text (or a path to a .mlir file) with a function that
returns a scalar loss, its parameters marked `{mx.wrt}` (weights used in
matrix products also `{mx.weight}`: the recipes' weight role). The module
goes through `mx-training-step` (gradients, loss scaling, optimizer, master
weights), then `mx-training-recipe` (the MX formats of its products) unless
`recipe` is None, then the CPU pipeline and the JIT. The state (master
weights, optimizer moments, step count, loss scale) lives in NumPy arrays
between calls: `state()` / `load_state()` save and restore it, with the
amax histories of `fp8-tensor`'s delayed scaling
(`recipe_options="fp8-scaling=delayed"`).
"""

import os
import re

import numpy as np

from .ir import Context, Module

RECIPES = ("mxfp8", "mxfp8-hybrid", "mxfp6", "mxfp4-weights", "fp8-tensor")
_MASTER_DTYPES = {"f32": np.float32, "bf16": np.uint16, "f16": np.float16}


def to_bf16(values):
    """f32 -> bf16 bit patterns (uint16), rounded to nearest even."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    nan = np.isnan(values)
    rounded[nan] = (bits[nan] >> 16) | 0x40
    return rounded.astype(np.uint16)


def from_bf16(bits):
    """bf16 bit patterns (uint16) -> f32, exactly."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def _options(values):
    return " ".join(f"{k}={v}" for k, v in values.items() if v is not None)


class Trainer:
    """One compiled training step and the state it carries between calls.

    `params`: the initial parameters (f32 arrays, in the order of the
    function's `{mx.wrt}` arguments). Keyword arguments are the options of
    `mx-training-step` with underscores (optimizer, momentum, beta1, beta2,
    epsilon, weight_decay, master, master_rounding, seed, loss_scaling,
    loss_scale, growth_interval) and of `mx-training-recipe` (`recipe`, and
    `recipe_options` as an option string, e.g. "gradient-rounding=stochastic").
    `opt_level` is the JIT's LLVM optimization level.
    """

    def __init__(self, loss_module, params, function=None, recipe=None, recipe_options="",
                 context=None, pipeline="mx-cpu-pipeline", opt_level=3, **step_options):
        text = loss_module
        if "\n" not in text and os.path.exists(text):
            with open(text) as handle:
                text = handle.read()
        if recipe is not None and recipe not in RECIPES:
            raise ValueError(f"mx_mlir.training: unknown recipe '{recipe}' "
                             f"(have: {', '.join(RECIPES)}, or None for f32)")
        options = {k.replace("_", "-"): v for k, v in step_options.items()}
        if function is not None:
            options["function"] = function
        module = Module.parse(text, context or Context())
        # Only the step is called: the loss function would only cost
        # compile time.
        module.run_pipeline(f"mx-training-step{{{_options({'keep-forward': 'false', **options})}}}")
        if recipe is not None:
            module.run_pipeline(f"mx-training-recipe{{recipe={recipe} {recipe_options}}}".strip())
        self.ir = str(module)
        self._layout(options)
        self._jit = module.compile(pipeline, opt_level=opt_level)
        master = options.get("master", "f32")
        self._master = master
        if len(params) != self.num_params:
            raise ValueError(f"mx_mlir.training: {self.entry} has {self.num_params} "
                             f"parameters, got {len(params)}")
        self.params = [self._to_master(p) for p in params]
        self.moments = [np.zeros_like(np.asarray(params[i % self.num_params], np.float32))
                        for i in range(self.num_moments)]
        self.step_count = 0
        self.loss_scale = float(options.get("loss-scale", 65536.0)) if self.dynamic else None
        self.good_steps = 0
        self.last_step_finite = True

    def _layout(self, options):
        match = re.search(r"func\.func @(\w+)\(.*\{mx\.training_step = \{([^}]*)\}", self.ir)
        if not match:
            raise RuntimeError("mx_mlir.training: mx-training-step made no step function")
        self.entry = match.group(1)
        fields = dict(re.findall(r'(\w+) = "?(@?\w+)"?', match.group(2)))
        self.num_data = int(fields["data"])
        self.num_params = int(fields["params"])
        self.num_moments = int(fields["moments"])
        self.dynamic = fields["loss_scaling"] == "dynamic"
        # fp8-tensor's delayed scaling: one amax history per cast operand.
        self.amax_histories = [np.zeros(int(fields["amax_history_length"]), np.float32)
                               for _ in range(int(fields.get("amax_histories", 0)))]

    def _to_master(self, value):
        value = np.ascontiguousarray(value, dtype=np.float32)
        if self._master == "bf16":
            return to_bf16(value)
        return value.astype(_MASTER_DTYPES[self._master])

    def parameters(self):
        """The master weights as f32 arrays."""
        if self._master == "bf16":
            return [from_bf16(p) for p in self.params]
        return [np.asarray(p, np.float32) for p in self.params]

    def step(self, *data, lr):
        """One update on the batch `data` (the loss function's other
        arguments, in order); returns the loss (a float)."""
        if len(data) != self.num_data:
            raise TypeError(f"{self.entry} takes {self.num_data} data arguments, got {len(data)}")
        args = [*data, *self.params, *self.moments, self.step_count, float(lr)]
        if self.dynamic:
            args += [self.loss_scale, self.good_steps]
        args += self.amax_histories
        results = self._jit.invoke(self.entry, *args)
        loss = results[0]
        p, m = self.num_params, self.num_moments
        self.params = list(results[1:1 + p])
        self.moments = list(results[1 + p:1 + p + m])
        self.step_count = int(results[1 + p + m])
        if self.dynamic:
            self.loss_scale = float(results[2 + p + m])
            self.good_steps = int(results[3 + p + m])
            self.last_step_finite = bool(results[4 + p + m])
        if self.amax_histories:
            self.amax_histories = list(results[len(results) - len(self.amax_histories):])
        return float(np.asarray(loss).reshape(-1)[0])

    def state(self):
        """Everything a later `load_state` needs to continue training."""
        return {"params": [p.copy() for p in self.params],
                "moments": [m.copy() for m in self.moments],
                "step": self.step_count, "loss_scale": self.loss_scale,
                "good_steps": self.good_steps,
                "amax_histories": [h.copy() for h in self.amax_histories]}

    def load_state(self, state):
        self.params = [np.asarray(p).copy() for p in state["params"]]
        self.moments = [np.asarray(m).copy() for m in state["moments"]]
        self.step_count = int(state["step"])
        self.loss_scale = state["loss_scale"]
        self.good_steps = int(state["good_steps"])
        self.amax_histories = [np.asarray(h).copy() for h in state.get("amax_histories", [])]
