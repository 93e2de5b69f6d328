//===- FuseQuantization.cpp - Dequantize into matrix products -------------===//

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"
#include "mx/Dialect/MX/Utils/Contraction.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXFUSEQUANTIZATIONPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

/// The MX operands of a product of two dequantized tensors, or why not.
static FailureOr<std::pair<Value, Value>> fusableOperands(const Contraction &c,
                                                          std::string &reason) {
  auto fail = [&](StringRef why) -> FailureOr<std::pair<Value, Value>> {
    reason = why.str();
    return failure();
  };
  auto lhs = c.a.getDefiningOp<DequantizeOp>();
  auto rhs = c.b.getDefiningOp<DequantizeOp>();
  if (c.batch != -1 || c.m == -1 || c.n == -1)
    return fail("only 2-D products (M x K times K x N) are fused");
  if (c.aDims != SmallVector<int64_t>{c.m, c.k} ||
      c.bDims != SmallVector<int64_t>{c.k, c.n})
    return fail("an operand is used transposed");
  // A plain operand joins mx.matmul as an f32 tensor (scale 1).
  auto isF32Tensor = [](Value v) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    return type && type.getElementType().isF32();
  };
  if ((!lhs && !isF32Tensor(c.a)) || (!rhs && !isF32Tensor(c.b)))
    return fail("the operand that is not dequantized is not an f32 tensor");
  for (DequantizeOp dequantize : {lhs, rhs})
    if (dequantize && !dequantize.getType().getElementType().isF32())
      return fail("a dequantize to a type narrower than f32 has rounded");
  int64_t lhsBlock = lhs ? lhs.getInput().getType().getBlockShape()[1] : 0,
          rhsBlock = rhs ? rhs.getInput().getType().getBlockShape()[0] : 0;
  if ((lhs && lhsBlock < 2) || (rhs && rhsBlock < 2) ||
      (lhs && rhs && lhsBlock != rhsBlock))
    return fail("the operands are not blocked along K with one block size");
  return std::pair<Value, Value>(lhs ? lhs.getInput() : c.a,
                                 rhs ? rhs.getInput() : c.b);
}

namespace {

//===----------------------------------------------------------------------===//
// Quantize into its elementwise producers
//===----------------------------------------------------------------------===//

} // namespace

/// Elementwise arith/math ops on ranked tensors that feed `value`, through
/// other such ops (they become linalg ops, which can be tiled).
static void collectElementwiseArith(Value value, SetVector<Operation *> &ops) {
  Operation *op = value.getDefiningOp();
  if (!op || ops.contains(op) || op->getNumResults() != 1 ||
      !op->hasTrait<OpTrait::Elementwise>() ||
      !isa<RankedTensorType>(op->getResult(0).getType()) ||
      !isa<arith::ArithDialect, math::MathDialect>(op->getDialect()))
    return;
  ops.insert(op);
  for (Value operand : op->getOperands())
    collectElementwiseArith(operand, ops);
}

/// A linalg op that computes its result one row at a time from row slices
/// of its operands: all loops parallel, the result indexed by the loops.
static bool isRowTileable(Operation *op, RankedTensorType rowsType) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !isa<TilingInterface>(op) || op->getNumResults() != 1 ||
      !linalgOp.hasPureTensorSemantics() ||
      op->getResult(0).getType() != rowsType ||
      linalgOp.getNumParallelLoops() != linalgOp.getNumLoops())
    return false;
  return linalgOp.getIndexingMapMatchingResult(op->getResult(0)).isIdentity();
}

/// The elementwise ops (linalg) that compute `input` of a quantize, in
/// program order, each used only inside the chain (the last by the
/// quantize): recomputing them per row reads their inputs once. Empty when
/// the producer is not such an op.
static SmallVector<Operation *> elementwiseChain(QuantizeOp quantize) {
  auto rowsType = cast<RankedTensorType>(quantize.getInput().getType());
  SetVector<Operation *> chain;
  SmallVector<Operation *> worklist{quantize.getInput().getDefiningOp()};
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!op || chain.contains(op))
      continue;
    if (!isRowTileable(op, rowsType) || op->getBlock() != quantize->getBlock())
      return {};
    chain.insert(op);
    auto linalgOp = cast<linalg::LinalgOp>(op);
    for (OpOperand &operand : op->getOpOperands()) {
      Operation *producer = operand.get().getDefiningOp();
      // An operand from another chain op must be indexed like the result,
      // so that its row tile is the producer's row tile.
      if (producer && isRowTileable(producer, rowsType) &&
          linalgOp.getMatchingIndexingMap(&operand).isIdentity())
        worklist.push_back(producer);
    }
  }
  for (Operation *op : chain)
    for (Operation *user : op->getUsers())
      if (!chain.contains(user) && user != quantize.getOperation())
        return {};
  if (!quantize.getInput().hasOneUse())
    return {};
  SmallVector<Operation *> ordered(chain.begin(), chain.end());
  llvm::sort(ordered, [](Operation *a, Operation *b) {
    return a->isBeforeInBlock(b);
  });
  return ordered;
}

/// Rewrites quantize(chain(...)) into one loop over rows that computes the
/// chain's row, quantizes it and inserts its elements and scales; the MX
/// value is mx.pack of the two. Numerics are those of the unfused program:
/// blocks along the last axis never span rows.
/// Whether a quantize may be computed a row at a time: 2-D, static, E8M0
/// scales (the row kernel's rules) stored row-major, blocks along the last
/// axis, its own scales, no stochastic rounding (whose random stream is
/// numbered over the whole tensor), and elements of a byte or more: the
/// loop's results are plain element tensors, so FP4's rows would be unpacked
/// from nibbles and packed again (the digits demo's MXFP4 row took 78 us
/// fused, 52 us with the whole-tensor quantize kernel).
static bool isRowwise(QuantizeOp quantize) {
  BlockTensorType type = quantize.getType();
  return type.getRank() == 2 && type.hasStaticShape() && !type.isTwoLevel() &&
         !type.hasSwizzledScales() &&
         isa<Float8E8M0FNUType>(type.getScaleType()) &&
         type.getBlockShape()[0] == 1 && !quantize.hasGivenScales() &&
         quantize.getRounding() != Rounding::stochastic &&
         type.getFormat() != numerics::ElementFormat::E2M1;
}

static LogicalResult fuseIntoProducers(QuantizeOp quantize) {
  BlockTensorType type = quantize.getType();
  if (!isRowwise(quantize))
    return failure();
  SmallVector<Operation *> chain = elementwiseChain(quantize);
  if (chain.empty())
    return failure();

  OpBuilder b(quantize);
  Location loc = quantize.getLoc();
  int64_t rows = type.getShape()[0], width = type.getShape()[1];
  RankedTensorType scalesType = type.getScalesType();
  int64_t blocks = scalesType.getShape()[1];
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(b, loc, v).getResult();
  };
  Value elementsInit = tensor::EmptyOp::create(
      b, loc, type.getShape(), type.getElementType());
  Value scalesInit = tensor::EmptyOp::create(b, loc, scalesType.getShape(),
                                             scalesType.getElementType());
  BlockTensorType rowType = type.cloneWithShape({1, width});
  LogicalResult status = success();
  auto loop = scf::ForOp::create(
      b, loc, index(0), index(rows), index(1),
      ValueRange{elementsInit, scalesInit},
      [&](OpBuilder &nb, Location nl, Value row, ValueRange carried) {
        SmallVector<OpFoldResult> offsets{row, nb.getIndexAttr(0)},
            sizes{nb.getIndexAttr(1), nb.getIndexAttr(width)};
        DenseMap<Operation *, Value> rowOf;
        for (Operation *op : chain) {
          FailureOr<TilingResult> tiled =
              cast<TilingInterface>(op).getTiledImplementation(nb, offsets,
                                                               sizes);
          if (failed(tiled)) {
            status = failure();
            break;
          }
          // Slices of another chain op's result are that op's row; a slice
          // of an empty tensor (an init) is an empty row, so that no
          // full-size buffer is allocated for it.
          for (Operation *slice : tiled->generatedSlices) {
            auto extract = dyn_cast<tensor::ExtractSliceOp>(slice);
            Operation *source = extract ? extract.getSource().getDefiningOp()
                                        : nullptr;
            Value replacement;
            if (source && rowOf.count(source) &&
                rowOf[source].getType() == extract.getType())
              replacement = rowOf[source];
            else if (isa_and_nonnull<tensor::EmptyOp>(source) &&
                     extract.getType().hasStaticShape()) {
              OpBuilder::InsertionGuard guard(nb);
              nb.setInsertionPoint(extract);
              replacement = tensor::EmptyOp::create(
                  nb, nl, extract.getType().getShape(),
                  extract.getType().getElementType());
            }
            if (replacement) {
              extract.getResult().replaceAllUsesWith(replacement);
              extract->erase();
            }
          }
          rowOf[op] = tiled->tiledValues[0];
        }
        Value rowValues = status.succeeded() ? rowOf[chain.back()] : Value();
        if (!rowValues) {
          scf::YieldOp::create(nb, nl, carried);
          return;
        }
        Value rowMX = QuantizeOp::create(
            nb, nl, rowType, rowValues, Value(), Value(),
            quantize.getScaleRuleAttr(), quantize.getRoundingAttr(),
            quantize.getSeedAttr(), quantize.getSaturationAttr());
        auto unpack = UnpackOp::create(nb, nl, rowType.getElementsType(),
                                       rowType.getScalesType(), rowMX);
        SmallVector<OpFoldResult> unit{nb.getIndexAttr(1), nb.getIndexAttr(1)};
        Value elements = tensor::InsertSliceOp::create(
            nb, nl, unpack.getElements(), carried[0], offsets, sizes, unit);
        Value scales = tensor::InsertSliceOp::create(
            nb, nl, unpack.getScales(), carried[1], offsets,
            ArrayRef<OpFoldResult>{nb.getIndexAttr(1), nb.getIndexAttr(blocks)},
            unit);
        scf::YieldOp::create(nb, nl, ValueRange{elements, scales});
      });
  if (failed(status)) {
    loop->erase();
    return failure();
  }
  Value packed = PackOp::create(b, loc, type, loop.getResult(0),
                                loop.getResult(1));
  quantize.getResult().replaceAllUsesWith(packed);
  quantize->erase();
  for (Operation *op : llvm::reverse(chain))
    op->erase();
  return success();
}

namespace {

struct MXFuseQuantizationPass final
    : mx::impl::MXFuseQuantizationPassBase<MXFuseQuantizationPass> {
  void runOnOperation() override {
    // Quantize into producers: elementwise arith on tensors becomes linalg
    // first (only where it feeds a quantize), so that it can be tiled.
    SmallVector<QuantizeOp> quantizes;
    getOperation().walk([&](QuantizeOp op) {
      if (isRowwise(op))
        quantizes.push_back(op);
    });
    SetVector<Operation *> arithOps;
    for (QuantizeOp op : quantizes)
      collectElementwiseArith(op.getInput(), arithOps);
    if (!arithOps.empty()) {
      RewritePatternSet patterns(&getContext());
      linalg::populateElementwiseToLinalgConversionPatterns(patterns);
      (void)applyOpPatternsGreedily(arithOps.getArrayRef(), std::move(patterns));
    }
    for (QuantizeOp op : quantizes)
      (void)fuseIntoProducers(op);

    SmallVector<linalg::LinalgOp> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.getNumDpsInputs() == 2 &&
          llvm::any_of(op.getDpsInputs(), [](Value v) {
            return v.getDefiningOp<DequantizeOp>();
          }))
        candidates.push_back(op);
    });
    for (linalg::LinalgOp op : candidates) {
      std::string reason;
      FailureOr<Contraction> contraction = analyzeContraction(op, reason);
      FailureOr<std::pair<Value, Value>> operands =
          succeeded(contraction) ? fusableOperands(*contraction, reason)
                                 : FailureOr<std::pair<Value, Value>>(failure());
      if (failed(operands)) {
        op->emitRemark() << "mx-fuse-quantization: not fused: " << reason;
        continue;
      }
      auto [lhs, rhs] = *operands;
      OpBuilder builder(op);
      Location loc = op.getLoc();
      // NVFP4 operands' tensor scales become the product's alpha.
      Value alpha;
      for (Value operand : {contraction->a, contraction->b}) {
        auto dequantize = operand.getDefiningOp<DequantizeOp>();
        if (!dequantize || !dequantize.getTensorScale())
          continue;
        alpha = alpha ? arith::MulFOp::create(builder, loc, alpha,
                                              dequantize.getTensorScale())
                            .getResult()
                      : dequantize.getTensorScale();
      }
      Value product = MatmulOp::create(
          builder, loc,
          RankedTensorType::get({getOperandShape(lhs.getType())[0],
                                 getOperandShape(rhs.getType())[1]},
                                builder.getF32Type()),
          lhs, rhs, alpha);
      Value result = accumulateInto(builder, loc, product, contraction->init,
                                    isZeroInit(contraction->init));
      op->getResult(0).replaceAllUsesWith(result);
      Operation *dequantizes[] = {contraction->a.getDefiningOp<DequantizeOp>(),
                                  contraction->b.getDefiningOp<DequantizeOp>()};
      op->erase();
      for (Operation *dequantize : dequantizes)
        if (dequantize && dequantize->use_empty())
          dequantize->erase();
    }
  }
};

} // namespace
