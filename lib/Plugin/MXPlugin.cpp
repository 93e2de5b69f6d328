//===- MXPlugin.cpp - The mx dialect and passes as an mlir-opt plugin -----===//
//
// Lets a stock mlir-opt (or any MlirOptMain tool linked against the same
// libMLIR.so) pick up the dialect and passes without rebuilding:
//   mlir-opt --load-dialect-plugin=libMXPlugin.so \
//            --load-pass-plugin=libMXPlugin.so --mx-expand-casts in.mlir
//
//===----------------------------------------------------------------------===//

#include "mx/InitAll.h"

#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {
      MLIR_PLUGIN_API_VERSION, "MX", LLVM_VERSION_STRING,
      [](DialectRegistry *registry) { mx::registerAllMXDialects(*registry); }};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MXPasses", LLVM_VERSION_STRING,
          []() { mx::registerAllMXPasses(); }};
}
