//===- MXToLinalg.h - mx on tensors -> linalg on codes and scales -*- C++ -*-===//

#ifndef MX_CONVERSION_MXTOLINALG_MXTOLINALG_H
#define MX_CONVERSION_MXTOLINALG_MXTOLINALG_H

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::mx {

/// Converts `!mx.tensor` into (tensor<shape x i8> codes,
/// tensor<grid x scale-type> scales) and leaves other types alone.
void populateMXToLinalgTypeConversion(TypeConverter &converter);

/// Patterns lowering mx.quantize (with given scales), mx.dequantize,
/// mx.pack, mx.unpack and mx.ldexp to linalg on the converted values.
void populateMXToLinalgConversionPatterns(const TypeConverter &converter,
                                          RewritePatternSet &patterns);

/// Lowers mx.matmul (static shapes, E8M0 scales) to a per-K-block dot in f32
/// followed by scaling and f32 accumulation over the blocks.
void populateMXMatmulToLinalgConversionPatterns(const TypeConverter &converter,
                                                RewritePatternSet &patterns);

} // namespace mlir::mx

#endif // MX_CONVERSION_MXTOLINALG_MXTOLINALG_H
