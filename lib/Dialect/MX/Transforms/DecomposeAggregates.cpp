//===- DecomposeAggregates.cpp - linalg.softmax and kin as generics -------===//

#include "mx/Dialect/MX/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXDECOMPOSEAGGREGATESPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

LogicalResult mlir::mx::decomposeAggregateOps(Operation *root) {
  SmallVector<linalg::AggregatedOpInterface> aggregates;
  root->walk(
      [&](linalg::AggregatedOpInterface op) { aggregates.push_back(op); });
  for (linalg::AggregatedOpInterface aggregate : aggregates) {
    OpBuilder b(aggregate);
    FailureOr<SmallVector<Value>> values = aggregate.decomposeOperation(b);
    if (failed(values))
      return aggregate->emitError("cannot decompose '")
             << aggregate->getName() << "' into linalg generics";
    aggregate->replaceAllUsesWith(*values);
    aggregate->erase();
  }
  return success();
}

namespace {

struct MXDecomposeAggregatesPass final
    : mx::impl::MXDecomposeAggregatesPassBase<MXDecomposeAggregatesPass> {
  void runOnOperation() override {
    if (failed(decomposeAggregateOps(getOperation())))
      signalPassFailure();
  }
};

} // namespace
