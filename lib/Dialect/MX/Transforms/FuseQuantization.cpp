//===- FuseQuantization.cpp - Dequantize into matrix products -------------===//

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"
#include "mx/Dialect/MX/Utils/Contraction.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXFUSEQUANTIZATIONPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

namespace {

/// The MX operands of a product of two dequantized tensors, or why not.
FailureOr<std::pair<Value, Value>> fusableOperands(const Contraction &c,
                                                   std::string &reason) {
  auto fail = [&](StringRef why) -> FailureOr<std::pair<Value, Value>> {
    reason = why.str();
    return failure();
  };
  auto lhs = c.a.getDefiningOp<DequantizeOp>();
  auto rhs = c.b.getDefiningOp<DequantizeOp>();
  if (c.batch != -1 || c.m == -1 || c.n == -1)
    return fail("only 2-D products (M x K times K x N) are fused");
  if (c.aDims != SmallVector<int64_t>{c.m, c.k} ||
      c.bDims != SmallVector<int64_t>{c.k, c.n})
    return fail("an operand is used transposed");
  if (!lhs || !rhs)
    return fail("only one operand is dequantized (mx.matmul takes two MX "
                "operands)");
  for (DequantizeOp dequantize : {lhs, rhs})
    if (!dequantize.getType().getElementType().isF32())
      return fail("a dequantize to a type narrower than f32 has rounded");
  BlockTensorType lhsType = lhs.getInput().getType(),
                  rhsType = rhs.getInput().getType();
  int64_t lhsBlock = lhsType.getBlockShape()[1],
          rhsBlock = rhsType.getBlockShape()[0];
  if (lhsBlock < 2 || rhsBlock < 2 || lhsBlock != rhsBlock)
    return fail("the operands are not blocked along K with one block size");
  return std::pair<Value, Value>(lhs.getInput(), rhs.getInput());
}

struct MXFuseQuantizationPass final
    : mx::impl::MXFuseQuantizationPassBase<MXFuseQuantizationPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.getNumDpsInputs() == 2 &&
          llvm::any_of(op.getDpsInputs(), [](Value v) {
            return v.getDefiningOp<DequantizeOp>();
          }))
        candidates.push_back(op);
    });
    for (linalg::LinalgOp op : candidates) {
      std::string reason;
      FailureOr<Contraction> contraction = analyzeContraction(op, reason);
      FailureOr<std::pair<Value, Value>> operands =
          succeeded(contraction) ? fusableOperands(*contraction, reason)
                                 : FailureOr<std::pair<Value, Value>>(failure());
      if (failed(operands)) {
        op->emitRemark() << "mx-fuse-quantization: not fused: " << reason;
        continue;
      }
      auto [lhs, rhs] = *operands;
      OpBuilder builder(op);
      Location loc = op.getLoc();
      auto lhsType = cast<BlockTensorType>(lhs.getType());
      auto rhsType = cast<BlockTensorType>(rhs.getType());
      Value product = MatmulOp::create(
          builder, loc,
          RankedTensorType::get({lhsType.getShape()[0], rhsType.getShape()[1]},
                                builder.getF32Type()),
          lhs, rhs);
      Value result = accumulateInto(builder, loc, product, contraction->init,
                                    isZeroInit(contraction->init));
      op->getResult(0).replaceAllUsesWith(result);
      Operation *dequantizes[] = {contraction->a.getDefiningOp(),
                                  contraction->b.getDefiningOp()};
      op->erase();
      for (Operation *dequantize : dequantizes)
        if (dequantize->use_empty())
          dequantize->erase();
    }
  }
};

} // namespace
