//===- MXToNVVM.h - Functions of one mx op -> NVVM kernels ------*- C++ -*-===//

#ifndef MX_CONVERSION_MXTONVVM_MXTONVVM_H
#define MX_CONVERSION_MXTONVVM_MXTONVVM_H

#include "mx/Target/NVVMTarget.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mlir::mx {

/// What convert-mx-to-nvvm compiles for and how.
struct NVVMKernelOptions {
  nvvm::Chip chip;
  std::string features = "+ptx88"; ///< PTX features of the #nvvm.target
  int optLevel = 3;                ///< the #nvvm.target's optimization level
  nvvm::MmaKind mma = nvvm::MmaKind::Auto;
  nvvm::ConvertKind convert = nvvm::ConvertKind::Auto;
};

/// Turns every function of `module` whose body is one mx.quantize or
/// mx.matmul of its arguments into a `gpu.func` kernel of the same name in
/// a new `gpu.module @mx_kernels` carrying `#nvvm.target` for
/// `options.chip`, and erases the function. A function with other mx ops,
/// or an op the chip or the kernels do not cover, gets an error (the others
/// are still converted). The module is then a GPU container module.
LogicalResult convertMXFunctionsToNVVMKernels(ModuleOp module,
                                              const NVVMKernelOptions &options);

/// Reports every op in `module` that the chip of its `#nvvm.target`
/// lacks (the NVPTX backend would abort on some: "Cannot select"), naming
/// the op and the chips that have it. Success without an NVVM target.
LogicalResult verifyNVVMTarget(gpu::GPUModuleOp module);

} // namespace mlir::mx

#endif // MX_CONVERSION_MXTONVVM_MXTONVVM_H
