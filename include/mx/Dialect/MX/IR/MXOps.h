//===- MXOps.h - Operations of the mx dialect -------------------*- C++ -*-===//

#ifndef MX_DIALECT_MX_IR_MXOPS_H
#define MX_DIALECT_MX_IR_MXOPS_H

#include "mx/Dialect/MX/IR/MXAttrs.h"
#include "mx/Dialect/MX/IR/MXDialect.h"
#include "mx/Dialect/MX/IR/MXTypes.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "mx/Dialect/MX/IR/MXOps.h.inc"

namespace mlir::mx {
/// The shape of an mx.matmul operand: an !mx.tensor or a ranked f32 tensor.
ArrayRef<int64_t> getOperandShape(Type type);
} // namespace mlir::mx

#endif // MX_DIALECT_MX_IR_MXOPS_H
