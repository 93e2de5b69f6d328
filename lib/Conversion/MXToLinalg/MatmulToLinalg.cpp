//===- MatmulToLinalg.cpp - mx.matmul to linalg, per K-block --------------===//
//
// C[m, n] = sum over K-blocks g of X_a[m, g] * X_b[g, n] * S[m, g, n], with
// S[m, g, n] = dot(P_a[m, g, :], P_b[g, :, n]) over the unscaled element
// values: each K-block's elements are decoded (exactly, to f32), multiplied
// and summed in f32, then scaled by the two block scales (exact powers of
// two) and accumulated in f32 over the blocks. Block dots of FP4/FP6/INT8
// elements are exact in f32; FP8 ones and the sum over blocks round.
//
//===----------------------------------------------------------------------===//

#include "ElementCodes.h"
#include "PackedStorage.h"

#include "mx/Conversion/MXToLinalg/MXToLinalg.h"
#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Numerics/Scale.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

/// The f32 value 2^(code - 127) of an E8M0 scale element, NaN for 0xFF.
Value scaleValue(OpBuilder &b, Location loc, Value scale) {
  Type i32 = b.getI32Type();
  auto c = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, loc, i32, v);
  };
  Value code = buildScaleCode(b, loc, scale);
  // Code c > 0 is the normal f32 with exponent field c; code 0 is 2^-127, the
  // subnormal 0x00400000; 0xFF is NaN.
  Value bits = arith::SelectOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, code, c(0)),
      c(0x00400000), arith::ShLIOp::create(b, loc, code, c(23)));
  bits = arith::SelectOp::create(b, loc,
                                 arith::CmpIOp::create(b, loc,
                                                       arith::CmpIPredicate::eq,
                                                       code, c(num::kE8M0NaN)),
                                 c(0x7FC00000), bits);
  return arith::BitcastOp::create(b, loc, b.getF32Type(), bits);
}

/// Pads the K dimension (`kDim`) of i8 codes with zero codes (value 0 in
/// every format) to `paddedK`, and splits it into (K-blocks, block).
Value blockAlongK(OpBuilder &b, Location loc, Value codes, unsigned kDim,
                  int64_t paddedK, int64_t block) {
  auto type = cast<RankedTensorType>(codes.getType());
  SmallVector<int64_t> padded(type.getShape());
  padded[kDim] = paddedK;
  if (padded != SmallVector<int64_t>(type.getShape())) {
    Value zero = arith::ConstantIntOp::create(b, loc, b.getI8Type(), 0);
    codes =
        tensor::createPadHighOp(RankedTensorType::get(padded, b.getI8Type()),
                                codes, zero, /*nofold=*/false, loc, b);
  }
  SmallVector<int64_t> split;
  SmallVector<ReassociationIndices> reassociation;
  for (unsigned d = 0; d < 2; ++d) {
    if (d == kDim) {
      reassociation.push_back(
          {int64_t(split.size()), int64_t(split.size() + 1)});
      split.append({paddedK / block, block});
    } else {
      reassociation.push_back({int64_t(split.size())});
      split.push_back(padded[d]);
    }
  }
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(split, b.getI8Type()), codes,
      reassociation);
}

/// The f32 scale factor of every row (dim 0, lhs) or column (dim 1, rhs)
/// along the operand's non-K dimension: the E8M0 grid repeated `block` times
/// along `dim` and cropped to `extent`. Repeating by reshape keeps every
/// indexing map a projected permutation, which tiling and vectorization need.
Value expandScales(OpBuilder &b, Location loc, Value scales, unsigned dim,
                   int64_t block, int64_t extent) {
  MLIRContext *context = b.getContext();
  auto grid = cast<RankedTensorType>(scales.getType()).getShape();
  SmallVector<int64_t> repeated(grid);
  repeated.insert(repeated.begin() + dim + 1, block); // (g0, g1) + block
  AffineExpr d0, d1, d2;
  bindDims(context, d0, d1, d2);
  AffineMap in = dim == 0 ? AffineMap::get(3, 0, {d0, d2}, context)
                          : AffineMap::get(3, 0, {d0, d1}, context);
  Value init = tensor::EmptyOp::create(b, loc, repeated, b.getF32Type());
  Value values =
      linalg::GenericOp::create(
          b, loc, init.getType(), ValueRange{scales}, ValueRange{init},
          SmallVector<AffineMap>{in, b.getMultiDimIdentityMap(3)},
          SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            linalg::YieldOp::create(nb, nl, scaleValue(nb, nl, args[0]));
          })
          .getResult(0);
  SmallVector<ReassociationIndices> reassociation =
      dim == 0 ? SmallVector<ReassociationIndices>{{0, 1}, {2}}
               : SmallVector<ReassociationIndices>{{0}, {1, 2}};
  SmallVector<int64_t> merged(grid);
  merged[dim] *= block;
  Value collapsed = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(merged, b.getF32Type()), values,
      reassociation);
  if (merged[dim] == extent)
    return collapsed;
  SmallVector<int64_t> cropped(merged);
  cropped[dim] = extent;
  SmallVector<OpFoldResult> offsets(2, b.getIndexAttr(0)),
      strides(2, b.getIndexAttr(1)),
      sizes = {b.getIndexAttr(cropped[0]), b.getIndexAttr(cropped[1])};
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(cropped, b.getF32Type()), collapsed,
      offsets, sizes, strides);
}

struct MatmulLowering final : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    BlockTensorType lhsType = op.getLhs().getType(),
                    rhsType = op.getRhs().getType();
    auto resultType = cast<RankedTensorType>(op.getType());
    if (!lhsType.hasStaticShape() || !rhsType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes are not lowered");
    if (!isa<Float8E8M0FNUType>(lhsType.getScaleType()) ||
        !isa<Float8E8M0FNUType>(rhsType.getScaleType()))
      return rewriter.notifyMatchFailure(op, "only E8M0 scales are lowered");
    Location loc = op.getLoc();
    MLIRContext *context = op.getContext();
    int64_t M = lhsType.getShape()[0], K = lhsType.getShape()[1],
            N = rhsType.getShape()[1];
    int64_t block = lhsType.getBlockShape()[1];
    int64_t blocksK = llvm::divideCeil(K, block);
    Type f32 = rewriter.getF32Type();

    // Unscaled element values of each operand, per K-block.
    Value lhs = blockAlongK(
        rewriter, loc, unpackCodes(rewriter, loc, adaptor.getLhs()[0], lhsType),
        1, blocksK * block, block); // M x G x B
    Value rhs = blockAlongK(
        rewriter, loc, unpackCodes(rewriter, loc, adaptor.getRhs()[0], rhsType),
        0, blocksK * block, block); // G x B x N
    Value unitScale = arith::ConstantIntOp::create(
        rewriter, loc, rewriter.getI32Type(), num::kE8M0Bias);
    auto decode = [&](num::ElementFormat format) {
      return [=](OpBuilder &b, Location l, Value code) {
        Value wide = arith::ExtUIOp::create(b, l, b.getI32Type(), code);
        return buildDecodeElement(b, l, wide, unitScale, format);
      };
    };
    auto decodeLhs = decode(lhsType.getFormat());
    auto decodeRhs = decode(rhsType.getFormat());

    // S[m, g, n] = sum_j P_a[m, g, j] * P_b[g, j, n], in f32.
    AffineExpr m, g, n, j;
    bindDims(context, m, g, n, j);
    Value zero = arith::ConstantFloatOp::create(
        rewriter, loc, cast<FloatType>(f32), APFloat(0.0f));
    Value sInit =
        linalg::FillOp::create(
            rewriter, loc, ValueRange{zero},
            ValueRange{tensor::EmptyOp::create(
                rewriter, loc, ArrayRef<int64_t>{M, blocksK, N}, f32)})
            .getResult(0);
    Value blockDots =
        linalg::GenericOp::create(
            rewriter, loc, sInit.getType(), ValueRange{lhs, rhs},
            ValueRange{sInit},
            SmallVector<AffineMap>{AffineMap::get(4, 0, {m, g, j}, context),
                                   AffineMap::get(4, 0, {g, j, n}, context),
                                   AffineMap::get(4, 0, {m, g, n}, context)},
            {utils::IteratorType::parallel, utils::IteratorType::parallel,
             utils::IteratorType::parallel, utils::IteratorType::reduction},
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value product = arith::MulFOp::create(
                  b, l, decodeLhs(b, l, args[0]), decodeRhs(b, l, args[1]));
              Value sum = arith::AddFOp::create(b, l, args[2], product);
              linalg::YieldOp::create(b, l, sum);
            })
            .getResult(0);

    // C[m, n] = sum_g S[m, g, n] * X_a[m, g] * X_b[g, n], in f32.
    AffineExpr cm, cn, cg;
    bindDims(context, cm, cn, cg);
    Value cInit =
        linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                               ValueRange{tensor::EmptyOp::create(
                                   rewriter, loc, resultType.getShape(), f32)})
            .getResult(0);
    Value lhsScales = expandScales(rewriter, loc, adaptor.getLhs()[1], 0,
                                   lhsType.getBlockShape()[0], M); // M x G
    Value rhsScales = expandScales(rewriter, loc, adaptor.getRhs()[1], 1,
                                   rhsType.getBlockShape()[1], N); // G x N
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, cInit.getType(),
            ValueRange{blockDots, lhsScales, rhsScales}, ValueRange{cInit},
            SmallVector<AffineMap>{AffineMap::get(3, 0, {cm, cg, cn}, context),
                                   AffineMap::get(3, 0, {cm, cg}, context),
                                   AffineMap::get(3, 0, {cg, cn}, context),
                                   AffineMap::get(3, 0, {cm, cn}, context)},
            {utils::IteratorType::parallel, utils::IteratorType::parallel,
             utils::IteratorType::reduction},
            [&](OpBuilder &b, Location l, ValueRange args) {
              // Multiplying by powers of two is exact within f32's range.
              Value scaled = arith::MulFOp::create(
                  b, l, arith::MulFOp::create(b, l, args[0], args[1]), args[2]);
              Value sum = arith::AddFOp::create(b, l, args[3], scaled);
              linalg::YieldOp::create(b, l, sum);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::mx::populateMXMatmulToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<MatmulLowering>(converter, patterns.getContext());
}
