//===- TrainingStep.cpp - One compiled training step ----------------------===//
//
// The step inlines the gradient function (mx-generate-gradients) and
// appends, per parameter, the optimizer's update in f32 and the rounding to
// the master format; dynamic loss scaling selects between the updated and
// the old state on whether every gradient is finite.
//
//===----------------------------------------------------------------------===//

#include "GradientRules.h"

#include "mx/Dialect/MX/Transforms/Passes.h"
#include "mx/Dialect/MX/Utils/ArithEmitter.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/IRMapping.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXTRAININGSTEPPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;
using gradients::floatConstant;

namespace {

struct StepOptions {
  Optimizer optimizer;
  double momentum, beta1, beta2, epsilon, weightDecay;
  MasterFormat master;
  Rounding masterRounding;
  uint64_t seed;
  LossScaling lossScaling;
  double lossScale;
  int64_t growthInterval;
};

/// The f32 tensor arithmetic of the update: the project's arith vocabulary,
/// float constants, and scalars splat as needed.
struct TensorMath : ArithEmitter {
  using ArithEmitter::ArithEmitter;

  Value splat(Value scalar, Type like) {
    return tensor::SplatOp::create(b, loc, like, scalar);
  }
  Value c(Type type, double v) { return floatConstant(b, loc, type, v); }
  /// x * s for a scalar s.
  Value scale(Value x, Value s) { return mulF(x, splat(s, x.getType())); }
};

} // namespace

static Type masterElementType(MLIRContext *context, MasterFormat format) {
  switch (format) {
  case MasterFormat::F32:
    return Float32Type::get(context);
  case MasterFormat::BF16:
    return BFloat16Type::get(context);
  case MasterFormat::F16:
    return Float16Type::get(context);
  }
  llvm_unreachable("unknown master format");
}

/// `value` (f32) rounded to the 16-bit `master` type stochastically
/// (numerics::roundHalfStochastic). Element i of the parameter draws the
/// Philox bits of counter (step << 32 | i) with key `seed`.
static Value roundStochastic(OpBuilder &b, Location loc, Value value,
                             FloatType master, Value step, uint64_t seed) {
  auto type = cast<RankedTensorType>(value.getType());
  auto resultType = type.clone(master);
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(), master);
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  SmallVector<int64_t> strides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * type.getDimSize(d + 1);
  return linalg::GenericOp::create(
             b, loc, resultType, value, init, maps, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               ArithEmitter e(nb, nloc);
               Type i64 = nb.getI64Type();
               Value linear = e.cIndex(0);
               for (int64_t d = 0; d < rank; ++d)
                 linear =
                     e.add(linear, e.mul(linalg::IndexOp::create(nb, nloc, d),
                                         e.cIndex(strides[d])));
               Value counter =
                   e.bor(e.shl(step, e.c(32, i64)), e.indexCast(i64, linear));
               Value bits = buildStochasticBits(nb, nloc, counter, seed);
               linalg::YieldOp::create(
                   nb, nloc,
                   buildRoundHalfStochastic(nb, nloc, args[0], bits, master));
             })
      .getResult(0);
}

/// Sum(g * 0) over every gradient: 0 when all are finite, NaN otherwise.
static Value allFinite(OpBuilder &b, Location loc, ArrayRef<Value> grads) {
  Type f32 = b.getF32Type();
  Value total = floatConstant(b, loc, f32, 0.0);
  for (Value g : grads) {
    auto type = cast<RankedTensorType>(g.getType());
    Value poisoned =
        arith::MulFOp::create(b, loc, g, floatConstant(b, loc, type, 0.0));
    auto scalarType = RankedTensorType::get({}, f32);
    Value init = gradients::zeroTensor(b, loc, scalarType);
    auto dims = llvm::to_vector(llvm::seq<int64_t>(0, type.getRank()));
    auto reduce = linalg::ReduceOp::create(
        b, loc, poisoned, init, dims,
        [](OpBuilder &nb, Location nloc, ValueRange args) {
          linalg::YieldOp::create(
              nb, nloc,
              ValueRange{arith::AddFOp::create(nb, nloc, args[0], args[1])});
        });
    Value sum =
        tensor::ExtractOp::create(b, loc, reduce.getResult(0), ValueRange{});
    total = arith::AddFOp::create(b, loc, total, sum);
  }
  return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, total,
                               floatConstant(b, loc, f32, 0.0));
}

/// Builds `@<forward>_step`; its `mx.training_step` names `forward` when
/// `nameForward` (the loss function stays in the module).
static LogicalResult buildStep(func::FuncOp forward, ArrayRef<unsigned> wrt,
                               const StepOptions &o, SymbolTable &symbols,
                               bool nameForward) {
  MLIRContext *context = forward.getContext();
  auto fail = [&](const Twine &why) {
    return forward.emitError("mx-training-step: @")
           << forward.getSymName() << " " << why;
  };
  for (unsigned index : wrt) {
    if (index >= forward.getNumArguments())
      return fail("has no argument #" + Twine(index));
    auto type = dyn_cast<RankedTensorType>(forward.getArgumentTypes()[index]);
    if (!type || !type.getElementType().isF32() || !type.hasStaticShape())
      return fail("parameter #" + Twine(index) +
                  " must be a statically shaped f32 tensor (the step "
                  "updates in f32)");
  }
  if (o.masterRounding == Rounding::stochastic && o.master == MasterFormat::F32)
    return fail("rounds f32 master weights exactly: master-rounding="
                "stochastic needs master=bf16 or master=f16");
  if (o.growthInterval < 1)
    return fail("needs a growth-interval of at least 1");
  std::string name = (forward.getSymName() + "_step").str();
  if (symbols.lookup(name))
    return fail("cannot have its step built: @" + name + " already exists");

  bool scaled = o.lossScaling != LossScaling::None;
  bool dynamic = o.lossScaling == LossScaling::Dynamic;
  FailureOr<func::FuncOp> gradient =
      buildGradientFunction(forward, wrt, scaled, symbols);
  if (failed(gradient))
    return failure();

  // The signature.
  Type f32 = Float32Type::get(context), i64 = IntegerType::get(context, 64);
  Type i1 = IntegerType::get(context, 1);
  Type master = masterElementType(context, o.master);
  unsigned momentsPerParam = o.optimizer == Optimizer::SGD ? 1 : 2;
  SmallVector<unsigned> data;
  for (unsigned i = 0; i < forward.getNumArguments(); ++i)
    if (!llvm::is_contained(wrt, i))
      data.push_back(i);
  SmallVector<RankedTensorType> paramTypes;
  for (unsigned index : wrt)
    paramTypes.push_back(
        cast<RankedTensorType>(forward.getArgumentTypes()[index]));
  SmallVector<Type> argTypes, resultTypes;
  for (unsigned index : data)
    argTypes.push_back(forward.getArgumentTypes()[index]);
  for (RankedTensorType type : paramTypes)
    argTypes.push_back(type.clone(master));
  for (unsigned m = 0; m < momentsPerParam; ++m)
    llvm::append_range(argTypes, paramTypes);
  argTypes.append({i64, f32});
  if (dynamic)
    argTypes.append({f32, i64});
  resultTypes.push_back(forward.getResultTypes()[0]);
  resultTypes.append(argTypes.begin() + data.size(),
                     argTypes.begin() + data.size() +
                         wrt.size() * (1 + momentsPerParam));
  resultTypes.push_back(i64);
  if (dynamic)
    resultTypes.append({f32, i64, i1});

  OpBuilder b(context);
  b.setInsertionPointAfter(*gradient);
  Location loc = forward.getLoc();
  auto step = func::FuncOp::create(
      b, loc, name, FunctionType::get(context, argTypes, resultTypes));
  symbols.insert(step);
  Block *entry = step.addEntryBlock();
  b.setInsertionPointToStart(entry);
  unsigned paramBase = data.size();
  unsigned momentBase = paramBase + wrt.size();
  unsigned scalarBase = momentBase + wrt.size() * momentsPerParam;
  Value stepCount = entry->getArgument(scalarBase);
  Value lr = entry->getArgument(scalarBase + 1);
  for (unsigned p = 0; p < wrt.size(); ++p) {
    step.setArgAttr(paramBase + p, "mx.weight", b.getUnitAttr());
    gradients::copyArgAttrs(forward, wrt[p], step, paramBase + p);
  }
  for (auto [position, index] : llvm::enumerate(data))
    gradients::copyArgAttrs(forward, index, step, position);

  // The gradient function, inlined on the f32 view of the parameters.
  TensorMath t(b, loc);
  IRMapping mapping;
  Block &gradBody = gradient->getBody().front();
  for (auto [position, index] : llvm::enumerate(data))
    mapping.map(gradBody.getArgument(index), entry->getArgument(position));
  SmallVector<Value> weights; // f32
  for (auto [p, index] : llvm::enumerate(wrt)) {
    Value stored = entry->getArgument(paramBase + p);
    Value wide =
        o.master == MasterFormat::F32
            ? stored
            : arith::ExtFOp::create(b, loc, paramTypes[p], stored).getResult();
    weights.push_back(wide);
    mapping.map(gradBody.getArgument(index), wide);
  }
  Value scale;
  if (dynamic)
    scale = entry->getArgument(scalarBase + 2);
  else if (scaled)
    scale = floatConstant(b, loc, f32, o.lossScale);
  if (scaled)
    mapping.map(gradBody.getArgument(forward.getNumArguments()), scale);
  for (Operation &op : gradBody.without_terminator())
    b.clone(op, mapping);
  Operation *gradReturn = gradBody.getTerminator();
  Value loss = mapping.lookupOrDefault(gradReturn->getOperand(0));
  SmallVector<Value> grads;
  for (unsigned p = 0; p < wrt.size(); ++p)
    grads.push_back(mapping.lookupOrDefault(gradReturn->getOperand(1 + p)));
  symbols.erase(*gradient); // inlined: the step is the product

  if (scaled) {
    Value inverse =
        arith::DivFOp::create(b, loc, floatConstant(b, loc, f32, 1.0), scale);
    for (Value &g : grads)
      g = t.scale(g, inverse);
  }
  Value finite = dynamic ? allFinite(b, loc, grads) : Value();

  // The optimizer, per parameter, in f32.
  Value one64 = arith::ConstantIntOp::create(b, loc, i64, 1);
  Value nextStep = arith::AddIOp::create(b, loc, stepCount, one64);
  Value tF = arith::SIToFPOp::create(b, loc, f32, nextStep);
  SmallVector<Value> newParams, newMoments(wrt.size() * momentsPerParam);
  for (unsigned p = 0; p < wrt.size(); ++p) {
    Value w = weights[p], g = grads[p];
    Type type = w.getType();
    Value updated;
    if (o.optimizer == Optimizer::SGD) {
      if (o.weightDecay != 0.0)
        g = t.addF(g, t.mulF(w, t.c(type, o.weightDecay)));
      Value v = entry->getArgument(momentBase + p);
      Value nv = t.addF(t.mulF(v, t.c(type, o.momentum)), g);
      updated = t.subF(w, t.scale(nv, lr));
      newMoments[p] = nv;
    } else {
      if (o.weightDecay != 0.0) {
        Value decay = arith::SubFOp::create(
            b, loc, floatConstant(b, loc, f32, 1.0),
            arith::MulFOp::create(b, loc, lr,
                                  floatConstant(b, loc, f32, o.weightDecay)));
        w = t.scale(w, decay);
      }
      Value m = entry->getArgument(momentBase + p);
      Value v = entry->getArgument(momentBase + wrt.size() + p);
      Value nm = t.addF(t.mulF(m, t.c(type, o.beta1)),
                        t.mulF(g, t.c(type, 1.0 - o.beta1)));
      Value nv = t.addF(t.mulF(v, t.c(type, o.beta2)),
                        t.mulF(t.mulF(g, g), t.c(type, 1.0 - o.beta2)));
      auto correction = [&](double beta) { // 1 - beta^t
        Value power =
            math::PowFOp::create(b, loc, floatConstant(b, loc, f32, beta), tF);
        return arith::SubFOp::create(b, loc, floatConstant(b, loc, f32, 1.0),
                                     power)
            .getResult();
      };
      Value stepSize = arith::DivFOp::create(b, loc, lr, correction(o.beta1));
      Value root2 = math::SqrtOp::create(b, loc, correction(o.beta2));
      Value denom =
          t.addF(t.divF(math::SqrtOp::create(b, loc, nv), t.splat(root2, type)),
                 t.c(type, o.epsilon));
      updated = t.subF(w, t.scale(t.divF(nm, denom), stepSize));
      newMoments[p] = nm;
      newMoments[wrt.size() + p] = nv;
    }
    // To the master format.
    Value stored = updated;
    if (o.master != MasterFormat::F32)
      stored = o.masterRounding == Rounding::stochastic
                   ? roundStochastic(b, loc, updated, cast<FloatType>(master),
                                     nextStep, o.seed + p)
                   : arith::TruncFOp::create(
                         b, loc, paramTypes[p].clone(master), updated)
                         .getResult();
    newParams.push_back(stored);
  }

  SmallVector<Value> results{loss};
  Value newStep = nextStep;
  if (dynamic) {
    // An overflowing step changes nothing but the scale.
    for (unsigned p = 0; p < wrt.size(); ++p)
      newParams[p] =
          t.select(finite, newParams[p], entry->getArgument(paramBase + p));
    for (unsigned m = 0; m < newMoments.size(); ++m)
      newMoments[m] =
          t.select(finite, newMoments[m], entry->getArgument(momentBase + m));
    newStep = t.select(finite, nextStep, stepCount);
  }
  llvm::append_range(results, newParams);
  llvm::append_range(results, newMoments);
  results.push_back(newStep);
  if (dynamic) {
    Value good = entry->getArgument(scalarBase + 3);
    Value zero64 = arith::ConstantIntOp::create(b, loc, i64, 0);
    Value clean = arith::AddIOp::create(b, loc, good, one64);
    Value grow = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::sge, clean,
        arith::ConstantIntOp::create(b, loc, i64, o.growthInterval));
    Value doubled =
        arith::MulFOp::create(b, loc, scale, floatConstant(b, loc, f32, 2.0));
    Value halved =
        arith::MulFOp::create(b, loc, scale, floatConstant(b, loc, f32, 0.5));
    Value kept = t.select(grow, doubled, scale);
    results.push_back(t.select(finite, kept, halved));
    results.push_back(t.select(finite, t.select(grow, zero64, clean), zero64));
    results.push_back(finite);
  }
  func::ReturnOp::create(b, loc, results);

  auto named = [&](StringRef key, StringRef value) {
    return NamedAttribute(b.getStringAttr(key), b.getStringAttr(value));
  };
  NamedAttrList fields(
      {NamedAttribute(b.getStringAttr("data"),
                      b.getI64IntegerAttr(data.size())),
       NamedAttribute(b.getStringAttr("params"),
                      b.getI64IntegerAttr(wrt.size())),
       NamedAttribute(b.getStringAttr("moments"),
                      b.getI64IntegerAttr(momentsPerParam * wrt.size())),
       named("optimizer", o.optimizer == Optimizer::SGD ? "sgd" : "adamw"),
       named("loss_scaling", o.lossScaling == LossScaling::None ? "none"
                             : dynamic                          ? "dynamic"
                                                                : "static")});
  if (nameForward)
    fields.set("forward", FlatSymbolRefAttr::get(forward));
  step->setAttr("mx.training_step", fields.getDictionary(context));
  return success();
}

namespace {

struct MXTrainingStepPass final
    : mx::impl::MXTrainingStepPassBase<MXTrainingStepPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    StepOptions options{optimizer, momentum,    beta1,     beta2,
                        epsilon,   weightDecay, master,    masterRounding,
                        seed,      lossScaling, lossScale, growthInterval};
    FailureOr<SmallVector<gradients::Differentiated>> work =
        gradients::functionsToDifferentiate(module, symbols, getArgument(),
                                            function, wrt,
                                            /*allFloatTensors=*/false);
    if (failed(work))
      return signalPassFailure();
    if (work->empty() || work->front().wrt.empty()) {
      module.emitError("mx-training-step: no parameters: mark arguments "
                       "{mx.wrt} or give function= and wrt=");
      return signalPassFailure();
    }
    for (auto &[forward, indices] : *work) {
      // The step does not call the loss function: only other calls keep it.
      bool erase =
          !keepForward && SymbolTable::symbolKnownUseEmpty(forward, module);
      if (failed(buildStep(forward, indices, options, symbols,
                           /*nameForward=*/!erase)))
        return signalPassFailure();
      gradients::consumeWrtMarkers(forward);
      if (erase)
        symbols.erase(forward);
    }
  }
};

} // namespace
