//===- KernelBuilder.h - Scalar IR helpers for MX GPU kernels ---*- C++ -*-===//
//
// The MX GPU kernels are written op by op (gpu ids, scf loops, memref loads,
// arith, nvvm): these helpers keep each op one short call. The chip facts
// and launch shapes are lib/Target's (mx/Target/NVVMTarget.h).
//
//===----------------------------------------------------------------------===//

#ifndef MX_LIB_CONVERSION_MXTONVVM_KERNELBUILDER_H
#define MX_LIB_CONVERSION_MXTONVVM_KERNELBUILDER_H

#include "mx/Target/NVVMTarget.h"

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Utils/ArithEmitter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir::mx::nvvm {

/// Scalar ops at one location: the shared arith vocabulary (integer
/// constants of i32 by default) plus gpu ids and memref accesses.
struct KernelBuilder : ArithEmitter {
  KernelBuilder(OpBuilder &b, Location loc) : ArithEmitter(b, loc) {}

  Type i8() { return b.getI8Type(); }
  Type i16() { return b.getI16Type(); }
  Type i32() { return b.getI32Type(); }
  Type f32() { return b.getF32Type(); }

  Value toI32(Value index) { return indexCast(i32(), index); }
  Value toIndex(Value x) { return indexCast(b.getIndexType(), x); }

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

/// The memref indices of block (gridRow, gridCol) of `type`'s scales: the
/// pair itself for row-major scales, the one byte offset of
/// numerics::swizzledScaleOffset (of the unblocked, blocked matrix) when
/// swizzled.
SmallVector<Value> scaleIndices(KernelBuilder &k, BlockTensorType type,
                                Value gridRow, Value gridCol);

/// The scale byte (i32) of block (gridRow, gridCol), in either layout.
Value loadScaleByte(KernelBuilder &k, Value scales, BlockTensorType type,
                    Value gridRow, Value gridCol);

/// The E4M3 code (i32) of an FP6 or FP4 `code` of `format`, for FP8 MMAs.
Value widenToE4M3(KernelBuilder &k, Value code, numerics::ElementFormat format);

/// Checks that `op` can become a kernel for `chip` (a diagnostic on `op` if
/// not) and returns the kernel's argument types and launch shape.
LogicalResult checkQuantizeKernel(QuantizeOp op, const Chip &chip,
                                  ConvertKind convert,
                                  SmallVectorImpl<Type> &arguments,
                                  LaunchShape &launch);
LogicalResult checkMatmulKernel(MatmulOp op, const Chip &chip, MmaKind kind,
                                SmallVectorImpl<Type> &arguments,
                                LaunchShape &launch);

/// Fills the body of `kernel` (arguments as the check returned), at the
/// builder's insertion point in its entry block.
void buildQuantizeKernel(OpBuilder &b, QuantizeOp op, gpu::GPUFuncOp kernel,
                         const Chip &chip, ConvertKind convert);
void buildMmaMatmulKernel(OpBuilder &b, MatmulOp op, gpu::GPUFuncOp kernel,
                          const Chip &chip, MmaKind kind);
void buildTcgen05MatmulKernel(OpBuilder &b, MatmulOp op, gpu::GPUFuncOp kernel);

} // namespace mlir::mx::nvvm

#endif // MX_LIB_CONVERSION_MXTONVVM_KERNELBUILDER_H
