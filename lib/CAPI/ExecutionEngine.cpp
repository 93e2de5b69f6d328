//===- ExecutionEngine.cpp - A JIT that leaves no files behind ------------===//

#include "mx-c/ExecutionEngine.h"

#include "mlir/CAPI/ExecutionEngine.h"
#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Support.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"

#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/TargetSelect.h"

using namespace mlir;

MlirExecutionEngine
mlirMXExecutionEngineCreate(MlirModule op, int optLevel, int numPaths,
                            const MlirStringRef *sharedLibPaths,
                            bool enablePerfListener) {
  if (mlirModuleIsNull(op) || optLevel < 0 || optLevel > 3 || numPaths < 0 ||
      (numPaths > 0 && !sharedLibPaths))
    return MlirExecutionEngine{nullptr};
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmParser(); // inline assembly
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;

  ModuleOp module = unwrap(op);
  MLIRContext &context = *module.getContext();
  registerBuiltinDialectTranslation(context);
  registerLLVMDialectTranslation(context);
  registerOpenMPDialectTranslation(context);

  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder) {
    llvm::consumeError(builder.takeError());
    return MlirExecutionEngine{nullptr};
  }
  auto targetMachine = builder->createTargetMachine();
  if (!targetMachine) {
    llvm::consumeError(targetMachine.takeError());
    return MlirExecutionEngine{nullptr};
  }
  SmallVector<StringRef> libraries;
  for (int i = 0; i < numPaths; ++i)
    libraries.push_back(unwrap(sharedLibPaths[i]));

  // The options hold a function_ref: the transformer lives here.
  std::function<llvm::Error(llvm::Module *)> transformer =
      makeOptimizingTransformer(unsigned(optLevel), /*sizeLevel=*/0,
                                targetMachine->get());
  ExecutionEngineOptions options;
  options.transformer = transformer;
  options.jitCodeGenOptLevel = static_cast<llvm::CodeGenOptLevel>(optLevel);
  options.sharedLibPaths = libraries;
  options.enablePerfNotificationListener = enablePerfListener;
  auto engine =
      ExecutionEngine::create(module, options, std::move(targetMachine.get()));
  if (!engine) {
    llvm::consumeError(engine.takeError());
    return MlirExecutionEngine{nullptr};
  }
  return wrap(engine->release());
}
