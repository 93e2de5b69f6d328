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

#include "mx/Dialect/MX/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/IR/Matchers.h"
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

/// Whether `value` is a constant or an `{mx.weight}` argument, seen through
/// casts and layout changes.
static bool derivesFromWeight(Value value) {
  while (true) {
    if (matchPattern(value, m_Constant()))
      return true;
    if (auto argument = dyn_cast<BlockArgument>(value)) {
      auto function =
          dyn_cast<FunctionOpInterface>(argument.getOwner()->getParentOp());
      return function && argument.getOwner()->isEntryBlock() &&
             function.getArgAttr(argument.getArgNumber(), "mx.weight");
    }
    Operation *op = value.getDefiningOp();
    if (isa<arith::ExtFOp, arith::TruncFOp, tensor::CollapseShapeOp,
            tensor::ExpandShapeOp, tensor::CastOp, tensor::ExtractSliceOp>(
            op)) {
      value = op->getOperand(0);
      continue;
    }
    if (isa<linalg::TransposeOp, linalg::BroadcastOp>(op)) {
      value = cast<linalg::LinalgOp>(op).getDpsInputOperand(0)->get();
      continue;
    }
    return false;
  }
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
    MLIRContext *context = module.getContext();
    Recipe chosen = recipeFor(recipe);
    if (weights != PolicyFormat::Recipe)
      chosen.weights = weights;
    if (activations != PolicyFormat::Recipe)
      chosen.activations = activations;
    if (gradients != PolicyFormat::Recipe)
      chosen.gradients = gradients;
    if (!scaleRule.empty()) {
      std::optional<ScaleRule> rule = symbolizeScaleRule(scaleRule);
      if (!rule) {
        module.emitError("mx-training-recipe: unknown scale-rule '")
            << scaleRule << "' (expected floor, ceil, even or rceil)";
        return signalPassFailure();
      }
      chosen.scaleRule = *rule;
    }
    if (blockSize < 2) {
      module.emitError("mx-training-recipe: block-size must be at least 2, "
                       "but got ")
          << static_cast<int64_t>(blockSize);
      return signalPassFailure();
    }

    uint64_t product = 0;
    module.walk([&](FunctionOpInterface function) {
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
      // Roles first: rewriting a forward product replaces values the
      // slice holds.
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
        auto operand = [&](Kind kind) {
          PolicyFormat format = kind == Kind::Weight       ? chosen.weights
                                : kind == Kind::Activation ? chosen.activations
                                                           : chosen.gradients;
          OperandQuantization q{policyFormatType(context, format),
                                chosen.scaleRule, Rounding::rne, IntegerAttr()};
          if (kind == Kind::Gradient && gradientRounding != Rounding::rne) {
            q.rounding = gradientRounding;
            if (gradientRounding == Rounding::stochastic)
              q.seed =
                  IntegerAttr::get(IntegerType::get(context, 64), seed + index);
          }
          return q;
        };
        ProductQuantization quantization{operand(kindA), operand(kindB),
                                         blockSize};
        if (!quantization.a.format && !quantization.b.format) {
          op->emitRemark() << "mx-training-recipe: " << roleName(role)
                           << " product left in f32: both operands' kinds "
                              "stay f32";
          continue;
        }
        // Analyzed again: earlier rewrites replaced its operands.
        std::string reason;
        Contraction contraction = *analyzeContraction(op, reason);
        OpBuilder builder(op);
        MatmulCollector created;
        builder.setListener(&created);
        Value result =
            quantizeContraction(builder, op, contraction, quantization);
        // The role on each mx.matmul, for readers of the IR and for tests.
        for (MatmulOp matmul : created.matmuls)
          matmul->setAttr("mx.role", builder.getStringAttr(roleName(role)));
        op->getResult(0).replaceAllUsesWith(result);
        op->erase();
      }
    });
  }
};

} // namespace
