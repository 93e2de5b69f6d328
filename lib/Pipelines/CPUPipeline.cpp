//===- CPUPipeline.cpp - mx-cpu-pipeline ----------------------------------===//

#include "mx/Conversion/Passes.h"
#include "mx/Dialect/MX/Transforms/Passes.h"
#include "mx/Pipelines/Pipelines.h"

#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MathToLibm/MathToLibm.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void mlir::mx::buildCPUPipeline(OpPassManager &pm,
                                const CPUPipelineOptions &options) {
  // Folds first: the quantize of a constant (weights) becomes packed MX
  // constants at compile time instead of a runtime quantize of an f32 copy.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createMXDecomposeAggregatesPass());
  if (options.fuse)
    pm.addPass(createMXFuseQuantizationPass());
  if (options.outline) {
    MXOutlineKernelsPassOptions outline;
    outline.keepConstantWeights = options.prepackWeights;
    pm.addPass(createMXOutlineKernelsPass(outline));
  }
  // mx -> linalg on (codes, scales) tensors.
  if (options.portable) {
    pm.addPass(createConvertMXToArithPass());
    arith::ArithExpandOpsPassOptions expand;
    expand.includeF4E2M1 = true;
    expand.includeF8E8M0 = true;
    pm.addPass(arith::createArithExpandOpsPass(expand));
  } else if (options.kernels) {
    ConvertMXToVectorPassOptions kernels;
    kernels.cpuFeatures = options.cpuFeatures;
    kernels.emulateAMX = options.emulateAMX;
    kernels.prepackWeights = options.prepackWeights;
    pm.addPass(createConvertMXToVectorPass(kernels));
  } else {
    pm.addPass(createConvertMXToLinalgPass());
  }
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  // FP8 data in ordinary linalg ops (scale propagation's FP8 matmuls): exact
  // integer decoding, since LLVM has no FP8 types.
  pm.addNestedPass<func::FuncOp>(createMXExpandFP8CastsPass());
  if (options.vectorize) {
    MXTileAndVectorizePassOptions vectorOptions;
    vectorOptions.vectorSize = options.vectorSize;
    pm.addNestedPass<func::FuncOp>(createMXTileAndVectorizePass(vectorOptions));
    pm.addPass(createCanonicalizerPass());
  }

  // Tensors -> buffers, with deallocation. CSE shared the empty tensors of
  // every layer: one per use keeps the analysis linear in the layers.
  pm.addNestedPass<func::FuncOp>(createMXUnshareEmptyTensorsPass());
  bufferization::OneShotBufferizePassOptions bufferization;
  bufferization.bufferizeFunctionBoundaries = true;
  bufferization.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferization));
  // The outlined kernels' results become buffers their callers allocate:
  // the deallocation then sees allocations, whose buffers cannot alias,
  // instead of call results (it compares those pairwise, at compile time
  // and at run time).
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::BufferDeallocationPipelineOptions deallocation;
  bufferization::buildBufferDeallocationPipeline(pm, deallocation);
  // Deallocation clones buffers a function returns but does not own (its
  // arguments, globals): the caller owns every result.
  pm.addPass(createConvertBufferizationToMemRefPass());

  // Loops, vectors and scalars -> LLVM.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  if (options.threads) {
    pm.addPass(createConvertSCFToOpenMPPass());
    // Inlines the memref.alloca_scope each loop body gets (the kernels
    // allocate no stack), which would otherwise be a single-block region
    // that scf-to-cf cannot put the body's own loops into.
    pm.addPass(createCanonicalizerPass());
  }
  pm.addNestedPass<func::FuncOp>(vector::createLowerVectorMultiReductionPass());
  // Unrolled: the default lowering of n-D transfers goes through stack
  // buffers allocated inside the loops, which overflows the stack on large
  // tensors.
  pm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll(true)));
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.reassociateFPReductions = true;
  vectorToLLVM.x86Vector = true; // x86vector.avx512.dot, mx.avx512.dot_u8s8
  vectorToLLVM.amx = true;       // the AMX matmul kernel's tiles
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  // Math ops with an LLVM intrinsic (sqrt, abs, exp, log...) map to it;
  // the rest (tanh, erf...) call libm.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  // A libm call on an n-D vector is unrolled into vector.extract and
  // vector.from_elements, which the vector lowering above has missed.
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  if (options.threads)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::mx::registerCPUPipeline() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "mx-cpu-pipeline",
      "Lower the mx dialect on tensors to vectorized LLVM dialect code for the "
      "host CPU",
      buildCPUPipeline);
}
