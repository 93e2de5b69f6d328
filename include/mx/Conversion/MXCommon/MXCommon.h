//===- MXCommon.h - The base every CPU lowering of mx shares ----*- C++ -*-===//
//
// The CPU lowerings (convert-mx-to-linalg, -arith, -vector) differ only in
// how they convert elements (and in the kernels they add). Everything else
// is here: the 1:N type conversion of mx values into (codes, scales), the
// driver that applies it through functions, calls and returns, and the
// linalg patterns for the ops no lowering specializes.
//
//===----------------------------------------------------------------------===//

#ifndef MX_CONVERSION_MXCOMMON_MXCOMMON_H
#define MX_CONVERSION_MXCOMMON_MXCOMMON_H

#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <functional>

namespace mlir::mx {

/// Converts `!mx.tensor` into (tensor<shape x i8> codes,
/// tensor<grid x scale-type> scales, 1-D when swizzled), a two-level one
/// (MX9/MX6/MX4) into its one tensor of packed blocks, `!mx.scaled` into (data
/// tensor, f32 scale), and leaves other types alone.
void populateMXTensorTypeConversion(TypeConverter &converter);

/// The converted value of an optional operand (e.g. a quantize's
/// tensor_scale): its one value, or null where the operand is absent.
inline Value optionalOperand(ValueRange converted) {
  return converted.empty() ? Value() : converted.front();
}

/// Patterns lowering mx.quantize (with given scales) and mx.dequantize to
/// linalg.generic with the exact integer element arithmetic; with them the
/// two-level ones below.
void populateMXElementToLinalgConversionPatterns(const TypeConverter &converter,
                                                 RewritePatternSet &patterns);

/// Patterns lowering mx.quantize and mx.dequantize of two-level tensors
/// (MX9/MX6/MX4, computed exponents) to linalg on their packed blocks.
void populateMXTwoLevelToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns);

/// `input` (a static tensor) with its dimensions permuted, as
/// linalg.transpose into a new tensor: how mx.transpose moves codes and
/// scales.
Value buildTensorTranspose(OpBuilder &b, Location loc, Value input,
                           ArrayRef<int64_t> permutation);

/// Patterns lowering mx.pack, mx.unpack, mx.from_storage, mx.to_storage,
/// mx.ldexp and mx.transpose on the converted values.
void populateMXStructuralToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns);

/// Patterns lowering the ops of `!mx.scaled` (scale, scaled_parts, unscale,
/// rescale, scaled_cast) on (data tensor, f32 scale) pairs.
void populateMXScaledToLinalgConversionPatterns(const TypeConverter &converter,
                                                RewritePatternSet &patterns);

/// Lowers mx.hadamard to one linalg.generic per op, with the butterfly
/// order of lib/Numerics/Hadamard.
void populateMXHadamardToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns);

/// Lowers mx.matmul (static shapes, E8M0 scales) to a per-K-block dot in f32
/// followed by scaling and f32 accumulation over the blocks.
void populateMXMatmulToLinalgConversionPatterns(const TypeConverter &converter,
                                                RewritePatternSet &patterns);

/// Lowers mx.tensor_scale (NVFP4's amax / 2688) to a linalg reduction.
void populateMXTensorScaleToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns);

/// Rewrites mx.matmul alpha(%a) into the product without alpha times %a, so
/// that every lowering's kernels see plain products.
void populateMXMatmulAlphaPatterns(RewritePatternSet &patterns);

/// Lowers mx.convert_scale_layout to reshapes and one transpose of the scale
/// bytes.
void populateMXScaleLayoutToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns);

/// Lowers mx.convert_layout to reshapes and one transpose of the codes and
/// one of the scales.
void populateMXStorageLayoutToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns);

/// Gives every mx op that computes (all but pack, unpack, from_storage,
/// to_storage and the layout conversions) row-major storage: swizzled and
/// `panels` operands and results go through explicit
/// mx.convert_scale_layout and mx.convert_layout ops, so no kernel reads
/// those layouts, except the `panels` operands of the ops for which
/// `keepsPanels` returns true (a kernel that reads them).
void populateMXRowMajorLayoutPatterns(
    RewritePatternSet &patterns,
    std::function<bool(Operation *)> keepsPanels = {});

/// What a lowering adds to the shared driver.
struct MXTensorLowering {
  /// Its element patterns (quantize/dequantize: exact integer arithmetic,
  /// upstream's arith.scaling_*, vector kernels) and any others (kernels
  /// for matmul), tried ahead of the shared ones by their benefit.
  std::function<void(const TypeConverter &, RewritePatternSet &)> populate;
  /// Quantizes for which this returns true keep computing their scales: a
  /// pattern of `populate` fuses the amax.
  std::function<bool(QuantizeOp)> fusesScales = {};
  /// The ops its patterns create beyond arith, linalg and tensor (e.g.
  /// target instructions), marked legal here.
  std::function<void(ConversionTarget &)> addLegalOps = {};
  /// Ops whose `panels` operands its kernels read as they are stored.
  std::function<bool(Operation *)> keepsPanels = {};
};

/// Rewrites every mx op in `module` (casts expanded, scales made explicit)
/// with the 1:N type conversion, through function signatures, calls and
/// returns: the lowering's patterns, then the structural, matmul, scaled,
/// Hadamard and tensor-scale patterns above (after matmul alphas are split
/// off and swizzled scales and panels converted to row-major around the
/// ops that compute). Dynamically shaped mx ops are an error naming the type.
LogicalResult applyMXTensorConversion(ModuleOp module,
                                      const MXTensorLowering &lowering);

} // namespace mlir::mx

#endif // MX_CONVERSION_MXCOMMON_MXCOMMON_H
