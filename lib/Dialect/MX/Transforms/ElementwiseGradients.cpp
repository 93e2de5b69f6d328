//===- ElementwiseGradients.cpp - Adjoints of arith/math and tensor ops ---===//
//
// Each rule reads the op's operands and result (the forward values are kept)
// and the result's adjoint g, and builds g * d(result)/d(operand) with ops
// of the operands' own type: tensors at function level, scalars in bodies.
//
//===----------------------------------------------------------------------===//

#include "GradientRules.h"

#include "mx/Dialect/MX/Utils/ArithEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/TypeUtilities.h"

#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::mx;
using namespace mlir::mx::gradients;

void Adjoints::add(Value value, llvm::function_ref<Value()> contribution) {
  if (!wants(value))
    return;
  Value c = contribution();
  Value &slot = adjoints[value];
  slot = slot ? arith::AddFOp::create(b, c.getLoc(), slot, c).getResult() : c;
}

bool gradients::isFloatLike(Type type) {
  return isa<FloatType>(getElementTypeOrSelf(type));
}

Value gradients::floatConstant(OpBuilder &b, Location loc, Type type,
                               double value) {
  auto element = cast<FloatType>(getElementTypeOrSelf(type));
  TypedAttr scalar = b.getFloatAttr(element, value);
  if (auto shaped = dyn_cast<ShapedType>(type))
    return arith::ConstantOp::create(b, loc,
                                     SplatElementsAttr::get(shaped, scalar));
  return arith::ConstantOp::create(b, loc, scalar);
}

Value gradients::zeroTensor(OpBuilder &b, Location loc, RankedTensorType type) {
  Value empty =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  Value zero = floatConstant(b, loc, type.getElementType(), 0.0);
  return linalg::FillOp::create(b, loc, zero, empty).getResult(0);
}

bool gradients::hasElementwiseRule(Operation *op) {
  return isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::DivFOp,
             arith::NegFOp, arith::MaximumFOp, arith::MinimumFOp,
             arith::MaxNumFOp, arith::MinNumFOp, arith::SelectOp, arith::ExtFOp,
             arith::TruncFOp, math::ExpOp, math::Exp2Op, math::LogOp,
             math::Log2Op, math::Log1pOp, math::TanhOp, math::SqrtOp,
             math::RsqrtOp, math::ErfOp, math::AbsFOp, math::PowFOp,
             math::SinOp, math::CosOp, math::FmaOp>(op);
}

namespace {

/// The arithmetic the rules are written in: the project's arith vocabulary
/// and float constants shaped like a value (scalar or splat tensor).
struct FloatMath : ArithEmitter {
  using ArithEmitter::ArithEmitter;

  Value c(Value like, double v) {
    return floatConstant(b, loc, like.getType(), v);
  }
  /// g where `greater`, g/2 where equal (a tie), 0 elsewhere.
  Value winnerShare(Value g, Value greater, Value equal) {
    Value zero = c(g, 0.0);
    return select(greater, g, select(equal, mulF(g, c(g, 0.5)), zero));
  }
};

} // namespace

void gradients::differentiateElementwise(Operation *op, Value resultAdjoint,
                                         Adjoints &adjoints) {
  Value g = resultAdjoint;
  FloatMath e(adjoints.b, op->getLoc());
  Value r = op->getNumResults() ? op->getResult(0) : Value();
  auto give = [&](unsigned i, llvm::function_ref<Value()> contribution) {
    adjoints.add(op->getOperand(i), contribution);
  };
  Value x = op->getNumOperands() > 0 ? op->getOperand(0) : Value();
  Value y = op->getNumOperands() > 1 ? op->getOperand(1) : Value();
  using P = arith::CmpFPredicate;

  if (isa<arith::AddFOp>(op)) {
    give(0, [&] { return g; });
    give(1, [&] { return g; });
  } else if (isa<arith::SubFOp>(op)) {
    give(0, [&] { return g; });
    give(1, [&] { return e.negF(g); });
  } else if (isa<arith::MulFOp>(op)) {
    give(0, [&] { return e.mulF(g, y); });
    give(1, [&] { return e.mulF(g, x); });
  } else if (isa<arith::DivFOp>(op)) { // d(x/y)/dy = -(x/y)/y
    give(0, [&] { return e.divF(g, y); });
    give(1, [&] { return e.negF(e.divF(e.mulF(g, r), y)); });
  } else if (isa<arith::NegFOp>(op)) {
    give(0, [&] { return e.negF(g); });
  } else if (isa<arith::MaximumFOp, arith::MaxNumFOp>(op)) {
    give(0, [&] {
      return e.winnerShare(g, e.cmpF(P::OGT, x, y), e.cmpF(P::OEQ, x, y));
    });
    give(1, [&] {
      return e.winnerShare(g, e.cmpF(P::OGT, y, x), e.cmpF(P::OEQ, x, y));
    });
  } else if (isa<arith::MinimumFOp, arith::MinNumFOp>(op)) {
    give(0, [&] {
      return e.winnerShare(g, e.cmpF(P::OLT, x, y), e.cmpF(P::OEQ, x, y));
    });
    give(1, [&] {
      return e.winnerShare(g, e.cmpF(P::OLT, y, x), e.cmpF(P::OEQ, x, y));
    });
  } else if (auto select = dyn_cast<arith::SelectOp>(op)) {
    Value cond = select.getCondition();
    give(1, [&] { return e.select(cond, g, e.c(g, 0.0)); });
    give(2, [&] { return e.select(cond, e.c(g, 0.0), g); });
  } else if (isa<arith::ExtFOp>(op)) {
    give(0, [&] {
      return arith::TruncFOp::create(e.b, e.loc, x.getType(), g).getResult();
    });
  } else if (isa<arith::TruncFOp>(op)) {
    give(0, [&] {
      return arith::ExtFOp::create(e.b, e.loc, x.getType(), g).getResult();
    });
  } else if (isa<math::ExpOp>(op)) {
    give(0, [&] { return e.mulF(g, r); });
  } else if (isa<math::Exp2Op>(op)) {
    give(0, [&] { return e.mulF(e.mulF(g, r), e.c(g, llvm::numbers::ln2)); });
  } else if (isa<math::LogOp>(op)) {
    give(0, [&] { return e.divF(g, x); });
  } else if (isa<math::Log2Op>(op)) {
    give(0, [&] { return e.divF(g, e.mulF(x, e.c(x, llvm::numbers::ln2))); });
  } else if (isa<math::Log1pOp>(op)) {
    give(0, [&] { return e.divF(g, e.addF(x, e.c(x, 1.0))); });
  } else if (isa<math::TanhOp>(op)) {
    give(0, [&] { return e.mulF(g, e.subF(e.c(r, 1.0), e.mulF(r, r))); });
  } else if (isa<math::SqrtOp>(op)) {
    give(0, [&] { return e.divF(g, e.mulF(r, e.c(r, 2.0))); });
  } else if (isa<math::RsqrtOp>(op)) { // d(x^-1/2) = -x^-3/2 / 2
    give(0, [&] {
      return e.mulF(e.mulF(g, e.c(g, -0.5)), e.mulF(r, e.mulF(r, r)));
    });
  } else if (isa<math::ErfOp>(op)) { // 2/sqrt(pi) exp(-x^2)
    give(0, [&] {
      Value gauss = math::ExpOp::create(e.b, e.loc, e.negF(e.mulF(x, x)));
      return e.mulF(e.mulF(g, e.c(g, 2.0 * llvm::numbers::inv_sqrtpi)), gauss);
    });
  } else if (isa<math::AbsFOp>(op)) { // sign(x), 0 at 0 (as torch.abs)
    give(0, [&] {
      Value zero = e.c(x, 0.0);
      return e.select(e.cmpF(P::OGT, x, zero), g,
                      e.select(e.cmpF(P::OLT, x, zero), e.negF(g), zero));
    });
  } else if (isa<math::PowFOp>(op)) {
    give(0, [&] {
      Value lower = math::PowFOp::create(e.b, e.loc, x, e.subF(y, e.c(y, 1.0)));
      return e.mulF(g, e.mulF(y, lower));
    });
    give(1, [&] {
      return e.mulF(e.mulF(g, r), math::LogOp::create(e.b, e.loc, x));
    });
  } else if (isa<math::SinOp>(op)) {
    give(0, [&] { return e.mulF(g, math::CosOp::create(e.b, e.loc, x)); });
  } else if (isa<math::CosOp>(op)) {
    give(0,
         [&] { return e.negF(e.mulF(g, math::SinOp::create(e.b, e.loc, x))); });
  } else if (isa<math::FmaOp>(op)) {
    give(0, [&] { return e.mulF(g, y); });
    give(1, [&] { return e.mulF(g, x); });
    give(2, [&] { return g; });
  } else {
    llvm_unreachable("differentiateElementwise: no rule (hasElementwiseRule)");
  }
}

LogicalResult gradients::differentiateTensorOp(Operation *op,
                                               Value resultAdjoint,
                                               Adjoints &adjoints) {
  Value g = resultAdjoint;
  OpBuilder &b = adjoints.b;
  Location loc = op->getLoc();
  auto zerosOf = [&](Value v) {
    return zeroTensor(b, loc, cast<RankedTensorType>(v.getType()));
  };
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
    adjoints.add(expand.getSrc(), [&] {
      return tensor::CollapseShapeOp::create(b, loc, expand.getSrcType(), g,
                                             expand.getReassociationIndices())
          .getResult();
    });
    return success();
  }
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
    adjoints.add(collapse.getSrc(), [&] {
      return tensor::ExpandShapeOp::create(b, loc, collapse.getSrcType(), g,
                                           collapse.getReassociationIndices())
          .getResult();
    });
    return success();
  }
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    adjoints.add(slice.getSource(), [&] {
      return tensor::InsertSliceOp::create(
                 b, loc, g, zerosOf(slice.getSource()), slice.getMixedOffsets(),
                 slice.getMixedSizes(), slice.getMixedStrides())
          .getResult();
    });
    return success();
  }
  if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
    adjoints.add(insert.getSource(), [&] {
      return tensor::ExtractSliceOp::create(
                 b, loc, cast<RankedTensorType>(insert.getSourceType()), g,
                 insert.getMixedOffsets(), insert.getMixedSizes(),
                 insert.getMixedStrides())
          .getResult();
    });
    adjoints.add(insert.getDest(), [&] {
      return tensor::InsertSliceOp::create(b, loc, zerosOf(insert.getSource()),
                                           g, insert.getMixedOffsets(),
                                           insert.getMixedSizes(),
                                           insert.getMixedStrides())
          .getResult();
    });
    return success();
  }
  if (auto extract = dyn_cast<tensor::ExtractOp>(op)) {
    adjoints.add(extract.getTensor(), [&] {
      return tensor::InsertOp::create(b, loc, g, zerosOf(extract.getTensor()),
                                      extract.getIndices())
          .getResult();
    });
    return success();
  }
  if (auto insert = dyn_cast<tensor::InsertOp>(op)) {
    adjoints.add(insert.getScalar(), [&] {
      return tensor::ExtractOp::create(b, loc, g, insert.getIndices())
          .getResult();
    });
    adjoints.add(insert.getDest(), [&] {
      Value zero = floatConstant(b, loc, insert.getScalar().getType(), 0.0);
      return tensor::InsertOp::create(b, loc, zero, g, insert.getIndices())
          .getResult();
    });
    return success();
  }
  if (auto cast = dyn_cast<tensor::CastOp>(op)) {
    adjoints.add(cast.getSource(), [&] {
      return tensor::CastOp::create(b, loc, cast.getSource().getType(), g)
          .getResult();
    });
    return success();
  }
  if (auto elements = dyn_cast<tensor::FromElementsOp>(op)) {
    auto type = elements.getType();
    SmallVector<int64_t> strides = computeStrides(type.getShape());
    for (int64_t flat = 0; flat < type.getNumElements(); ++flat)
      adjoints.add(elements.getElements()[flat], [&] {
        SmallVector<Value> indices;
        for (int64_t position : delinearize(flat, strides))
          indices.push_back(arith::ConstantIndexOp::create(b, loc, position));
        return tensor::ExtractOp::create(b, loc, g, indices).getResult();
      });
    return success();
  }
  if (auto concat = dyn_cast<tensor::ConcatOp>(op)) {
    auto type = concat.getResultType();
    if (!type.hasStaticShape())
      return failure();
    int64_t dim = concat.getDim(), offset = 0;
    for (Value input : concat.getInputs()) {
      auto inputType = cast<RankedTensorType>(input.getType());
      adjoints.add(input, [&] {
        SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)),
            sizes, strides(type.getRank(), b.getIndexAttr(1));
        offsets[dim] = b.getIndexAttr(offset);
        for (int64_t size : inputType.getShape())
          sizes.push_back(b.getIndexAttr(size));
        return tensor::ExtractSliceOp::create(b, loc, inputType, g, offsets,
                                              sizes, strides)
            .getResult();
      });
      offset += inputType.getDimSize(dim);
    }
    return success();
  }
  return failure();
}
