//===- ReferenceQuantizeBench.cpp - The numerics reference vs memcpy ------===//
//
// How fast the scalar reference quantizes, next to a memcpy of the same f32
// bytes in the same run. The reference is built for exactness, not speed:
// this is the floor that the compiled kernels (later issues) must clear, and
// it tells how large a test input the reference can check in a second.
//   build/bin/mx-bench-reference-quantize --benchmark_counters_tabular=true
//
//===----------------------------------------------------------------------===//

#include "mx/Numerics/BlockQuantize.h"

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstring>
#include <random>
#include <vector>

using namespace mlir::mx::numerics;

static std::vector<float> randomInput(int64_t count) {
  std::mt19937 rng(42);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> values(count);
  for (float &v : values)
    v = normal(rng);
  return values;
}

static constexpr int64_t kElements = 1 << 20; // 4 MiB of f32

static void BM_Memcpy(benchmark::State &state) {
  std::vector<float> in = randomInput(kElements), out(kElements);
  for (auto _ : state) {
    std::memcpy(out.data(), in.data(), kElements * sizeof(float));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * kElements * sizeof(float));
}
BENCHMARK(BM_Memcpy);

/// Seconds per memcpy of `bytes`, measured now, so each benchmark compares
/// with its peer under the same machine conditions.
static double memcpySeconds(size_t bytes) {
  std::vector<char> in(bytes, 1), out(bytes);
  constexpr int kPasses = 50;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kPasses; ++i) {
    std::memcpy(out.data(), in.data(), bytes);
    benchmark::DoNotOptimize(out.data());
  }
  std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  return elapsed.count() / kPasses;
}

/// Reports throughput, and its ratio to memcpy's over the same f32 bytes.
static void reportAgainstMemcpy(benchmark::State &state, double memcpyTime,
                                std::chrono::steady_clock::time_point start) {
  std::chrono::duration<double> elapsed =
      std::chrono::steady_clock::now() - start;
  state.SetBytesProcessed(state.iterations() * kElements * sizeof(float));
  state.counters["vs_memcpy"] =
      memcpyTime * double(state.iterations()) / elapsed.count();
}

static void BM_ReferenceQuantize(benchmark::State &state) {
  auto format = static_cast<ElementFormat>(state.range(0));
  std::vector<float> in = randomInput(kElements);
  double memcpyTime = memcpySeconds(kElements * sizeof(float));
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    BlockTensor q = quantize(in.data(), {kElements}, {32}, format);
    benchmark::DoNotOptimize(q.codes.data());
  }
  reportAgainstMemcpy(state, memcpyTime, start);
  state.SetLabel(getFormatInfo(format).name);
}
BENCHMARK(BM_ReferenceQuantize)
    ->DenseRange(0, 5)
    ->Unit(benchmark::kMillisecond);

static void BM_ReferenceDequantize(benchmark::State &state) {
  auto format = static_cast<ElementFormat>(state.range(0));
  std::vector<float> in = randomInput(kElements);
  BlockTensor q = quantize(in.data(), {kElements}, {32}, format);
  double memcpyTime = memcpySeconds(kElements * sizeof(float));
  auto start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    std::vector<float> out = dequantize(q);
    benchmark::DoNotOptimize(out.data());
  }
  reportAgainstMemcpy(state, memcpyTime, start);
  state.SetLabel(getFormatInfo(format).name);
}
BENCHMARK(BM_ReferenceDequantize)
    ->DenseRange(0, 5)
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
