//===- UnshareEmptyTensors.cpp - One tensor.empty per use -----------------===//
//
// One-Shot Bufferize compares every read and write among the aliases of a
// value; after CSE, a tensor.empty shared by every layer makes that
// quadratic in the layers. An empty tensor has no contents, so each use
// may have its own.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXUNSHAREEMPTYTENSORSPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;

namespace {
struct MXUnshareEmptyTensorsPass final
    : mlir::mx::impl::MXUnshareEmptyTensorsPassBase<MXUnshareEmptyTensorsPass> {
  void runOnOperation() override {
    SmallVector<tensor::EmptyOp> shared;
    getOperation().walk([&](tensor::EmptyOp empty) {
      if (!empty->hasOneUse() && !empty->use_empty())
        shared.push_back(empty);
    });
    for (tensor::EmptyOp empty : shared) {
      // In program order of the uses (the use list's order is not), where
      // the shared one is: a use in a loop keeps its hoisted buffer.
      Block *block = empty->getBlock();
      SmallVector<std::pair<Operation *, OpOperand *>> uses;
      for (OpOperand &use : empty->getUses())
        uses.push_back({block->findAncestorOpInBlock(*use.getOwner()), &use});
      llvm::sort(uses, [](const auto &a, const auto &b) {
        if (a.first != b.first)
          return a.first->isBeforeInBlock(b.first);
        return a.second->getOperandNumber() < b.second->getOperandNumber();
      });
      OpBuilder builder(empty);
      for (auto &[owner, use] : uses)
        use->set(builder.clone(*empty)->getResult(0));
      empty->erase();
    }
  }
};
} // namespace
