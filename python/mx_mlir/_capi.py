"""ctypes declarations for libMXCAPI.so: the mx C API (include/mx-c/) and the
upstream MLIR C API pieces it carries (IR, pass manager, execution engine).

Every MLIR handle is a struct holding one pointer, so `c_void_p` stands for
it; MlirStringRef is {const char *, size_t}; MlirLogicalResult is {int8_t},
which the x86-64 and AArch64 ABIs return like an int8_t.
"""

import ctypes
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_bool, c_char_p, c_int, c_int8,
                    c_int64, c_size_t, c_uint, c_uint64, c_void_p)

LIBRARY_NAME = "libMXCAPI.so"


class StringRef(Structure):
    # A pointer, not c_char_p: MLIR's strings are not NUL-terminated, and
    # ctypes reads a c_char_p field up to a NUL (past the end of the text;
    # AddressSanitizer reported it in printing callbacks).
    _fields_ = [("data", c_void_p), ("length", c_size_t)]

    @classmethod
    def of(cls, text):
        data = text.encode() if isinstance(text, str) else bytes(text)
        pointer = c_char_p(data)
        ref = cls(ctypes.cast(pointer, c_void_p), len(data))
        ref._keep = (data, pointer)  # the bytes must outlive the call
        return ref

    def bytes(self):
        return ctypes.string_at(self.data, self.length) if self.length else b""

    def str(self):
        return self.bytes().decode()


StringCallback = CFUNCTYPE(None, StringRef, c_void_p)
DiagnosticHandler = CFUNCTYPE(c_int8, c_void_p, c_void_p)
DeleteUserData = CFUNCTYPE(None, c_void_p)

# name: (result type, argument types)
_SIGNATURES = {
    # Context and registration.
    "mlirContextCreate": (c_void_p, []),
    "mlirContextDestroy": (None, [c_void_p]),
    "mlirContextAppendDialectRegistry": (None, [c_void_p, c_void_p]),
    "mlirContextAttachDiagnosticHandler": (c_int64, [c_void_p, DiagnosticHandler, c_void_p,
                                                     DeleteUserData]),
    "mlirDialectRegistryCreate": (c_void_p, []),
    "mlirDialectRegistryDestroy": (None, [c_void_p]),
    "mlirMXRegisterAllDialects": (None, [c_void_p]),
    "mlirMXRegisterAllPasses": (None, []),
    "mlirRegisterAllLLVMTranslations": (None, [c_void_p]),
    # Diagnostics.
    "mlirDiagnosticPrint": (None, [c_void_p, StringCallback, c_void_p]),
    "mlirDiagnosticGetLocation": (c_void_p, [c_void_p]),
    "mlirDiagnosticGetSeverity": (c_int, [c_void_p]),
    "mlirLocationPrint": (None, [c_void_p, StringCallback, c_void_p]),
    "mlirLocationIsAFileLineColRange": (c_bool, [c_void_p]),
    "mlirLocationFileLineColRangeGetFilename": (c_void_p, [c_void_p]),
    "mlirLocationFileLineColRangeGetStartLine": (c_int, [c_void_p]),
    "mlirLocationFileLineColRangeGetStartColumn": (c_int, [c_void_p]),
    # Modules and operations.
    "mlirMXModuleCreateParseNamed": (c_void_p, [c_void_p, StringRef, StringRef]),
    "mlirModuleDestroy": (None, [c_void_p]),
    "mlirModuleGetOperation": (c_void_p, [c_void_p]),
    "mlirModuleGetBody": (c_void_p, [c_void_p]),
    "mlirOperationPrint": (None, [c_void_p, StringCallback, c_void_p]),
    "mlirOperationGetName": (c_void_p, [c_void_p]),
    "mlirOperationGetNextInBlock": (c_void_p, [c_void_p]),
    "mlirOperationGetAttributeByName": (c_void_p, [c_void_p, StringRef]),
    "mlirOperationSetAttributeByName": (None, [c_void_p, StringRef, c_void_p]),
    "mlirBlockGetFirstOperation": (c_void_p, [c_void_p]),
    "mlirOperationGetRegion": (c_void_p, [c_void_p, c_int64]),
    "mlirRegionGetFirstBlock": (c_void_p, [c_void_p]),
    "mlirIdentifierStr": (StringRef, [c_void_p]),
    "mlirStringAttrGetValue": (StringRef, [c_void_p]),
    "mlirUnitAttrGet": (c_void_p, [c_void_p]),
    "mlirBoolAttrGet": (c_void_p, [c_void_p, c_int]),
    "mlirFuncSetArgAttr": (None, [c_void_p, c_int64, StringRef, c_void_p]),
    "mlirTypeAttrGetValue": (c_void_p, [c_void_p]),
    # Types.
    "mlirTypePrint": (None, [c_void_p, StringCallback, c_void_p]),
    "mlirFunctionTypeGetNumInputs": (c_int64, [c_void_p]),
    "mlirFunctionTypeGetNumResults": (c_int64, [c_void_p]),
    "mlirFunctionTypeGetInput": (c_void_p, [c_void_p, c_int64]),
    "mlirFunctionTypeGetResult": (c_void_p, [c_void_p, c_int64]),
    "mlirTypeIsARankedTensor": (c_bool, [c_void_p]),
    "mlirTypeIsAMemRef": (c_bool, [c_void_p]),
    "mlirShapedTypeGetRank": (c_int64, [c_void_p]),
    "mlirShapedTypeGetDimSize": (c_int64, [c_void_p, c_int64]),
    "mlirShapedTypeHasStaticShape": (c_bool, [c_void_p]),
    "mlirShapedTypeGetElementType": (c_void_p, [c_void_p]),
    "mlirTypeIsAMXTensor": (c_bool, [c_void_p]),
    "mlirMXTensorTypeGetRank": (c_int64, [c_void_p]),
    "mlirMXTensorTypeGetDimSize": (c_int64, [c_void_p, c_int64]),
    "mlirMXTensorTypeGetBlockSize": (c_int64, [c_void_p, c_int64]),
    "mlirMXTensorTypeGetFormatName": (StringRef, [c_void_p]),
    "mlirMXTensorTypeGetTwoLevelFormat": (c_bool, [c_void_p] + [POINTER(c_uint)] * 4),
    "mlirMXTensorTypeGetScaleType": (c_void_p, [c_void_p]),
    "mlirMXTensorTypeHasSwizzledScales": (c_bool, [c_void_p]),
    "mlirMXTensorTypeGetScaleStorageType": (c_void_p, [c_void_p]),
    "mlirMXTensorTypeHasPanels": (c_bool, [c_void_p]),
    "mlirMXTensorTypeGetCodeStorageType": (c_void_p, [c_void_p]),
    "mlirTypeIsAMXScaledTensor": (c_bool, [c_void_p]),
    "mlirMXScaledTensorTypeGetDataType": (c_void_p, [c_void_p]),
    # Passes.
    "mlirPassManagerCreate": (c_void_p, [c_void_p]),
    "mlirPassManagerDestroy": (None, [c_void_p]),
    "mlirPassManagerGetAsOpPassManager": (c_void_p, [c_void_p]),
    "mlirPassManagerRunOnOp": (c_int8, [c_void_p, c_void_p]),
    "mlirParsePassPipeline": (c_int8, [c_void_p, StringRef, StringCallback, c_void_p]),
    # Execution engine.
    "mlirMXExecutionEngineCreate": (c_void_p, [c_void_p, c_int, c_int, POINTER(StringRef),
                                                c_bool]),
    "mlirExecutionEngineInitialize": (None, [c_void_p]),
    "mlirExecutionEngineDestroy": (None, [c_void_p]),
    "mlirExecutionEngineLookup": (c_void_p, [c_void_p, StringRef]),
    # Layer-to-layer weight stream (the handle struct is one pointer).
    "mlirMXWeightStreamCreate": (c_void_p, [c_char_p, c_char_p, POINTER(c_uint), c_size_t,
                                            c_uint, c_uint64, c_char_p, c_size_t]),
    "mlirMXWeightStreamAcquire": (c_int, [c_void_p, c_uint, POINTER(c_void_p), c_char_p,
                                          c_size_t]),
    "mlirMXWeightStreamRelease": (None, [c_void_p, c_uint]),
    "mlirMXWeightStreamPoolBytes": (c_uint64, [c_void_p]),
    "mlirMXWeightStreamPeakResidentBytes": (c_uint64, [c_void_p]),
    "mlirMXWeightStreamDestroy": (None, [c_void_p]),
    "mlirMXStreamDriverCreate": (c_void_p, [c_void_p]),
    "mlirMXStreamDriverError": (c_char_p, [c_void_p]),
    "mlirMXStreamDriverDestroy": (None, [c_void_p]),
}


def library_path():
    """Where libMXCAPI.so is: $MX_MLIR_LIBRARY, else next to this package
    (the build tree's python_packages/ and pip installs put it in _lib/)."""
    explicit = os.environ.get("MX_MLIR_LIBRARY")
    if explicit:
        return explicit
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "_lib", LIBRARY_NAME)


def _load():
    path = library_path()
    if not os.path.exists(path):
        raise ImportError(f"mx_mlir: {LIBRARY_NAME} not found at {path}; build the project "
                          "(bash scripts/build.sh) and use build/python_packages, or set "
                          "MX_MLIR_LIBRARY")
    # Global: the JIT resolves the runtime functions lowered code may call
    # (memrefCopy, from libmlir_c_runner_utils.so, a dependency) in the process.
    library = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    for name, (result, arguments) in _SIGNATURES.items():
        function = getattr(library, name)
        function.restype = result
        function.argtypes = arguments
    return library


lib = _load()
libc = ctypes.CDLL(None)
libc.free.argtypes = [c_void_p]
libc.free.restype = None


def collect_string(printer, handle):
    """The text `printer(handle, callback, userdata)` streams out."""
    chunks = []
    callback = StringCallback(lambda ref, _: chunks.append(ref.bytes()))
    printer(handle, callback, None)
    return b"".join(chunks).decode(errors="replace")
