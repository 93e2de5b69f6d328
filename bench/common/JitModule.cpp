//===- JitModule.cpp - An MLIR module compiled by mx-cpu-pipeline ---------===//

#include "JitModule.h"

#include "mx/InitAll.h"
#include "mx/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <malloc.h>

using namespace mlir;
using mxbench::JitModule;

mxbench::JitModule::JitModule(const std::string &source, bool threads,
                              bool portable, const std::string &prePipeline,
                              bool prepackWeights)
    : optimizer(makeOptimizingTransformer(3, 0, nullptr)) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    mlir::mx::registerAllMXPasses();
    return true;
  }();
  (void)initialized;
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  mlir::mx::registerAllMXDialects(registry);
  context = std::make_unique<MLIRContext>(registry);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(source, context.get());
  if (module && !prePipeline.empty()) {
    auto pre = PassManager::on<ModuleOp>(context.get());
    if (failed(parsePassPipeline(prePipeline, pre)) ||
        failed(pre.run(*module))) {
      llvm::errs() << "failed to run " << prePipeline << " on:\n"
                   << source << "\n";
      std::abort();
    }
    module->walk([&](func::FuncOp function) {
      if (function.isPublic() && !function.isExternal())
        function->setAttr("llvm.emit_c_interface",
                          UnitAttr::get(context.get()));
    });
  }
  auto pm = PassManager::on<ModuleOp>(context.get());
  mlir::mx::CPUPipelineOptions options;
  options.threads = threads;
  options.portable = portable;
  options.prepackWeights = prepackWeights;
  // Kernel variants can be compared in one binary (same buffers, same
  // process), e.g. with and without avx512bw.
  if (const char *features = std::getenv("MX_BENCH_CPU_FEATURES"))
    options.cpuFeatures = features;
  mlir::mx::buildCPUPipeline(pm, options);
  if (!module || failed(pm.run(*module))) {
    llvm::errs() << "failed to compile:\n" << source << "\n";
    std::abort();
  }
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = optimizer; // -O3 for the host CPU
  // perf record -k 1 + perf inject --jit names the JIT code (LLVM's perf
  // listener writes its jit-<pid>.dump when PERF_BUILDID_DIR is set).
  engineOptions.enablePerfNotificationListener = true;
  static const llvm::StringRef runtime[] = {MX_RUNNER_UTILS};
  engineOptions.sharedLibPaths = runtime;
  auto created = ExecutionEngine::create(*module, engineOptions);
  if (!created) {
    llvm::errs() << llvm::toString(created.takeError()) << "\n";
    std::abort();
  }
  engine = std::move(*created);
}

mxbench::JitModule::~JitModule() = default;

void *mxbench::JitModule::lookupAddress(const std::string &symbol) const {
  auto address = engine->lookup(symbol);
  if (!address) {
    llvm::errs() << llvm::toString(address.takeError()) << "\n";
    std::abort();
  }
  return *address;
}

void mxbench::keepFreedMemory() {
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, -1);
}
