//===- Elementwise.cpp - Building elementwise linalg.generic ops ----------===//

#include "mx/Dialect/MX/Utils/Elementwise.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

Value mlir::mx::buildElementwise(
    OpBuilder &b, Location loc, ValueRange inputs, Type outType,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  auto inType = cast<RankedTensorType>(inputs.front().getType());
  Value init = tensor::EmptyOp::create(b, loc, inType.getShape(), outType);
  SmallVector<AffineMap> maps(inputs.size() + 1,
                              b.getMultiDimIdentityMap(inType.getRank()));
  SmallVector<utils::IteratorType> iterators(inType.getRank(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, init.getType(), inputs, ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               linalg::YieldOp::create(nb, nl, body(nb, nl, args));
             })
      .getResult(0);
}
