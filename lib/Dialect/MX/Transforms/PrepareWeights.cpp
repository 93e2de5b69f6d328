//===- PrepareWeights.cpp - Quantize argument weights once ----------------===//
//
// A function whose `{mx.weight}` arguments are quantized in its body pays
// for the quantization on every call. The pass splits that work out: the
// part of the body that depends only on weights (layout ops, the
// quantizes) becomes `@<f>_prepare`, and `@<f>_prepared` takes its results
// in place of the weights, so a caller quantizes once and calls many times.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"

#include "ValuesReadBy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/BitVector.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXPREPAREWEIGHTSPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

namespace {

/// What of a function depends on its weights alone.
struct WeightSlice {
  /// The top-level ops the roots need, all computed from weight arguments
  /// and constants only, in program order.
  SmallVector<Operation *> ops;
  /// The values the prepare function returns: quantizes of weights, or
  /// mx.transpose of them (a weight stored N x K is quantized in row blocks
  /// and then transposed), each used by something that stays.
  SmallVector<Operation *> roots;
  /// The weight arguments the roots read, in argument order.
  SmallVector<BlockArgument> weights;
};

} // namespace

static bool isWeightArgument(func::FuncOp function, unsigned index) {
  return function.getArgAttr(index, "mx.weight") != nullptr;
}

static WeightSlice findWeightSlice(func::FuncOp function) {
  Block &body = function.getBody().front();
  // Values of weights alone, and values of constants alone (constants,
  // tensor.empty, ...): what may move into the prepare function.
  DenseSet<Value> fromWeights, fromConstants;
  for (BlockArgument arg : body.getArguments())
    if (isWeightArgument(function, arg.getArgNumber()))
      fromWeights.insert(arg);
  DenseSet<Operation *> movable;
  SetVector<Operation *> candidates;
  for (Operation &op : body.without_terminator()) {
    // Pure ops only, so that moving them keeps their meaning.
    if (!isPure(&op) || op.getNumResults() == 0)
      continue;
    bool readsWeight = false, movableInputs = true;
    for (Value input : valuesReadBy(op)) {
      if (fromWeights.contains(input))
        readsWeight = true;
      else if (!fromConstants.contains(input))
        movableInputs = false;
    }
    if (!movableInputs)
      continue;
    movable.insert(&op);
    for (Value result : op.getResults())
      (readsWeight ? fromWeights : fromConstants).insert(result);
    if (isa<QuantizeOp, TransposeOp>(op) && readsWeight)
      candidates.insert(&op);
  }
  // A quantize that only feeds mx.transpose candidates is not returned
  // itself: its transposes are.
  SmallVector<Operation *> roots;
  for (Operation *candidate : candidates)
    if (llvm::any_of(candidate->getUsers(), [&](Operation *user) {
          return !candidates.contains(user);
        }))
      roots.push_back(candidate);
  // What the roots need, in program order, and the weights they read.
  DenseSet<Operation *> needed;
  SmallVector<Operation *> worklist(roots.begin(), roots.end());
  llvm::BitVector weightUsed(body.getNumArguments());
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!needed.insert(op).second)
      continue;
    for (Value input : valuesReadBy(*op)) {
      if (auto arg = dyn_cast<BlockArgument>(input);
          arg && arg.getOwner() == &body)
        weightUsed.set(arg.getArgNumber());
      else if (Operation *def = input.getDefiningOp(); movable.contains(def))
        worklist.push_back(def);
    }
  }
  WeightSlice slice;
  slice.roots = std::move(roots);
  for (Operation &op : body.without_terminator())
    if (needed.contains(&op))
      slice.ops.push_back(&op);
  for (unsigned index : weightUsed.set_bits())
    slice.weights.push_back(body.getArgument(index));
  return slice;
}

/// Where an argument of @<f>_prepare or @<f>_prepared was in @<f>.
static constexpr StringLiteral kArgumentAttr = "mx.argument";

/// `@<f>_prepare(weights...) -> (quantized weights...)`.
static func::FuncOp buildPrepare(OpBuilder &builder, func::FuncOp function,
                                 const WeightSlice &slice, StringRef name) {
  SmallVector<Type> inputs, results;
  for (BlockArgument weight : slice.weights)
    inputs.push_back(weight.getType());
  for (Operation *root : slice.roots)
    results.push_back(root->getResult(0).getType());
  auto prepare = func::FuncOp::create(builder, function.getLoc(), name,
                                      builder.getFunctionType(inputs, results));
  for (auto [index, weight] : llvm::enumerate(slice.weights)) {
    prepare.setArgAttrs(index, function.getArgAttrDict(weight.getArgNumber()));
    prepare.setArgAttr(index, kArgumentAttr,
                       builder.getI64IntegerAttr(weight.getArgNumber()));
  }
  Block *entry = prepare.addEntryBlock();
  OpBuilder body = OpBuilder::atBlockBegin(entry);
  IRMapping mapping;
  for (auto [weight, arg] : llvm::zip(slice.weights, entry->getArguments()))
    mapping.map(weight, arg);
  for (Operation *op : slice.ops)
    body.clone(*op, mapping);
  SmallVector<Value> returned;
  for (Operation *root : slice.roots)
    returned.push_back(mapping.lookup(root->getResult(0)));
  func::ReturnOp::create(body, function.getLoc(), returned);
  return prepare;
}

/// `@<f>_prepared(the arguments still used..., quantized weights...)`.
static func::FuncOp buildPrepared(OpBuilder &builder, func::FuncOp function,
                                  const WeightSlice &slice, StringRef name) {
  IRMapping mapping;
  auto prepared = cast<func::FuncOp>(builder.clone(*function, mapping));
  prepared.setSymName(name);
  // Each argument says where it was in @f, for callers after erasures.
  for (unsigned i = 0, e = prepared.getNumArguments(); i < e; ++i)
    prepared.setArgAttr(i, kArgumentAttr, builder.getI64IntegerAttr(i));
  Block &body = prepared.getBody().front();
  for (auto [index, root] : llvm::enumerate(slice.roots)) {
    Value result = root->getResult(0);
    unsigned position = prepared.getNumArguments();
    if (failed(prepared.insertArgument(
            position, result.getType(),
            builder.getDictionaryAttr(builder.getNamedAttr(
                "mx.prepared_weight", builder.getI64IntegerAttr(index))),
            root->getLoc())))
      llvm_unreachable("func.func takes any argument");
    mapping.lookup(result).replaceAllUsesWith(body.getArguments().back());
  }
  // The slice is dead in the clone now: erase it, last op first.
  for (Operation *op : llvm::reverse(slice.ops)) {
    Operation *copy = mapping.lookup(op);
    if (copy->use_empty())
      copy->erase();
  }
  llvm::BitVector unused(prepared.getNumArguments());
  for (BlockArgument weight : slice.weights)
    if (body.getArgument(weight.getArgNumber()).use_empty())
      unused.set(weight.getArgNumber());
  if (failed(prepared.eraseArguments(unused)))
    llvm_unreachable("func.func erases any argument");
  return prepared;
}

namespace {

struct MXPrepareWeightsPass final
    : mx::impl::MXPrepareWeightsPassBase<MXPrepareWeightsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
    for (func::FuncOp function : functions) {
      if (function.isExternal() || !function.getBody().hasOneBlock() ||
          llvm::none_of(llvm::seq(function.getNumArguments()), [&](unsigned i) {
            return isWeightArgument(function, i);
          }))
        continue;
      WeightSlice slice = findWeightSlice(function);
      if (slice.roots.empty()) {
        function.emitRemark()
            << "mx-prepare-weights: no quantize of {mx.weight} arguments at "
               "the function's top level; nothing to prepare";
        continue;
      }
      std::string prepareName = (function.getSymName() + "_prepare").str(),
                  preparedName = (function.getSymName() + "_prepared").str();
      for (StringRef name : {StringRef(prepareName), StringRef(preparedName)})
        if (symbols.lookup(name)) {
          function.emitError() << "mx-prepare-weights: the module already "
                                  "has a symbol named '"
                               << name << "'";
          return signalPassFailure();
        }
      OpBuilder builder(function->getContext());
      builder.setInsertionPointAfter(function);
      func::FuncOp prepared =
          buildPrepared(builder, function, slice, preparedName);
      builder.setInsertionPoint(prepared);
      buildPrepare(builder, function, slice, prepareName);
    }
  }
};

} // namespace
