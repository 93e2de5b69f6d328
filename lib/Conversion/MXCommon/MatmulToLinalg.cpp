//===- MatmulToLinalg.cpp - mx.matmul to linalg, per K-block --------------===//
//
// C[m, n] = sum over K-blocks g of X_a[m, g] * X_b[g, n] * S[m, g, n], with
// S[m, g, n] = dot(P_a[m, g, :], P_b[g, :, n]) over the unscaled element
// values: each K-block's elements are decoded (exactly, to f32), multiplied
// and summed in f32, then scaled by the two block scales (exact powers of
// two for E8M0; E4M3 and f32 tile scales round like the sum) and accumulated
// in f32 over the blocks. Block dots of FP4/FP6/INT8 elements are exact in
// f32; FP8 ones and the sum over blocks round.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"

#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Conversion/MXCommon/TwoLevelLowering.h"
#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Utils/TileSizes.h"
#include "mx/Numerics/Scale.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

/// Pads the K dimension (`kDim`) of i8 codes with zero codes (value 0 in
/// every format), or of f32 values with 0.0, to `paddedK`, and splits it
/// into (K-blocks, block).
static Value blockAlongK(OpBuilder &b, Location loc, Value codes, unsigned kDim,
                         int64_t paddedK, int64_t block) {
  auto type = cast<RankedTensorType>(codes.getType());
  SmallVector<int64_t> padded(type.getShape());
  padded[kDim] = paddedK;
  if (padded != SmallVector<int64_t>(type.getShape())) {
    Type element = type.getElementType();
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
    codes = tensor::createPadHighOp(RankedTensorType::get(padded, element),
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
      b, loc,
      RankedTensorType::get(
          split, cast<RankedTensorType>(codes.getType()).getElementType()),
      codes, reassociation);
}

/// A scale element as an f32 factor: an E8M0 power of two or an E4M3 value
/// (both exact), or the f32 tile scale itself.
static Value buildScaleFactor(OpBuilder &b, Location loc, Value scale) {
  if (scale.getType().isF32())
    return scale;
  if (isa<Float8E4M3FNType>(scale.getType()))
    return buildExtendFP8(b, loc, scale, b.getF32Type());
  return buildScaleValue(b, loc, buildScaleCode(b, loc, scale));
}

/// The f32 scale factor of every row (dim 0, lhs) or column (dim 1, rhs)
/// along the operand's non-K dimension: the scale grid repeated `block` times
/// along `dim` and cropped to `extent`. Repeating by reshape keeps every
/// indexing map a projected permutation, which tiling and vectorization need.
static Value expandScales(OpBuilder &b, Location loc, Value scales,
                          unsigned dim, int64_t block, int64_t extent) {
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
            linalg::YieldOp::create(nb, nl, buildScaleFactor(nb, nl, args[0]));
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

namespace {

/// Columns of C per tile: one vector of f32 partial sums.
constexpr int64_t kColumnsPerTile = 32;

using DecodeFn = std::function<Value(OpBuilder &, Location, Value)>;

} // namespace

/// C[m, n0 : n0 + tileN] from the blocked lhs codes (M x G x B), the rhs
/// column tile's element values (G x B x tileN, already decoded) and the
/// expanded f32 scales (M x G, and the tile's G x tileN):
///   S[g, n] = sum_j P_a[m, g, j] * P_b[g, j, n]   (f32, per K-block)
///   C[n]    = sum_g S[g, n] * X_a[m, g] * X_b[g, n]
static Value multiplyTile(OpBuilder &b, Location loc, Value lhs, Value bt,
                          Value lhsScales, Value xbTile, Value m, int64_t tileN,
                          Value zero, const DecodeFn &decodeLhs) {
  MLIRContext *context = b.getContext();
  auto lhsShape = cast<RankedTensorType>(lhs.getType()).getShape();
  int64_t blocksK = lhsShape[1], block = lhsShape[2];
  Type lhsElement = cast<RankedTensorType>(lhs.getType()).getElementType();
  Type f32 = b.getF32Type();
  auto attr = [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); };
  auto slice = [&](Value source, ArrayRef<int64_t> shape, Type element,
                   ArrayRef<OpFoldResult> offsets,
                   ArrayRef<OpFoldResult> sizes) {
    SmallVector<OpFoldResult> strides(offsets.size(), attr(1));
    return tensor::ExtractSliceOp::create(b, loc,
                                          RankedTensorType::get(shape, element),
                                          source, offsets, sizes, strides)
        .getResult();
  };
  Value a = slice(lhs, {1, blocksK, block}, lhsElement, {m, attr(0), attr(0)},
                  {attr(1), attr(blocksK), attr(block)});

  AffineExpr dm, dg, dn, dj;
  bindDims(context, dm, dg, dn, dj);
  auto fill = [&](ArrayRef<int64_t> shape) {
    return linalg::FillOp::create(
               b, loc, ValueRange{zero},
               ValueRange{tensor::EmptyOp::create(b, loc, shape, f32)})
        .getResult(0);
  };
  Value blockDots =
      linalg::GenericOp::create(
          b, loc, RankedTensorType::get({1, blocksK, tileN}, f32),
          ValueRange{a, bt}, ValueRange{fill({1, blocksK, tileN})},
          SmallVector<AffineMap>{AffineMap::get(4, 0, {dm, dg, dj}, context),
                                 AffineMap::get(4, 0, {dg, dj, dn}, context),
                                 AffineMap::get(4, 0, {dm, dg, dn}, context)},
          {utils::IteratorType::parallel, utils::IteratorType::parallel,
           utils::IteratorType::parallel, utils::IteratorType::reduction},
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value product = arith::MulFOp::create(
                nb, l, decodeLhs(nb, l, args[0]), args[1]);
            linalg::YieldOp::create(
                nb, l,
                arith::AddFOp::create(nb, l, args[2], product).getResult());
          })
          .getResult(0);

  // The scale factors of the operands that have them (an f32 operand's
  // blocks have scale 1).
  AffineExpr cm, cn, cg;
  bindDims(context, cm, cn, cg);
  SmallVector<Value> inputs{blockDots};
  SmallVector<AffineMap> maps{AffineMap::get(3, 0, {cm, cg, cn}, context)};
  if (lhsScales) {
    inputs.push_back(slice(lhsScales, {1, blocksK}, f32, {m, attr(0)},
                           {attr(1), attr(blocksK)}));
    maps.push_back(AffineMap::get(3, 0, {cm, cg}, context));
  }
  if (xbTile) {
    inputs.push_back(xbTile);
    maps.push_back(AffineMap::get(3, 0, {cg, cn}, context));
  }
  maps.push_back(AffineMap::get(3, 0, {cm, cn}, context));
  return linalg::GenericOp::create(
             b, loc, RankedTensorType::get({1, tileN}, f32), inputs,
             ValueRange{fill({1, tileN})}, maps,
             {utils::IteratorType::parallel, utils::IteratorType::parallel,
              utils::IteratorType::reduction},
             [&](OpBuilder &nb, Location l, ValueRange args) {
               // Multiplying by powers of two is exact within f32's range.
               Value scaled = args[0];
               for (Value scale : args.drop_front().drop_back())
                 scaled = arith::MulFOp::create(nb, l, scaled, scale);
               linalg::YieldOp::create(
                   nb, l,
                   arith::AddFOp::create(nb, l, args.back(), scaled)
                       .getResult());
             })
      .getResult(0);
}

/// The f32 element values of a tile of codes, decoded elementwise.
static Value decodeTile(OpBuilder &b, Location loc, Value codes,
                        const DecodeFn &decode) {
  auto type = cast<RankedTensorType>(codes.getType());
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), b.getF32Type());
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{codes}, ValueRange{init},
             SmallVector<AffineMap>{identity, identity},
             SmallVector<utils::IteratorType>(type.getRank(),
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, decode(nb, l, args[0]));
             })
      .getResult(0);
}

namespace {

struct MatmulLowering final : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto lhsMX = dyn_cast<BlockTensorType>(op.getLhs().getType());
    auto rhsMX = dyn_cast<BlockTensorType>(op.getRhs().getType());
    // A two-level operand enters as its f32 values (exact): with scale 1
    // per block, like an f32 operand, so the block dots and their sum are
    // f32 dots of the values, within the f32 accumulation bound.
    SmallVector<Value> lhsConverted(adaptor.getLhs()),
        rhsConverted(adaptor.getRhs());
    for (auto [mx, converted] :
         {std::pair{&lhsMX, &lhsConverted}, std::pair{&rhsMX, &rhsConverted}}) {
      if (!*mx || !mx->isTwoLevel() || !mx->hasStaticShape())
        continue;
      *converted = {buildTwoLevelDequantize(rewriter, op.getLoc(),
                                            converted->front(), *mx,
                                            rewriter.getF32Type())};
      *mx = BlockTensorType();
    }
    ArrayRef<int64_t> lhsShape = getOperandShape(op.getLhs().getType()),
                      rhsShape = getOperandShape(op.getRhs().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    if (ShapedType::isDynamicShape(lhsShape) ||
        ShapedType::isDynamicShape(rhsShape))
      return rewriter.notifyMatchFailure(op, "dynamic shapes are not lowered");
    Location loc = op.getLoc();
    int64_t M = lhsShape[0], K = lhsShape[1], N = rhsShape[1];
    int64_t block = op.getBlockSizeK();
    int64_t blocksK = llvm::divideCeil(K, block);
    Type f32 = rewriter.getF32Type();

    // Unscaled element values of each operand, per K-block: MX codes
    // decoded in the block dot, f32 values as they are.
    Value unitScale = arith::ConstantIntOp::create(
        rewriter, loc, rewriter.getI32Type(), num::kE8M0Bias);
    auto values = [&](BlockTensorType mx, ValueRange converted, unsigned kDim) {
      Value v =
          mx ? unpackCodes(rewriter, loc, converted[0], mx) : converted[0];
      return blockAlongK(rewriter, loc, v, kDim, blocksK * block, block);
    };
    auto decoder = [&](BlockTensorType mx) -> DecodeFn {
      if (!mx)
        return [](OpBuilder &, Location, Value value) { return value; };
      num::ElementFormat format = mx.getFormat();
      return [=](OpBuilder &b, Location l, Value code) {
        Value wide = arith::ExtUIOp::create(b, l, b.getI32Type(), code);
        return buildDecodeElement(b, l, wide, unitScale, format);
      };
    };
    Value lhs = values(lhsMX, lhsConverted, 1); // M x G x B
    Value rhs = values(rhsMX, rhsConverted, 0); // G x B x N
    DecodeFn decodeLhs = decoder(lhsMX), decodeRhs = decoder(rhsMX);
    Value lhsScales = lhsMX ? expandScales(rewriter, loc, lhsConverted[1], 0,
                                           lhsMX.getBlockShape()[0], M)
                            : Value(); // M x G
    Value rhsScales = rhsMX ? expandScales(rewriter, loc, rhsConverted[1], 1,
                                           rhsMX.getBlockShape()[1], N)
                            : Value(); // G x N

    // One row of C and a tile of columns at a time: the block dots of the
    // tile (1 x G x tileN f32, in cache) feed its scaled sum directly, so no
    // f32 buffer the size of an operand (or of all block dots) exists.
    int64_t tileN = largestDivisorUpTo(N, kColumnsPerTile);
    Value zero = arith::ConstantFloatOp::create(
        rewriter, loc, cast<FloatType>(f32), APFloat(0.0f));
    Value cInit =
        tensor::EmptyOp::create(rewriter, loc, resultType.getShape(), f32);
    auto index = [&](int64_t v) {
      return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
    };
    // Columns outside, rows inside: a column tile of the rhs is decoded
    // once (G x B x tileN f32) and reused by every row.
    auto columns = scf::ForOp::create(
        rewriter, loc, index(0), index(N), index(tileN), ValueRange{cInit},
        [&](OpBuilder &b, Location l, Value n0, ValueRange columnCarried) {
          auto attr = [&](int64_t v) -> OpFoldResult {
            return b.getIndexAttr(v);
          };
          auto rhsTileType = cast<RankedTensorType>(rhs.getType());
          Value bt = tensor::ExtractSliceOp::create(
              b, l,
              RankedTensorType::get({blocksK, block, tileN},
                                    rhsTileType.getElementType()),
              rhs, ArrayRef<OpFoldResult>{attr(0), attr(0), n0},
              ArrayRef<OpFoldResult>{attr(blocksK), attr(block), attr(tileN)},
              ArrayRef<OpFoldResult>{attr(1), attr(1), attr(1)});
          if (rhsMX)
            bt = decodeTile(b, l, bt, decodeRhs);
          Value xb;
          if (rhsScales)
            xb = tensor::ExtractSliceOp::create(
                b, l, RankedTensorType::get({blocksK, tileN}, f32), rhsScales,
                ArrayRef<OpFoldResult>{attr(0), n0},
                ArrayRef<OpFoldResult>{attr(blocksK), attr(tileN)},
                ArrayRef<OpFoldResult>{attr(1), attr(1)});
          auto rows = scf::ForOp::create(
              b, l, index(0), index(M), index(1), ValueRange{columnCarried[0]},
              [&](OpBuilder &nb, Location nl, Value m, ValueRange carried) {
                Value tile = multiplyTile(nb, nl, lhs, bt, lhsScales, xb, m,
                                          tileN, zero, decodeLhs);
                Value updated = tensor::InsertSliceOp::create(
                    nb, nl, tile, carried[0], ArrayRef<OpFoldResult>{m, n0},
                    ArrayRef<OpFoldResult>{nb.getIndexAttr(1),
                                           nb.getIndexAttr(tileN)},
                    ArrayRef<OpFoldResult>{nb.getIndexAttr(1),
                                           nb.getIndexAttr(1)});
                scf::YieldOp::create(nb, nl, updated);
              });
          scf::YieldOp::create(b, l, rows.getResult(0));
        });
    Value result = columns.getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::mx::populateMXMatmulToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<MatmulLowering>(converter, patterns.getContext());
}
