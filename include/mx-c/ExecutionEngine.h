/*===- mx-c/ExecutionEngine.h - A JIT that leaves no files behind -*- C -*-===*
 *
 * Upstream's mlirExecutionEngineCreate always attaches LLVM's perf listener,
 * which writes a jitdump file (~/.debug/jit/llvm-IR-jit-*, or $JITDUMPDIR)
 * for every process that compiles: files that pile up, and a fatal LLVM
 * error at exit where the disk or a file-size limit refuses them. This entry
 * point makes the listener a choice; the result is an ordinary
 * MlirExecutionEngine for upstream's lookup, invoke and destroy.
 *
 *===----------------------------------------------------------------------===*/

#ifndef MX_C_EXECUTIONENGINE_H
#define MX_C_EXECUTIONENGINE_H

#include "mlir-c/ExecutionEngine.h"
#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/** As mlirExecutionEngineCreate (host target, LLVM passes at `optLevel`,
 *  `numPaths` shared libraries loaded), with perf's jitdump written only when
 *  `enablePerfListener` is set. Null when the module cannot be compiled. */
MLIR_CAPI_EXPORTED MlirExecutionEngine mlirMXExecutionEngineCreate(
    MlirModule op, int optLevel, int numPaths,
    const MlirStringRef *sharedLibPaths, bool enablePerfListener);

#ifdef __cplusplus
}
#endif

#endif /* MX_C_EXECUTIONENGINE_H */
