//===- Elementwise.cpp - Building elementwise linalg.generic ops ----------===//

#include "mx/Dialect/MX/Utils/Elementwise.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
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

Value mlir::mx::buildReduceAll(
    OpBuilder &b, Location loc, Value tensor,
    function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
  auto type = cast<RankedTensorType>(tensor.getType());
  FloatType f32 = b.getF32Type();
  Value zero = arith::ConstantFloatOp::create(b, loc, f32, APFloat(0.0f));
  Value init =
      linalg::FillOp::create(
          b, loc, zero,
          ValueRange{tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, f32)})
          .getResult(0);
  SmallVector<AffineMap> maps = {
      b.getMultiDimIdentityMap(type.getRank()),
      AffineMap::get(type.getRank(), 0, b.getContext())};
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::reduction);
  Value reduced =
      linalg::GenericOp::create(
          b, loc, init.getType(), tensor, init, maps, iterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            linalg::YieldOp::create(nb, nl, combine(nb, nl, args[0], args[1]));
          })
          .getResult(0);
  return tensor::ExtractOp::create(b, loc, reduced, ValueRange{});
}
