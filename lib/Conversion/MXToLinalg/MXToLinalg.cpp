//===- MXToLinalg.cpp - The convert-mx-to-linalg pass ---------------------===//

#include "PackedStorage.h"

#include "mx/Conversion/MXToLinalg/MXToLinalg.h"
#include "mx/Conversion/Passes.h"
#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mx {
#define GEN_PASS_DEF_CONVERTMXTOLINALGPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

void mlir::mx::populateMXToLinalgTypeConversion(TypeConverter &converter) {
  converter.addConversion([](Type type) { return type; });
  converter.addConversion(
      [](BlockTensorType type, SmallVectorImpl<Type> &results) {
        results.push_back(getStorageType(type));
        results.push_back(type.getScalesType());
        return success();
      });
}

/// The lowering handles static shapes only: every mx op with a dynamic
/// operand or result gets an error naming the type (instead of the
/// conversion's generic "failed to legalize").
static LogicalResult checkStaticShapes(ModuleOp module) {
  bool dynamic = false;
  module.walk([&](Operation *op) {
    if (!isa<MXDialect>(op->getDialect()))
      return;
    auto isDynamic = [](Type type) {
      if (auto mxType = dyn_cast<BlockTensorType>(type))
        return !mxType.hasStaticShape();
      auto shaped = dyn_cast<ShapedType>(type);
      return shaped && !shaped.hasStaticShape();
    };
    for (Type type : llvm::concat<Type>(op->getOperandTypes(),
                                        op->getResultTypes())) {
      if (!isDynamic(type))
        continue;
      op->emitOpError() << "has the dynamically shaped type " << type
                        << "; the lowering handles static shapes only";
      dynamic = true;
      return;
    }
  });
  return failure(dynamic);
}

LogicalResult mlir::mx::applyMXTensorConversion(
    ModuleOp module,
    function_ref<void(const TypeConverter &, RewritePatternSet &)>
        populateElementPatterns) {
  MLIRContext *context = module.getContext();
  if (failed(checkStaticShapes(module)))
    return failure();
  // Write casts out and make scales explicit: after this every quantize
  // takes its scales as an operand.
  RewritePatternSet definitions(context);
  populateMXExpandCastsPatterns(definitions);
  populateMXInsertScaleComputationPatterns(definitions);
  if (failed(applyPatternsGreedily(module, std::move(definitions))))
    return failure();

  TypeConverter converter;
  populateMXToLinalgTypeConversion(converter);
  ConversionTarget target(*context);
  target.addIllegalDialect<MXDialect>();
  target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                         tensor::TensorDialect>();
  target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
    return converter.isSignatureLegal(op.getFunctionType()) &&
           converter.isLegal(&op.getBody());
  });
  target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
      [&](Operation *op) { return converter.isLegal(op); });
  target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });

  RewritePatternSet patterns(context);
  populateElementPatterns(converter, patterns);
  populateMXStructuralToLinalgConversionPatterns(converter, patterns);
  populateMXMatmulToLinalgConversionPatterns(converter, patterns);
  populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                 converter);
  populateReturnOpTypeConversionPattern(patterns, converter);
  populateCallOpTypeConversionPattern(patterns, converter);
  return applyPartialConversion(module, target, std::move(patterns));
}

namespace {
struct ConvertMXToLinalgPass final
    : mlir::mx::impl::ConvertMXToLinalgPassBase<ConvertMXToLinalgPass> {
  void runOnOperation() override {
    if (failed(applyMXTensorConversion(
            getOperation(), populateMXElementToLinalgConversionPatterns)))
      signalPassFailure();
  }
};
} // namespace
