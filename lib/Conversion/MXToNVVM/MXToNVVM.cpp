//===- MXToNVVM.cpp - Functions of one MX op -> NVVM kernels --------------===//
//
// The pass owns the kernel interface (memref arguments, launch shape) and
// the choice of instructions per chip; QuantizeKernel.cpp,
// MmaMatmulKernel.cpp and Tcgen05MatmulKernel.cpp write the bodies.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mx/Conversion/MXToNVVM/MXToNVVM.h"

#include "mx/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir::mx {
#define GEN_PASS_DEF_CONVERTMXTONVVMPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;
using namespace mlir::mx::nvvm;
namespace num = mlir::mx::numerics;

/// The one mx op a kernel function computes, if the function is one.
static Operation *kernelOp(func::FuncOp func) {
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

static bool containsMX(func::FuncOp func) {
  return func
      .walk([](Operation *op) {
        return isa<MXDialect>(op->getDialect()) ? WalkResult::interrupt()
                                                : WalkResult::advance();
      })
      .wasInterrupted();
}

LogicalResult
mlir::mx::convertMXFunctionsToNVVMKernels(ModuleOp module,
                                          const NVVMKernelOptions &options) {
  const Chip &chip = options.chip;
  SmallVector<func::FuncOp> functions;
  for (auto func : module.getOps<func::FuncOp>())
    if (containsMX(func))
      functions.push_back(func);
  if (functions.empty())
    return success();

  MLIRContext *context = module.getContext();
  OpBuilder b(context);
  b.setInsertionPointToEnd(module.getBody());
  auto gpuModule = gpu::GPUModuleOp::create(b, module.getLoc(), "mx_kernels");
  // The target in the IR: the target check and serialization read it.
  gpuModule.setTargetsAttr(b.getArrayAttr(NVVM::NVVMTargetAttr::get(
      context, options.optLevel, "nvptx64-nvidia-cuda", chip.name,
      options.features)));
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
    // Formats without a GPU kernel: what the operand or result is, or "".
    auto unsupported = [](Type type) -> StringRef {
      auto mx = dyn_cast<BlockTensorType>(type);
      if (mx && mx.isTwoLevel())
        return "a two-level (MX9/MX6/MX4) operand or result";
      if (mx && isa<Float32Type>(mx.getScaleType()))
        return "an operand or result with f32 tile scales";
      if (mx && mx.hasPanels())
        return "an operand or result in the panels layout (the CPU GEMV's; "
               "convert it with mx.convert_layout)";

      return "";
    };
    StringRef what;
    if (auto matmul = dyn_cast<MatmulOp>(op); matmul && matmul.getAlpha())
      what = "an alpha";
    if (auto quantize = dyn_cast<QuantizeOp>(op);
        quantize && isa<Float8E4M3FNType>(quantize.getType().getScaleType()))
      what = "an NVFP4 result (f8E4M3FN block scales)";
    // The kernel writes each block's scale, not a swizzled tile's padding.
    if (auto quantize = dyn_cast<QuantizeOp>(op);
        quantize && quantize.getType().hasSwizzledScales())
      what = "a result with swizzled scales (convert the row-major result "
             "with mx.convert_scale_layout)";
    for (Type type :
         llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes()))
      if (what.empty())
        what = unsupported(type);
    if (!what.empty()) {
      op->emitOpError() << "has " << what
                        << ", for which convert-mx-to-nvvm has no kernel; "
                           "lower it with mx-cpu-pipeline";
      anyFailed = true;
      continue;
    }
    MmaKind kind = MmaKind::Sync;
    SmallVector<Type> arguments;
    LaunchShape launch;
    LogicalResult checked = failure();
    if (auto quantize = dyn_cast<QuantizeOp>(op)) {
      checked = checkQuantizeKernel(quantize, chip, options.convert, arguments,
                                    launch);
    } else {
      auto matmul = cast<MatmulOp>(op);
      auto lhsType = dyn_cast<BlockTensorType>(matmul.getLhs().getType());
      auto rhsType = dyn_cast<BlockTensorType>(matmul.getRhs().getType());
      bool integer = lhsType && lhsType.getFormat() == num::ElementFormat::INT8;
      // Shapes that are not static (or f32 activations) have no kernel:
      // checkMatmulKernel says so before any check that depends on the kind.
      int64_t m =
          lhsType && lhsType.hasStaticShape() ? lhsType.getShape()[0] : 0;
      int64_t n =
          rhsType && rhsType.hasStaticShape() ? rhsType.getShape()[1] : 0;
      kind = selectMmaKind(chip, options.mma, integer, m, n);
      checked = checkMatmulKernel(matmul, chip, kind, arguments, launch);
    }
    if (failed(checked)) {
      anyFailed = true;
      continue;
    }

    b.setInsertionPointToEnd(gpuModule.getBody());
    auto kernel = gpu::GPUFuncOp::create(b, func.getLoc(), func.getSymName(),
                                         b.getFunctionType(arguments, {}));
    kernel->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), b.getUnitAttr());
    auto toI32 = [](ArrayRef<int64_t> values) {
      return SmallVector<int32_t>(values.begin(), values.end());
    };
    kernel.setKnownBlockSizeAttr(b.getDenseI32ArrayAttr(toI32(launch.block)));
    kernel.setKnownGridSizeAttr(b.getDenseI32ArrayAttr(toI32(launch.grid)));
    kernels.insert(kernel);

    b.setInsertionPointToStart(&kernel.getBody().front());
    if (auto quantize = dyn_cast<QuantizeOp>(op))
      buildQuantizeKernel(b, quantize, kernel, chip, options.convert);
    else if (kind == MmaKind::Tcgen05)
      buildTcgen05MatmulKernel(b, cast<MatmulOp>(op), kernel);
    else
      buildMmaMatmulKernel(b, cast<MatmulOp>(op), kernel, chip, kind);
    gpu::ReturnOp::create(b, func.getLoc());
    func.erase();
  }
  return failure(anyFailed);
}

namespace {
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
    NVVMKernelOptions options;
    options.chip = *target;
    options.features = features;
    options.optLevel = optLevel;
    options.mma = mma;
    options.convert = convert;
    if (failed(convertMXFunctionsToNVVMKernels(module, options)))
      signalPassFailure();
  }
};
} // namespace
