//===- MXDialect.cpp - The mx dialect -------------------------------------===//

#include "mx/Dialect/MX/IR/MXDialect.h"
#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/IR/MXTargetOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::mx;

#include "mx/Dialect/MX/IR/MXOpsDialect.cpp.inc"

void MXDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "mx/Dialect/MX/IR/MXOps.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "mx/Dialect/MX/IR/MXTargetOps.cpp.inc"
      >();
  registerTypes();
  registerAttributes();
}

Operation *MXDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                          Type type, Location loc) {
  if (auto typed = dyn_cast<TypedAttr>(value);
      typed && arith::ConstantOp::isBuildableWith(typed, type))
    return arith::ConstantOp::create(builder, loc, type, typed);
  return nullptr;
}
