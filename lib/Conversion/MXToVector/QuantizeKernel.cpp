//===- QuantizeKernel.cpp - mx.quantize as one fused loop over blocks -----===//
//
// Per block: one vector load, the amax as an unsigned max over the magnitude
// bits (NaN's bits exceed Inf's, which exceed every finite value's, so the
// NaN/Inf rule of the scale follows), the scale from the shared scale-rule
// builder, and every element code in vector lanes. The data is read once.
// Where the block count and size allow, an iteration takes 16 blocks: their
// amaxes meet in one vector through a shuffle-and-max tree, so the scale
// rule runs once in 16 lanes instead of 16 times in scalar registers.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

constexpr int64_t kGroup = 16; // blocks per iteration, one per f32 lane

} // namespace

/// The lane-wise max of 16 vector<16 x i32> (one per block, each lane a
/// partial max) as one vector<16 x i32> holding block j's max in lane j:
/// pairs of vectors with G groups of W lanes become one vector with 2G
/// groups of W / 2 (the max of each group's halves), four times over.
static Value buildGroupMax(OpBuilder &b, Location loc,
                           SmallVector<Value> parts) {
  for (int64_t width = kGroup; width > 1; width /= 2) {
    SmallVector<int64_t> low, high;
    for (int64_t side = 0; side < 2; ++side)
      for (int64_t group = 0; group < kGroup / width; ++group)
        for (int64_t lane = 0; lane < width / 2; ++lane) {
          low.push_back(side * kGroup + group * width + lane);
          high.push_back(side * kGroup + group * width + width / 2 + lane);
        }
    SmallVector<Value> next;
    for (size_t i = 0; i < parts.size(); i += 2)
      next.push_back(arith::MaxUIOp::create(
          b, loc,
          vector::ShuffleOp::create(b, loc, parts[i], parts[i + 1], low),
          vector::ShuffleOp::create(b, loc, parts[i], parts[i + 1], high)));
    parts = std::move(next);
  }
  return parts.front();
}

/// The amax of each block from its magnitude bits (buildMagnitudeBits): an
/// f32 for one block, else vector<16 x f32> for 16 blocks, each folded to 16
/// lanes first.
static Value buildAmax(OpBuilder &b, Location loc, ArrayRef<Value> magnitudes,
                       int64_t k) {
  if (magnitudes.size() == 1)
    return buildReduceMagnitudes(b, loc, magnitudes.front());
  SmallVector<Value> partial;
  for (Value magnitude : magnitudes) {
    Value folded;
    for (int64_t at = 0; at < k; at += kGroup) {
      Value slice = vector::ExtractStridedSliceOp::create(
          b, loc, magnitude, ArrayRef<int64_t>{at}, ArrayRef<int64_t>{kGroup},
          ArrayRef<int64_t>{1});
      folded = folded
                   ? arith::MaxUIOp::create(b, loc, folded, slice).getResult()
                   : slice;
    }
    partial.push_back(folded);
  }
  return arith::BitcastOp::create(b, loc,
                                  VectorType::get({kGroup}, b.getF32Type()),
                                  buildGroupMax(b, loc, partial));
}

namespace {

struct QuantizeKernel final : OpConversionPattern<QuantizeOp> {
  QuantizeKernel(const TypeConverter &converter, MLIRContext *context)
      : OpConversionPattern(converter, context, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(QuantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isVectorKernelQuantize(op))
      return rewriter.notifyMatchFailure(op, "not of the kernel layout");
    BlockTensorType type = op.getType();
    Location loc = op.getLoc();
    const int64_t k = type.getBlockShape().back();
    const int64_t blocks = countBlocks(type);
    num::ElementFormat format = type.getFormat();
    EncodeOptions options{format, toNumerics(op.getRounding()),
                          toNumerics(op.getSaturation())};
    const uint64_t seed = op.getSeed().value_or(0);
    ScaleRule rule = op.getScaleRule();
    Type inputElement = op.getInput().getType().getElementType();

    Value input = readFlat(rewriter, loc, adaptor.getInput().front());
    FlatResult codes = allocateFlat(rewriter, loc, getStorageType(type));
    FlatResult scales = allocateFlat(rewriter, loc, type.getScalesType());
    // 16 blocks per iteration where blocks and block size allow.
    const int64_t group = k % kGroup == 0 && blocks % kGroup == 0 ? kGroup : 1;
    buildBlockLoop(
        rewriter, loc, blocks / group,
        [&](OpBuilder &b, Location l, Value iteration) {
          auto f32s = VectorType::get({k}, b.getF32Type());
          auto i32s = VectorType::get({k}, b.getI32Type());
          Value firstBlock = scaledIndex(b, l, iteration, group);
          SmallVector<Value> firsts, xs, magnitudes;
          for (int64_t j = 0; j < group; ++j) {
            Value block = arith::AddIOp::create(
                b, l, firstBlock, arith::ConstantIndexOp::create(b, l, j));
            Value first = scaledIndex(b, l, block, k);
            Value x = vector::LoadOp::create(
                b, l, VectorType::get({k}, inputElement), input, first);
            if (inputElement != b.getF32Type()) // exact widening
              x = arith::ExtFOp::create(b, l, f32s, x);
            firsts.push_back(first);
            xs.push_back(x);
            magnitudes.push_back(buildMagnitudeBits(b, l, x));
          }
          Value amax = buildAmax(b, l, magnitudes, k);
          Value scale =
              buildScaleFromAmax(b, l, amax, format, toNumerics(rule));
          if (group == 1)
            memref::StoreOp::create(b, l, scale, scales.flat, firstBlock);
          else
            vector::StoreOp::create(b, l, scale, scales.flat, firstBlock);
          Value scaleCodes = buildScaleCode(b, l, scale);
          for (int64_t j = 0; j < group; ++j) {
            Value scaleCode = vector::BroadcastOp::create(
                b, l, i32s,
                group == 1 ? scaleCodes
                           : vector::ExtractOp::create(b, l, scaleCodes,
                                                       ArrayRef<int64_t>{j})
                                 .getResult());
            storeEncodedElements(b, l, xs[j], scaleCode, firsts[j], options,
                                 seed, codes.flat);
          }
        });
    rewriter.replaceOpWithMultiple(op, {{codes.tensor, scales.tensor}});
    return success();
  }
};

} // namespace

void mlir::mx::populateQuantizeKernelPattern(const TypeConverter &converter,
                                             RewritePatternSet &patterns) {
  patterns.add<QuantizeKernel>(converter, patterns.getContext());
}
