//===- MXToNVVM.cpp - Functions of one MX op -> NVVM kernels --------------===//
//
// The pass owns the kernel interface (memref arguments, launch shape) and
// the choice of instructions per chip; QuantizeKernel.cpp,
// MmaMatmulKernel.cpp and Tcgen05MatmulKernel.cpp write the bodies.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mx/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::mx {
#define GEN_PASS_DEF_CONVERTMXTONVVMPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;
using namespace mlir::mx::nvvm;
namespace num = mlir::mx::numerics;

namespace {
/// The one mx op a kernel function computes, if the function is one.
Operation *kernelOp(func::FuncOp func) {
  if (func.isExternal() || !llvm::hasSingleElement(func.getBody()))
    return nullptr;
  Block &body = func.getBody().front();
  if (body.getOperations().size() != 2)
    return nullptr;
  Operation *op = &body.front();
  auto ret = dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!isa<QuantizeOp, MatmulOp>(op) || !ret || ret.getNumOperands() != 1 ||
      ret.getOperand(0) != op->getResult(0) ||
      op->getNumOperands() != body.getNumArguments())
    return nullptr;
  for (auto [operand, argument] :
       llvm::zip(op->getOperands(), body.getArguments()))
    if (operand != argument)
      return nullptr;
  return op;
}

bool containsMX(func::FuncOp func) {
  return func
      .walk([](Operation *op) {
        return isa<MXDialect>(op->getDialect()) ? WalkResult::interrupt()
                                                : WalkResult::advance();
      })
      .wasInterrupted();
}

struct ConvertMXToNVVMPass
    : public mx::impl::ConvertMXToNVVMPassBase<ConvertMXToNVVMPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::optional<Chip> target = Chip::parse(chip);
    if (!target) {
      module.emitError() << "convert-mx-to-nvvm: unknown chip '" << chip
                         << "' (expected sm_<version>[a], e.g. sm_90a)";
      return signalPassFailure();
    }
    if (!target->hasFP8()) {
      module.emitError() << "convert-mx-to-nvvm: " << chip
                         << " has no FP8 tensor cores; MX kernels target "
                         << Chip::kFP8Chips;
      return signalPassFailure();
    }
    std::optional<MmaKind> requested;
    if (mma == "sync")
      requested = MmaKind::Sync;
    else if (mma == "block-scale")
      requested = MmaKind::BlockScale;
    else if (mma == "tcgen05")
      requested = MmaKind::Tcgen05;
    else if (mma != "auto") {
      module.emitError() << "convert-mx-to-nvvm: unknown mma '" << mma
                         << "' (expected auto, sync, block-scale or tcgen05)";
      return signalPassFailure();
    }
    ConvertKind conversion;
    if (convert == "auto")
      conversion = ConvertKind::Auto;
    else if (convert == "hardware")
      conversion = ConvertKind::Hardware;
    else if (convert == "software")
      conversion = ConvertKind::Software;
    else {
      module.emitError() << "convert-mx-to-nvvm: unknown convert '" << convert
                         << "' (expected auto, hardware or software)";
      return signalPassFailure();
    }

    SmallVector<func::FuncOp> functions;
    for (auto func : module.getOps<func::FuncOp>())
      if (containsMX(func))
        functions.push_back(func);
    if (functions.empty())
      return;

    OpBuilder b(module.getContext());
    b.setInsertionPointToEnd(module.getBody());
    auto gpuModule = gpu::GPUModuleOp::create(b, module.getLoc(), "mx_kernels");
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());
    SymbolTable kernels(gpuModule);

    bool anyFailed = false;
    for (func::FuncOp func : functions) {
      Operation *op = kernelOp(func);
      if (!op) {
        func.emitError() << "convert-mx-to-nvvm: @" << func.getSymName()
                         << " is not a kernel: its body must be one "
                            "mx.quantize or mx.matmul of the function's "
                            "arguments, returned";
        anyFailed = true;
        continue;
      }
      MmaKind kind =
          requested.value_or(target->hasTcgen05()         ? MmaKind::Tcgen05
                             : target->hasBlockScaleMma() ? MmaKind::BlockScale
                                                          : MmaKind::Sync);
      SmallVector<Type> arguments;
      LaunchShape launch;
      LogicalResult checked = failure();
      if (auto quantize = dyn_cast<QuantizeOp>(op)) {
        checked = checkQuantizeKernel(quantize, *target, conversion, arguments,
                                      launch);
      } else {
        auto matmul = cast<MatmulOp>(op);
        // Without a request, MXINT8 takes the one path it has, and shapes
        // the tcgen05 tiling does not cover take mma.sync.
        auto lhsType = dyn_cast<BlockTensorType>(matmul.getLhs().getType());
        if (!requested &&
            ((lhsType && lhsType.getFormat() == num::ElementFormat::INT8) ||
             (kind == MmaKind::Tcgen05 && !fitsTcgen05Kernel(matmul))))
          kind = MmaKind::Sync;
        checked = checkMatmulKernel(matmul, *target, kind, arguments, launch);
      }
      if (failed(checked)) {
        anyFailed = true;
        continue;
      }

      b.setInsertionPointToEnd(gpuModule.getBody());
      auto kernel = gpu::GPUFuncOp::create(b, func.getLoc(), func.getSymName(),
                                           b.getFunctionType(arguments, {}));
      kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(),
                      b.getUnitAttr());
      auto toI32 = [](ArrayRef<int64_t> values) {
        return SmallVector<int32_t>(values.begin(), values.end());
      };
      kernel.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(toI32(launch.block)));
      kernel.setKnownGridSizeAttr(b.getDenseI32ArrayAttr(toI32(launch.grid)));
      kernels.insert(kernel);

      b.setInsertionPointToStart(&kernel.getBody().front());
      if (auto quantize = dyn_cast<QuantizeOp>(op))
        buildQuantizeKernel(b, quantize, kernel, *target, conversion);
      else if (kind == MmaKind::Tcgen05)
        buildTcgen05MatmulKernel(b, cast<MatmulOp>(op), kernel);
      else
        buildMmaMatmulKernel(b, cast<MatmulOp>(op), kernel, *target, kind);
      gpu::ReturnOp::create(b, func.getLoc());
      func.erase();
    }
    if (anyFailed)
      signalPassFailure();
  }
};
} // namespace
