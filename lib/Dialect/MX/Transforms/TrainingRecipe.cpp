//===- TrainingRecipe.cpp - A training step's products in MX, by role -----===//
//
// Roles come from data flow: the values the loss depends on are the forward
// computation; a contraction outside it is a backward product, and its
// operand outside it is a gradient. Whether the other operand comes from a
// weight tells the input gradient (dY W^T) from the weight gradient
// (X^T dY).
//
//===----------------------------------------------------------------------===//

#include "QuantizeContraction.h"
#include "QuantizePerTensor.h"

#include "mx/Dialect/MX/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXTRAININGRECIPEPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

namespace {

enum class Role { Forward, InputGradient, WeightGradient };
enum class Kind { Weight, Activation, Gradient };

/// The element formats of the three kinds of operands, and the scale rule.
struct Recipe {
  PolicyFormat weights, activations, gradients;
  ScaleRule scaleRule;
};

} // namespace

static Recipe recipeFor(TrainingRecipe recipe) {
  switch (recipe) {
  case TrainingRecipe::MXFP8:
    return {PolicyFormat::E4M3, PolicyFormat::E4M3, PolicyFormat::E4M3,
            ScaleRule::rceil};
  case TrainingRecipe::MXFP8Hybrid:
    return {PolicyFormat::E4M3, PolicyFormat::E4M3, PolicyFormat::E5M2,
            ScaleRule::rceil};
  case TrainingRecipe::MXFP6:
    return {PolicyFormat::E3M2, PolicyFormat::E3M2, PolicyFormat::E3M2,
            ScaleRule::floor};
  case TrainingRecipe::MXFP4Weights:
    return {PolicyFormat::E2M1, PolicyFormat::E3M2, PolicyFormat::E3M2,
            ScaleRule::floor};
  case TrainingRecipe::FP8Tensor: // per-tensor scales: no rule applies
    return {PolicyFormat::E4M3, PolicyFormat::E4M3, PolicyFormat::E5M2,
            ScaleRule::floor};
  }
  llvm_unreachable("unknown recipe");
}

/// The values result 0 (the loss) of `function` depends on, or nullopt when
/// `function` is not a training function (every product is then forward).
static std::optional<DenseSet<Value>> lossSlice(FunctionOpInterface function) {
  if (!function->hasAttr("mx.gradient_of") &&
      !function->hasAttr("mx.training_step"))
    return std::nullopt;
  DenseSet<Value> slice;
  SmallVector<Value> work;
  function.walk([&](Operation *op) {
    if (op->hasTrait<OpTrait::ReturnLike>() &&
        op->getParentOp() == function.getOperation() &&
        op->getNumOperands() > 0)
      work.push_back(op->getOperand(0));
  });
  while (!work.empty()) {
    Value value = work.pop_back_val();
    if (!slice.insert(value).second)
      continue;
    Operation *op = value.getDefiningOp();
    if (!op)
      continue;
    llvm::append_range(work, op->getOperands());
    for (Region &region : op->getRegions()) {
      SetVector<Value> captured;
      getUsedValuesDefinedAbove(region, captured);
      llvm::append_range(work, captured);
    }
  }
  return slice;
}

static StringRef kindName(Kind kind) {
  switch (kind) {
  case Kind::Weight:
    return "weight";
  case Kind::Activation:
    return "activation";
  case Kind::Gradient:
    return "gradient";
  }
  llvm_unreachable("unknown kind");
}

static StringRef roleName(Role role) {
  switch (role) {
  case Role::Forward:
    return "forward";
  case Role::InputGradient:
    return "input-gradient";
  case Role::WeightGradient:
    return "weight-gradient";
  }
  llvm_unreachable("unknown role");
}

namespace {

/// The mx.matmul ops a builder creates.
struct MatmulCollector : OpBuilder::Listener {
  SmallVector<MatmulOp> matmuls;
  void notifyOperationInserted(Operation *op, OpBuilder::InsertPoint) override {
    if (auto matmul = dyn_cast<MatmulOp>(op))
      matmuls.push_back(matmul);
  }
};

struct MXTrainingRecipePass final
    : mx::impl::MXTrainingRecipePassBase<MXTrainingRecipePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    FailureOr<Recipe> chosen = chosenRecipe(module);
    if (failed(chosen))
      return signalPassFailure();
    uint64_t product = 0;
    WalkResult walk = module.walk([&](FunctionOpInterface function) {
      return failed(quantizeFunction(function, *chosen, product))
                 ? WalkResult::interrupt()
                 : WalkResult::advance();
    });
    if (walk.wasInterrupted())
      signalPassFailure();
  }

private:
  bool perTensor() const { return recipe == TrainingRecipe::FP8Tensor; }

  /// The recipe with the options' overrides, or failure (diagnosed).
  FailureOr<Recipe> chosenRecipe(ModuleOp module) {
    auto fail = [&](const Twine &why) {
      module.emitError("mx-training-recipe: ") << why;
      return failure();
    };
    Recipe chosen = recipeFor(recipe);
    if (weights != PolicyFormat::Recipe)
      chosen.weights = weights;
    if (activations != PolicyFormat::Recipe)
      chosen.activations = activations;
    if (gradients != PolicyFormat::Recipe)
      chosen.gradients = gradients;
    if (!scaleRule.empty()) {
      if (perTensor())
        return fail("scale-rule does not apply to fp8-tensor (one scale per "
                    "tensor, fitted to its amax)");
      std::optional<ScaleRule> rule = symbolizeScaleRule(scaleRule);
      if (!rule || *rule == ScaleRule::quotient) // an f32-tile rule
        return fail("unknown scale-rule '" + scaleRule +
                    "' (expected floor, ceil, even or rceil)");
      chosen.scaleRule = *rule;
    }
    if (blockSize < 2)
      return fail("block-size must be at least 2, but got " +
                  Twine(static_cast<int64_t>(blockSize)));
    if (!perTensor() && fp8Scaling == FP8Scaling::Delayed)
      return fail("fp8-scaling=delayed applies to the fp8-tensor recipe "
                  "only (MX recipes scale each block from its own amax)");
    if (amaxHistory < 1)
      return fail("amax-history must be at least 1, but got " +
                  Twine(static_cast<int64_t>(amaxHistory)));
    if (perTensor())
      for (PolicyFormat format :
           {chosen.weights, chosen.activations, chosen.gradients})
        if (format != PolicyFormat::E4M3 && format != PolicyFormat::E5M2 &&
            format != PolicyFormat::None)
          return fail("fp8-tensor casts to e4m3 or e5m2 only (sub-byte and "
                      "integer elements need per-block scales)");
    return chosen;
  }

  /// How an operand of `kind` is quantized in the product numbered `index`.
  OperandQuantization operandQuantization(const Recipe &chosen, Kind kind,
                                          uint64_t index) {
    MLIRContext *context = &getContext();
    PolicyFormat format = kind == Kind::Weight       ? chosen.weights
                          : kind == Kind::Activation ? chosen.activations
                                                     : chosen.gradients;
    OperandQuantization q;
    q.format = policyFormatType(context, format);
    q.scaleRule = chosen.scaleRule;
    if (kind == Kind::Gradient && gradientRounding != Rounding::rne) {
      q.rounding = gradientRounding;
      if (gradientRounding == Rounding::stochastic)
        q.seed = IntegerAttr::get(IntegerType::get(context, 64), seed + index);
    }
    return q;
  }

  LogicalResult quantizeFunction(FunctionOpInterface function,
                                 const Recipe &chosen, uint64_t &product);

  /// The per-tensor product replacing `op`, or a null value when `op`
  /// stays as it is (remarked); delayed scaling adds the history
  /// arguments and collects the new histories in `histories`.
  FailureOr<Value> perTensorProduct(FunctionOpInterface function,
                                    linalg::LinalgOp op, Role role,
                                    ArrayRef<Kind> kinds,
                                    ArrayRef<OperandQuantization> operands,
                                    SmallVectorImpl<Value> &histories);

  /// Whether a call in the module calls `function` (a step's
  /// `forward = @f` is a reference, not a call).
  bool isCalled(FunctionOpInterface function) {
    std::optional<SymbolTable::UseRange> uses =
        SymbolTable::getSymbolUses(function, getOperation());
    return !uses || llvm::any_of(*uses, [](const SymbolTable::SymbolUse &use) {
      return isa<CallOpInterface>(use.getUser());
    });
  }

  /// Returns `histories` from `function` after its results.
  LogicalResult returnHistories(FunctionOpInterface function,
                                ArrayRef<Value> histories);
};

} // namespace

LogicalResult MXTrainingRecipePass::quantizeFunction(
    FunctionOpInterface function, const Recipe &chosen, uint64_t &product) {
  std::optional<DenseSet<Value>> slice = lossSlice(function);
  auto isGradient = [&](Value v) {
    return slice && !slice->contains(v) && !isa<BlockArgument>(v) &&
           !matchPattern(v, m_Constant());
  };
  SmallVector<linalg::LinalgOp> contractions;
  function.walk([&](linalg::LinalgOp op) {
    if (linalg::isaContractionOpInterface(op))
      contractions.push_back(op);
  });
  // Roles first: rewriting a forward product replaces values the slice
  // holds.
  struct Product {
    linalg::LinalgOp op;
    Role role;
    Kind kindA, kindB;
  };
  std::vector<Product> products;
  for (linalg::LinalgOp op : contractions) {
    std::string reason;
    FailureOr<Contraction> c = analyzeContraction(op, reason);
    if (failed(c)) {
      op->emitRemark() << "mx-training-recipe: left in f32: " << reason;
      continue;
    }
    bool backward = slice && !slice->contains(op->getResult(0));
    Role role = Role::Forward;
    Kind kindA, kindB;
    if (!backward) {
      kindA = derivesFromWeight(c->a) ? Kind::Weight : Kind::Activation;
      kindB = derivesFromWeight(c->b) ? Kind::Weight : Kind::Activation;
    } else {
      bool gradA = isGradient(c->a), gradB = isGradient(c->b);
      Value other = gradA ? c->b : c->a;
      bool weightOther = !(gradA && gradB) && derivesFromWeight(other);
      role = weightOther || (gradA && gradB) ? Role::InputGradient
                                             : Role::WeightGradient;
      Kind otherKind = weightOther ? Kind::Weight : Kind::Activation;
      kindA = gradA ? Kind::Gradient : otherKind;
      kindB = gradB ? Kind::Gradient : otherKind;
    }
    products.push_back({op, role, kindA, kindB});
  }
  SmallVector<Value> histories;
  for (auto &[op, role, kindA, kindB] : products) {
    bool enabled = role == Role::Forward         ? forward
                   : role == Role::InputGradient ? inputGradients
                                                 : weightGradients;
    if (!enabled) {
      op->emitRemark() << "mx-training-recipe: " << roleName(role)
                       << " product kept in f32 by the options";
      continue;
    }
    uint64_t index = product++;
    OperandQuantization qa = operandQuantization(chosen, kindA, index);
    OperandQuantization qb = operandQuantization(chosen, kindB, index);
    if (!qa.format && !qb.format) {
      op->emitRemark() << "mx-training-recipe: " << roleName(role)
                       << " product left in f32: both operands' kinds stay "
                          "f32";
      continue;
    }
    Value result;
    if (perTensor()) {
      FailureOr<Value> replacement = perTensorProduct(
          function, op, role, {kindA, kindB}, {qa, qb}, histories);
      if (failed(replacement))
        return failure();
      result = *replacement;
    } else {
      // Analyzed again: earlier rewrites replaced its operands.
      std::string reason;
      Contraction contraction = *analyzeContraction(op, reason);
      OpBuilder builder(op);
      MatmulCollector created;
      builder.setListener(&created);
      result = quantizeContraction(builder, op, contraction,
                                   ProductQuantization{qa, qb, blockSize});
      // The role on each mx.matmul, for readers of the IR and for tests.
      for (MatmulOp matmul : created.matmuls)
        matmul->setAttr("mx.role", builder.getStringAttr(roleName(role)));
    }
    if (!result)
      continue;
    op->getResult(0).replaceAllUsesWith(result);
    op->erase();
  }
  return returnHistories(function, histories);
}

FailureOr<Value> MXTrainingRecipePass::perTensorProduct(
    FunctionOpInterface function, linalg::LinalgOp op, Role role,
    ArrayRef<Kind> kinds, ArrayRef<OperandQuantization> operands,
    SmallVectorImpl<Value> &histories) {
  if (!llvm::all_of(op->getOperandTypes(), [](Type type) {
        return getElementTypeOrSelf(type).isF32();
      })) {
    op->emitRemark() << "mx-training-recipe: " << roleName(role)
                     << " product left as it is: fp8-tensor casts f32 "
                        "products only";
    return Value();
  }
  bool delayed = fp8Scaling == FP8Scaling::Delayed;
  if (delayed) {
    if (isCalled(function))
      return function.emitError("mx-training-recipe: fp8-scaling=delayed "
                                "adds amax-history arguments to @")
             << SymbolTable::getSymbolName(function).getValue()
             << ", which has callers";
    if (op->getParentOp() != function.getOperation() ||
        !function.getFunctionBody().hasOneBlock())
      return op->emitError(
          "mx-training-recipe: fp8-scaling=delayed needs the product in "
          "the function's only block (its amax history is a result)");
  }
  // The operands of `op` are those the contraction analysis names a and b.
  std::string reason;
  Contraction contraction = *analyzeContraction(op, reason);
  OpBuilder builder(op);
  Type historyType = RankedTensorType::get({amaxHistory}, builder.getF32Type());
  SmallVector<TensorCast, 2> casts;
  for (Value input : op.getDpsInputs()) {
    unsigned which = input == contraction.a ? 0 : 1;
    const OperandQuantization &q = operands[which];
    TensorCast cast{q.format, q.rounding, q.seed, Value()};
    if (q.format && delayed) {
      unsigned position = function.getNumArguments();
      std::string name = (roleName(role) + " " + kindName(kinds[which])).str();
      if (failed(function.insertArgument(
              position, historyType,
              builder.getDictionaryAttr(builder.getNamedAttr(
                  "mx.amax_history", builder.getStringAttr(name))),
              op.getLoc())))
        return failure();
      cast.amaxHistory = function.getArgument(position);
    }
    casts.push_back(cast);
  }
  PerTensorProduct product = quantizeContractionPerTensor(builder, op, casts);
  product.product->setAttr("mx.role", builder.getStringAttr(roleName(role)));
  llvm::append_range(histories, product.histories);
  return product.result;
}

LogicalResult
MXTrainingRecipePass::returnHistories(FunctionOpInterface function,
                                      ArrayRef<Value> histories) {
  if (histories.empty())
    return success();
  Operation *terminator = function.getFunctionBody().front().getTerminator();
  unsigned first = function.getNumResults();
  SmallVector<unsigned> positions(histories.size(), first);
  SmallVector<Type> types(histories.size(), histories.front().getType());
  SmallVector<DictionaryAttr> attributes(histories.size());
  if (failed(function.insertResults(positions, types, attributes)))
    return failure();
  terminator->insertOperands(terminator->getNumOperands(), histories);
  if (auto step = function->getAttrOfType<DictionaryAttr>("mx.training_step")) {
    Builder b(function.getContext());
    NamedAttrList fields(step);
    fields.set("amax_histories",
               b.getI64IntegerAttr(static_cast<int64_t>(histories.size())));
    fields.set("amax_history_length",
               b.getI64IntegerAttr(static_cast<int64_t>(amaxHistory)));
    function->setAttr("mx.training_step", fields.getDictionary(b.getContext()));
  }
  return success();
}
