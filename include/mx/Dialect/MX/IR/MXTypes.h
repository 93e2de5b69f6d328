//===- MXTypes.h - Types of the mx dialect ----------------------*- C++ -*-===//

#ifndef MX_DIALECT_MX_IR_MXTYPES_H
#define MX_DIALECT_MX_IR_MXTYPES_H

#include "mx/Dialect/MX/IR/MXAttrs.h"
#include "mx/Numerics/ElementFormat.h"
#include "mx/Numerics/SharedMicroexponent.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Types.h"

#include <optional>

#define GET_TYPEDEF_CLASSES
#include "mx/Dialect/MX/IR/MXOpsTypes.h.inc"

namespace mlir::mx {
/// Columns per panel of the `panels` storage layout: whole cache lines of
/// FP4 codes (128 bytes) and of byte codes (four lines).
constexpr int64_t kPanelColumns = 256;

/// The MX element format a builtin type stands for: f8E4M3FN, f8E5M2,
/// f6E3M2FN, f6E2M3FN, f4E2M1FN or i8 (MXINT8); none for any other type.
std::optional<::mlir::mx::numerics::ElementFormat> getElementFormat(Type type);
} // namespace mlir::mx

#endif // MX_DIALECT_MX_IR_MXTYPES_H
