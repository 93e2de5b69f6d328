"""Contexts, modules, pass pipelines and the JIT, over libMXCAPI.so.

    ctx = Context()
    module = Module.parse(text, ctx)
    module.run_pipeline("mx-cpu-pipeline")    # or compile() does it for you
    jit = module.compile()
    out = jit.invoke("fn", x, y)              # NumPy arrays in and out

Functions are called through their C interface (`llvm.emit_c_interface`,
which compile() sets on every public function): tensors and memrefs travel
as memref descriptors over the arrays' own memory, and `!mx.tensor` values
as the pair (element storage, scales) the lowering turns them into (an
MXArray in Python), or for a two-level tensor (MX9, MX6, MX4) as its one
array of packed blocks (a TwoLevelArray). Results are copied into new arrays and their buffers
freed: the CPU pipeline's deallocation makes every returned buffer the
caller's.
"""

import ctypes
import os
import threading
from ctypes import CFUNCTYPE, POINTER, Structure, c_int64, c_void_p

import numpy as np

from . import _capi
from ._capi import StringRef, collect_string, lib
from .mxarray import TWO_LEVEL_FORMATS, MXArray, TwoLevelArray
from .reference import scales_shape, shared_microexponent_storage_shape, storage_shape

_SEVERITIES = {0: "error", 1: "warning", 2: "note", 3: "remark"}


class MLIRError(Exception):
    """A parse, verification, pass or JIT failure, with MLIR's diagnostics."""


def _location_text(location):
    """`file:line:col` for a file location (as compilers print it), else
    MLIR's form of the location (`loc("fc1")`, fused, call sites)."""
    if lib.mlirLocationIsAFileLineColRange(location):
        name = lib.mlirIdentifierStr(lib.mlirLocationFileLineColRangeGetFilename(location))
        return (f"{name.str()}:"
                f"{lib.mlirLocationFileLineColRangeGetStartLine(location)}:"
                f"{lib.mlirLocationFileLineColRangeGetStartColumn(location)}")
    return collect_string(lib.mlirLocationPrint, location)


def _diagnostic_collector(diagnostics):
    def on_diagnostic(diagnostic, _):
        severity = _SEVERITIES.get(lib.mlirDiagnosticGetSeverity(diagnostic), "note")
        location = _location_text(lib.mlirDiagnosticGetLocation(diagnostic))
        message = collect_string(lib.mlirDiagnosticPrint, diagnostic)
        diagnostics.append(f"{location}: {severity}: {message}")
        return 1  # handled: MLIR prints nothing itself
    return on_diagnostic


class Context:
    """An MLIR context with every upstream dialect, the mx dialect, their
    passes and pipelines and the LLVM IR translations registered.
    Diagnostics are collected per call (parse, pipeline, compile): a
    failing call raises an MLIRError with its own diagnostics only; the
    remarks and warnings of a call that succeeds are left in the module's
    `diagnostics`."""

    _registered_passes = False
    _lock = threading.Lock()

    def __init__(self):
        with Context._lock:
            if not Context._registered_passes:
                lib.mlirMXRegisterAllPasses()
                Context._registered_passes = True
        self._handle = lib.mlirContextCreate()
        self._owned = []  # _Owned handles of this context's modules and engines
        registry = lib.mlirDialectRegistryCreate()
        lib.mlirMXRegisterAllDialects(registry)
        lib.mlirContextAppendDialectRegistry(self._handle, registry)
        lib.mlirDialectRegistryDestroy(registry)
        lib.mlirRegisterAllLLVMTranslations(self._handle)
        self.diagnostics = []
        # A closure over the list, not a bound method: no reference cycle, so
        # the context is destroyed only after every module that holds it.
        self._handler = _capi.DiagnosticHandler(_diagnostic_collector(self.diagnostics))
        lib.mlirContextAttachDiagnosticHandler(self._handle, self._handler, None,
                                               _capi.DeleteUserData(0))

    def begin_call(self):
        """Forgets the diagnostics of earlier calls."""
        self.diagnostics.clear()

    def take_diagnostics(self):
        """The diagnostics collected since begin_call(), and clears them."""
        taken = list(self.diagnostics)
        self.diagnostics.clear()
        return taken

    def error(self, what):
        """An MLIRError for `what`, carrying (and clearing) the diagnostics."""
        return MLIRError("\n".join([what] + self.take_diagnostics()))

    def own(self, handle, destroy):
        """Records a handle that must be destroyed before the context."""
        owned = _Owned(handle, destroy)
        self._owned = [o for o in self._owned if o.handle] + [owned]
        return owned

    def __del__(self):
        handle, self._handle = getattr(self, "_handle", None), None
        if not handle or lib is None:
            return
        # Modules and engines caught in a reference cycle with their context
        # may be finalized after it: destroy what is left first, newest first.
        for owned in reversed(self._owned):
            owned.release()
        lib.mlirContextDestroy(handle)


class _Owned:
    """A C handle destroyed exactly once, by its Python owner or its context."""

    __slots__ = ("handle", "destroy")

    def __init__(self, handle, destroy):
        self.handle, self.destroy = handle, destroy

    def release(self):
        handle, self.handle = self.handle, None
        if handle and lib is not None:
            self.destroy(handle)


_default_context = None


def default_context():
    """The context the array API and Module.parse use when given none."""
    global _default_context
    if _default_context is None:
        _default_context = Context()
    return _default_context


# ---------------------------------------------------------------------------
# Function signatures: what each argument and result is once lowered.
# ---------------------------------------------------------------------------

_DTYPES = {"f64": np.float64, "f32": np.float32, "f16": np.float16, "bf16": np.uint16,
           "i64": np.int64, "index": np.int64, "i32": np.int32, "i16": np.int16,
           "i8": np.int8, "i1": np.bool_}
_SCALARS = {np.float64: ctypes.c_double, np.float32: ctypes.c_float, np.int64: c_int64,
            np.int32: ctypes.c_int32, np.int16: ctypes.c_int16, np.int8: ctypes.c_int8,
            np.bool_: ctypes.c_bool}


def _dtype_of(type_name):
    """NumPy dtype for an MLIR element type; FP8/FP6/FP4 values are bytes."""
    if type_name in _DTYPES:
        return np.dtype(_DTYPES[type_name])
    if type_name.startswith(("f8", "f6", "f4")):
        return np.dtype(np.uint8)
    raise MLIRError(f"mx_mlir: no NumPy type for MLIR type '{type_name}'")


class Buffer:
    """One memref of the lowered signature: static shape and dtype."""

    def __init__(self, shape, dtype):
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)
        self.nbytes = int(np.prod(self.shape, dtype=np.int64)) * self.dtype.itemsize
        rank = len(self.shape)
        fields = [("allocated", c_void_p), ("aligned", c_void_p), ("offset", c_int64)]
        if rank:
            fields += [("sizes", c_int64 * rank), ("strides", c_int64 * rank)]
        self.ctype = type(f"MemRef{rank}D", (Structure,), {"_fields_": fields})

    def describe(self, array, what):
        if not isinstance(array, np.ndarray):
            array = np.asarray(array)
        if array.dtype != self.dtype or array.shape != self.shape:
            raise ValueError(f"{what}: expected an array of shape {self.shape} and dtype "
                             f"{self.dtype}, got {array.shape} {array.dtype}")
        if not array.flags.c_contiguous:
            array = np.ascontiguousarray(array)
        descriptor = self.ctype()
        descriptor.allocated = descriptor.aligned = array.ctypes.data
        descriptor.offset = 0
        if self.shape:
            descriptor.sizes[:] = self.shape
            descriptor.strides[:] = [s // array.itemsize for s in array.strides]
        return descriptor, array

    def take(self, descriptor, to_free):
        """Copies a returned memref out and adds its allocation to `to_free`
        (a set: a function may return one buffer several times, so every
        result is copied before any is freed)."""
        address = (descriptor.aligned or 0) + descriptor.offset * self.dtype.itemsize
        raw = (ctypes.c_char * self.nbytes).from_address(address)
        array = np.frombuffer(raw, dtype=self.dtype).reshape(self.shape).copy()
        if descriptor.allocated:
            to_free.add(descriptor.allocated)
        return array


class Scalar:
    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)
        self.ctype = _SCALARS[self.dtype.type]


class Value:
    """One argument or result of a source function and its lowered pieces:
    one Buffer (tensor, memref), two (an !mx.tensor: storage, scales; an
    !mx.scaled: data, f32 scale), or a Scalar."""

    def __init__(self, text, parts, mx=None, scaled=False, two_level=None, as_stored=False):
        self.text, self.parts, self.mx, self.scaled = text, parts, mx, scaled
        self.two_level = two_level  # (shape, format, axis) of a TwoLevelArray
        # an !mx.tensor stored reordered (swizzled scales, or panels): a pair
        # of its code and scale storage
        self.as_stored = as_stored


def _shaped_type_shape(type_handle):
    """The dimensions of a ranked tensor or memref type."""
    return [lib.mlirShapedTypeGetDimSize(type_handle, d)
            for d in range(lib.mlirShapedTypeGetRank(type_handle))]


def _describe_type(type_handle):
    text = collect_string(lib.mlirTypePrint, type_handle)
    if lib.mlirTypeIsAMXTensor(type_handle):
        rank = lib.mlirMXTensorTypeGetRank(type_handle)
        shape = [lib.mlirMXTensorTypeGetDimSize(type_handle, d) for d in range(rank)]
        block = [lib.mlirMXTensorTypeGetBlockSize(type_handle, d) for d in range(rank)]
        fmt = lib.mlirMXTensorTypeGetFormatName(type_handle).str()
        if any(s < 0 for s in shape):
            raise MLIRError(f"mx_mlir: cannot call a function on '{text}': dynamic shape")
        params = [ctypes.c_uint() for _ in range(4)]
        if lib.mlirMXTensorTypeGetTwoLevelFormat(type_handle, *map(ctypes.byref, params)):
            m, k1, k2, d2 = (p.value for p in params)
            if fmt not in TWO_LEVEL_FORMATS:
                fmt = f"m={m},k1={k1},k2={k2},d2={d2}"
            axis = next(d for d, b in enumerate(block) if b > 1)
            storage = shared_microexponent_storage_shape(shape, fmt, axis)
            return Value(text, [Buffer(storage, np.uint8)], two_level=(tuple(shape), fmt, axis))
        scale_type = collect_string(lib.mlirTypePrint, lib.mlirMXTensorTypeGetScaleType(type_handle))
        # Swizzled scales (one 1-D tensor of padded tiles) and the panels
        # layout (codes and scales as [N/256, rows, 256]) go as stored.
        as_stored = (lib.mlirMXTensorTypeHasSwizzledScales(type_handle)
                     or lib.mlirMXTensorTypeHasPanels(type_handle))
        if as_stored:
            code_shape = _shaped_type_shape(lib.mlirMXTensorTypeGetCodeStorageType(type_handle))
            scale_shape = _shaped_type_shape(lib.mlirMXTensorTypeGetScaleStorageType(type_handle))
        else:
            code_shape, scale_shape = storage_shape(shape, fmt), scales_shape(shape, block)
        parts = [Buffer(code_shape, np.uint8), Buffer(scale_shape, _dtype_of(scale_type))]
        return Value(text, parts, mx=(tuple(shape), fmt, tuple(block), scale_type),
                     as_stored=as_stored)
    if lib.mlirTypeIsAMXScaledTensor(type_handle):
        data = _describe_type(lib.mlirMXScaledTensorTypeGetDataType(type_handle))
        return Value(text, data.parts + [Scalar(np.float32)], scaled=True)
    if lib.mlirTypeIsARankedTensor(type_handle) or lib.mlirTypeIsAMemRef(type_handle):
        if not lib.mlirShapedTypeHasStaticShape(type_handle):
            raise MLIRError(f"mx_mlir: cannot call a function on '{text}': dynamic shape")
        shape = _shaped_type_shape(type_handle)
        element = collect_string(lib.mlirTypePrint, lib.mlirShapedTypeGetElementType(type_handle))
        return Value(text, [Buffer(shape, _dtype_of(element))])
    dtype = _dtype_of(text)
    if dtype.type not in _SCALARS:
        raise MLIRError(f"mx_mlir: cannot pass '{text}' as a scalar")
    return Value(text, [Scalar(dtype)])


class Signature:
    def __init__(self, name, function_type):
        self.name = name
        self.inputs = [_describe_type(lib.mlirFunctionTypeGetInput(function_type, i))
                       for i in range(lib.mlirFunctionTypeGetNumInputs(function_type))]
        self.results = [_describe_type(lib.mlirFunctionTypeGetResult(function_type, i))
                        for i in range(lib.mlirFunctionTypeGetNumResults(function_type))]


def _public_functions(module_handle):
    """(operation, name, function type) of every public func.func with a body."""
    operation = lib.mlirBlockGetFirstOperation(lib.mlirModuleGetBody(module_handle))
    while operation:
        name = lib.mlirIdentifierStr(lib.mlirOperationGetName(operation)).str()
        if name == "func.func":
            visibility = lib.mlirOperationGetAttributeByName(operation, StringRef.of("sym_visibility"))
            if not visibility and _has_body(operation):
                symbol = lib.mlirOperationGetAttributeByName(operation, StringRef.of("sym_name"))
                ftype = lib.mlirOperationGetAttributeByName(operation, StringRef.of("function_type"))
                yield operation, lib.mlirStringAttrGetValue(symbol).str(), lib.mlirTypeAttrGetValue(ftype)
        operation = lib.mlirOperationGetNextInBlock(operation)


def _has_body(operation):
    return bool(lib.mlirRegionGetFirstBlock(lib.mlirOperationGetRegion(operation, 0)))


# ---------------------------------------------------------------------------
# Modules and the JIT
# ---------------------------------------------------------------------------


class Module:
    """A parsed, verified `builtin.module`. `diagnostics`: the remarks and
    warnings of the last call on it that succeeded (parse, run_pipeline,
    compile), as `file:line:col: severity: message` lines."""

    def __init__(self, handle, context):
        self.context = context
        self._owned = context.own(handle, lib.mlirModuleDestroy)
        self.diagnostics = []

    @property
    def _handle(self):
        return self._owned.handle

    @classmethod
    def parse(cls, text, context=None, name="<string>"):
        """Parses and verifies `text`; its locations name the buffer `name`."""
        context = context or default_context()
        context.begin_call()
        handle = lib.mlirMXModuleCreateParseNamed(context._handle, StringRef.of(text),
                                                  StringRef.of(name))
        if not handle:
            raise context.error("mx_mlir: could not parse the module")
        module = cls(handle, context)  # the parser has verified it
        module.diagnostics = context.take_diagnostics()
        return module

    @classmethod
    def parse_file(cls, path, context=None):
        """Parses the file at `path` (locations name it)."""
        with open(path, encoding="utf-8") as handle:
            return cls.parse(handle.read(), context, name=str(path))

    @property
    def operation(self):
        return lib.mlirModuleGetOperation(self._handle)

    def __str__(self):
        return collect_string(lib.mlirOperationPrint, self.operation)

    def run_pipeline(self, pipeline):
        """Runs a textual pass pipeline ("mx-cpu-pipeline", "canonicalize,cse",
        or a full "builtin.module(...)") on the module, in place."""
        if not pipeline.lstrip().startswith("builtin.module("):
            pipeline = f"builtin.module({pipeline})"
        self.context.begin_call()
        manager = lib.mlirPassManagerCreate(self.context._handle)
        try:
            errors = []
            on_error = _capi.StringCallback(
                lambda ref, _: errors.append(ref.str()))
            if not lib.mlirParsePassPipeline(lib.mlirPassManagerGetAsOpPassManager(manager),
                                             StringRef.of(pipeline), on_error, None):
                self.context.diagnostics.append("".join(errors).strip())
                raise self.context.error(f"mx_mlir: invalid pass pipeline '{pipeline}'")
            if not lib.mlirPassManagerRunOnOp(manager, self.operation):
                raise self.context.error(f"mx_mlir: pipeline '{pipeline}' failed")
        finally:
            lib.mlirPassManagerDestroy(manager)
        self.diagnostics = self.context.take_diagnostics()
        return self

    def compile(self, pipeline="mx-cpu-pipeline", opt_level=3, shared_libs=()):
        """A JIT over this module: records the public functions' signatures,
        asks for their C interface, lowers with `pipeline` (None when the
        module is already in the LLVM dialect) and JIT-compiles the result.
        The module is lowered in place."""
        signatures = {}
        unit = lib.mlirUnitAttrGet(self.context._handle)
        read_only = lib.mlirBoolAttrGet(self.context._handle, 0)
        for operation, name, function_type in _public_functions(self._handle):
            signatures[name] = Signature(name, function_type)
            lib.mlirOperationSetAttributeByName(operation, StringRef.of("llvm.emit_c_interface"), unit)
            # Tensors are values: the caller's arrays must not be written in
            # place (bufferization copies instead).
            for index, value in enumerate(signatures[name].inputs):
                if value.mx is None and isinstance(value.parts[0], Buffer) and value.text.startswith("tensor<"):
                    lib.mlirFuncSetArgAttr(operation, index, StringRef.of("bufferization.writable"),
                                           read_only)
        remarks = []
        if pipeline:
            self.run_pipeline(pipeline)
            remarks = self.diagnostics
        self.context.begin_call()
        engine = ExecutionEngine(self, signatures, opt_level, shared_libs)
        self.diagnostics = remarks + self.context.take_diagnostics()
        return engine

    def __del__(self):
        if hasattr(self, "_owned"):
            self._owned.release()


class ExecutionEngine:
    """JIT-compiled functions of a lowered module, called with NumPy arrays."""

    def __init__(self, module, signatures, opt_level=3, shared_libs=()):
        self.module, self.signatures = module, signatures
        paths = (StringRef * max(1, len(shared_libs)))(*[StringRef.of(p) for p in shared_libs])
        # perf's jitdump files only on request: upstream's engine writes one
        # per process into ~/.debug/jit (docs/Reliability.md).
        handle = lib.mlirMXExecutionEngineCreate(module._handle, opt_level, len(shared_libs),
                                                 paths, os.environ.get("MX_MLIR_JIT_PERF") == "1")
        if not handle:
            raise module.context.error("mx_mlir: the execution engine could not compile the module")
        self._owned = module.context.own(handle, lib.mlirExecutionEngineDestroy)
        lib.mlirExecutionEngineInitialize(handle)
        self._functions = {}
        # The JIT generates machine code when a symbol is first looked up:
        # look every function up now, so that compile() includes the code
        # generation and the first call is not seconds slower than the rest.
        for name in signatures:
            self._function(name)

    def _function(self, name):
        if name in self._functions:
            return self._functions[name]
        if name not in self.signatures:
            raise KeyError(f"mx_mlir: no public function '{name}' (have: "
                           f"{', '.join(sorted(self.signatures)) or 'none'})")
        signature = self.signatures[name]
        address = lib.mlirExecutionEngineLookup(self._handle, StringRef.of("_mlir_ciface_" + name))
        if not address:
            raise MLIRError(f"mx_mlir: could not look up '{name}' in the JIT (a symbol its code "
                            "calls may be missing: the JIT reports it on stderr)")
        results = [p for v in signature.results for p in v.parts]
        arguments = [POINTER(p.ctype) if isinstance(p, Buffer) else p.ctype
                     for v in signature.inputs for p in v.parts]
        result_struct = None
        if len(results) == 1 and isinstance(results[0], Scalar):
            prototype = CFUNCTYPE(results[0].ctype, *arguments)
        elif results:
            # Results come back through a pointer in front of the arguments:
            # to the one memref descriptor, or to a struct of all results.
            result_struct = results[0].ctype if len(results) == 1 else type(
                "Results", (Structure,), {"_fields_": [(f"r{i}", p.ctype) for i, p in enumerate(results)]})
            prototype = CFUNCTYPE(None, POINTER(result_struct), *arguments)
        else:
            prototype = CFUNCTYPE(None, *arguments)
        self._functions[name] = (prototype(address), signature, results, result_struct)
        return self._functions[name]

    def invoke(self, name, *args):
        """Calls `name`: NumPy arrays for tensors/memrefs, MXArray (or an
        (elements, scales) pair) for !mx.tensor (always the pair, element
        storage and scale bytes, when its scales are swizzled or it is in the
        panels layout), TwoLevelArray (or its
        packed blocks) for a two-level one, a (data, scale) pair for
        !mx.scaled (FP8 data as uint8 codes), Python numbers for scalars.
        Returns None, one value, or a tuple."""
        function, signature, results, result_struct = self._function(name)
        if len(args) != len(signature.inputs):
            raise TypeError(f"{name} takes {len(signature.inputs)} arguments, got {len(args)}")
        call_args, keep, argument_memory = [], [], set()
        for index, (value, arg) in enumerate(zip(signature.inputs, args)):
            what = f"{name}: argument {index} ({value.text})"
            if value.two_level is not None:
                pieces = (arg.blocks if isinstance(arg, TwoLevelArray) else arg,)
            elif value.mx is not None:
                pieces = (arg.elements, arg.scales) if isinstance(arg, MXArray) else tuple(arg)
            elif value.scaled:
                pieces = tuple(arg)  # (data, scale)
                if len(pieces) != 2:
                    raise TypeError(f"{what}: expected a (data, scale) pair")
            else:
                pieces = (arg,)
            for part, piece in zip(value.parts, pieces):
                if isinstance(part, Scalar):
                    call_args.append(part.ctype(piece))
                    continue
                descriptor, array = part.describe(piece, what)
                keep += [descriptor, array]
                argument_memory.add(descriptor.allocated)
                call_args.append(ctypes.pointer(descriptor))
        if result_struct is None:
            returned = function(*call_args)
            return returned if results else None
        out = result_struct()
        function(ctypes.pointer(out), *call_args)
        raw = [out] if len(results) == 1 else [getattr(out, f"r{i}") for i in range(len(results))]
        taken, to_free = [], set()
        for part, item in zip(results, raw):
            taken.append(part.take(item, to_free) if isinstance(part, Buffer) else item)
        to_free -= argument_memory  # NumPy owns the arguments' memory
        for allocated in to_free:
            _capi.libc.free(allocated)
        values, position = [], 0
        for value in signature.results:
            pieces = taken[position:position + len(value.parts)]
            position += len(value.parts)
            if value.two_level is not None:
                shape, fmt, axis = value.two_level
                values.append(TwoLevelArray(pieces[0], fmt, shape, axis))
            elif value.as_stored:
                values.append((pieces[0], pieces[1]))
            elif value.mx is not None:
                shape, fmt, block, scale_type = value.mx
                values.append(MXArray(pieces[0], pieces[1], fmt, shape, block, scale_type))
            elif value.scaled:
                values.append((pieces[0], float(pieces[1])))
            else:
                values.append(pieces[0])
        return values[0] if len(values) == 1 else tuple(values)

    @property
    def _handle(self):
        return self._owned.handle

    def __del__(self):
        if hasattr(self, "_owned"):
            self._owned.release()
