//===- StructuredGradients.cpp - Adjoints of structured linalg ops --------===//
//
// A structured op computes, at every point of its loops, a body of scalar
// ops from operand elements picked by indexing maps. The adjoint of operand
// i is then one linalg.generic over the same loops: it recomputes the body,
// runs the scalar rules backward from the results' adjoints, and sums the
// derivative into an output indexed like operand i, so the loops operand i
// does not index (its broadcast, or the other side of a contraction) become
// reductions. A matmul's operand adjoints are contractions this way; a
// broadcast's adjoint is a sum, a transpose's a transpose.
//
// Reductions must combine by addition (the derivative of acc + h is h's) or
// by maximum/minimum (the elements equal to the result share it evenly).
//
// A body that reads a differentiated tensor T with tensor.extract (a gather:
// an embedding lookup) scatters back: one more generic writes T's adjoint,
// over the op's loops plus one loop per dimension of T whose index is data
// (not a loop index), adding the element's adjoint where the index matches.
//
//===----------------------------------------------------------------------===//

#include "GradientRules.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

using namespace mlir;
using namespace mlir::mx;
using namespace mlir::mx::gradients;

namespace {

/// How a result's value is combined over the reduction loops.
enum class Reduction { None, Add, Max, Min };

/// One result of the op: its init slot, adjoint and combining.
struct ResultInfo {
  OpOperand *init;
  Value adjoint;
  Reduction combine = Reduction::None;
  Value partial; // the combined body value (reductions)
};

} // namespace

/// The combining of the result yielded at `yielded` for `outArg`, or failure.
static FailureOr<std::pair<Reduction, Value>> combinerOf(Value yielded,
                                                         BlockArgument outArg) {
  Operation *op = yielded.getDefiningOp();
  if (!op || op->getNumOperands() != 2 || !outArg.hasOneUse())
    return failure();
  Value other;
  if (op->getOperand(0) == outArg)
    other = op->getOperand(1);
  else if (op->getOperand(1) == outArg)
    other = op->getOperand(0);
  else
    return failure();
  if (isa<arith::AddFOp>(op))
    return std::make_pair(Reduction::Add, other);
  if (isa<arith::MaximumFOp, arith::MaxNumFOp>(op))
    return std::make_pair(Reduction::Max, other);
  if (isa<arith::MinimumFOp, arith::MinNumFOp>(op))
    return std::make_pair(Reduction::Min, other);
  return failure();
}

/// Runs the scalar rules backward over the (cloned) body ops `ops`, seeded
/// by `seeds`. Fails on an op with float operands and no rule.
static LogicalResult sweepBody(ArrayRef<Operation *> ops, Adjoints &adjoints,
                               Operation *owner) {
  for (Operation *op : llvm::reverse(ops)) {
    Value g;
    if (op->getNumResults() == 1)
      g = adjoints.get(op->getResult(0));
    if (!g)
      continue;
    if (hasElementwiseRule(op)) {
      differentiateElementwise(op, g, adjoints);
      continue;
    }
    if (isa<tensor::ExtractOp>(op))
      continue; // a gather: its tensor's adjoint is a generic of its own
    if (llvm::none_of(op->getOperandTypes(), isFloatLike))
      continue; // e.g. a conversion from an integer: nothing to propagate
    return owner->emitError("mx-generate-gradients: cannot differentiate '")
           << op->getName() << "' in the body of this op";
  }
  return success();
}

/// The element type a slot's adjoint generic writes: the operand's own, in a
/// rank-0 tensor for a scalar operand.
static RankedTensorType adjointTensorType(Value operand) {
  if (auto tensor = dyn_cast<RankedTensorType>(operand.getType()))
    return tensor;
  return RankedTensorType::get({}, operand.getType());
}

LogicalResult gradients::differentiateStructured(linalg::LinalgOp op,
                                                 ArrayRef<Value> resultAdjoints,
                                                 Adjoints &adjoints) {
  OpBuilder &b = adjoints.b;
  Location loc = op.getLoc();
  auto fail = [&](const Twine &why) {
    return op->emitError("mx-generate-gradients: cannot differentiate '")
           << op->getName() << "': " << why;
  };
  if (!op.hasPureTensorSemantics())
    return fail("it works on buffers");
  // Gathers: the tensors read from outside the body that want an adjoint.
  SetVector<Value> captured;
  getUsedValuesDefinedAbove(op->getRegion(0), captured);
  SmallVector<tensor::ExtractOp> gathers;
  for (Value value : captured) {
    if (!isFloatLike(value.getType()) || !isa<ShapedType>(value.getType()) ||
        !adjoints.wanted(value))
      continue;
    for (OpOperand &use : value.getUses()) {
      if (!op->isProperAncestor(use.getOwner()))
        continue;
      auto extract = dyn_cast<tensor::ExtractOp>(use.getOwner());
      if (!extract || extract->getBlock() != op.getBlock())
        return fail("its body reads a differentiated tensor other than by "
                    "tensor.extract in the body itself");
      gathers.push_back(extract);
    }
  }

  Block *body = op.getBlock();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  bool reduces = llvm::is_contained(iterators, utils::IteratorType::reduction);

  SmallVector<ResultInfo> results;
  for (auto [index, init] : llvm::enumerate(op.getDpsInitsMutable())) {
    ResultInfo info{&init, resultAdjoints[index], Reduction::None, Value()};
    if (reduces) {
      auto combiner = combinerOf(yield.getOperand(index),
                                 op.getMatchingBlockArgument(&init));
      if (failed(combiner))
        return fail("its reduction does not combine by addf, maximumf or "
                    "minimumf of the running value");
      std::tie(info.combine, info.partial) = *combiner;
    }
    results.push_back(info);
  }

  // The operands every adjoint generic reads: the op's inputs, then for each
  // result its running value (the init of an elementwise op; the result of
  // a reduction, which only its combiner reads), then the adjoints.
  SmallVector<Value> inputs;
  SmallVector<AffineMap> inputMaps;
  for (OpOperand *input : op.getDpsInputOperands()) {
    inputs.push_back(input->get());
    inputMaps.push_back(op.getMatchingIndexingMap(input));
  }
  for (auto [index, info] : llvm::enumerate(results)) {
    inputs.push_back(reduces ? op->getResult(index) : info.init->get());
    inputMaps.push_back(op.getMatchingIndexingMap(info.init));
  }
  unsigned firstAdjoint = inputs.size();
  SmallVector<int64_t> adjointOf; // result index of each adjoint input
  for (auto [index, info] : llvm::enumerate(results)) {
    if (!info.adjoint)
      continue;
    adjointOf.push_back(index);
    inputs.push_back(info.adjoint);
    inputMaps.push_back(op.getMatchingIndexingMap(info.init));
  }

  // For a max/min reduction, how many elements reach each result.
  SmallVector<Value> ties(results.size());
  auto newIterators = [&](AffineMap outMap) {
    SmallVector<utils::IteratorType> kinds(op.getNumLoops(),
                                           utils::IteratorType::reduction);
    for (AffineExpr expr : outMap.getResults())
      kinds[cast<AffineDimExpr>(expr).getPosition()] =
          utils::IteratorType::parallel;
    return kinds;
  };
  /// Clones the body into the new block; returns the cloned ops.
  auto cloneBody = [&](Block *newBody, IRMapping &mapping) {
    unsigned numInputs = op.getNumDpsInputs();
    for (unsigned i = 0; i < numInputs; ++i)
      mapping.map(body->getArgument(i), newBody->getArgument(i));
    for (unsigned j = 0; j < results.size(); ++j)
      mapping.map(body->getArgument(numInputs + j),
                  newBody->getArgument(numInputs + j));
    SmallVector<Operation *> cloned;
    for (Operation &bodyOp : body->without_terminator())
      cloned.push_back(b.clone(bodyOp, mapping));
    return cloned;
  };
  for (unsigned index = 0; index < results.size(); ++index) {
    const ResultInfo &info = results[index];
    if (!info.adjoint ||
        (info.combine != Reduction::Max && info.combine != Reduction::Min))
      continue;
    auto type = cast<RankedTensorType>(op->getResult(index).getType());
    AffineMap outMap = op.getMatchingIndexingMap(info.init);
    SmallVector<AffineMap> maps(inputMaps.begin(),
                                inputMaps.begin() + firstAdjoint);
    maps.push_back(outMap);
    auto count = linalg::GenericOp::create(
        b, loc, type, ArrayRef<Value>(inputs).take_front(firstAdjoint),
        zeroTensor(b, loc, type), maps, newIterators(outMap),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          IRMapping mapping;
          cloneBody(nb.getInsertionBlock(), mapping);
          Value partial = mapping.lookup(info.partial);
          Value result = args[op.getNumDpsInputs() + index];
          Value hit = arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OEQ,
                                            partial, result);
          Value one = floatConstant(nb, nloc, partial.getType(), 1.0);
          Value zero = floatConstant(nb, nloc, partial.getType(), 0.0);
          Value add = arith::SelectOp::create(nb, nloc, hit, one, zero);
          linalg::YieldOp::create(
              nb, nloc,
              ValueRange{arith::AddFOp::create(nb, nloc, args.back(), add)});
        });
    ties[index] = count.getResult(0);
  }
  SmallVector<int64_t> tieOf; // result index of each tie-count input
  for (auto [index, tie] : llvm::enumerate(ties)) {
    if (!tie)
      continue;
    tieOf.push_back(index);
    inputs.push_back(tie);
    inputMaps.push_back(op.getMatchingIndexingMap(results[index].init));
  }

  // Seeds the scalar adjoints of a cloned body from the results' adjoints
  // (the generic's arguments after the inputs and running values).
  auto seed = [&](OpBuilder &nb, Location nloc, ValueRange args,
                  IRMapping &mapping, Adjoints &inner) {
    for (auto [position, resultIndex] : llvm::enumerate(adjointOf)) {
      const ResultInfo &info = results[resultIndex];
      Value g = args[firstAdjoint + position];
      if (info.combine == Reduction::None) {
        inner.add(mapping.lookupOrDefault(yield.getOperand(resultIndex)),
                  [&] { return g; });
        continue;
      }
      Value partial = mapping.lookupOrDefault(info.partial);
      if (info.combine == Reduction::Add) {
        inner.add(partial, [&] { return g; });
        continue;
      }
      // Max/min: the elements equal to the result share g evenly.
      Value result = args[op.getNumDpsInputs() + resultIndex];
      auto tiePosition = llvm::find(tieOf, resultIndex) - tieOf.begin();
      Value count = args[firstAdjoint + adjointOf.size() + tiePosition];
      inner.add(partial, [&] {
        Value hit = arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OEQ,
                                          partial, result);
        Value share = arith::DivFOp::create(nb, nloc, g, count);
        return arith::SelectOp::create(
                   nb, nloc, hit, share,
                   floatConstant(nb, nloc, g.getType(), 0.0))
            .getResult();
      });
    }
  };

  // The body cloned into a new generic and run backward from the results'
  // adjoints: `inner` then holds the adjoint of every body value.
  auto backward = [&](OpBuilder &nb, Location nloc, ValueRange args,
                      IRMapping &mapping, Adjoints &inner) {
    SmallVector<Operation *> cloned =
        cloneBody(nb.getInsertionBlock(), mapping);
    seed(nb, nloc, args, mapping, inner);
    return sweepBody(cloned, inner, op);
  };

  // One adjoint generic per operand slot that wants one.
  auto slotAdjoint = [&](BlockArgument slotArg, Value operand,
                         AffineMap slotMap) -> FailureOr<Value> {
    if (!slotMap.isProjectedPermutation())
      return fail("an operand's indexing map is not a projected permutation");
    RankedTensorType type = adjointTensorType(operand);
    SmallVector<AffineMap> maps(inputMaps);
    maps.push_back(slotMap);
    LogicalResult status = success();
    auto generic = linalg::GenericOp::create(
        b, loc, type, inputs, zeroTensor(b, loc, type), maps,
        newIterators(slotMap),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          IRMapping mapping;
          Adjoints inner(nb, [](Value) { return true; });
          status = backward(nb, nloc, args, mapping, inner);
          Value contribution = inner.get(mapping.lookup(slotArg));
          Value out = args.back();
          Value sum = contribution
                          ? arith::AddFOp::create(nb, nloc, out, contribution)
                                .getResult()
                          : out;
          linalg::YieldOp::create(nb, nloc, sum);
        });
    if (failed(status))
      return failure();
    Value adjoint = generic.getResult(0);
    if (!isa<RankedTensorType>(operand.getType()))
      adjoint = tensor::ExtractOp::create(b, loc, adjoint, ValueRange{});
    return adjoint;
  };

  auto addSlot = [&](OpOperand *slot) -> LogicalResult {
    Value operand = slot->get();
    if (!isFloatLike(operand.getType()))
      return success();
    FailureOr<Value> adjoint;
    bool attempted = false;
    adjoints.add(operand, [&] {
      attempted = true;
      adjoint = slotAdjoint(op.getMatchingBlockArgument(slot), operand,
                            op.getMatchingIndexingMap(slot));
      return succeeded(adjoint) ? *adjoint
                                : floatConstant(b, loc, operand.getType(), 0.0);
    });
    return attempted && failed(adjoint) ? failure() : success();
  };
  for (OpOperand *input : op.getDpsInputOperands())
    if (failed(addSlot(input)))
      return failure();
  for (const ResultInfo &info : results) {
    switch (info.combine) {
    case Reduction::None: // an elementwise op's body may read its init
      if (op.getMatchingBlockArgument(info.init).use_empty())
        break;
      if (failed(addSlot(info.init)))
        return failure();
      break;
    case Reduction::Add: // init + sum: the init's adjoint is the result's
      if (info.adjoint)
        adjoints.add(info.init->get(), [&] { return info.adjoint; });
      break;
    case Reduction::Max:
    case Reduction::Min: {
      if (!info.adjoint)
        break;
      bool needed = false;
      adjoints.add(info.init->get(), [&] {
        needed = true;
        return info.adjoint;
      });
      if (needed)
        return fail("the initial value of its max/min reduction depends on "
                    "a differentiated argument");
      break;
    }
    }
  }
  // Each gather scatters its elements' adjoints back into its tensor.
  for (tensor::ExtractOp extract : gathers) {
    if (!tieOf.empty())
      return fail("it gathers from a differentiated tensor inside a max/min "
                  "reduction");
    Value table = extract.getTensor();
    auto tableType = cast<RankedTensorType>(table.getType());
    unsigned loops = op.getNumLoops();
    // Each dimension of the table: the op's loop its index is, or a new one.
    SmallVector<AffineExpr> outExprs;
    SmallVector<std::pair<unsigned, Value>> dataDims; // new loop, index
    llvm::SmallDenseSet<int64_t> usedLoops;
    for (Value index : extract.getIndices()) {
      auto loopIndex = index.getDefiningOp<linalg::IndexOp>();
      if (loopIndex && usedLoops.insert(loopIndex.getDim()).second) {
        outExprs.push_back(b.getAffineDimExpr(loopIndex.getDim()));
        continue;
      }
      unsigned loop = loops + dataDims.size();
      dataDims.push_back({loop, index});
      outExprs.push_back(b.getAffineDimExpr(loop));
    }
    unsigned allLoops = loops + dataDims.size();
    SmallVector<AffineMap> maps;
    for (AffineMap map : ArrayRef<AffineMap>(inputMaps).take_front(
             firstAdjoint + adjointOf.size()))
      maps.push_back(
          AffineMap::get(allLoops, 0, map.getResults(), b.getContext()));
    AffineMap outMap = AffineMap::get(allLoops, 0, outExprs, b.getContext());
    maps.push_back(outMap);
    SmallVector<utils::IteratorType> kinds(allLoops,
                                           utils::IteratorType::reduction);
    for (AffineExpr expr : outExprs)
      kinds[cast<AffineDimExpr>(expr).getPosition()] =
          utils::IteratorType::parallel;
    LogicalResult status = success();
    auto generic = linalg::GenericOp::create(
        b, loc, tableType,
        ArrayRef<Value>(inputs).take_front(firstAdjoint + adjointOf.size()),
        zeroTensor(b, loc, tableType), maps, kinds,
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          IRMapping mapping;
          Adjoints inner(nb, [](Value) { return true; });
          status = backward(nb, nloc, args, mapping, inner);
          Value out = args.back();
          Value element = inner.get(mapping.lookup(extract.getResult()));
          if (!element) {
            linalg::YieldOp::create(nb, nloc, out);
            return;
          }
          // Only where every data index is this point's table coordinate.
          Value hit;
          for (auto [loop, index] : dataDims) {
            Value here = linalg::IndexOp::create(nb, nloc, loop);
            Value same =
                arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq,
                                      mapping.lookupOrDefault(index), here);
            hit = hit ? arith::AndIOp::create(nb, nloc, hit, same).getResult()
                      : same;
          }
          Value contribution =
              hit ? arith::SelectOp::create(
                        nb, nloc, hit, element,
                        floatConstant(nb, nloc, element.getType(), 0.0))
                        .getResult()
                  : element;
          linalg::YieldOp::create(
              nb, nloc,
              ValueRange{arith::AddFOp::create(nb, nloc, out, contribution)});
        });
    if (failed(status))
      return failure();
    adjoints.add(table, [&] { return generic.getResult(0); });
  }
  return success();
}
