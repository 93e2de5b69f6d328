//===- mx-tensor-file-fuzzer.cpp - libFuzzer target: mx-quantize's readers ===//
//
// mx-quantize reads safetensors, .npy and .npz files in Python
// (mx_mlir/tensor_files.py). This target embeds CPython and hands each input
// to check_input() in fuzz_tensor_files.py, which writes the bytes as one of
// the three kinds of file, reads it with the tool's reader and touches every
// value. The contract under test: a reader either returns tensors or raises
// TensorFileError with a message; any other exception is a finding (the
// target aborts with the Python traceback).
//
// libFuzzer only sees coverage of instrumented native code, and the readers
// are Python. So, as atheris does, the target feeds Python's own coverage to
// libFuzzer: a C trace function maps each line-to-line transition inside the
// readers' modules (tensor_files, NumPy's .npy format code, zipfile, json)
// to an 8-bit counter registered with __sanitizer_cov_8bit_counters_init.
//
//===----------------------------------------------------------------------===//

#include <Python.h>
#include <frameobject.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

extern "C" void __sanitizer_cov_8bit_counters_init(uint8_t *start,
                                                   uint8_t *stop);
extern "C" void __sanitizer_cov_pcs_init(const uintptr_t *start,
                                         const uintptr_t *stop);

namespace {

constexpr size_t kCounters = 1 << 16;
uint8_t counters[kCounters];
// (pc, flags) pairs: libFuzzer wants a PC table beside the counters; these
// "PCs" are the counters' indices.
uintptr_t pcTable[2 * kCounters];

/// Code objects of the modules whose lines count as coverage (cached per
/// code object: the filename test runs once).
std::unordered_map<PyCodeObject *, bool> tracedCode;
uintptr_t previousLocation = 0;

bool isTraced(PyCodeObject *code) {
  auto [it, inserted] = tracedCode.try_emplace(code, false);
  if (!inserted)
    return it->second;
  const char *file = PyUnicode_AsUTF8(code->co_filename);
  if (!file) {
    PyErr_Clear();
    return false;
  }
  std::string name(file);
  it->second = name.find("mx_mlir/") != std::string::npos ||
               name.find("numpy/lib/format") != std::string::npos ||
               name.find("numpy/lib/npyio") != std::string::npos ||
               name.find("zipfile") != std::string::npos ||
               name.find("json/") != std::string::npos;
  return it->second;
}

/// AFL-style edges: counter[hash(location) ^ previous >> 1].
int traceLines(PyObject *, PyFrameObject *frame, int what, PyObject *) {
  if (what != PyTrace_LINE && what != PyTrace_CALL && what != PyTrace_RETURN)
    return 0;
  PyCodeObject *code = PyFrame_GetCode(frame);
  if (isTraced(code)) {
    uintptr_t location = reinterpret_cast<uintptr_t>(code) * 31 +
                         uintptr_t(PyFrame_GetLineNumber(frame)) * 2654435761u +
                         uintptr_t(what);
    location ^= location >> 17;
    size_t index = (location ^ (previousLocation >> 1)) % kCounters;
    counters[index]++;
    previousLocation = location;
  }
  Py_DECREF(code);
  return 0;
}

PyObject *checkInput = nullptr;

[[noreturn]] void dieWithPythonError(const char *what) {
  std::fprintf(stderr, "mx-tensor-file-fuzzer: %s\n", what);
  PyErr_Print();
  std::fflush(stderr);
  std::abort();
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  for (size_t i = 0; i < kCounters; ++i)
    pcTable[2 * i] = i + 1;
  __sanitizer_cov_8bit_counters_init(counters, counters + kCounters);
  __sanitizer_cov_pcs_init(pcTable, pcTable + 2 * kCounters);

  // The harness module sits beside this source; the mx_mlir package is the
  // build's (MX_PYTHON_PACKAGES overrides both for an installed tree).
  const char *packages = std::getenv("MX_PYTHON_PACKAGES");
  std::string path = std::string(MX_FUZZ_HARNESS_DIR) + ":" +
                     (packages ? packages : MX_PYTHON_PACKAGES_DIR);
  setenv("PYTHONPATH", path.c_str(), 1);
  Py_InitializeEx(0);
  PyObject *module = PyImport_ImportModule("fuzz_tensor_files");
  if (!module)
    dieWithPythonError("cannot import fuzz_tensor_files");
  checkInput = PyObject_GetAttrString(module, "check_input");
  if (!checkInput)
    dieWithPythonError("fuzz_tensor_files has no check_input");
  PyEval_SetTrace(traceLines, nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  previousLocation = 0;
  PyObject *bytes =
      PyBytes_FromStringAndSize(reinterpret_cast<const char *>(data), size);
  PyObject *result = PyObject_CallOneArg(checkInput, bytes);
  Py_DECREF(bytes);
  if (!result)
    dieWithPythonError("the reader raised something other than "
                       "TensorFileError");
  Py_DECREF(result);
  return 0;
}
