//===- HadamardToLinalg.cpp - mx.hadamard as one linalg.generic -----------===//
//
// The axis is split into (block, j) with j the 16 positions of a block; one
// generic over every element computes output j from the block's 16 inputs
// (read through indexing maps with a constant at j). Output j of the fast
// Walsh-Hadamard transform is a balanced tree: level L combines the pairs
// of level L - 1 as a + b, or a - b where bit L of j is set (a the lower
// position), which are exactly the butterflies that reach position j, in
// their order, so the bits are the library's.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Utils/ArithEmitter.h"
#include "mx/Numerics/Hadamard.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

struct HadamardLowering final : OpConversionPattern<HadamardOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(HadamardOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = cast<RankedTensorType>(op.getType());
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes are not lowered");
    constexpr int64_t n = num::kHadamardBlock;
    Location loc = op.getLoc();
    MLIRContext *context = rewriter.getContext();
    int64_t axis = op.getAxis(), rank = type.getRank();

    // (..., extent, ...) -> (..., extent / 16, 16, ...).
    SmallVector<int64_t> split;
    SmallVector<ReassociationIndices> reassociation;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t at = split.size();
      if (d == axis) {
        split.append({type.getDimSize(d) / n, n});
        reassociation.push_back({at, at + 1});
      } else {
        split.push_back(type.getDimSize(d));
        reassociation.push_back({at});
      }
    }
    auto splitType = RankedTensorType::get(split, rewriter.getF32Type());
    Value blocks = tensor::ExpandShapeOp::create(
        rewriter, loc, splitType, adaptor.getInput().front(), reassociation);

    int64_t dims = split.size(), j = axis + 1;
    AffineMap identity = rewriter.getMultiDimIdentityMap(dims);
    SmallVector<AffineMap> maps;
    for (int64_t c = 0; c < n; ++c) // input c of the block, for every j
      maps.push_back(identity.replace(getAffineDimExpr(j, context),
                                      getAffineConstantExpr(c, context), dims,
                                      0));
    maps.push_back(identity);
    std::array<float, n> signs =
        num::hadamardSigns(static_cast<uint64_t>(op.getSeed()));
    bool inverse = op.getInverse();
    int64_t negative = 0; // bit c: D negates position c
    for (int64_t c = 0; c < n; ++c)
      negative |= int64_t(signs[c] < 0) << c;
    Value init =
        tensor::EmptyOp::create(rewriter, loc, split, rewriter.getF32Type());
    SmallVector<Value> inputs(n, blocks);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, splitType, inputs, ValueRange{init}, maps,
            SmallVector<utils::IteratorType>(dims,
                                             utils::IteratorType::parallel),
            [&](OpBuilder &b, Location l, ValueRange args) {
              ArithEmitter i(b, l);
              Value position =
                  i.indexCast(b.getI32Type(), linalg::IndexOp::create(b, l, j));
              SmallVector<Value> level(args.take_front(n));
              if (!inverse) // D first: a sign flip, as the library's multiply
                for (int64_t c = 0; c < n; ++c)
                  level[c] = i.mulF(level[c], i.cF32(signs[c]));
              for (int64_t bit = 0; (int64_t(1) << bit) < n; ++bit) {
                Value upper =
                    i.cmp(arith::CmpIPredicate::ne,
                          i.band(position, i.c(int64_t(1) << bit)), i.c(0));
                SmallVector<Value> next;
                for (size_t k = 0; k + 1 < level.size(); k += 2)
                  next.push_back(i.select(upper, i.subF(level[k], level[k + 1]),
                                          i.addF(level[k], level[k + 1])));
                level = std::move(next);
              }
              Value value = i.mulF(level.front(), i.cF32(0.25f));
              if (inverse) { // D last: the sign of position j
                Value isNegative = i.cmp(
                    arith::CmpIPredicate::ne,
                    i.band(i.shr(i.c(negative), position), i.c(1)), i.c(0));
                value = i.mulF(
                    value, i.select(isNegative, i.cF32(-1.0f), i.cF32(1.0f)));
              }
              linalg::YieldOp::create(b, l, value);
            })
            .getResult(0);
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(op, type, result,
                                                         reassociation);
    return success();
  }
};

} // namespace

void mlir::mx::populateMXHadamardToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<HadamardLowering>(converter, patterns.getContext());
}
