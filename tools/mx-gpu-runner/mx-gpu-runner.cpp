//===- mx-gpu-runner.cpp - Run mx-nvvm-pipeline kernels on a GPU ----------===//
//
// Loads the PTX that mx-nvvm-pipeline produced (CUDA driver API), runs an MX
// quantize or GEMM kernel on random data and checks it against lib/Numerics:
// quantize bit for bit, GEMM within the f32 bound gamma_K * sum |a b|. For
// GEMMs it also times cuBLASLt's FP8 (E4M3) and BF16 GEMMs of the same shape
// in the same run and prints TFLOP/s and the ratios.
//
//   mx-gpu-runner KERNELS.ptx gemm NAME M N K FORMAT_A FORMAT_B [BLOCK] [MMA]
//   mx-gpu-runner KERNELS.ptx quantize NAME M K FORMAT [BLOCK] [rows|cols]
//
// MMA is the `mma` option the PTX was made with (auto by default). The
// kernel interface is convert-mx-to-nvvm's (docs/GPU.md); the chip (the
// PTX's .target), the kernel each GEMM gets and the launch shapes come from
// lib/Target, the lowering's own copy.
//
//===----------------------------------------------------------------------===//

#include "mx/Numerics/BlockQuantize.h"
#include "mx/Target/NVVMTarget.h"

#include <cublasLt.h>
#include <cuda.h>
#include <cuda_bf16.h>
#include <cuda_fp8.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace num = mlir::mx::numerics;
namespace nvvm = mlir::mx::nvvm;

#define CHECK_CU(call)                                                         \
  do {                                                                         \
    CUresult r_ = (call);                                                      \
    if (r_ != CUDA_SUCCESS) {                                                  \
      const char *s_ = nullptr;                                                \
      cuGetErrorString(r_, &s_);                                               \
      std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,       \
                   s_ ? s_ : "?");                                             \
      std::exit(2);                                                            \
    }                                                                          \
  } while (0)
#define CHECK_LT(call)                                                         \
  do {                                                                         \
    cublasStatus_t s_ = (call);                                                \
    if (s_ != CUBLAS_STATUS_SUCCESS) {                                         \
      std::fprintf(stderr, "%s:%d: %s: cuBLAS status %d\n", __FILE__,          \
                   __LINE__, #call, int(s_));                                  \
      std::exit(2);                                                            \
    }                                                                          \
  } while (0)

namespace {
struct Buffer {
  CUdeviceptr ptr = 0;
  size_t bytes = 0;
  explicit Buffer(size_t n) : bytes(n) { CHECK_CU(cuMemAlloc(&ptr, n)); }
  ~Buffer() { cuMemFree(ptr); }
  void upload(const void *data) { CHECK_CU(cuMemcpyHtoD(ptr, data, bytes)); }
  void download(void *data) { CHECK_CU(cuMemcpyDtoH(data, ptr, bytes)); }
};

/// The kernel storage of a BlockTensor's codes: one per byte, FP4 two per
/// byte along the innermost dimension (element 2i in the low nibble).
std::vector<uint8_t> storedCodes(const num::BlockTensor &t) {
  if (t.format != num::ElementFormat::E2M1)
    return t.codes;
  int64_t rows = t.shape[0], cols = t.shape[1], stored = (cols + 1) / 2;
  std::vector<uint8_t> out(rows * stored, 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      out[r * stored + c / 2] |= (t.codes[r * cols + c] & 0xF) << (4 * (c % 2));
  return out;
}

std::vector<float> randomData(int64_t n, uint32_t seed) {
  // Magnitudes over many binades, so that blocks get different scales.
  std::mt19937 gen(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> exponent(-8, 8);
  std::vector<float> data(n);
  for (auto &v : data)
    v = std::ldexp(normal(gen), exponent(gen));
  return data;
}

int entryBlockSize(const std::string &ptx, const std::string &name) {
  size_t entry = ptx.find(".entry " + name + "(");
  size_t reqntid = ptx.find(".reqntid", entry);
  if (entry == std::string::npos || reqntid == std::string::npos) {
    std::fprintf(stderr, "no kernel %s with .reqntid in the PTX\n",
                 name.c_str());
    std::exit(2);
  }
  return std::atoi(ptx.c_str() + reqntid + 8);
}

nvvm::MmaKind mmaKindOf(const char *name) {
  if (std::optional<nvvm::MmaKind> kind = nvvm::parseMmaKind(name))
    return *kind;
  std::fprintf(stderr, "unknown mma %s (expected one of", name);
  for (const auto &entry : nvvm::kMmaKindNames)
    std::fprintf(stderr, " %s", entry.name);
  std::fprintf(stderr, ")\n");
  std::exit(2);
}

void launchKernel(CUfunction kernel, const nvvm::LaunchShape &shape,
                  void **params) {
  CHECK_CU(cuLaunchKernel(kernel, unsigned(shape.grid[0]),
                          unsigned(shape.grid[1]), unsigned(shape.grid[2]),
                          unsigned(shape.block[0]), unsigned(shape.block[1]),
                          unsigned(shape.block[2]), 0, nullptr, params,
                          nullptr));
}

struct Timer {
  CUevent start, stop;
  Timer() {
    CHECK_CU(cuEventCreate(&start, CU_EVENT_DEFAULT));
    CHECK_CU(cuEventCreate(&stop, CU_EVENT_DEFAULT));
  }
  template <typename F> double milliseconds(int iterations, F &&run) {
    run(); // warm-up
    CHECK_CU(cuEventRecord(start, nullptr));
    for (int i = 0; i < iterations; ++i)
      run();
    CHECK_CU(cuEventRecord(stop, nullptr));
    CHECK_CU(cuEventSynchronize(stop));
    float ms = 0;
    CHECK_CU(cuEventElapsedTime(&ms, start, stop));
    return ms / iterations;
  }
};

/// cuBLASLt D = A^T B (A: K x M, B: K x N, column-major) in `type`, f32
/// accumulation, bf16 output: the peer of one MX GEMM.
double cublasLtMilliseconds(cudaDataType_t type, int64_t m, int64_t n,
                            int64_t k, int iterations) {
  size_t element = type == CUDA_R_16BF ? 2 : 1;
  Buffer a(m * k * element), b(k * n * element), d(m * n * 2);
  CHECK_CU(cuMemsetD8(a.ptr, 0x38, a.bytes)); // small finite values
  CHECK_CU(cuMemsetD8(b.ptr, 0x38, b.bytes));
  size_t workspaceBytes = 32 << 20;
  Buffer workspace(workspaceBytes);
  cublasLtHandle_t handle;
  CHECK_LT(cublasLtCreate(&handle));
  cublasLtMatmulDesc_t desc;
  CHECK_LT(cublasLtMatmulDescCreate(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  cublasOperation_t transpose = CUBLAS_OP_T, none = CUBLAS_OP_N;
  CHECK_LT(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA,
                                          &transpose, sizeof(transpose)));
  CHECK_LT(cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB,
                                          &none, sizeof(none)));
  cublasLtMatrixLayout_t la, lb, ld;
  CHECK_LT(cublasLtMatrixLayoutCreate(&la, type, k, m, k));
  CHECK_LT(cublasLtMatrixLayoutCreate(&lb, type, k, n, k));
  CHECK_LT(cublasLtMatrixLayoutCreate(&ld, CUDA_R_16BF, m, n, m));
  cublasLtMatmulPreference_t preference;
  CHECK_LT(cublasLtMatmulPreferenceCreate(&preference));
  CHECK_LT(cublasLtMatmulPreferenceSetAttribute(
      preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspaceBytes,
      sizeof(workspaceBytes)));
  cublasLtMatmulHeuristicResult_t heuristic;
  int found = 0;
  CHECK_LT(cublasLtMatmulAlgoGetHeuristic(handle, desc, la, lb, ld, ld,
                                          preference, 1, &heuristic, &found));
  if (!found) {
    std::fprintf(stderr, "cuBLASLt has no algorithm for this GEMM\n");
    std::exit(2);
  }
  float alpha = 1.0f, beta = 0.0f;
  Timer timer;
  double ms = timer.milliseconds(iterations, [&] {
    CHECK_LT(cublasLtMatmul(handle, desc, &alpha, (void *)a.ptr, la,
                            (void *)b.ptr, lb, &beta, (void *)d.ptr, ld,
                            (void *)d.ptr, ld, &heuristic.algo,
                            (void *)workspace.ptr, workspaceBytes, nullptr));
  });
  cublasLtMatmulPreferenceDestroy(preference);
  cublasLtMatrixLayoutDestroy(la);
  cublasLtMatrixLayoutDestroy(lb);
  cublasLtMatrixLayoutDestroy(ld);
  cublasLtMatmulDescDestroy(desc);
  cublasLtDestroy(handle);
  return ms;
}

num::ElementFormat formatOf(const char *name) {
  auto f = num::parseElementFormat(name);
  if (!f) {
    std::fprintf(stderr,
                 "unknown format %s (e4m3, e5m2, e3m2, e2m3, e2m1, "
                 "int8)\n",
                 name);
    std::exit(2);
  }
  return *f;
}

int runGemm(CUmodule module, const std::string &ptx, char **argv, int argc) {
  std::string name = argv[0];
  int64_t m = std::atoll(argv[1]), n = std::atoll(argv[2]),
          k = std::atoll(argv[3]);
  num::ElementFormat fa = formatOf(argv[4]), fb = formatOf(argv[5]);
  int64_t block = argc > 6 ? std::atoll(argv[6]) : 32;
  CUfunction kernel;
  CHECK_CU(cuModuleGetFunction(&kernel, module, name.c_str()));

  std::vector<float> x = randomData(m * k, 1), w = randomData(k * n, 2);
  num::BlockTensor qa = num::quantize(x.data(), {m, k}, {1, block}, fa);
  num::BlockTensor qb = num::quantize(w.data(), {k, n}, {block, 1}, fb);
  std::vector<uint8_t> ca = storedCodes(qa), cb = storedCodes(qb);
  Buffer da(ca.size()), dsa(qa.scales.size()), db(cb.size()),
      dsb(qb.scales.size()), dc(m * n * sizeof(float));
  da.upload(ca.data());
  dsa.upload(qa.scales.data());
  db.upload(cb.data());
  dsb.upload(qb.scales.data());

  std::optional<nvvm::Chip> chip = nvvm::chipOfPTX(ptx);
  if (!chip) {
    std::fprintf(stderr, "the PTX names no sm_XX .target\n");
    std::exit(2);
  }
  nvvm::MmaKind requested = argc > 7 ? mmaKindOf(argv[7]) : nvvm::MmaKind::Auto;
  bool integer = fa == num::ElementFormat::INT8;
  nvvm::LaunchShape shape = nvvm::matmulLaunch(
      nvvm::selectMmaKind(*chip, requested, integer, m, n), m, n);
  int threads = entryBlockSize(ptx, name);
  if (threads != shape.block[0]) {
    std::fprintf(stderr,
                 "%s has %d threads in the PTX, not the %lld of the kernel "
                 "mma=%s gives on %s: pass the mma the PTX was made with\n",
                 name.c_str(), threads, (long long)shape.block[0],
                 argc > 7 ? argv[7] : "auto", chip->name.c_str());
    std::exit(2);
  }
  void *params[] = {&da.ptr, &dsa.ptr, &db.ptr, &dsb.ptr, &dc.ptr};
  auto launch = [&] { launchKernel(kernel, shape, params); };
  launch();
  CHECK_CU(cuCtxSynchronize());
  std::vector<float> c(m * n);
  dc.download(c.data());

  std::vector<double> reference = num::matmul(qa, qb);
  std::vector<double> magnitude = num::matmulAbsoluteSum(qa, qb);
  double gamma = k * std::ldexp(1.0, -24) / (1 - k * std::ldexp(1.0, -24));
  int64_t bad = 0;
  double worst = 0;
  for (int64_t i = 0; i < m * n; ++i) {
    double error = std::fabs(c[i] - reference[i]);
    double bound = gamma * magnitude[i] + 1e-30;
    worst = std::max(worst, error / bound);
    if (!(error <= bound))
      ++bad;
  }
  int iterations = 20;
  Timer timer;
  double ms = timer.milliseconds(iterations, launch);
  double flops = 2.0 * m * n * k;
  double fp8 = cublasLtMilliseconds(CUDA_R_8F_E4M3, m, n, k, iterations);
  double bf16 = cublasLtMilliseconds(CUDA_R_16BF, m, n, k, iterations);
  std::printf("gemm %s %lldx%lldx%lld %s x %s block %lld: %lld of %lld "
              "outputs outside the f32 bound (worst error/bound %.3g)\n",
              name.c_str(), (long long)m, (long long)n, (long long)k, argv[4],
              argv[5], (long long)block, (long long)bad, (long long)(m * n),
              worst);
  std::printf("  mx kernel     %8.3f ms  %7.1f TFLOP/s\n", ms,
              flops / ms / 1e9);
  std::printf("  cuBLASLt FP8  %8.3f ms  %7.1f TFLOP/s  (mx / FP8 = %.2f)\n",
              fp8, flops / fp8 / 1e9, fp8 / ms);
  std::printf("  cuBLASLt BF16 %8.3f ms  %7.1f TFLOP/s  (mx / BF16 = %.2f)\n",
              bf16, flops / bf16 / 1e9, bf16 / ms);
  return bad == 0 ? 0 : 1;
}

int runQuantize(CUmodule module, char **argv, int argc) {
  std::string name = argv[0];
  int64_t m = std::atoll(argv[1]), k = std::atoll(argv[2]);
  num::ElementFormat format = formatOf(argv[3]);
  int64_t block = argc > 4 ? std::atoll(argv[4]) : 32;
  bool alongRows = argc > 5 && std::strcmp(argv[5], "rows") == 0;
  std::vector<int64_t> blockShape = alongRows ? std::vector<int64_t>{block, 1}
                                              : std::vector<int64_t>{1, block};
  CUfunction kernel;
  CHECK_CU(cuModuleGetFunction(&kernel, module, name.c_str()));

  std::vector<float> x = randomData(m * k, 3);
  // Edge cases in the first blocks: zero block, NaN, Inf, subnormals, ties.
  for (int64_t i = 0; i < std::min<int64_t>(32, m * k); ++i)
    x[i] = 0.0f;
  if (m * k > 96) {
    x[40] = NAN;
    x[70] = INFINITY;
    x[80] = 1e-40f;
  }
  num::BlockTensor reference =
      num::quantize(x.data(), {m, k}, blockShape, format);
  std::vector<uint8_t> codes = storedCodes(reference);
  Buffer dx(x.size() * sizeof(float)), dcodes(codes.size()),
      dscales(reference.scales.size());
  dx.upload(x.data());
  int64_t gridRows = (m + blockShape[0] - 1) / blockShape[0];
  int64_t gridCols = (k + blockShape[1] - 1) / blockShape[1];
  nvvm::LaunchShape shape = nvvm::quantizeLaunch(
      gridRows, gridCols, nvvm::quantizeBlocksPerThread(format, blockShape[1]));
  void *params[] = {&dx.ptr, &dcodes.ptr, &dscales.ptr};
  auto launch = [&] { launchKernel(kernel, shape, params); };
  launch();
  CHECK_CU(cuCtxSynchronize());
  std::vector<uint8_t> gotCodes(codes.size()),
      gotScales(reference.scales.size());
  dcodes.download(gotCodes.data());
  dscales.download(gotScales.data());
  int64_t badCodes = 0, badScales = 0;
  for (size_t i = 0; i < codes.size(); ++i)
    badCodes += gotCodes[i] != codes[i];
  for (size_t i = 0; i < gotScales.size(); ++i)
    badScales += gotScales[i] != reference.scales[i];
  Timer timer;
  double ms = timer.milliseconds(20, launch);
  double gbs = (x.size() * 4.0 + codes.size() + gotScales.size()) / ms / 1e6;
  std::printf("quantize %s %lldx%lld %s: %lld of %zu code bytes and %lld of "
              "%zu scales differ from lib/Numerics; %.3f ms, %.1f GB/s\n",
              name.c_str(), (long long)m, (long long)k, argv[3],
              (long long)badCodes, codes.size(), (long long)badScales,
              gotScales.size(), ms, gbs);
  return badCodes == 0 && badScales == 0 ? 0 : 1;
}
} // namespace

int main(int argc, char **argv) {
  if (argc < 4 || (std::strcmp(argv[2], "gemm") == 0 && argc < 9) ||
      (std::strcmp(argv[2], "quantize") == 0 && argc < 7)) {
    std::fprintf(
        stderr,
        "usage: %s KERNELS.ptx gemm NAME M N K FORMAT_A FORMAT_B "
        "[BLOCK] [MMA]\n       %s KERNELS.ptx quantize NAME M K FORMAT "
        "[BLOCK] [rows|cols]\n",
        argv[0], argv[0]);
    return 2;
  }
  std::ifstream file(argv[1]);
  std::stringstream text;
  text << file.rdbuf();
  std::string ptx = text.str();
  CHECK_CU(cuInit(0));
  CUdevice device;
  CHECK_CU(cuDeviceGet(&device, 0));
  CUcontext context;
  // The primary context, shared with cuBLASLt's runtime.
  CHECK_CU(cuDevicePrimaryCtxRetain(&context, device));
  CHECK_CU(cuCtxSetCurrent(context));
  CUmodule module;
  CHECK_CU(cuModuleLoadData(&module, ptx.c_str()));
  int rc = std::strcmp(argv[2], "gemm") == 0
               ? runGemm(module, ptx, argv + 3, argc - 3)
               : runQuantize(module, argv + 3, argc - 3);
  cuModuleUnload(module);
  cuDevicePrimaryCtxRelease(device);
  return rc;
}
