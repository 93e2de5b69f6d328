//===- KernelBuilder.h - Scalar IR helpers for MX GPU kernels ----*- C++
//-*-===//
//
// The MX GPU kernels are written op by op (gpu ids, scf loops, memref loads,
// arith, nvvm): these helpers keep each op one short call. Also the kernel
// interface the pass and the runner share.
//
//===----------------------------------------------------------------------===//

#ifndef MX_LIB_CONVERSION_MXTONVVM_KERNELBUILDER_H
#define MX_LIB_CONVERSION_MXTONVVM_KERNELBUILDER_H

#include "Chip.h"

#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <array>

namespace mlir::mx::nvvm {

/// Scalar ops at one location.
struct KernelBuilder {
  OpBuilder &b;
  Location loc;

  Type i8() { return b.getI8Type(); }
  Type i16() { return b.getI16Type(); }
  Type i32() { return b.getI32Type(); }
  Type f32() { return b.getF32Type(); }

  Value c32(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, i32(), v);
  }
  Value c16(int64_t v) {
    return arith::ConstantIntOp::create(b, loc, i16(), v);
  }
  Value cIndex(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value cF32(float v) {
    return arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(v));
  }

  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value divU(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
  Value remU(Value x, Value y) { return arith::RemUIOp::create(b, loc, x, y); }
  Value minS(Value x, Value y) { return arith::MinSIOp::create(b, loc, x, y); }
  Value band(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value bor(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value shl(Value x, Value y) { return arith::ShLIOp::create(b, loc, x, y); }
  Value shr(Value x, Value y) { return arith::ShRUIOp::create(b, loc, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value mulF(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value addF(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value bitcast(Type t, Value x) {
    return arith::BitcastOp::create(b, loc, t, x);
  }
  Value trunc(Type t, Value x) { return arith::TruncIOp::create(b, loc, t, x); }
  Value zext(Type t, Value x) { return arith::ExtUIOp::create(b, loc, t, x); }
  Value toI32(Value index) {
    return arith::IndexCastUIOp::create(b, loc, i32(), index);
  }
  Value toIndex(Value x) {
    return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), x);
  }

  Value threadId() {
    return gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  }
  Value blockId(gpu::Dimension d) { return gpu::BlockIdOp::create(b, loc, d); }

  Value load(Value memref, ValueRange indices) {
    return memref::LoadOp::create(b, loc, memref, indices);
  }
  void store(Value value, Value memref, ValueRange indices) {
    memref::StoreOp::create(b, loc, value, memref, indices);
  }
  /// A byte of an i8 memref, zero-extended to i32.
  Value loadByte(Value memref, ValueRange indices) {
    return zext(i32(), load(memref, indices));
  }
  void storeByte(Value code, Value memref, ValueRange indices) {
    store(trunc(i8(), code), memref, indices);
  }
};

/// The code (i32) of element (row, col) of an MX operand in its storage
/// (PackedStorage.h: FP4 two per byte along rows, low nibble first).
Value loadElementCode(KernelBuilder &k, Value codes,
                      numerics::ElementFormat format, Value row, Value col);

/// The E4M3 code (i32) of an FP6 or FP4 `code` of `format`, for FP8 MMAs.
Value widenToE4M3(KernelBuilder &k, Value code, numerics::ElementFormat format);

/// The launch configuration of a generated kernel.
struct LaunchShape {
  std::array<int64_t, 3> grid = {1, 1, 1};
  std::array<int64_t, 3> block = {1, 1, 1};
};

/// The mma kernels' tiling: `warps` warps per CTA along M (16 rows each),
/// each warp `tilesN` n8 tiles along N.
struct MmaTiling {
  int64_t warps, tilesN;
  static MmaTiling of(int64_t m, int64_t n) {
    auto largest = [](int64_t v) -> int64_t {
      for (int64_t d : {4, 2})
        if (v % d == 0)
          return d;
      return 1;
    };
    return {largest(m / 16), largest(n / 8)};
  }
};

/// Matmul instruction families (the pass's `mma` option).
enum class MmaKind { Sync, BlockScale, Tcgen05 };

/// Quantize element conversion (the pass's `convert` option).
enum class ConvertKind { Auto, Hardware, Software };

/// Checks that `op` can become a kernel for `chip` (a diagnostic on `op` if
/// not) and returns the kernel's argument types and launch shape.
LogicalResult checkQuantizeKernel(QuantizeOp op, const Chip &chip,
                                  ConvertKind convert,
                                  SmallVectorImpl<Type> &arguments,
                                  LaunchShape &launch);
LogicalResult checkMatmulKernel(MatmulOp op, const Chip &chip, MmaKind kind,
                                SmallVectorImpl<Type> &arguments,
                                LaunchShape &launch);

/// Whether the tcgen05 kernel's tiling covers `op`'s shape.
bool fitsTcgen05Kernel(MatmulOp op);

/// Fills the body of `kernel` (arguments as the check returned), at the
/// builder's insertion point in its entry block.
void buildQuantizeKernel(OpBuilder &b, QuantizeOp op, gpu::GPUFuncOp kernel,
                         const Chip &chip, ConvertKind convert);
void buildMmaMatmulKernel(OpBuilder &b, MatmulOp op, gpu::GPUFuncOp kernel,
                          const Chip &chip, MmaKind kind);
void buildTcgen05MatmulKernel(OpBuilder &b, MatmulOp op, gpu::GPUFuncOp kernel);

} // namespace mlir::mx::nvvm

#endif // MX_LIB_CONVERSION_MXTONVVM_KERNELBUILDER_H
