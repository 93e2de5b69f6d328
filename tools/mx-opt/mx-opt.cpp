//===- mx-opt.cpp - The mx dialect's optimizer driver ---------------------===//
//
// MlirOptMain with the mx dialect and passes, plus the upstream dialects,
// passes and extensions that the programs it compiles use.
//
//===----------------------------------------------------------------------===//

#include "mx/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::mx::registerAllMXPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::mx::registerAllMXDialects(registry);
  // gpu-module-to-binary (mx-nvvm-pipeline) translates GPU modules to PTX.
  mlir::registerAllToLLVMIRTranslations(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "mx-mlir optimizer driver\n", registry));
}
