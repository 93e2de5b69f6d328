//===- ElementwiseLowering.h - The shape of quantize/dequantize -*- C++ -*-===//
//
// What every element-conversion lowering (exact or upstream's arith ops)
// does around its per-element body: the blocked view, the scale operand,
// and the codes' storage.
//
//===----------------------------------------------------------------------===//

#ifndef MX_CONVERSION_MXCOMMON_ELEMENTWISELOWERING_H
#define MX_CONVERSION_MXCOMMON_ELEMENTWISELOWERING_H

#include "mx/Dialect/MX/Utils/BlockedLayout.h"
#include "mx/Dialect/MX/Utils/Elementwise.h"

namespace mlir::mx {

/// Per element: (layout, value of the input's element type, scale element)
/// -> i8 element code.
using QuantizeElementBody = function_ref<Value(
    OpBuilder &, Location, const BlockedLayout &, Value, Value)>;

/// The stored codes of `type` for `input` (static shape) rounded against
/// `scales` by `body`: zero-padded to whole blocks, packed as stored.
Value buildQuantizedCodes(OpBuilder &b, Location loc, BlockTensorType type,
                          Value input, Value scales, QuantizeElementBody body);

/// Per element: (i8 element code, scale element) -> value of the result type.
using DequantizeElementBody =
    function_ref<Value(OpBuilder &, Location, Value, Value)>;

/// The `resultElementType` tensor that `body` decodes from the stored codes
/// `storage` of `type` and `scales`.
Value buildDequantizedValues(OpBuilder &b, Location loc, BlockTensorType type,
                             Value storage, Value scales,
                             Type resultElementType,
                             DequantizeElementBody body);

} // namespace mlir::mx

#endif // MX_CONVERSION_MXCOMMON_ELEMENTWISELOWERING_H
