//===- GeneratedTransposeBench.cpp - Compiled mx.transpose vs its peers ---===//
//
// Transposes a 4096 x 4096 MX matrix (blocks [1, 32] -> [32, 1], the
// checkpoint-to-operand relayout of docs/LayerToLayer.md) with the code
// mx-opt's --mx-cpu-pipeline generates (convert-mx-to-vector's 16 x 16 tile
// kernel), JIT-compiled in process for the host, one thread, and measures
// in the same run:
//   - a memcpy of the same storage bytes (codes and scales) into a fresh
//     allocation (the memory bandwidth peer), and
//   - the linalg lowering of the same op (convert-mx-to-linalg first: codes
//     unpacked, transposed and packed by linalg loops).
// Counter: GB/s of storage moved (codes + scales read).
//   build/bin/mx-bench-generated-transpose --benchmark_counters_tabular=true
//
//===----------------------------------------------------------------------===//

#include "../common/JitModule.h"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using mxbench::MemRef;

constexpr int64_t kSide = 4096;

struct Encoded {
  MemRef<uint8_t, 2> codes, scales;
};
using TransposeFn = void (*)(Encoded *, MemRef<uint8_t, 2> *,
                             MemRef<uint8_t, 2> *);

/// Storage bytes per row of codes.
int64_t rowBytes(const std::string &element) {
  return element == "f4E2M1FN" ? kSide / 2 : kSide;
}

/// `@transpose` of the kSide x kSide matrix of `element`, compiled by the
/// CPU pipeline, or (`linalg`) with convert-mx-to-linalg run first.
TransposeFn transposeFn(const std::string &element, bool linalg) {
  // Never destroyed: an ExecutionEngine torn down during exit runs its
  // deinitializers after LLVM's own statics are gone (and crashes).
  static auto &cache =
      *new std::map<std::string, std::unique_ptr<mxbench::JitModule>>();
  auto &module = cache[element + (linalg ? "/linalg" : "")];
  if (!module) {
    std::string side = std::to_string(kSide);
    std::string in = "!mx.tensor<" + side + "x" + side + "x" + element +
                     ", block = [1, 32]>";
    std::string out = "!mx.tensor<" + side + "x" + side + "x" + element +
                      ", block = [32, 1]>";
    module = std::make_unique<mxbench::JitModule>(
        "func.func @transpose(%q: " + in + ") -> " + out +
            " attributes {llvm.emit_c_interface} {\n  %t = mx.transpose %q "
            "[1, 0] : " +
            in + " -> " + out + "\n  return %t : " + out + "\n}\n",
        /*threads=*/false, /*portable=*/false,
        linalg ? "convert-mx-to-linalg" : "");
  }
  return module->lookup<TransposeFn>("transpose");
}

/// Random codes and scales of `element`, made once per format.
struct Input {
  std::vector<uint8_t> codes, scales;
};
Input &input(const std::string &element) {
  static auto &inputs = *new std::map<std::string, Input>();
  Input &in = inputs[element];
  if (in.codes.empty()) {
    std::mt19937 rng(7);
    in.codes.resize(kSide * rowBytes(element));
    in.scales.resize(kSide * kSide / 32);
    for (uint8_t &c : in.codes)
      c = uint8_t(rng());
    for (uint8_t &s : in.scales)
      s = uint8_t(rng());
  }
  return in;
}

void bytesRate(benchmark::State &state, const Input &in) {
  state.counters["GB/s"] = benchmark::Counter(
      double(in.codes.size() + in.scales.size()) * state.iterations() / 1e9,
      benchmark::Counter::kIsRate);
}

void BM_Transpose(benchmark::State &state, const std::string &element,
                  bool linalg) {
  TransposeFn fn = transposeFn(element, linalg);
  Input &in = input(element);
  auto codes = mxbench::viewOf(in.codes.data(), {kSide, rowBytes(element)});
  auto scales = mxbench::viewOf(in.scales.data(), {kSide, kSide / 32});
  auto once = [&] {
    Encoded out;
    fn(&out, &codes, &scales);
    benchmark::DoNotOptimize(out.codes.aligned);
    std::free(out.codes.allocated);
    std::free(out.scales.allocated);
  };
  once(); // page in the input and the code
  for (auto _ : state)
    once();
  bytesRate(state, in);
}

/// memcpy of the same storage into fresh allocations, as the kernel
/// allocates its result.
void BM_Memcpy(benchmark::State &state, const std::string &element) {
  Input &in = input(element);
  for (auto _ : state) {
    auto *codes = static_cast<uint8_t *>(std::malloc(in.codes.size()));
    auto *scales = static_cast<uint8_t *>(std::malloc(in.scales.size()));
    std::memcpy(codes, in.codes.data(), in.codes.size());
    std::memcpy(scales, in.scales.data(), in.scales.size());
    benchmark::DoNotOptimize(codes);
    benchmark::DoNotOptimize(scales);
    std::free(codes);
    std::free(scales);
  }
  bytesRate(state, in);
}

void setUnits(benchmark::internal::Benchmark *b) {
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

} // namespace

#define MX_FORMAT(name, element)                                               \
  BENCHMARK_CAPTURE(BM_Memcpy, name, element)->Apply(setUnits);                \
  BENCHMARK_CAPTURE(BM_Transpose, name, element, false)->Apply(setUnits);      \
  BENCHMARK_CAPTURE(BM_Transpose, name##_linalg, element, true)                \
      ->Apply(setUnits);
MX_FORMAT(mxfp4_e2m1, "f4E2M1FN")
MX_FORMAT(mxfp8_e4m3, "f8E4M3FN")
#undef MX_FORMAT

int main(int argc, char **argv) {
  mxbench::keepFreedMemory();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
