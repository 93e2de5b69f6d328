//===- TwoLevelMatmulOperands.cpp - Two-level operands for the GEMM -------===//
//
// The packed GEMM takes MX operands with E8M0 scales (or f32 activations).
// A two-level operand with at most one microexponent bit and m <= 6
// (MX6, MX4) is exactly an MXINT8 tensor with the same blocks: an element
// n * 2^(E - mu + 1 - m) is the INT8 code n * 2^(7 - m - mu) (at most 126)
// times 2^-6 under the block scale 2^E, and quantize's floor rule finds
// exactly that scale (the largest value lies in [2^E, 2^(E+1))), so
// quantize(dequantize(x)) to MXINT8 loses nothing and its products run on
// the integer kernel (vpdpbusd); constant weights are converted at compile
// time. Another two-level activation operand (MX9) enters as its exact f32
// values. Another two-level rhs (MX9 weights) stays as it is stored: the
// kernel's packer decodes it into f32 panels (TwoLevelRhsPacking.cpp) and
// the lhs enters as its f32 values. The product is then within the f32
// bound of the exact one, as the contract asks.
//
//===----------------------------------------------------------------------===//

#include "MatmulPacking.h"
#include "TwoLevelBlocks.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;
using namespace mlir::mx;

/// Whether `type` is two-level and exactly an MXINT8 tensor of its blocks.
static bool isInt8Exact(BlockTensorType type) {
  return type && type.isTwoLevel() && hasMXInt8Blocks(type.getTwoLevelFormat());
}

/// The f32 values of `x` (MX, or f32 already): constant two-level blocks
/// at compile time, so that nothing is converted per call.
static Value f32Values(OpBuilder &b, Location loc, Value x,
                       SmallVectorImpl<Operation *> &made) {
  auto type = dyn_cast<BlockTensorType>(x.getType());
  if (!type)
    return x;
  auto f32Type = RankedTensorType::get(type.getShape(), b.getF32Type());
  if (std::optional<std::vector<float>> constant =
          type.isTwoLevel() ? getConstantTwoLevelValues(x) : std::nullopt) {
    auto dense = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(f32Type, ArrayRef<float>(*constant)));
    made.push_back(dense);
    return dense;
  }
  auto dequantize = DequantizeOp::create(b, loc, f32Type, x);
  made.push_back(dequantize);
  return dequantize;
}

/// `x` as the kernel takes it: MXINT8 (isInt8Exact), f32 values (`toF32`),
/// or itself where it is not two-level; null where it can be none. The ops
/// it makes are appended to `made`.
static Value kernelOperand(OpBuilder &b, Location loc, Value x, bool toF32,
                           SmallVectorImpl<Operation *> &made) {
  auto type = dyn_cast<BlockTensorType>(x.getType());
  if (!type || !type.isTwoLevel())
    return x;
  if (!isInt8Exact(type) && !toF32)
    return Value();
  // Constant weights: the MXINT8 quantize of their values folds (below).
  Value values = f32Values(b, loc, x, made);
  if (!isInt8Exact(type))
    return values;
  auto int8 =
      BlockTensorType::get(type.getShape(), b.getI8Type(), type.getBlockShape(),
                           Float8E8M0FNUType::get(b.getContext()));
  auto quantized = QuantizeOp::create(b, loc, int8, values);
  made.push_back(quantized);
  return quantized;
}

void mlir::mx::rewriteTwoLevelMatmulOperands(Operation *root) {
  SmallVector<MatmulOp> matmuls;
  root->walk([&](MatmulOp op) {
    auto twoLevel = [](Value v) {
      auto type = dyn_cast<BlockTensorType>(v.getType());
      return type && type.isTwoLevel();
    };
    if (twoLevel(op.getLhs()) || twoLevel(op.getRhs()))
      matmuls.push_back(op);
  });
  for (MatmulOp op : matmuls) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    SmallVector<Operation *> made;
    // A two-level rhs without MXINT8 blocks stays, decoded by the kernel's
    // packer; the lhs then enters as its f32 values.
    auto rhsType = dyn_cast<BlockTensorType>(op.getRhs().getType());
    const bool decodedRhs = rhsType && rhsType.isTwoLevel() &&
                            !isInt8Exact(rhsType) && !op.getAlpha();
    Value lhs = decodedRhs
                    ? f32Values(b, loc, op.getLhs(), made)
                    : kernelOperand(b, loc, op.getLhs(), /*toF32=*/true, made);
    Value rhs = decodedRhs ? op.getRhs()
                           : kernelOperand(b, loc, op.getRhs(),
                                           /*toF32=*/false, made);
    if (lhs && rhs) {
      auto product =
          MatmulOp::create(b, loc, op.getType(), lhs, rhs, op.getAlpha());
      made.push_back(product);
      // A kernel product, once padMatmulColumns widens N where needed.
      if (decodedRhs ? isTwoLevelRhsKernelMatmul(product)
                     : isVectorKernelMatmul(product, /*wholePanels=*/false)) {
        op.replaceAllUsesWith(product.getResult());
        op.erase();
        // Quantizes of constants fold to constants (only those ops are
        // rewritten); then their f32 inputs are dead.
        SmallVector<Operation *> quantizes, constants;
        for (Operation *madeOp : made) {
          if (isa<arith::ConstantOp>(madeOp))
            constants.push_back(madeOp);
          else if (isa<QuantizeOp>(madeOp) &&
                   matchPattern(madeOp->getOperand(0), m_Constant()))
            quantizes.push_back(madeOp);
        }
        if (!quantizes.empty()) {
          RewritePatternSet folds(root->getContext());
          QuantizeOp::getCanonicalizationPatterns(folds, root->getContext());
          GreedyRewriteConfig config;
          config.setStrictness(GreedyRewriteStrictness::ExistingOps);
          (void)applyOpPatternsGreedily(quantizes, std::move(folds), config);
        }
        for (Operation *constant : constants)
          if (constant->use_empty())
            constant->erase();
        continue;
      }
    }
    for (Operation *unused : llvm::reverse(made)) // not a kernel product
      unused->erase();
  }
}
