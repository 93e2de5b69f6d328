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
// values. The product is then within the f32
// bound of the exact one, as the contract asks.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Numerics/SharedMicroexponent.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;
using namespace mlir::mx;

/// Whether `type` is two-level and exactly an MXINT8 tensor of its blocks.
static bool isInt8Exact(BlockTensorType type) {
  if (!type || !type.isTwoLevel())
    return false;
  numerics::SharedMicroexponentFormat format = type.getTwoLevelFormat();
  return format.microexponentBits <= 1 && format.magnitudeBits <= 6;
}

/// The values of `x`, a two-level tensor, where its packed blocks are a
/// constant (mx.from_storage of one), by lib/Numerics.
static std::optional<std::vector<float>> constantValues(Value x) {
  auto fromStorage = x.getDefiningOp<FromStorageOp>();
  DenseElementsAttr bytes;
  if (!fromStorage || fromStorage.getStorage().size() != 1 ||
      !matchPattern(fromStorage.getStorage()[0], m_Constant(&bytes)))
    return std::nullopt;
  auto type = cast<BlockTensorType>(x.getType());
  std::vector<uint8_t> raw;
  for (APInt byte : bytes.getValues<APInt>())
    raw.push_back(uint8_t(byte.getZExtValue()));
  std::vector<int64_t> shape(type.getShape());
  return numerics::dequantizeSharedMicroexponent(
      numerics::unpackSharedMicroexponent(raw, type.getTwoLevelFormat(), shape,
                                          type.getBlockedAxis()));
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
  auto f32Type = RankedTensorType::get(type.getShape(), b.getF32Type());
  Value values;
  if (std::optional<std::vector<float>> constant = constantValues(x)) {
    // Constant weights: their values at compile time, so that the MXINT8
    // quantize folds (below) and nothing is converted per call.
    auto dense = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(f32Type, ArrayRef<float>(*constant)));
    made.push_back(dense);
    values = dense;
  } else {
    auto dequantize = DequantizeOp::create(b, loc, f32Type, x);
    made.push_back(dequantize);
    values = dequantize;
  }
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
    Value lhs = kernelOperand(b, loc, op.getLhs(), /*toF32=*/true, made);
    Value rhs = kernelOperand(b, loc, op.getRhs(), /*toF32=*/false, made);
    if (lhs && rhs) {
      auto product =
          MatmulOp::create(b, loc, op.getType(), lhs, rhs, op.getAlpha());
      made.push_back(product);
      // A kernel product, once padMatmulColumns widens N where needed.
      if (isVectorKernelMatmul(product, /*wholePanels=*/false)) {
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
