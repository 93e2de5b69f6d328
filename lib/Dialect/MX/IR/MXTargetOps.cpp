//===- MXTargetOps.cpp - Target instructions of the mx dialect ------------===//

#include "mx/Dialect/MX/IR/MXTargetOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::mx;

#define GET_OP_CLASSES
#include "mx/Dialect/MX/IR/MXTargetOps.cpp.inc"
