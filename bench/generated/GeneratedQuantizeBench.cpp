//===- GeneratedQuantizeBench.cpp - Compiled MX quantize vs its peers -----===//
//
// Quantizes 64 MiB of f32 (2^24 elements, blocks of 32 along the only axis)
// and dequantizes it back with kernels that mx-opt's --mx-cpu-pipeline
// generates (the fused vector kernels of convert-mx-to-vector; OpenMP loops,
// one or two threads), JIT-compiled in process for the host, and measures in
// the same run:
//   - a memcpy of the same f32 bytes on the same thread count (the memory
//     bandwidth peer), and
//   - the portable lowering through upstream arith.scaling_truncf /
//     scaling_extf (--mx-cpu-pipeline=portable=true, arith-expand) where
//     upstream lowers the format on a CPU (FP4 E2M1, FP8 E5M2).
// The two-level formats (MX9, MX6, MX4: blocks of 16, packed storage) and
// FP8 with f32 tile scales (1 x 128 tiles, scale_rule<quotient>) run the
// same way, each through its vector kernel. So does
// mx.hadamard (f32 in, f32 out), whose lowering is a vector kernel, and
// NVFP4 (blocks of 16, E4M3 block scales; its quantize computes the tensor
// scale with mx.tensor_scale, one more pass over the input). The quantize
// of the same data as a 4096 x 4096 matrix in blocks of 32 down its columns
// (BM_QuantizeColumns) runs the column kernel.
// Counters: GB/s of f32 (input of quantize, output of dequantize);
// bench/run_benchmarks.py computes the ratios from the same run's JSON.
//   build/bin/mx-bench-generated-quantize --benchmark_counters_tabular=true
//
//===----------------------------------------------------------------------===//

#include "../common/JitModule.h"

#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using mxbench::MemRef;

constexpr int64_t kElements = int64_t(1) << 24; // 64 MiB of f32

struct Encoded {
  MemRef<uint8_t, 1> codes, scales;
};
using QuantizeFn = void (*)(Encoded *, MemRef<float, 1> *);
using DequantizeFn = void (*)(MemRef<float, 1> *, MemRef<uint8_t, 1> *,
                              MemRef<uint8_t, 1> *);

/// `@quantize` (with `options`, e.g. a scale rule) and `@dequantize`
/// between f32 and the MX type `mx`.
std::string quantizeDequantizeSource(const std::string &mx,
                                     const std::string &options = "") {
  std::string f32 = "tensor<" + std::to_string(kElements) + "xf32>";
  return "func.func @quantize(%x: " + f32 + ") -> " + mx +
         " attributes {llvm.emit_c_interface} {\n  %q = mx.quantize %x " +
         options + " : " + f32 + " -> " + mx + "\n  return %q : " + mx +
         "\n}\n" + "func.func @dequantize(%q: " + mx + ") -> " + f32 +
         " attributes {llvm.emit_c_interface} {\n  %x = mx.dequantize %q : " +
         mx + " -> " + f32 + "\n  return %x : " + f32 + "\n}\n";
}

/// `@quantize` and `@dequantize` of one format, compiled.
class Kernels {
public:
  /// `encoding`: what follows the element count in the type, e.g.
  /// "xf8E4M3FN, block = [32]".
  Kernels(const std::string &encoding, const std::string &options,
          bool portable) {
    std::string mx = "!mx.tensor<" + std::to_string(kElements) + encoding + ">";
    std::string source = quantizeDequantizeSource(mx, options);
    module = std::make_unique<mxbench::JitModule>(source, /*threads=*/true,
                                                  portable);
    quantizeFn = module->lookup<QuantizeFn>("quantize");
    dequantizeFn = module->lookup<DequantizeFn>("dequantize");
  }

  Encoded quantize(std::vector<float> &input) const {
    MemRef<float, 1> in{input.data(), input.data(), 0, {kElements}, {1}};
    Encoded out;
    quantizeFn(&out, &in);
    return out;
  }
  void dequantize(Encoded &encoded) const {
    MemRef<float, 1> out;
    dequantizeFn(&out, &encoded.codes, &encoded.scales);
    benchmark::DoNotOptimize(out.aligned);
    std::free(out.allocated);
  }

private:
  std::unique_ptr<mxbench::JitModule> module;
  QuantizeFn quantizeFn = nullptr;
  DequantizeFn dequantizeFn = nullptr;
};

/// The kernels of MX format `element` with blocks of 32, or (`tiles`) of
/// FP8 with an f32 scale per 128 elements.
const Kernels &kernels(const std::string &element, bool portable,
                       bool tiles = false) {
  // Never destroyed: an ExecutionEngine torn down during exit runs its
  // deinitializers after LLVM's own statics are gone (and crashes).
  static auto &cache = *new std::map<std::string, std::unique_ptr<Kernels>>();
  std::string encoding =
      "x" + element +
      (tiles ? ", block = [128], scale = f32" : ", block = [32]");
  auto &entry = cache[encoding + (portable ? "/portable" : "")];
  // The f32 scales come back in a memref descriptor of the same layout as a
  // byte one's; the benchmark only frees them.
  if (!entry)
    entry = std::make_unique<Kernels>(
        encoding, tiles ? "scale_rule<quotient>" : "", portable);
  return *entry;
}

/// `@quantize` of the input as a 4096 x 4096 matrix in blocks of 32 down
/// its columns (`block = [32, 1]`: a weight stored K x N, dY for a weight
/// gradient), compiled: the column kernel.
class ColumnKernel {
public:
  explicit ColumnKernel(const std::string &element) {
    std::string f32 = "tensor<4096x4096xf32>";
    std::string mx = "!mx.tensor<4096x4096x" + element + ", block = [32, 1]>";
    module = std::make_unique<mxbench::JitModule>(
        "func.func @quantize(%x: " + f32 + ") -> " + mx +
            " attributes {llvm.emit_c_interface} {\n  %q = mx.quantize %x : " +
            f32 + " -> " + mx + "\n  return %q : " + mx + "\n}\n",
        /*threads=*/true, /*portable=*/false);
    fn = module->lookup<Fn>("quantize");
  }
  void run(std::vector<float> &input) const {
    MemRef<float, 2> in{input.data(), input.data(), 0, {4096, 4096}, {4096, 1}};
    Result out;
    fn(&out, &in);
    benchmark::DoNotOptimize(out.codes.aligned);
    std::free(out.codes.allocated);
    std::free(out.scales.allocated);
  }

private:
  struct Result {
    MemRef<uint8_t, 2> codes, scales;
  };
  using Fn = void (*)(Result *, MemRef<float, 2> *);
  std::unique_ptr<mxbench::JitModule> module;
  Fn fn = nullptr;
};

/// `@hadamard`: mx.hadamard of the f32 tensor, seed 1.
class HadamardKernel {
public:
  HadamardKernel() {
    std::string f32 = "tensor<" + std::to_string(kElements) + "xf32>";
    module = std::make_unique<mxbench::JitModule>(
        "func.func @hadamard(%x: " + f32 + ") -> " + f32 +
            " attributes {llvm.emit_c_interface} {\n  %y = mx.hadamard %x "
            "axis(0) seed(1) : " +
            f32 + "\n  return %y : " + f32 + "\n}\n",
        /*threads=*/true, /*portable=*/false);
    fn = module->lookup<Fn>("hadamard");
  }
  void run(std::vector<float> &input) const {
    MemRef<float, 1> in{input.data(), input.data(), 0, {kElements}, {1}};
    MemRef<float, 1> out;
    fn(&out, &in);
    benchmark::DoNotOptimize(out.aligned);
    std::free(out.allocated);
  }

private:
  using Fn = void (*)(MemRef<float, 1> *, MemRef<float, 1> *);
  std::unique_ptr<mxbench::JitModule> module;
  Fn fn = nullptr;
};

/// NVFP4's `@quantize` (mx.tensor_scale, then mx.quantize under it) and
/// `@dequantize` (times the tensor scale), compiled.
class NVFP4Kernels {
public:
  struct Quantized {
    Encoded parts;
    float tensorScale;
  };

  NVFP4Kernels() {
    std::string f32 = "tensor<" + std::to_string(kElements) + "xf32>";
    std::string mx = "!mx.tensor<" + std::to_string(kElements) +
                     "xf4E2M1FN, block = [16], scale = f8E4M3FN>";
    std::string c = " attributes {llvm.emit_c_interface} {\n";
    module = std::make_unique<mxbench::JitModule>(
        "func.func @quantize(%x: " + f32 + ") -> (" + mx + ", f32)" + c +
            "  %s = mx.tensor_scale %x : " + f32 +
            "\n  %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> : " +
            f32 + " -> " + mx + "\n  return %q, %s : " + mx +
            ", f32\n}\nfunc.func @quantize_given(%x: " + f32 +
            ", %s: f32) -> " + mx + c +
            "  %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> : " +
            f32 + " -> " + mx + "\n  return %q : " + mx +
            "\n}\nfunc.func @dequantize(%q: " + mx + ", %s: f32) -> " + f32 +
            c + "  %x = mx.dequantize %q tensor_scale(%s) : " + mx + " -> " +
            f32 + "\n  return %x : " + f32 + "\n}\n",
        /*threads=*/true, /*portable=*/false);
    quantizeFn = module->lookup<QuantizeFn>("quantize");
    quantizeGivenFn = module->lookup<QuantizeGivenFn>("quantize_given");
    dequantizeFn = module->lookup<DequantizeFn>("dequantize");
  }

  Quantized quantize(std::vector<float> &input) const {
    MemRef<float, 1> in{input.data(), input.data(), 0, {kElements}, {1}};
    Quantized out;
    quantizeFn(&out, &in);
    return out;
  }
  /// The quantize alone, under a tensor scale known beforehand.
  Encoded quantizeGiven(std::vector<float> &input, float tensorScale) const {
    MemRef<float, 1> in{input.data(), input.data(), 0, {kElements}, {1}};
    Encoded out;
    quantizeGivenFn(&out, &in, tensorScale);
    return out;
  }
  void dequantize(Quantized &q) const {
    MemRef<float, 1> out;
    dequantizeFn(&out, &q.parts.codes, &q.parts.scales, q.tensorScale);
    benchmark::DoNotOptimize(out.aligned);
    std::free(out.allocated);
  }

private:
  using QuantizeFn = void (*)(Quantized *, MemRef<float, 1> *);
  using QuantizeGivenFn = void (*)(Encoded *, MemRef<float, 1> *, float);
  using DequantizeFn = void (*)(MemRef<float, 1> *, MemRef<uint8_t, 1> *,
                                MemRef<uint8_t, 1> *, float);
  std::unique_ptr<mxbench::JitModule> module;
  QuantizeFn quantizeFn = nullptr;
  QuantizeGivenFn quantizeGivenFn = nullptr;
  DequantizeFn dequantizeFn = nullptr;
};

const NVFP4Kernels &nvfp4Kernels() {
  static auto &kernels = *new NVFP4Kernels();
  return kernels;
}

/// `@quantize` and `@dequantize` of a two-level format, compiled: one
/// tensor of packed blocks (blocks x bytes per block) in and out.
class TwoLevelKernels {
public:
  using Storage = MemRef<uint8_t, 2>;

  explicit TwoLevelKernels(const std::string &name) {
    std::string n = std::to_string(kElements);
    std::string mx =
        "!mx.tensor<" + n + "x!mx.microexp<" + name + ">, block = [16]>";
    std::string source = quantizeDequantizeSource(mx);
    module = std::make_unique<mxbench::JitModule>(source, /*threads=*/true,
                                                  /*portable=*/false);
    quantizeFn = module->lookup<QuantizeFn>("quantize");
    dequantizeFn = module->lookup<DequantizeFn>("dequantize");
  }

  Storage quantize(std::vector<float> &input) const {
    MemRef<float, 1> in{input.data(), input.data(), 0, {kElements}, {1}};
    Storage out;
    quantizeFn(&out, &in);
    return out;
  }
  void dequantize(Storage &storage) const {
    MemRef<float, 1> out;
    dequantizeFn(&out, &storage);
    benchmark::DoNotOptimize(out.aligned);
    std::free(out.allocated);
  }

private:
  using QuantizeFn = void (*)(Storage *, MemRef<float, 1> *);
  using DequantizeFn = void (*)(MemRef<float, 1> *, Storage *);
  std::unique_ptr<mxbench::JitModule> module;
  QuantizeFn quantizeFn = nullptr;
  DequantizeFn dequantizeFn = nullptr;
};

const TwoLevelKernels &twoLevelKernels(const std::string &name) {
  static auto &cache =
      *new std::map<std::string, std::unique_ptr<TwoLevelKernels>>();
  auto &entry = cache[name];
  if (!entry)
    entry = std::make_unique<TwoLevelKernels>(name);
  return *entry;
}

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

void release(Encoded &encoded) {
  std::free(encoded.codes.allocated);
  std::free(encoded.scales.allocated);
}

void f32Rate(benchmark::State &state) {
  state.counters["GBps"] =
      benchmark::Counter(double(kElements) * sizeof(float) * 1e-9,
                         benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Quantize(benchmark::State &state, const char *element, bool portable,
                 bool tiles = false) {
  omp_set_num_threads(int(state.range(0)));
  const Kernels &k = kernels(element, portable, tiles);
  Encoded warm = k.quantize(input()); // page in the input and the code
  release(warm);
  for (auto _ : state) {
    Encoded out = k.quantize(input());
    benchmark::DoNotOptimize(out.codes.aligned);
    release(out);
  }
  f32Rate(state);
}

void BM_QuantizeColumns(benchmark::State &state, const char *element) {
  omp_set_num_threads(int(state.range(0)));
  static auto &cache =
      *new std::map<std::string, std::unique_ptr<ColumnKernel>>();
  auto &kernel = cache[element];
  if (!kernel)
    kernel = std::make_unique<ColumnKernel>(element);
  kernel->run(input()); // page in the input and the code
  for (auto _ : state)
    kernel->run(input());
  f32Rate(state);
}

void BM_Dequantize(benchmark::State &state, const char *element, bool portable,
                   bool tiles = false) {
  omp_set_num_threads(int(state.range(0)));
  const Kernels &k = kernels(element, portable, tiles);
  Encoded encoded = k.quantize(input());
  k.dequantize(encoded);
  for (auto _ : state)
    k.dequantize(encoded);
  release(encoded);
  f32Rate(state);
}

void BM_QuantizeTwoLevel(benchmark::State &state, const char *name) {
  omp_set_num_threads(int(state.range(0)));
  const TwoLevelKernels &k = twoLevelKernels(name);
  std::free(k.quantize(input()).allocated); // page in the input and the code
  for (auto _ : state) {
    TwoLevelKernels::Storage out = k.quantize(input());
    benchmark::DoNotOptimize(out.aligned);
    std::free(out.allocated);
  }
  f32Rate(state);
}

void BM_DequantizeTwoLevel(benchmark::State &state, const char *name) {
  omp_set_num_threads(int(state.range(0)));
  const TwoLevelKernels &k = twoLevelKernels(name);
  TwoLevelKernels::Storage storage = k.quantize(input());
  k.dequantize(storage);
  for (auto _ : state)
    k.dequantize(storage);
  std::free(storage.allocated);
  f32Rate(state);
}

void BM_QuantizeNVFP4(benchmark::State &state) {
  omp_set_num_threads(int(state.range(0)));
  const NVFP4Kernels &k = nvfp4Kernels();
  NVFP4Kernels::Quantized warm = k.quantize(input()); // page in input, code
  release(warm.parts);
  for (auto _ : state) {
    NVFP4Kernels::Quantized out = k.quantize(input());
    benchmark::DoNotOptimize(out.parts.codes.aligned);
    release(out.parts);
  }
  f32Rate(state);
}

void BM_QuantizeNVFP4GivenScale(benchmark::State &state) {
  omp_set_num_threads(int(state.range(0)));
  const NVFP4Kernels &k = nvfp4Kernels();
  NVFP4Kernels::Quantized warm = k.quantize(input()); // page in input, code
  release(warm.parts);
  for (auto _ : state) {
    Encoded out = k.quantizeGiven(input(), warm.tensorScale);
    benchmark::DoNotOptimize(out.codes.aligned);
    release(out);
  }
  f32Rate(state);
}

void BM_DequantizeNVFP4(benchmark::State &state) {
  omp_set_num_threads(int(state.range(0)));
  const NVFP4Kernels &k = nvfp4Kernels();
  NVFP4Kernels::Quantized q = k.quantize(input());
  k.dequantize(q);
  for (auto _ : state)
    k.dequantize(q);
  release(q.parts);
  f32Rate(state);
}

void BM_Hadamard(benchmark::State &state) {
  omp_set_num_threads(int(state.range(0)));
  static const HadamardKernel &k = *new HadamardKernel();
  k.run(input());
  for (auto _ : state)
    k.run(input());
  f32Rate(state);
}

/// memcpy of the 64 MiB into a fresh allocation (as the kernels write
/// theirs), split across the threads.
void BM_Memcpy(benchmark::State &state) {
  int threads = int(state.range(0));
  for (auto _ : state) {
    auto *out = static_cast<float *>(std::malloc(kElements * sizeof(float)));
    int64_t chunk = kElements / threads;
#pragma omp parallel for num_threads(threads)
    for (int t = 0; t < threads; ++t)
      std::memcpy(out + t * chunk, input().data() + t * chunk,
                  chunk * sizeof(float));
    benchmark::DoNotOptimize(out);
    std::free(out);
  }
  f32Rate(state);
}

void threads(benchmark::internal::Benchmark *b) {
  b->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
}

} // namespace

BENCHMARK(BM_Memcpy)->Apply(threads);
#define MX_FORMAT(name, element)                                               \
  BENCHMARK_CAPTURE(BM_Quantize, name, element, false)->Apply(threads);        \
  BENCHMARK_CAPTURE(BM_Dequantize, name, element, false)->Apply(threads);
MX_FORMAT(mxfp8_e4m3, "f8E4M3FN")
MX_FORMAT(mxfp8_e5m2, "f8E5M2")
MX_FORMAT(mxfp6_e3m2, "f6E3M2FN")
MX_FORMAT(mxfp6_e2m3, "f6E2M3FN")
MX_FORMAT(mxfp4_e2m1, "f4E2M1FN")
MX_FORMAT(mxint8, "i8")
#undef MX_FORMAT
#define MX_TWO_LEVEL(name)                                                     \
  BENCHMARK_CAPTURE(BM_QuantizeTwoLevel, name, #name)->Apply(threads);         \
  BENCHMARK_CAPTURE(BM_DequantizeTwoLevel, name, #name)->Apply(threads);
MX_TWO_LEVEL(mx9)
MX_TWO_LEVEL(mx6)
MX_TWO_LEVEL(mx4)
#undef MX_TWO_LEVEL
BENCHMARK_CAPTURE(BM_Quantize, fp8_e4m3_f32_tiles, "f8E4M3FN", false, true)
    ->Apply(threads);
BENCHMARK_CAPTURE(BM_Dequantize, fp8_e4m3_f32_tiles, "f8E4M3FN", false, true)
    ->Apply(threads);
BENCHMARK_CAPTURE(BM_QuantizeColumns, mxfp8_e4m3, "f8E4M3FN")->Apply(threads);
BENCHMARK_CAPTURE(BM_QuantizeColumns, mxfp4_e2m1, "f4E2M1FN")->Apply(threads);
BENCHMARK(BM_QuantizeNVFP4)->Apply(threads);
BENCHMARK(BM_QuantizeNVFP4GivenScale)->Apply(threads);
BENCHMARK(BM_DequantizeNVFP4)->Apply(threads);
BENCHMARK(BM_Hadamard)->Apply(threads);
BENCHMARK_CAPTURE(BM_Quantize, mxfp4_e2m1_upstream, "f4E2M1FN", true)
    ->Apply(threads);
BENCHMARK_CAPTURE(BM_Dequantize, mxfp4_e2m1_upstream, "f4E2M1FN", true)
    ->Apply(threads);
BENCHMARK_CAPTURE(BM_Quantize, mxfp8_e5m2_upstream, "f8E5M2", true)
    ->Apply(threads);
BENCHMARK_CAPTURE(BM_Dequantize, mxfp8_e5m2_upstream, "f8E5M2", true)
    ->Apply(threads);

int main(int argc, char **argv) {
  mxbench::keepFreedMemory();
  input(); // generated before any timing
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
