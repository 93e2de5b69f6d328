//===- GeneratedQuantizeBench.cpp - Compiled MX quantize vs its peers -----===//
//
// Quantizes 64 MiB of f32 with kernels that mx-opt's --mx-cpu-pipeline
// generates (compiled in process with mlir::ExecutionEngine at -O3 for the
// host), and measures in the same run:
//   - memcpy of the same 64 MiB (the memory-bandwidth peer), and
//   - for MXFP4, the portable lowering through upstream arith.scaling_truncf
//     (--mx-cpu-pipeline=portable=true).
// Each benchmark reports GB/s of f32 input and its ratio to memcpy.
//   build/bin/mx-bench-generated-quantize --benchmark_counters_tabular=true
//
//===----------------------------------------------------------------------===//

#include "mx/InitAll.h"
#include "mx/Pipelines/Pipelines.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace mlir;

namespace {

constexpr int64_t kElements = int64_t(1) << 24; // 64 MiB of f32

template <typename T> struct MemRef1D {
  T *allocated;
  T *aligned;
  int64_t offset, size, stride;
};
struct QuantizeResults {
  MemRef1D<uint8_t> codes, scales;
};
using QuantizeFn = void (*)(QuantizeResults *, MemRef1D<float> *);

/// A compiled `@quantize(tensor<Nxf32>) -> !mx.tensor<...>` kernel.
class Kernel {
public:
  Kernel(const std::string &elementType, bool portable) {
    DialectRegistry registry;
    registerAllDialects(registry);
    registerAllExtensions(registry);
    registerAllToLLVMIRTranslations(registry);
    mx::registerAllMXDialects(registry);
    context = std::make_unique<MLIRContext>(registry);
    std::string source =
        "func.func @quantize(%x: tensor<" + std::to_string(kElements) +
        "xf32>) -> !mx.tensor<" + std::to_string(kElements) + "x" +
        elementType +
        ", block = [32]> attributes {llvm.emit_c_interface} {\n"
        "  %q = mx.quantize %x : tensor<" +
        std::to_string(kElements) + "xf32> -> !mx.tensor<" +
        std::to_string(kElements) + "x" + elementType +
        ", block = [32]>\n  return %q : !mx.tensor<" +
        std::to_string(kElements) + "x" + elementType + ", block = [32]>\n}\n";
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(source, context.get());
    auto pm = PassManager::on<ModuleOp>(context.get());
    mx::CPUPipelineOptions options;
    options.portable = portable;
    mx::buildCPUPipeline(pm, options);
    if (!module || failed(pm.run(*module))) {
      llvm::errs() << "failed to compile the " << elementType << " kernel\n";
      std::abort();
    }
    ExecutionEngineOptions engineOptions;
    engineOptions.transformer = optimizer; // -O3 for the host CPU
    auto created = ExecutionEngine::create(*module, engineOptions);
    if (!created) {
      llvm::errs() << llvm::toString(created.takeError()) << "\n";
      std::abort();
    }
    engine = std::move(*created);
    auto symbol = engine->lookup("_mlir_ciface_quantize");
    if (!symbol) {
      llvm::errs() << llvm::toString(symbol.takeError()) << "\n";
      std::abort();
    }
    function = reinterpret_cast<QuantizeFn>(*symbol);
  }

  void operator()(std::vector<float> &input) const {
    MemRef1D<float> in{input.data(), input.data(), 0, kElements, 1};
    QuantizeResults out;
    function(&out, &in);
    benchmark::DoNotOptimize(out.codes.aligned);
    std::free(out.codes.allocated);
    std::free(out.scales.allocated);
  }

private:
  std::function<llvm::Error(llvm::Module *)> optimizer =
      makeOptimizingTransformer(3, 0, nullptr);
  std::unique_ptr<MLIRContext> context;
  std::unique_ptr<ExecutionEngine> engine;
  QuantizeFn function = nullptr;
};

std::vector<float> &input() {
  static std::vector<float> values = [] {
    std::vector<float> v(kElements);
    std::mt19937 rng(42);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (float &x : v)
      x = normal(rng);
    return v;
  }();
  return values;
}

/// Seconds per memcpy of the input's bytes, measured now.
double memcpySeconds() {
  std::vector<float> out(kElements);
  constexpr int kPasses = 10;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kPasses; ++i) {
    std::memcpy(out.data(), input().data(), kElements * sizeof(float));
    benchmark::DoNotOptimize(out.data());
  }
  std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  return elapsed.count() / kPasses;
}

void runKernel(benchmark::State &state, const char *elementType,
               bool portable) {
  static std::map<std::string, std::unique_ptr<Kernel>> kernels;
  std::string key = std::string(elementType) + (portable ? "/portable" : "");
  if (!kernels.count(key))
    kernels[key] = std::make_unique<Kernel>(elementType, portable);
  const Kernel &kernel = *kernels[key];
  kernel(input()); // warm up: page in the input and the code
  double memcpyTime = memcpySeconds();
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state)
    kernel(input());
  std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  state.SetBytesProcessed(state.iterations() * kElements * sizeof(float));
  state.counters["vs_memcpy"] =
      memcpyTime * double(state.iterations()) / elapsed.count();
}

void BM_Memcpy(benchmark::State &state) {
  std::vector<float> out(kElements);
  for (auto _ : state) {
    std::memcpy(out.data(), input().data(), kElements * sizeof(float));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * kElements * sizeof(float));
}

} // namespace

BENCHMARK(BM_Memcpy)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(runKernel, mxfp8_e4m3, "f8E4M3FN", false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(runKernel, mxfp8_e5m2, "f8E5M2", false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(runKernel, mxfp6_e3m2, "f6E3M2FN", false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(runKernel, mxfp6_e2m3, "f6E2M3FN", false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(runKernel, mxfp4_e2m1, "f4E2M1FN", false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(runKernel, mxint8, "i8", false)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(runKernel, mxfp4_e2m1_upstream_scaling_truncf, "f4E2M1FN",
                  true)
    ->Unit(benchmark::kMillisecond);

int main(int argc, char **argv) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
