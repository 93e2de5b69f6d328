//===- VerifyNVVMTarget.cpp - NVVM ops the target chip lacks are errors ---===//
//
// The NVPTX backend aborts on some of these ("Cannot select"); this pass
// turns them into diagnostics before gpu-module-to-binary.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MXToNVVM/MXToNVVM.h"
#include "mx/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXVERIFYNVVMTARGETPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;
using namespace mlir::mx::nvvm;

/// The chips `op` needs, when `chip` is not one of them.
static const char *missingFeature(Operation *op, const Chip &chip) {
  if (isa<NVVM::ConvertF32x2ToF4x2Op, NVVM::ConvertF32x2ToF6x2Op>(op))
    return chip.hasNarrowConvert() ? nullptr : Chip::kNarrowConvertChips;
  if (auto cvt = dyn_cast<NVVM::ConvertF32x2ToF8x2Op>(op)) {
    if (isa<Float8E8M0FNUType>(cvt.getDstTy()))
      return chip.hasNarrowConvert() ? nullptr : Chip::kNarrowConvertChips;
    return chip.hasFP8() ? nullptr : Chip::kFP8Chips;
  }
  if (isa<NVVM::MmaBlockScaleOp, NVVM::MmaSpBlockScaleOp>(op))
    return chip.hasBlockScaleMma() ? nullptr : Chip::kBlockScaleMmaChips;
  if (op->getName().getStringRef().starts_with("nvvm.tcgen05."))
    return chip.hasTcgen05() ? nullptr : Chip::kTcgen05Chips;
  if (auto call = dyn_cast<LLVM::CallIntrinsicOp>(op)) {
    StringRef name = call.getIntrin();
    if (name.starts_with("llvm.nvvm.mma.") &&
        (name.contains("e4m3") || name.contains("e5m2")))
      return chip.hasFP8() ? nullptr : Chip::kFP8Chips;
  }
  return nullptr;
}

LogicalResult mlir::mx::verifyNVVMTarget(gpu::GPUModuleOp module) {
  ArrayAttr targets = module.getTargetsAttr();
  if (!targets)
    return success();
  bool failed = false;
  for (Attribute attr : targets) {
    auto target = dyn_cast<NVVM::NVVMTargetAttr>(attr);
    if (!target)
      continue;
    std::optional<Chip> chip = Chip::parse(target.getChip().str());
    if (!chip)
      continue;
    module.walk([&](Operation *op) {
      if (const char *needs = missingFeature(op, *chip)) {
        op->emitOpError() << "is not available on " << chip->name << " (needs "
                          << needs << ")";
        failed = true;
      }
    });
  }
  return failure(failed);
}

namespace {
struct MXVerifyNVVMTargetPass
    : public mx::impl::MXVerifyNVVMTargetPassBase<MXVerifyNVVMTargetPass> {
  void runOnOperation() override {
    bool failed = false;
    getOperation().walk([&](gpu::GPUModuleOp module) {
      failed |= mlir::failed(verifyNVVMTarget(module));
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
