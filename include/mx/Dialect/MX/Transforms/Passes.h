//===- Passes.h - Transformations of the mx dialect -------------*- C++ -*-===//

#ifndef MX_DIALECT_MX_TRANSFORMS_PASSES_H
#define MX_DIALECT_MX_TRANSFORMS_PASSES_H

#include "mx/Dialect/MX/IR/MXDialect.h"
#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

#include <functional>

namespace mlir {
class RewritePatternSet;

namespace mx {

/// The element format mx-quantize-policy gives a role (`None`: it stays
/// f32).
enum class PolicyFormat { None, E4M3, E5M2, E3M2, E2M3, E2M1, INT8 };

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

#define GEN_PASS_REGISTRATION
#include "mx/Dialect/MX/Transforms/Passes.h.inc"

} // namespace mx
} // namespace mlir

#endif // MX_DIALECT_MX_TRANSFORMS_PASSES_H
