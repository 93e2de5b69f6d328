//===- ExpandFP8Casts.cpp - The mx-expand-fp8-casts pass ------------------===//

#include "mx/Dialect/MX/Transforms/Passes.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Dialect/MX/Utils/Elementwise.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXEXPANDFP8CASTSPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

static bool isFP8(Type type) {
  return isa<Float8E4M3FNType, Float8E5M2Type>(getElementTypeOrSelf(type));
}

/// In a reduction (e.g. a matmul) every FP8 input element is read many
/// times: decode the input once, into an f32 tensor, when the body only
/// widens it to f32 (exact either way).
static void decodeReusedInputs(IRRewriter &rewriter, linalg::GenericOp op) {
  if (op.getNumReductionLoops() == 0 || !op.hasPureTensorSemantics())
    return;
  Block &body = op.getRegion().front();
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto type = dyn_cast<RankedTensorType>(input->get().getType());
    if (!type || !type.hasStaticShape() || !isFP8(type))
      continue;
    BlockArgument arg = body.getArgument(input->getOperandNumber());
    bool onlyWidened = llvm::all_of(arg.getUsers(), [](Operation *user) {
      auto ext = dyn_cast<arith::ExtFOp>(user);
      return ext && ext.getType().isF32();
    });
    if (!onlyWidened || arg.use_empty())
      continue;
    rewriter.setInsertionPoint(op);
    Value decoded = buildElementwise(
        rewriter, op.getLoc(), input->get(), rewriter.getF32Type(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return buildExtendFP8(b, loc, args[0], b.getF32Type());
        });
    rewriter.modifyOpInPlace(op, [&] {
      input->set(decoded);
      arg.setType(rewriter.getF32Type());
    });
    for (Operation *user : llvm::make_early_inc_range(arg.getUsers()))
      rewriter.replaceOp(user, arg);
  }
}

namespace {
struct MXExpandFP8CastsPass final
    : mlir::mx::impl::MXExpandFP8CastsPassBase<MXExpandFP8CastsPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    // Named ops first: their bodies hold the casts once generalized.
    SmallVector<linalg::LinalgOp> named;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (!isa<linalg::GenericOp>(op) &&
          llvm::any_of(op->getOperandTypes(), isFP8))
        named.push_back(op);
    });
    for (linalg::LinalgOp op : named) {
      rewriter.setInsertionPoint(op);
      if (failed(linalg::generalizeNamedOp(rewriter, op))) {
        op->emitOpError() << "has FP8 operands but cannot be generalized to "
                             "expand its FP8 conversions";
        return signalPassFailure();
      }
    }
    SmallVector<linalg::GenericOp> generics;
    getOperation()->walk([&](linalg::GenericOp op) { generics.push_back(op); });
    for (linalg::GenericOp op : generics)
      decodeReusedInputs(rewriter, op);

    bool failed = false;
    getOperation()->walk([&](Operation *op) {
      auto ext = dyn_cast<arith::ExtFOp>(op);
      auto trunc = dyn_cast<arith::TruncFOp>(op);
      if (!(ext && isFP8(ext.getIn().getType())) &&
          !(trunc && isFP8(trunc.getType())))
        return;
      if (isa<ShapedType>(op->getResultTypes().front())) {
        op->emitOpError() << "converts FP8 on " << op->getResultTypes().front()
                          << "; only scalar FP8 casts are expanded (run "
                             "-mx-expand-fp8-casts before vectorization, "
                             "after -convert-elementwise-to-linalg)";
        failed = true;
        return;
      }
      rewriter.setInsertionPoint(op);
      Location loc = op->getLoc();
      Value result;
      if (ext) {
        result = buildExtendFP8(rewriter, loc, ext.getIn(),
                                cast<FloatType>(ext.getType()));
      } else {
        num::Rounding rounding = num::Rounding::NearestEven;
        if (std::optional<arith::RoundingMode> mode = trunc.getRoundingmode()) {
          if (*mode == arith::RoundingMode::toward_zero) {
            rounding = num::Rounding::TowardZero;
          } else if (*mode != arith::RoundingMode::to_nearest_even) {
            op->emitOpError()
                << "rounds with " << arith::stringifyRoundingMode(*mode)
                << "; FP8 truncation is expanded for "
                   "to_nearest_even and toward_zero only";
            failed = true;
            return;
          }
        }
        if (trunc.getIn().getType().getIntOrFloatBitWidth() > 32) {
          op->emitOpError() << "truncates " << trunc.getIn().getType()
                            << " to FP8; only f32, f16 and bf16 sources are "
                               "expanded (one rounding step)";
          failed = true;
          return;
        }
        Value noBits = arith::ConstantIntOp::create(rewriter, loc,
                                                    rewriter.getI32Type(), 0);
        result = buildRoundToFP8(rewriter, loc, trunc.getIn(),
                                 cast<FloatType>(trunc.getType()), rounding,
                                 num::Saturation::NonFinite, noBits);
      }
      rewriter.replaceOp(op, result);
    });
    if (failed)
      signalPassFailure();
  }
};
} // namespace
