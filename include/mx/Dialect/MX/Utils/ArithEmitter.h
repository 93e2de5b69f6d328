//===- ArithEmitter.h - One short call per arith op -------------*- C++ -*-===//
//
// The lowerings write their integer arithmetic op by op (element codes,
// scale rules, kernel index math). This is their one vocabulary: each arith
// op is one call at a fixed location, on scalars or, lane by lane, on
// vectors, with constants of a chosen integer type.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_UTILS_ARITHEMITTER_H
#define MX_DIALECT_MX_UTILS_ARITHEMITTER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/TypeUtilities.h"

namespace mlir::mx {

/// `element` in the shape of `model`'s type (a vector of it where `model` is
/// a vector).
inline Type shapedLike(Value model, Type element) {
  if (auto vector = dyn_cast<VectorType>(model.getType()))
    return vector.clone(element);
  return element;
}

/// The constant `scalar`, splat when `type` is a vector.
inline Value splatConstant(OpBuilder &b, Location loc, Type type,
                           TypedAttr scalar) {
  if (auto vector = dyn_cast<VectorType>(type))
    return arith::ConstantOp::create(b, loc,
                                     SplatElementsAttr::get(vector, scalar));
  return arith::ConstantOp::create(b, loc, scalar);
}

/// The index constant `v` (for code with no ArithEmitter at hand, e.g.
/// loop bodies with builders of their own).
inline Value constantIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Arith ops at `loc`; `c` makes integer constants of `type` (a scalar
/// integer or a vector of one).
struct ArithEmitter {
  OpBuilder &b;
  Location loc;
  Type type;

  ArithEmitter(OpBuilder &b, Location loc, Type type)
      : b(b), loc(loc), type(type) {}
  ArithEmitter(OpBuilder &b, Location loc)
      : b(b), loc(loc), type(b.getI32Type()) {}

  // Constants.
  Value c(int64_t v) { return c(v, type); }
  Value c(int64_t v, Type t) {
    return splatConstant(b, loc, t,
                         b.getIntegerAttr(getElementTypeOrSelf(t), v));
  }
  Value cIndex(int64_t v) { return constantIndex(b, loc, v); }
  Value cF32(float v) {
    return arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(v));
  }

  // Integers.
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value divU(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
  Value remU(Value x, Value y) { return arith::RemUIOp::create(b, loc, x, y); }
  Value minS(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value maxS(Value x, Value y) { return arith::MaxSIOp::create(b, loc, x, y); }
  Value band(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value bor(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value bxor(Value x, Value y) { return arith::XOrIOp::create(b, loc, x, y); }
  Value shl(Value x, Value y) { return arith::ShLIOp::create(b, loc, x, y); }
  Value shr(Value x, Value y) { return arith::ShRUIOp::create(b, loc, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }

  // Floats.
  Value addF(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value subF(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mulF(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value divF(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value negF(Value x) { return arith::NegFOp::create(b, loc, x); }
  Value cmpF(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }

  // Casts.
  Value zext(Type t, Value x) { return arith::ExtUIOp::create(b, loc, t, x); }
  Value trunc(Type t, Value x) { return arith::TruncIOp::create(b, loc, t, x); }
  Value bitcast(Type t, Value x) {
    return arith::BitcastOp::create(b, loc, t, x);
  }
  /// An index as an unsigned integer of type `t`, or back.
  Value indexCast(Type t, Value x) {
    return arith::IndexCastUIOp::create(b, loc, t, x);
  }
};

} // namespace mlir::mx

#endif // MX_DIALECT_MX_UTILS_ARITHEMITTER_H
