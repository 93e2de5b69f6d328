//===- MXToNVVM.h - Functions of one mx op -> NVVM kernels ------*- C++ -*-===//

#ifndef MX_CONVERSION_MXTONVVM_MXTONVVM_H
#define MX_CONVERSION_MXTONVVM_MXTONVVM_H

#include "mx/Target/NVVMTarget.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/CommandLine.h"

#include <iterator>
#include <string>

namespace mlir::gpu {
class GPUModuleOp;
} // namespace mlir::gpu

namespace mlir::mx {

/// The values of the `mma` and `convert` options (convert-mx-to-nvvm,
/// mx-nvvm-pipeline), from nvvm::kMmaKindNames / kConvertKindNames.
template <typename Kind, size_t N>
llvm::cl::OptionEnumValue optionValue(const nvvm::KindName<Kind> (&names)[N],
                                      size_t i) {
  return {names[i].name, static_cast<int>(names[i].kind), names[i].description};
}
inline llvm::cl::ValuesClass mmaKindOptionValues() {
  static_assert(std::size(nvvm::kMmaKindNames) == 4, "one value per kind");
  const auto &names = nvvm::kMmaKindNames;
  return llvm::cl::values(optionValue(names, 0), optionValue(names, 1),
                          optionValue(names, 2), optionValue(names, 3));
}
inline llvm::cl::ValuesClass convertKindOptionValues() {
  static_assert(std::size(nvvm::kConvertKindNames) == 3, "one value per kind");
  const auto &names = nvvm::kConvertKindNames;
  return llvm::cl::values(optionValue(names, 0), optionValue(names, 1),
                          optionValue(names, 2));
}

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
