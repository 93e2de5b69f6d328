//===- MmaMatmulKernel.cpp - mx.matmul on warp-level MMA ------------------===//
//
// Each warp owns a 16 x 8t tile of C (t n8 tiles sharing one A fragment),
// the CTA stacks warps along M. Fragments follow the PTX m16n8k32 layouts
// (8-bit A: lane (g, q) = (lane / 4, lane % 4) holds rows g and g + 8, K
// bytes 4q..4q+3 and 16+4q..; B: K bytes 4q.. and 16+4q.. of column g; C:
// rows g, g + 8, columns 2q, 2q + 1).
//
// mma=sync (sm_89+): per K-block a fresh m16n8k32 product in f32 (FP8) or
// s32 (MXINT8), multiplied by the block's two scales in registers and added
// to the f32 accumulators: the MX definition, exactly as the CPU orders it.
// FP6/FP4 codes widen to E4M3, which holds each of their values.
// mma=block-scale (sm_120a): kind::mxf8f6f4 with scale_vec::1X; the hardware
// applies the ue8m0 scales and accumulates. NVFP4 (E2M1 with E4M3 block
// scales of 16) takes kind::mxf4nvf4, scale_vec::4X, ue4m3 at m16n8k64: FP4
// packed eight to a register (element j at bits 4j; A: rows g, g + 8, K
// 8q..8q+7 and 32 + 8q..; B: column g, the same K), and each lane's scale
// word holds its row's (column's) four E4M3 block scales of the K-step,
// byte i for K 16i..16i+15.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mx/Dialect/MX/Utils/ElementCodes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace mlir::mx;
using namespace mlir::mx::nvvm;
namespace num = mlir::mx::numerics;

static NVVM::MMATypes mmaType(num::ElementFormat f) {
  switch (f) {
  case num::ElementFormat::E4M3:
    return NVVM::MMATypes::e4m3;
  case num::ElementFormat::E5M2:
    return NVVM::MMATypes::e5m2;
  case num::ElementFormat::E3M2:
    return NVVM::MMATypes::e3m2;
  case num::ElementFormat::E2M3:
    return NVVM::MMATypes::e2m3;
  case num::ElementFormat::E2M1:
    return NVVM::MMATypes::e2m1;
  case num::ElementFormat::INT8:
    return NVVM::MMATypes::s8;
  }
  llvm_unreachable("unknown format");
}

namespace {

/// One MX operand in global memory: codes and scales.
struct Operand {
  Value codes, scales;
  BlockTensorType type;
  num::ElementFormat format;
  bool packed() const { return format == num::ElementFormat::E2M1; }
};

class MmaKernelEmitter {
public:
  MmaKernelEmitter(OpBuilder &b, MatmulOp op, MmaKind kind)
      : b(b), k{b, op.getLoc()}, op(op), kind(kind) {
    auto lhsType = cast<BlockTensorType>(op.getLhs().getType());
    auto rhsType = cast<BlockTensorType>(op.getRhs().getType());
    m = lhsType.getShape()[0];
    kDim = lhsType.getShape()[1];
    n = rhsType.getShape()[1];
    block = op.getBlockSizeK();
    tiling = MmaTiling::of(m, n);
    lhs.type = lhsType;
    rhs.type = rhsType;
    lhs.format = lhsType.getFormat();
    rhs.format = rhsType.getFormat();
    integer = lhs.format == num::ElementFormat::INT8;
    nvfp4 = isa<Float8E4M3FNType>(lhsType.getScaleType());
  }

  void emit(gpu::GPUFuncOp kernel);

private:
  /// The byte the MMA expects for an element code of `format`.
  Value mmaByte(num::ElementFormat format, Value code);
  /// The format the MMA reads for `format`.
  num::ElementFormat mmaFormat(num::ElementFormat format) const;
  /// Four bytes (lowest first) as one i32 register.
  Value pack(ArrayRef<Value> bytes);
  /// A fragment register: lhs row `row`, K `k0`..`k0`+3.
  Value lhsRegister(Value row, Value k0);
  /// B fragment register: rhs column `col`, K `k0`..`k0`+3.
  Value rhsRegister(Value col, Value k0);
  /// D = A x B + C with the sync instruction; 4 f32 (FP8) or 4 i32 results.
  SmallVector<Value> mmaSync(ArrayRef<Value> a, ArrayRef<Value> bRegs,
                             ArrayRef<Value> c);
  SmallVector<Value> mmaBlockScale(ArrayRef<Value> a, ArrayRef<Value> bRegs,
                                   ArrayRef<Value> c, Value scaleA,
                                   Value scaleB);
  SmallVector<Value> unpack(Value structValue, Type element);
  /// NVFP4: eight E2M1 codes (element j at bits 4j) as one register, A's
  /// row `row` or B's column `col`, K `k0`..`k0` + 7.
  Value nibbleRegister(const Operand &operand, Value row, Value col, Value k0,
                       bool alongColumn);
  /// NVFP4: the four E4M3 scale bytes of K-step `step` (byte i: K-block
  /// 4 step + i) of A's row `row` or B's column `col`, as one register.
  Value scaleWord(const Operand &operand, Value index, Value step,
                  bool alongColumn);
  /// C's four accumulators per n8 tile (`results`) to `c`.
  void storeAccumulators(ValueRange results, Value row0, Value row8,
                         Value colBase, Value q, Value c);
  /// The m16n8k64 kind::mxf4nvf4 kernel.
  void emitNVFP4(Value row0, Value row8, Value scaleRow, Value colBase, Value g,
                 Value q, Value c);

  OpBuilder &b;
  KernelBuilder k;
  MatmulOp op;
  MmaKind kind;
  int64_t m, kDim, n, block;
  MmaTiling tiling{1, 1};
  Operand lhs, rhs;
  bool integer;
  bool nvfp4;
};
} // namespace

num::ElementFormat MmaKernelEmitter::mmaFormat(num::ElementFormat f) const {
  if (kind == MmaKind::BlockScale || f == num::ElementFormat::E5M2 ||
      f == num::ElementFormat::INT8)
    return f;
  return num::ElementFormat::E4M3;
}

Value MmaKernelEmitter::mmaByte(num::ElementFormat format, Value code) {
  if (kind == MmaKind::BlockScale) {
    // kind::mxf8f6f4 containers: FP6 in the low six bits, FP4 in bits 5..2.
    return format == num::ElementFormat::E2M1 ? k.shl(code, k.c(2)) : code;
  }
  return mmaFormat(format) == format ? code : widenToE4M3(k, code, format);
}

Value MmaKernelEmitter::pack(ArrayRef<Value> bytes) {
  Value word = bytes[0];
  for (int i = 1; i < 4; ++i)
    word = k.bor(word, k.shl(bytes[i], k.c(8 * i)));
  return word;
}

Value MmaKernelEmitter::lhsRegister(Value row, Value k0) {
  SmallVector<Value> bytes;
  for (int i = 0; i < 4; ++i)
    bytes.push_back(
        mmaByte(lhs.format, loadElementCode(k, lhs.codes, lhs.format, row,
                                            k.add(k0, k.cIndex(i)))));
  return pack(bytes);
}

Value MmaKernelEmitter::rhsRegister(Value col, Value k0) {
  SmallVector<Value> bytes;
  for (int i = 0; i < 4; ++i)
    bytes.push_back(
        mmaByte(rhs.format, loadElementCode(k, rhs.codes, rhs.format,
                                            k.add(k0, k.cIndex(i)), col)));
  return pack(bytes);
}

SmallVector<Value> MmaKernelEmitter::unpack(Value structValue, Type element) {
  SmallVector<Value> values;
  for (int64_t i = 0; i < 4; ++i)
    values.push_back(
        LLVM::ExtractValueOp::create(b, k.loc, element, structValue, i));
  return values;
}

SmallVector<Value> MmaKernelEmitter::mmaSync(ArrayRef<Value> a,
                                             ArrayRef<Value> bRegs,
                                             ArrayRef<Value> c) {
  MLIRContext *context = b.getContext();
  if (integer) {
    Type i32 = k.i32();
    auto resultType =
        LLVM::LLVMStructType::getLiteral(context, {i32, i32, i32, i32});
    auto mma = NVVM::MmaOp::create(
        b, k.loc, resultType, a, bRegs, c, ArrayRef<int64_t>{16, 8, 32},
        std::nullopt, NVVM::MMAIntOverflow::satfinite,
        std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::s8, NVVM::MMATypes::s8},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                       NVVM::MMALayout::col});
    return unpack(mma, i32);
  }
  // MLIR 22's nvvm.mma.sync has no FP8 types; the LLVM intrinsic (the same
  // PTX instruction, sm_89+) is called by name.
  Type f32 = k.f32();
  auto resultType =
      LLVM::LLVMStructType::getLiteral(context, {f32, f32, f32, f32});
  std::string name =
      (Twine("llvm.nvvm.mma.m16n8k32.row.col.f32.") +
       NVVM::stringifyMMATypes(mmaType(mmaFormat(lhs.format))) + "." +
       NVVM::stringifyMMATypes(mmaType(mmaFormat(rhs.format))) + ".f32")
          .str();
  SmallVector<Value> args(a);
  llvm::append_range(args, bRegs);
  llvm::append_range(args, c);
  auto call = LLVM::CallIntrinsicOp::create(b, k.loc, resultType,
                                            b.getStringAttr(name), args);
  return unpack(call.getResult(0), f32);
}

SmallVector<Value> MmaKernelEmitter::mmaBlockScale(ArrayRef<Value> a,
                                                   ArrayRef<Value> bRegs,
                                                   ArrayRef<Value> c,
                                                   Value scaleA, Value scaleB) {
  Type f32 = k.f32();
  auto resultType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  // Byte 0 of the lane's register (NVFP4: the word holds all four scales),
  // thread selector 0: lane 4r gives row r, lane 4r + 1 row r + 8 (scale
  // A), lane 4c column c (scale B).
  Value zero = k.c(0, k.i16());
  auto mma = NVVM::MmaBlockScaleOp::create(
      b, k.loc, resultType, a, bRegs, c, scaleA, zero, zero, scaleB, zero, zero,
      ArrayRef<int64_t>{16, 8, nvfp4 ? 64 : 32},
      std::array<NVVM::MMATypes, 2>{mmaType(lhs.format), mmaType(rhs.format)},
      nvfp4 ? NVVM::ScaleVecSize::X4 : NVVM::ScaleVecSize::X1,
      nvfp4 ? NVVM::BlockScaleFormat::UE4M3 : NVVM::BlockScaleFormat::UE8M0,
      nvfp4 ? NVVM::MMABlockScaleKind::MXF4NVF4
            : NVVM::MMABlockScaleKind::MXF8F6F4);
  return unpack(mma, f32);
}

Value MmaKernelEmitter::nibbleRegister(const Operand &operand, Value row,
                                       Value col, Value k0, bool alongColumn) {
  Value word;
  for (int i = 0; i < 8; ++i) {
    Value k8 = k.add(k0, k.cIndex(i));
    Value code =
        alongColumn
            ? loadElementCode(k, operand.codes, operand.format, k8, col)
            : loadElementCode(k, operand.codes, operand.format, row, k8);
    Value shifted = k.shl(code, k.c(4 * i));
    word = word ? k.bor(word, shifted) : shifted;
  }
  return word;
}

Value MmaKernelEmitter::scaleWord(const Operand &operand, Value index,
                                  Value step, bool alongColumn) {
  SmallVector<Value> bytes;
  for (int i = 0; i < 4; ++i) {
    Value kBlock = k.add(k.mul(step, k.cIndex(4)), k.cIndex(i));
    bytes.push_back(
        alongColumn
            ? loadScaleByte(k, operand.scales, operand.type, kBlock, index)
            : loadScaleByte(k, operand.scales, operand.type, index, kBlock));
  }
  return pack(bytes);
}

void MmaKernelEmitter::storeAccumulators(ValueRange results, Value row0,
                                         Value row8, Value colBase, Value q,
                                         Value c) {
  Value q2 = k.mul(q, k.cIndex(2));
  for (int64_t j = 0; j < tiling.tilesN; ++j) {
    Value col = k.add(colBase, k.add(k.cIndex(8 * j), q2));
    Value col1 = k.add(col, k.cIndex(1));
    k.store(results[4 * j + 0], c, {row0, col});
    k.store(results[4 * j + 1], c, {row0, col1});
    k.store(results[4 * j + 2], c, {row8, col});
    k.store(results[4 * j + 3], c, {row8, col1});
  }
}

void MmaKernelEmitter::emitNVFP4(Value row0, Value row8, Value scaleRow,
                                 Value colBase, Value g, Value q, Value c) {
  Value q8 = k.mul(q, k.cIndex(8));
  int64_t accumulators = 4 * tiling.tilesN;
  SmallVector<Value> init(accumulators, k.cF32(0.0f));
  auto loop = scf::ForOp::create(
      b, k.loc, k.cIndex(0), k.cIndex(kDim / 64), k.cIndex(1), init,
      [&](OpBuilder &, Location, Value step, ValueRange acc) {
        SmallVector<Value> result(acc);
        Value kLow = k.add(k.mul(step, k.cIndex(64)), q8);
        Value kHigh = k.add(kLow, k.cIndex(32));
        SmallVector<Value> a = {nibbleRegister(lhs, row0, {}, kLow, false),
                                nibbleRegister(lhs, row8, {}, kLow, false),
                                nibbleRegister(lhs, row0, {}, kHigh, false),
                                nibbleRegister(lhs, row8, {}, kHigh, false)};
        Value scaleA = scaleWord(lhs, scaleRow, step, false);
        for (int64_t j = 0; j < tiling.tilesN; ++j) {
          Value col = k.add(colBase, k.add(k.cIndex(8 * j), g));
          SmallVector<Value> bRegs = {
              nibbleRegister(rhs, {}, col, kLow, true),
              nibbleRegister(rhs, {}, col, kHigh, true)};
          MutableArrayRef<Value> slot =
              MutableArrayRef<Value>(result).slice(4 * j, 4);
          SmallVector<Value> d = mmaBlockScale(a, bRegs, slot, scaleA,
                                               scaleWord(rhs, col, step, true));
          llvm::copy(d, slot.begin());
        }
        scf::YieldOp::create(b, k.loc, result);
      });
  storeAccumulators(loop.getResults(), row0, row8, colBase, q, c);
}

void MmaKernelEmitter::emit(gpu::GPUFuncOp kernel) {
  lhs.codes = kernel.getArgument(0);
  lhs.scales = kernel.getArgument(1);
  rhs.codes = kernel.getArgument(2);
  rhs.scales = kernel.getArgument(3);
  Value c = kernel.getArgument(4);

  Value thread = k.threadId();
  Value lane = k.remU(thread, k.cIndex(32));
  Value warp = k.divU(thread, k.cIndex(32));
  Value g = k.divU(lane, k.cIndex(4));
  Value q = k.remU(lane, k.cIndex(4));
  Value row0 = k.add(
      k.mul(k.add(k.mul(k.blockId(gpu::Dimension::y), k.cIndex(tiling.warps)),
                  warp),
            k.cIndex(16)),
      g);
  Value row8 = k.add(row0, k.cIndex(8));
  Value colBase =
      k.mul(k.blockId(gpu::Dimension::x), k.cIndex(8 * tiling.tilesN));
  Value q4 = k.mul(q, k.cIndex(4));
  Value q2 = k.mul(q, k.cIndex(2));

  // block-scale: lane 4r supplies row r's scale, lane 4r + 1 row r + 8's.
  Value scaleRow;
  if (kind == MmaKind::BlockScale)
    scaleRow = k.add(row0, k.mul(k.remU(lane, k.cIndex(2)), k.cIndex(8)));
  if (nvfp4)
    return emitNVFP4(row0, row8, scaleRow, colBase, g, q, c);

  int64_t accumulators = 4 * tiling.tilesN;
  SmallVector<Value> init(accumulators, k.cF32(0.0f));
  auto loop = scf::ForOp::create(
      b, k.loc, k.cIndex(0), k.cIndex(kDim / block), k.cIndex(1), init,
      [&](OpBuilder &, Location, Value kb, ValueRange acc) {
        SmallVector<Value> result(acc);
        Value blockStart = k.mul(kb, k.cIndex(block));
        SmallVector<Value> partial;
        // block-scale: this lane's scale words for the K-block (row, and
        // column of each n8 tile), shared by the block's 32-wide steps.
        Value scaleA;
        SmallVector<Value> scaleB;
        if (kind == MmaKind::Sync) {
          partial.assign(accumulators, integer ? k.c(0) : k.cF32(0.0f));
        } else {
          scaleA = loadScaleByte(k, lhs.scales, lhs.type, scaleRow, kb);
          for (int64_t j = 0; j < tiling.tilesN; ++j)
            scaleB.push_back(
                loadScaleByte(k, rhs.scales, rhs.type, kb,
                              k.add(colBase, k.add(k.cIndex(8 * j), g))));
        }
        for (int64_t step = 0; step < block / 32; ++step) {
          Value k0 = k.add(blockStart, k.cIndex(32 * step));
          Value kLow = k.add(k0, q4);
          Value kHigh = k.add(kLow, k.cIndex(16));
          SmallVector<Value> a = {
              lhsRegister(row0, kLow), lhsRegister(row8, kLow),
              lhsRegister(row0, kHigh), lhsRegister(row8, kHigh)};
          for (int64_t j = 0; j < tiling.tilesN; ++j) {
            Value col = k.add(colBase, k.add(k.cIndex(8 * j), g));
            SmallVector<Value> bRegs = {rhsRegister(col, kLow),
                                        rhsRegister(col, kHigh)};
            MutableArrayRef<Value> slot =
                MutableArrayRef<Value>(kind == MmaKind::Sync ? partial : result)
                    .slice(4 * j, 4);
            SmallVector<Value> d;
            if (kind == MmaKind::Sync) {
              d = mmaSync(a, bRegs, slot);
            } else {
              d = mmaBlockScale(a, bRegs, slot, scaleA, scaleB[j]);
            }
            llvm::copy(d, slot.begin());
          }
        }
        if (kind == MmaKind::Sync) {
          // (partial x lhs scale) x rhs scale, added: the CPU's order.
          Value sa[2] = {
              buildScaleValue(b, k.loc,
                              loadScaleByte(k, lhs.scales, lhs.type, row0, kb)),
              buildScaleValue(
                  b, k.loc, loadScaleByte(k, lhs.scales, lhs.type, row8, kb))};
          for (int64_t j = 0; j < tiling.tilesN; ++j) {
            Value col = k.add(colBase, k.add(k.cIndex(8 * j), q2));
            Value sb[2] = {
                buildScaleValue(
                    b, k.loc, loadScaleByte(k, rhs.scales, rhs.type, kb, col)),
                buildScaleValue(b, k.loc,
                                loadScaleByte(k, rhs.scales, rhs.type, kb,
                                              k.add(col, k.cIndex(1))))};
            for (int64_t i = 0; i < 4; ++i) {
              Value p = partial[4 * j + i];
              if (integer) // s32 sum of (k1/64)(k2/64) products, < 2^24
                p = k.mulF(arith::SIToFPOp::create(b, k.loc, k.f32(), p),
                           k.cF32(std::ldexp(1.0f, -12)));
              Value scaled = k.mulF(k.mulF(p, sa[i / 2]), sb[i % 2]);
              result[4 * j + i] = k.addF(result[4 * j + i], scaled);
            }
          }
        }
        scf::YieldOp::create(b, k.loc, result);
      });

  storeAccumulators(loop.getResults(), row0, row8, colBase, q, c);
}

void nvvm::buildMmaMatmulKernel(OpBuilder &b, MatmulOp op,
                                gpu::GPUFuncOp kernel, const Chip &,
                                MmaKind kind) {
  MmaKernelEmitter(b, op, kind).emit(kernel);
}
