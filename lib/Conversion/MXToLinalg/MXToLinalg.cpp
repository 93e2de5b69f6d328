//===- MXToLinalg.cpp - The convert-mx-to-linalg pass ---------------------===//
//
// The reference CPU lowering: the shared base (MXCommon) with the exact
// integer element arithmetic for every layout.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::mx {
#define GEN_PASS_DEF_CONVERTMXTOLINALGPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

namespace {
struct ConvertMXToLinalgPass final
    : mlir::mx::impl::ConvertMXToLinalgPassBase<ConvertMXToLinalgPass> {
  void runOnOperation() override {
    MXTensorLowering lowering;
    lowering.populate = populateMXElementToLinalgConversionPatterns;
    if (failed(applyMXTensorConversion(getOperation(), lowering)))
      signalPassFailure();
  }
};
} // namespace
