//===- MXToVector.h - mx element conversion -> vector loop kernels -*- C++ -*-//

#ifndef MX_CONVERSION_MXTOVECTOR_MXTOVECTOR_H
#define MX_CONVERSION_MXTOVECTOR_MXTOVECTOR_H

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Target/CPUTarget.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::mx {

/// The block size k of `type` when its blocks run along the innermost
/// dimension only and that dimension is whole blocks (static shape, one
/// level); else 0.
int64_t wholeBlocksAlongLastAxis(BlockTensorType type);

/// Whether the vector kernels take `type`: static shape, E8M0 scales, blocks
/// along the innermost dimension only, that dimension a whole number of
/// blocks (FP4: of even blocks). Block i is then elements [i*k, (i+1)*k) of
/// the row-major data and scale i of the row-major scales.
bool hasVectorKernelLayout(BlockTensorType type);

/// Whether mx.quantize `op` becomes a fused vector kernel (its scales
/// computed in the kernel).
bool isVectorKernelQuantize(QuantizeOp op);

/// Whether mx.quantize `op` becomes the tile kernel (its scales computed in
/// the kernel): static, f32 scales (FP8 tiles) or NVFP4's E4M3 ones, 1-D
/// tiles along the last axis of a multiple of 16 up to 512 elements, whole
/// tiles.
bool isTileKernelQuantize(QuantizeOp op);
/// Whether `op`'s blocks run down whole columns (`[.., k, 1]`, rows of whole
/// 16-lane groups) for the column kernel.
bool isColumnKernelQuantize(QuantizeOp op);

/// Whether mx.matmul `op` becomes the packed vector kernel (or the GEMV):
/// static shapes, rhs MX with E8M0 scales and lhs MX with E8M0 scales or
/// f32 (weight-only), K-blocks along K only (lhs [1, k], rhs [k, 1]), k
/// even, K a whole number of blocks, N a multiple of 16 (any N where
/// `wholePanels` is false: padMatmulColumns widens the rhs).
bool isVectorKernelMatmul(MatmulOp op, bool wholePanels = true);
/// isVectorKernelMatmul for a product of `lhs` (MX or f32) and `rhs`.
bool isVectorKernelProduct(Type lhs, BlockTensorType rhs,
                           bool wholePanels = true);

/// Whether mx.matmul `op` becomes the packed kernel on f32 values: f32 lhs,
/// rhs two-level (no MXINT8 blocks: MX9, or more than one microexponent
/// bit) with blocks of 16 along K only, static shapes; the rhs is decoded to
/// its exact f32 values (any N: the kernel widens it to whole panels).
bool isTwoLevelRhsKernelMatmul(MatmulOp op);

/// Whether every MX operand of `op` has E8M0 (power-of-two) block scales,
/// as the GEMV kernel, folded scales and the exponent path need.
bool hasPowerOfTwoScales(MatmulOp op);

/// Whether mx.matmul `op` becomes the GEMV kernel: one row (M = 1) of a
/// vector-kernel product with E8M0 scales, N a multiple of 256. The GEMV
/// reads an rhs in the `panels` layout as it is stored.
bool isGemvKernelMatmul(MatmulOp op);

/// Gives each GEMV under `root` whose rhs is an mx.pack of constants that
/// rhs in the `panels` layout, through an mx.convert_layout that folds into
/// the constants: reordered once, at compile time.
void storeGemvWeightsInPanels(Operation *root);

/// Rewrites each mx.matmul under `root` whose rhs has 2-D blocks (K_b x
/// N_b: FP8 weight blocks) into one whose rhs has K_b x 1 blocks, each
/// column repeating its block's scale, where the packed kernel takes that:
/// the same values (constant weights' scales repeated at compile time).
void splitMatmulWeightBlocks(Operation *root);

/// Rewrites each mx.matmul under `root` with a two-level operand into one
/// the packed kernel takes, where one exists: MX6/MX4-like operands (at most
/// one microexponent bit, m <= 6) as the MXINT8 tensor of the same blocks
/// (exact), another two-level lhs as its f32 values; with another two-level
/// rhs (isTwoLevelRhsKernelMatmul), the lhs as its f32 values, whatever it
/// is.
void rewriteTwoLevelMatmulOperands(Operation *root);

/// Rewrites each mx.matmul under `root` that the packed kernel would take
/// but for N not being a multiple of 16 into the product with the rhs
/// widened by zero columns (constant weights at compile time), sliced back
/// to N columns: the same sums.
void padMatmulColumns(Operation *root);

/// Choices of the matmul kernels that the target does not make.
struct MatmulKernelOptions {
  /// AMX tile instructions built from vector ops that follow their
  /// definition, taken without asking Linux for the tiles (tests the AMX
  /// tiling on any CPU).
  bool emulateAMX = false;
  /// Constant weights (an mx.pack of constants) packed at compile time into
  /// constant globals in the kernel's operand form (1 byte per element for
  /// integer dots, 2 for bf16, 4 for f32) instead of on every call; off,
  /// the program keeps them in MX and packs them per call.
  bool prepackWeights = false;
};

/// Patterns lowering mx.quantize (computed scales) and mx.dequantize of the
/// kernel layout to `scf.parallel` loops over blocks with vector bodies,
/// mx.matmul of the kernel layout (MX weights; MX or f32 activations) to the
/// packed kernel or, for one row, the streaming GEMV, each with the units
/// `target` has (cpu::KernelUnits: vdpbf16ps, vpdpbusd, AMX tiles where
/// Linux grants them at run time, or always and built from vector ops with
/// `options.emulateAMX`; bf16 pair or f32 lookups in the GEMV), and every
/// other op as -convert-mx-to-linalg does.
void populateMXToVectorConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns,
    const cpu::CPUTarget &target, const MatmulKernelOptions &options = {});

/// The module attribute in which convert-mx-to-vector records the states of
/// the CPU features its kernels were chosen by ("+avx512f,-avx512bf16,...").
inline constexpr llvm::StringLiteral kCPUKernelFeaturesAttrName =
    "mx.cpu_kernel_features";

} // namespace mlir::mx

#endif // MX_CONVERSION_MXTOVECTOR_MXTOVECTOR_H
