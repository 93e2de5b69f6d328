//===- QuantizePolicy.cpp - f32 contractions to MX, per a policy ----------===//
//
// Each contraction's operands get the format of their role (weight or
// activation) and are quantized along K (QuantizeContraction.h).
//
//===----------------------------------------------------------------------===//

#include "QuantizeContraction.h"

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"
#include "mx/Dialect/MX/Utils/Contraction.h"
#include "mx/Numerics/NVFP4.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXQUANTIZEPOLICYPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

namespace {

/// The roles' element types and the quantize attributes of one policy.
struct Policy {
  Type weights, activations;
  int64_t block;
  ScaleRule scaleRule;
  Rounding rounding;
  IntegerAttr seed;
  Type scaleType; // null: E8M0; f32: FP8 tiles, weights in square blocks;
                  // f8E4M3FN: NVFP4
};

} // namespace

/// TOSA ops with a matrix product inside, which the pass sees only once
/// upstream's tosa-to-linalg-named has made them linalg.
static bool isTosaContraction(Operation *op) {
  return op->getName().getDialectNamespace() == "tosa" &&
         llvm::is_contained({"matmul", "conv2d", "conv3d", "depthwise_conv2d",
                             "transpose_conv2d", "fully_connected"},
                            op->getName().stripDialect());
}

/// The name a user can refer to an op by: `mx.name`, else a NameLoc.
static std::optional<std::string> nameOf(Operation *op) {
  if (auto name = op->getAttrOfType<StringAttr>("mx.name"))
    return name.str();
  if (auto loc = dyn_cast<NameLoc>(op->getLoc()))
    return loc.getName().str();
  return std::nullopt;
}

namespace {

struct MXQuantizePolicyPass final
    : mx::impl::MXQuantizePolicyPassBase<MXQuantizePolicyPass> {
  using Base::Base;

  FailureOr<Policy> parsePolicy() {
    ModuleOp module = getOperation();
    MLIRContext *context = module.getContext();
    Type weightType = policyFormatType(context, weights),
         activationType = policyFormatType(context, activations);
    if (!weightType && !activationType)
      return module.emitError()
             << "mx-quantize-policy: weights and activations "
                "cannot both be none";
    auto isTwoLevel = [](Type type) {
      return isa_and_nonnull<SharedMicroexponentType>(type);
    };
    bool twoLevel = isTwoLevel(weightType) || isTwoLevel(activationType);
    if (scales != "e8m0" && scales != "f32" && scales != "e4m3")
      return module.emitError() << "mx-quantize-policy: unknown scales '"
                                << scales << "' (expected e8m0, f32 or e4m3)";
    bool tiles = scales == "f32", nvfp4 = scales == "e4m3";
    int64_t block = blockSize != 0 ? int64_t(blockSize)
                    : twoLevel     ? numerics::kMX9.blockSize
                    : tiles        ? 128
                    : nvfp4        ? numerics::kNVFP4BlockSize
                                   : 32;
    if (block < 2)
      return module.emitError() << "mx-quantize-policy: block-size must be at "
                                   "least 2, but got "
                                << block;
    if (twoLevel && (block % 2 != 0 || block > 256))
      return module.emitError()
             << "mx-quantize-policy: the two-level formats (mx9, mx6, mx4) "
                "take an even block-size of at most 256, but got "
             << block;
    if (twoLevel &&
        (scaleRule != ScaleRule::floor || rounding == Rounding::stochastic))
      return module.emitError()
             << "mx-quantize-policy: the two-level formats (mx9, mx6, mx4) "
                "compute their own exponents and round rne or rtz; leave "
                "scale-rule at floor and rounding at rne or rtz";
    ScaleRule rule = scaleRule;
    Type scaleType;
    if (tiles) {
      auto isFP8 = [](Type type) {
        return !type || isa<Float8E4M3FNType, Float8E5M2Type>(type);
      };
      if (!isFP8(weightType) || !isFP8(activationType))
        return module.emitError()
               << "mx-quantize-policy: scales=f32 (FP8 tiles) takes e4m3 or "
                  "e5m2 (or none) for weights and activations";
      if (rule == ScaleRule::floor) // the default: the tiles' own rule
        rule = ScaleRule::quotient;
      if (rule != ScaleRule::quotient && rule != ScaleRule::rceil)
        return module.emitError()
               << "mx-quantize-policy: scales=f32 takes scale-rule quotient "
                  "or rceil, but got "
               << stringifyScaleRule(rule);
      if (rounding != Rounding::rne)
        return module.emitError() << "mx-quantize-policy: scales=f32 rounds "
                                     "to nearest even; leave rounding at rne";
      scaleType = Float32Type::get(context);
    } else if (nvfp4) {
      auto isE2M1 = [](Type type) {
        return !type || isa<Float4E2M1FNType>(type);
      };
      if (!isE2M1(weightType) || !isE2M1(activationType))
        return module.emitError()
               << "mx-quantize-policy: scales=e4m3 (NVFP4) takes e2m1 (or "
                  "none) for weights and activations";
      if (block != numerics::kNVFP4BlockSize)
        return module.emitError()
               << "mx-quantize-policy: scales=e4m3 (NVFP4) has blocks of "
               << numerics::kNVFP4BlockSize << ", but got block-size " << block;
      if ((rule != ScaleRule::floor && rule != ScaleRule::quotient) ||
          rounding != Rounding::rne)
        return module.emitError()
               << "mx-quantize-policy: scales=e4m3 (NVFP4) computes its "
                  "block scales as quotients and rounds to nearest even; "
                  "leave scale-rule and rounding at their defaults";
      rule = ScaleRule::quotient;
      scaleType = Float8E4M3FNType::get(context);
    } else if (rule == ScaleRule::quotient) {
      return module.emitError()
             << "mx-quantize-policy: scale-rule quotient is for f32 tile "
                "scales (scales=f32) and NVFP4 (scales=e4m3)";
    }
    IntegerAttr seedAttr;
    if (rounding == Rounding::stochastic)
      seedAttr = IntegerAttr::get(IntegerType::get(context, 64), seed);
    return Policy{weightType, activationType, block,    rule,
                  rounding,   seedAttr,       scaleType};
  }

  void runOnOperation() override {
    FailureOr<Policy> policy = parsePolicy();
    if (failed(policy))
      return signalPassFailure();
    getOperation().walk([&](FunctionOpInterface function) {
      SmallVector<linalg::LinalgOp> contractions;
      function.walk([&](Operation *op) {
        auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
        if (linalgOp && linalg::isaContractionOpInterface(linalgOp))
          contractions.push_back(linalgOp);
        else if (linalgOp && linalg::isaConvolutionOpInterface(linalgOp))
          op->emitRemark()
              << "mx-quantize-policy: left in f32: convolutions are not "
                 "quantized; a 1x1 convolution is a matrix product: written "
                 "as linalg.matmul or a contraction linalg.generic, it is";
        else if (isTosaContraction(op))
          op->emitWarning()
              << "mx-quantize-policy: TOSA ops are not rewritten; run "
                 "tosa-to-linalg-named (and tosa-to-linalg, tosa-to-tensor, "
                 "tosa-to-arith) before this pass";
      });
      for (auto [index, op] : llvm::enumerate(contractions)) {
        std::optional<std::string> name = nameOf(op);
        if (index < keepFirst || index + keepLast >= contractions.size()) {
          op->emitRemark() << "mx-quantize-policy: kept in f32 by the policy ("
                           << (index < keepFirst ? "keep-first" : "keep-last")
                           << ")";
          continue;
        }
        if (name && llvm::is_contained(keep, *name)) {
          op->emitRemark() << "mx-quantize-policy: kept in f32 by the policy "
                              "(keep="
                           << *name << ")";
          continue;
        }
        std::string reason;
        FailureOr<Contraction> contraction = analyzeContraction(op, reason);
        if (failed(contraction)) {
          op->emitRemark() << "mx-quantize-policy: left in f32: " << reason;
          continue;
        }
        bool weightA = derivesFromWeight(contraction->a),
             weightB = derivesFromWeight(contraction->b);
        if (!activationProducts && !weightA && !weightB) {
          op->emitRemark() << "mx-quantize-policy: kept in f32 by the policy "
                              "(activation-products=false: neither operand "
                              "is a weight)";
          continue;
        }
        auto format = [&](bool weight) {
          return weight ? policy->weights : policy->activations;
        };
        if (!format(weightA) && !format(weightB)) {
          if (weightA || weightB)
            op->emitRemark() << "mx-quantize-policy: left in f32: both "
                                "operands are weights and weights=none";
          else
            op->emitRemark()
                << "mx-quantize-policy: left in f32: neither operand is a "
                   "weight (a constant, or a function argument marked "
                   "{mx.weight}) and activations=none; mark the weight "
                   "argument {mx.weight} to quantize it";
          continue;
        }
        OpBuilder builder(op);
        // Weights laid out by transposes and reshapes of a constant become
        // one constant, so they quantize at compile time.
        if (weightA)
          contraction->a = foldWeightLayout(builder, contraction->a);
        if (weightB)
          contraction->b = foldWeightLayout(builder, contraction->b);
        auto operand = [&](bool weight) {
          // FP8 tiles: weights in square blocks, usable transposed too.
          return OperandQuantization{
              format(weight),
              policy->scaleRule,
              policy->rounding,
              policy->seed,
              policy->scaleType,
              isa_and_nonnull<Float32Type>(policy->scaleType) && weight};
        };
        ProductQuantization product{operand(weightA), operand(weightB),
                                    policy->block};
        if (hadamard)
          product.hadamardSeed = uint64_t(hadamardSeed);
        Value result = quantizeContraction(builder, op, *contraction, product);
        op->getResult(0).replaceAllUsesWith(result);
        op->erase();
      }
    });
  }
};

} // namespace
