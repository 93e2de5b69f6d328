//===- QuantizePerTensor.cpp - A contraction on per-tensor FP8 ------------===//
//
// An input's scale is 2^k with the least k for which amax / 2^k <= the
// format's largest value: current scaling never saturates. Delayed scaling
// takes k from the largest amax of earlier steps (an all-zero, fresh history
// falls back to the input's own amax), and saturates what grew since. A
// non-finite amax gives a NaN scale in both, so that the product and every
// gradient computed from it are not finite either: dynamic loss scaling
// then skips the step instead of training on saturated values.
//
//===----------------------------------------------------------------------===//

#include "QuantizePerTensor.h"

#include "mx/Dialect/MX/IR/MXTypes.h"
#include "mx/Dialect/MX/Utils/ArithEmitter.h"
#include "mx/Dialect/MX/Utils/Contraction.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Dialect/MX/Utils/Elementwise.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"

#include <limits>

using namespace mlir;
using namespace mlir::mx;
using P = arith::CmpIPredicate;

static Value f32Constant(OpBuilder &b, Location loc, float v) {
  return arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(v));
}

/// The largest magnitude of `tensor` (f32; NaN if it holds one).
static Value buildAmax(OpBuilder &b, Location loc, Value tensor) {
  return buildReduceAll(
      b, loc, tensor,
      [](OpBuilder &nb, Location nl, Value element, Value acc) -> Value {
        return arith::MaximumFOp::create(nb, nl, acc,
                                         math::AbsFOp::create(nb, nl, element));
      });
}

/// 2^k for the least k in [-126, 126] with amax <= max(fp8) * 2^k, from
/// amax's bits: amax = m 2^e fits under max = M 2^E at k = e - E when
/// m <= M, else at k + 1. 1 for a zero amax, NaN for a non-finite one.
static Value fitScale(OpBuilder &b, Location loc, Value amax, Type fp8) {
  const numerics::FormatInfo &info =
      numerics::getFormatInfo(*getElementFormat(fp8));
  auto maxBits = llvm::bit_cast<uint32_t>(float(info.maxNormal));
  ArithEmitter i(b, loc);
  Value bits = i.bitcast(b.getI32Type(), amax);
  Value field = i.band(i.shr(bits, i.c(23)), i.c(0xFF));
  Value mantissa = i.band(bits, i.c(0x7FFFFF));
  Value above = i.cmp(P::ugt, mantissa, i.c(maxBits & 0x7FFFFF));
  Value k =
      i.add(i.sub(field, i.c(maxBits >> 23)), i.select(above, i.c(1), i.c(0)));
  k = i.minS(i.maxS(k, i.c(-126)), i.c(126));
  Value scale = buildPowerOfTwo(b, loc, k);
  Value nan = f32Constant(b, loc, std::numeric_limits<float>::quiet_NaN());
  scale = i.select(i.cmp(P::eq, field, i.c(0xFF)), nan, scale);
  return i.select(i.cmp(P::eq, i.band(bits, i.c(0x7FFFFFFF)), i.c(0)),
                  f32Constant(b, loc, 1.0f), scale);
}

/// [recorded, history[0], ..., history[N-2]]: the newest amax first.
static Value recordAmax(OpBuilder &b, Location loc, Value history,
                        Value recorded) {
  auto type = cast<RankedTensorType>(history.getType());
  int64_t n = type.getDimSize(0);
  Value zero = constantIndex(b, loc, 0);
  if (n == 1)
    return tensor::FromElementsOp::create(b, loc, type, recorded);
  Value older = tensor::ExtractSliceOp::create(
      b, loc, history, ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(n - 1)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  Value shifted = tensor::InsertSliceOp::create(
      b, loc, older, tensor::EmptyOp::create(b, loc, type, ValueRange{}),
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(n - 1)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  return tensor::InsertOp::create(b, loc, recorded, shifted, ValueRange{zero});
}

namespace {

/// One input as FP8 data and its scale.
struct CastInput {
  Value data, scale, history;
};

} // namespace

static CastInput castInput(OpBuilder &b, Location loc, Value input,
                           const TensorCast &how) {
  ArithEmitter e(b, loc);
  Value amax = buildAmax(b, loc, input);
  CastInput out;
  if (!how.amaxHistory) {
    out.scale = fitScale(b, loc, amax, how.format);
  } else {
    Value earlier = buildAmax(b, loc, how.amaxHistory);
    Value fresh =
        e.cmpF(arith::CmpFPredicate::OEQ, earlier, f32Constant(b, loc, 0.0f));
    Value finite =
        e.cmpF(arith::CmpFPredicate::OLT, amax, f32Constant(b, loc, INFINITY));
    Value scale = fitScale(b, loc, e.select(fresh, amax, earlier), how.format);
    out.scale =
        e.select(finite, scale,
                 f32Constant(b, loc, std::numeric_limits<float>::quiet_NaN()));
    out.history = recordAmax(b, loc, how.amaxHistory,
                             e.select(finite, amax, f32Constant(b, loc, 0.0f)));
  }
  // The data divided by the scale: a multiplication by a power of two.
  Value inverse = e.divF(f32Constant(b, loc, 1.0f), out.scale);
  auto f32Type = cast<RankedTensorType>(input.getType());
  Value data = buildElementwise(
      b, loc, input, b.getF32Type(),
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        return arith::MulFOp::create(nb, nl, args[0], inverse);
      });
  auto wide = ScaledTensorType::get(b.getContext(), f32Type);
  auto narrow = wide.cloneWithElementType(how.format);
  Value scaled = ScaleOp::create(b, loc, wide, data, out.scale);
  Value fp8 = ScaledCastOp::create(b, loc, narrow, scaled, how.rounding,
                                   how.seed, Saturation::saturate);
  out.data = ScaledPartsOp::create(
                 b, loc, TypeRange{narrow.getDataType(), b.getF32Type()}, fp8)
                 .getData();
  return out;
}

/// `op`'s contraction as a linalg.generic on `inputs`, whose element types
/// may differ from `op`'s: the body widens them (arith.extf, exact) to the
/// types `op`'s body takes.
static Operation *contractOn(OpBuilder &b, linalg::LinalgOp op,
                             ValueRange inputs, Value init) {
  Block *body = op.getBlock();
  return linalg::GenericOp::create(
      b, op.getLoc(), init.getType(), inputs, init, op.getIndexingMapsArray(),
      op.getIteratorTypesArray(),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        IRMapping mapping;
        for (auto [old, now] : llvm::zip(body->getArguments(), args))
          mapping.map(old,
                      now.getType() == old.getType()
                          ? now
                          : arith::ExtFOp::create(nb, nl, old.getType(), now)
                                .getResult());
        for (Operation &inner : body->without_terminator())
          nb.clone(inner, mapping);
        SmallVector<Value> yielded;
        for (Value v : body->getTerminator()->getOperands())
          yielded.push_back(mapping.lookupOrDefault(v));
        linalg::YieldOp::create(nb, nl, yielded);
      });
}

PerTensorProduct
mlir::mx::quantizeContractionPerTensor(OpBuilder &b, linalg::LinalgOp op,
                                       ArrayRef<TensorCast> inputs) {
  Location loc = op.getLoc();
  ArithEmitter e(b, loc);
  PerTensorProduct out;
  Value scale = f32Constant(b, loc, 1.0f);
  SmallVector<Value, 2> operands;
  for (auto [operand, how] : llvm::zip(op.getDpsInputs(), inputs)) {
    if (!how.format) {
      operands.push_back(operand);
      continue;
    }
    CastInput input = castInput(b, loc, operand, how);
    operands.push_back(input.data);
    scale = e.mulF(scale, input.scale);
    if (input.history)
      out.histories.push_back(input.history);
  }
  // The contraction itself on the FP8 values, from zero: the scales
  // multiply its sum, not the init.
  Value init = op.getDpsInits()[0];
  auto resultType = cast<RankedTensorType>(init.getType());
  bool initIsZero = isZeroInit(init);
  Value zero =
      initIsZero
          ? init
          : linalg::FillOp::create(b, loc, f32Constant(b, loc, 0.0f),
                                   ValueRange{tensor::EmptyOp::create(
                                       b, loc, resultType, ValueRange{})})
                .getResult(0);
  Operation *product = contractOn(b, op, operands, zero);
  out.product = product;
  Value scaled =
      ScaleOp::create(b, loc, ScaledTensorType::get(b.getContext(), resultType),
                      product->getResult(0), scale);
  out.result = UnscaleOp::create(b, loc, resultType, scaled);
  if (!initIsZero)
    out.result = buildElementwise(
        b, loc, ValueRange{init, out.result}, b.getF32Type(),
        [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          return arith::AddFOp::create(nb, nl, args[0], args[1]);
        });
  return out;
}
