//===- MXToVector.h - mx element conversion -> vector loop kernels -*- C++ -*-//

#ifndef MX_CONVERSION_MXTOVECTOR_MXTOVECTOR_H
#define MX_CONVERSION_MXTOVECTOR_MXTOVECTOR_H

#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::mx {

/// Whether the vector kernels take `type`: static shape, E8M0 scales, blocks
/// along the innermost dimension only, that dimension a whole number of
/// blocks (FP4: of even blocks). Block i is then elements [i*k, (i+1)*k) of
/// the row-major data and scale i of the row-major scales.
bool hasVectorKernelLayout(BlockTensorType type);

/// Whether mx.quantize `op` becomes a fused vector kernel (its scales
/// computed in the kernel).
bool isVectorKernelQuantize(QuantizeOp op);

/// Whether mx.matmul `op` becomes the packed vector kernel (or the GEMV):
/// static shapes, rhs MX with E8M0 scales and lhs MX with E8M0 scales or
/// f32 (weight-only), K-blocks along K only (lhs [1, k], rhs [k, 1]), k
/// even, K a whole number of blocks, N a multiple of 16.
bool isVectorKernelMatmul(MatmulOp op);

/// Whether `features` (an LLVM feature list such as "+avx512f,+avx512bf16",
/// or "host" for this CPU's) enables `feature` (e.g. "avx512bf16").
bool hasCPUFeature(StringRef features, StringRef feature);

/// `features` as a list of "+name" / "-name" entries ("host": this CPU's
/// features, each "+name").
SmallVector<std::string> resolveCPUFeatures(StringRef features);
/// Checks that `features` is "host" or a comma-separated list of +name /
/// -name entries, with names LLVM knows for this host's architecture.
LogicalResult verifyCPUFeatures(StringRef features,
                                function_ref<InFlightDiagnostic()> emitError);

/// Patterns lowering mx.quantize (computed scales) and mx.dequantize of the
/// kernel layout to `scf.parallel` loops over blocks with vector bodies,
/// mx.matmul of the kernel layout (MX weights; MX or f32 activations) to the
/// packed kernel (`vdpbf16ps` with `avx512bf16`, f32 FMA otherwise and for
/// f32 activations; MXINT8 pairs `vpdpbusd` with `avx512vnni`; AMX tiles
/// with `amx-tile` and `amx-bf16` / `amx-int8` where Linux grants them at
/// run time, or always and built from vector ops with `emulateAMX`) or, for
/// one row, the streaming GEMV (weights looked up as bf16 pairs for
/// `vdpbf16ps` with `avx512bw` and `avx512bf16`, FP4 as f32 with
/// `avx512f`), and every other op as -convert-mx-to-linalg does. `features`
/// as for hasCPUFeature.
void populateMXToVectorConversionPatterns(const TypeConverter &converter,
                                          RewritePatternSet &patterns,
                                          StringRef features,
                                          bool emulateAMX = false);

} // namespace mlir::mx

#endif // MX_CONVERSION_MXTOVECTOR_MXTOVECTOR_H
