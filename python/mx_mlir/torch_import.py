"""PyTorch modules as mx-mlir input: `from_torch` traces an `nn.Module`
with torch.fx and writes the f32 linalg / tensor / arith / math IR that
`mx-quantize-policy`, `mx-generate-gradients` and the training passes take.

    imported = from_torch(model.eval(), (tokens,))           # weights: constants
    module = Module.parse(imported.text)
    imported = from_torch(model, (tokens, targets), weights="arguments")
    imported.parameters                # [(name, f32 array)], after the inputs

The trace runs the module once on `example_inputs` (torch.fx.Interpreter),
so every shape is static and every value that does not depend on an input
(a causal mask, `x.size(-1)`, a weight's transpose when weights are
constants) is computed in PyTorch and becomes a constant. Supported: Linear,
Embedding, LayerNorm, GELU (erf and tanh), ReLU, SiLU, Tanh, Sigmoid,
Softmax, LogSoftmax, Dropout (eval or p = 0), Identity, CrossEntropyLoss
(class-index targets, mean), matmul / bmm / `@`, view / reshape / flatten /
permute / transpose / `.t()` / contiguous / unsqueeze / squeeze, slicing,
add / sub / mul / div / neg / pow with tensors or scalars (broadcasting),
exp / log / sqrt / rsqrt / tanh / erf, sum / mean / amax, masked_fill and
torch.where with a constant mask. Anything else is a `TorchImportError`
naming the op and its source line. PyTorch is needed here only: the
compiler never imports it.
"""

import json
import math
import operator

import numpy as np

__all__ = ["Imported", "TorchImportError", "from_torch"]


class TorchImportError(ValueError):
    """An op or module from_torch does not translate, with its source line."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message  # torch.fx's Interpreter appends to args


class Imported:
    """The imported function: `text` (MLIR), `function` (its name),
    `parameters` ([(qualified name, f32 array)] passed after the inputs when
    weights="arguments", else empty), `weights` (the names among them
    marked `{mx.weight}`: the weights of matrix products)."""

    def __init__(self, text, function, parameters, weights=()):
        self.text, self.function, self.parameters = text, function, parameters
        self.weights = tuple(weights)

    def __repr__(self):
        return f"Imported(@{self.function}, {len(self.parameters)} parameter arguments)"


# ---------------------------------------------------------------------------
# Types and constants
# ---------------------------------------------------------------------------

_ELEMENT = {"float32": "f32", "int64": "i64", "int32": "i32", "bool": "i1"}


class _Value:
    """A tensor the function computes: SSA name, static shape, element type."""

    def __init__(self, ssa, shape, element):
        self.ssa, self.shape, self.element = ssa, tuple(int(s) for s in shape), element

    @property
    def type(self):
        return _tensor_type(self.shape, self.element)


def _tensor_type(shape, element):
    dims = "x".join(str(int(s)) for s in shape)
    return f"tensor<{dims}x{element}>" if dims else f"tensor<{element}>"


def _parallel(rank):
    return ", ".join(['"parallel"'] * rank)


def _identity_map(rank):
    dims = ", ".join(f"d{i}" for i in range(rank))
    return f"affine_map<({dims}) -> ({dims})>"


def _dense(array):
    """A dense attribute for `array` (f32 / i64 / i32 as little-endian hex)."""
    array = np.ascontiguousarray(array)
    if array.dtype == np.bool_:  # nested lists: MLIR's hex form packs i1
        return f"dense<{json.dumps(array.tolist())}>"
    if array.size == 1:
        value = array.reshape(-1)[0]
        text = _float(value) if array.dtype.kind == "f" else str(int(value))
        return f"dense<{text}>"
    return 'dense<"0x' + array.astype(array.dtype.newbyteorder("<")).tobytes().hex().upper() + '">'


def _float(value):
    value = float(np.float32(value))
    if math.isnan(value):
        return "0x7FC00000"
    if math.isinf(value):
        return "0x7F800000" if value > 0 else "0xFF800000"
    return repr(value) if "e" in repr(value) or "." in repr(value) else repr(value) + ".0"


# ---------------------------------------------------------------------------
# The emitter: one torch.fx.Interpreter run that also writes the IR
# ---------------------------------------------------------------------------


def _make_emitter(torch, fx):
    F = torch.nn.functional

    class Emitter(fx.Interpreter):
        def __init__(self, graph_module, root, parameters_as_arguments):
            super().__init__(graph_module)
            self.root = root
            self.as_arguments = parameters_as_arguments
            self.lines, self.arguments, self.parameters = [], [], []
            self.runtime = {}   # fx node -> _Value (depends on an input or a parameter argument)
            self.dynamic = set()  # nodes that depend on one: tensors and tuples of tensors
            self.parameter_values = {}  # parameter name -> _Value
            self.weights = set()  # parameter names used as a product's weight
            self.constants = {}  # id(tensor) -> _Value
            self.counter = 0
            self.node = None

        # -- plumbing -------------------------------------------------------

        def fresh(self):
            self.counter += 1
            return f"%v{self.counter}"

        def emit(self, line):
            self.lines.append("    " + line)

        def result(self, shape, element="f32"):
            """A new result value and the tensor.empty its op writes into."""
            out, empty = _Value(self.fresh(), shape, element), self.fresh()
            self.emit(f"{empty} = tensor.empty() : {out.type}")
            return out, empty

        def fail(self, what):
            node = self.node
            where = _user_frame(node.stack_trace) if node is not None else None
            where = f"\n  at {where}" if where else ""
            raise TorchImportError(f"mx_mlir.from_torch: {what}{where}")

        def run_node(self, n):
            self.node = n
            result = super().run_node(n)
            value = self.translate(n, result)
            if value is not None:
                self.runtime[n] = value
                self.dynamic.add(n)
            return result

        def is_runtime(self, arg):
            found = []
            fx.node.map_arg(arg, lambda a: found.append(a in self.dynamic))
            return any(found)

        def value(self, arg, concrete):
            """The IR value of a tensor argument (runtime or constant)."""
            if isinstance(arg, fx.Node) and arg in self.runtime:
                return self.runtime[arg]
            if isinstance(concrete, torch.Tensor):
                return self.constant(concrete)
            self.fail(f"expected a tensor, got {type(concrete).__name__}")

        def constant(self, tensor):
            key = id(tensor)
            if key not in self.constants:
                array = tensor.detach().cpu().numpy()
                if array.dtype == np.float64:
                    array = array.astype(np.float32)
                element = _ELEMENT.get(str(array.dtype))
                if element is None:
                    self.fail(f"a constant of dtype {array.dtype} is not supported")
                result = _Value(self.fresh(), array.shape, element)
                self.emit(f"{result.ssa} = arith.constant {_dense(array)} : {result.type}")
                self.constants[key] = result
                self._keep = getattr(self, "_keep", []) + [tensor]  # ids stay unique
            return self.constants[key]

        def parameter(self, name, tensor, weight=False):
            """A parameter: an argument (weights="arguments") or a constant."""
            if not self.as_arguments:
                return self.constant(tensor)
            if weight:
                self.weights.add(name)
            if name not in self.parameter_values:
                value = _Value(f"%p{len(self.parameters)}", tensor.shape, "f32")
                self.parameter_values[name] = value
                self.parameters.append((name, tensor.detach().cpu().numpy().astype(
                    np.float32, copy=self.copy_parameters)))
            return self.parameter_values[name]

        # -- dispatch -------------------------------------------------------

        def translate(self, n, result):
            if n.op == "placeholder":
                if not isinstance(result, torch.Tensor):
                    self.fail("inputs must be tensors")
                element = _ELEMENT.get(str(result.numpy().dtype))
                if element is None:
                    self.fail(f"an input of dtype {result.dtype} is not supported")
                value = _Value(f"%arg{len(self.arguments)}", result.shape, element)
                self.arguments.append(value)
                return value
            if n.op == "output":
                return None
            if not isinstance(result, torch.Tensor):
                # Sizes are static; a tuple of tensors (split) is as dynamic
                # as its inputs, and its pieces are read by getitem.
                if not _is_static(torch, result) and self.is_runtime((n.args, n.kwargs)):
                    self.dynamic.add(n)
                return None
            if n.op == "get_attr":
                if self.as_arguments and self.is_parameter(n.target):
                    return self.parameter(n.target, result)
                return None  # a buffer or a constant: materialized where used
            if not self.is_runtime((n.args, n.kwargs)) and not (
                    n.op == "call_module" and self.as_arguments
                    and any(True for _ in self.root.get_submodule(n.target).parameters())):
                return None  # computed in PyTorch: a constant
            args = fx.node.map_arg(n.args, lambda a: a)
            kwargs = dict(n.kwargs)
            if n.op == "call_module":
                return self.lower_module(n, self.root.get_submodule(n.target), args, kwargs, result)
            if n.op == "call_method":
                return self.lower_call(n, ("method", n.target), args, kwargs, result)
            return self.lower_call(n, n.target, args, kwargs, result)

        def is_parameter(self, target):
            return any(name == target for name, _ in self.root.named_parameters())

        def concrete(self, arg):
            return fx.node.map_arg(arg, lambda a: self.env[a])

        def lower_module(self, n, module, args, kwargs, result):
            nn = torch.nn
            x = args[0] if args else None
            if isinstance(module, nn.Linear):
                weight = self.parameter(f"{n.target}.weight", module.weight, weight=True)
                bias = None if module.bias is None else self.parameter(f"{n.target}.bias", module.bias)
                return self.linear(self.value(x, self.concrete(x)), weight, bias)
            if isinstance(module, nn.Embedding):
                weight = self.parameter(f"{n.target}.weight", module.weight)
                return self.embedding(self.value(x, self.concrete(x)), weight)
            if isinstance(module, nn.LayerNorm):
                weight = bias = None
                if module.elementwise_affine:
                    weight = self.parameter(f"{n.target}.weight", module.weight)
                    bias = self.parameter(f"{n.target}.bias", module.bias)
                return self.layer_norm(self.value(x, self.concrete(x)), tuple(module.normalized_shape),
                                       weight, bias, module.eps)
            if isinstance(module, (nn.Dropout, nn.Identity)):
                if isinstance(module, nn.Dropout) and module.training and module.p > 0:
                    self.fail("Dropout in training mode is random: call model.eval() (or p=0)")
                return self.value(x, self.concrete(x))
            unary = {nn.ReLU: "relu", nn.SiLU: "silu", nn.Tanh: "tanh", nn.Sigmoid: "sigmoid"}
            for kind, name in unary.items():
                if isinstance(module, kind):
                    return self.unary(name, self.value(x, self.concrete(x)))
            if isinstance(module, nn.GELU):
                return self.unary("gelu_tanh" if module.approximate == "tanh" else "gelu",
                                  self.value(x, self.concrete(x)))
            if isinstance(module, nn.Softmax):
                return self.softmax(self.value(x, self.concrete(x)), module.dim)
            if isinstance(module, nn.LogSoftmax):
                return self.log_softmax(self.value(x, self.concrete(x)), module.dim)
            if isinstance(module, nn.CrossEntropyLoss):
                if module.reduction != "mean" or module.weight is not None or module.label_smoothing:
                    self.fail("CrossEntropyLoss: only reduction='mean' without weights or smoothing")
                return self.cross_entropy(self.value(args[0], self.concrete(args[0])),
                                          self.value(args[1], self.concrete(args[1])))
            self.fail(f"module {type(module).__name__} ('{n.target}') is not supported")

        def lower_call(self, n, target, args, kwargs, result):
            method = isinstance(target, tuple)
            name = target[1] if method else getattr(target, "__name__", str(target))
            c = self.concrete(args)
            ck = self.concrete(kwargs)

            def tensor(i):
                return self.value(args[i], c[i])

            def dim_arg(i, key, default=None):
                if len(c) > i:
                    return c[i]
                return ck.get(key, default)

            arithmetic = {operator.add: "add", torch.add: "add", operator.sub: "sub", torch.sub: "sub",
                          operator.mul: "mul", torch.mul: "mul", operator.truediv: "div",
                          torch.div: "div", operator.pow: "pow", torch.pow: "pow"}
            methods = {"add": "add", "sub": "sub", "mul": "mul", "div": "div", "pow": "pow",
                       "__add__": "add", "__sub__": "sub", "__mul__": "mul", "__truediv__": "div",
                       "__radd__": "radd", "__rsub__": "rsub", "__rmul__": "rmul", "__rtruediv__": "rdiv"}
            kind = methods.get(name) if method else arithmetic.get(target)
            if kind is None and not method and target in (operator.neg, torch.neg):
                return self.unary("neg", tensor(0))
            if kind is not None:
                if ck.get("alpha", 1) != 1:
                    self.fail("add/sub with alpha is not supported")
                lhs, rhs = (args[0], args[1]) if len(args) > 1 else (args[0], kwargs.get("other"))
                clhs, crhs = self.concrete(lhs), self.concrete(rhs)
                if kind.startswith("r"):
                    kind = kind[1:]
                    lhs, rhs, clhs, crhs = rhs, lhs, crhs, clhs
                return self.binary(kind, self.operand(lhs, clhs), self.operand(rhs, crhs),
                                   tuple(result.shape))
            unary_functions = {torch.relu: "relu", F.relu: "relu", torch.tanh: "tanh",
                               torch.sigmoid: "sigmoid", F.silu: "silu", torch.exp: "exp",
                               torch.log: "log", torch.sqrt: "sqrt", torch.rsqrt: "rsqrt",
                               torch.erf: "erf", F.gelu: "gelu", torch.abs: "abs"}
            unary_methods = {"relu", "tanh", "sigmoid", "exp", "log", "sqrt", "rsqrt", "erf",
                             "neg", "abs"}
            if (not method and target in unary_functions) or (method and name in unary_methods):
                op = name if method else unary_functions[target]
                if op == "gelu" and ck.get("approximate", "none") == "tanh":
                    op = "gelu_tanh"
                return self.unary(op, tensor(0))
            if (method and name in ("contiguous", "float")) or (not method and target is F.dropout):
                if not method and target is F.dropout and ck.get("training", False):
                    self.fail("F.dropout with training=True is random")
                return tensor(0)
            if (method and name in ("matmul", "bmm")) or target in (operator.matmul, torch.matmul,
                                                                       torch.bmm):
                return self.matmul(tensor(0), tensor(1))
            if not method and target is F.linear:
                weight = tensor(1)
                if isinstance(args[1], fx.Node) and args[1].op == "get_attr":
                    self.weights.add(args[1].target)
                bias = tensor(2) if len(args) > 2 and args[2] is not None else (
                    self.value(kwargs["bias"], ck["bias"]) if kwargs.get("bias") is not None else None)
                return self.linear(tensor(0), weight, bias)
            if not method and target is F.embedding:
                return self.embedding(tensor(0), tensor(1))
            if not method and target is F.layer_norm:
                shape = tuple(dim_arg(1, "normalized_shape"))
                weight = self.value(args[2], c[2]) if len(args) > 2 and args[2] is not None else None
                bias = self.value(args[3], c[3]) if len(args) > 3 and args[3] is not None else None
                return self.layer_norm(tensor(0), shape, weight, bias, dim_arg(4, "eps", 1e-5))
            if name in ("softmax", "log_softmax") and (method or target in (F.softmax, torch.softmax,
                                                                             F.log_softmax,
                                                                             torch.log_softmax)):
                dim = dim_arg(1, "dim")
                return (self.softmax if name == "softmax" else self.log_softmax)(tensor(0), dim)
            if not method and target is F.cross_entropy:
                if ck.get("reduction", "mean") != "mean" or ck.get("weight") is not None:
                    self.fail("F.cross_entropy: only reduction='mean' without weights")
                return self.cross_entropy(tensor(0), tensor(1))
            if name in ("view", "reshape") or (not method and target in (torch.reshape,)):
                return self.reshape(tensor(0), result.shape)
            if name in ("flatten", "unsqueeze", "squeeze") and (method or target in (
                    torch.flatten, torch.unsqueeze, torch.squeeze)):
                return self.reshape(tensor(0), result.shape)
            if name in ("permute",) or (not method and target is torch.permute):
                dims = c[1:] if method and not isinstance(c[1], (tuple, list)) else c[1]
                return self.transpose(tensor(0), [d % len(result.shape) for d in dims])
            if name in ("transpose", "t") or (not method and target in (torch.transpose, torch.t)):
                rank = len(result.shape)
                if name == "t":
                    a, b = 0, 1
                else:
                    a, b = c[1] % rank, c[2] % rank
                perm = list(range(rank))
                perm[a], perm[b] = perm[b], perm[a]
                return self.transpose(tensor(0), perm)
            if name in ("sum", "mean", "amax") and (method or target in (torch.sum, torch.mean,
                                                                         torch.amax)):
                x = tensor(0)
                dims = dim_arg(1, "dim", None)
                keep = ck.get("keepdim", c[2] if len(c) > 2 else False)
                return self.reduce(name, x, dims, keep, result.shape)
            if name == "masked_fill" and method:
                if self.is_runtime(args[1]):
                    self.fail("masked_fill needs a constant mask")
                fill = float(c[2])
                return self.select(c[1].contiguous(), fill, tensor(0), tuple(result.shape))
            if not method and target is torch.where:
                if self.is_runtime(args[0]):
                    self.fail("torch.where needs a constant condition")
                return self.select(c[0].contiguous(), self.operand(args[1], c[1]),
                                   self.operand(args[2], c[2]), tuple(result.shape))
            if not method and target is operator.getitem and isinstance(c[0], torch.Tensor):
                return self.getitem(tensor(0), c[1], result)
            if not method and target is operator.getitem and isinstance(args[0], fx.Node) \
                    and args[0].target in ("split", "chunk", torch.split, torch.chunk):
                return self.piece(args[0], c[1], result)
            where = f"method .{name}()" if method else f"function {getattr(target, '__module__', '')}.{name}"
            self.fail(f"{where} is not supported")

        def operand(self, arg, concrete):
            """A tensor (IR value) or a Python number."""
            if isinstance(concrete, torch.Tensor):
                return self.value(arg, concrete)
            if isinstance(concrete, (int, float)):
                return float(concrete)
            self.fail(f"an operand of type {type(concrete).__name__} is not supported")

        # -- IR builders ----------------------------------------------------

        def elementwise(self, inputs, shape, body, element="f32"):
            """A linalg.generic over `shape`; `inputs` are _Values (broadcast
            numpy-style: unit and missing dimensions collapsed away) or floats
            (constants in the body). `body(names)` returns (lines, result)."""
            rank = len(shape)
            dims = [f"d{i}" for i in range(rank)]
            operands, maps, names, prefix = [], [], [], []
            for item in inputs:
                if isinstance(item, _Value):
                    item, kept = self.broadcastable(item, shape)
                    operands.append(item)
                    maps.append(f"affine_map<({', '.join(dims)}) -> ({', '.join(dims[d] for d in kept)})>")
                    names.append(f"%in{len(operands) - 1}")
                else:
                    name = f"%c{len(prefix)}"
                    prefix.append(f"{name} = arith.constant {_float(item)} : f32")
                    names.append(name)
            out, empty = self.result(shape, element)
            lines, value = body(names)
            block_args = ", ".join(f"%in{i}: {o.element}" for i, o in enumerate(operands))
            block_args = (block_args + ", " if block_args else "") + f"%out: {element}"
            ins = (f"ins({', '.join(o.ssa for o in operands)} : {', '.join(o.type for o in operands)}) "
                   if operands else "")
            self.emit(f"{out.ssa} = linalg.generic {{indexing_maps = [{', '.join(maps + [_identity_map(rank)])}], "
                      f"iterator_types = [{_parallel(rank)}]}} "
                      f"{ins}outs({empty} : {out.type}) {{")
            self.emit(f"^bb0({block_args}):")
            for line in prefix + lines:
                self.emit("  " + line)
            self.emit(f"  linalg.yield {value} : {element}")
            self.emit(f"}} -> {out.type}")
            return out

        def broadcastable(self, value, shape):
            """`value` without the dimensions it broadcasts along, and the
            output dimensions it keeps."""
            offset = len(shape) - len(value.shape)
            kept, dropped = [], []
            for i, size in enumerate(value.shape):
                if size == 1 and shape[offset + i] != 1:
                    dropped.append(i)
                else:
                    kept.append(i)
            if not dropped:
                return value, [offset + i for i in kept]
            groups, pending = [], []
            for i in range(len(value.shape)):
                if i in dropped:
                    pending.append(i)
                else:
                    groups.append(pending + [i])
                    pending = []
            if pending and groups:
                groups[-1] += pending
            collapsed = _Value(self.fresh(), [value.shape[i] for i in kept], value.element)
            self.emit(f"{collapsed.ssa} = tensor.collapse_shape {value.ssa} {groups} : "
                      f"{value.type} into {collapsed.type}")
            return collapsed, [offset + i for i in kept]

        def binary(self, kind, lhs, rhs, shape):
            if kind == "pow":
                if not isinstance(rhs, float) or rhs not in (2.0, 3.0, 0.5, -0.5, 1.0):
                    self.fail("pow: only a constant exponent 2, 3, 0.5, -0.5 or 1")
                return self.power(lhs, rhs)
            op = {"add": "arith.addf", "sub": "arith.subf", "mul": "arith.mulf", "div": "arith.divf"}[kind]

            def body(names):
                return [f"%r = {op} {names[0]}, {names[1]} : f32"], "%r"
            return self.elementwise([lhs, rhs], shape, body)

        def power(self, x, exponent):
            def body(names):
                a = names[0]
                if exponent == 1.0:
                    return [], a
                if exponent == 2.0:
                    return [f"%r = arith.mulf {a}, {a} : f32"], "%r"
                if exponent == 3.0:
                    return [f"%s = arith.mulf {a}, {a} : f32", f"%r = arith.mulf %s, {a} : f32"], "%r"
                if exponent == 0.5:
                    return [f"%r = math.sqrt {a} : f32"], "%r"
                return [f"%r = math.rsqrt {a} : f32"], "%r"
            return self.elementwise([x], x.shape, body)

        def unary(self, kind, x):
            def body(names):
                a = names[0]
                simple = {"tanh": "math.tanh", "exp": "math.exp", "log": "math.log",
                          "sqrt": "math.sqrt", "rsqrt": "math.rsqrt", "erf": "math.erf",
                          "neg": "arith.negf", "abs": "math.absf"}
                if kind in simple:
                    return [f"%r = {simple[kind]} {a} : f32"], "%r"
                if kind == "relu":
                    return ["%z = arith.constant 0.0 : f32", f"%r = arith.maximumf {a}, %z : f32"], "%r"
                sigmoid = ["%one = arith.constant 1.0 : f32", f"%n = arith.negf {a} : f32",
                           "%e = math.exp %n : f32", "%d = arith.addf %one, %e : f32",
                           "%s = arith.divf %one, %d : f32"]
                if kind == "sigmoid":
                    return sigmoid, "%s"
                if kind == "silu":
                    return sigmoid + [f"%r = arith.mulf {a}, %s : f32"], "%r"
                if kind == "gelu":  # x/2 (1 + erf(x / sqrt 2))
                    return [f"%k = arith.constant {_float(1 / math.sqrt(2))} : f32",
                            "%h = arith.constant 0.5 : f32", "%one = arith.constant 1.0 : f32",
                            f"%t = arith.mulf {a}, %k : f32", "%e = math.erf %t : f32",
                            "%p = arith.addf %one, %e : f32", f"%q = arith.mulf {a}, %p : f32",
                            "%r = arith.mulf %q, %h : f32"], "%r"
                if kind == "gelu_tanh":  # x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
                    return [f"%k = arith.constant {_float(math.sqrt(2 / math.pi))} : f32",
                            "%c = arith.constant 0.044715 : f32", "%h = arith.constant 0.5 : f32",
                            "%one = arith.constant 1.0 : f32", f"%x2 = arith.mulf {a}, {a} : f32",
                            f"%x3 = arith.mulf %x2, {a} : f32", "%cx3 = arith.mulf %x3, %c : f32",
                            f"%in = arith.addf {a}, %cx3 : f32", "%u = arith.mulf %in, %k : f32",
                            "%t = math.tanh %u : f32", "%p = arith.addf %one, %t : f32",
                            f"%q = arith.mulf {a}, %p : f32", "%r = arith.mulf %q, %h : f32"], "%r"
                self.fail(f"unary {kind} is not supported")
            return self.elementwise([x], x.shape, body)

        def select(self, mask, on_true, on_false, shape):
            operands = [self.constant(mask), on_true, on_false]

            def body(names):
                return [f"%r = arith.select {names[0]}, {names[1]}, {names[2]} : f32"], "%r"
            return self.elementwise(operands, shape, body)

        def fill(self, shape, value):
            constant = self.fresh()
            self.emit(f"{constant} = arith.constant {_float(value)} : f32")
            out, empty = self.result(shape)
            self.emit(f"{out.ssa} = linalg.fill ins({constant} : f32) outs({empty} : {out.type}) -> {out.type}")
            return out

        def reshape(self, x, shape):
            """Row-major reshape: collapse to 1-D (or 0-D), expand to `shape`."""
            shape = tuple(int(s) for s in shape)
            if shape == x.shape:
                return x
            flat = x
            if len(x.shape) > 1 or not shape:
                flat = _Value(self.fresh(), (int(np.prod(x.shape)),) if shape else (), x.element)
                groups = [list(range(len(x.shape)))] if shape else []
                self.emit(f"{flat.ssa} = tensor.collapse_shape {x.ssa} {groups} : {x.type} into {flat.type}")
            if flat.shape == shape:
                return flat
            out = _Value(self.fresh(), shape, x.element)
            groups = [list(range(len(shape)))] if flat.shape else []
            self.emit(f"{out.ssa} = tensor.expand_shape {flat.ssa} {groups} output_shape "
                      f"[{', '.join(map(str, shape))}] : {flat.type} into {out.type}")
            return out

        def transpose(self, x, perm):
            perm = list(perm)
            if perm == sorted(perm):
                return x
            out, empty = self.result([x.shape[p] for p in perm], x.element)
            self.emit(f"{out.ssa} = linalg.transpose ins({x.ssa} : {x.type}) outs({empty} : {out.type}) "
                      f"permutation = [{', '.join(map(str, perm))}]")
            return out

        def matmul(self, a, b):
            if len(a.shape) < 2 or len(b.shape) < 2:
                self.fail("matmul of a vector is not supported (reshape it to a matrix)")
            if len(b.shape) == 2:  # x[..., K] @ W[K, N]
                rows = int(np.prod(a.shape[:-1]))
                flat = self.reshape(a, (rows, a.shape[-1]))
                out = self.fill((rows, b.shape[1]), 0.0)
                product = _Value(self.fresh(), out.shape, "f32")
                self.emit(f"{product.ssa} = linalg.matmul ins({flat.ssa}, {b.ssa} : {flat.type}, {b.type}) "
                          f"outs({out.ssa} : {out.type}) -> {out.type}")
                return self.reshape(product, tuple(a.shape[:-1]) + (b.shape[1],))
            if a.shape[:-2] != b.shape[:-2]:
                self.fail("batched matmul with broadcast batch dimensions is not supported")
            batch = int(np.prod(a.shape[:-2]))
            a3 = self.reshape(a, (batch,) + tuple(a.shape[-2:]))
            b3 = self.reshape(b, (batch,) + tuple(b.shape[-2:]))
            out = self.fill((batch, a.shape[-2], b.shape[-1]), 0.0)
            product = _Value(self.fresh(), out.shape, "f32")
            self.emit(f"{product.ssa} = linalg.batch_matmul ins({a3.ssa}, {b3.ssa} : {a3.type}, {b3.type}) "
                      f"outs({out.ssa} : {out.type}) -> {out.type}")
            return self.reshape(product, tuple(a.shape[:-2]) + (a.shape[-2], b.shape[-1]))

        def linear(self, x, weight, bias):
            """x W^T + b: the product reads W [N, K] through transposing maps."""
            rows, k = int(np.prod(x.shape[:-1])), x.shape[-1]
            n = weight.shape[0]
            flat = self.reshape(x, (rows, k))
            out = self.fill((rows, n), 0.0)
            product = _Value(self.fresh(), out.shape, "f32")
            self.emit(f"{product.ssa} = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
                      f"affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] "
                      f"ins({flat.ssa}, {weight.ssa} : {flat.type}, {weight.type}) "
                      f"outs({out.ssa} : {out.type}) -> {out.type}")
            if bias is not None:
                product = self.elementwise(
                    [product, bias], product.shape,
                    lambda names: ([f"%r = arith.addf {names[0]}, {names[1]} : f32"], "%r"))
            return self.reshape(product, tuple(x.shape[:-1]) + (n,))

        def embedding(self, indices, weight):
            """weight[indices]: a gather, one row per index."""
            if indices.element not in ("i64", "i32"):
                self.fail("embedding indices must be integer tensors")
            shape = tuple(indices.shape) + (weight.shape[1],)
            rank = len(shape)
            dims = [f"d{i}" for i in range(rank)]
            out, empty = self.result(shape, "f32")
            index_map = f"affine_map<({', '.join(dims)}) -> ({', '.join(dims[:-1])})>"
            self.emit(f"{out.ssa} = linalg.generic {{indexing_maps = [{index_map}, {_identity_map(rank)}], "
                      f"iterator_types = [{_parallel(rank)}]}} "
                      f"ins({indices.ssa} : {indices.type}) outs({empty} : {out.type}) {{")
            self.emit(f"^bb0(%i: {indices.element}, %out: f32):")
            self.emit(f"  %row = arith.index_cast %i : {indices.element} to index")
            self.emit(f"  %col = linalg.index {rank - 1} : index")
            self.emit(f"  %v = tensor.extract {weight.ssa}[%row, %col] : {weight.type}")
            self.emit("  linalg.yield %v : f32")
            self.emit(f"}} -> {out.type}")
            return out

        def reduce(self, kind, x, dims, keep, result_shape):
            rank = len(x.shape)
            if dims is None:
                dims = list(range(rank))
            elif isinstance(dims, int):
                dims = [dims]
            dims = sorted(d % rank for d in dims)
            shape = tuple(s for i, s in enumerate(x.shape) if i not in dims)
            init = self.fill(shape, -math.inf if kind == "amax" else 0.0)
            out = _Value(self.fresh(), shape, "f32")
            op = "arith.maximumf" if kind == "amax" else "arith.addf"
            self.emit(f"{out.ssa} = linalg.reduce ins({x.ssa} : {x.type}) outs({init.ssa} : {init.type}) "
                      f"dimensions = [{', '.join(map(str, dims))}]")
            self.emit("  (%in: f32, %acc: f32) {")
            self.emit(f"    %r = {op} %in, %acc : f32")
            self.emit("    linalg.yield %r : f32")
            self.emit("  }")
            if kind == "mean":
                count = float(np.prod([x.shape[d] for d in dims]))
                out = self.elementwise([out, 1.0 / count], shape,
                                       lambda names: ([f"%r = arith.mulf {names[0]}, {names[1]} : f32"], "%r"))
            return self.reshape(out, tuple(result_shape))

        def last_dim(self, x, dim):
            if dim % len(x.shape) != len(x.shape) - 1:
                self.fail("softmax, log_softmax and layer_norm over a dimension other than the last")

        def softmax(self, x, dim):
            dim = dim % len(x.shape)
            out, empty = self.result(x.shape, "f32")
            self.emit(f"{out.ssa} = linalg.softmax dimension({dim}) ins({x.ssa} : {x.type}) "
                      f"outs({empty} : {out.type}) -> {out.type}")
            return out

        def log_softmax(self, x, dim):
            """x - max - log(sum(exp(x - max))) along `dim`."""
            dim = dim % len(x.shape)
            keep = tuple(1 if i == dim else s for i, s in enumerate(x.shape))
            peak = self.reduce("amax", x, [dim], True, keep)
            shifted = self.binary("sub", x, peak, x.shape)
            exp = self.unary("exp", shifted)
            total = self.reduce("sum", exp, [dim], True, keep)
            log_total = self.unary("log", total)
            return self.binary("sub", shifted, log_total, x.shape)

        def layer_norm(self, x, normalized_shape, weight, bias, eps):
            if len(normalized_shape) != 1:
                self.fail("LayerNorm over more than the last dimension")
            self.last_dim(x, -1)
            keep = tuple(x.shape[:-1]) + (1,)
            mean = self.reduce("mean", x, [-1], True, keep)
            centered = self.binary("sub", x, mean, x.shape)
            square = self.power(centered, 2.0)
            variance = self.reduce("mean", square, [-1], True, keep)

            def inverse(names):
                return [f"%s = arith.addf {names[0]}, {names[1]} : f32", "%r = math.rsqrt %s : f32"], "%r"
            scale = self.elementwise([variance, float(eps)], keep, inverse)
            y = self.binary("mul", centered, scale, x.shape)
            if weight is not None:
                y = self.binary("mul", y, weight, x.shape)
            if bias is not None:
                y = self.binary("add", y, bias, x.shape)
            return y

        def cross_entropy(self, logits, targets):
            """mean over rows of logsumexp(x) - x[target]."""
            if len(logits.shape) != 2 or len(targets.shape) != 1:
                self.fail("cross_entropy takes (N, C) logits and (N,) class indices")
            log_probs = self.log_softmax(logits, 1)
            rows = logits.shape[0]
            picked, empty = self.result((rows,), "f32")
            self.emit(f"{picked.ssa} = linalg.generic {{indexing_maps = [affine_map<(d0) -> (d0)>, "
                      f"affine_map<(d0) -> (d0)>], iterator_types = [\"parallel\"]}} "
                      f"ins({targets.ssa} : {targets.type}) outs({empty} : {picked.type}) {{")
            self.emit(f"^bb0(%t: {targets.element}, %out: f32):")
            self.emit("  %row = linalg.index 0 : index")
            self.emit(f"  %col = arith.index_cast %t : {targets.element} to index")
            self.emit(f"  %v = tensor.extract {log_probs.ssa}[%row, %col] : {log_probs.type}")
            self.emit("  %n = arith.negf %v : f32")
            self.emit("  linalg.yield %n : f32")
            self.emit(f"}} -> {picked.type}")
            return self.reduce("mean", picked, [0], False, ())

        def piece(self, split, index, result):
            """Piece `index` of a split / chunk: a slice of its input (whose
            concrete value the Interpreter may have freed: read its shape
            from the IR value)."""
            source = self.runtime[split.args[0]]
            pieces = self.env[split]
            rank = len(source.shape)
            dim = split.kwargs.get("dim", split.args[2] if len(split.args) > 2 else 0) % rank
            start = sum(p.shape[dim] for p in pieces[:index])
            key = tuple(slice(None) if d != dim else slice(start, start + pieces[index].shape[dim])
                        for d in range(rank))
            return self.getitem(source, key, result)

        def getitem(self, x, index, result):
            """Basic slicing (start:stop, integers, ...) as tensor.extract_slice."""
            if not isinstance(index, tuple):
                index = (index,)
            if any(i is Ellipsis for i in index):
                at = index.index(Ellipsis)
                index = index[:at] + (slice(None),) * (len(x.shape) - len(index) + 1) + index[at + 1:]
            offsets, sizes = [], []
            for d, size in enumerate(x.shape):
                item = index[d] if d < len(index) else slice(None)
                if isinstance(item, int):
                    offsets.append(item % size)
                    sizes.append(1)
                elif isinstance(item, slice) and item.step in (None, 1):
                    start, stop, _ = item.indices(size)
                    offsets.append(start)
                    sizes.append(max(stop - start, 0))
                else:
                    self.fail("indexing other than integers and unit-step slices")
            sliced = _Value(self.fresh(), sizes, x.element)
            self.emit(f"{sliced.ssa} = tensor.extract_slice {x.ssa}[{', '.join(map(str, offsets))}] "
                      f"[{', '.join(map(str, sizes))}] [{', '.join(['1'] * len(sizes))}] : "
                      f"{x.type} to {sliced.type}")
            return self.reshape(sliced, tuple(result.shape))

    return Emitter


def _concrete_tracer(torch, fx):
    """A torch.fx tracer that also runs each op on the example inputs, so
    that sizes are plain ints (`b, t, c = x.size()`, `math.sqrt(k.size(-1))`
    as GPT code writes them) and tuples of tensors (`split`, `chunk`) can be
    unpacked. Control flow on a tensor's value is still an error."""

    class ConcreteTracer(fx.Tracer):
        record_stack_traces = True

        def __init__(self, root, inputs):
            super().__init__()
            self.root_module, self.inputs = root, list(inputs)
            self.values = {}
            self.evaluating = False

        # While an op runs on real tensors, fx's module hooks step aside.
        def getattr(self, attr, attr_val, parameter_proxy_cache):
            if self.evaluating:
                return attr_val
            return super().getattr(attr, attr_val, parameter_proxy_cache)

        def call_module(self, m, forward, args, kwargs):
            if self.evaluating:
                return forward(*args, **kwargs)
            return super().call_module(m, forward, args, kwargs)

        def create_proxy(self, kind, target, args, kwargs, *rest, **more):
            proxy = super().create_proxy(kind, target, args, kwargs, *rest, **more)
            node = proxy.node
            if kind == "placeholder":
                value = self.inputs.pop(0)
            elif kind == "get_attr":
                value = self.fetch(target)
            else:
                a = fx.node.map_arg(node.args, self.value_of)
                k = fx.node.map_arg(node.kwargs, self.value_of)
                self.evaluating = True
                try:
                    with torch.no_grad():
                        if kind == "call_function":
                            value = target(*a, **k)
                        elif kind == "call_method":
                            value = getattr(a[0], target)(*a[1:], **k)
                        else:
                            value = self.root_module.get_submodule(target)(*a, **k)
                finally:
                    self.evaluating = False
            self.values[node] = value
            # Sizes and other Python values are concrete from here on (but an
            # attribute access stays a proxy: fx builds x.shape lazily).
            if kind != "placeholder" and target is not getattr and _is_static(torch, value):
                return value
            return proxy

        def value_of(self, node):
            # fx adds constants (get_attr _tensor_constantN) with create_node.
            return self.values[node] if node in self.values else self.fetch(node.target)

        def fetch(self, target):
            # Module internals: nn.Module.__getattr__ is fx's hook here.
            value = self.root
            for part in target.split("."):
                for table in ("_modules", "_parameters", "_buffers"):
                    if part in value.__dict__.get(table, {}):
                        value = value.__dict__[table][part]
                        break
                else:
                    value = value.__dict__[part]
            return value

        def iter(self, obj):
            value = self.values[obj.node]
            if _is_static(torch, value):
                return iter(value)
            if isinstance(value, (tuple, list)):
                return iter([obj[i] for i in range(len(value))])
            return super().iter(obj)

        def to_bool(self, obj):
            value = self.values[obj.node]
            if _is_static(torch, value):
                return bool(value)
            return super().to_bool(obj)

    return ConcreteTracer


def _user_frame(stack_trace):
    """'file:line in function: code' of the innermost frame outside PyTorch
    and this package, from an fx node's recorded stack trace."""
    if not stack_trace:
        return None
    lines = stack_trace.splitlines()
    for i, line in enumerate(lines):
        line = line.strip()
        if not line.startswith("File "):
            continue
        parts = line.split(", ")
        path = parts[0][len("File "):].strip('"')
        if "/torch/" in path or "/mx_mlir/" in path:
            continue
        code = lines[i + 1].strip() if i + 1 < len(lines) else ""
        code = "" if code.startswith("File ") else code
        number = parts[1].replace("line ", "") if len(parts) > 1 else "?"
        function = parts[2].replace("in ", "") if len(parts) > 2 else "?"
        return f"{path}:{number} in {function}" + (f": {code}" if code else "")
    return None


def _is_static(torch, value):
    """Sizes, ints, floats and tuples of them (not tensors)."""
    if isinstance(value, (bool, int, float, torch.Size)):
        return True
    return isinstance(value, (tuple, list)) and all(_is_static(torch, v) for v in value)


def from_torch(module, example_inputs, weights="constants", function="forward",
               copy_parameters=True):
    """Imports `module` (an nn.Module) called on `example_inputs` (a tuple of
    tensors: f32, or int64 for embedding indices and class targets).

    weights="constants": parameters become `arith.constant`s (inference,
    `mx-quantize-policy`). weights="arguments": they become arguments after
    the inputs, marked `{mx.wrt}` (and `{mx.weight}` for the weights of
    matrix products), in `Imported.parameters` order (training). The
    function returns the module's output tensor (or tuple of tensors).

    copy_parameters=False (with weights="arguments"): `Imported.parameters`
    holds NumPy views of the module's f32 CPU parameters instead of copies,
    for models whose weights come from elsewhere (a streamed checkpoint)
    and would not fit in memory twice."""
    import torch
    import torch.fx as fx

    if weights not in ("constants", "arguments"):
        raise ValueError(f"mx_mlir.from_torch: weights must be 'constants' or 'arguments', got {weights!r}")
    example_inputs = tuple(example_inputs)

    try:
        graph = _concrete_tracer(torch, fx)(module, example_inputs).trace(module)
    except TorchImportError:
        raise
    except Exception as error:  # fx's own message names the failing Python
        raise TorchImportError(f"mx_mlir.from_torch: torch.fx cannot trace {type(module).__name__}: "
                               f"{str(error).splitlines()[0]}") from error
    graph_module = fx.GraphModule(module, graph)
    emitter = _make_emitter(torch, fx)(graph_module, module, weights == "arguments")
    emitter.copy_parameters = copy_parameters
    try:
        with torch.no_grad():
            outputs = emitter.run(*example_inputs)
    except TorchImportError as error:
        raise TorchImportError(error.message) from None
    output_node = next(n for n in graph.nodes if n.op == "output")
    emitter.node = output_node
    results = output_node.args[0]
    concrete = outputs
    if not isinstance(results, (tuple, list)):
        results, concrete = (results,), (outputs,)
    values = [emitter.value(r, c) for r, c in zip(results, concrete)]

    arguments = [f"{a.ssa}: {a.type}" for a in emitter.arguments]
    for name, array in emitter.parameters:
        attrs = "mx.wrt, mx.weight" if name in emitter.weights else "mx.wrt"
        value = emitter.parameter_values[name]
        arguments.append(f"{value.ssa}: {value.type} {{{attrs}}}")
    header = (f"func.func @{function}({', '.join(arguments)}) -> "
              f"({', '.join(v.type for v in values)}) {{")
    body = "\n".join(emitter.lines)
    ret = f"    return {', '.join(v.ssa for v in values)} : {', '.join(v.type for v in values)}"
    text = f"{header}\n{body}\n{ret}\n}}\n"
    weight_names = [name for name, _ in emitter.parameters if name in emitter.weights]
    return Imported(text, function, emitter.parameters, weight_names)
