//===- GemvKernel.cpp - mx.matmul with one row: weights streamed once -----===//
//
// y = x B for one row x (M = 1): no packing, since every weight is used
// once. Each panel is 256 columns (whole cache lines of every weight row);
// a parallel iteration owns up to 4 adjacent panels and, per K-block, runs
// them one after another over the same 32 rows (their pages stay in the
// TLB, and the next block's rows are prefetched); per panel and K-block it
// decodes the block's 32 weight rows straight from their codes, multiplies
// them with x's values broadcast, and adds (S * X_x) * X_B to the totals in
// y: the order of the linalg lowering. Weight-only products (f32 x) take x
// as it is, scale 1, with the weights decoded to f32.
//
// Weights in the `panels` layout (each panel's rows and scales stored
// whole, see !mx.tensor) are walked panel after panel, all of K each: every
// parallel iteration then reads one sequential run of memory, which the
// hardware prefetchers follow, instead of 32 pieces a row apart per block.
//
// How the rows are decoded (table lookups into bf16 pairs for vdpbf16ps,
// two rows per step, where the CPU allows) is GemvRowDecoder.h's concern.
//
//===----------------------------------------------------------------------===//

#include "BlockKernels.h"
#include "GemvRowDecoder.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

constexpr int64_t kPanel = kGemvPanel;
constexpr int64_t kPanelPrefetchBytes = 32 * 1024;
static_assert(kPanel == kPanelColumns,
              "the GEMV's panels are the panels storage layout's");

} // namespace

/// Prefetches `bytes` of the weights from `at` into L2: each row is read in
/// short pieces 8 KiB or more apart, which the hardware prefetchers do not
/// follow, so without it every piece waits on DRAM. Into L2 (locality 2,
/// prefetcht1) rather than L1: the misses then queue in L2's larger miss
/// buffers (MXFP4 from DRAM, one core: 7.5 -> 10.7 GB/s).
static void prefetch(OpBuilder &b, Location loc, Value codes, Value at,
                     int64_t bytes) {
  constexpr int64_t kLine = 64;
  for (int64_t line = 0; line < bytes; line += kLine)
    memref::PrefetchOp::create(b, loc, codes,
                               ValueRange{arith::AddIOp::create(
                                   b, loc, at, constantIndex(b, loc, line))},
                               /*isWrite=*/false, /*localityHint=*/2,
                               /*isDataCache=*/true);
}

namespace {

struct GemvKernel final : OpConversionPattern<MatmulOp> {
  GemvKernel(const TypeConverter &converter, MLIRContext *context,
             const cpu::KernelUnits &units)
      : OpConversionPattern(converter, context, /*benefit=*/3), units(units) {}

  LogicalResult
  matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isGemvKernelMatmul(op))
      return rewriter.notifyMatchFailure(op, "not one row of the kernel "
                                             "layout in 256-column panels");
    const MatmulShape shape = getMatmulShape(op);
    BlockTensorType lhsType = shape.lhs, rhsType = shape.rhs;
    const int64_t K = shape.K, N = shape.N, block = shape.block, G = shape.G;
    const bool panelsW = rhsType.hasPanels();
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    // Weight-only (f32 x): x as it is, with scale 1, times weights decoded
    // to f32 (the bf16 pairs would round x).
    const bool xF32 = !lhsType;
    Value scalesX = xF32 ? Value() : readFlat(b, loc, adaptor.getLhs()[1]);
    Value codesW = readFlat(b, loc, adaptor.getRhs()[0]);
    Value scalesW = readFlat(b, loc, adaptor.getRhs()[1]);
    FlatResult y = allocateFlat(b, loc, cast<RankedTensorType>(op.getType()));

    // MXINT8 x MXINT8 with VNNI: x's codes are vpdpbusd's signed operand.
    const bool int8Quads = units.int8Dot && !xF32 &&
                           lhsType.getFormat() == num::ElementFormat::INT8 &&
                           block % 4 == 0;
    const RowDecoder decoder =
        chooseRowDecoder(b, loc, rhsType.getFormat(), units.avx512,
                         units.bf16PairLookup && !xF32, int8Quads);
    Value x = xF32 || decoder.quads()
                  ? readFlat(b, loc, adaptor.getLhs()[0])
                  : decodeX(b, loc, adaptor.getLhs()[0], lhsType.getFormat(), K,
                            block, G, decoder.pairs());
    const int64_t rowBytes = decoder.rowBytes(N),
                  panelBytes = decoder.rowBytes(kPanel);
    Value zero = arith::ConstantOp::create(
        b, loc, b.getZeroAttr(decoder.accumulatorType(b)));
    SmallVector<Value> zeros(decoder.sums(), zero);
    // A parallel iteration owns `group` adjacent panels. Row-major, it walks
    // the K-blocks once for all of them: the pages of a block's 32 weight
    // rows stay in the TLB while every panel of the group reads its part of
    // those rows. In panels, it reads each panel whole, one after another:
    // the group is one run of memory.
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
                ValueRange{arith::AddIOp::create(
                    nb, l, groupColumn, constantIndex(nb, l, v * kLanes))});
          // Panel `p` of the group, K-block `g`.
          auto panelBlock = [&](OpBuilder &pb, Location pl, Value p, Value g,
                                Value xCodeSum) {
            Value panel = arith::AddIOp::create(
                pb, pl, scaledIndex(pb, pl, groupIndex, group), p);
            Value column = scaledIndex(pb, pl, panel, kPanel);
            // Where the panel's rows start, and from one row to the next;
            // where the block's scales for the panel start.
            Value rowsBase = panelsW
                                 ? scaledIndex(pb, pl, panel, K * panelBytes)
                                 : scaledIndex(pb, pl, panel, panelBytes);
            const int64_t rowStride = panelsW ? panelBytes : rowBytes;
            // Software prefetch distance: a block ahead in rows a row apart
            // (pieces the hardware does not follow); in a panel, which the
            // hardware streams, far enough ahead to keep more misses in
            // flight than the decode leaves room for (one thread from
            // DRAM, mean of 4 alternating runs: 0.79x of a streaming read
            // without software prefetch, 0.74x and 0.78x 8 and 16 KiB
            // ahead, 0.84x 32 KiB ahead).
            const int64_t aheadRows =
                panelsW ? std::max(block, kPanelPrefetchBytes / panelBytes)
                        : block;
            Value scalesAt =
                panelsW
                    ? scaledIndex(pb, pl,
                                  arith::AddIOp::create(
                                      pb, pl, scaledIndex(pb, pl, panel, G), g),
                                  kPanel)
                    : arith::AddIOp::create(pb, pl, scaledIndex(pb, pl, g, N),
                                            column);
            Value first = scaledIndex(pb, pl, g, block);
            // S: the block's 32 rows, each read as whole cache lines.
            const int64_t step = decoder.rowsPerStep();
            auto rows = scf::ForOp::create(
                pb, pl, constantIndex(pb, pl, 0), constantIndex(pb, pl, block),
                constantIndex(pb, pl, step), zeros,
                [&](OpBuilder &rb, Location rl, Value j, ValueRange sums) {
                  Value k = arith::AddIOp::create(rb, rl, first, j);
                  SmallVector<Value> rowsAt;
                  for (int64_t r = 0; r < step; ++r) {
                    Value row = arith::AddIOp::create(rb, rl, k,
                                                      constantIndex(rb, rl, r));
                    rowsAt.push_back(arith::AddIOp::create(
                        rb, rl, scaledIndex(rb, rl, row, rowStride), rowsBase));
                    // Row + block, or in panels 32 KiB further down the
                    // panel (the last row past the end).
                    Value ahead = arith::MinUIOp::create(
                        rb, rl,
                        arith::AddIOp::create(rb, rl, row,
                                              constantIndex(rb, rl, aheadRows)),
                        constantIndex(rb, rl, K - 1));
                    prefetch(rb, rl, codesW,
                             arith::AddIOp::create(
                                 rb, rl, scaledIndex(rb, rl, ahead, rowStride),
                                 rowsBase),
                             panelBytes);
                  }
                  SmallVector<Value> partial(sums);
                  decoder.accumulate(rb, rl, codesW, rowsAt,
                                     broadcastX(rb, rl, x, k, decoder),
                                     partial);
                  scf::YieldOp::create(rb, rl, partial);
                });
            addScaledSums(
                pb, pl,
                decoder.inColumnOrder(
                    pb, pl,
                    decoder.blockDots(pb, pl, rows.getResults(), xCodeSum)),
                scalesX, scalesW, y.flat, g, column, scalesAt);
          };
          // The quads' bias term: once per block.
          auto codeSum = [&](OpBuilder &gb, Location gl, Value g) {
            return decoder.quads()
                       ? sumCodes(gb, gl, x, scaledIndex(gb, gl, g, block),
                                  block)
                       : Value();
          };
          if (panelsW) {
            buildLoop(nb, l, group, [&](OpBuilder &pb, Location pl, Value p) {
              buildLoop(pb, pl, G, [&](OpBuilder &gb, Location gl, Value g) {
                panelBlock(gb, gl, p, g, codeSum(gb, gl, g));
              });
            });
            return;
          }
          buildLoop(nb, l, G, [&](OpBuilder &gb, Location gl, Value g) {
            Value xCodeSum = codeSum(gb, gl, g);
            buildLoop(gb, gl, group, [&](OpBuilder &pb, Location pl, Value p) {
              panelBlock(pb, pl, p, g, xCodeSum);
            });
          });
        });
    rewriter.replaceOp(op, y.tensor);
    return success();
  }

private:
  /// x: K values at unit scale, decoded once (K is small next to the K x N
  /// weights), as f32, or as bf16 for the pair mode (exact: every MX
  /// element is a bf16).
  static Value decodeX(OpBuilder &b, Location loc, Value tensor,
                       num::ElementFormat format, int64_t K, int64_t block,
                       int64_t G, bool asBF16) {
    Value codes = readFlat(b, loc, tensor);
    Type elementType = asBF16 ? Type(b.getBF16Type()) : Type(b.getF32Type());
    Value x = memref::AllocOp::create(b, loc, MemRefType::get({K}, elementType),
                                      b.getI64IntegerAttr(64));
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
      Value values = buildDecodeUnitElement(
          nb, l, arith::ExtUIOp::create(nb, l, i32s, bytes), format);
      if (asBF16)
        values = arith::TruncFOp::create(
            nb, l, VectorType::get({block}, nb.getBF16Type()), values);
      vector::StoreOp::create(nb, l, values, x, first);
    });
    return x;
  }

  /// x_k in every f32 lane, or x's values k .. k + step - 1 (a bf16 pair,
  /// or four INT8 codes) as every 32-bit lane.
  static Value broadcastX(OpBuilder &b, Location loc, Value x, Value k,
                          const RowDecoder &decoder) {
    const int64_t step = decoder.rowsPerStep();
    if (step == 1)
      return vector::BroadcastOp::create(b, loc, decoder.sumType(b),
                                         memref::LoadOp::create(b, loc, x, k));
    return broadcastWord(b, loc, x, k, step);
  }

  /// The sum of the `block` signed codes of `codes` from `first`, as i32.
  static Value sumCodes(OpBuilder &b, Location loc, Value codes, Value first,
                        int64_t block) {
    Value bytes = vector::LoadOp::create(
        b, loc, VectorType::get({block}, b.getI8Type()), codes, first);
    Value wide = arith::ExtSIOp::create(
        b, loc, VectorType::get({block}, b.getI32Type()), bytes);
    return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                       wide);
  }

  /// A sequential loop over [0, count).
  static void buildLoop(OpBuilder &b, Location loc, int64_t count,
                        function_ref<void(OpBuilder &, Location, Value)> body) {
    scf::ForOp::create(b, loc, constantIndex(b, loc, 0),
                       constantIndex(b, loc, count), constantIndex(b, loc, 1),
                       ValueRange{},
                       [&](OpBuilder &nb, Location l, Value i, ValueRange) {
                         body(nb, l, i);
                         scf::YieldOp::create(nb, l);
                       });
  }

  /// y[columns] += (S * X_x) * X_B for block g, S the block's sums in
  /// column order from `column` (S * X_B without `scalesX`: f32 x), X_B
  /// read from `scalesAt` on.
  static void addScaledSums(OpBuilder &b, Location loc, ArrayRef<Value> sums,
                            Value scalesX, Value scalesW, Value y, Value g,
                            Value column, Value scalesAt) {
    Value scaleX =
        scalesX ? buildScaleValue(
                      b, loc,
                      buildScaleCode(
                          b, loc, memref::LoadOp::create(b, loc, scalesX, g)))
                : Value();
    Value at = column;
    for (Value sum : sums) {
      auto type = cast<VectorType>(sum.getType());
      Value scaleCodes = vector::LoadOp::create(
          b, loc,
          VectorType::get(type.getShape(),
                          Float8E8M0FNUType::get(b.getContext())),
          scalesW, ValueRange{scalesAt});
      Value scaleW =
          buildScaleValue(b, loc, buildScaleCode(b, loc, scaleCodes));
      if (scaleX)
        sum = arith::MulFOp::create(
            b, loc, sum, vector::BroadcastOp::create(b, loc, type, scaleX));
      Value scaled = arith::MulFOp::create(b, loc, sum, scaleW);
      Value total = vector::LoadOp::create(b, loc, type, y, ValueRange{at});
      vector::StoreOp::create(b, loc,
                              arith::AddFOp::create(b, loc, total, scaled), y,
                              ValueRange{at});
      Value width = constantIndex(b, loc, type.getNumElements());
      at = arith::AddIOp::create(b, loc, at, width);
      scalesAt = arith::AddIOp::create(b, loc, scalesAt, width);
    }
  }

  cpu::KernelUnits units;
};

} // namespace

bool mlir::mx::isGemvKernelMatmul(MatmulOp op) {
  if (!isVectorKernelMatmul(op) || !hasPowerOfTwoScales(op))
    return false;
  const MatmulShape shape = getMatmulShape(op);
  return shape.M == 1 && shape.N % kPanel == 0;
}

void mlir::mx::storeGemvWeightsInPanels(Operation *root) {
  root->walk([](MatmulOp op) {
    auto rhs = dyn_cast<BlockTensorType>(op.getRhs().getType());
    auto pack = op.getRhs().getDefiningOp<PackOp>();
    if (!isGemvKernelMatmul(op) || rhs.hasPanels() || !pack ||
        !matchPattern(pack.getElements(), m_Constant()) ||
        !matchPattern(pack.getScales(), m_Constant()))
      return;
    OpBuilder b(op);
    op.getRhsMutable().assign(ConvertLayoutOp::create(
        b, op.getLoc(), rhs.withStorageLayout(StorageLayout::panels),
        op.getRhs()));
  });
}

void mlir::mx::populateGemvKernelPattern(const TypeConverter &converter,
                                         RewritePatternSet &patterns,
                                         const cpu::KernelUnits &units) {
  patterns.add<GemvKernel>(converter, patterns.getContext(), units);
}
