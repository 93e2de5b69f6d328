//===- RegisterEverything.cpp - What mx-opt registers, from C -------------===//

#include "mx-c/RegisterEverything.h"

#include "mx/InitAll.h"

#include "mlir/CAPI/IR.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"

void mlirMXRegisterAllDialects(MlirDialectRegistry registry) {
  mlir::DialectRegistry &cppRegistry = *unwrap(registry);
  mlir::registerAllDialects(cppRegistry);
  mlir::registerAllExtensions(cppRegistry);
  mlir::mx::registerAllMXDialects(cppRegistry);
}

void mlirMXRegisterAllPasses(void) {
  // The registries are global; a second registration of the same pass
  // would be a fatal error.
  static bool registered = [] {
    mlir::registerAllPasses();
    mlir::mx::registerAllMXPasses();
    return true;
  }();
  (void)registered;
}
