//===- LLMLayerBench.cpp - A 7B-class decoder layer's products, compiled --===//
//
// The weight products of one layer of a 7B-class LLM (LLaMA-7B shapes:
// hidden D = 4096, FFN F = 11008), at batch 1 (decode: GEMVs) and 32, end to
// end through one function that mx-opt's --mx-cpu-pipeline compiles:
//
//   xq = quantize(x)                             MXFP8 E4M3 activations
//   qk = xq @ W_qk          (D x 2D)             query and key projections
//   v  = xq @ W_v           (D x D)              (the attention over the
//   h  = x + quantize(v) @ W_o  (D x D)           cache is outside: at one
//                                                 token its output is v)
//   g, u = quantize(h) @ W_gate, @ W_up (D x F)  SwiGLU FFN
//   y  = h + quantize(silu(g) * u) @ W_down (F x D)
//
// returning y and qk, with MXFP4 or MXFP8 weights (blocks of 32 along K).
// Peers, the same layer on the same threads: OpenBLAS f32 (sgemm, or sgemv
// at batch 1, plus the elementwise steps in C++) and OneDNN bf16 matmuls
// (weights reordered to OneDNN's layout once, outside the timing; the
// activations converted to bf16 inside it).
//   build/bin/mx-bench-llm --benchmark_counters_tabular=true
//
//===----------------------------------------------------------------------===//

#include "../common/HugePages.h"
#include "../common/JitModule.h"

#include <benchmark/benchmark.h>
#include <cblas.h>
#include <dnnl.hpp>
#include <omp.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

extern "C" void openblas_set_num_threads(int);

namespace {

using mxbench::MemRef;
using mxbench::viewOf;
using mxbench::Weights;

constexpr int64_t kHidden = 4096, kFFN = 11008;

void setThreads(int threads) {
  omp_set_num_threads(threads);
  openblas_set_num_threads(threads);
}

Weights<float> randomFloats(size_t count, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  Weights<float> values(count);
  for (float &v : values)
    v = normal(rng);
  return values;
}

/// The layer's weights as K x N row-major f32 (fan-in scaled), in huge
/// pages (HugePages.h), as the MX weights and OneDNN's.
struct LayerWeights {
  Weights<float> qk, v, o, gate, up, down;
  LayerWeights()
      : qk(randomFloats(kHidden * 2 * kHidden, 1, 0.0156f)),
        v(randomFloats(kHidden * kHidden, 2, 0.0156f)),
        o(randomFloats(kHidden * kHidden, 3, 0.0156f)),
        gate(randomFloats(kHidden * kFFN, 4, 0.0156f)),
        up(randomFloats(kHidden * kFFN, 5, 0.0156f)),
        down(randomFloats(kFFN * kHidden, 6, 0.0095f)) {}
};
const LayerWeights &weights() {
  static const LayerWeights *w = new LayerWeights();
  return *w;
}

/// The six products' weights and shapes (K x N), in runLayer's and the
/// compiled layer's order.
struct Product {
  const Weights<float> *w;
  int64_t k, n;
};
std::array<Product, 6> layerProducts() {
  const LayerWeights &w = weights();
  return {{{&w.qk, kHidden, 2 * kHidden},
           {&w.v, kHidden, kHidden},
           {&w.o, kHidden, kHidden},
           {&w.gate, kHidden, kFFN},
           {&w.up, kHidden, kFFN},
           {&w.down, kFFN, kHidden}}};
}

float silu(float x) { return x / (1.0f + std::exp(-x)); }

//===-- The compiled layer ------------------------------------------------===//

/// Weights with `panels` are in the panels layout (the GEMV's).
std::string mxType(int64_t rows, int64_t columns, const std::string &element,
                   bool activation, bool panels = false) {
  return "!mx.tensor<" + std::to_string(rows) + "x" + std::to_string(columns) +
         "x" + element + ", block = [" + (activation ? "1, 32" : "32, 1") +
         "]" + (panels ? ", layout = panels" : "") + ">";
}
std::string f32Type(int64_t rows, int64_t columns) {
  return "tensor<" + std::to_string(rows) + "x" + std::to_string(columns) +
         "xf32>";
}

std::string layerSource(int64_t batch, const std::string &weightElement,
                        bool panels) {
  const std::string D = std::to_string(kHidden), F = std::to_string(kFFN);
  auto w = [&](int64_t k, int64_t n) {
    return mxType(k, n, weightElement, false, panels);
  };
  auto act = [&](int64_t n) { return mxType(batch, n, "f8E4M3FN", true); };
  auto f32 = [&](int64_t n) { return f32Type(batch, n); };
  auto quantize = [&](const std::string &out, const std::string &in,
                      int64_t n) {
    return "  " + out + " = mx.quantize " + in + " : " + f32(n) + " -> " +
           act(n) + "\n";
  };
  auto matmul = [&](const std::string &out, const std::string &a,
                    const std::string &b, int64_t k, int64_t n) {
    return "  " + out + " = mx.matmul " + a + ", " + b + " : " + act(k) + ", " +
           w(k, n) + " -> " + f32(n) + "\n";
  };
  std::string s = "#map = affine_map<(d0, d1) -> (d0, d1)>\n";
  s += "func.func @layer(%x: " + f32(kHidden) +
       ", %wqk: " + w(kHidden, 2 * kHidden) + ", %wv: " + w(kHidden, kHidden) +
       ", %wo: " + w(kHidden, kHidden) + ", %wg: " + w(kHidden, kFFN) +
       ", %wu: " + w(kHidden, kFFN) + ", %wd: " + w(kFFN, kHidden) + ") -> (" +
       f32(kHidden) + ", " + f32(2 * kHidden) +
       ") attributes {llvm.emit_c_interface} {\n";
  s += quantize("%xq", "%x", kHidden);
  s += matmul("%qk", "%xq", "%wqk", kHidden, 2 * kHidden);
  s += matmul("%v", "%xq", "%wv", kHidden, kHidden);
  s += quantize("%vq", "%v", kHidden);
  s += matmul("%o", "%vq", "%wo", kHidden, kHidden);
  s += "  %h = arith.addf %x, %o : " + f32(kHidden) + "\n";
  s += quantize("%hq", "%h", kHidden);
  s += matmul("%g", "%hq", "%wg", kHidden, kFFN);
  s += matmul("%u", "%hq", "%wu", kHidden, kFFN);
  s += "  %e = tensor.empty() : " + f32(kFFN) + "\n";
  s += "  %a = linalg.generic {indexing_maps = [#map, #map, #map], "
       "iterator_types = [\"parallel\", \"parallel\"]} ins(%g, %u : " +
       f32(kFFN) + ", " + f32(kFFN) + ") outs(%e : " + f32(kFFN) + ") {\n";
  s += "  ^bb0(%gi: f32, %ui: f32, %o_: f32):\n"
       "    %one = arith.constant 1.0 : f32\n"
       "    %neg = arith.negf %gi : f32\n"
       "    %exp = math.exp %neg : f32\n"
       "    %den = arith.addf %one, %exp : f32\n"
       "    %sig = arith.divf %gi, %den : f32\n"
       "    %prod = arith.mulf %sig, %ui : f32\n"
       "    linalg.yield %prod : f32\n"
       "  } -> " +
       f32(kFFN) + "\n";
  s += quantize("%aq", "%a", kFFN);
  s += matmul("%d", "%aq", "%wd", kFFN, kHidden);
  s += "  %y = arith.addf %h, %d : " + f32(kHidden) + "\n";
  s += "  return %y, %qk : " + f32(kHidden) + ", " + f32(2 * kHidden) + "\n}\n";
  return s;
}

/// Quantized weights as the compiled function takes them: codes (FP4: two
/// per byte) and E8M0 scales, from the f32 weights by a compiled quantize;
/// with `panels`, in the panels layout (codes [N/256, K, 256 or 128],
/// scales [N/256, K/32, 256]).
struct MXWeight {
  Weights<uint8_t> codes, scales;
  int64_t k, n;
  bool fp4;
  MemRef<uint8_t, 2> codesView() {
    return viewOf(codes.data(), {k, n / (fp4 ? 2 : 1)});
  }
  MemRef<uint8_t, 2> scalesView() { return viewOf(scales.data(), {k / 32, n}); }
  MemRef<uint8_t, 3> codesPanels() {
    return viewOf(codes.data(), {n / kPanel, k, kPanel / (fp4 ? 2 : 1)});
  }
  MemRef<uint8_t, 3> scalesPanels() {
    return viewOf(scales.data(), {n / kPanel, k / 32, kPanel});
  }
  static constexpr int64_t kPanel = 256;
};

using QuantizeFn = void (*)(void *result, MemRef<float, 2> *);
template <int Rank> struct QuantizeResult {
  MemRef<uint8_t, Rank> codes, scales;
};

/// Runs `quantize` and copies out what it returns, stored with `Rank`.
template <int Rank>
void copyQuantized(QuantizeFn quantize, MemRef<float, 2> &w, MXWeight &out) {
  QuantizeResult<Rank> r;
  quantize(&r, &w);
  size_t codeBytes = size_t(out.k * out.n / (out.fp4 ? 2 : 1));
  out.codes.assign(r.codes.aligned + r.codes.offset,
                   r.codes.aligned + r.codes.offset + codeBytes);
  out.scales.assign(r.scales.aligned + r.scales.offset,
                    r.scales.aligned + r.scales.offset + out.k / 32 * out.n);
  std::free(r.codes.allocated);
  std::free(r.scales.allocated);
}

MXWeight quantizeWeight(const Weights<float> &w, int64_t k, int64_t n,
                        const std::string &element, bool panels) {
  std::string t = mxType(k, n, element, false, panels), f = f32Type(k, n);
  mxbench::JitModule module("func.func @q(%w: " + f + ") -> " + t +
                                " attributes {llvm.emit_c_interface} {\n"
                                "  %q = mx.quantize %w : " +
                                f + " -> " + t + "\n  return %q : " + t +
                                "\n}\n",
                            /*threads=*/true);
  auto quantize = module.lookup<QuantizeFn>("q");
  auto view = viewOf(const_cast<float *>(w.data()), {k, n});
  MXWeight out{{}, {}, k, n, element == "f4E2M1FN"};
  if (panels)
    copyQuantized<3>(quantize, view, out);
  else
    copyQuantized<2>(quantize, view, out);
  return out;
}

struct LayerResult {
  MemRef<float, 2> y, qk;
};
template <int Rank>
using LayerFn = void (*)(LayerResult *, MemRef<float, 2> *,
                         // (codes, scales) per weight
                         MemRef<uint8_t, Rank> *, MemRef<uint8_t, Rank> *,
                         MemRef<uint8_t, Rank> *, MemRef<uint8_t, Rank> *,
                         MemRef<uint8_t, Rank> *, MemRef<uint8_t, Rank> *,
                         MemRef<uint8_t, Rank> *, MemRef<uint8_t, Rank> *,
                         MemRef<uint8_t, Rank> *, MemRef<uint8_t, Rank> *,
                         MemRef<uint8_t, Rank> *, MemRef<uint8_t, Rank> *);

/// Calls `layer` with the 12 (codes, scales) views.
template <int Rank>
void callLayer(LayerFn<Rank> layer, LayerResult &r, MemRef<float, 2> &x,
               MemRef<uint8_t, Rank> (&v)[12]) {
  layer(&r, &x, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8],
        &v[9], &v[10], &v[11]);
}

/// The layer's weights in `element` (and layout), quantized once per format
/// (both batch sizes run on them), in layerProducts' order.
std::array<MXWeight, 6> &quantizedWeights(const std::string &element,
                                          bool panels) {
  static auto &cache = *new std::map<std::string, std::array<MXWeight, 6>>();
  auto [entry, added] = cache.try_emplace(element + (panels ? " panels" : ""));
  if (added) {
    auto products = layerProducts();
    for (size_t i = 0; i < products.size(); ++i)
      entry->second[i] = quantizeWeight(*products[i].w, products[i].k,
                                        products[i].n, element, panels);
  }
  return entry->second;
}

class MXLayer {
public:
  MXLayer(int64_t batch, const std::string &element, bool panels)
      : batch(batch), module(std::make_unique<mxbench::JitModule>(
                          layerSource(batch, element, panels),
                          /*threads=*/true)),
        weights(quantizedWeights(element, panels)),
        x(randomFloats(batch * kHidden, 7, 1.0f)) {
    if (panels)
      layerPanels = module->lookup<LayerFn<3>>("layer");
    else
      layer = module->lookup<LayerFn<2>>("layer");
    for (size_t i = 0; i < weights.size(); ++i) {
      if (panels) {
        panelViews[2 * i] = weights[i].codesPanels();
        panelViews[2 * i + 1] = weights[i].scalesPanels();
      } else {
        views[2 * i] = weights[i].codesView();
        views[2 * i + 1] = weights[i].scalesView();
      }
    }
  }

  void operator()() {
    auto xv = viewOf(x.data(), {batch, kHidden});
    LayerResult r;
    if (layerPanels)
      callLayer(layerPanels, r, xv, panelViews);
    else
      callLayer(layer, r, xv, views);
    benchmark::DoNotOptimize(r.y.aligned);
    std::free(r.y.allocated);
    std::free(r.qk.allocated);
  }

  double weightBytes() const {
    double bytes = 0;
    for (const MXWeight &w : weights)
      bytes += double(w.codes.size() + w.scales.size());
    return bytes;
  }

private:
  int64_t batch;
  std::unique_ptr<mxbench::JitModule> module;
  LayerFn<2> layer = nullptr;
  LayerFn<3> layerPanels = nullptr;
  std::array<MXWeight, 6> &weights;
  Weights<float> x;
  // (codes, scales) of each weight, as the layer takes them.
  MemRef<uint8_t, 2> views[12];
  MemRef<uint8_t, 3> panelViews[12];
};

MXLayer &mxLayer(int64_t batch, const std::string &element, bool panels) {
  // Never destroyed (see MXGemmBench.cpp: ExecutionEngine teardown at exit).
  static auto &cache = *new std::map<std::string, std::unique_ptr<MXLayer>>();
  auto &entry =
      cache[element + std::to_string(batch) + (panels ? " panels" : "")];
  if (!entry)
    entry = std::make_unique<MXLayer>(batch, element, panels);
  return *entry;
}

/// Counters: the layer's FLOPs (2 x batch x weights) and weight bytes.
void layerCounters(benchmark::State &state, int64_t batch, double bytes) {
  double products = double(kHidden) * (4 * kHidden) + 3.0 * kHidden * kFFN;
  state.counters["GFLOPs"] =
      benchmark::Counter(2 * batch * products * 1e-9,
                         benchmark::Counter::kIsIterationInvariantRate);
  state.counters["weight_GBps"] = benchmark::Counter(
      bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void mxLayerBenchmark(benchmark::State &state, const char *element,
                      bool panels) {
  setThreads(int(state.range(1)));
  int64_t batch = state.range(0);
  MXLayer &layer = mxLayer(batch, element, panels);
  layer(); // warm up
  for (auto _ : state)
    layer();
  layerCounters(state, batch, layer.weightBytes());
}
void BM_MXLayer(benchmark::State &state, const char *element) {
  mxLayerBenchmark(state, element, /*panels=*/false);
}
/// Decode with the weights in the panels layout (every product a GEMV).
void BM_MXLayerPanels(benchmark::State &state, const char *element) {
  mxLayerBenchmark(state, element, /*panels=*/true);
}

//===-- OpenBLAS f32 ------------------------------------------------------===//

/// y[batch x n] = x[batch x k] @ w[k x n] (sgemv for one row).
void sgemm(const float *x, const float *w, float *y, int64_t batch, int64_t k,
           int64_t n) {
  if (batch == 1)
    cblas_sgemv(CblasRowMajor, CblasTrans, k, n, 1.0f, w, n, x, 1, 0.0f, y, 1);
  else
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, n, k, 1.0f, x,
                k, w, n, 0.0f, y, n);
}

/// The layer as a library user runs it: the six products by
/// `product(i, in, out)` (i: 0 Q|K, 1 V, 2 O, 3 gate, 4 up, 5 down), the
/// elementwise steps in C++. `bytes`: per weight, for the counter.
template <typename Product>
void runLayer(benchmark::State &state, int64_t batch, double bytes,
              Product &&product) {
  const int64_t D = kHidden, F = kFFN;
  const LayerWeights &w = weights();
  Weights<float> x = randomFloats(batch * D, 7, 1.0f), qk(batch * 2 * D),
                 v(batch * D), h(batch * D), g(batch * F), u(batch * F),
                 y(batch * D);
  for (auto _ : state) {
    product(0, x.data(), qk.data());
    product(1, x.data(), v.data());
    product(2, v.data(), h.data());
    for (int64_t i = 0; i < batch * D; ++i)
      h[i] += x[i];
    product(3, h.data(), g.data());
    product(4, h.data(), u.data());
    for (int64_t i = 0; i < batch * F; ++i)
      g[i] = silu(g[i]) * u[i];
    product(5, g.data(), y.data());
    for (int64_t i = 0; i < batch * D; ++i)
      y[i] += h[i];
    benchmark::DoNotOptimize(y.data());
  }
  layerCounters(state, batch,
                double(w.qk.size() + w.v.size() + w.o.size() + w.gate.size() +
                       w.up.size() + w.down.size()) *
                    bytes);
}

void BM_OpenBLASLayer(benchmark::State &state) {
  setThreads(int(state.range(1)));
  const int64_t batch = state.range(0);
  auto products = layerProducts();
  runLayer(state, batch, sizeof(float),
           [&](int i, const float *in, float *out) {
             const Product &p = products[i];
             sgemm(in, p.w->data(), out, batch, p.k, p.n);
           });
}

//===-- OneDNN bf16 -------------------------------------------------------===//

/// One bf16 x bf16 -> f32 product with its weights in OneDNN's own layout.
class OneDNNProduct {
public:
  OneDNNProduct(dnnl::engine &engine, dnnl::stream &stream, int64_t batch,
                const Weights<float> &w, int64_t k, int64_t n)
      : batch(batch), k(k) {
    using dt = dnnl::memory::data_type;
    using tag = dnnl::memory::format_tag;
    dnnl::memory::desc src({batch, k}, dt::bf16, tag::ab),
        weights({k, n}, dt::bf16, tag::any), dst({batch, n}, dt::f32, tag::ab);
    dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, weights, dst),
                                    engine);
    dnnl::memory plain({{k, n}, dt::f32, tag::ab}, engine,
                       const_cast<float *>(w.data()));
    weightBytes.resize(pd.weights_desc().get_size());
    weightMemory = dnnl::memory(pd.weights_desc(), engine, weightBytes.data());
    dnnl::reorder(plain, weightMemory).execute(stream, plain, weightMemory);
    stream.wait();
    srcMemory = dnnl::memory(pd.src_desc(), engine);
    dstMemory = dnnl::memory(pd.dst_desc(), engine);
    matmul = dnnl::matmul(pd);
  }

  /// out = in @ W (in converted to bf16 first).
  void operator()(dnnl::stream &stream, const float *in, float *out) {
    auto *src = static_cast<uint16_t *>(srcMemory.get_data_handle());
    for (int64_t i = 0; i < batch * k; ++i) { // round to nearest even
      uint32_t bits;
      std::memcpy(&bits, &in[i], 4);
      src[i] = uint16_t((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
    dstMemory.set_data_handle(out);
    matmul.execute(stream, {{DNNL_ARG_SRC, srcMemory},
                            {DNNL_ARG_WEIGHTS, weightMemory},
                            {DNNL_ARG_DST, dstMemory}});
    stream.wait();
  }

private:
  int64_t batch, k;
  Weights<uint8_t> weightBytes; // in huge pages, as the other peers' weights
  dnnl::memory weightMemory, srcMemory, dstMemory;
  dnnl::matmul matmul;
};

void BM_OneDNNLayer(benchmark::State &state) {
  setThreads(int(state.range(1)));
  const int64_t batch = state.range(0);
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  std::vector<std::unique_ptr<OneDNNProduct>> products;
  for (const Product &p : layerProducts())
    products.push_back(
        std::make_unique<OneDNNProduct>(engine, stream, batch, *p.w, p.k, p.n));
  runLayer(state, batch, 2, [&](int i, const float *in, float *out) {
    (*products[i])(stream, in, out);
  });
}

void layerShapes(benchmark::internal::Benchmark *b) {
  for (int64_t batch : {1, 32})
    for (int64_t threads : {1, 2})
      b->Args({batch, threads});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}
void decodeShapes(benchmark::internal::Benchmark *b) {
  for (int64_t threads : {1, 2})
    b->Args({1, threads});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

} // namespace

BENCHMARK(BM_OpenBLASLayer)->Apply(layerShapes);
BENCHMARK(BM_OneDNNLayer)->Apply(layerShapes);
BENCHMARK_CAPTURE(BM_MXLayer, mxfp4, "f4E2M1FN")->Apply(layerShapes);
BENCHMARK_CAPTURE(BM_MXLayer, mxfp8, "f8E4M3FN")->Apply(layerShapes);
BENCHMARK_CAPTURE(BM_MXLayerPanels, mxfp4, "f4E2M1FN")->Apply(decodeShapes);
BENCHMARK_CAPTURE(BM_MXLayerPanels, mxfp8, "f8E4M3FN")->Apply(decodeShapes);

int main(int argc, char **argv) {
  mxbench::keepFreedMemory();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
