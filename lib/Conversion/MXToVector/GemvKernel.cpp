//===- GemvKernel.cpp - mx.matmul with one row: weights streamed once -----===//
//
// y = x B for one row x (M = 1): no packing, since every weight is used
// once. Each panel is 256 columns (whole cache lines of every weight row);
// a parallel iteration owns up to 4 adjacent panels and, per K-block, runs
// them one after another over the same 32 rows (their pages stay in the
// TLB, and the next block's rows are prefetched); per panel and K-block it
// decodes the block's 32 weight rows straight from their codes, multiplies
// them with x's values broadcast, and adds (S * X_x) * X_B to the totals in
// y: the order of the linalg lowering.
//
// Decoding a row: FP8/FP6/INT8 bytes widen to i32 lanes for the shared
// decode builder. FP4 with AVX-512 reads the row as i32 words of 8 codes
// and looks each code up in a table of the 16 FP4 values (vpermps, which
// reads an index's low 4 bits: the word shifted right by 4s gives code s of
// every lane); the sums then hold columns 8i + s in part s, put back in
// column order once per K-block by three rounds of two-vector interleaves.
// Without AVX-512, FP4 bytes split into low and high nibbles (even and odd
// columns).
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

constexpr int64_t kPanel = 256; // columns: whole cache lines of codes
constexpr int64_t kLanes = 16;  // f32 lanes of one AVX-512 register

Value index(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// The 16 FP4 (E2M1) values at unit scale, by code.
Value buildFP4Table(OpBuilder &b, Location loc) {
  SmallVector<float> values;
  for (uint8_t code = 0; code < 16; ++code)
    values.push_back(float(num::decodeElement(num::ElementFormat::E2M1, code)));
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(VectorType::get({kLanes}, b.getF32Type()),
                             ArrayRef<float>(values)));
}

/// Prefetches `bytes` of the weights from `at` into L2: each row is read in
/// short pieces 8 KiB or more apart, which the hardware prefetchers do not
/// follow, so without it every piece waits on DRAM. Into L2 (locality 2,
/// prefetcht1) rather than L1: the misses then queue in L2's larger miss
/// buffers (MXFP4 from DRAM, one core: 7.5 -> 10.7 GB/s).
void prefetch(OpBuilder &b, Location loc, Value codes, Value at,
              int64_t bytes) {
  constexpr int64_t kLine = 64;
  for (int64_t line = 0; line < bytes; line += kLine)
    memref::PrefetchOp::create(
        b, loc, codes,
        ValueRange{arith::AddIOp::create(b, loc, at, index(b, loc, line))},
        /*isWrite=*/false, /*localityHint=*/2, /*isDataCache=*/true);
}

/// How a panel's part of one weight row (kPanel columns) becomes f32 values
/// in the partial sums, and how the sums come back in column order.
struct RowDecoder {
  num::ElementFormat format;
  Value table; // FP4 values for vpermps, or null

  bool fp4() const { return format == num::ElementFormat::E2M1; }
  int64_t rowBytes(int64_t columns) const {
    return fp4() ? columns / 2 : columns;
  }
  /// Partial sums: FP4 16 x 16 columns, else 8 x 32.
  VectorType sumType(OpBuilder &b) const {
    return VectorType::get({fp4() ? kLanes : 2 * kLanes}, b.getF32Type());
  }
  int64_t sums() const { return fp4() ? 16 : 8; }

  /// partial[i] += x_k * (the row's values of part i), the row's panel
  /// bytes at `at`.
  void accumulate(OpBuilder &b, Location loc, Value codes, Value at, Value xk,
                  SmallVectorImpl<Value> &partial) const {
    auto load = [&](int64_t offset, int64_t bytes) -> Value {
      return vector::LoadOp::create(
          b, loc, VectorType::get({bytes}, b.getI8Type()), codes,
          ValueRange{arith::AddIOp::create(b, loc, at, index(b, loc, offset))});
    };
    auto fma = [&](Value &acc, Value values) {
      acc = vector::FMAOp::create(b, loc, xk, values, acc);
    };
    auto words = VectorType::get({kLanes}, b.getI32Type());
    if (fp4() && table) {
      // Two i32 vectors of 8 codes per lane: code s of lane i of vector q is
      // column 128q + 8i + s, summed in partial[8q + s].
      for (int64_t q = 0; q < 2; ++q) {
        Value word =
            vector::BitCastOp::create(b, loc, words, load(q * 64, 4 * kLanes));
        for (int64_t s = 0; s < 8; ++s) {
          Value codesOfPart =
              s == 0 ? word
                     : arith::ShRUIOp::create(b, loc, word,
                                              splatI32(b, loc, words, 4 * s))
                           .getResult();
          fma(partial[8 * q + s], PermuteF32Op::create(b, loc, table.getType(),
                                                       table, codesOfPart));
        }
      }
      return;
    }
    if (fp4()) { // 8 x 16 bytes: low nibbles even columns, high ones odd
      for (int64_t v = 0; v < 8; ++v) {
        Value wide =
            arith::ExtUIOp::create(b, loc, words, load(v * kLanes, kLanes));
        Value low =
            arith::AndIOp::create(b, loc, wide, splatI32(b, loc, words, 15));
        Value high =
            arith::ShRUIOp::create(b, loc, wide, splatI32(b, loc, words, 4));
        fma(partial[2 * v], buildDecodeUnitElement(b, loc, low, format));
        fma(partial[2 * v + 1], buildDecodeUnitElement(b, loc, high, format));
      }
      return;
    }
    auto wideType = VectorType::get({2 * kLanes}, b.getI32Type());
    for (int64_t v = 0; v < 8; ++v)
      fma(partial[v],
          buildDecodeUnitElement(
              b, loc,
              arith::ExtUIOp::create(b, loc, wideType,
                                     load(v * 2 * kLanes, 2 * kLanes)),
              format));
  }

  /// The partial sums as vectors of consecutive columns, in order.
  SmallVector<Value> inColumnOrder(OpBuilder &b, Location loc,
                                   ValueRange partial) const {
    if (!fp4())
      return llvm::to_vector(partial);
    SmallVector<Value> columns;
    if (!table) {
      for (int64_t v = 0; v < 8; ++v)
        columns.push_back(vector::InterleaveOp::create(b, loc, partial[2 * v],
                                                       partial[2 * v + 1]));
      return columns;
    }
    // Part s holds columns 8i + s (i the lane). Interleaving parts s and
    // s + 4, then s and s + 2, then s and s + 1 (low halves to s, high to
    // the partner) moves s's bits below i's: part t ends with columns
    // 16t .. 16t + 15.
    SmallVector<int64_t> low, high;
    for (int64_t j = 0; j < kLanes; ++j) {
      low.push_back(j / 2 + (j % 2) * kLanes);
      high.push_back(kLanes / 2 + j / 2 + (j % 2) * kLanes);
    }
    for (int64_t q = 0; q < 2; ++q) {
      SmallVector<Value> parts = llvm::to_vector(partial.slice(8 * q, 8));
      for (int64_t bit : {4, 2, 1})
        for (int64_t s = 0; s < 8; ++s) {
          if (s & bit)
            continue;
          Value a = parts[s], c = parts[s | bit];
          parts[s] = vector::ShuffleOp::create(b, loc, a, c, low);
          parts[s | bit] = vector::ShuffleOp::create(b, loc, a, c, high);
        }
      columns.append(parts);
    }
    return columns;
  }
};

struct GemvKernel final : OpConversionPattern<MatmulOp> {
  GemvKernel(const TypeConverter &converter, MLIRContext *context, bool avx512)
      : OpConversionPattern(converter, context, /*benefit=*/3), avx512(avx512) {
  }

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
    Value x =
        decodeX(b, loc, adaptor.getLhs()[0], lhsType.getFormat(), K, block, G);
    Value scalesX = readFlat(b, loc, adaptor.getLhs()[1]);
    Value codesW = readFlat(b, loc, adaptor.getRhs()[0]);
    Value scalesW = readFlat(b, loc, adaptor.getRhs()[1]);
    FlatResult y = allocateFlat(b, loc, cast<RankedTensorType>(op.getType()));

    const RowDecoder decoder{rhsType.getFormat(),
                             rhsType.getFormat() == num::ElementFormat::E2M1 &&
                                     avx512
                                 ? buildFP4Table(b, loc)
                                 : Value()};
    const int64_t rowBytes = decoder.rowBytes(N),
                  panelBytes = decoder.rowBytes(kPanel);
    Value zero = arith::ConstantOp::create(
        b, loc,
        SplatElementsAttr::get(decoder.sumType(b), b.getF32FloatAttr(0.0f)));
    SmallVector<Value> zeros(decoder.sums(), zero);
    // A parallel iteration owns `group` adjacent panels and walks the K-blocks
    // once for all of them: the pages of a block's 32 weight rows stay in
    // the TLB while every panel of the group reads its part of those rows.
    const int64_t panels = N / kPanel;
    const int64_t group = panels % 4 == 0 ? 4 : panels % 2 == 0 ? 2 : 1;
    buildBlockLoop(
        b, loc, panels / group,
        [&](OpBuilder &nb, Location l, Value groupIndex) {
          Value groupColumn = scaledIndex(nb, l, groupIndex, group * kPanel);
          auto zeroColumns = VectorType::get({kLanes}, nb.getF32Type());
          for (int64_t v = 0; v < group * kPanel / kLanes; ++v)
            vector::StoreOp::create(
                nb, l,
                arith::ConstantOp::create(
                    nb, l,
                    SplatElementsAttr::get(zeroColumns,
                                           nb.getF32FloatAttr(0.0f))),
                y.flat,
                ValueRange{arith::AddIOp::create(nb, l, groupColumn,
                                                 index(nb, l, v * kLanes))});
          buildLoop(nb, l, G, [&](OpBuilder &gb, Location gl, Value g) {
            buildLoop(gb, gl, group, [&](OpBuilder &pb, Location pl, Value p) {
              Value panel = arith::AddIOp::create(
                  pb, pl, scaledIndex(pb, pl, groupIndex, group), p);
              Value column = scaledIndex(pb, pl, panel, kPanel);
              Value columnByte = scaledIndex(pb, pl, panel, panelBytes);
              Value first = scaledIndex(pb, pl, g, block);
              // S: the block's 32 rows, each read as whole cache lines.
              auto rows = scf::ForOp::create(
                  pb, pl, index(pb, pl, 0), index(pb, pl, block),
                  index(pb, pl, 1), zeros,
                  [&](OpBuilder &rb, Location rl, Value j, ValueRange sums) {
                    Value k = arith::AddIOp::create(rb, rl, first, j);
                    Value xk = vector::BroadcastOp::create(
                        rb, rl, decoder.sumType(rb),
                        memref::LoadOp::create(rb, rl, x, k));
                    auto rowAt = [&](Value r) -> Value {
                      return arith::AddIOp::create(
                          rb, rl, scaledIndex(rb, rl, r, rowBytes), columnByte);
                    };
                    // Row k + block (the last row past the end).
                    Value ahead = arith::MinUIOp::create(
                        rb, rl,
                        arith::AddIOp::create(rb, rl, k, index(rb, rl, block)),
                        index(rb, rl, K - 1));
                    prefetch(rb, rl, codesW, rowAt(ahead), panelBytes);
                    SmallVector<Value> partial(sums);
                    decoder.accumulate(rb, rl, codesW, rowAt(k), xk, partial);
                    scf::YieldOp::create(rb, rl, partial);
                  });
              addScaledSums(pb, pl,
                            decoder.inColumnOrder(pb, pl, rows.getResults()),
                            scalesX, scalesW, y.flat, g, column, N);
            });
          });
        });
    rewriter.replaceOp(op, y.tensor);
    return success();
  }

private:
  /// x: K values at unit scale, decoded once (K is small next to the K x N
  /// weights).
  static Value decodeX(OpBuilder &b, Location loc, Value tensor,
                       num::ElementFormat format, int64_t K, int64_t block,
                       int64_t G) {
    Value codes = readFlat(b, loc, tensor);
    Value x = memref::AllocOp::create(
        b, loc, MemRefType::get({K}, b.getF32Type()), b.getI64IntegerAttr(64));
    const bool fp4 = format == num::ElementFormat::E2M1;
    buildBlockLoop(b, loc, G, [&](OpBuilder &nb, Location l, Value g) {
      Value first = scaledIndex(nb, l, g, block);
      Value bytes =
          fp4 ? unpackNibbles(nb, l,
                              vector::LoadOp::create(
                                  nb, l,
                                  VectorType::get({block / 2}, nb.getI8Type()),
                                  codes, scaledIndex(nb, l, g, block / 2)))
              : vector::LoadOp::create(nb, l,
                                       VectorType::get({block}, nb.getI8Type()),
                                       codes, first)
                    .getResult();
      auto i32s = VectorType::get({block}, nb.getI32Type());
      vector::StoreOp::create(
          nb, l,
          buildDecodeUnitElement(
              nb, l, arith::ExtUIOp::create(nb, l, i32s, bytes), format),
          x, first);
    });
    return x;
  }

  /// A sequential loop over [0, count).
  static void buildLoop(OpBuilder &b, Location loc, int64_t count,
                        function_ref<void(OpBuilder &, Location, Value)> body) {
    scf::ForOp::create(b, loc, index(b, loc, 0), index(b, loc, count),
                       index(b, loc, 1), ValueRange{},
                       [&](OpBuilder &nb, Location l, Value i, ValueRange) {
                         body(nb, l, i);
                         scf::YieldOp::create(nb, l);
                       });
  }

  /// y[columns] += (S * X_x) * X_B for block g, S the block's sums in
  /// column order from `column`.
  static void addScaledSums(OpBuilder &b, Location loc, ArrayRef<Value> sums,
                            Value scalesX, Value scalesW, Value y, Value g,
                            Value column, int64_t N) {
    Value scaleX = buildScaleValue(
        b, loc,
        buildScaleCode(b, loc, memref::LoadOp::create(b, loc, scalesX, g)));
    Value at = column;
    for (Value sum : sums) {
      auto type = cast<VectorType>(sum.getType());
      Value scaleCodes = vector::LoadOp::create(
          b, loc,
          VectorType::get(type.getShape(),
                          Float8E8M0FNUType::get(b.getContext())),
          scalesW,
          ValueRange{
              arith::AddIOp::create(b, loc, scaledIndex(b, loc, g, N), at)});
      Value scaleW =
          buildScaleValue(b, loc, buildScaleCode(b, loc, scaleCodes));
      Value scaled = arith::MulFOp::create(
          b, loc,
          arith::MulFOp::create(
              b, loc, sum, vector::BroadcastOp::create(b, loc, type, scaleX)),
          scaleW);
      Value total = vector::LoadOp::create(b, loc, type, y, ValueRange{at});
      vector::StoreOp::create(b, loc,
                              arith::AddFOp::create(b, loc, total, scaled), y,
                              ValueRange{at});
      at = arith::AddIOp::create(b, loc, at,
                                 index(b, loc, type.getNumElements()));
    }
  }

  bool avx512;
};

} // namespace

void mlir::mx::populateGemvKernelPattern(const TypeConverter &converter,
                                         RewritePatternSet &patterns,
                                         bool avx512) {
  patterns.add<GemvKernel>(converter, patterns.getContext(), avx512);
}
