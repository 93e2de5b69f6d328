//===- Passes.h - Conversions out of the mx dialect -------------*- C++ -*-===//

#ifndef MX_CONVERSION_PASSES_H
#define MX_CONVERSION_PASSES_H

#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Conversion/MXToArith/MXToArith.h"
#include "mx/Conversion/MXToNVVM/MXToNVVM.h"
#include "mx/Conversion/MXToVector/MXToVector.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::mx {

#define GEN_PASS_DECL
#include "mx/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "mx/Conversion/Passes.h.inc"

} // namespace mlir::mx

#endif // MX_CONVERSION_PASSES_H
