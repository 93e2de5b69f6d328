//===- MXAttrs.h - Attributes of the mx dialect -----------------*- C++ -*-===//

#ifndef MX_DIALECT_MX_IR_MXATTRS_H
#define MX_DIALECT_MX_IR_MXATTRS_H

#include "mx/Numerics/BlockQuantize.h"
#include "mx/Numerics/FloatScaled.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "mx/Dialect/MX/IR/MXOpsEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "mx/Dialect/MX/IR/MXOpsAttrs.h.inc"

namespace mlir::mx {
/// The numerics-library value of each dialect enum. The E8M0 rules only:
/// `quotient` is an f32-scale rule (toFloatScaleRule).
::mlir::mx::numerics::ScaleRule toNumerics(ScaleRule rule);
/// The f32 tile-scale rule of `quotient` or `rceil` (its power of two).
::mlir::mx::numerics::FloatScaleRule toFloatScaleRule(ScaleRule rule);
::mlir::mx::numerics::Rounding toNumerics(Rounding rounding);
::mlir::mx::numerics::Saturation toNumerics(Saturation saturation);
} // namespace mlir::mx

#endif // MX_DIALECT_MX_IR_MXATTRS_H
