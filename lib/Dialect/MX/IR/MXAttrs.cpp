//===- MXAttrs.cpp - Attributes of the mx dialect -------------------------===//

#include "mx/Dialect/MX/IR/MXAttrs.h"
#include "mx/Dialect/MX/IR/MXDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::mx;

#include "mx/Dialect/MX/IR/MXOpsEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "mx/Dialect/MX/IR/MXOpsAttrs.cpp.inc"

void MXDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "mx/Dialect/MX/IR/MXOpsAttrs.cpp.inc"
      >();
}

::mlir::mx::numerics::ScaleRule mlir::mx::toNumerics(ScaleRule rule) {
  switch (rule) {
  case ScaleRule::floor:
    return ::mlir::mx::numerics::ScaleRule::Floor;
  case ScaleRule::ceil:
    return ::mlir::mx::numerics::ScaleRule::Ceil;
  case ScaleRule::even:
    return ::mlir::mx::numerics::ScaleRule::Even;
  case ScaleRule::rceil:
    return ::mlir::mx::numerics::ScaleRule::RCeil;
  case ScaleRule::quotient: // the verifier keeps it to f32 scales
    llvm_unreachable("quotient is an f32-scale rule, not an E8M0 one");
  }
  llvm_unreachable("unknown scale rule");
}

::mlir::mx::numerics::FloatScaleRule
mlir::mx::toFloatScaleRule(ScaleRule rule) {
  assert((rule == ScaleRule::quotient || rule == ScaleRule::rceil) &&
         "the f32-scale rules");
  return rule == ScaleRule::quotient
             ? ::mlir::mx::numerics::FloatScaleRule::Quotient
             : ::mlir::mx::numerics::FloatScaleRule::PowerOfTwo;
}

::mlir::mx::numerics::Rounding mlir::mx::toNumerics(Rounding rounding) {
  switch (rounding) {
  case Rounding::rne:
    return ::mlir::mx::numerics::Rounding::NearestEven;
  case Rounding::rtz:
    return ::mlir::mx::numerics::Rounding::TowardZero;
  case Rounding::stochastic:
    return ::mlir::mx::numerics::Rounding::Stochastic;
  }
  llvm_unreachable("unknown rounding mode");
}

::mlir::mx::numerics::Saturation mlir::mx::toNumerics(Saturation saturation) {
  switch (saturation) {
  case Saturation::saturate:
    return ::mlir::mx::numerics::Saturation::Saturate;
  case Saturation::nonfinite:
    return ::mlir::mx::numerics::Saturation::NonFinite;
  }
  llvm_unreachable("unknown saturation mode");
}
