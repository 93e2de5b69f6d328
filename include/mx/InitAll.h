//===- InitAll.h - Register everything mx provides --------------*- C++ -*-===//
//
// One call per kind of thing, for every tool that hosts the mx dialect
// (mx-opt, the plugin, the C API, other compilers' drivers).
//
//===----------------------------------------------------------------------===//

#ifndef MX_INITALL_H
#define MX_INITALL_H

#include "mx/Conversion/Passes.h"
#include "mx/Dialect/MX/IR/MXDialect.h"
#include "mx/Dialect/MX/Transforms/Passes.h"
#include "mx/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"

namespace mlir::mx {

/// Adds the mx dialect to `registry`.
inline void registerAllMXDialects(DialectRegistry &registry) {
  registry.insert<MXDialect>();
}

/// Registers every mx pass and named pipeline with the global pass registry
/// (for -help and textual pipelines).
inline void registerAllMXPasses() {
  registerMXPasses();
  registerMXConversionPasses();
  registerCPUPipeline();
  registerNVVMPipeline();
}

} // namespace mlir::mx

#endif // MX_INITALL_H
