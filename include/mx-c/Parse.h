/*===- mx-c/Parse.h - Parsing modules with a source name -----------*- C -*-===*
 *
 * Upstream's mlirModuleCreateParse names every buffer "-", so diagnostics of
 * a module parsed from a string point at `loc("-":3:5)`. This entry point
 * takes the name the locations should carry (a file name, or "<string>").
 *
 *===----------------------------------------------------------------------===*/

#ifndef MX_C_PARSE_H
#define MX_C_PARSE_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Parses and verifies `source` as a module whose locations name the buffer
 * `sourceName`; a null module (diagnostics emitted) on failure, and for a
 * null context or a null string with a nonzero length. */
MLIR_CAPI_EXPORTED MlirModule mlirMXModuleCreateParseNamed(
    MlirContext context, MlirStringRef source, MlirStringRef sourceName);

#ifdef __cplusplus
}
#endif

#endif /* MX_C_PARSE_H */
