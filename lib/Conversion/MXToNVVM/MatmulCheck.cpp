//===- MatmulCheck.cpp - Which MX matmuls become which GPU kernels --------===//

#include "KernelBuilder.h"

#include "mx/Dialect/MX/Utils/PackedStorage.h"

using namespace mlir;
using namespace mlir::mx;
using namespace mlir::mx::nvvm;
namespace num = mlir::mx::numerics;

LogicalResult nvvm::checkMatmulKernel(MatmulOp op, const Chip &chip,
                                      MmaKind kind,
                                      SmallVectorImpl<Type> &arguments,
                                      LaunchShape &launch) {
  auto lhs = dyn_cast<BlockTensorType>(op.getLhs().getType());
  auto rhs = dyn_cast<BlockTensorType>(op.getRhs().getType());
  if (!lhs || !rhs)
    return op.emitOpError("GPU kernels multiply two MX tensors; weight-only "
                          "(f32 x MX) matmuls are not supported");
  if (!lhs.hasStaticShape() || !rhs.hasStaticShape())
    return op.emitOpError("GPU kernels need static shapes");
  int64_t m = lhs.getShape()[0], kDim = lhs.getShape()[1],
          n = rhs.getShape()[1];
  int64_t block = op.getBlockSizeK();
  if (lhs.getBlockShape()[0] != 1 || rhs.getBlockShape()[1] != 1)
    return op.emitOpError("GPU kernels take 1-D blocks along K (lhs [1, B], "
                          "rhs [B, 1])");
  bool lhsNVFP4 = isa<Float8E4M3FNType>(lhs.getScaleType()),
       rhsNVFP4 = isa<Float8E4M3FNType>(rhs.getScaleType());
  if (lhsNVFP4 || rhsNVFP4) {
    // kind::mxf4nvf4 at m16n8k64: both operands NVFP4, K whole steps of 64.
    if (!lhsNVFP4 || !rhsNVFP4 || lhs.getFormat() != num::ElementFormat::E2M1 ||
        rhs.getFormat() != num::ElementFormat::E2M1)
      return op.emitOpError("the NVFP4 GPU kernel multiplies two E2M1 tensors "
                            "with f8E4M3FN block scales");
    if (kind != MmaKind::BlockScale && kind != MmaKind::Tcgen05)
      return op.emitOpError("NVFP4 lowers to kind::mxf4nvf4: mma.block_scale "
                            "(mma=block-scale, on ")
             << Chip::kBlockScaleMmaChips << ") or tcgen05.mma (mma=tcgen05, "
             << "on " << Chip::kTcgen05Chips << "), not mma="
             << llvm::find_if(kMmaKindNames, [&](const auto &entry) {
                  return entry.kind == kind;
                })->name;
    if (kDim % 64 != 0)
      return op.emitOpError("the NVFP4 GPU kernel needs K a multiple of 64 "
                            "(the MMA's K), not ")
             << kDim;
  } else if (block % 32 != 0) {
    return op.emitOpError("GPU kernels need a K-block size that is a "
                          "multiple of 32 (the MMA's K), not ")
           << block;
  }
  if (kDim % block != 0)
    return op.emitOpError("GPU kernels need K (")
           << kDim << ") to be a multiple of the block size (" << block << ")";

  bool lhsInt = lhs.getFormat() == num::ElementFormat::INT8;
  bool rhsInt = rhs.getFormat() == num::ElementFormat::INT8;
  if (lhsInt != rhsInt)
    return op.emitOpError("no tensor-core instruction multiplies MXINT8 by a "
                          "floating-point MX format");
  if (lhsInt && kind != MmaKind::Sync)
    return op.emitOpError("MXINT8 has no block-scaled MMA; it lowers with "
                          "mma=sync (s8 mma.sync with per-block scales)");
  if (kind == MmaKind::BlockScale && !chip.hasBlockScaleMma())
    return op.emitOpError("mma=block-scale: ")
           << chip.name
           << " has no block-scaled mma.sync (mma.block_scale needs "
           << Chip::kBlockScaleMmaChips << ")";
  if (kind == MmaKind::Tcgen05 && !chip.hasTcgen05())
    return op.emitOpError("mma=tcgen05: ")
           << chip.name << " has no tcgen05 tensor memory (needs "
           << Chip::kTcgen05Chips << ")";

  if (kind == MmaKind::Tcgen05 && !fitsTcgen05Kernel(m, n))
    return op.emitOpError("mma=tcgen05 needs M a multiple of 128 and N a "
                          "multiple of 16 up to 128, not ")
           << m << " x " << n;
  if (kind != MmaKind::Tcgen05 && (m % 16 != 0 || n % 8 != 0))
    return op.emitOpError("GPU MMA kernels need M a multiple of 16 and N a "
                          "multiple of 8, not ")
           << m << " x " << n;
  launch = matmulLaunch(kind, m, n);

  // Codes and scales as the CPU lowering stores them (FP4 two per byte;
  // swizzled scales as one 1-D tensor of tiles).
  for (BlockTensorType operand : {lhs, rhs}) {
    RankedTensorType storage = getStorageType(operand);
    arguments.push_back(
        MemRefType::get(storage.getShape(), storage.getElementType()));
    arguments.push_back(MemRefType::get(
        operand.getScaleStorageType().getShape(), storage.getElementType()));
  }
  arguments.push_back(
      MemRefType::get({m, n}, Float32Type::get(op.getContext())));
  return success();
}
