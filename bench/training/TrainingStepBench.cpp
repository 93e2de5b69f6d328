//===- TrainingStepBench.cpp - One training step per recipe vs PyTorch ----===//
//
// The digits MLP (64-128-128-10, batch 32, cross-entropy, AdamW): the
// compiled step (mx-training-step, then mx-training-recipe for the MX
// recipes) through mx-cpu-pipeline on one thread, beside the same f32 step
// in libtorch (PyTorch's C++ API) on one thread. Both run the same batch of
// uniform pixels in [0, 1]; each call starts from the same state (the step
// is timed, not a training run).
//
//===----------------------------------------------------------------------===//

#include "../common/JitModule.h"

#include <benchmark/benchmark.h>
#include <torch/torch.h>

#include <array>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <vector>

using mxbench::MemRef;
using mxbench::viewOf;

namespace {

constexpr int64_t kBatch = 32;
constexpr std::array<std::array<int64_t, 2>, 3> kLayers = {
    {{64, 128}, {128, 128}, {128, 10}}};

struct Scalar0D {
  float *allocated, *aligned;
  int64_t offset;
};

struct Layer {
  MemRef<float, 2> w;
  MemRef<float, 1> b;
};

/// The step's results: loss, parameters, first and second moments, step.
struct StepResults {
  Scalar0D loss;
  Layer params[3], first[3], second[3];
  int64_t step;
};

using StepFn = void (*)(StepResults *, MemRef<float, 2> *, MemRef<float, 2> *,
                        // parameters, first moments, second moments
                        MemRef<float, 2> *, MemRef<float, 1> *,
                        MemRef<float, 2> *, MemRef<float, 1> *,
                        MemRef<float, 2> *, MemRef<float, 1> *,
                        MemRef<float, 2> *, MemRef<float, 1> *,
                        MemRef<float, 2> *, MemRef<float, 1> *,
                        MemRef<float, 2> *, MemRef<float, 1> *,
                        MemRef<float, 2> *, MemRef<float, 1> *,
                        MemRef<float, 2> *, MemRef<float, 1> *,
                        MemRef<float, 2> *, MemRef<float, 1> *, int64_t, float);

std::string readLossProgram() {
  std::ifstream file(MX_DIGITS_LOSS);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

/// The batch, the initial weights and zero moments, as flat f32 arrays.
struct State {
  std::vector<float> x, onehot;
  std::vector<std::vector<float>> weights, biases;
  std::vector<std::vector<float>> zerosW, zerosB;

  State() {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    x.resize(kBatch * 64);
    for (float &v : x)
      v = pixel(rng);
    onehot.assign(kBatch * 10, 0.0f);
    for (int64_t i = 0; i < kBatch; ++i)
      onehot[i * 10 + i % 10] = 1.0f;
    for (auto [k, n] : kLayers) {
      std::vector<float> w(k * n);
      for (float &v : w)
        v = normal(rng) * std::sqrt(2.0f / static_cast<float>(k));
      weights.push_back(w);
      biases.emplace_back(n, 0.0f);
      zerosW.emplace_back(k * n, 0.0f);
      zerosB.emplace_back(n, 0.0f);
    }
  }
};

void freeResults(StepResults &r) {
  std::set<void *> owned{r.loss.allocated};
  for (auto *group : {r.params, r.first, r.second})
    for (int i = 0; i < 3; ++i) {
      owned.insert(group[i].w.allocated);
      owned.insert(group[i].b.allocated);
    }
  for (void *p : owned)
    free(p);
}

void BM_TrainingStep(benchmark::State &bench, const std::string &recipe) {
  std::string pre = "mx-training-step{optimizer=adamw}";
  if (recipe != "f32")
    pre += ",mx-training-recipe{recipe=" + recipe + "}";
  mxbench::JitModule module(readLossProgram(), /*threads=*/false,
                            /*portable=*/false, pre);
  auto step = module.lookup<StepFn>("loss_step");
  State s;
  auto x = viewOf(s.x.data(), {kBatch, 64});
  auto y = viewOf(s.onehot.data(), {kBatch, 10});
  std::array<MemRef<float, 2>, 9> w;
  std::array<MemRef<float, 1>, 9> b;
  for (int i = 0; i < 3; ++i) {
    auto [k, n] = kLayers[i];
    w[i] = viewOf(s.weights[i].data(), {k, n});
    b[i] = viewOf(s.biases[i].data(), {n});
    for (int m = 1; m <= 2; ++m) {
      w[3 * m + i] = viewOf(s.zerosW[i].data(), {k, n});
      b[3 * m + i] = viewOf(s.zerosB[i].data(), {n});
    }
  }
  for (auto _ : bench) {
    StepResults r;
    step(&r, &x, &y, &w[0], &b[0], &w[1], &b[1], &w[2], &b[2], &w[3], &b[3],
         &w[4], &b[4], &w[5], &b[5], &w[6], &b[6], &w[7], &b[7], &w[8], &b[8],
         0, 2e-3f);
    benchmark::DoNotOptimize(r.loss.aligned[0]);
    freeResults(r);
  }
  bench.counters["steps_per_s"] = benchmark::Counter(
      static_cast<double>(bench.iterations()), benchmark::Counter::kIsRate);
}

void BM_TorchTrainingStep(benchmark::State &bench) {
  torch::set_num_threads(1);
  State s;
  auto tensor = [](std::vector<float> &v, std::vector<int64_t> shape) {
    return torch::from_blob(v.data(), shape, torch::kFloat32).clone();
  };
  torch::Tensor x = tensor(s.x, {kBatch, 64});
  torch::Tensor labels = torch::arange(kBatch, torch::kLong).remainder(10);
  std::vector<torch::Tensor> params;
  for (int i = 0; i < 3; ++i) {
    auto [k, n] = kLayers[i];
    params.push_back(tensor(s.weights[i], {k, n}).requires_grad_(true));
    params.push_back(tensor(s.biases[i], {n}).requires_grad_(true));
  }
  torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(2e-3));
  for (auto _ : bench) {
    optimizer.zero_grad();
    torch::Tensor value = x;
    for (int i = 0; i < 3; ++i) {
      value = torch::addmm(params[2 * i + 1], value, params[2 * i]);
      if (i < 2)
        value = torch::relu(value);
    }
    torch::Tensor loss = torch::nn::functional::cross_entropy(value, labels);
    loss.backward();
    optimizer.step();
    benchmark::DoNotOptimize(loss.item<float>());
  }
  bench.counters["steps_per_s"] = benchmark::Counter(
      static_cast<double>(bench.iterations()), benchmark::Counter::kIsRate);
}

} // namespace

BENCHMARK_CAPTURE(BM_TrainingStep, f32, std::string("f32"))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainingStep, mxfp8, std::string("mxfp8"))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainingStep, mxfp8_hybrid, std::string("mxfp8-hybrid"))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainingStep, mxfp6, std::string("mxfp6"))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainingStep, mxfp4_weights, std::string("mxfp4-weights"))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_TrainingStep, fp8_tensor, std::string("fp8-tensor"))
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();
BENCHMARK(BM_TorchTrainingStep)->Unit(benchmark::kMicrosecond)->UseRealTime();

BENCHMARK_MAIN();
