//===- Parse.cpp - Parsing modules with a source name ---------------------===//

#include "mx-c/Parse.h"
#include "mx/Parser/UpstreamParserGuard.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"

MlirModule mlirMXModuleCreateParseNamed(MlirContext context,
                                        MlirStringRef source,
                                        MlirStringRef sourceName) {
  if (mlirContextIsNull(context) || (!source.data && source.length) ||
      (!sourceName.data && sourceName.length))
    return MlirModule{nullptr};
  if (mlir::failed(mlir::mx::rejectUpstreamParserCrash(
          unwrap(context), unwrap(source), unwrap(sourceName))))
    return MlirModule{nullptr};
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(
          unwrap(source), mlir::ParserConfig(unwrap(context)),
          unwrap(sourceName));
  if (!module)
    return MlirModule{nullptr};
  return MlirModule{module.release().getOperation()};
}
