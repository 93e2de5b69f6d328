//===- MXTargetOps.h - Target instructions of the mx dialect ----*- C++ -*-===//
//
// The mx.avx512.* ops (MXTargetOps.td), apart from MXOps.h: their
// X86IntrinsicOpInterface needs the x86vector and LLVM dialects' headers,
// which only the kernels that build these ops should have to parse.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXTARGETOPS_H
#define MX_DIALECT_MX_IR_MXTARGETOPS_H

#include "mx/Dialect/MX/IR/MXDialect.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "mx/Dialect/MX/IR/MXTargetOps.h.inc"

#endif // MX_DIALECT_MX_IR_MXTARGETOPS_H
