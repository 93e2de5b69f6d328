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

/// Whether `value` is one of `function`'s parameter arguments.
static bool isParameter(func::FuncOp function, Value value) {
  auto arg = dyn_cast<BlockArgument>(value);
  return arg && arg.getOwner() == &function.getBody().front() &&
         isParameterArgument(function, arg.getArgNumber());
}

/// `@<f><suffix>`: the functions the pass adds to `function`.
static std::string addedName(func::FuncOp function, const Twine &suffix) {
  return (function.getSymName() + suffix).str();
}

static std::string layerName(func::FuncOp function, unsigned layer) {
  return addedName(function, "_layer" + Twine(layer));
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
  /// Pure ops computed from parameters (and constants) alone: a layer's
  /// weight preparation, run once per layer by its weights function.
  DenseSet<Operation *> weightOps;
  /// Per layer: its ops in program order.
  SmallVector<SmallVector<Operation *>> ops;
};

} // namespace

/// Plans the layers of `function`; zero layers when it has no product
/// reading a parameter and no `{mx.layer_start}` op.
static LayerPlan planLayers(func::FuncOp function) {
  Block &body = function.getBody().front();
  // Values of parameters and constants alone, and those among them that
  // depend on a parameter.
  DenseSet<Value> fixed, fromParameter;
  for (BlockArgument arg : body.getArguments())
    if (isParameterArgument(function, arg.getArgNumber())) {
      fixed.insert(arg);
      fromParameter.insert(arg);
    }
  LayerPlan plan;
  DenseSet<Operation *> recomputed;
  DenseMap<Operation *, unsigned> earliest;
  for (Operation &op : body.without_terminator()) {
    SmallVector<Value> inputs = valuesReadBy(op);
    bool readsActivation = false;
    unsigned start = 0;
    for (Value input : inputs) {
      readsActivation |= !fixed.contains(input);
      if (Operation *def = input.getDefiningOp();
          def && def->getBlock() == &body)
        start = std::max(start, earliest.lookup(def));
    }
    const bool pure = isPure(&op) && op.getNumResults() > 0;
    if (pure && !readsActivation) {
      bool readsParameter = llvm::any_of(
          inputs, [&](Value v) { return fromParameter.contains(v); });
      for (Value result : op.getResults()) {
        fixed.insert(result);
        if (readsParameter)
          fromParameter.insert(result);
      }
      if (readsParameter)
        plan.weightOps.insert(&op);
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

/// One layer's functions: what they read from outside, what they hand on.
struct Stage {
  /// The layer function's ops, and its weights function's (none when the
  /// layer prepares no weight).
  SmallVector<Operation *> ops, weightOps;
  SmallVector<Value> activations; // values of earlier layers or arguments
  SmallVector<BlockArgument> parameters, weightParameters;
  SmallVector<Value> prepared; // weights function results, layer arguments
  SmallVector<Value> results;  // values later layers or the return read
  func::FuncOp function, weights;
};

} // namespace

/// Parameter arguments of `function` among `values`, in argument order.
static SmallVector<BlockArgument> parametersIn(func::FuncOp function,
                                               ArrayRef<Value> values) {
  SmallVector<BlockArgument> parameters;
  for (Value value : values)
    if (isParameter(function, value) && !llvm::is_contained(parameters, value))
      parameters.push_back(cast<BlockArgument>(value));
  llvm::sort(parameters, [](BlockArgument a, BlockArgument b) {
    return a.getArgNumber() < b.getArgNumber();
  });
  return parameters;
}

/// The values `ops` read that none of them computes, in order of first use.
static SmallVector<Value> valuesFromOutside(ArrayRef<Operation *> ops) {
  DenseSet<Operation *> inside(ops.begin(), ops.end());
  llvm::SetVector<Value> outside;
  for (Operation *op : ops)
    for (Value input : valuesReadBy(*op))
      if (Operation *def = input.getDefiningOp(); !def || !inside.contains(def))
        outside.insert(input);
  return outside.takeVector();
}

static std::vector<Stage> findStages(func::FuncOp function,
                                     const LayerPlan &plan) {
  Block &body = function.getBody().front();
  Operation *terminator = body.getTerminator();
  const unsigned last = plan.layers - 1;
  std::vector<Stage> stages(plan.layers);
  for (auto [layer, ops] : llvm::enumerate(plan.ops)) {
    Stage &stage = stages[layer];
    // The weight preparation's results that the rest of the layer reads
    // (or the function returns) are the weights function's results.
    DenseSet<Operation *> inLayer(ops.begin(), ops.end());
    llvm::SetVector<Value> prepared;
    for (Operation *op : ops) {
      if (plan.weightOps.contains(op))
        continue;
      for (Value input : valuesReadBy(*op))
        if (Operation *def = input.getDefiningOp();
            def && plan.weightOps.contains(def) && inLayer.contains(def))
          prepared.insert(input);
    }
    if (layer == last)
      for (Value value : terminator->getOperands())
        if (Operation *def = value.getDefiningOp();
            def && plan.weightOps.contains(def))
          prepared.insert(value);
    // The weights function: what the prepared values need.
    DenseSet<Operation *> needed;
    SmallVector<Operation *> worklist;
    for (Value value : prepared)
      worklist.push_back(value.getDefiningOp());
    while (!worklist.empty()) {
      Operation *op = worklist.pop_back_val();
      if (!needed.insert(op).second)
        continue;
      for (Value input : valuesReadBy(*op))
        if (Operation *def = input.getDefiningOp();
            def && inLayer.contains(def))
          worklist.push_back(def);
    }
    // The layer function: the rest, less what only the weights need.
    DenseSet<Operation *> used;
    SmallVector<Operation *> rest;
    for (Operation *op : llvm::reverse(ops)) {
      if (plan.weightOps.contains(op))
        continue;
      bool live = !isPure(op) || plan.layerOf.contains(op) ||
                  llvm::any_of(op->getUsers(), [&](Operation *user) {
                    Operation *top = body.findAncestorOpInBlock(*user);
                    return used.contains(top) ||
                           top->hasTrait<OpTrait::IsTerminator>() ||
                           !inLayer.contains(top);
                  });
      if (!live)
        continue;
      used.insert(op);
      rest.push_back(op);
    }
    std::reverse(rest.begin(), rest.end());
    for (Operation *op : ops)
      if (needed.contains(op))
        stage.weightOps.push_back(op);
    stage.ops = std::move(rest);
    stage.prepared = prepared.takeVector();
    stage.weightParameters =
        parametersIn(function, valuesFromOutside(stage.weightOps));
    SmallVector<Value> outside = valuesFromOutside(stage.ops);
    for (Value value : outside)
      if (!llvm::is_contained(stage.prepared, value) &&
          !isParameter(function, value))
        stage.activations.push_back(value);
    stage.parameters = parametersIn(function, outside);
  }
  // Results: values a later layer reads, and the returned values, from the
  // layer that computes them once (recomputed ones: the last layer).
  auto isReadAfter = [&](Value value, unsigned layer) {
    for (unsigned later = layer + 1; later < plan.layers; ++later)
      if (llvm::is_contained(stages[later].activations, value))
        return true;
    return llvm::is_contained(terminator->getOperands(), value) &&
           (plan.layerOf.contains(value.getDefiningOp()) || layer == last);
  };
  for (auto [layer, stage] : llvm::enumerate(stages)) {
    SmallVector<Value> candidates(stage.prepared);
    for (Operation *op : stage.ops)
      llvm::append_range(candidates, op->getResults());
    for (Value value : candidates)
      if (isReadAfter(value, layer) &&
          !llvm::is_contained(stage.results, value))
        stage.results.push_back(value);
  }
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
    if (!isStackable(value.getType()) || isParameter(function, value))
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

/// A function named `name` of `ops` (cloned in order) taking `inputs`
/// (values of @f; parameters keep their attributes and gain
/// {mx.argument}) and returning `outputs`.
static func::FuncOp buildFunction(OpBuilder &builder, func::FuncOp function,
                                  StringRef name, ArrayRef<Value> inputs,
                                  ArrayRef<Operation *> ops,
                                  ArrayRef<Value> outputs) {
  Location loc = function.getLoc();
  SmallVector<Type> inputTypes, outputTypes;
  for (Value value : inputs)
    inputTypes.push_back(value.getType());
  for (Value value : outputs)
    outputTypes.push_back(value.getType());
  auto built = func::FuncOp::create(
      builder, loc, name, builder.getFunctionType(inputTypes, outputTypes));
  for (auto [index, value] : llvm::enumerate(inputs))
    if (isParameter(function, value)) {
      unsigned position = cast<BlockArgument>(value).getArgNumber();
      built.setArgAttrs(index, function.getArgAttrDict(position));
      built.setArgAttr(index, "mx.argument",
                       builder.getI64IntegerAttr(position));
    }
  Block *entry = built.addEntryBlock();
  IRMapping mapping;
  for (auto [value, arg] : llvm::zip(inputs, entry->getArguments()))
    mapping.map(value, arg);
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  for (Operation *op : ops)
    b.clone(*op, mapping);
  SmallVector<Value> returned;
  for (Value value : outputs)
    returned.push_back(mapping.lookup(value));
  func::ReturnOp::create(b, loc, returned);
  return built;
}

/// Where each value a later layer reads comes from: layer and result index.
using ProducedBy = DenseMap<Value, std::pair<unsigned, unsigned>>;

/// Marks where a layer function's activations come from and which of its
/// results `function` returns, for runtimes that drive the layers
/// themselves: {mx.input = i} (argument i of @f), {mx.from_layer = [j, r]}
/// (result r of layer j); result attribute {mx.output = i}.
static void markDataFlow(OpBuilder &builder, func::FuncOp function,
                         const Stage &stage, const ProducedBy &producedBy) {
  func::FuncOp layer = stage.function;
  for (auto [index, value] : llvm::enumerate(stage.activations)) {
    if (auto arg = dyn_cast<BlockArgument>(value)) {
      layer.setArgAttr(index, "mx.input",
                       builder.getI64IntegerAttr(arg.getArgNumber()));
      continue;
    }
    auto [from, result] = producedBy.lookup(value);
    layer.setArgAttr(
        index, "mx.from_layer",
        builder.getDenseI64ArrayAttr({int64_t(from), int64_t(result)}));
  }
  Operation *terminator = function.getBody().front().getTerminator();
  for (auto [position, value] : llvm::enumerate(terminator->getOperands())) {
    auto found = llvm::find(stage.results, value);
    if (found != stage.results.end() &&
        !layer.getResultAttr(found - stage.results.begin(), "mx.output"))
      layer.setResultAttr(found - stage.results.begin(), "mx.output",
                          builder.getI64IntegerAttr(position));
  }
}

/// `@<f>_layer<k>_weights(parameters) -> (prepared)` where the layer
/// prepares weights, and `@<f>_layer<k>(activations, parameters,
/// prepared) -> (results)`.
static void buildStage(OpBuilder &builder, func::FuncOp function, Stage &stage,
                       unsigned layer, ProducedBy &producedBy) {
  std::string name = layerName(function, layer);
  if (!stage.prepared.empty()) {
    SmallVector<Value> inputs(stage.weightParameters.begin(),
                              stage.weightParameters.end());
    stage.weights = buildFunction(builder, function, name + "_weights", inputs,
                                  stage.weightOps, stage.prepared);
    stage.weights->setAttr("mx.layer_weights",
                           builder.getI64IntegerAttr(layer));
    builder.setInsertionPointAfter(stage.weights);
  }
  SmallVector<Value> inputs(stage.activations);
  llvm::append_range(inputs, stage.parameters);
  llvm::append_range(inputs, stage.prepared);
  stage.function =
      buildFunction(builder, function, name, inputs, stage.ops, stage.results);
  stage.function->setAttr("mx.layer", builder.getI64IntegerAttr(layer));
  unsigned first = stage.activations.size() + stage.parameters.size();
  for (unsigned index = 0; index < stage.prepared.size(); ++index)
    stage.function.setArgAttr(first + index, "mx.layer_weight",
                              builder.getI64IntegerAttr(index));
  markDataFlow(builder, function, stage, producedBy);
  for (auto [index, value] : llvm::enumerate(stage.results))
    producedBy[value] = {layer, unsigned(index)};
  builder.setInsertionPointAfter(stage.function);
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
  auto driver = func::FuncOp::create(builder, loc, addedName(function, "_l2l"),
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
    // The layer's weights, prepared once for all its micro-batches.
    SmallVector<Value> prepared;
    if (stage.weights) {
      SmallVector<Value> parameters;
      for (BlockArgument parameter : stage.weightParameters)
        parameters.push_back(entry->getArgument(parameter.getArgNumber()));
      llvm::append_range(
          prepared,
          func::CallOp::create(b, loc, stage.weights, parameters).getResults());
    }
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
          llvm::append_range(operands, prepared);
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
          candidate->hasAttr("mx.layer_weights") ||
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
    std::vector<Stage> stages = findStages(function, plan);
    if (failed(checkStackable(function, stages)))
      return failure();
    SmallVector<std::string> names;
    for (auto [layer, stage] : llvm::enumerate(stages)) {
      names.push_back(layerName(function, layer));
      if (!stage.prepared.empty())
        names.push_back(names.back() + "_weights");
    }
    names.push_back(addedName(function, "_l2l"));
    for (StringRef name : names)
      if (symbols.lookup(name))
        return function.emitError()
               << "mx-split-layers: the module already has a symbol named '"
               << name << "'";
    OpBuilder builder(function->getContext());
    builder.setInsertionPointAfter(function);
    ProducedBy producedBy;
    for (auto [layer, stage] : llvm::enumerate(stages))
      buildStage(builder, function, stage, layer, producedBy);
    buildDriver(builder, function, stages, microBatches);
    return success();
  }
};

} // namespace
