//===- Tcgen05MatmulKernel.cpp - mx.matmul on sm_100a tensor memory -------===//
//
// One CTA of four warps computes a 128 x N tile (N <= 128) of C with
// tcgen05.mma.block_scale: kind::mxf8f6f4, scale_vec::1X, ue8m0 scales for
// the MX formats (K-step 32: FP6/FP4 widen exactly to E4M3), and
// kind::mxf4nvf4, scale_vec::4X (block16), ue4m3 scales for NVFP4 (K-step
// 64, E2M1 two to a byte, element 2i in the low nibble). Either way a row's
// K-step is 32 bytes. Per K-step:
//   1. every thread writes one row of A and one column of B (K-major) to
//      shared memory in the canonical no-swizzle layout (8 x 16-byte core
//      matrices; the K-adjacent core matrix 128 bytes on, the next 8 rows
//      256 bytes on), and its row's and column's scales to tensor memory
//      (tcgen05.st, lane = row/column): one E8M0 byte, or NVFP4's four E4M3
//      bytes of the step in one 32-bit column, lowest K first;
//   2. fence.proxy.async makes the shared writes visible to the tensor core,
//      a CTA barrier orders them before the MMA;
//   3. thread 0 issues the MMA and commits it to an mbarrier that every
//      thread waits on (phase = step parity) before reusing the buffers.
// Scales are read in the operand type's layout: row-major, or the swizzled
// 128 x 4 tiles (where a row's four NVFP4 scales of a step are adjacent).
// The f32 accumulator lives in tensor memory (lane = row, column = n) and is
// read back with tcgen05.ld 32x32b. No pipelining: a correct baseline that
// exercises every piece (allocation, descriptors, scales, commit).
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

using namespace mlir;
using namespace mlir::mx;
using namespace mlir::mx::nvvm;
namespace num = mlir::mx::numerics;
using P = arith::CmpIPredicate;

namespace {
constexpr int64_t kTileM = 128;
constexpr int64_t kStepBytes = 32;     // a row's bytes per MMA
constexpr int64_t kCoreStrideK = 128;  // leading-dimension byte offset
constexpr int64_t kCoreStrideMN = 256; // stride-dimension byte offset

} // namespace

/// Instruction-descriptor code of an element type: kind::mxf8f6f4 (E4M3 0,
/// E5M2 1; FP6 and FP4 are widened to E4M3) or kind::mxf4nvf4 (E2M1 1).
static int64_t descriptorType(num::ElementFormat f, bool nvfp4) {
  if (nvfp4)
    return 1;
  return f == num::ElementFormat::E5M2 ? 1 : 0;
}

namespace {

class Tcgen05KernelEmitter {
public:
  Tcgen05KernelEmitter(OpBuilder &b, MatmulOp op) : b(b), k{b, op.getLoc()} {
    auto lhsType = cast<BlockTensorType>(op.getLhs().getType());
    auto rhsType = cast<BlockTensorType>(op.getRhs().getType());
    kDim = lhsType.getShape()[1];
    n = rhsType.getShape()[1];
    block = op.getBlockSizeK();
    lhsFormat = lhsType.getFormat();
    rhsFormat = rhsType.getFormat();
    lhsMX = lhsType;
    rhsMX = rhsType;
    nvfp4 = isa<Float8E4M3FNType>(lhsType.getScaleType());
    stepK = nvfp4 ? 64 : 32;
  }

  /// The kernel in order: resources, then per K-step of 32 the operands
  /// staged and one MMA, then the accumulators out.
  void emit(gpu::GPUFuncOp kernel);

private:
  /// Shared-memory tiles of A and B, the mbarrier and the tensor-memory
  /// address slot (workgroup attributions of `kernel`).
  void allocateSharedMemory(gpu::GPUFuncOp kernel);
  /// Thread, warp and row ids of this thread.
  void computeThreadIds();
  /// Tensor memory (N accumulator columns, then the A and B scale columns)
  /// allocated by warp 0, the mbarrier initialized, both visible to all.
  void allocateTensorMemory();
  /// K-step `step` (from K-element `k0`): A's and B's bytes to shared memory
  /// in the canonical K-major layout, their block scales to tensor memory.
  void stageOperands(Value k0);
  /// Fences, then one thread issues the block-scaled MMA and commits it to
  /// the mbarrier; every thread waits for the step's phase.
  void issueMma(Value step);
  /// This warp's 32 accumulator rows, N columns each, to `c`.
  void storeAccumulators(Value c);
  /// Tensor memory back to the allocator.
  void releaseTensorMemory();

  /// `body` in an scf.if on `condition`.
  void inThread(Value condition, function_ref<void()> body);
  /// Byte `j` (i32) of the K-step from `k0` of A's row `row` (or B's
  /// column `col`): an E4M3/E5M2 code, or NVFP4's two E2M1 codes.
  Value operandByte(bool isLhs, Value rowOrCol, Value k0, int64_t j);
  /// The scale word of the K-step from `k0` for A's row (B's column)
  /// `rowOrCol`: one E8M0 byte, or NVFP4's four E4M3 bytes.
  Value scaleWord(bool isLhs, Value rowOrCol, Value k0);
  /// Byte offset in the canonical K-major layout of (row, kk), kk < 32.
  Value sharedOffset(Value row, Value kk);
  Value sharedPointer(Value memref);
  Value tmemPointer(Value address);
  /// The shared-memory descriptor of `tile` (addresses and strides in
  /// 16-byte units).
  Value descriptor(Value tile);

  OpBuilder &b;
  KernelBuilder k;
  int64_t kDim, n, block, stepK;
  num::ElementFormat lhsFormat, rhsFormat;
  BlockTensorType lhsMX, rhsMX;
  bool nvfp4;
  // Kernel arguments.
  Value lhsCodes, lhsScales, rhsCodes, rhsScales;
  // Shared memory.
  Value aTile, bTile, barrierSlot, tmemSlot;
  // Ids.
  Value thread, warp, isWarp0, isThread0, row;
  // Tensor memory: base address, scale columns, this warp's lane field.
  Value columnCount, tmem, scaleAColumn, scaleBColumn, laneBase;
};
} // namespace

Value Tcgen05KernelEmitter::operandByte(bool isLhs, Value rowOrCol, Value k0,
                                        int64_t j) {
  Value codes = isLhs ? lhsCodes : rhsCodes;
  num::ElementFormat format = isLhs ? lhsFormat : rhsFormat;
  auto code = [&](int64_t kk) {
    Value kIndex = k.add(k0, k.cIndex(kk));
    return isLhs ? loadElementCode(k, codes, format, rowOrCol, kIndex)
                 : loadElementCode(k, codes, format, kIndex, rowOrCol);
  };
  if (nvfp4) // two E2M1 codes, the lower K in the low nibble
    return k.bor(code(2 * j), k.shl(code(2 * j + 1), k.c(4)));
  Value byte = code(j);
  if (format == num::ElementFormat::E4M3 || format == num::ElementFormat::E5M2)
    return byte;
  return widenToE4M3(k, byte, format);
}

Value Tcgen05KernelEmitter::scaleWord(bool isLhs, Value rowOrCol, Value k0) {
  Value scales = isLhs ? lhsScales : rhsScales;
  BlockTensorType type = isLhs ? lhsMX : rhsMX;
  Value word;
  for (int64_t i = 0; i < std::max<int64_t>(1, stepK / block); ++i) {
    Value kBlock = k.add(k.divU(k0, k.cIndex(block)), k.cIndex(i));
    Value byte = isLhs ? loadScaleByte(k, scales, type, rowOrCol, kBlock)
                       : loadScaleByte(k, scales, type, kBlock, rowOrCol);
    Value shifted = k.shl(byte, k.c(8 * i));
    word = word ? k.bor(word, shifted) : shifted;
  }
  return word;
}

Value Tcgen05KernelEmitter::sharedOffset(Value row, Value kk) {
  Value core = k.add(k.mul(k.divU(row, k.cIndex(8)), k.cIndex(kCoreStrideMN)),
                     k.mul(k.divU(kk, k.cIndex(16)), k.cIndex(kCoreStrideK)));
  return k.add(core, k.add(k.mul(k.remU(row, k.cIndex(8)), k.cIndex(16)),
                           k.remU(kk, k.cIndex(16))));
}

Value Tcgen05KernelEmitter::sharedPointer(Value memref) {
  Value address =
      memref::ExtractAlignedPointerAsIndexOp::create(b, k.loc, memref);
  Value i64 = arith::IndexCastUIOp::create(b, k.loc, b.getI64Type(), address);
  return LLVM::IntToPtrOp::create(
      b, k.loc, LLVM::LLVMPointerType::get(b.getContext(), 3), i64);
}

Value Tcgen05KernelEmitter::tmemPointer(Value address) {
  return LLVM::IntToPtrOp::create(
      b, k.loc, LLVM::LLVMPointerType::get(b.getContext(), 6), address);
}

void Tcgen05KernelEmitter::inThread(Value condition,
                                    function_ref<void()> body) {
  auto ifOp = scf::IfOp::create(b, k.loc, condition, /*withElse=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifOp.thenBlock());
  body();
}

Value Tcgen05KernelEmitter::descriptor(Value tile) {
  Value start =
      LLVM::PtrToIntOp::create(b, k.loc, k.i32(), sharedPointer(tile));
  Value i8Zero = arith::ConstantIntOp::create(b, k.loc, k.i8(), 0);
  return NVVM::Tcgen05MmaSmemDescOp::create(
      b, k.loc, b.getI64Type(), k.shr(start, k.c(4)), k.c(kCoreStrideK / 16),
      k.c(kCoreStrideMN / 16), i8Zero,
      arith::ConstantIntOp::create(b, k.loc, b.getI1Type(), 0),
      /*swizzle: none*/ i8Zero);
}

void Tcgen05KernelEmitter::allocateSharedMemory(gpu::GPUFuncOp kernel) {
  auto workgroup =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto smem = [&](int64_t size, Type type) {
    return kernel.addWorkgroupAttribution(
        MemRefType::get({size}, type, MemRefLayoutAttrInterface(), workgroup),
        k.loc);
  };
  aTile = smem(kTileM * kStepBytes, k.i8());
  bTile = smem(n * kStepBytes, k.i8());
  barrierSlot = smem(1, b.getI64Type());
  tmemSlot = smem(1, k.i32());
}

void Tcgen05KernelEmitter::computeThreadIds() {
  thread = k.threadId();
  warp = k.divU(thread, k.cIndex(32));
  isWarp0 = arith::CmpIOp::create(b, k.loc, P::eq, warp, k.cIndex(0));
  isThread0 = arith::CmpIOp::create(b, k.loc, P::eq, thread, k.cIndex(0));
  Value rowBase = k.mul(k.blockId(gpu::Dimension::y), k.cIndex(kTileM));
  row = k.add(rowBase, thread);
}

void Tcgen05KernelEmitter::allocateTensorMemory() {
  // Allocations are powers of two from 32 columns.
  int64_t columns = 32;
  while (columns < n + 2)
    columns *= 2;
  columnCount = k.c(columns);
  inThread(isWarp0, [&] {
    NVVM::Tcgen05AllocOp::create(b, k.loc, sharedPointer(tmemSlot),
                                 columnCount);
  });
  inThread(isThread0, [&] {
    NVVM::MBarrierInitOp::create(b, k.loc, sharedPointer(barrierSlot), k.c(1),
                                 Value());
  });
  NVVM::Tcgen05FenceOp::create(b, k.loc,
                               NVVM::Tcgen05FenceKind::BEFORE_THREAD_SYNC);
  gpu::BarrierOp::create(b, k.loc);
  NVVM::Tcgen05FenceOp::create(b, k.loc,
                               NVVM::Tcgen05FenceKind::AFTER_THREAD_SYNC);
  tmem = k.load(tmemSlot, {k.cIndex(0)});
  scaleAColumn = k.add(tmem, k.c(n));
  scaleBColumn = k.add(tmem, k.c(n + 1));
  // This warp's 32 lanes of tensor memory: lane field in the high half.
  laneBase = k.shl(k.toI32(k.mul(warp, k.cIndex(32))), k.c(16));
}

void Tcgen05KernelEmitter::stageOperands(Value k0) {
  for (int64_t j = 0; j < kStepBytes; ++j)
    k.storeByte(operandByte(/*isLhs=*/true, row, k0, j), aTile,
                {sharedOffset(thread, k.cIndex(j))});
  NVVM::Tcgen05StOp::create(b, k.loc, /*unpack=*/false,
                            NVVM::Tcgen05LdStShape::SHAPE_32X32B,
                            tmemPointer(k.add(scaleAColumn, laneBase)),
                            scaleWord(/*isLhs=*/true, row, k0), Value());
  Value hasColumn =
      arith::CmpIOp::create(b, k.loc, P::ult, thread, k.cIndex(n));
  Value column = k.minS(thread, k.cIndex(n - 1));
  inThread(hasColumn, [&] {
    for (int64_t j = 0; j < kStepBytes; ++j)
      k.storeByte(operandByte(/*isLhs=*/false, column, k0, j), bTile,
                  {sharedOffset(column, k.cIndex(j))});
  });
  // Lanes past N hold no column; their scale word is not read.
  NVVM::Tcgen05StOp::create(b, k.loc, /*unpack=*/false,
                            NVVM::Tcgen05LdStShape::SHAPE_32X32B,
                            tmemPointer(k.add(scaleBColumn, laneBase)),
                            scaleWord(/*isLhs=*/false, column, k0), Value());
  NVVM::Tcgen05WaitOp::create(b, k.loc, NVVM::Tcgen05WaitKind::STORE);
}

void Tcgen05KernelEmitter::issueMma(Value step) {
  // Visible to the tensor core's async proxy, ordered before the MMA.
  NVVM::FenceProxyOp::create(
      b, k.loc,
      NVVM::ProxyKindAttr::get(b.getContext(), NVVM::ProxyKind::async_shared),
      NVVM::SharedSpaceAttr::get(b.getContext(),
                                 NVVM::SharedSpace::shared_cta));
  NVVM::Tcgen05FenceOp::create(b, k.loc,
                               NVVM::Tcgen05FenceKind::BEFORE_THREAD_SYNC);
  gpu::BarrierOp::create(b, k.loc);
  NVVM::Tcgen05FenceOp::create(b, k.loc,
                               NVVM::Tcgen05FenceKind::AFTER_THREAD_SYNC);
  // Bit 23 is the scale type: 1 ue8m0, 0 ue4m3 (NVFP4).
  int64_t idesc = (descriptorType(lhsFormat, nvfp4) << 7) |
                  (descriptorType(rhsFormat, nvfp4) << 10) | ((n >> 3) << 17) |
                  (int64_t(!nvfp4) << 23) | ((kTileM >> 4) << 24);
  inThread(isThread0, [&] {
    Value accumulate =
        arith::CmpIOp::create(b, k.loc, P::ne, step, k.cIndex(0));
    NVVM::Tcgen05MMABlockScaleOp::create(
        b, k.loc,
        nvfp4 ? NVVM::MMABlockScaleKind::MXF4NVF4
              : NVVM::MMABlockScaleKind::MXF8F6F4,
        NVVM::CTAGroupKind::CTA_1,
        nvfp4 ? NVVM::Tcgen05MMABlockScale::BLOCK16
              : NVVM::Tcgen05MMABlockScale::BLOCK32,
        NVVM::Tcgen05MMACollectorOp::DISCARD, tmemPointer(tmem),
        descriptor(aTile), descriptor(bTile), k.c(idesc), accumulate,
        tmemPointer(scaleAColumn), tmemPointer(scaleBColumn));
    NVVM::Tcgen05CommitOp::create(b, k.loc, sharedPointer(barrierSlot),
                                  Value());
  });
  Value parity = k.toI32(k.remU(step, k.cIndex(2)));
  NVVM::MBarrierTryWaitParityOp::create(b, k.loc, sharedPointer(barrierSlot),
                                        parity, k.c(0x989680));
  NVVM::Tcgen05FenceOp::create(b, k.loc,
                               NVVM::Tcgen05FenceKind::AFTER_THREAD_SYNC);
}

void Tcgen05KernelEmitter::storeAccumulators(Value c) {
  auto resultType = VectorType::get({n}, k.i32());
  Value values =
      NVVM::Tcgen05LdOp::create(b, k.loc, resultType, /*pack=*/false,
                                NVVM::Tcgen05LdStShape::SHAPE_32X32B,
                                tmemPointer(k.add(tmem, laneBase)), Value());
  NVVM::Tcgen05WaitOp::create(b, k.loc, NVVM::Tcgen05WaitKind::LOAD);
  for (int64_t j = 0; j < n; ++j) {
    Value word = LLVM::ExtractElementOp::create(
        b, k.loc, values, arith::ConstantIntOp::create(b, k.loc, k.i32(), j));
    k.store(k.bitcast(k.f32(), word), c, {row, k.cIndex(j)});
  }
}

void Tcgen05KernelEmitter::releaseTensorMemory() {
  NVVM::Tcgen05FenceOp::create(b, k.loc,
                               NVVM::Tcgen05FenceKind::BEFORE_THREAD_SYNC);
  gpu::BarrierOp::create(b, k.loc);
  inThread(isWarp0, [&] {
    NVVM::Tcgen05DeallocOp::create(b, k.loc, tmemPointer(tmem), columnCount);
    NVVM::Tcgen05RelinquishAllocPermitOp::create(b, k.loc);
  });
}

void Tcgen05KernelEmitter::emit(gpu::GPUFuncOp kernel) {
  lhsCodes = kernel.getArgument(0);
  lhsScales = kernel.getArgument(1);
  rhsCodes = kernel.getArgument(2);
  rhsScales = kernel.getArgument(3);
  allocateSharedMemory(kernel);
  computeThreadIds();
  allocateTensorMemory();
  scf::ForOp::create(b, k.loc, k.cIndex(0), k.cIndex(kDim / stepK), k.cIndex(1),
                     ValueRange{},
                     [&](OpBuilder &, Location, Value step, ValueRange) {
                       stageOperands(k.mul(step, k.cIndex(stepK)));
                       issueMma(step);
                       scf::YieldOp::create(b, k.loc);
                     });
  storeAccumulators(kernel.getArgument(4));
  releaseTensorMemory();
}

void nvvm::buildTcgen05MatmulKernel(OpBuilder &b, MatmulOp op,
                                    gpu::GPUFuncOp kernel) {
  Tcgen05KernelEmitter(b, op).emit(kernel);
}
