//===- MXToVector.cpp - The convert-mx-to-vector pass ---------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Conversion/Passes.h"
#include "mx/Dialect/MX/IR/MXTargetOps.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::mx {
#define GEN_PASS_DEF_CONVERTMXTOVECTORPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

int64_t mlir::mx::wholeBlocksAlongLastAxis(BlockTensorType type) {
  if (!type.hasStaticShape() || type.getRank() == 0 || type.isTwoLevel())
    return 0;
  ArrayRef<int64_t> blocks = type.getBlockShape();
  if (llvm::any_of(blocks.drop_back(), [](int64_t b) { return b != 1; }))
    return 0;
  int64_t k = blocks.back();
  return type.getShape().back() % k == 0 ? k : 0;
}

bool mlir::mx::hasVectorKernelLayout(BlockTensorType type) {
  int64_t k = wholeBlocksAlongLastAxis(type);
  if (k == 0 || !isa<Float8E8M0FNUType>(type.getScaleType()))
    return false;
  return type.getFormat() != numerics::ElementFormat::E2M1 || k % 2 == 0;
}

bool mlir::mx::isVectorKernelQuantize(QuantizeOp op) {
  return !op.hasGivenScales() && op.getInput().getType().hasStaticShape() &&
         hasVectorKernelLayout(op.getType());
}

void mlir::mx::populateMXToVectorConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns,
    const cpu::CPUTarget &target, const MatmulKernelOptions &options) {
  populateQuantizeKernelPattern(converter, patterns);
  populateColumnQuantizeKernelPattern(converter, patterns);
  populateDequantizeKernelPattern(converter, patterns);
  populateHadamardKernelPattern(converter, patterns);
  populateTileQuantizeKernelPattern(converter, patterns);
  populateTwoLevelQuantizeKernelPattern(converter, patterns);
  populateTwoLevelDequantizeKernelPattern(converter, patterns);
  populateTensorScaleKernelPattern(converter, patterns);
  populateTransposeKernelPattern(converter, patterns);
  populateMatmulKernelPattern(converter, patterns, target, options);
  populateGemvKernelPattern(converter, patterns, target.units());
  populateMXElementToLinalgConversionPatterns(converter, patterns);
}

namespace {
struct ConvertMXToVectorPass final
    : mlir::mx::impl::ConvertMXToVectorPassBase<ConvertMXToVectorPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string error;
    std::optional<cpu::CPUTarget> target =
        cpu::CPUTarget::parse(cpuFeatures, error);
    if (!target) {
      emitError(module.getLoc()) << error;
      return signalPassFailure();
    }
    auto populate = [&](const TypeConverter &converter,
                        RewritePatternSet &patterns) {
      populateMXToVectorConversionPatterns(converter, patterns, *target,
                                           {emulateAMX, prepackWeights});
    };
    rewriteTwoLevelMatmulOperands(module);
    splitMatmulWeightBlocks(module);
    padMatmulColumns(module);
    if (prepackWeights)
      storeGemvWeightsInPanels(module);
    MXTensorLowering lowering;
    lowering.populate = populate;
    lowering.fusesScales = [](QuantizeOp op) {
      return isVectorKernelQuantize(op) || isTileKernelQuantize(op) ||
             isColumnKernelQuantize(op);
    };
    // The target instructions (MXTargetOps.td) the kernels are built from.
    lowering.addLegalOps = [](ConversionTarget &target) {
      target.addLegalOp<DotUnsignedSignedI8Op, PermuteF32Op, PermuteI16Op,
                        PermuteTwoI16Op>();
    };
    // The GEMV reads weights in the panels layout as they are stored.
    lowering.keepsPanels = [](Operation *op) {
      auto matmul = dyn_cast<MatmulOp>(op);
      return matmul && isGemvKernelMatmul(matmul);
    };
    if (failed(applyMXTensorConversion(module, lowering)))
      return signalPassFailure();
    // The target in the IR: which units the kernels were chosen for.
    module->setAttr(
        kCPUKernelFeaturesAttrName,
        StringAttr::get(module.getContext(), target->kernelFeatures()));
  }
};
} // namespace
