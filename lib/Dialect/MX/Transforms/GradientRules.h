//===- GradientRules.h - Reverse-mode rules of mx-generate-gradients -*- C++
//-*-===//
//
// The adjoint ("gradient of the loss with respect to a value") of each op
// kind the gradient pass knows, built from the adjoints of its results.
// One set of arith/math rules serves tensors at function level and scalars
// in linalg bodies; a structured linalg op's operand adjoints are generics
// over its own loops.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_TRANSFORMS_GRADIENTRULES_H
#define MX_DIALECT_MX_TRANSFORMS_GRADIENTRULES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

#include <functional>

namespace mlir::mx::gradients {

/// The adjoints built so far, by value. `wants` says which values need one
/// (those that depend on a differentiated argument); contributions to other
/// values are not even built.
class Adjoints {
public:
  Adjoints(OpBuilder &b, std::function<bool(Value)> wants)
      : b(b), wants(std::move(wants)) {}

  /// Adds `contribution()` to the adjoint of `value` if it wants one.
  void add(Value value, llvm::function_ref<Value()> contribution);
  /// Whether `value` needs an adjoint.
  bool wanted(Value value) const { return wants(value); }
  /// The adjoint of `value`, or null when nothing has reached it.
  Value get(Value value) const { return adjoints.lookup(value); }

  OpBuilder &b;

private:
  std::function<bool(Value)> wants;
  DenseMap<Value, Value> adjoints;
};

/// Whether `type` is a float scalar or a tensor of floats.
bool isFloatLike(Type type);

/// The constant `value` of `type` (a float scalar, or splat tensor of one).
Value floatConstant(OpBuilder &b, Location loc, Type type, double value);

/// A zero-filled tensor of `type` (tensor.empty + linalg.fill: what linalg
/// reads as a zero accumulator).
Value zeroTensor(OpBuilder &b, Location loc, RankedTensorType type);

/// Whether `op` is an elementwise arith/math op with a rule.
bool hasElementwiseRule(Operation *op);

/// Adds d(loss)/d(operand) = `resultAdjoint` * d(result)/d(operand) to each
/// operand of the elementwise `op` (hasElementwiseRule), on its own types.
void differentiateElementwise(Operation *op, Value resultAdjoint,
                              Adjoints &adjoints);

/// The same for tensor.expand_shape / collapse_shape / extract_slice /
/// insert_slice / extract / insert / from_elements / cast / concat; failure
/// (nothing built) for any other op.
LogicalResult differentiateTensorOp(Operation *op, Value resultAdjoint,
                                    Adjoints &adjoints);

/// The operand adjoints of a structured linalg op on tensors, given its
/// results' adjoints (null where none). Emits an error on `op` and fails when
/// its body or its reductions have no rule.
LogicalResult differentiateStructured(linalg::LinalgOp op,
                                      ArrayRef<Value> resultAdjoints,
                                      Adjoints &adjoints);

/// A function to differentiate and the indices of its differentiated
/// arguments.
struct Differentiated {
  func::FuncOp function;
  SmallVector<unsigned> wrt;
};

/// What a gradient pass (`pass` names it in errors) works on: `function`
/// with the indices `wrt` (when `wrt` is empty and `allFloatTensors`, every
/// float tensor argument), or with no `function`, every function that has
/// `{mx.wrt}` arguments. Emits an error and fails on `wrt` without
/// `function` or a `function` that does not exist.
FailureOr<SmallVector<Differentiated>>
functionsToDifferentiate(ModuleOp module, SymbolTable &symbols, StringRef pass,
                         StringRef function, ArrayRef<unsigned> wrt,
                         bool allFloatTensors);

/// Copies argument `from`'s attributes of `source` to argument `to` of
/// `target`, except the consumed `{mx.wrt}` marker.
void copyArgAttrs(func::FuncOp source, unsigned from, func::FuncOp target,
                  unsigned to);

/// Removes the `{mx.wrt}` markers of `function`: a pass consumed them.
void consumeWrtMarkers(func::FuncOp function);

} // namespace mlir::mx::gradients

#endif // MX_DIALECT_MX_TRANSFORMS_GRADIENTRULES_H
