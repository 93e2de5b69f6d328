//===- PropagateScales.cpp - The mx-propagate-scales pass -----------------===//
//
// Scalify's scale propagation. Ops are visited in order; each f32 tensor the
// pass understands gets a (data, scale) pair. A handled op is rebuilt on the
// data with its rule's scale arithmetic, and its result replaced by
// mx.unscale(mx.scale(data, scale)): ops without a rule keep reading real
// values, later rules find the pair again, and unused unscales fold away.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"
#include "mx/Dialect/MX/Utils/Contraction.h"
#include "mx/Dialect/MX/Utils/Elementwise.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace mlir::mx {
#define GEN_PASS_DEF_MXPROPAGATESCALESPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

namespace {

/// value = data * scale; data an f32 tensor, scale an f32 power of two.
struct Scaled {
  Value data;
  Value scale;
};

enum class Combine { Add, Sub, Mul, Div, Max, Min };

} // namespace

/// floor(log2 sqrt n) = floor(floor(log2 n) / 2), for n >= 1.
static int64_t log2SqrtFloor(int64_t n) {
  return llvm::Log2_64(uint64_t(n)) / 2;
}

/// floor(log2 amax) of the finite values: the exponent of a constant's
/// static scale. An all-zero constant gets 2^-126, the smallest normal
/// scale, so that it never dominates a common scale (adding a zero bias
/// keeps the other operand's scale); one with no finite value gets 1.
static int exponentOfLargest(ArrayRef<float> values) {
  float amax = 0.0f;
  bool finite = false;
  for (float v : values) {
    if (!std::isfinite(v))
      continue;
    finite = true;
    amax = std::max(amax, std::fabs(v));
  }
  if (!finite)
    return 0;
  return amax > 0.0f ? std::ilogb(amax) : -126;
}

static bool isStaticF32Tensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.hasStaticShape() && tensor.getElementType().isF32();
}

/// 0, +-Inf, +-FLT_MAX: values that a power-of-two scale leaves as they are
/// (FLT_MAX as a bound: finite data never exceeds it either way).
static bool isScaleFree(const APFloat &c) {
  return c.isZero() || c.isInfinity() ||
         (c.isLargest() && &c.getSemantics() == &APFloat::IEEEsingle());
}

/// A splat of a scale-free value: arith.constant or linalg.fill.
static bool isScaleFreeSplat(Value value) {
  SplatElementsAttr splat;
  if (matchPattern(value, m_Constant(&splat)) &&
      isa<FloatType>(splat.getElementType()))
    return isScaleFree(splat.getSplatValue<APFloat>());
  APFloat c(0.0f);
  auto fill = value.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_ConstantFloat(&c)) &&
         isScaleFree(c);
}

namespace {

class Propagation {
public:
  Propagation(func::FuncOp function, Type matmulData, RescaleNorm norm)
      : function(function), b(function.getContext()), matmulData(matmulData),
        norm(norm) {}

  void run() {
    SmallVector<Operation *> ops;
    for (Operation &op : function.getBody().front())
      ops.push_back(&op);
    for (Operation *op : ops)
      visit(op);
  }

private:
  func::FuncOp function;
  OpBuilder b;
  Type matmulData;
  RescaleNorm norm;
  DenseMap<Value, Scaled> known;
  Operation *lastArgumentParts = nullptr;

  Value f32(Location loc, double v) {
    return arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                          APFloat(float(v)));
  }
  Value pow2(Location loc, int e) { return f32(loc, std::ldexp(1.0, e)); }

  /// data * factor elementwise (factor an f32 scalar).
  Value shiftData(Location loc, Value data, Value factor) {
    return buildElementwise(b, loc, data, b.getF32Type(),
                            [&](OpBuilder &nb, Location nl, ValueRange args) {
                              return arith::MulFOp::create(nb, nl, args[0],
                                                           factor);
                            });
  }

  /// The pair of `value` (an f32 static tensor), made at its definition if
  /// not known yet: static for constants and fills, measured otherwise.
  Scaled get(Value value) {
    if (auto it = known.find(value); it != known.end())
      return it->second;
    OpBuilder::InsertionGuard guard(b);
    if (Operation *def = value.getDefiningOp())
      b.setInsertionPointAfter(def);
    else if (lastArgumentParts) // arguments in the order they are needed
      b.setInsertionPointAfter(lastArgumentParts);
    else
      b.setInsertionPointToStart(value.getParentBlock());
    Location loc = value.getLoc();
    Scaled pair;
    DenseElementsAttr constant;
    if (matchPattern(value, m_Constant(&constant))) {
      SmallVector<float> values(constant.getValues<float>());
      int e = exponentOfLargest(values);
      for (float &v : values)
        v = std::ldexp(v, -e);
      pair.data = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(constant.getType(), ArrayRef(values)));
      pair.scale = pow2(loc, e);
    } else if (auto fill = value.getDefiningOp<linalg::FillOp>();
               fill && matchPattern(fill.getInputs()[0], m_Constant())) {
      APFloat c(0.0f);
      (void)matchPattern(fill.getInputs()[0], m_ConstantFloat(&c));
      float v = c.convertToFloat();
      int e = exponentOfLargest(v);
      pair.data = linalg::FillOp::create(b, loc, f32(loc, std::ldexp(v, -e)),
                                         fill.getOutputs()[0])
                      .getResult(0);
      pair.scale = pow2(loc, e);
    } else {
      // Say which ops cost a run-time rescale (arguments always do).
      if (Operation *def = value.getDefiningOp())
        def->emitRemark() << "mx-propagate-scales: no scale rule for '"
                          << def->getName()
                          << "': its result is rescaled at run time (norm<"
                          << stringifyRescaleNorm(norm) << ">)";
      auto type = ScaledTensorType::get(
          b.getContext(), cast<RankedTensorType>(value.getType()));
      Value one = f32(loc, 1.0);
      Value scaled = ScaleOp::create(b, loc, type, value, one);
      Value rescaled = RescaleOp::create(
          b, loc, type, scaled, RescaleNormAttr::get(b.getContext(), norm));
      auto parts = ScaledPartsOp::create(
          b, loc, TypeRange{value.getType(), b.getF32Type()}, rescaled);
      pair = {parts.getData(), parts.getScale()};
      if (!value.getDefiningOp())
        lastArgumentParts = parts;
    }
    known[value] = pair;
    return pair;
  }

  /// Replaces `result` by the value of `pair` and remembers the pair.
  void publish(Operation *op, Value result, Scaled pair) {
    result.replaceAllUsesWith(
        remember(op->getLoc(), pair, cast<RankedTensorType>(result.getType())));
    if (op->use_empty())
      op->erase();
  }

  /// The data of `pair` cast to the matmul data type (scale unchanged).
  Value castForMatmul(Location loc, Scaled pair) {
    if (matmulData.isF32())
      return pair.data;
    auto wide = ScaledTensorType::get(
        b.getContext(), cast<RankedTensorType>(pair.data.getType()));
    Value scaled = ScaleOp::create(b, loc, wide, pair.data, pair.scale);
    Value narrow = ScaledCastOp::create(
        b, loc, wide.cloneWithElementType(matmulData), scaled, Rounding::rne,
        /*seed=*/nullptr, Saturation::saturate);
    return ScaledPartsOp::create(
               b, loc,
               TypeRange{wide.cloneWithElementType(matmulData).getDataType(),
                         b.getF32Type()},
               narrow)
        .getData();
  }

  /// Operands shifted to a common scale, the larger one: each factor is
  /// its scale over the common one, a power of two <= 1.
  std::pair<Value, Value> commonFactors(Location loc, Scaled x, Scaled y,
                                        Value &scale) {
    scale = arith::MaximumFOp::create(b, loc, x.scale, y.scale);
    return {arith::DivFOp::create(b, loc, x.scale, scale),
            arith::DivFOp::create(b, loc, y.scale, scale)};
  }

  Scaled combine(Location loc, Combine kind, Value lhs, Value rhs) {
    // max(x, 0) and min(x, 0) (ReLU and friends) keep x's scale.
    if ((kind == Combine::Max || kind == Combine::Min) &&
        (isZeroInit(lhs) || isZeroInit(rhs))) {
      Scaled x = get(isZeroInit(lhs) ? rhs : lhs);
      Value zero = f32(loc, 0.0);
      Value data = buildElementwise(
          b, loc, x.data, b.getF32Type(),
          [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
            if (kind == Combine::Max)
              return arith::MaximumFOp::create(nb, nl, args[0], zero);
            return arith::MinimumFOp::create(nb, nl, args[0], zero);
          });
      return {data, x.scale};
    }
    Scaled x = get(lhs), y = get(rhs);
    Value scale, fx, fy;
    switch (kind) {
    case Combine::Mul:
      scale = arith::MulFOp::create(b, loc, x.scale, y.scale);
      break;
    case Combine::Div:
      scale = arith::DivFOp::create(b, loc, x.scale, y.scale);
      break;
    default:
      std::tie(fx, fy) = commonFactors(loc, x, y, scale);
    }
    Value data = buildElementwise(
        b, loc, ValueRange{x.data, y.data}, b.getF32Type(),
        [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          Value u = args[0], v = args[1];
          if (fx) {
            u = arith::MulFOp::create(nb, nl, u, fx);
            v = arith::MulFOp::create(nb, nl, v, fy);
          }
          switch (kind) {
          case Combine::Add:
            return arith::AddFOp::create(nb, nl, u, v);
          case Combine::Sub:
            return arith::SubFOp::create(nb, nl, u, v);
          case Combine::Mul:
            return arith::MulFOp::create(nb, nl, u, v);
          case Combine::Div:
            return arith::DivFOp::create(nb, nl, u, v);
          case Combine::Max:
            return arith::MaximumFOp::create(nb, nl, u, v);
          case Combine::Min:
            return arith::MinimumFOp::create(nb, nl, u, v);
          }
          llvm_unreachable("unknown combination");
        });
    return {data, scale};
  }

  /// data * 2^-c and scale * 2^c: the unit-scaling rule of a sum of n terms
  /// with c = floor(log2 sqrt n).
  Scaled unitScale(Location loc, Value data, Value scale, int64_t n) {
    int64_t c = log2SqrtFloor(n);
    if (c == 0)
      return {data, scale};
    return {shiftData(loc, data, pow2(loc, -c)),
            arith::MulFOp::create(b, loc, scale, pow2(loc, c))};
  }

  /// linalg.matmul, batch_matmul (also with transposing indexing_maps),
  /// matvec or vecmat: K is the extent of the reduction loop.
  template <typename MatmulLike> Scaled matmul(MatmulLike op) {
    Location loc = op.getLoc();
    Scaled x = get(op.getInputs()[0]), y = get(op.getInputs()[1]);
    Value lhs = castForMatmul(loc, x), rhs = castForMatmul(loc, y);
    auto resultType = cast<RankedTensorType>(op.getResultTypes()[0]);
    Value zero = linalg::FillOp::create(
                     b, loc, f32(loc, 0.0),
                     ValueRange{tensor::EmptyOp::create(
                         b, loc, resultType.getShape(), b.getF32Type())})
                     .getResult(0);
    // Rebuilt rather than cloned: the body's block arguments take the
    // operands' new (FP8) element types.
    SmallVector<NamedAttribute> attributes;
    if (Attribute maps = op->getAttr("indexing_maps"))
      attributes.push_back(b.getNamedAttr("indexing_maps", maps));
    Value product =
        MatmulLike::create(b, loc, TypeRange{resultType}, ValueRange{lhs, rhs},
                           ValueRange{zero}, attributes)
            ->getResult(0);
    Value scale = arith::MulFOp::create(b, loc, x.scale, y.scale);
    int64_t k = 1;
    for (auto [range, iterator] : llvm::zip(
             cast<linalg::LinalgOp>(op.getOperation()).getStaticLoopRanges(),
             op.getIteratorTypesArray()))
      if (iterator == utils::IteratorType::reduction)
        k *= range;
    Scaled result = unitScale(loc, product, scale, k);
    Value init = op.getOutputs()[0];
    if (isZeroInit(init))
      return result;
    // C + A B: the product's pair plus the init's.
    return combine(loc, Combine::Add, remember(loc, result, resultType), init);
  }

  /// A real-valued stand-in for `pair` that rules can consume.
  Value remember(Location loc, Scaled pair, RankedTensorType type) {
    Value real = UnscaleOp::create(
        b, loc, type,
        ScaleOp::create(b, loc, ScaledTensorType::get(b.getContext(), type),
                        pair.data, pair.scale));
    known[real] = pair;
    return real;
  }

  /// Operands brought to their largest scale: each data shifted by its
  /// scale over that one (a power of two <= 1).
  SmallVector<Value> toCommonScale(Location loc, ValueRange values,
                                   Value &scale) {
    SmallVector<Scaled> pairs;
    for (Value value : values)
      pairs.push_back(get(value));
    scale = pairs.front().scale;
    for (Scaled &pair : llvm::drop_begin(pairs))
      scale = arith::MaximumFOp::create(b, loc, scale, pair.scale);
    SmallVector<Value> data;
    for (Scaled &pair : pairs)
      data.push_back(shiftData(
          loc, pair.data, arith::DivFOp::create(b, loc, pair.scale, scale)));
    return data;
  }

  /// `op` cloned with its `replaced` operands (in order) taking `data`.
  Value cloneOn(Operation *op, ValueRange replaced, ValueRange data) {
    IRMapping mapping;
    for (auto [from, to] : llvm::zip(replaced, data))
      mapping.map(from, to);
    return b.clone(*op, mapping)->getResult(0);
  }

  /// arith.select: both values at a common scale; the condition as it is.
  Scaled select(arith::SelectOp op) {
    Value scale;
    SmallVector<Value> values = {op.getTrueValue(), op.getFalseValue()};
    SmallVector<Value> data = toCommonScale(op.getLoc(), values, scale);
    return {cloneOn(op, values, data), scale};
  }

  /// tensor.concat: every input at a common scale.
  Scaled concat(tensor::ConcatOp op) {
    Value scale;
    SmallVector<Value> data = toCommonScale(op.getLoc(), op.getInputs(), scale);
    return {cloneOn(op, op.getInputs(), data), scale};
  }

  /// An elementwise linalg.generic (all parallel, inputs broadcast or not)
  /// whose body is one add/sub/mul/div/max/min of two inputs, or a chain of
  /// neg/abs/max/min of one input with scale-free constants (0, +-Inf,
  /// +-FLT_MAX: e.g. TOSA's clamp for ReLU). What tosa-to-linalg makes of
  /// TOSA's elementwise ops.
  std::optional<Scaled> elementwiseGeneric(linalg::GenericOp op) {
    if (op.getNumDpsInits() != 1 ||
        op.getNumParallelLoops() != op.getNumLoops() ||
        !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity() ||
        !op.getRegionOutputArgs()[0].use_empty())
      return std::nullopt;
    Block &body = op.getRegion().front();
    SmallVector<Operation *> ops;
    for (Operation &inner : body.without_terminator())
      ops.push_back(&inner);
    Location loc = op.getLoc();
    SmallVector<Value> inputs(op.getDpsInputs());
    auto inputIndex = [&](Value v) -> int {
      auto arg = dyn_cast<BlockArgument>(v);
      return arg && arg.getOwner() == &body &&
                     arg.getArgNumber() < inputs.size()
                 ? int(arg.getArgNumber())
                 : -1;
    };
    // One binary op of two inputs.
    if (ops.size() == 1 && ops[0]->getNumOperands() == 2 &&
        inputs.size() == 2) {
      int i = inputIndex(ops[0]->getOperand(0)),
          j = inputIndex(ops[0]->getOperand(1));
      if (i < 0 || j < 0 || i == j)
        return std::nullopt;
      bool multiplies = isa<arith::MulFOp>(ops[0]);
      bool divides = isa<arith::DivFOp>(ops[0]);
      bool common =
          isa<arith::AddFOp, arith::SubFOp, arith::MaximumFOp, arith::MaxNumFOp,
              arith::MinimumFOp, arith::MinNumFOp>(ops[0]);
      if (!multiplies && !divides && !common)
        return std::nullopt;
      Value scale;
      SmallVector<Value> data;
      if (common) {
        data = toCommonScale(loc, inputs, scale);
      } else {
        Scaled x = get(inputs[i]), y = get(inputs[j]);
        scale =
            multiplies
                ? arith::MulFOp::create(b, loc, x.scale, y.scale).getResult()
                : arith::DivFOp::create(b, loc, x.scale, y.scale).getResult();
        data.resize(2);
        data[i] = x.data;
        data[j] = y.data;
      }
      return Scaled{cloneOn(op, inputs, data), scale};
    }
    // Sign and clamp chains of one input.
    if (inputs.size() != 1)
      return std::nullopt;
    for (Operation *inner : ops) {
      if (isa<arith::NegFOp, math::AbsFOp>(inner))
        continue;
      if (!isa<arith::MaximumFOp, arith::MaxNumFOp, arith::MinimumFOp,
               arith::MinNumFOp>(inner))
        return std::nullopt;
      for (Value operand : inner->getOperands()) {
        APFloat c(0.0f);
        if (matchPattern(operand, m_ConstantFloat(&c)) && !isScaleFree(c))
          return std::nullopt;
      }
    }
    return passThrough(op, inputs[0]);
  }

  /// linalg.reduce of one input: a sum is unit-scaled by the number of
  /// terms per output; a max or min keeps the scale.
  std::optional<Scaled> reduce(linalg::ReduceOp op) {
    if (op.getInputs().size() != 1 || op.getBody()->getOperations().size() != 2)
      return std::nullopt;
    Operation &combiner = op.getBody()->front();
    // max / min reductions from a scale-free init (e.g. -Inf): the scale
    // passes through.
    if (isa<arith::MaximumFOp, arith::MaxNumFOp, arith::MinimumFOp,
            arith::MinNumFOp>(combiner))
      return isScaleFreeSplat(op.getInits()[0])
                 ? std::optional<Scaled>(passThrough(op, op.getInputs()[0]))
                 : std::nullopt;
    if (!isa<arith::AddFOp>(combiner))
      return std::nullopt;
    Location loc = op.getLoc();
    Scaled x = get(op.getInputs()[0]);
    auto inType = cast<RankedTensorType>(x.data.getType());
    int64_t n = 1;
    for (int64_t dim : op.getDimensions())
      n *= inType.getShape()[dim];
    auto outType = cast<RankedTensorType>(op.getResultTypes()[0]);
    Value zero =
        linalg::FillOp::create(b, loc, f32(loc, 0.0),
                               ValueRange{tensor::EmptyOp::create(
                                   b, loc, outType.getShape(), b.getF32Type())})
            .getResult(0);
    IRMapping mapping;
    mapping.map(op.getInputs()[0], x.data);
    mapping.map(op.getInits()[0], zero);
    Value sum = b.clone(*op, mapping)->getResult(0);
    Scaled result = unitScale(loc, sum, x.scale, n);
    if (isZeroInit(op.getInits()[0]))
      return result;
    return combine(loc, Combine::Add, remember(loc, result, outType),
                   op.getInits()[0]);
  }

  /// The op applied to the data; the scale passes through.
  Scaled passThrough(Operation *op, Value input) {
    Scaled x = get(input);
    IRMapping mapping;
    mapping.map(input, x.data);
    return {b.clone(*op, mapping)->getResult(0), x.scale};
  }

  /// sqrt(d s) = sqrt(d f) r and rsqrt(d s) = rsqrt(d f) / r, with
  /// r = 2^floor(e / 2) for s = 2^e and f = s / r^2 in {1, 2}: exact scale
  /// arithmetic (r is sqrt(s) with its mantissa cleared; sqrt of a power of
  /// two is a normal f32).
  Scaled squareRoot(Operation *op, Value input, bool reciprocal) {
    Location loc = op->getLoc();
    Scaled x = get(input);
    Type i32 = b.getI32Type();
    Value root = math::SqrtOp::create(b, loc, x.scale);
    Value r = arith::BitcastOp::create(
        b, loc, b.getF32Type(),
        arith::AndIOp::create(
            b, loc, arith::BitcastOp::create(b, loc, i32, root),
            arith::ConstantIntOp::create(b, loc, i32, 0xFF800000)));
    Value f = arith::DivFOp::create(b, loc, x.scale,
                                    arith::MulFOp::create(b, loc, r, r));
    Value data = buildElementwise(
        b, loc, x.data, b.getF32Type(),
        [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          Value v = arith::MulFOp::create(nb, nl, args[0], f);
          if (reciprocal)
            return math::RsqrtOp::create(nb, nl, v);
          return math::SqrtOp::create(nb, nl, v);
        });
    Value scale =
        reciprocal ? arith::DivFOp::create(b, loc, f32(loc, 1.0), r).getResult()
                   : r;
    return {data, scale};
  }

  void visit(Operation *op) {
    if (op->getNumResults() != 1 ||
        !isStaticF32Tensor(op->getResult(0).getType()) ||
        !llvm::all_of(op->getOperands(), [&](Value v) {
          auto select = dyn_cast<arith::SelectOp>(op);
          return !isa<TensorType>(v.getType()) ||
                 isStaticF32Tensor(v.getType()) ||
                 (select && v == select.getCondition());
        }))
      return;
    b.setInsertionPoint(op);
    Location loc = op->getLoc();
    auto binary = [&](Combine kind) -> std::optional<Scaled> {
      return combine(loc, kind, op->getOperand(0), op->getOperand(1));
    };
    auto dpsBinary = [&](Combine kind) -> std::optional<Scaled> {
      auto dps = cast<DestinationStyleOpInterface>(op);
      return combine(loc, kind, dps.getDpsInputs()[0], dps.getDpsInputs()[1]);
    };
    std::optional<Scaled> pair =
        llvm::TypeSwitch<Operation *, std::optional<Scaled>>(op)
            .Case([&](arith::AddFOp) { return binary(Combine::Add); })
            .Case([&](arith::SubFOp) { return binary(Combine::Sub); })
            .Case([&](arith::MulFOp) { return binary(Combine::Mul); })
            .Case([&](arith::DivFOp) { return binary(Combine::Div); })
            .Case<arith::MaximumFOp, arith::MaxNumFOp>(
                [&](Operation *) { return binary(Combine::Max); })
            .Case<arith::MinimumFOp, arith::MinNumFOp>(
                [&](Operation *) { return binary(Combine::Min); })
            .Case([&](linalg::AddOp) { return dpsBinary(Combine::Add); })
            .Case([&](linalg::SubOp) { return dpsBinary(Combine::Sub); })
            .Case([&](linalg::MulOp) { return dpsBinary(Combine::Mul); })
            .Case([&](linalg::DivOp) { return dpsBinary(Combine::Div); })
            .Case([&](linalg::MaxOp) { return dpsBinary(Combine::Max); })
            .Case([&](linalg::MinOp) { return dpsBinary(Combine::Min); })
            .Case<arith::NegFOp, math::AbsFOp>(
                [&](Operation *) -> std::optional<Scaled> {
                  return passThrough(op, op->getOperand(0));
                })
            .Case<linalg::NegFOp, linalg::AbsOp>(
                [&](auto unary) -> std::optional<Scaled> {
                  return passThrough(op, unary.getInputs()[0]);
                })
            .Case<linalg::MatmulOp, linalg::BatchMatmulOp, linalg::MatvecOp,
                  linalg::VecmatOp>(
                [&](auto m) -> std::optional<Scaled> { return matmul(m); })
            .Case([&](linalg::GenericOp g) { return elementwiseGeneric(g); })
            .Case([&](arith::SelectOp s) -> std::optional<Scaled> {
              return select(s);
            })
            .Case([&](tensor::ConcatOp c) -> std::optional<Scaled> {
              return concat(c);
            })
            .Case([&](linalg::ReduceOp r) { return reduce(r); })
            .Case<linalg::TransposeOp, linalg::BroadcastOp>(
                [&](auto shape) -> std::optional<Scaled> {
                  return passThrough(op, shape.getInput());
                })
            .Case<tensor::ExpandShapeOp, tensor::CollapseShapeOp,
                  tensor::ExtractSliceOp>(
                [&](auto shape) -> std::optional<Scaled> {
                  return passThrough(op, shape->getOperand(0));
                })
            .Case([&](tensor::PadOp pad) -> std::optional<Scaled> {
              Value padding = pad.getConstantPaddingValue();
              if (!padding || !matchPattern(padding, m_AnyZeroFloat()))
                return std::nullopt;
              return passThrough(op, pad.getSource());
            })
            .Case([&](math::SqrtOp q) -> std::optional<Scaled> {
              return squareRoot(op, q.getOperand(), /*reciprocal=*/false);
            })
            .Case([&](math::RsqrtOp q) -> std::optional<Scaled> {
              return squareRoot(op, q.getOperand(), /*reciprocal=*/true);
            })
            .Case<math::TanhOp, math::ErfOp, math::SinOp, math::CosOp,
                  linalg::SoftmaxOp>([&](Operation *) -> std::optional<Scaled> {
              // Bounded by 1 in magnitude (softmax: in [0, 1]):
              // computed on real values, output scale 1.
              b.setInsertionPointAfter(op);
              known[op->getResult(0)] = {op->getResult(0), f32(loc, 1.0)};
              return std::nullopt;
            })
            .Default([](Operation *) { return std::nullopt; });
    if (!pair)
      return;
    publish(op, op->getResult(0), *pair);
  }
};

struct MXPropagateScalesPass final
    : mlir::mx::impl::MXPropagateScalesPassBase<MXPropagateScalesPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp function = getOperation();
    MLIRContext *context = &getContext();
    Type data;
    if (matmulData == "f8E4M3FN")
      data = Float8E4M3FNType::get(context);
    else if (matmulData == "f8E5M2")
      data = Float8E5M2Type::get(context);
    else if (matmulData == "f32")
      data = Float32Type::get(context);
    if (!data) {
      function.emitError() << "mx-propagate-scales: matmul-data '" << matmulData
                           << "' is not one of f8E4M3FN, f8E5M2, f32";
      return signalPassFailure();
    }
    RewritePatternSet patterns(context);
    populateMXScaleOnlyPatterns(patterns);
    if (failed(applyPatternsGreedily(function, std::move(patterns))))
      return signalPassFailure();
    if (!function.getBody().hasOneBlock())
      return; // propagation follows one block of tensor ops
    Propagation(function, data, norm).run();
  }
};

} // namespace
