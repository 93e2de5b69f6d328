//===- HadamardKernel.cpp - mx.hadamard along the last axis, in registers -===//
//
// Each block of 16 is one 512-bit vector: D as a lane-wise multiply, then
// per butterfly stage h the partner lanes (i xor h) by one shuffle, the sum
// for lanes without bit h and the difference (partner - lane) for lanes
// with it: the library's (a + b, a - b) with a the lower lane, the same
// bits as lib/Numerics/Hadamard; then 1/4 and, for the inverse, D.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Numerics/Hadamard.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

struct HadamardKernel final : OpConversionPattern<HadamardOp> {
  HadamardKernel(const TypeConverter &converter, MLIRContext *context)
      : OpConversionPattern(converter, context, /*benefit=*/2) {}

  LogicalResult
  matchAndRewrite(HadamardOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    if (!type.hasStaticShape() ||
        static_cast<int64_t>(op.getAxis()) != type.getRank() - 1)
      return rewriter.notifyMatchFailure(op, "not along a static last axis");
    constexpr int64_t n = num::kHadamardBlock;
    static_assert(n == kLanes, "a block is one register");
    Location loc = op.getLoc();
    auto lanes = VectorType::get({n}, rewriter.getF32Type());
    std::array<float, n> signs =
        num::hadamardSigns(static_cast<uint64_t>(op.getSeed()));
    bool inverse = op.getInverse();

    Value input = readFlat(rewriter, loc, adaptor.getInput().front());
    FlatResult output = allocateFlat(rewriter, loc, type);
    auto constant = [&](OpBuilder &b, Location l, Attribute value) {
      return arith::ConstantOp::create(b, l, cast<TypedAttr>(value));
    };
    buildBlockLoop(
        rewriter, loc, type.getNumElements() / n,
        [&](OpBuilder &b, Location l, Value block) {
          Value first = scaledIndex(b, l, block, n);
          Value v = vector::LoadOp::create(b, l, lanes, input, first);
          Value d = constant(
              b, l, DenseElementsAttr::get(lanes, ArrayRef<float>(signs)));
          if (!inverse)
            v = arith::MulFOp::create(b, l, v, d);
          for (int64_t h = 1; h < n; h *= 2) {
            SmallVector<int64_t> partners;
            SmallVector<bool> upper;
            for (int64_t lane = 0; lane < n; ++lane) {
              partners.push_back(lane ^ h);
              upper.push_back(lane & h);
            }
            Value partner = vector::ShuffleOp::create(b, l, v, v, partners);
            Value sum = arith::AddFOp::create(b, l, v, partner);
            Value difference = arith::SubFOp::create(b, l, partner, v);
            Value mask = constant(
                b, l,
                DenseElementsAttr::get(VectorType::get({n}, b.getI1Type()),
                                       ArrayRef<bool>(upper)));
            v = arith::SelectOp::create(b, l, mask, difference, sum);
          }
          v = arith::MulFOp::create(
              b, l, v, constant(b, l, DenseElementsAttr::get(lanes, 0.25f)));
          if (inverse)
            v = arith::MulFOp::create(b, l, v, d);
          vector::StoreOp::create(b, l, v, output.flat, first);
        });
    rewriter.replaceOp(op, output.tensor);
    return success();
  }
};

} // namespace

void mlir::mx::populateHadamardKernelPattern(const TypeConverter &converter,
                                             RewritePatternSet &patterns) {
  patterns.add<HadamardKernel>(converter, patterns.getContext());
}
