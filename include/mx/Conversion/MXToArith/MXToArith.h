//===- MXToArith.h - mx quantize/dequantize to arith.scaling_* --*- C++ -*-===//

#ifndef MX_CONVERSION_MXTOARITH_MXTOARITH_H
#define MX_CONVERSION_MXTOARITH_MXTOARITH_H

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::mx {

/// Patterns lowering mx.quantize (given scales, rounding<rne>) and
/// mx.dequantize to upstream arith.scaling_truncf / arith.scaling_extf, with
/// the clamp that keeps MX saturation, on the (codes, scales) values of
/// populateMXTensorTypeConversion.
void populateMXElementToArithConversionPatterns(const TypeConverter &converter,
                                                RewritePatternSet &patterns);

} // namespace mlir::mx

#endif // MX_CONVERSION_MXTOARITH_MXTOARITH_H
