//===- NVVMPipeline.cpp - mx-nvvm-pipeline --------------------------------===//

#include "mx/Conversion/Passes.h"
#include "mx/Pipelines/Pipelines.h"

#include "mlir/Conversion/GPUToNVVM/GPUToNVVMPass.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/ReconcileUnrealizedCasts/ReconcileUnrealizedCasts.h"
#include "mlir/Conversion/SCFToControlFlow/SCFToControlFlow.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::mx::buildNVVMPipeline(OpPassManager &pm,
                                 const NVVMPipelineOptions &options) {
  ConvertMXToNVVMPassOptions kernels;
  kernels.chip = options.chip;
  kernels.features = options.features;
  kernels.optLevel = 3;
  kernels.mma = options.mma;
  kernels.convert = options.convert;
  pm.addPass(createConvertMXToNVVMPass(kernels));

  // Kernel bodies -> LLVM + NVVM; memref arguments become bare pointers, so
  // a kernel's parameters are one pointer per buffer (docs/GPU.md).
  OpPassManager &gpuModule = pm.nest<gpu::GPUModuleOp>();
  gpuModule.addPass(createSCFToControlFlowPass());
  ConvertGpuOpsToNVVMOpsOptions toNVVM;
  toNVVM.useBarePtrCallConv = true;
  gpuModule.addPass(createConvertGpuOpsToNVVMOps(toNVVM));
  gpuModule.addPass(createConvertNVVMToLLVMPass());
  gpuModule.addPass(createCanonicalizerPass());
  gpuModule.addPass(createCSEPass());
  gpuModule.addPass(createReconcileUnrealizedCastsPass());

  // The kernels' gpu.module carries the #nvvm.target. Ops the chip lacks are
  // our errors, not NVPTX "Cannot select" aborts.
  pm.addPass(createMXVerifyNVVMTargetPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void mlir::mx::registerNVVMPipeline() {
  PassPipelineRegistration<NVVMPipelineOptions>(
      "mx-nvvm-pipeline",
      "Lower functions of one mx.quantize or mx.matmul to NVVM kernels and "
      "a gpu.binary (PTX by default) for an NVIDIA chip",
      buildNVVMPipeline);
}
