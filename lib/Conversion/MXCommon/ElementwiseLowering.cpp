//===- ElementwiseLowering.cpp - Shared shape of quantize/dequantize ------===//

#include "mx/Conversion/MXCommon/ElementwiseLowering.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"

using namespace mlir;
using namespace mlir::mx;

Value mlir::mx::buildQuantizedCodes(OpBuilder &b, Location loc,
                                    BlockTensorType type, Value input,
                                    Value scales, QuantizeElementBody body) {
  Type inputElement = cast<RankedTensorType>(input.getType()).getElementType();
  BlockedLayout layout(type);
  Value blocked = layout.toBlocked(b, loc, input, b.getZeroAttr(inputElement));
  Value codes = layout.mapWithScales(
      b, loc, blocked, scales, b.getI8Type(),
      [&](OpBuilder &nb, Location nl, Value value, Value scale) {
        return body(nb, nl, layout, value, scale);
      });
  return packCodes(b, loc, codes, type);
}

Value mlir::mx::buildDequantizedValues(OpBuilder &b, Location loc,
                                       BlockTensorType type, Value storage,
                                       Value scales, Type resultElementType,
                                       DequantizeElementBody body) {
  Value codes = unpackCodes(b, loc, storage, type);
  BlockedLayout layout(type);
  Value blocked = layout.toBlocked(b, loc, codes, b.getZeroAttr(b.getI8Type()));
  return layout.mapWithScales(b, loc, blocked, scales, resultElementType, body);
}
