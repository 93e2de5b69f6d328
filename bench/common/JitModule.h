//===- JitModule.h - An MLIR module compiled by mx-cpu-pipeline -*- C++ -*-===//
//
// The benchmarks' way to get compiled MX kernels: the mx dialect source goes
// through --mx-cpu-pipeline (with the given options) and mlir::ExecutionEngine
// at -O3 for the host CPU, in process, as a user's JIT would do it.
//
//===----------------------------------------------------------------------===//

#ifndef MX_BENCH_COMMON_JITMODULE_H
#define MX_BENCH_COMMON_JITMODULE_H

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/MLIRContext.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace mxbench {

/// A strided memref descriptor of rank `Rank`, as the C interface passes it.
template <typename T, int Rank> struct MemRef {
  T *allocated;
  T *aligned;
  int64_t offset;
  int64_t sizes[Rank];
  int64_t strides[Rank];
};

/// A contiguous row-major descriptor over `data`.
template <typename T, int Rank>
MemRef<T, Rank> viewOf(T *data, const int64_t (&shape)[Rank]) {
  MemRef<T, Rank> view{data, data, 0, {}, {}};
  int64_t stride = 1;
  for (int d = Rank - 1; d >= 0; --d) {
    view.sizes[d] = shape[d];
    view.strides[d] = stride;
    stride *= shape[d];
  }
  return view;
}

class JitModule {
public:
  /// Compiles `source` (functions marked llvm.emit_c_interface) with the
  /// pipeline's defaults (fused kernels, host features unless the
  /// environment's MX_BENCH_CPU_FEATURES names others), `threads` (OpenMP
  /// loops) and `portable` (upstream arith.scaling_* element conversion);
  /// aborts with the diagnostics on failure: a benchmark of a kernel that
  /// does not compile has nothing to report.
  /// `prePipeline`: a textual pass pipeline run first (e.g. the training
  /// step's passes); every public function then gets a C interface.
  /// `prepackWeights`: the pipeline's prepack-weights (constant weights
  /// packed at compile time).
  JitModule(const std::string &source, bool threads, bool portable = false,
            const std::string &prePipeline = "", bool prepackWeights = false);
  ~JitModule();

  /// The C-interface entry `_mlir_ciface_<name>`.
  template <typename Fn> Fn lookup(const std::string &name) const {
    return reinterpret_cast<Fn>(lookupAddress("_mlir_ciface_" + name));
  }

private:
  void *lookupAddress(const std::string &symbol) const;

  std::function<llvm::Error(llvm::Module *)> optimizer;
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<mlir::ExecutionEngine> engine;
};

/// Makes glibc keep and reuse freed memory (no mmap per large allocation, no
/// trimming), as a framework's caching allocator does: the compiled
/// functions allocate their results, and on these VMs first-touch page
/// faults of a fresh 64 MiB cost more than the kernel itself.
void keepFreedMemory();

} // namespace mxbench

#endif // MX_BENCH_COMMON_JITMODULE_H
