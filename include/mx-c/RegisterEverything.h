/*===- mx-c/RegisterEverything.h - What mx-opt registers, from C ---*- C -*-===*
 *
 * One call each for a C client to get what `mx-opt` has: every upstream
 * dialect and extension plus mx in a registry, and every upstream and mx pass
 * and named pipeline (`mx-cpu-pipeline`) in the global pass registry, so
 * that mlirParsePassPipeline understands them. (The LLVM IR translations the
 * execution engine needs: upstream's mlirRegisterAllLLVMTranslations, which
 * libMXCAPI.so exports too.)
 *
 *===----------------------------------------------------------------------===*/

#ifndef MX_C_REGISTEREVERYTHING_H
#define MX_C_REGISTEREVERYTHING_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Adds every upstream dialect and extension and the mx dialect. */
MLIR_CAPI_EXPORTED void mlirMXRegisterAllDialects(MlirDialectRegistry registry);

/** Registers every upstream and mx pass and pipeline (idempotent). */
MLIR_CAPI_EXPORTED void mlirMXRegisterAllPasses(void);

#ifdef __cplusplus
}
#endif

#endif /* MX_C_REGISTEREVERYTHING_H */
