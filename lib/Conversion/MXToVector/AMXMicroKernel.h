//===- AMXMicroKernel.h - mx.matmul tiles of C on AMX -------------*- C++ -*-//
//
// The packed GEMM's (MatmulKernel.cpp) micro-kernel on Intel AMX: per
// K-block, 16 x 16 f32 (or i32) block dots from `tdpbf16ps` (bf16 pairs) or
// `tdpbusd` (MXINT8 codes as u8 x s8) in tile registers, stored to a scratch
// buffer, then scaled by the two block scales and added to the totals with
// vector ops, in the order of the AVX-512 micro-kernel (same bits where block
// dots are exact). With `emulate`, the four tile instructions are built from
// vector ops that follow their definition in Intel's SDM, so the tiling and
// the operand layouts can be run and checked on any CPU.
//
//===----------------------------------------------------------------------===//

#ifndef MX_LIB_CONVERSION_MXTOVECTOR_AMXMICROKERNEL_H
#define MX_LIB_CONVERSION_MXTOVECTOR_AMXMICROKERNEL_H

#include "mlir/IR/Builders.h"

#include <string>

namespace mlir::mx {

/// Rows of C per AMX micro-kernel: two tiles of 16.
constexpr int64_t kAMXRows = 32;
/// K values per tile multiply (one 64-byte bf16 row; 32 bytes of int8): the
/// K-block size the AMX kernel takes (MX's).
constexpr int64_t kAMXDepth = 32;

/// The packed operands of MatmulKernel.cpp, as the AMX micro-kernel reads
/// them. A: row-major, kAMXRows-padded rows (bf16, or integer values ^ 0x80);
/// B: panels of 16 * columnTiles columns, each K step's pair (bf16) or quad
/// (int8) of a column adjacent.
struct AMXOperands {
  bool int8; // tdpbusd, else tdpbf16ps
  int64_t columnTiles;
  int64_t M, K, N, G; // K-blocks of kAMXDepth
  Value packedA, packedB;
  Value scalesA, scalesB; // f32, [m][g] and [g][n]
  Value dotBiases;        // int8: i32 [g][n], what each block dot starts from
  Value c;                // flat f32 result, M x N
};

/// A call of a new private function of `module` that computes C from
/// `operands` (C's row tiles x panels in one scf.parallel). The AMX
/// instructions are in that function alone, compiled for `features` (LLVM
/// takes a function's list instead of the target's; AMX code also ends in
/// `tilerelease`, which faults where AMX is absent, so the caller must
/// call it only where Linux grants the tiles). With `emulate`, the tiles are
/// vector ops and `features` is not used.
void buildAMXMatmul(OpBuilder &b, Location loc, Operation *module,
                    const AMXOperands &operands, bool emulate,
                    ArrayRef<std::string> features);

/// An i1: whether Linux grants this process AMX tile data
/// (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0; it is refused
/// where the CPU or the kernel has no AMX). Declares @arch_prctl in `module`;
/// null where the module already has a symbol of that name of another type.
Value buildAMXPermissionRequest(OpBuilder &b, Location loc, Operation *module);

} // namespace mlir::mx

#endif // MX_LIB_CONVERSION_MXTOVECTOR_AMXMICROKERNEL_H
