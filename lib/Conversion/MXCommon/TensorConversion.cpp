//===- TensorConversion.cpp - The shared 1:N conversion of mx values ------===//

#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::mx;

void mlir::mx::populateMXTensorTypeConversion(TypeConverter &converter) {
  converter.addConversion([](Type type) { return type; });
  converter.addConversion(
      [](BlockTensorType type, SmallVectorImpl<Type> &results) {
        results.push_back(getStorageType(type));
        if (!type.isTwoLevel()) // its exponents are inside its packed blocks
          results.push_back(type.getScaleStorageType());
        return success();
      });
  converter.addConversion(
      [](ScaledTensorType type, SmallVectorImpl<Type> &results) {
        results.push_back(type.getDataType());
        results.push_back(Float32Type::get(type.getContext()));
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
      if (auto scaled = dyn_cast<ScaledTensorType>(type))
        return !scaled.getDataType().hasStaticShape();
      auto shaped = dyn_cast<ShapedType>(type);
      return shaped && !shaped.hasStaticShape();
    };
    for (Type type :
         llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes())) {
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

LogicalResult
mlir::mx::applyMXTensorConversion(ModuleOp module,
                                  const MXTensorLowering &lowering) {
  MLIRContext *context = module.getContext();
  if (failed(checkStaticShapes(module)))
    return failure();
  // Write casts out and make scales explicit: after this every quantize
  // takes its scales as an operand.
  RewritePatternSet definitions(context);
  populateMXExpandCastsPatterns(definitions);
  populateMXInsertScaleComputationPatterns(definitions, lowering.fusesScales);
  populateMXMatmulAlphaPatterns(definitions);
  populateMXRowMajorLayoutPatterns(definitions, lowering.keepsPanels);
  // Constant weights leave the panels layout at compile time.
  ConvertLayoutOp::getCanonicalizationPatterns(definitions, context);
  if (failed(applyPatternsGreedily(module, std::move(definitions))))
    return failure();

  TypeConverter converter;
  populateMXTensorTypeConversion(converter);
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
  if (lowering.addLegalOps)
    lowering.addLegalOps(target);

  RewritePatternSet patterns(context);
  lowering.populate(converter, patterns);
  populateMXStructuralToLinalgConversionPatterns(converter, patterns);
  populateMXMatmulToLinalgConversionPatterns(converter, patterns);
  populateMXScaledToLinalgConversionPatterns(converter, patterns);
  populateMXHadamardToLinalgConversionPatterns(converter, patterns);
  populateMXTensorScaleToLinalgConversionPatterns(converter, patterns);
  populateMXScaleLayoutToLinalgConversionPatterns(converter, patterns);
  populateMXStorageLayoutToLinalgConversionPatterns(converter, patterns);
  populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                 converter);
  populateReturnOpTypeConversionPattern(patterns, converter);
  populateCallOpTypeConversionPattern(patterns, converter);
  // The signature conversion replaces each !mx.tensor argument or result by
  // two; keep every attribute with the value it belongs to (e.g.
  // bufferization.writable), copied to both parts of a split one.
  SmallVector<std::tuple<func::FuncOp, SmallVector<int64_t>, ArrayAttr,
                         SmallVector<int64_t>, ArrayAttr>>
      attributes;
  auto counts = [&](TypeRange types) {
    SmallVector<int64_t> result;
    for (Type type : types) {
      SmallVector<Type> converted;
      (void)converter.convertType(type, converted);
      result.push_back(converted.size());
    }
    return result;
  };
  module.walk([&](func::FuncOp function) {
    attributes.emplace_back(function, counts(function.getArgumentTypes()),
                            function.getAllArgAttrs(),
                            counts(function.getResultTypes()),
                            function.getAllResultAttrs());
  });
  if (failed(applyPartialConversion(module, target, std::move(patterns))))
    return failure();
  auto expand = [](ArrayAttr dictionaries, ArrayRef<int64_t> counts) {
    SmallVector<DictionaryAttr> expanded;
    for (auto [dictionary, count] : llvm::zip(dictionaries, counts))
      expanded.append(count, cast<DictionaryAttr>(dictionary));
    return expanded;
  };
  for (auto &[function, argCounts, argAttrs, resultCounts, resultAttrs] :
       attributes) {
    if (argAttrs)
      function.setAllArgAttrs(expand(argAttrs, argCounts));
    if (resultAttrs)
      function.setAllResultAttrs(expand(resultAttrs, resultCounts));
  }
  return success();
}
