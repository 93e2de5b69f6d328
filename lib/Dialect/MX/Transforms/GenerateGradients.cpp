//===- GenerateGradients.cpp - Reverse-mode gradients of a loss function --===//
//
// The gradient function is the forward body cloned, followed by the
// backward sweep: ops in reverse order, each turning its results' adjoints
// into its operands' (GradientRules.h). Only values that depend on a
// differentiated argument ("active") get adjoints, so constants, masks and
// integer index computations cost nothing backward.
//
//===----------------------------------------------------------------------===//

#include "GradientRules.h"

#include "mx/Dialect/MX/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXGENERATEGRADIENTSPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;
using namespace mlir::mx::gradients;

static constexpr llvm::StringLiteral kWrtAttr = "mx.wrt";

/// The loss: the one float scalar or one-element tensor `function` returns.
static FailureOr<Value> lossOf(func::FuncOp function) {
  auto fail = [&](const Twine &why) {
    return function.emitError("mx-generate-gradients: @")
           << function.getSymName() << " " << why;
  };
  if (!function.getBody().hasOneBlock())
    return fail("must have a single block");
  auto ret = cast<func::ReturnOp>(function.getBody().front().getTerminator());
  if (ret.getNumOperands() != 1)
    return fail("must return exactly one value, the loss");
  Value loss = ret.getOperand(0);
  auto shaped = dyn_cast<RankedTensorType>(loss.getType());
  if (!isFloatLike(loss.getType()) ||
      (shaped && (!shaped.hasStaticShape() || shaped.getNumElements() != 1)))
    return fail("must return a scalar loss (a float or a one-element float "
                "tensor), not ")
           << loss.getType();
  return loss;
}

FailureOr<func::FuncOp> mlir::mx::buildGradientFunction(func::FuncOp forward,
                                                        ArrayRef<unsigned> wrt,
                                                        bool lossScaleArgument,
                                                        SymbolTable &symbols) {
  FailureOr<Value> forwardLoss = lossOf(forward);
  if (failed(forwardLoss))
    return failure();
  for (unsigned index : wrt)
    if (index >= forward.getNumArguments() ||
        !isFloatLike(forward.getArgumentTypes()[index]))
      return forward.emitError("mx-generate-gradients: @")
             << forward.getSymName() << " has no floating-point argument #"
             << index << " to differentiate";
  std::string name = (forward.getSymName() + "_grad").str();
  if (symbols.lookup(name))
    return forward.emitError("mx-generate-gradients: @")
           << name << " already exists";

  MLIRContext *context = forward.getContext();
  Type lossType = (*forwardLoss).getType();
  SmallVector<Type> argTypes(forward.getArgumentTypes());
  if (lossScaleArgument)
    argTypes.push_back(getElementTypeOrSelf(lossType));
  SmallVector<Type> resultTypes{lossType};
  for (unsigned index : wrt)
    resultTypes.push_back(forward.getArgumentTypes()[index]);
  OpBuilder b(context);
  b.setInsertionPointAfter(forward);
  auto gradient =
      func::FuncOp::create(b, forward.getLoc(), name,
                           FunctionType::get(context, argTypes, resultTypes));
  symbols.insert(gradient);
  for (unsigned i = 0; i < forward.getNumArguments(); ++i)
    copyArgAttrs(forward, i, gradient, i);
  gradient->setAttr("mx.gradient_of", FlatSymbolRefAttr::get(forward));

  IRMapping mapping;
  forward.getBody().cloneInto(&gradient.getBody(), mapping);
  Block &block = gradient.getBody().front();
  Value lossScale;
  if (lossScaleArgument)
    lossScale = block.addArgument(argTypes.back(), forward.getLoc());
  Operation *ret = block.getTerminator();
  Value loss = ret->getOperand(0);
  ret->erase();
  auto abandon = [&]() -> FailureOr<func::FuncOp> {
    symbols.erase(gradient); // out of the table too: no dangling entry
    return failure();
  };
  if (failed(decomposeAggregateOps(gradient)))
    return abandon();

  // Activity: what depends on a differentiated argument.
  DenseSet<Value> active;
  for (unsigned index : wrt)
    active.insert(block.getArgument(index));
  for (Operation &op : block) {
    bool reads = llvm::any_of(op.getOperands(),
                              [&](Value v) { return active.contains(v); });
    for (Region &region : op.getRegions())
      region.walk([&](Operation *inner) {
        for (Value v : inner->getOperands())
          reads |= active.contains(v);
      });
    if (reads)
      for (Value result : op.getResults())
        if (isFloatLike(result.getType()))
          active.insert(result);
  }

  b.setInsertionPointToEnd(&block);
  Location loc = forward.getLoc();
  Adjoints adjoints(b, [&](Value v) { return active.contains(v); });
  adjoints.add(loss, [&]() -> Value {
    if (!lossScale)
      return floatConstant(b, loc, lossType, 1.0);
    if (!isa<RankedTensorType>(lossType))
      return lossScale;
    return tensor::SplatOp::create(b, loc, lossType, lossScale);
  });

  SmallVector<Operation *> ops;
  for (Operation &op : block)
    ops.push_back(&op);
  for (Operation *op : llvm::reverse(ops)) {
    SmallVector<Value> resultAdjoints;
    bool any = false;
    for (Value result : op->getResults()) {
      resultAdjoints.push_back(adjoints.get(result));
      any |= resultAdjoints.back() != nullptr;
    }
    if (!any)
      continue;
    if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
      if (failed(differentiateStructured(linalgOp, resultAdjoints, adjoints)))
        return abandon();
      continue;
    }
    if (hasElementwiseRule(op)) {
      differentiateElementwise(op, resultAdjoints[0], adjoints);
      continue;
    }
    if (succeeded(differentiateTensorOp(op, resultAdjoints[0], adjoints)))
      continue;
    op->emitError("mx-generate-gradients: cannot differentiate '")
        << op->getName() << "' (no gradient rule), on the way from a "
        << "differentiated argument of @" << forward.getSymName()
        << " to its loss";
    return abandon();
  }

  SmallVector<Value> returned{loss};
  for (unsigned index : wrt) {
    Value argument = block.getArgument(index);
    Value adjoint = adjoints.get(argument);
    if (!adjoint) // the loss does not depend on it
      adjoint =
          isa<RankedTensorType>(argument.getType())
              ? zeroTensor(b, loc, cast<RankedTensorType>(argument.getType()))
              : floatConstant(b, loc, argument.getType(), 0.0);
    returned.push_back(adjoint);
  }
  func::ReturnOp::create(b, loc, returned);

  // The canonical form: dead forward code, unread generic inputs and
  // constant arithmetic of the rules go.
  RewritePatternSet patterns(context);
  for (Dialect *dialect : context->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : context->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, context);
  linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
  if (failed(applyPatternsGreedily(gradient, std::move(patterns)))) {
    gradient.emitError("mx-generate-gradients: canonicalization did not "
                       "converge");
    return abandon();
  }
  return gradient;
}

FailureOr<SmallVector<Differentiated>> gradients::functionsToDifferentiate(
    ModuleOp module, SymbolTable &symbols, StringRef pass, StringRef function,
    ArrayRef<unsigned> wrt, bool allFloatTensors) {
  if (function.empty() && !wrt.empty())
    return module.emitError(pass) << ": wrt= needs function=";
  SmallVector<Differentiated> work;
  if (!function.empty()) {
    auto forward = symbols.lookup<func::FuncOp>(function);
    if (!forward)
      return module.emitError(pass) << ": no function @" << function;
    SmallVector<unsigned> indices(wrt);
    if (indices.empty() && allFloatTensors)
      for (auto [index, type] : llvm::enumerate(forward.getArgumentTypes()))
        if (isa<RankedTensorType>(type) && isFloatLike(type))
          indices.push_back(index);
    work.push_back({forward, indices});
    return work;
  }
  for (auto forward : module.getOps<func::FuncOp>()) {
    SmallVector<unsigned> indices;
    for (unsigned i = 0; i < forward.getNumArguments(); ++i)
      if (forward.getArgAttr(i, kWrtAttr))
        indices.push_back(i);
    if (!indices.empty())
      work.push_back({forward, indices});
  }
  return work;
}

void gradients::copyArgAttrs(func::FuncOp source, unsigned from,
                             func::FuncOp target, unsigned to) {
  for (NamedAttribute attr : function_interface_impl::getArgAttrs(source, from))
    if (attr.getName() != kWrtAttr)
      target.setArgAttr(to, attr.getName(), attr.getValue());
}

void gradients::consumeWrtMarkers(func::FuncOp function) {
  for (unsigned i = 0; i < function.getNumArguments(); ++i)
    function.removeArgAttr(i, kWrtAttr);
}

namespace {

struct MXGenerateGradientsPass final
    : mx::impl::MXGenerateGradientsPassBase<MXGenerateGradientsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    FailureOr<SmallVector<Differentiated>> work =
        functionsToDifferentiate(module, symbols, getArgument(), function, wrt,
                                 /*allFloatTensors=*/true);
    if (failed(work))
      return signalPassFailure();
    if (work->empty()) {
      module.emitError("mx-generate-gradients: no function to "
                       "differentiate: mark arguments {mx.wrt} or name one "
                       "with function=");
      return signalPassFailure();
    }
    for (auto &[forward, indices] : *work) {
      if (failed(buildGradientFunction(forward, indices, lossScaleArgument,
                                       symbols)))
        return signalPassFailure();
      consumeWrtMarkers(forward);
    }
  }
};

} // namespace
