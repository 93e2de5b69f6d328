//===- MatmulKernel.cpp - mx.matmul as a packed, register-tiled kernel ----===//
//
// C = sum over K-blocks g of (S_g * X_a[m, g]) * X_b[g, n], with S_g the
// block dot in f32 (the order of -convert-mx-to-linalg's lowering; block
// dots of FP4/FP6/INT8 are exact, FP8 ones round in another order).
//
// 1. Pack: every element decoded once (unit scale, exact) into the dot
//    unit's operand type: signed bytes for AVX512-VNNI `vpdpbusd` when both
//    formats have integer values up to a power of two (INT8 codes, E2M1
//    halves, E2M3 eighths: their block dots are exact integer dots, at
//    twice vdpbf16ps' MACs per lane), bf16 pairs for AVX512-BF16
//    `vdpbf16ps` (x86vector.avx512.dot; every MX element is a bf16
//    exactly), or f32 for the FMA fallback. A stays row-major; B becomes panels
//    of NR columns with each K step's values adjacent (bf16: rows 2p and 2p+1
//    interleaved, the pair layout of vdpbf16ps). Scales become f32.
// 2. Multiply: an MR x NR register tile of C per micro-kernel; per K-block
//    MR x NR/16 f32 partial sums start at zero, take k / step dot steps (A
//    values broadcast, B vectors loaded), then join the tile's totals as
//    fma(S * X_a, X_b, total): one rounding fewer than the linalg
//    lowering's, and the same bits where S * X_a * X_b is exact (integer
//    dots, scales that keep it a normal f32). Row tiles of a row block run in
//    one scf.parallel (OpenMP threads with --mx-cpu-pipeline=threads=true).
// 3. AMX (AMXMicroKernel.h), where the units allow it and K-blocks are 32:
//    the same packing with A padded to whole 32-row tiles; the tile loop is
//    a separate function, called when Linux grants the tile data at run
//    time, with step 2 as the fallback (or called always when emulated).
//
//===----------------------------------------------------------------------===//

#include "AMXMicroKernel.h"
#include "BlockKernels.h"
#include "ExponentScaling.h"

#include "mx/Conversion/MXToVector/MXToVector.h"
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

constexpr int64_t kLanes = 16; // f32 lanes of one AVX-512 register

/// The shape of the register tile and of one dot step.
struct Tiling {
  bool bf16;       // vdpbf16ps on bf16 pairs
  bool int8;       // vpdpbusd on integer values (u8 = value ^ 0x80 times s8)
  int64_t step;    // K values per dot step: 4 (int8), 2 (bf16 pair) or 1
  int64_t vectors; // accumulator vectors per row of the tile: NR = 16 * vectors
  int64_t rows;    // MR
  int64_t columns() const { return kLanes * vectors; }
};

/// Where the integer path's exponent ranges are (ExponentScaling.h): per
/// (row tile, K-block) of A and (panel, K-block) of B; null without.
struct ExponentRanges {
  Value lhs, rhs;
};

} // namespace

static Tiling chooseTiling(bool bf16, bool int8, int64_t n) {
  Tiling t{bf16 && !int8, int8,
           int8   ? 4
           : bf16 ? 2
                  : 1,
           n % 32 == 0 ? 2 : 1, 0};
  // Partial sums and totals both live in registers: 2 * MR * V of 32.
  t.rows = t.vectors == 2 ? 6 : 12;
  return t;
}

static Value add(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddIOp::create(b, loc, x, y);
}

/// `count` element codes starting at element `first` of a row-major flat
/// code buffer (FP4: two per byte), as vector<count x i8>.
static Value loadCodes(OpBuilder &b, Location loc, Value codes, Value first,
                       int64_t count, bool fp4) {
  if (!fp4)
    return vector::LoadOp::create(
        b, loc, VectorType::get({count}, b.getI8Type()), codes, first);
  Value byte = arith::DivUIOp::create(b, loc, first, constantIndex(b, loc, 2));
  return unpackNibbles(
      b, loc,
      vector::LoadOp::create(
          b, loc, VectorType::get({count / 2}, b.getI8Type()), codes, byte));
}

/// log2 of the factor that makes every unit-scale value of `format` an
/// integer of at most 7 bits and a sign (INT8: k / 64; E2M1: halves up to 6;
/// E2M3: eighths up to 7.5), or none: the formats vpdpbusd multiplies
/// exactly.
static std::optional<int> integerValueShift(num::ElementFormat format) {
  switch (format) {
  case num::ElementFormat::INT8:
    return 6;
  case num::ElementFormat::E2M1:
    return 1;
  case num::ElementFormat::E2M3:
    return 3;
  default:
    return std::nullopt;
  }
}

/// The element values of `codes` (vector<n x i8>) at unit scale, as the dot
/// unit's operand type (exact in each; int8: the value times
/// 2^integerValueShift as a signed byte).
static Value decodeForDot(OpBuilder &b, Location loc, Value codes,
                          num::ElementFormat format, const Tiling &t) {
  auto shape = cast<VectorType>(codes.getType()).getShape();
  if (t.int8 && format == num::ElementFormat::INT8)
    return codes; // k / 64 as the signed byte k
  Value wide = arith::ExtUIOp::create(
      b, loc, VectorType::get(shape, b.getI32Type()), codes);
  Value value = buildDecodeUnitElement(b, loc, wide, format);
  if (t.int8) {
    Value factor = arith::ConstantOp::create(
        b, loc,
        SplatElementsAttr::get(
            cast<ShapedType>(value.getType()),
            b.getF32FloatAttr(std::ldexp(1.0f, *integerValueShift(format)))));
    Value integer =
        arith::FPToSIOp::create(b, loc, VectorType::get(shape, b.getI32Type()),
                                arith::MulFOp::create(b, loc, value, factor));
    return arith::TruncIOp::create(
        b, loc, VectorType::get(shape, b.getI8Type()), integer);
  }
  if (!t.bf16)
    return value;
  return arith::TruncFOp::create(
      b, loc, VectorType::get(shape, b.getBF16Type()), value);
}

/// Decodes the E8M0 scale buffer `scales` (flat, `count` entries) into an
/// f32 buffer, each times `unit` (a power of two >= 2^-22: every 2^e x unit,
/// e in [-127, 127], is an f32, subnormal or not, so the product is exact).
static Value decodeScales(OpBuilder &b, Location loc, Value scales,
                          int64_t count, float unit = 1.0f) {
  Value out =
      memref::AllocOp::create(b, loc, MemRefType::get({count}, b.getF32Type()),
                              b.getI64IntegerAttr(64));
  buildBlockLoop(b, loc, count, [&](OpBuilder &nb, Location l, Value i) {
    Value code =
        buildScaleCode(nb, l, memref::LoadOp::create(nb, l, scales, i));
    Value scale = buildScaleValue(nb, l, code);
    if (unit != 1.0f)
      scale = arith::MulFOp::create(
          nb, l, scale,
          arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(unit)));
    memref::StoreOp::create(nb, l, scale, out, i);
  });
  return out;
}

/// What each integer block dot starts from: vpdpbusd sums (v_a + 128) *
/// v_b, so -128 x the block's sum of each column of B's integer values, as a
/// flat G x N buffer of i32. The sums come from B packed (`packedB`, panels
/// of NR columns, each K quad of a column in one 32-bit lane) by the dot
/// unit itself: a vpdpbusd of ones per quad.
static Value buildDotBiases(OpBuilder &b, Location loc, Value packedB,
                            const Tiling &t, int64_t K, int64_t N,
                            int64_t block) {
  const int64_t G = K / block, NR = t.columns(), panels = N / NR,
                steps = K / t.step, stepsPerBlock = block / t.step;
  Value biases =
      memref::AllocOp::create(b, loc, MemRefType::get({G * N}, b.getI32Type()),
                              b.getI64IntegerAttr(64));
  auto i32s = VectorType::get({kLanes}, b.getI32Type());
  auto quads = VectorType::get({kLanes * t.step}, b.getI8Type());
  buildBlockLoop(
      b, loc, G * panels * t.vectors, [&](OpBuilder &nb, Location l, Value i) {
        Value v =
            arith::RemUIOp::create(nb, l, i, constantIndex(nb, l, t.vectors));
        Value rest =
            arith::DivUIOp::create(nb, l, i, constantIndex(nb, l, t.vectors));
        Value panel =
            arith::RemUIOp::create(nb, l, rest, constantIndex(nb, l, panels));
        Value g =
            arith::DivUIOp::create(nb, l, rest, constantIndex(nb, l, panels));
        Value ones = arith::ConstantOp::create(
            nb, l,
            SplatElementsAttr::get(quads,
                                   nb.getIntegerAttr(nb.getI8Type(), 1)));
        Value sum = arith::ConstantOp::create(
            nb, l, SplatElementsAttr::get(i32s, nb.getI32IntegerAttr(0)));
        Value first =
            add(nb, l, scaledIndex(nb, l, panel, steps * NR * t.step),
                add(nb, l, scaledIndex(nb, l, g, stepsPerBlock * NR * t.step),
                    scaledIndex(nb, l, v, kLanes * t.step)));
        for (int64_t s = 0; s < stepsPerBlock; ++s) {
          Value values = vector::LoadOp::create(
              nb, l, quads, packedB,
              add(nb, l, first, constantIndex(nb, l, s * NR * t.step)));
          sum = DotUnsignedSignedI8Op::create(nb, l, i32s, sum, ones, values);
        }
        Value bias = arith::MulIOp::create(
            nb, l, sum,
            arith::ConstantOp::create(
                nb, l,
                SplatElementsAttr::get(i32s, nb.getI32IntegerAttr(-128))));
        Value column = add(nb, l, scaledIndex(nb, l, panel, NR),
                           scaledIndex(nb, l, v, kLanes));
        vector::StoreOp::create(nb, l, bias, biases,
                                add(nb, l, scaledIndex(nb, l, g, N), column));
      });
  return biases;
}

namespace {

struct MatmulKernel final : OpConversionPattern<MatmulOp> {
  MatmulKernel(const TypeConverter &converter, MLIRContext *context,
               const cpu::CPUTarget &target, bool emulateAMX)
      : OpConversionPattern(converter, context, /*benefit=*/2),
        units(target.units()), emulateAMX(emulateAMX),
        features(target.featureList()) {}

  LogicalResult
  matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
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
    Value scalesA =
        lhsF32 ? Value()
               : decodeScales(b, loc, readFlat(b, loc, adaptor.getLhs()[1]),
                              M * G, dotUnit); // [m][g]
    Value scalesB = decodeScales(b, loc, readFlat(b, loc, adaptor.getRhs()[1]),
                                 G * N); // [g][n]
    // f32 activations are already A's packed form.
    Value packedA = lhsF32 ? codesA
                           : packLhs(b, loc, shape, t, codesA, dotElement,
                                     amx ? llvm::alignTo(M, kAMXRows) : M);
    Value packedB = packRhs(b, loc, shape, t, codesB, dotElement);
    Value dotBiases =
        t.int8 ? buildDotBiases(b, loc, packedB, t, K, N, block) : Value();

    FlatResult c = allocateFlat(b, loc, cast<RankedTensorType>(op.getType()));
    auto avx512 = [&](OpBuilder &nb, Location l) {
      // Integer dots: block scales by exponent adds where in range.
      ExponentRanges ranges;
      if (t.int8)
        ranges = {buildRowTileExponentRanges(nb, l, scalesA, M, G, t.rows),
                  buildPanelExponentRanges(nb, l, scalesB, G, N, t.vectors)};
      buildTileLoop(nb, l, shape, t, packedA, packedB, scalesA, scalesB,
                    dotBiases, c.flat, ranges);
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
    // The packed operands are freed by the deallocation pipeline (which
    // rejects explicit deallocs in its input).
    rewriter.replaceOp(op, c.tensor);
    return success();
  }

private:
  /// A as the dot reads it: `paddedM` rows of values (rows past M repeat
  /// row M - 1: AMX tiles take whole kAMXRows-row tiles), row-major, decoded
  /// one K-block per iteration; int8 codes made vpdpbusd's unsigned operand.
  static Value packLhs(OpBuilder &b, Location loc, const MatmulShape &shape,
                       const Tiling &t, Value codesA, Type dotElement,
                       int64_t paddedM) {
    const int64_t M = shape.M, K = shape.K, block = shape.block;
    const bool lhsFP4 = shape.lhs.getFormat() == num::ElementFormat::E2M1;
    Value packedA = memref::AllocOp::create(
        b, loc, MemRefType::get({paddedM * K}, dotElement),
        b.getI64IntegerAttr(64));
    buildBlockLoop(
        b, loc, paddedM * shape.G, [&](OpBuilder &nb, Location l, Value i) {
          Value first = scaledIndex(nb, l, i, block);
          Value source = first;
          if (paddedM != M) // rows past M read row M - 1
            source = arith::MinUIOp::create(
                nb, l, first,
                add(nb, l,
                    arith::RemUIOp::create(nb, l, first,
                                           constantIndex(nb, l, K)),
                    constantIndex(nb, l, (M - 1) * K)));
          Value codes = loadCodes(nb, l, codesA, source, block, lhsFP4);
          Value values = decodeForDot(nb, l, codes, shape.lhs.getFormat(), t);
          if (t.int8) // vpdpbusd's unsigned operand: k + 128
            values = arith::XOrIOp::create(
                nb, l, values,
                arith::ConstantOp::create(
                    nb, l,
                    SplatElementsAttr::get(
                        cast<ShapedType>(values.getType()),
                        nb.getIntegerAttr(nb.getI8Type(), -128))));
          vector::StoreOp::create(nb, l, values, packedA, first);
        });
    return packedA;
  }

  /// B in panels: panel p, step s holds columns [p*NR, (p+1)*NR) of the
  /// step's rows (bf16: two rows interleaved, int8: four).
  static Value packRhs(OpBuilder &b, Location loc, const MatmulShape &shape,
                       const Tiling &t, Value codesB, Type dotElement) {
    const int64_t K = shape.K, N = shape.N;
    const bool rhsFP4 = shape.rhs.getFormat() == num::ElementFormat::E2M1;
    const int64_t NR = t.columns(), panels = N / NR, steps = K / t.step;
    Value packedB = memref::AllocOp::create(
        b, loc, MemRefType::get({N * K}, dotElement), b.getI64IntegerAttr(64));
    buildBlockLoop(
        b, loc, panels * steps, [&](OpBuilder &nb, Location l, Value i) {
          Value panel =
              arith::DivUIOp::create(nb, l, i, constantIndex(nb, l, steps));
          Value s =
              arith::RemUIOp::create(nb, l, i, constantIndex(nb, l, steps));
          Value column = scaledIndex(nb, l, panel, NR);
          auto row = [&](int64_t offset) {
            Value k = add(nb, l, scaledIndex(nb, l, s, t.step),
                          constantIndex(nb, l, offset));
            Value first = add(nb, l, scaledIndex(nb, l, k, N), column);
            return decodeForDot(nb, l,
                                loadCodes(nb, l, codesB, first, NR, rhsFP4),
                                shape.rhs.getFormat(), t);
          };
          // int8: rows 4s..4s+3 of a column in one 32-bit lane.
          Value values =
              t.int8   ? interleaveQuads(nb, l, row(0), row(1), row(2), row(3))
              : t.bf16 ? vector::InterleaveOp::create(nb, l, row(0), row(1))
                             .getResult()
                       : row(0);
          vector::StoreOp::create(nb, l, values, packedB,
                                  scaledIndex(nb, l, i, NR * t.step));
        });
    return packedB;
  }

  /// C, one MR x NR tile per iteration on the AVX-512 units: tiles of a
  /// panel are adjacent, so a thread's consecutive tiles reuse the panel
  /// from cache.
  static void buildTileLoop(OpBuilder &b, Location loc,
                            const MatmulShape &shape, const Tiling &t,
                            Value packedA, Value packedB, Value scalesA,
                            Value scalesB, Value dotBiases, Value c,
                            ExponentRanges ranges) {
    const int64_t rowTiles = llvm::divideCeil(shape.M, t.rows);
    const int64_t panels = shape.N / t.columns();
    buildBlockLoop(b, loc, panels * rowTiles,
                   [&](OpBuilder &kb, Location kl, Value i) {
                     Value tiles = constantIndex(kb, kl, rowTiles);
                     buildMicroKernel(
                         kb, kl, t, shape.M, shape.K, shape.N, shape.block,
                         shape.G, packedA, packedB, scalesA, scalesB, dotBiases,
                         c, arith::DivUIOp::create(kb, kl, i, tiles),
                         arith::RemUIOp::create(kb, kl, i, tiles), ranges);
                   });
  }

  /// One MR x NR tile of C (rows past M repeat row M - 1: same values, same
  /// address, so the tile needs no remainder code).
  static void buildMicroKernel(OpBuilder &b, Location loc, const Tiling &t,
                               int64_t M, int64_t K, int64_t N, int64_t block,
                               int64_t G, Value packedA, Value packedB,
                               Value scalesA, Value scalesB, Value dotBiases,
                               Value c, Value panel, Value tile,
                               ExponentRanges ranges) {
    Type f32 = b.getF32Type();
    auto accType = VectorType::get({kLanes}, f32);
    auto partialType =
        t.int8 ? VectorType::get({kLanes}, b.getI32Type()) : accType;
    const int64_t NR = t.columns(), steps = K / t.step,
                  stepsPerBlock = block / t.step;
    SmallVector<Value> rows;
    for (int64_t r = 0; r < t.rows; ++r)
      rows.push_back(
          arith::MinUIOp::create(b, loc,
                                 add(b, loc, scaledIndex(b, loc, tile, t.rows),
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
          SmallVector<Value> partial(t.rows * t.vectors, zero);
          if (t.int8)
            for (int64_t v = 0; v < t.vectors; ++v) {
              Value bias = vector::LoadOp::create(
                  nb, l, partialType, dotBiases,
                  add(nb, l, scaledIndex(nb, l, g, N),
                      add(nb, l, column, constantIndex(nb, l, v * kLanes))));
              for (int64_t r = 0; r < t.rows; ++r)
                partial[r * t.vectors + v] = bias;
            }
          Value firstStep = scaledIndex(nb, l, g, stepsPerBlock);
          for (int64_t s = 0; s < stepsPerBlock; ++s) {
            Value step = add(nb, l, firstStep, constantIndex(nb, l, s));
            SmallVector<Value> bs;
            for (int64_t v = 0; v < t.vectors; ++v) {
              Value offset =
                  add(nb, l, panelBase,
                      add(nb, l, scaledIndex(nb, l, step, NR * t.step),
                          constantIndex(nb, l, v * kLanes * t.step)));
              bs.push_back(vector::LoadOp::create(
                  nb, l, VectorType::get({kLanes * t.step}, dotElement),
                  packedB, offset));
            }
            for (int64_t r = 0; r < t.rows; ++r) {
              Value k = scaledIndex(nb, l, step, t.step);
              Value at = add(nb, l, scaledIndex(nb, l, rows[r], K), k);
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
            add(b, loc, scaledIndex(b, loc, rows[r], N),
                add(b, loc, column, constantIndex(b, loc, v * kLanes))));
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
          add(b, loc, scaledIndex(b, loc, g, N),
              add(b, loc, column, constantIndex(b, loc, v * kLanes)))));
    SmallVector<Value> next;
    for (int64_t r = 0; r < t.rows; ++r) {
      Value scaleA =
          scalesA ? vector::BroadcastOp::create(
                        b, loc, accType,
                        memref::LoadOp::create(
                            b, loc, scalesA,
                            ValueRange{add(
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
  // What the function holding an AMX kernel is compiled for: LLVM takes a
  // function's feature list instead of the target's.
  SmallVector<std::string> features;
};

} // namespace

bool mlir::mx::isVectorKernelMatmul(MatmulOp op) {
  auto lhs = dyn_cast<BlockTensorType>(op.getLhs().getType());
  auto rhs = dyn_cast<BlockTensorType>(op.getRhs().getType());
  auto lhsF32 = dyn_cast<RankedTensorType>(op.getLhs().getType());
  if (!rhs || !rhs.hasStaticShape() ||
      !isa<Float8E8M0FNUType>(rhs.getScaleType()))
    return false;
  if (lhs &&
      (!lhs.hasStaticShape() || !isa<Float8E8M0FNUType>(lhs.getScaleType()) ||
       lhs.getBlockShape()[0] != 1))
    return false;
  if (lhsF32 && !lhsF32.hasStaticShape())
    return false;
  int64_t block = op.getBlockSizeK();
  return rhs.getBlockShape()[1] == 1 && block % 2 == 0 &&
         rhs.getShape()[0] % block == 0 && rhs.getShape()[1] % kLanes == 0;
}

void mlir::mx::populateMatmulKernelPattern(const TypeConverter &converter,
                                           RewritePatternSet &patterns,
                                           const cpu::CPUTarget &target,
                                           bool emulateAMX) {
  patterns.add<MatmulKernel>(converter, patterns.getContext(), target,
                             emulateAMX);
}
