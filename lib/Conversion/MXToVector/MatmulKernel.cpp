//===- MatmulKernel.cpp - mx.matmul as a packed, register-tiled kernel ----===//
//
// C = sum over K-blocks g of (S_g * X_a[m, g]) * X_b[g, n], with S_g the
// block dot (the order of -convert-mx-to-linalg's lowering, bit for bit
// where block dots are exact: FP4/FP6/INT8), or one f32 sum over K of the
// values times their scales (FP8 pairs; within the f32 bound).
//
// 1. Pack (MatmulPacking.h): every element decoded once into the dot unit's
//    operand type: signed bytes for AVX512-VNNI `vpdpbusd` when both
//    formats have integer values up to a power of two (INT8 codes, E2M1
//    halves, E2M3 eighths: exact integer block dots at twice vdpbf16ps'
//    MACs per lane), bf16 pairs for AVX512-BF16 `vdpbf16ps`
//    (x86vector.avx512.dot; every MX element is a bf16 exactly), or f32 for
//    the FMA fallback. With an FP8 operand, the bf16 values are packed
//    times their block scales where that is exact, else at unit scale.
//    Constant weights (an mx.pack of constants) are packed at compile time
//    into constant globals (ConstantRhsPacking.cpp), not on every call.
// 2. Multiply: an MR x NR register tile of C per micro-kernel. At unit
//    scale, per K-block MR x NR/16 partial sums start at zero (or at the
//    integer dots' biases), take k / step dot steps (A values broadcast, B
//    vectors loaded), then join the tile's totals: integer dots by exponent
//    adds where the tile's scales allow (ExponentScaling.h), else as
//    fma(S * X_a, X_b, total) (the linalg lowering's bits where
//    S * X_a * X_b is exact). Folded scales: the sums run on over all K.
//    Row tiles of a row block run in one scf.parallel (OpenMP threads with
//    --mx-cpu-pipeline=threads=true).
// 3. AMX (AMXMicroKernel.h), where the units allow it and K-blocks are 32:
//    the unit-scale packing with A padded to whole 32-row tiles; the tile
//    loop is a separate function, called when Linux grants the tile data at
//    run time, with step 2 as the fallback (or called always when emulated).
//
//===----------------------------------------------------------------------===//

#include "AMXMicroKernel.h"
#include "BlockKernels.h"
#include "ExponentScaling.h"
#include "MatmulPacking.h"
#include "TwoLevelBlocks.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Dialect/MX/IR/MXTargetOps.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Numerics/Scale.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"

#include <cmath>
#include <optional>

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

/// Where the integer path's exponent ranges are (ExponentScaling.h): per
/// (row tile, K-block) of A and (panel, K-block) of B; null without.
struct ExponentRanges {
  Value lhs, rhs;
};

} // namespace

static bool isFP8(num::ElementFormat format) {
  return format == num::ElementFormat::E4M3 ||
         format == num::ElementFormat::E5M2;
}

namespace {

struct MatmulKernel final : OpConversionPattern<MatmulOp> {
  MatmulKernel(const TypeConverter &converter, MLIRContext *context,
               const cpu::CPUTarget &target, const MatmulKernelOptions &options)
      : OpConversionPattern(converter, context, /*benefit=*/2),
        units(target.units()), emulateAMX(options.emulateAMX),
        prepackWeights(options.prepackWeights), features(target.featureList()) {
  }

  LogicalResult
  matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (isTwoLevelRhsKernelMatmul(op))
      return rewriteTwoLevelRhs(op, adaptor, rewriter);
    if (!isVectorKernelMatmul(op))
      return rewriter.notifyMatchFailure(op, "not of the kernel layout");
    const MatmulShape shape = getMatmulShape(op);
    BlockTensorType lhsType = shape.lhs, rhsType = shape.rhs;
    const int64_t M = shape.M, K = shape.K, N = shape.N, block = shape.block,
                  G = shape.G;
    Location loc = op.getLoc();
    // Weight-only (f32 activations): f32 FMA on A's values as they are
    // (vdpbf16ps would round them to bf16), A's scale 1.
    const bool lhsF32 = !lhsType;
    const bool int8 = units.int8Dot && !lhsF32 &&
                      integerValueShift(lhsType.getFormat()) &&
                      integerValueShift(rhsType.getFormat());
    const Tiling t = chooseTiling(units.bf16Dot && !lhsF32, int8, N);
    // AMX: one tile multiply per K-block of 32; A is padded to whole
    // kAMXRows-row tiles (copies of row M - 1).
    Value amxGranted;
    const bool amx = block == kAMXDepth &&
                     (t.int8 ? units.amxInt8 : t.bf16 && units.amxBF16);
    Operation *module = op->getParentWithTrait<OpTrait::SymbolTable>();
    if (amx && !emulateAMX) {
      amxGranted = buildAMXPermissionRequest(rewriter, loc, module);
      if (!amxGranted)
        return rewriter.notifyMatchFailure(
            op, "the module's @arch_prctl is not Linux's");
    }
    OpBuilder &b = rewriter;
    Type f32 = b.getF32Type();
    Type dotElement = t.int8   ? Type(b.getI8Type())
                      : t.bf16 ? Type(b.getBF16Type())
                               : f32;

    Value codesA = readFlat(b, loc, adaptor.getLhs()[0]);
    Value codesB = readFlat(b, loc, adaptor.getRhs()[0]);
    // int8: the integer dot is in units of 2^-(shift_a + shift_b) (2^-12
    // for MXINT8 pairs), taken into A's scales. f32 activations have none.
    const float dotUnit =
        t.int8 ? std::ldexp(1.0f, -(*integerValueShift(lhsType.getFormat()) +
                                    *integerValueShift(rhsType.getFormat())))
               : 1.0f;
    Value rawScalesA = lhsF32 ? Value() : readFlat(b, loc, adaptor.getLhs()[1]);
    Value rawScalesB = readFlat(b, loc, adaptor.getRhs()[1]);
    Value scalesA = lhsF32 ? Value()
                           : decodeScales(b, loc, rawScalesA, M * G,
                                          dotUnit);          // [m][g]
    // bf16 dots with an FP8 operand (whose block dots round anyway): values
    // packed times their block scales where that is exact
    // (MatmulPacking.h), one K-long sum per tile and no per-block scaling;
    // else packed again at unit scale. Folding, like the integer dots'
    // exponent path, is exponent arithmetic: E8M0 scales only; E4M3 (NVFP4)
    // and f32 (FP8 tile) scales are multiplied.
    const bool powerOfTwoScales = hasPowerOfTwoScales(op);
    bool fold = t.bf16 && !amx && powerOfTwoScales &&
                (isFP8(lhsType.getFormat()) || isFP8(rhsType.getFormat()));
    // Constant weights: B's packed forms computed once, at compile time.
    std::optional<PackedRhs> constantB;
    std::optional<ConstantCodes> codes;
    if (prepackWeights)
      codes = getConstantRhs(op);
    if (codes) {
      constantB = buildConstantRhs(b, loc, module, shape, t, *codes, fold);
      fold = fold && constantB->folded; // else B's scales never allow it
    }
    Value scalesB = constantB
                        ? constantB->scales
                        : decodeScales(b, loc, rawScalesB, G * N); // [g][n]
    FlatResult c = allocateFlat(b, loc, cast<RankedTensorType>(op.getType()));

    // Values packed at unit scale; the block scales applied per K-block.
    auto unfolded = [&](OpBuilder &b, Location loc) {
      // f32 activations are already A's packed form.
      Value packedA = lhsF32 ? codesA
                             : packLhs(b, loc, shape, t, codesA, dotElement,
                                       amx ? llvm::alignTo(M, kAMXRows) : M);
      Value packedB = constantB && constantB->values
                          ? constantB->values
                          : packRhs(b, loc, shape, t, codesB, dotElement);
      Value dotBiases = constantB && constantB->dotBiases ? constantB->dotBiases
                        : t.int8
                            ? buildDotBiases(b, loc, packedB, t, K, N, block)
                            : Value();
      auto avx512 = [&](OpBuilder &nb, Location l) {
        // Integer dots: block scales by exponent adds where in range.
        ExponentRanges ranges;
        if (t.int8 && powerOfTwoScales)
          ranges = {buildRowTileExponentRanges(nb, l, scalesA, M, G, t.rows),
                    buildPanelExponentRanges(nb, l, scalesB, G, N, t.vectors)};
        buildTileLoop(nb, l, shape, t, packedA, packedB, scalesA, scalesB,
                      dotBiases, c.flat, ranges, /*foldedScales=*/false);
      };
      auto amxTiles = [&](OpBuilder &nb, Location l) {
        AMXOperands operands{t.int8,  t.vectors, M,         K,
                             N,       G,         packedA,   packedB,
                             scalesA, scalesB,   dotBiases, c.flat};
        buildAMXMatmul(nb, l, module, operands, emulateAMX, features);
      };
      if (!amx)
        avx512(b, loc);
      else if (emulateAMX)
        amxTiles(b, loc);
      else
        scf::IfOp::create(
            b, loc, amxGranted,
            [&](OpBuilder &nb, Location l) {
              amxTiles(nb, l);
              scf::YieldOp::create(nb, l);
            },
            [&](OpBuilder &nb, Location l) {
              avx512(nb, l);
              scf::YieldOp::create(nb, l);
            });
    };

    if (!fold) {
      unfolded(b, loc);
    } else {
      Value violations = memref::AllocaOp::create(
          b, loc, MemRefType::get({1}, b.getI32Type()));
      memref::StoreOp::create(
          b, loc, arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)),
          violations, ValueRange{constantIndex(b, loc, 0)});
      Value foldedA = packLhs(b, loc, shape, t, codesA, dotElement, M,
                              {scalesA, violations});
      Value foldedB = constantB ? constantB->folded
                                : packRhs(b, loc, shape, t, codesB, dotElement,
                                          {scalesB, violations});
      Value clean = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::eq,
          memref::LoadOp::create(b, loc, violations,
                                 ValueRange{constantIndex(b, loc, 0)}),
          arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)));
      Value foldable = arith::AndIOp::create(
          b, loc, clean,
          buildFoldedScaleTest(b, loc, shape, rawScalesA, rawScalesB,
                               constantB ? constantB->scaleCodeRange
                                         : std::nullopt));
      scf::IfOp::create(
          b, loc, foldable,
          [&](OpBuilder &nb, Location l) {
            // The same tiles: taller ones (no totals beside the sums) were
            // no faster (A/B, 4 to 12 rows).
            buildTileLoop(nb, l, shape, t, foldedA, foldedB, scalesA, scalesB,
                          Value(), c.flat, {}, /*foldedScales=*/true);
            scf::YieldOp::create(nb, l);
          },
          [&](OpBuilder &nb, Location l) {
            unfolded(nb, l);
            scf::YieldOp::create(nb, l);
          });
    }
    // The packed operands are freed by the deallocation pipeline (which
    // rejects explicit deallocs in its input).
    rewriter.replaceOp(op, c.tensor);
    return success();
  }

private:
  /// f32 activations times a two-level B's exact f32 values
  /// (isTwoLevelRhsKernelMatmul): f32 FMA, one K-long sum per element, N
  /// widened to whole panels and sliced back. Constant B, with
  /// prepackWeights: its panels computed at compile time.
  LogicalResult rewriteTwoLevelRhs(MatmulOp op, OneToNOpAdaptor adaptor,
                                   ConversionPatternRewriter &rewriter) const {
    OpBuilder &b = rewriter;
    Location loc = op.getLoc();
    auto rhs = cast<BlockTensorType>(op.getRhs().getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    const int64_t M = resultType.getShape()[0], K = rhs.getShape()[0],
                  N = rhs.getShape()[1], paddedN = llvm::alignTo(N, kLanes);
    const Tiling t = chooseTiling(/*bf16=*/false, /*int8=*/false, paddedN);
    Value packedA = readFlat(b, loc, adaptor.getLhs()[0]);
    std::optional<std::vector<float>> constant;
    if (prepackWeights)
      constant = getConstantTwoLevelValues(op.getRhs());
    Value packedB =
        constant
            ? buildConstantTwoLevelRhs(
                  b, loc, op->getParentWithTrait<OpTrait::SymbolTable>(),
                  *constant, K, N, t, paddedN)
            : packTwoLevelRhs(b, loc, rhs, t,
                              readFlat(b, loc, adaptor.getRhs()[0]), paddedN);
    FlatResult c = allocateFlat(
        b, loc, RankedTensorType::get({M, paddedN}, b.getF32Type()));
    const MatmulShape shape{BlockTensorType(), rhs,    M,         K,
                            paddedN,           kLanes, K / kLanes};
    buildTileLoop(b, loc, shape, t, packedA, packedB, Value(), Value(), Value(),
                  c.flat, {}, /*foldedScales=*/true);
    rewriter.replaceOp(
        op, paddedN == N ? c.tensor
                         : sliceLeadingColumns(b, loc, c.tensor, resultType));
    return success();
  }

  /// C, one MR x NR tile per iteration on the AVX-512 units: tiles of a
  /// panel are adjacent, so a thread's consecutive tiles reuse the panel
  /// from cache.
  static void buildTileLoop(OpBuilder &b, Location loc,
                            const MatmulShape &shape, const Tiling &t,
                            Value packedA, Value packedB, Value scalesA,
                            Value scalesB, Value dotBiases, Value c,
                            ExponentRanges ranges, bool foldedScales) {
    const int64_t rowTiles = llvm::divideCeil(shape.M, t.rows);
    const int64_t panels = shape.N / t.columns();
    buildBlockLoop(b, loc, panels * rowTiles,
                   [&](OpBuilder &kb, Location kl, Value i) {
                     Value tiles = constantIndex(kb, kl, rowTiles);
                     buildMicroKernel(kb, kl, t, shape.M, shape.K, shape.N,
                                      shape.block, shape.G, packedA, packedB,
                                      scalesA, scalesB, dotBiases, c,
                                      arith::DivUIOp::create(kb, kl, i, tiles),
                                      arith::RemUIOp::create(kb, kl, i, tiles),
                                      ranges, foldedScales);
                   });
  }

  /// One MR x NR tile of C (rows past M repeat row M - 1: same values, same
  /// address, so the tile needs no remainder code).
  static void buildMicroKernel(OpBuilder &b, Location loc, const Tiling &t,
                               int64_t M, int64_t K, int64_t N, int64_t block,
                               int64_t G, Value packedA, Value packedB,
                               Value scalesA, Value scalesB, Value dotBiases,
                               Value c, Value panel, Value tile,
                               ExponentRanges ranges, bool foldedScales) {
    Type f32 = b.getF32Type();
    auto accType = VectorType::get({kLanes}, f32);
    auto partialType =
        t.int8 ? VectorType::get({kLanes}, b.getI32Type()) : accType;
    const int64_t NR = t.columns(), steps = K / t.step,
                  stepsPerBlock = block / t.step;
    SmallVector<Value> rows;
    for (int64_t r = 0; r < t.rows; ++r)
      rows.push_back(arith::MinUIOp::create(
          b, loc,
          addIndices(b, loc, scaledIndex(b, loc, tile, t.rows),
                     constantIndex(b, loc, r)),
          constantIndex(b, loc, M - 1)));
    Value column = scaledIndex(b, loc, panel, NR);
    Value panelBase = scaledIndex(b, loc, panel, steps * NR * t.step);
    Type dotElement = cast<MemRefType>(packedB.getType()).getElementType();
    Value zero = arith::ConstantOp::create(
        b, loc, SplatElementsAttr::get(accType, b.getF32FloatAttr(0.0f)));
    SmallVector<Value> init(t.rows * t.vectors, zero);

    auto blocks = scf::ForOp::create(
        b, loc, constantIndex(b, loc, 0), constantIndex(b, loc, G),
        constantIndex(b, loc, 1), init,
        [&](OpBuilder &nb, Location l, Value g, ValueRange totals) {
          // Each block dot starts from zero, or (int8) from its bias.
          // Folded scales: one sum over K, carried from block to block.
          SmallVector<Value> partial(t.rows * t.vectors, zero);
          if (foldedScales)
            partial.assign(totals.begin(), totals.end());
          if (t.int8)
            for (int64_t v = 0; v < t.vectors; ++v) {
              Value bias = vector::LoadOp::create(
                  nb, l, partialType, dotBiases,
                  addIndices(nb, l, scaledIndex(nb, l, g, N),
                             addIndices(nb, l, column,
                                        constantIndex(nb, l, v * kLanes))));
              for (int64_t r = 0; r < t.rows; ++r)
                partial[r * t.vectors + v] = bias;
            }
          Value firstStep = scaledIndex(nb, l, g, stepsPerBlock);
          for (int64_t s = 0; s < stepsPerBlock; ++s) {
            Value step = addIndices(nb, l, firstStep, constantIndex(nb, l, s));
            SmallVector<Value> bs;
            for (int64_t v = 0; v < t.vectors; ++v) {
              Value offset = addIndices(
                  nb, l, panelBase,
                  addIndices(nb, l, scaledIndex(nb, l, step, NR * t.step),
                             constantIndex(nb, l, v * kLanes * t.step)));
              bs.push_back(vector::LoadOp::create(
                  nb, l, VectorType::get({kLanes * t.step}, dotElement),
                  packedB, offset));
            }
            for (int64_t r = 0; r < t.rows; ++r) {
              Value k = scaledIndex(nb, l, step, t.step);
              Value at = addIndices(nb, l, scaledIndex(nb, l, rows[r], K), k);
              Value a = broadcastA(nb, l, t, packedA, at);
              for (int64_t v = 0; v < t.vectors; ++v) {
                Value &acc = partial[r * t.vectors + v];
                if (t.int8)
                  acc = DotUnsignedSignedI8Op::create(nb, l, acc.getType(), acc,
                                                      a, bs[v]);
                else if (t.bf16)
                  acc = x86vector::DotBF16Op::create(nb, l, accType, acc, a,
                                                     bs[v]);
                else
                  acc = vector::FMAOp::create(nb, l, a, bs[v], acc);
              }
            }
          }
          if (foldedScales) {
            scf::YieldOp::create(nb, l, partial);
            return;
          }
          auto multiplies = [&](OpBuilder &sb, Location sl) {
            scf::YieldOp::create(sb, sl,
                                 scaleByMultiplies(sb, sl, t, partial, totals,
                                                   scalesA, scalesB, rows,
                                                   column, g, G, N));
          };
          if (!ranges.lhs) {
            multiplies(nb, l);
            return;
          }
          auto path = scf::IfOp::create(
              nb, l,
              buildExponentPathTest(nb, l, ranges.lhs, ranges.rhs, tile, panel,
                                    g, G),
              [&](OpBuilder &sb, Location sl) {
                scf::YieldOp::create(
                    sb, sl,
                    scaleByExponents(sb, sl, partial, totals, scalesA, scalesB,
                                     rows, column, g, G, N, t.vectors));
              },
              multiplies);
          scf::YieldOp::create(nb, l, path.getResults());
        });
    for (int64_t r = 0; r < t.rows; ++r)
      for (int64_t v = 0; v < t.vectors; ++v)
        vector::StoreOp::create(
            b, loc, blocks.getResult(r * t.vectors + v), c,
            addIndices(
                b, loc, scaledIndex(b, loc, rows[r], N),
                addIndices(b, loc, column, constantIndex(b, loc, v * kLanes))));
  }

  /// totals + (S * X_a) * X_b for the block dots `partial` of a tile (i32
  /// for integer dots, else f32) in K-block `g`, as fma(S * X_a, X_b,
  /// total); no X_a for f32 activations.
  static SmallVector<Value>
  scaleByMultiplies(OpBuilder &b, Location loc, const Tiling &t,
                    ArrayRef<Value> partial, ValueRange totals, Value scalesA,
                    Value scalesB, ArrayRef<Value> rows, Value column, Value g,
                    int64_t G, int64_t N) {
    auto accType = VectorType::get({kLanes}, b.getF32Type());
    SmallVector<Value> scaleB;
    for (int64_t v = 0; v < t.vectors; ++v)
      scaleB.push_back(vector::LoadOp::create(
          b, loc, accType, scalesB,
          addIndices(
              b, loc, scaledIndex(b, loc, g, N),
              addIndices(b, loc, column, constantIndex(b, loc, v * kLanes)))));
    SmallVector<Value> next;
    for (int64_t r = 0; r < t.rows; ++r) {
      Value scaleA =
          scalesA ? vector::BroadcastOp::create(
                        b, loc, accType,
                        memref::LoadOp::create(
                            b, loc, scalesA,
                            ValueRange{addIndices(
                                b, loc, scaledIndex(b, loc, rows[r], G), g)}))
                        .getResult()
                  : Value();
      for (int64_t v = 0; v < t.vectors; ++v) {
        Value sum = partial[r * t.vectors + v];
        if (t.int8) // the exact block dot in the integer values' units
          sum = arith::SIToFPOp::create(b, loc, accType, sum);
        if (scaleA)
          sum = arith::MulFOp::create(b, loc, sum, scaleA);
        next.push_back(vector::FMAOp::create(b, loc, sum, scaleB[v],
                                             totals[r * t.vectors + v]));
      }
    }
    return next;
  }

  /// A's value(s) of one dot step at `at` in every lane: one f32, or the
  /// step's bf16 pair or int8 quad as one 32-bit lane repeated.
  static Value broadcastA(OpBuilder &b, Location loc, const Tiling &t,
                          Value packedA, Value at) {
    if (t.step == 1)
      return vector::BroadcastOp::create(
          b, loc, VectorType::get({kLanes}, b.getF32Type()),
          memref::LoadOp::create(b, loc, packedA, at));
    return broadcastWord(b, loc, packedA, at, t.step);
  }

  cpu::KernelUnits units;
  bool emulateAMX; // tile instructions as vector ops, no run-time test
  bool prepackWeights; // constant B packed at compile time
  // What the function holding an AMX kernel is compiled for: LLVM takes a
  // function's feature list instead of the target's.
  SmallVector<std::string> features;
};

} // namespace

/// Block scales the kernel decodes: E8M0 powers of two (OCP MX), E4M3
/// (NVFP4's, whose tensor scale the product's alpha carries) or f32 (FP8
/// tiles).
static bool hasKernelScales(BlockTensorType type) {
  return isa<Float8E8M0FNUType, Float8E4M3FNType, Float32Type>(
      type.getScaleType());
}

bool mlir::mx::hasPowerOfTwoScales(MatmulOp op) {
  auto powerOfTwo = [](Type type) {
    auto mx = dyn_cast<BlockTensorType>(type);
    return !mx || isa<Float8E8M0FNUType>(mx.getScaleType());
  };
  return powerOfTwo(op.getLhs().getType()) && powerOfTwo(op.getRhs().getType());
}

bool mlir::mx::isVectorKernelProduct(Type lhsType, BlockTensorType rhs,
                                     bool wholePanels) {
  auto lhs = dyn_cast<BlockTensorType>(lhsType);
  auto lhsF32 = dyn_cast<RankedTensorType>(lhsType);
  if (!rhs || !rhs.hasStaticShape() || rhs.isTwoLevel() ||
      !hasKernelScales(rhs))
    return false;
  if (lhs && (lhs.isTwoLevel() || !lhs.hasStaticShape() ||
              !hasKernelScales(lhs) || lhs.getBlockShape()[0] != 1))
    return false;
  if (lhsF32 && !lhsF32.hasStaticShape())
    return false;
  int64_t block = lhs ? lhs.getBlockShape()[1] : rhs.getBlockShape()[0];
  return rhs.getBlockShape()[1] == 1 && block % 2 == 0 &&
         rhs.getShape()[0] % block == 0 &&
         (!wholePanels || rhs.getShape()[1] % kLanes == 0);
}

bool mlir::mx::isTwoLevelRhsKernelMatmul(MatmulOp op) {
  auto lhs = dyn_cast<RankedTensorType>(op.getLhs().getType());
  auto rhs = dyn_cast<BlockTensorType>(op.getRhs().getType());
  if (!lhs || !lhs.hasStaticShape() || !rhs || !rhs.isTwoLevel() ||
      !rhs.hasStaticShape() || op.getAlpha())
    return false;
  num::SharedMicroexponentFormat format = rhs.getTwoLevelFormat();
  // MXINT8 blocks take the integer dots (rewriteTwoLevelMatmulOperands).
  return !hasMXInt8Blocks(format) && rhs.getBlockShape()[0] == kLanes &&
         rhs.getBlockShape()[1] == 1 && rhs.getShape()[0] % kLanes == 0 &&
         kLanes % format.subBlockSize == 0;
}

bool mlir::mx::isVectorKernelMatmul(MatmulOp op, bool wholePanels) {
  return isVectorKernelProduct(op.getLhs().getType(),
                               dyn_cast<BlockTensorType>(op.getRhs().getType()),
                               wholePanels);
}

void mlir::mx::populateMatmulKernelPattern(const TypeConverter &converter,
                                           RewritePatternSet &patterns,
                                           const cpu::CPUTarget &target,
                                           const MatmulKernelOptions &options) {
  patterns.add<MatmulKernel>(converter, patterns.getContext(), target, options);
}
