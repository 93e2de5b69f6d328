//===- Passes.h - Transformations of the mx dialect -------------*- C++ -*-===//

#ifndef MX_DIALECT_MX_TRANSFORMS_PASSES_H
#define MX_DIALECT_MX_TRANSFORMS_PASSES_H

#include "mx/Dialect/MX/IR/MXDialect.h"
#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/Pass.h"

#include <functional>

namespace mlir {
class RewritePatternSet;

namespace mx {

/// The element format mx-quantize-policy gives a role (`None`: it stays
/// f32; `Recipe`: mx-training-recipe's "what the recipe says").
enum class PolicyFormat {
  None,
  E4M3,
  E5M2,
  E3M2,
  E2M3,
  E2M1,
  INT8,
  MX9,
  MX6,
  MX4,
  Recipe
};

/// The training recipes of mx-training-recipe.
enum class TrainingRecipe {
  MXFP8,
  MXFP8Hybrid,
  MXFP6,
  MXFP4Weights,
  FP8Tensor
};

/// How the fp8-tensor recipe chooses a tensor's scale: from its own amax
/// (current) or from the amaxes of earlier steps (delayed).
enum class FP8Scaling { Current, Delayed };

/// What mx-training-step builds: the optimizer, the master weights' format
/// and the loss scaling.
enum class Optimizer { SGD, AdamW };
enum class MasterFormat { F32, BF16, F16 };
enum class LossScaling { None, Static, Dynamic };

#define GEN_PASS_DECL
#include "mx/Dialect/MX/Transforms/Passes.h.inc"

/// Rewrites mx.cast into mx.dequantize (to f32) followed by mx.quantize.
void populateMXExpandCastsPatterns(RewritePatternSet &patterns);

/// Rewrites mx.quantize without given scales (static shapes) into explicit
/// block-amax and scale-rule tensor code feeding mx.quantize with scales.
/// Quantizes for which `keep` returns true are left alone (a lowering that
/// fuses the amax into its kernel takes them).
void populateMXInsertScaleComputationPatterns(
    RewritePatternSet &patterns, std::function<bool(QuantizeOp)> keep = {});

/// The scale-only rewrites of MX tensors that `-mx-propagate-scales` applies
/// first: power-of-two multiplies of a dequantized tensor become mx.ldexp,
/// re-quantized transposes of 2-D-blocked tensors become mx.transpose, and
/// re-quantized neg/abs/ReLU of an MX tensor keep its block scales.
void populateMXScaleOnlyPatterns(RewritePatternSet &patterns);

/// Replaces every aggregate op (linalg::AggregatedOpInterface, e.g.
/// linalg.softmax) under `root` by its decomposition; emits an error on an
/// op that cannot be decomposed.
LogicalResult decomposeAggregateOps(Operation *root);

/// mx-generate-gradients on one function: adds `@<forward>_grad` (the loss,
/// then the gradient of each argument in `wrt`; with `lossScaleArgument`, a
/// trailing scalar argument seeds the backward pass) to `symbols` and
/// returns it, or emits an error naming what has no rule and fails.
FailureOr<func::FuncOp> buildGradientFunction(func::FuncOp forward,
                                              ArrayRef<unsigned> wrt,
                                              bool lossScaleArgument,
                                              SymbolTable &symbols);

#define GEN_PASS_REGISTRATION
#include "mx/Dialect/MX/Transforms/Passes.h.inc"

} // namespace mx
} // namespace mlir

#endif // MX_DIALECT_MX_TRANSFORMS_PASSES_H
