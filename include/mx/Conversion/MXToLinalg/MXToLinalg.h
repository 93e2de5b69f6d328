//===- MXToLinalg.h - mx on tensors -> linalg on codes and scales -*- C++
//-*-===//

#ifndef MX_CONVERSION_MXTOLINALG_MXTOLINALG_H
#define MX_CONVERSION_MXTOLINALG_MXTOLINALG_H

#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <functional>

namespace mlir::mx {

/// Converts `!mx.tensor` into (tensor<shape x i8> codes,
/// tensor<grid x scale-type> scales), `!mx.scaled` into (data tensor, f32
/// scale), and leaves other types alone.
void populateMXToLinalgTypeConversion(TypeConverter &converter);

/// Patterns lowering mx.quantize (with given scales) and mx.dequantize to
/// linalg.generic with the exact integer element arithmetic.
void populateMXElementToLinalgConversionPatterns(const TypeConverter &converter,
                                                 RewritePatternSet &patterns);

/// Patterns lowering mx.pack, mx.unpack, mx.ldexp and mx.transpose on the
/// converted values.
void populateMXStructuralToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns);

/// Patterns lowering the ops of `!mx.scaled` (scale, scaled_parts, unscale,
/// rescale, scaled_cast) on (data tensor, f32 scale) pairs.
void populateMXScaledToLinalgConversionPatterns(const TypeConverter &converter,
                                                RewritePatternSet &patterns);

/// Lowers mx.matmul (static shapes, E8M0 scales) to a per-K-block dot in f32
/// followed by scaling and f32 accumulation over the blocks.
void populateMXMatmulToLinalgConversionPatterns(const TypeConverter &converter,
                                                RewritePatternSet &patterns);

/// Rewrites every mx op in `module` (casts expanded, scales made explicit)
/// with the 1:N type conversion, through function signatures, calls and
/// returns; `populateElementPatterns` supplies the quantize/dequantize
/// lowering (exact integer arithmetic, or upstream's arith.scaling_*).
/// Quantizes for which `fusesScales` returns true keep computing their
/// scales: a pattern of `populateElementPatterns` fuses the amax.
LogicalResult applyMXTensorConversion(
    ModuleOp module,
    function_ref<void(const TypeConverter &, RewritePatternSet &)>
        populateElementPatterns,
    std::function<bool(QuantizeOp)> fusesScales = {});

} // namespace mlir::mx

#endif // MX_CONVERSION_MXTOLINALG_MXTOLINALG_H
