//===- GemvKernel.cpp - mx.matmul with one row: weights streamed once -----===//
//
// y = x B for one row x (M = 1): no packing, since every weight is used
// once. Each panel is 256 columns (whole cache lines of every weight row);
// a parallel iteration owns up to 4 adjacent panels and, per K-block, runs
// them one after another over the same 32 rows (their pages stay in the
// TLB); per panel and K-block it decodes the
// block's 32 weight rows straight from their codes (the shared decode
// builder), multiplies them with x's values broadcast, and adds
// (S * X_x) * X_B to the totals in y: the order of the linalg lowering.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Numerics/Scale.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

constexpr int64_t kColumns = 32;                // per vector of partial sums
constexpr int64_t kVectors = 8;                 // per parallel iteration:
constexpr int64_t kPanel = kColumns * kVectors; // whole cache lines of codes

Value index(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// The codes of 32 columns from their bytes: one part, or for FP4 the even
/// columns (low nibbles) and the odd ones (high nibbles).
SmallVector<Value> splitColumns(OpBuilder &b, Location loc, Value bytes,
                                bool fp4) {
  if (!fp4)
    return {bytes};
  auto type = cast<VectorType>(bytes.getType());
  auto splat = [&](int64_t v) {
    return arith::ConstantOp::create(
        b, loc,
        SplatElementsAttr::get(type, b.getIntegerAttr(b.getI8Type(), v)));
  };
  return {arith::AndIOp::create(b, loc, bytes, splat(15)),
          arith::ShRUIOp::create(b, loc, bytes, splat(4))};
}

/// The unit-scale f32 values of codes (vector<n x i8>).
Value decodeColumns(OpBuilder &b, Location loc, Value codes,
                    num::ElementFormat format) {
  auto i32s = VectorType::get(cast<VectorType>(codes.getType()).getShape(),
                              b.getI32Type());
  return buildDecodeUnitElement(
      b, loc, arith::ExtUIOp::create(b, loc, i32s, codes), format);
}

struct GemvKernel final : OpConversionPattern<MatmulOp> {
  GemvKernel(const TypeConverter &converter, MLIRContext *context)
      : OpConversionPattern(converter, context, /*benefit=*/3) {}

  LogicalResult
  matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isVectorKernelMatmul(op))
      return rewriter.notifyMatchFailure(op, "not of the kernel layout");
    const MatmulShape shape = getMatmulShape(op);
    BlockTensorType lhsType = shape.lhs, rhsType = shape.rhs;
    const int64_t M = shape.M, K = shape.K, N = shape.N, block = shape.block,
                  G = shape.G;
    if (M != 1 || N % kPanel != 0)
      return rewriter.notifyMatchFailure(op,
                                         "not one row of 256-column panels");
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    num::ElementFormat lhsFormat = lhsType.getFormat(),
                       rhsFormat = rhsType.getFormat();
    const bool lhsFP4 = lhsFormat == num::ElementFormat::E2M1;
    const bool rhsFP4 = rhsFormat == num::ElementFormat::E2M1;

    // x: K values at unit scale and G scales, decoded once (K is small
    // next to the K x N weights).
    Value codesX = readFlat(b, loc, adaptor.getLhs()[0]);
    Value scalesX = readFlat(b, loc, adaptor.getLhs()[1]);
    Value x = memref::AllocOp::create(
        b, loc, MemRefType::get({K}, b.getF32Type()), b.getI64IntegerAttr(64));
    buildBlockLoop(b, loc, G, [&](OpBuilder &nb, Location l, Value g) {
      Value first = scaledIndex(nb, l, g, block);
      Value bytes =
          lhsFP4
              ? unpackNibbles(nb, l,
                              vector::LoadOp::create(
                                  nb, l,
                                  VectorType::get({block / 2}, nb.getI8Type()),
                                  codesX, scaledIndex(nb, l, g, block / 2)))
              : vector::LoadOp::create(nb, l,
                                       VectorType::get({block}, nb.getI8Type()),
                                       codesX, first)
                    .getResult();
      auto i32s = VectorType::get({block}, nb.getI32Type());
      vector::StoreOp::create(
          nb, l,
          buildDecodeUnitElement(
              nb, l, arith::ExtUIOp::create(nb, l, i32s, bytes), lhsFormat),
          x, first);
    });

    Value codesW = readFlat(b, loc, adaptor.getRhs()[0]);
    Value scalesW = readFlat(b, loc, adaptor.getRhs()[1]);
    FlatResult y = allocateFlat(b, loc, cast<RankedTensorType>(op.getType()));
    const int64_t rowBytes = rhsFP4 ? N / 2 : N;
    const int64_t bytesPerVector = rhsFP4 ? kColumns / 2 : kColumns;
    // FP4 keeps the even columns (low nibbles) and odd ones (high nibbles)
    // in separate partial sums, interleaved once at the end instead of per
    // weight row.
    const int64_t parts = rhsFP4 ? 2 : 1;
    auto f32s = VectorType::get({kColumns}, b.getF32Type());
    auto partType = VectorType::get({kColumns / parts}, b.getF32Type());
    Value zero = arith::ConstantOp::create(
        b, loc, SplatElementsAttr::get(partType, b.getF32FloatAttr(0.0f)));
    SmallVector<Value> zeros(kVectors * parts, zero);
    // A parallel iteration owns `group` adjacent panels and walks the K-blocks
    // once for all of them: the pages of a block's 32 weight rows stay in
    // the TLB while every panel of the group reads its part of those rows.
    const int64_t panels = N / kPanel;
    const int64_t group = panels % 4 == 0 ? 4 : panels % 2 == 0 ? 2 : 1;
    buildBlockLoop(
        b, loc, panels / group,
        [&](OpBuilder &nb, Location l, Value groupIndex) {
          Value groupColumn = scaledIndex(nb, l, groupIndex, group * kPanel);
          Value zeroColumns = arith::ConstantOp::create(
              nb, l, SplatElementsAttr::get(f32s, nb.getF32FloatAttr(0.0f)));
          for (int64_t v = 0; v < group * kVectors; ++v)
            vector::StoreOp::create(
                nb, l, zeroColumns, y.flat,
                ValueRange{arith::AddIOp::create(nb, l, groupColumn,
                                                 index(nb, l, v * kColumns))});
          scf::ForOp::create(
              nb, l, index(nb, l, 0), index(nb, l, G), index(nb, l, 1),
              ValueRange{},
              [&](OpBuilder &gb, Location gl, Value g, ValueRange) {
                scf::ForOp::create(
                    gb, gl, index(gb, gl, 0), index(gb, gl, group),
                    index(gb, gl, 1), ValueRange{},
                    [&](OpBuilder &fb, Location fl, Value p, ValueRange) {
                      Value panel = arith::AddIOp::create(
                          fb, fl, scaledIndex(fb, fl, groupIndex, group), p);
                      Value column = scaledIndex(fb, fl, panel, kPanel);
                      Value columnByte =
                          scaledIndex(fb, fl, panel, kVectors * bytesPerVector);
                      // The totals live in y itself (registers hold the partial
                      // sums).
                      auto yAt = [&](OpBuilder &ob, Location ol,
                                     int64_t v) -> Value {
                        return arith::AddIOp::create(
                            ob, ol, column, index(ob, ol, v * kColumns));
                      };
                      Value first = scaledIndex(fb, fl, g, block);
                      // S: the block's 32 rows, each read as whole cache lines.
                      auto rows = scf::ForOp::create(
                          fb, fl, index(fb, fl, 0), index(fb, fl, block),
                          index(fb, fl, 1), zeros,
                          [&](OpBuilder &rb, Location rl, Value j,
                              ValueRange partial) {
                            Value k = arith::AddIOp::create(rb, rl, first, j);
                            Value xk = vector::BroadcastOp::create(
                                rb, rl, partType,
                                memref::LoadOp::create(rb, rl, x, k));
                            Value row = arith::AddIOp::create(
                                rb, rl, scaledIndex(rb, rl, k, rowBytes),
                                columnByte);
                            SmallVector<Value> next;
                            for (int64_t v = 0; v < kVectors; ++v) {
                              Value at = arith::AddIOp::create(
                                  rb, rl, row,
                                  index(rb, rl, v * bytesPerVector));
                              Value bytes = vector::LoadOp::create(
                                  rb, rl,
                                  VectorType::get({bytesPerVector},
                                                  rb.getI8Type()),
                                  codesW, at);
                              for (auto [p, codes] : llvm::enumerate(
                                       splitColumns(rb, rl, bytes, rhsFP4)))
                                next.push_back(vector::FMAOp::create(
                                    rb, rl, xk,
                                    decodeColumns(rb, rl, codes, rhsFormat),
                                    partial[v * parts + p]));
                            }
                            scf::YieldOp::create(rb, rl, next);
                          });
                      // (S * X_x) * X_B.
                      Value scaleX = buildScaleValue(
                          fb, fl,
                          buildScaleCode(
                              fb, fl,
                              memref::LoadOp::create(fb, fl, scalesX, g)));
                      for (int64_t v = 0; v < kVectors; ++v) {
                        Value scalesOfBlock = vector::LoadOp::create(
                            fb, fl,
                            VectorType::get({kColumns}, Float8E8M0FNUType::get(
                                                            fb.getContext())),
                            scalesW,
                            ValueRange{arith::AddIOp::create(
                                fb, fl, scaledIndex(fb, fl, g, N),
                                arith::AddIOp::create(
                                    fb, fl, column,
                                    index(fb, fl, v * kColumns)))});
                        Value scaleW = buildScaleValue(
                            fb, fl, buildScaleCode(fb, fl, scalesOfBlock));
                        SmallVector<Value> scaleParts{scaleW};
                        if (rhsFP4) {
                          auto halves =
                              vector::DeinterleaveOp::create(fb, fl, scaleW);
                          scaleParts = {halves.getRes1(), halves.getRes2()};
                        }
                        SmallVector<Value> scaled;
                        for (int64_t p = 0; p < parts; ++p)
                          scaled.push_back(arith::MulFOp::create(
                              fb, fl,
                              arith::MulFOp::create(
                                  fb, fl, rows.getResult(v * parts + p),
                                  vector::BroadcastOp::create(fb, fl, partType,
                                                              scaleX)),
                              scaleParts[p]));
                        Value columns = rhsFP4
                                            ? vector::InterleaveOp::create(
                                                  fb, fl, scaled[0], scaled[1])
                                                  .getResult()
                                            : scaled[0];
                        Value at = yAt(fb, fl, v);
                        Value total = vector::LoadOp::create(
                            fb, fl, f32s, y.flat, ValueRange{at});
                        vector::StoreOp::create(
                            fb, fl,
                            arith::AddFOp::create(fb, fl, total, columns),
                            y.flat, ValueRange{at});
                      }
                      scf::YieldOp::create(fb, fl);
                    });
                scf::YieldOp::create(gb, gl);
              });
        });
    rewriter.replaceOp(op, y.tensor);
    return success();
  }
};

} // namespace

void mlir::mx::populateGemvKernelPattern(const TypeConverter &converter,
                                         RewritePatternSet &patterns) {
  patterns.add<GemvKernel>(converter, patterns.getContext());
}
