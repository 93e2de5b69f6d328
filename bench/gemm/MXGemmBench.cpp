//===- MXGemmBench.cpp - Compiled MX GEMM/GEMV vs BLAS peers --------------===//
//
// mx.matmul kernels that mx-opt's --mx-cpu-pipeline generates (the packed
// vector kernel of convert-mx-to-vector, OpenMP threads), JIT-compiled in
// process for the host, against peers measured in the same run on the same
// thread count:
//   - GEMM 2048^3: OpenBLAS sgemm (f32), OneDNN matmul bf16 x bf16 -> f32
//     and s8 x s8 -> s32;
//   - GEMV M = 1, N = K = 4096 and 16384 (weights in DRAM): OpenBLAS sgemv,
//     and a streaming read of the MX weight bytes (the bandwidth bound).
// The MX operands: MXFP8 x MXFP8, MXFP4 x MXFP8, MXFP4 x MXFP4, MXFP6-E2M3
// x MXFP6-E2M3, MXINT8 x MXINT8 and weight-only f32 x MXFP4 (GEMM); MXFP8
// activations with MXFP4 or MXFP8 weights, MXINT8 x MXINT8, and f32 activations
// with MXFP4 weights (GEMV). Counters: GFLOP/s (GEMM), weight GB/s (GEMV); the
// ratios to the peers are computed by bench/run_benchmarks.py from the same
// run's JSON.
//   build/bin/mx-bench-gemm --benchmark_counters_tabular=true
//
//===----------------------------------------------------------------------===//

#include "../common/HugePages.h"
#include "../common/JitModule.h"

#include <benchmark/benchmark.h>
#include <cblas.h>
#include <dnnl.hpp>
#include <omp.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace {

using mxbench::MemRef;
using mxbench::viewOf;

struct Format {
  const char *type; // MLIR element type
  bool fp4;
  bool f32; // plain f32 activations (weight-only products), no scales
};
const std::map<std::string, Format> kFormats = {
    {"e4m3", {"f8E4M3FN", false, false}}, {"e5m2", {"f8E5M2", false, false}},
    {"e2m1", {"f4E2M1FN", true, false}},  {"e2m3", {"f6E2M3FN", false, false}},
    {"int8", {"i8", false, false}},       {"f32", {"f32", false, true}},
};

/// Random finite element codes of `format` (no NaN/Inf encodings) and
/// scales around 2^0.
using mxbench::Weights;

Weights<uint8_t> randomCodes(const std::string &format, size_t count,
                             uint32_t seed) {
  std::mt19937 rng(seed);
  Weights<uint8_t> codes(count);
  for (uint8_t &code : codes) {
    uint8_t byte = uint8_t(rng());
    if (format == "e4m3" && (byte & 0x7F) == 0x7F)
      byte &= 0xFE;
    if (format == "e5m2" && (byte & 0x7C) == 0x7C)
      byte &= 0xFB;
    if (format == "e2m3") // one code per byte, in the low six bits
      byte &= 0x3F;
    code = byte;
  }
  return codes;
}
std::vector<uint8_t> randomScales(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> scales(count);
  for (uint8_t &scale : scales)
    scale = uint8_t(120 + rng() % 15);
  return scales;
}
Weights<float> randomFloats(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  Weights<float> values(count);
  for (float &v : values)
    v = normal(rng);
  return values;
}

// B's codes and scales have rank 2, or 3 in the panels layout (codes
// [N/256, K, 256 (FP4: 128)], scales [N/256, K/32, 256]).
template <int RankB>
using MatmulFn = void (*)(MemRef<float, 2> *, MemRef<uint8_t, 2> *,
                          MemRef<uint8_t, 2> *, MemRef<uint8_t, RankB> *,
                          MemRef<uint8_t, RankB> *);
template <int RankB>
using WeightOnlyMatmulFn = void (*)(MemRef<float, 2> *, MemRef<float, 2> *,
                                    MemRef<uint8_t, RankB> *,
                                    MemRef<uint8_t, RankB> *);
/// The compiled product of an argument B of rank RankB: MX x MX or, for f32
/// activations, weight-only.
template <int RankB> struct ArgumentProduct {
  MatmulFn<RankB> mx = nullptr;
  WeightOnlyMatmulFn<RankB> weightOnly = nullptr;
};
using ConstantWeightsMatmulFn = void (*)(MemRef<float, 2> *,
                                         MemRef<uint8_t, 2> *,
                                         MemRef<uint8_t, 2> *);

/// `bytes` as an MLIR hex literal, `dense<"0x...">`.
std::string denseHex(const std::vector<uint8_t> &bytes) {
  static const char digits[] = "0123456789ABCDEF";
  std::string text = "dense<\"0x";
  text.reserve(text.size() + 2 * bytes.size() + 2);
  for (uint8_t byte : bytes) {
    text += digits[byte >> 4];
    text += digits[byte & 15];
  }
  return text + "\">";
}

/// A compiled `@mm(A: M x K, blocks [1, 32]; B: K x N, blocks [32, 1])`
/// with its operands (A plain f32 for the "f32" format: weight-only). With
/// `constantB`, B is a constant of the program (an mx.pack of constant
/// codes and scales, as quantized weights fold to) and `prepack`, the
/// pipeline's prepack-weights, packs it at compile time. With `panels`, B is
/// an argument in the panels layout (the GEMV's).
class MXMatmul {
public:
  MXMatmul(const std::string &fa, const std::string &fb, int64_t m, int64_t k,
           int64_t n, bool constantB = false, bool prepack = false,
           bool panels = false)
      : m(m), k(k), n(n), fa(kFormats.at(fa)), fb(kFormats.at(fb)),
        constantB(constantB), panels(panels) {
    std::string ta =
        this->fa.f32
            ? "tensor<" + std::to_string(m) + "x" + std::to_string(k) + "xf32>"
            : "!mx.tensor<" + std::to_string(m) + "x" + std::to_string(k) +
                  "x" + this->fa.type + ", block = [1, 32]>";
    std::string tb = "!mx.tensor<" + std::to_string(k) + "x" +
                     std::to_string(n) + "x" + this->fb.type +
                     ", block = [32, 1]" + (panels ? ", layout = panels" : "") +
                     ">";
    std::string tc =
        "tensor<" + std::to_string(m) + "x" + std::to_string(n) + "xf32>";
    codesB = randomCodes(fb, k * n / (this->fb.fp4 ? 2 : 1), 2);
    scalesB = randomScales(k / 32 * n, 4);
    std::string weights;
    if (constantB) {
      std::string size = std::to_string(k) + "x" + std::to_string(n);
      std::vector<uint8_t> elements; // one byte per element, as dense holds
      for (uint8_t code : codesB) {
        elements.push_back(this->fb.fp4 ? code & 15 : code);
        if (this->fb.fp4)
          elements.push_back(code >> 4);
      }
      weights = "  %e = arith.constant " + denseHex(elements) + " : tensor<" +
                size + "x" + this->fb.type + ">\n  %s = arith.constant " +
                denseHex(scalesB) + " : tensor<" + std::to_string(k / 32) +
                "x" + std::to_string(n) +
                "xf8E8M0FNU>\n  %b = mx.pack %e, %s : " + "tensor<" + size +
                "x" + this->fb.type + ">, tensor<" + std::to_string(k / 32) +
                "x" + std::to_string(n) + "xf8E8M0FNU> -> " + tb + "\n";
    }
    std::string source = "func.func @mm(%a: " + ta +
                         (constantB ? "" : ", %b: " + tb) + ") -> " + tc +
                         " attributes {llvm.emit_c_interface} {\n" + weights +
                         "  %c = mx.matmul %a, %b : " + ta + ", " + tb +
                         " -> " + tc + "\n  return %c : " + tc + "\n}\n";
    module = std::make_unique<mxbench::JitModule>(source, /*threads=*/true,
                                                  /*portable=*/false,
                                                  /*prePipeline=*/"", prepack);
    if (constantB) {
      withConstantB = module->lookup<ConstantWeightsMatmulFn>("mm");
      codesA = randomCodes(fa, m * k / (this->fa.fp4 ? 2 : 1), 1);
      scalesA = randomScales(m * k / 32, 3);
    } else if (panels) {
      lookupProduct(withPanels, fa);
    } else {
      lookupProduct(withRows, fa);
    }
  }

  void operator()() {
    MemRef<float, 2> c;
    if (constantB) {
      auto ca = viewOf(codesA.data(), {m, k / (fa.fp4 ? 2 : 1)});
      auto sa = viewOf(scalesA.data(), {m, k / 32});
      withConstantB(&c, &ca, &sa);
    } else if (panels) {
      const int64_t columns = 256;
      auto cb =
          viewOf(codesB.data(), {n / columns, k, columns / (fb.fp4 ? 2 : 1)});
      auto sb = viewOf(scalesB.data(), {n / columns, k / 32, columns});
      callProduct(withPanels, c, cb, sb);
    } else {
      auto cb = viewOf(codesB.data(), {k, n / (fb.fp4 ? 2 : 1)});
      auto sb = viewOf(scalesB.data(), {k / 32, n});
      callProduct(withRows, c, cb, sb);
    }
    benchmark::DoNotOptimize(c.aligned);
    std::free(c.allocated);
  }

  /// Bytes of B's codes and scales: what a GEMV streams.
  double weightBytes() const { return double(codesB.size() + scalesB.size()); }

private:
  /// `product`'s function from the module, and A's operands (A's format
  /// named `formatA`).
  template <int RankB>
  void lookupProduct(ArgumentProduct<RankB> &product,
                     const std::string &formatA) {
    if (fa.f32) {
      product.weightOnly = module->lookup<WeightOnlyMatmulFn<RankB>>("mm");
      valuesA = randomFloats(m * k, 1);
    } else {
      product.mx = module->lookup<MatmulFn<RankB>>("mm");
      codesA = randomCodes(formatA, m * k / (fa.fp4 ? 2 : 1), 1);
      scalesA = randomScales(m * k / 32, 3);
    }
  }

  /// C = A x B by `product`, with B's views `cb` and `sb`.
  template <int RankB>
  void callProduct(const ArgumentProduct<RankB> &product, MemRef<float, 2> &c,
                   MemRef<uint8_t, RankB> &cb, MemRef<uint8_t, RankB> &sb) {
    if (fa.f32) {
      auto a = viewOf(valuesA.data(), {m, k});
      product.weightOnly(&c, &a, &cb, &sb);
      return;
    }
    auto ca = viewOf(codesA.data(), {m, k / (fa.fp4 ? 2 : 1)});
    auto sa = viewOf(scalesA.data(), {m, k / 32});
    product.mx(&c, &ca, &sa, &cb, &sb);
  }

  int64_t m, k, n;
  Format fa, fb;
  bool constantB, panels;
  ConstantWeightsMatmulFn withConstantB = nullptr;
  std::unique_ptr<mxbench::JitModule> module;
  ArgumentProduct<2> withRows;
  ArgumentProduct<3> withPanels;
  Weights<float> valuesA;
  Weights<uint8_t> codesA, codesB;
  std::vector<uint8_t> scalesA, scalesB;
};

MXMatmul &mxMatmul(const std::string &fa, const std::string &fb, int64_t m,
                   int64_t k, int64_t n, bool constantB = false,
                   bool prepack = false, bool panels = false) {
  // Never destroyed: an ExecutionEngine torn down during exit runs its
  // deinitializers after LLVM's own statics are gone (and crashes).
  static auto &cache = *new std::map<std::string, std::unique_ptr<MXMatmul>>();
  std::string key = fa + fb + std::to_string(m) + "x" + std::to_string(k) +
                    "x" + std::to_string(n) + (constantB ? "c" : "") +
                    (prepack ? "p" : "") + (panels ? "panels" : "");
  auto &entry = cache[key];
  if (!entry)
    entry =
        std::make_unique<MXMatmul>(fa, fb, m, k, n, constantB, prepack, panels);
  return *entry;
}

void setThreads(int threads) {
  omp_set_num_threads(threads); // our kernels and OneDNN (one libomp)
  openblas_set_num_threads(threads);
}

constexpr int64_t kGemm = 2048;

void flops(benchmark::State &state, double m, double n, double k) {
  state.counters["GFLOPs"] = benchmark::Counter(
      2 * m * n * k * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Batch 32 through one 4096 x 4096 weight matrix: a prefill / batched
// decode product, where packing the weights per call costs as much as the
// product.
constexpr int64_t kBatch = 32, kWide = 4096;

/// The product M x K by K x N, B an argument (packed per call) or, with
/// `prepack`, a constant packed at compile time.
void mxProduct(benchmark::State &state, const char *fa, const char *fb,
               int64_t m, int64_t k, int64_t n, bool prepack) {
  setThreads(int(state.range(0)));
  MXMatmul &mm = mxMatmul(fa, fb, m, k, n, /*constantB=*/prepack, prepack);
  mm(); // warm up
  for (auto _ : state)
    mm();
  flops(state, double(m), double(n), double(k));
}
void BM_MXGemm(benchmark::State &state, const char *fa, const char *fb) {
  mxProduct(state, fa, fb, kGemm, kGemm, kGemm, /*prepack=*/false);
}
void BM_MXGemmPrepacked(benchmark::State &state, const char *fa,
                        const char *fb) {
  mxProduct(state, fa, fb, kGemm, kGemm, kGemm, /*prepack=*/true);
}
void BM_MXBatch32(benchmark::State &state, const char *fa, const char *fb) {
  mxProduct(state, fa, fb, kBatch, kWide, kWide, /*prepack=*/false);
}
void BM_MXBatch32Prepacked(benchmark::State &state, const char *fa,
                           const char *fb) {
  mxProduct(state, fa, fb, kBatch, kWide, kWide, /*prepack=*/true);
}

void sgemm(benchmark::State &state, int64_t m, int64_t k, int64_t n) {
  setThreads(int(state.range(0)));
  Weights<float> a = randomFloats(m * k, 5), b = randomFloats(k * n, 6),
                 c(m * n);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f,
                a.data(), k, b.data(), n, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  flops(state, double(m), double(n), double(k));
}
void BM_OpenBLAS_sgemm(benchmark::State &state) {
  sgemm(state, kGemm, kGemm, kGemm);
}
void BM_OpenBLAS_sgemm_batch32(benchmark::State &state) {
  sgemm(state, kBatch, kWide, kWide);
}

/// OneDNN matmul of `type` inputs (bf16 or s8) into `out` (f32 or s32), M x
/// K by K x N.
void oneDNNMatmul(benchmark::State &state, dnnl::memory::data_type type,
                  dnnl::memory::data_type out, int64_t m = kGemm,
                  int64_t k = kGemm, int64_t n = kGemm) {
  setThreads(int(state.range(0)));
  using tag = dnnl::memory::format_tag;
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  dnnl::memory::desc a({m, k}, type, tag::ab), b({k, n}, type, tag::any),
      c({m, n}, out, tag::ab);
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, c), engine);
  dnnl::memory am(pd.src_desc(), engine), bm(pd.weights_desc(), engine),
      cm(pd.dst_desc(), engine);
  // Any bit patterns are fine for timing except NaNs: small integers.
  auto fill = [](dnnl::memory &mem) {
    auto *bytes = static_cast<uint8_t *>(mem.get_data_handle());
    size_t size = mem.get_desc().get_size();
    for (size_t i = 0; i < size; ++i)
      bytes[i] = uint8_t((i * 7) % 61);
  };
  fill(am);
  fill(bm);
  dnnl::matmul matmul(pd);
  auto run = [&] {
    matmul.execute(
        stream,
        {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
    stream.wait();
  };
  run();
  for (auto _ : state)
    run();
  flops(state, double(m), double(n), double(k));
}
void BM_OneDNN_bf16(benchmark::State &state) {
  oneDNNMatmul(state, dnnl::memory::data_type::bf16,
               dnnl::memory::data_type::f32);
}
void BM_OneDNN_bf16_batch32(benchmark::State &state) {
  oneDNNMatmul(state, dnnl::memory::data_type::bf16,
               dnnl::memory::data_type::f32, kBatch, kWide, kWide);
}
void BM_OneDNN_int8(benchmark::State &state) {
  oneDNNMatmul(state, dnnl::memory::data_type::s8,
               dnnl::memory::data_type::s32);
}

void weightRate(benchmark::State &state, double bytes) {
  state.counters["weight_GBps"] = benchmark::Counter(
      bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void gemv(benchmark::State &state, const char *fa, const char *fb,
          bool panels) {
  setThreads(int(state.range(1)));
  int64_t size = state.range(0);
  MXMatmul &mv = mxMatmul(fa, fb, 1, size, size, /*constantB=*/false,
                          /*prepack=*/false, panels);
  mv();
  for (auto _ : state)
    mv();
  weightRate(state, mv.weightBytes());
}
void BM_MXGemv(benchmark::State &state, const char *fa, const char *fb) {
  gemv(state, fa, fb, /*panels=*/false);
}
/// The weights in the panels layout (as prepack-weights stores constant
/// ones): each parallel iteration streams one run of memory.
void BM_MXGemvPanels(benchmark::State &state, const char *fa, const char *fb) {
  gemv(state, fa, fb, /*panels=*/true);
}

/// Sums `words` 64-bit words on `threads` threads: one streaming read.
void streamRead(const Weights<uint64_t> &data, size_t words, int threads) {
  uint64_t sum = 0;
#pragma omp parallel for reduction(^ : sum) num_threads(threads)
  for (size_t i = 0; i < words; ++i)
    sum ^= data[i];
  benchmark::DoNotOptimize(sum);
}

/// The GEMV on panels and a streaming read of as many bytes, run in turn in
/// every iteration, so that both rates come from the same stretch of time:
/// this shared VM's DRAM bandwidth drifts by 30% between runs, which the
/// separate BM_StreamRead and BM_MXGemvPanels rows see at different
/// moments. Iteration time is the GEMV's; `vs_read` is its rate over the
/// read's.
void BM_MXGemvPanelsVsRead(benchmark::State &state, const char *fa,
                           const char *fb) {
  const int threads = int(state.range(1));
  setThreads(threads);
  int64_t size = state.range(0);
  MXMatmul &mv = mxMatmul(fa, fb, 1, size, size, /*constantB=*/false,
                          /*prepack=*/false, /*panels=*/true);
  const size_t words = size_t(mv.weightBytes()) / 8;
  Weights<uint64_t> data(words, 1);
  mv();
  streamRead(data, words, threads);
  using Clock = std::chrono::steady_clock;
  double gemvSeconds = 0, readSeconds = 0;
  for (auto _ : state) {
    Clock::time_point start = Clock::now();
    streamRead(data, words, threads);
    Clock::time_point read = Clock::now();
    mv();
    Clock::time_point end = Clock::now();
    readSeconds += std::chrono::duration<double>(read - start).count();
    double gemv = std::chrono::duration<double>(end - read).count();
    gemvSeconds += gemv;
    state.SetIterationTime(gemv);
  }
  const double iterations = double(state.iterations());
  const double gemvRate = mv.weightBytes() * iterations / gemvSeconds;
  const double readRate = double(words) * 8 * iterations / readSeconds;
  state.counters["weight_GBps"] = gemvRate * 1e-9;
  state.counters["read_GBps"] = readRate * 1e-9;
  state.counters["vs_read"] = gemvRate / readRate;
}

void BM_OpenBLAS_sgemv(benchmark::State &state) {
  setThreads(int(state.range(1)));
  int64_t size = state.range(0);
  Weights<float> w = randomFloats(size * size, 7), x = randomFloats(size, 8),
                 y(size);
  for (auto _ : state) {
    cblas_sgemv(CblasRowMajor, CblasTrans, size, size, 1.0f, w.data(), size,
                x.data(), 1, 0.0f, y.data(), 1);
    benchmark::DoNotOptimize(y.data());
  }
  weightRate(state, double(size) * size * sizeof(float));
}

/// Reads `bytes` of memory once per iteration (the DRAM bound of a GEMV
/// whose weights are that many bytes).
void BM_StreamRead(benchmark::State &state) {
  int threads = int(state.range(1));
  setThreads(threads);
  int64_t size = state.range(0);
  size_t words = size_t(size) * size / 8; // an MXFP8 weight matrix
  Weights<uint64_t> data(words, 1);
  for (auto _ : state)
    streamRead(data, words, threads);
  weightRate(state, double(words) * 8);
}

void gemmThreads(benchmark::internal::Benchmark *b) {
  b->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
}
void gemvShapeArgs(benchmark::internal::Benchmark *b) {
  for (int64_t size : {4096, 16384})
    for (int64_t threads : {1, 2})
      b->Args({size, threads});
  b->Unit(benchmark::kMillisecond);
}
void gemvShapes(benchmark::internal::Benchmark *b) {
  gemvShapeArgs(b);
  b->UseRealTime();
}

} // namespace

BENCHMARK(BM_OpenBLAS_sgemm)->Apply(gemmThreads);
BENCHMARK(BM_OneDNN_bf16)->Apply(gemmThreads);
BENCHMARK(BM_OneDNN_int8)->Apply(gemmThreads);
BENCHMARK_CAPTURE(BM_MXGemm, mxfp8_mxfp8, "e4m3", "e4m3")->Apply(gemmThreads);
BENCHMARK_CAPTURE(BM_MXGemm, mxfp4_mxfp8, "e2m1", "e4m3")->Apply(gemmThreads);
BENCHMARK_CAPTURE(BM_MXGemm, mxfp4_mxfp4, "e2m1", "e2m1")->Apply(gemmThreads);
BENCHMARK_CAPTURE(BM_MXGemm, mxfp6e2m3_mxfp6e2m3, "e2m3", "e2m3")
    ->Apply(gemmThreads);
BENCHMARK_CAPTURE(BM_MXGemm, mxint8_mxint8, "int8", "int8")->Apply(gemmThreads);
BENCHMARK_CAPTURE(BM_MXGemm, f32_mxfp4, "f32", "e2m1")->Apply(gemmThreads);
BENCHMARK_CAPTURE(BM_MXGemmPrepacked, mxfp8_mxfp8, "e4m3", "e4m3")
    ->Apply(gemmThreads);
BENCHMARK_CAPTURE(BM_MXGemmPrepacked, mxfp4_mxfp4, "e2m1", "e2m1")
    ->Apply(gemmThreads);
BENCHMARK_CAPTURE(BM_MXGemmPrepacked, mxfp6e2m3_mxfp6e2m3, "e2m3", "e2m3")
    ->Apply(gemmThreads);
BENCHMARK_CAPTURE(BM_MXGemmPrepacked, mxint8_mxint8, "int8", "int8")
    ->Apply(gemmThreads);
BENCHMARK(BM_OpenBLAS_sgemm_batch32)->Apply(gemmThreads);
BENCHMARK(BM_OneDNN_bf16_batch32)->Apply(gemmThreads);
BENCHMARK_CAPTURE(BM_MXBatch32, mxfp8_mxfp8, "e4m3", "e4m3")
    ->Apply(gemmThreads);
BENCHMARK_CAPTURE(BM_MXBatch32, mxfp8_mxfp4, "e4m3", "e2m1")
    ->Apply(gemmThreads);
BENCHMARK_CAPTURE(BM_MXBatch32Prepacked, mxfp8_mxfp8, "e4m3", "e4m3")
    ->Apply(gemmThreads);
BENCHMARK_CAPTURE(BM_MXBatch32Prepacked, mxfp8_mxfp4, "e4m3", "e2m1")
    ->Apply(gemmThreads);
BENCHMARK(BM_StreamRead)->Apply(gemvShapes);
BENCHMARK(BM_OpenBLAS_sgemv)->Apply(gemvShapes);
BENCHMARK_CAPTURE(BM_MXGemv, mxfp4_weights, "e4m3", "e2m1")->Apply(gemvShapes);
BENCHMARK_CAPTURE(BM_MXGemv, mxfp8_weights, "e4m3", "e4m3")->Apply(gemvShapes);
BENCHMARK_CAPTURE(BM_MXGemv, mxint8_weights_int8_x, "int8", "int8")
    ->Apply(gemvShapes);
BENCHMARK_CAPTURE(BM_MXGemv, mxfp4_weights_f32_x, "f32", "e2m1")
    ->Apply(gemvShapes);
BENCHMARK_CAPTURE(BM_MXGemvPanels, mxfp4_weights, "e4m3", "e2m1")
    ->Apply(gemvShapes);
BENCHMARK_CAPTURE(BM_MXGemvPanels, mxfp8_weights, "e4m3", "e4m3")
    ->Apply(gemvShapes);
BENCHMARK_CAPTURE(BM_MXGemvPanels, mxint8_weights_int8_x, "int8", "int8")
    ->Apply(gemvShapes);
BENCHMARK_CAPTURE(BM_MXGemvPanels, mxfp4_weights_f32_x, "f32", "e2m1")
    ->Apply(gemvShapes);
BENCHMARK_CAPTURE(BM_MXGemvPanelsVsRead, mxfp4_weights, "e4m3", "e2m1")
    ->Apply(gemvShapeArgs)
    ->UseManualTime();

int main(int argc, char **argv) {
  mxbench::keepFreedMemory();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
