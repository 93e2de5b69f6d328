//===- QuantizeKernel.cpp - mx.quantize as a GPU kernel -------------------===//
//
// One thread per MX block (per pair of blocks for FP4 blocked along dim 0,
// whose two columns share a byte): the block's amax, the scale rule, then
// each element's code. The arithmetic is the CPU lowering's (ElementCodes),
// so software conversion is bit-identical to it; the hardware conversions
// (cvt.rn.satfinite to e4m3x2/e5m2x2/e2m3x2/e3m2x2/e2m1x2, cvt.rz/rp to
// ue8m0x2) are used only where they compute the same function.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"

#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace mlir::mx;
using namespace mlir::mx::nvvm;
namespace num = mlir::mx::numerics;
using P = arith::CmpIPredicate;

namespace {
/// The static facts of one quantize kernel.
struct QuantizeShape {
  int64_t rows, cols; // M x K
  int64_t blockRows, blockCols;
  int64_t gridRows, gridCols; // scale grid
  int64_t blocksPerThread;    // 2 for FP4 blocked along dim 0, else 1
  int64_t units;              // threads doing work
  bool packed;                // FP4: two codes per byte

  explicit QuantizeShape(BlockTensorType type) {
    rows = type.getShape()[0];
    cols = type.getShape()[1];
    blockRows = type.getBlockShape()[0];
    blockCols = type.getBlockShape()[1];
    gridRows = type.getScaleShape()[0];
    gridCols = type.getScaleShape()[1];
    packed = type.getFormat() == num::ElementFormat::E2M1;
    blocksPerThread = quantizeBlocksPerThread(type.getFormat(), blockCols);
    units = quantizeThreads(gridRows, gridCols, blocksPerThread);
  }
};

} // namespace

/// Whether the elements convert with a cvt instruction (same results).
static bool useHardwareElements(QuantizeOp op, const Chip &chip,
                                ConvertKind convert) {
  if (convert == ConvertKind::Software)
    return false;
  auto type = cast<BlockTensorType>(op.getType());
  num::ElementFormat f = type.getFormat();
  return chip.hasConvertTo(f) && op.getRounding() == Rounding::rne &&
         op.getSaturation() == Saturation::saturate;
}

/// Whether the scale rule is a cvt to ue8m0x2 (with the integer rule kept for
/// zero, subnormal and non-finite amax).
static bool useHardwareScale(QuantizeOp op, const Chip &chip,
                             ConvertKind convert) {
  return convert != ConvertKind::Software && chip.hasNarrowConvert() &&
         op.getScaleRule() != ScaleRule::even;
}

LogicalResult nvvm::checkQuantizeKernel(QuantizeOp op, const Chip &chip,
                                        ConvertKind convert,
                                        SmallVectorImpl<Type> &arguments,
                                        LaunchShape &launch) {
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  auto type = cast<BlockTensorType>(op.getType());
  if (inputType.getRank() != 2 || !type.hasStaticShape())
    return op.emitOpError("GPU kernels quantize static 2-D tensors, not ")
           << inputType;
  if (!inputType.getElementType().isF32())
    return op.emitOpError("GPU kernels quantize f32 input, not ")
           << inputType.getElementType();
  if (op.hasGivenScales())
    return op.emitOpError(
        "GPU kernels compute their scales; given scales are not supported");
  QuantizeShape shape(type);
  if (shape.packed && shape.blockCols != 1 && shape.blockCols % 2 != 0)
    return op.emitOpError("FP4 blocks along the innermost dimension need an "
                          "even size on the GPU (two codes share a byte)");
  num::ElementFormat format = type.getFormat();
  if (convert == ConvertKind::Hardware) {
    const char *name = num::getFormatInfo(format).name;
    if (format == num::ElementFormat::INT8)
      return op.emitOpError("convert=hardware: no NVIDIA chip has a "
                            "conversion instruction for MXINT8 elements");
    if (!chip.hasConvertTo(format))
      return op.emitOpError("convert=hardware: ")
             << chip.name << " has no cvt to " << name << "x2 (needs "
             << Chip::convertChips(format) << ")";
    if (op.getRounding() != Rounding::rne ||
        op.getSaturation() != Saturation::saturate)
      return op.emitOpError("convert=hardware: the cvt instructions round to "
                            "nearest even and saturate; this quantize uses ")
             << stringifyRounding(op.getRounding()) << " rounding and "
             << stringifySaturation(op.getSaturation()) << " saturation";
  }

  MLIRContext *context = op.getContext();
  Type i8 = IntegerType::get(context, 8);
  arguments.push_back(
      MemRefType::get(inputType.getShape(), inputType.getElementType()));
  RankedTensorType storage = getStorageType(type);
  arguments.push_back(
      MemRefType::get(storage.getShape(), storage.getElementType()));
  arguments.push_back(MemRefType::get(type.getScaleShape(), i8));
  launch =
      quantizeLaunch(shape.gridRows, shape.gridCols, shape.blocksPerThread);
  return success();
}

namespace {
/// Emits one quantize kernel body.
class QuantizeKernelEmitter {
public:
  QuantizeKernelEmitter(OpBuilder &b, QuantizeOp op, const Chip &chip,
                        ConvertKind convert)
      : b(b), k{b, op.getLoc()}, op(op),
        type(cast<BlockTensorType>(op.getType())), shape(type),
        hardwareElements(useHardwareElements(op, chip, convert)),
        hardwareScale(useHardwareScale(op, chip, convert)) {
    options = {type.getFormat(), toNumerics(op.getRounding()),
               toNumerics(op.getSaturation())};
  }

  void emit(gpu::GPUFuncOp kernel);

private:
  /// max |x| over rows [r0, r1) x cols [c0, c1).
  Value blockAmax(Value r0, Value r1, Value c0, Value c1);
  /// The E8M0 code (i32) of the block scale for `amax`.
  Value scaleCode(Value amax);
  /// 1 / 2^(code - 127) as f32 (codes 0..254).
  Value inverseScale(Value code);
  /// The element code (i32) of x[r, c] against scale code `s`.
  Value elementCode(Value r, Value c, Value s);
  /// The FP4 byte of x[r, 2 c2] (low nibble, scale sLo) and x[r, 2 c2 + 1]
  /// (high nibble, scale sHi; 0 past the last column).
  Value fp4Byte(Value r, Value c2, Value sLo, Value sHi);
  /// The range [start, min(start + size, limit)) along a dimension.
  std::pair<Value, Value> range(Value blockIndex, int64_t size, int64_t limit);

  OpBuilder &b;
  KernelBuilder k;
  QuantizeOp op;
  BlockTensorType type;
  QuantizeShape shape;
  bool hardwareElements, hardwareScale;
  EncodeOptions options;
  Value x, codes, scales;
};
} // namespace

std::pair<Value, Value>
QuantizeKernelEmitter::range(Value blockIndex, int64_t size, int64_t limit) {
  Value start = k.mul(blockIndex, k.cIndex(size));
  Value end = k.minS(k.add(start, k.cIndex(size)), k.cIndex(limit));
  return {start, end};
}

Value QuantizeKernelEmitter::blockAmax(Value r0, Value r1, Value c0, Value c1) {
  Value one = k.cIndex(1);
  auto rowLoop = scf::ForOp::create(
      b, k.loc, r0, r1, one, ValueRange{k.cF32(0.0f)},
      [&](OpBuilder &rb, Location loc, Value r, ValueRange rowArgs) {
        auto colLoop = scf::ForOp::create(
            rb, loc, c0, c1, one, rowArgs,
            [&](OpBuilder &cb, Location loc, Value c, ValueRange args) {
              KernelBuilder ck{cb, loc};
              Value v = ck.load(x, {r, c});
              // |v| on the bits; maximumf keeps a NaN (the block's scale
              // becomes NaN), as the CPU's reduction does.
              Value magnitude = ck.bitcast(
                  ck.f32(), ck.band(ck.bitcast(ck.i32(), v), ck.c(0x7FFFFFFF)));
              scf::YieldOp::create(
                  cb, loc,
                  arith::MaximumFOp::create(cb, loc, args[0], magnitude)
                      .getResult());
            });
        scf::YieldOp::create(rb, loc, colLoop.getResults());
      });
  return rowLoop.getResult(0);
}

Value QuantizeKernelEmitter::scaleCode(Value amax) {
  Value code =
      buildScaleCode(b, k.loc,
                     buildScaleFromAmax(b, k.loc, amax, type.getFormat(),
                                        toNumerics(op.getScaleRule())));
  if (!hardwareScale)
    return code;
  // floor/ceil: a rounding of amax * 2^-emax to a power of two (rz/rp);
  // rceil: 2^ceil(log2(amax / max)), where the f32 quotient, when normal, is
  // never rounded onto or across a power of two for any MX element maximum.
  const num::FormatInfo &info = num::getFormatInfo(type.getFormat());
  Value v;
  NVVM::FPRoundingMode mode;
  switch (op.getScaleRule()) {
  case ScaleRule::floor:
  case ScaleRule::ceil:
    v = k.mulF(amax, k.cF32(std::ldexp(1.0f, -info.emax)));
    mode = op.getScaleRule() == ScaleRule::floor ? NVVM::FPRoundingMode::RZ
                                                 : NVVM::FPRoundingMode::RP;
    break;
  case ScaleRule::rceil:
    v = arith::DivFOp::create(b, k.loc, amax,
                              k.cF32(static_cast<float>(info.maxNormal)));
    mode = NVVM::FPRoundingMode::RP;
    break;
  case ScaleRule::even:
    llvm_unreachable("no hardware scale for the even rule");
  case ScaleRule::quotient:
    llvm_unreachable("an f32-scale rule: rejected before kernels are built");
  }
  Value pair = NVVM::ConvertF32x2ToF8x2Op::create(
      b, k.loc, k.i16(), v, v, mode, NVVM::SaturationMode::SATFINITE,
      /*relu=*/false, Float8E8M0FNUType::get(b.getContext()));
  Value hardware = k.band(k.zext(k.i32(), pair), k.c(0xFF));
  // Zero, subnormal and non-finite amax (and a subnormal v) take the rule's
  // integer form: amax 0 means 2^-126, NaN/Inf give the NaN scale.
  Value field = k.band(k.shr(k.bitcast(k.i32(), v), k.c(23)), k.c(0xFF));
  Value normal = arith::AndIOp::create(b, k.loc, k.cmp(P::ne, field, k.c(0)),
                                       k.cmp(P::ne, field, k.c(0xFF)));
  return k.select(normal, hardware, code);
}

Value QuantizeKernelEmitter::inverseScale(Value code) {
  // 2^(127 - (code - 127)) is the scale value of code 254 - code (2^-127,
  // the f32 subnormal, for code 254).
  return buildScaleValue(b, k.loc, k.sub(k.c(254), code));
}

Value QuantizeKernelEmitter::elementCode(Value r, Value c, Value s) {
  Value v = k.load(x, {r, c});
  if (!hardwareElements) {
    Value bits;
    if (options.rounding == num::Rounding::Stochastic) {
      Type i64 = b.getI64Type();
      Value linear = arith::IndexCastUIOp::create(
          b, k.loc, i64, k.add(k.mul(r, k.cIndex(shape.cols)), c));
      bits = buildStochasticBits(b, k.loc, linear,
                                 static_cast<uint64_t>(*op.getSeed()));
    } else {
      bits = k.c(0);
    }
    return buildEncodeElement(b, k.loc, v, s, bits, options);
  }
  Value scaled = k.mulF(v, inverseScale(s));
  Value zero = k.cF32(0.0f);
  Value pair;
  switch (type.getFormat()) {
  case num::ElementFormat::E4M3:
  case num::ElementFormat::E5M2: {
    Type fp8 = type.getFormat() == num::ElementFormat::E4M3
                   ? Type(Float8E4M3FNType::get(b.getContext()))
                   : Type(Float8E5M2Type::get(b.getContext()));
    pair = NVVM::ConvertF32x2ToF8x2Op::create(
        b, k.loc, k.i16(), zero, scaled, NVVM::FPRoundingMode::RN,
        NVVM::SaturationMode::SATFINITE, /*relu=*/false, fp8);
    break;
  }
  case num::ElementFormat::E3M2:
  case num::ElementFormat::E2M3: {
    Type fp6 = type.getFormat() == num::ElementFormat::E3M2
                   ? Type(Float6E3M2FNType::get(b.getContext()))
                   : Type(Float6E2M3FNType::get(b.getContext()));
    pair = NVVM::ConvertF32x2ToF6x2Op::create(b, k.loc, k.i16(), zero, scaled,
                                              /*relu=*/false, fp6);
    break;
  }
  default:
    llvm_unreachable("FP4 converts in pairs, INT8 has no instruction");
  }
  // b (the element) is the low byte; a NaN scale zeroes the block's codes.
  Value code = k.band(k.zext(k.i32(), pair), k.c(0xFF));
  return k.select(k.cmp(P::eq, s, k.c(num::kE8M0NaN)), k.c(0), code);
}

Value QuantizeKernelEmitter::fp4Byte(Value r, Value c2, Value sLo, Value sHi) {
  Value cLo = k.mul(c2, k.cIndex(2));
  Value cHi = k.add(cLo, k.cIndex(1));
  Value hasHi =
      arith::CmpIOp::create(b, k.loc, P::slt, cHi, k.cIndex(shape.cols));
  Value cHiInBounds = k.minS(cHi, k.cIndex(shape.cols - 1));
  if (!hardwareElements) {
    Value lo = elementCode(r, cLo, sLo);
    Value hi = k.select(hasHi, elementCode(r, cHiInBounds, sHi), k.c(0));
    return k.bor(lo, k.shl(hi, k.c(4)));
  }
  Value lo = k.mulF(k.load(x, {r, cLo}), inverseScale(sLo));
  Value hi =
      k.select(hasHi, k.mulF(k.load(x, {r, cHiInBounds}), inverseScale(sHi)),
               k.cF32(0.0f));
  // a -> high nibble, b -> low nibble.
  Value byte = NVVM::ConvertF32x2ToF4x2Op::create(
      b, k.loc, k.i8(), hi, lo, /*relu=*/false,
      Float4E2M1FNType::get(b.getContext()));
  Value code = k.zext(k.i32(), byte);
  Value nan = k.c(num::kE8M0NaN);
  code = k.select(k.cmp(P::eq, sLo, nan), k.band(code, k.c(0xF0)), code);
  return k.select(k.cmp(P::eq, sHi, nan), k.band(code, k.c(0x0F)), code);
}

void QuantizeKernelEmitter::emit(gpu::GPUFuncOp kernel) {
  x = kernel.getArgument(0);
  codes = kernel.getArgument(1);
  scales = kernel.getArgument(2);
  Value unit = k.add(
      k.mul(k.blockId(gpu::Dimension::x), k.cIndex(kQuantizeThreadsPerCTA)),
      k.threadId());
  Value active =
      arith::CmpIOp::create(b, k.loc, P::ult, unit, k.cIndex(shape.units));
  auto ifOp = scf::IfOp::create(b, k.loc, active, /*withElse=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());

  int64_t unitsPerRow = llvm::divideCeil(shape.gridCols, shape.blocksPerThread);
  Value gi = k.divU(unit, k.cIndex(unitsPerRow));
  Value gjp = k.remU(unit, k.cIndex(unitsPerRow));
  auto [r0, r1] = range(gi, shape.blockRows, shape.rows);

  // Scales of this thread's block(s).
  SmallVector<Value> scaleCodes;
  SmallVector<Value> blockCols;
  for (int64_t p = 0; p < shape.blocksPerThread; ++p) {
    Value gj = k.add(k.mul(gjp, k.cIndex(shape.blocksPerThread)), k.cIndex(p));
    auto [c0, c1] = range(gj, shape.blockCols, shape.cols);
    // Past the last column (the second of a pair) the range is empty.
    c0 = k.minS(c0, c1);
    Value s = scaleCode(blockAmax(r0, r1, c0, c1));
    scaleCodes.push_back(s);
    blockCols.push_back(gj);
    if (p == 0) {
      k.storeByte(s, scales, {gi, gj});
      continue;
    }
    Value valid =
        arith::CmpIOp::create(b, k.loc, P::ult, gj, k.cIndex(shape.gridCols));
    auto store = scf::IfOp::create(b, k.loc, valid, /*withElse=*/false);
    OpBuilder::InsertionGuard storeGuard(b);
    b.setInsertionPointToStart(store.thenBlock());
    k.storeByte(s, scales, {gi, gj});
  }

  // Codes, row by row.
  Value one = k.cIndex(1);
  Value c0, c1;
  if (!shape.packed) {
    std::tie(c0, c1) = range(blockCols[0], shape.blockCols, shape.cols);
  } else if (shape.blocksPerThread == 2) {
    c0 = gjp; // one byte column: the pair's two element columns
    c1 = k.add(gjp, one);
  } else {
    auto [e0, e1] = range(blockCols[0], shape.blockCols, shape.cols);
    c0 = k.divU(e0, k.cIndex(2));
    c1 = k.divU(k.add(e1, one), k.cIndex(2));
  }
  Value sLo = scaleCodes[0];
  Value sHi = scaleCodes.back();
  scf::ForOp::create(
      b, k.loc, r0, r1, one, ValueRange{},
      [&](OpBuilder &rb, Location loc, Value r, ValueRange) {
        scf::ForOp::create(
            rb, loc, c0, c1, one, ValueRange{},
            [&](OpBuilder &cb, Location loc, Value c, ValueRange) {
              OpBuilder::InsertionGuard inner(b);
              b.setInsertionPoint(cb.getInsertionBlock(),
                                  cb.getInsertionPoint());
              Value code = shape.packed ? fp4Byte(r, c, sLo, sHi)
                                        : elementCode(r, c, sLo);
              k.storeByte(code, codes, {r, c});
              scf::YieldOp::create(b, loc);
            });
        scf::YieldOp::create(rb, loc);
      });
}

void nvvm::buildQuantizeKernel(OpBuilder &b, QuantizeOp op,
                               gpu::GPUFuncOp kernel, const Chip &chip,
                               ConvertKind convert) {
  QuantizeKernelEmitter(b, op, chip, convert).emit(kernel);
}
