//===- SplitLayers.cpp - Layer stages and a layer-major driver ------------===//
//
// Layer-to-layer execution runs a model one layer at a time over many
// micro-batches, so that a layer's weights are read once per batch. The
// pass cuts a function at its parameter-reading products into one stage
// function per layer and builds the driver that calls them layer-major.
//
// Placement: a layer's product and every op it feeds that is not pure
// enough to recompute go to the earliest layer their inputs allow; pure
// ops that only prepare parameters or produce MX tensors are cloned into
// every layer that uses them, so that what crosses layers is f32
// activations, never weights or MX data.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"

#include "ValuesReadBy.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXSPLITLAYERSPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

static constexpr StringLiteral kLayerStart = "mx.layer_start";

static bool isParameterArgument(func::FuncOp function, unsigned index) {
  return llvm::any_of(
      ArrayRef<StringRef>{"mx.weight", "mx.wrt", "mx.prepared_weight"},
      [&](StringRef name) { return function.getArgAttr(index, name); });
}

/// The factors of a product (not a linalg op's init), or none when `op`
/// is not one.
static SmallVector<Value> productFactors(Operation &op) {
  if (auto matmul = dyn_cast<MatmulOp>(op))
    return {matmul.getLhs(), matmul.getRhs()};
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
      linalgOp && linalgOp.getNumReductionLoops() > 0)
    return linalgOp.getDpsInputs();
  return {};
}

/// A ranked tensor of static shape whose elements are not MX data: what
/// the driver stacks over micro-batches.
static bool isStackable(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.hasStaticShape();
}

namespace {

/// Where each top-level op of a function goes.
struct LayerPlan {
  unsigned layers = 0;
  /// The layer of an op computed once (products and what follows them).
  DenseMap<Operation *, unsigned> layerOf;
  /// The layers that recompute a pure op (parameter preparation,
  /// constants, MX-typed values).
  DenseMap<Operation *, llvm::SmallSetVector<unsigned, 2>> clonedInto;
  /// Per layer: its ops in program order.
  SmallVector<SmallVector<Operation *>> ops;
};

} // namespace

/// Plans the layers of `function`; zero layers when it has no product
/// reading a parameter and no `{mx.layer_start}` op.
static LayerPlan planLayers(func::FuncOp function) {
  Block &body = function.getBody().front();
  // Values of parameters and constants alone.
  DenseSet<Value> fixed;
  for (BlockArgument arg : body.getArguments())
    if (isParameterArgument(function, arg.getArgNumber()))
      fixed.insert(arg);
  LayerPlan plan;
  DenseSet<Operation *> recomputed;
  DenseMap<Operation *, unsigned> earliest;
  for (Operation &op : body.without_terminator()) {
    bool readsActivation = false;
    unsigned start = 0;
    for (Value input : valuesReadBy(op)) {
      readsActivation |= !fixed.contains(input);
      if (Operation *def = input.getDefiningOp();
          def && def->getBlock() == &body)
        start = std::max(start, earliest.lookup(def));
    }
    const bool pure = isPure(&op) && op.getNumResults() > 0;
    if (pure && !readsActivation) {
      for (Value result : op.getResults())
        fixed.insert(result);
      recomputed.insert(&op);
      earliest[&op] = start;
      continue;
    }
    SmallVector<Value> factors = productFactors(op);
    if (op.hasAttr(kLayerStart) ||
        (llvm::any_of(factors, [&](Value v) { return fixed.contains(v); }) &&
         llvm::any_of(factors, [&](Value v) { return !fixed.contains(v); }))) {
      earliest[&op] = plan.layerOf[&op] = plan.layers++;
      continue;
    }
    earliest[&op] = start;
    bool mxTyped = llvm::any_of(op.getResultTypes(), [](Type type) {
      return !isa<RankedTensorType>(type);
    });
    if (pure && mxTyped)
      recomputed.insert(&op);
    else
      plan.layerOf[&op] = start;
  }
  if (plan.layers == 0)
    return plan;
  // A recomputed op goes where its users are, last user first.
  const unsigned last = plan.layers - 1;
  for (Operation &op : llvm::reverse(body.without_terminator())) {
    if (!recomputed.contains(&op))
      continue;
    llvm::SmallSetVector<unsigned, 2> into;
    for (Operation *user : op.getUsers()) {
      Operation *top = body.findAncestorOpInBlock(*user);
      if (top->hasTrait<OpTrait::IsTerminator>())
        into.insert(last);
      else if (auto it = plan.layerOf.find(top); it != plan.layerOf.end())
        into.insert(it->second);
      else if (auto cloned = plan.clonedInto.find(top);
               cloned != plan.clonedInto.end())
        into.insert(cloned->second.begin(), cloned->second.end());
    }
    plan.clonedInto[&op] = std::move(into);
  }
  plan.ops.resize(plan.layers);
  for (Operation &op : body.without_terminator()) {
    if (auto it = plan.layerOf.find(&op); it != plan.layerOf.end())
      plan.ops[it->second].push_back(&op);
    else
      for (unsigned layer : plan.clonedInto.lookup(&op))
        plan.ops[layer].push_back(&op);
  }
  return plan;
}

namespace {

/// One layer's function: what it reads from outside, what it hands on.
struct Stage {
  SmallVector<Value> activations; // values of earlier layers or arguments
  SmallVector<BlockArgument> parameters;
  SmallVector<Value> results; // values later layers or the return read
  func::FuncOp function;
};

} // namespace

static SmallVector<Stage> findStages(func::FuncOp function,
                                     const LayerPlan &plan) {
  Block &body = function.getBody().front();
  Operation *terminator = body.getTerminator();
  SmallVector<Stage> stages(plan.layers);
  // The layer that computes each value read across layers.
  DenseMap<Value, unsigned> producer;
  for (auto [layer, ops] : llvm::enumerate(plan.ops)) {
    DenseSet<Operation *> inLayer(ops.begin(), ops.end());
    llvm::SetVector<Value> activations;
    llvm::SetVector<BlockArgument> parameters;
    for (Operation *op : ops)
      for (Value input : valuesReadBy(*op)) {
        Operation *def = input.getDefiningOp();
        if (def && (def->getBlock() != &body || inLayer.contains(def)))
          continue;
        auto arg = dyn_cast<BlockArgument>(input);
        if (arg && arg.getOwner() == &body &&
            isParameterArgument(function, arg.getArgNumber()))
          parameters.insert(arg);
        else
          activations.insert(input);
      }
    stages[layer].activations = activations.takeVector();
    // Arguments in the order of @f's.
    SmallVector<BlockArgument> sorted(parameters.begin(), parameters.end());
    llvm::sort(sorted, [](BlockArgument a, BlockArgument b) {
      return a.getArgNumber() < b.getArgNumber();
    });
    stages[layer].parameters = std::move(sorted);
  }
  // Results: values a later layer reads, and the returned values, from the
  // layer that computes them once (recomputed ones: the last layer).
  auto isReadAfter = [&](Value value, unsigned layer) {
    for (unsigned later = layer + 1; later < plan.layers; ++later)
      if (llvm::is_contained(stages[later].activations, value))
        return true;
    return llvm::is_contained(terminator->getOperands(), value) &&
           (plan.layerOf.contains(value.getDefiningOp()) ||
            layer + 1 == plan.layers);
  };
  for (auto [layer, ops] : llvm::enumerate(plan.ops))
    for (Operation *op : ops)
      for (Value result : op->getResults())
        if (isReadAfter(result, layer) &&
            !llvm::is_contained(stages[layer].results, result))
          stages[layer].results.push_back(result);
  return stages;
}

/// The first value that cannot be stacked over micro-batches, with what
/// reads it; success when every crossing value can.
static LogicalResult checkStackable(func::FuncOp function,
                                    ArrayRef<Stage> stages) {
  Block &body = function.getBody().front();
  for (BlockArgument arg : body.getArguments())
    if (!isParameterArgument(function, arg.getArgNumber()) &&
        !isStackable(arg.getType()))
      return function.emitError()
             << "mx-split-layers: activation argument #" << arg.getArgNumber()
             << " of type " << arg.getType()
             << " is not a ranked tensor of static shape; the driver stacks "
                "activations over micro-batches";
  for (auto [index, value] :
       llvm::enumerate(body.getTerminator()->getOperands()))
    if (!isStackable(value.getType()) ||
        (isa<BlockArgument>(value) &&
         isParameterArgument(function,
                             cast<BlockArgument>(value).getArgNumber())))
      return function.emitError()
             << "mx-split-layers: result #" << index << " of type "
             << value.getType()
             << " is not an activation of static shape; the driver stacks "
                "results over micro-batches";
  for (auto [layer, stage] : llvm::enumerate(stages))
    for (Value value : stage.activations)
      if (!isStackable(value.getType())) {
        Operation *def = value.getDefiningOp();
        return (def ? def : function.getOperation())->emitError()
               << "mx-split-layers: this value of type " << value.getType()
               << " crosses into layer " << layer
               << "; only ranked tensors of static shape cross layers";
      }
  return success();
}

static func::FuncOp buildStage(OpBuilder &builder, func::FuncOp function,
                               const Stage &stage, ArrayRef<Operation *> ops,
                               unsigned layer) {
  Location loc = function.getLoc();
  SmallVector<Type> inputs, results;
  for (Value value : stage.activations)
    inputs.push_back(value.getType());
  for (BlockArgument parameter : stage.parameters)
    inputs.push_back(parameter.getType());
  for (Value value : stage.results)
    results.push_back(value.getType());
  std::string name = (function.getSymName() + "_layer" + Twine(layer)).str();
  auto stageFunction = func::FuncOp::create(
      builder, loc, name, builder.getFunctionType(inputs, results));
  stageFunction->setAttr("mx.layer", builder.getI64IntegerAttr(layer));
  const unsigned first = stage.activations.size();
  for (auto [index, parameter] : llvm::enumerate(stage.parameters)) {
    unsigned position = parameter.getArgNumber();
    stageFunction.setArgAttrs(first + index, function.getArgAttrDict(position));
    stageFunction.setArgAttr(first + index, "mx.argument",
                             builder.getI64IntegerAttr(position));
  }
  Block *entry = stageFunction.addEntryBlock();
  IRMapping mapping;
  for (auto [value, arg] :
       llvm::zip(stage.activations, entry->getArguments().take_front(first)))
    mapping.map(value, arg);
  for (auto [parameter, arg] :
       llvm::zip(stage.parameters, entry->getArguments().drop_front(first)))
    mapping.map(Value(parameter), arg);
  OpBuilder body = OpBuilder::atBlockBegin(entry);
  for (Operation *op : ops)
    body.clone(*op, mapping);
  SmallVector<Value> returned;
  for (Value value : stage.results)
    returned.push_back(mapping.lookup(value));
  func::ReturnOp::create(body, loc, returned);
  return stageFunction;
}

static RankedTensorType stacked(Type type, int64_t microBatches) {
  auto tensor = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape{microBatches};
  llvm::append_range(shape, tensor.getShape());
  return RankedTensorType::get(shape, tensor.getElementType());
}

/// The offsets, sizes and strides of micro-batch `index` of a stacked
/// `tensor`.
static void microBatchSlice(OpBuilder &b, RankedTensorType tensor, Value index,
                            SmallVector<OpFoldResult> &offsets,
                            SmallVector<OpFoldResult> &sizes,
                            SmallVector<OpFoldResult> &strides) {
  offsets.assign(tensor.getRank() + 1, b.getIndexAttr(0));
  offsets[0] = index;
  sizes.assign({b.getIndexAttr(1)});
  for (int64_t dim : tensor.getShape())
    sizes.push_back(b.getIndexAttr(dim));
  strides.assign(tensor.getRank() + 1, b.getIndexAttr(1));
}

/// `@<f>_l2l`: each layer over every micro-batch, layer after layer.
static void buildDriver(OpBuilder &builder, func::FuncOp function,
                        ArrayRef<Stage> stages, int64_t microBatches) {
  Location loc = function.getLoc();
  Block &body = function.getBody().front();
  SmallVector<Type> inputs, results;
  for (BlockArgument arg : body.getArguments())
    inputs.push_back(isParameterArgument(function, arg.getArgNumber())
                         ? arg.getType()
                         : stacked(arg.getType(), microBatches));
  for (Type type : function.getResultTypes())
    results.push_back(stacked(type, microBatches));
  auto driver =
      func::FuncOp::create(builder, loc, (function.getSymName() + "_l2l").str(),
                           builder.getFunctionType(inputs, results));
  driver->setAttr("mx.micro_batches", builder.getI64IntegerAttr(microBatches));
  for (BlockArgument arg : body.getArguments())
    if (isParameterArgument(function, arg.getArgNumber()))
      driver.setArgAttrs(arg.getArgNumber(),
                         function.getArgAttrDict(arg.getArgNumber()));
  Block *entry = driver.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  // Each activation of @f and its stacked form in the driver.
  DenseMap<Value, Value> stackOf;
  for (BlockArgument arg : body.getArguments())
    stackOf[arg] = entry->getArgument(arg.getArgNumber());
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value count = arith::ConstantIndexOp::create(b, loc, microBatches);
  for (const Stage &stage : stages) {
    SmallVector<Value> empties;
    for (Value value : stage.results) {
      RankedTensorType type = stacked(value.getType(), microBatches);
      empties.push_back(tensor::EmptyOp::create(b, loc, type.getShape(),
                                                type.getElementType()));
    }
    auto loop = scf::ForOp::create(
        b, loc, zero, count, one, empties,
        [&](OpBuilder &nb, Location l, Value index, ValueRange buffers) {
          SmallVector<OpFoldResult> offsets, sizes, strides;
          SmallVector<Value> operands;
          for (Value value : stage.activations) {
            auto type = cast<RankedTensorType>(value.getType());
            microBatchSlice(nb, type, index, offsets, sizes, strides);
            operands.push_back(tensor::ExtractSliceOp::create(
                nb, l, type, stackOf.lookup(value), offsets, sizes, strides));
          }
          for (BlockArgument parameter : stage.parameters)
            operands.push_back(entry->getArgument(parameter.getArgNumber()));
          auto call = func::CallOp::create(nb, l, stage.function, operands);
          SmallVector<Value> updated;
          for (auto [value, result, buffer] :
               llvm::zip(stage.results, call.getResults(), buffers)) {
            auto type = cast<RankedTensorType>(value.getType());
            microBatchSlice(nb, type, index, offsets, sizes, strides);
            updated.push_back(tensor::InsertSliceOp::create(
                nb, l, result, buffer, offsets, sizes, strides));
          }
          scf::YieldOp::create(nb, l, updated);
        });
    for (auto [value, result] : llvm::zip(stage.results, loop.getResults()))
      stackOf[value] = result;
  }
  SmallVector<Value> returned;
  for (Value value : body.getTerminator()->getOperands())
    returned.push_back(stackOf.lookup(value));
  func::ReturnOp::create(b, loc, returned);
}

namespace {

struct MXSplitLayersPass final
    : mx::impl::MXSplitLayersPassBase<MXSplitLayersPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (microBatches < 1) {
      module.emitError() << "mx-split-layers: micro-batches must be at least "
                            "1, not "
                         << static_cast<int64_t>(microBatches);
      return signalPassFailure();
    }
    SymbolTable symbols(module);
    if (!function.empty() && !symbols.lookup<func::FuncOp>(function)) {
      module.emitError() << "mx-split-layers: no function named '" << function
                         << "'";
      return signalPassFailure();
    }
    SmallVector<func::FuncOp> functions(module.getOps<func::FuncOp>());
    for (func::FuncOp candidate : functions) {
      const bool named = candidate.getSymName() == function;
      if ((!function.empty() && !named) || candidate.isExternal() ||
          candidate->hasAttr("mx.layer") ||
          candidate->hasAttr("mx.micro_batches"))
        continue;
      if (!candidate.getBody().hasOneBlock()) {
        if (named) {
          candidate.emitError() << "mx-split-layers: the function has more "
                                   "than one block";
          return signalPassFailure();
        }
        continue;
      }
      LayerPlan plan = planLayers(candidate);
      if (plan.layers == 0) {
        if (named) {
          candidate.emitError()
              << "mx-split-layers: no layer to split at: no product reads "
                 "a parameter argument ({mx.weight}, {mx.wrt} or "
                 "{mx.prepared_weight}) and no op is marked {mx.layer_start}";
          return signalPassFailure();
        }
        continue;
      }
      if (failed(splitFunction(candidate, plan, symbols)))
        return signalPassFailure();
    }
  }

  LogicalResult splitFunction(func::FuncOp function, const LayerPlan &plan,
                              SymbolTable &symbols) {
    SmallVector<Stage> stages = findStages(function, plan);
    if (failed(checkStackable(function, stages)))
      return failure();
    SmallVector<std::string> names;
    for (unsigned layer = 0; layer < plan.layers; ++layer)
      names.push_back((function.getSymName() + "_layer" + Twine(layer)).str());
    names.push_back((function.getSymName() + "_l2l").str());
    for (StringRef name : names)
      if (symbols.lookup(name))
        return function.emitError()
               << "mx-split-layers: the module already has a symbol named '"
               << name << "'";
    OpBuilder builder(function->getContext());
    builder.setInsertionPointAfter(function);
    for (auto [layer, stage] : llvm::enumerate(stages)) {
      stage.function =
          buildStage(builder, function, stage, plan.ops[layer], layer);
      builder.setInsertionPointAfter(stage.function);
    }
    buildDriver(builder, function, stages, microBatches);
    return success();
  }
};

} // namespace
