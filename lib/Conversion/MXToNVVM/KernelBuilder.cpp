//===- KernelBuilder.cpp - Operand element codes for MX GPU kernels -------===//

#include "KernelBuilder.h"

#include "mx/Dialect/MX/Utils/ElementCodes.h"

using namespace mlir;
using namespace mlir::mx;
using namespace mlir::mx::nvvm;
namespace num = mlir::mx::numerics;

Value nvvm::loadElementCode(KernelBuilder &k, Value codes,
                            num::ElementFormat format, Value row, Value col) {
  if (format != num::ElementFormat::E2M1)
    return k.loadByte(codes, {row, col});
  Value byte = k.loadByte(codes, {row, k.divU(col, k.cIndex(2))});
  Value odd = k.toI32(k.remU(col, k.cIndex(2)));
  return k.band(k.shr(byte, k.shl(odd, k.c(2))), k.c(0xF));
}

SmallVector<Value> nvvm::scaleIndices(KernelBuilder &k, BlockTensorType type,
                                      Value gridRow, Value gridCol) {
  if (!type.hasSwizzledScales())
    return {gridRow, gridCol};
  bool blocksAlongRows = type.getBlockedAxis() == 0;
  Value r = blocksAlongRows ? gridCol : gridRow;
  Value c = blocksAlongRows ? gridRow : gridCol;
  int64_t tileColumns = llvm::divideCeil(type.getScaleMatrixShape().second, 4);
  // ((r / 128) * tileColumns + c / 4) * 512 + (r % 32) * 16 +
  // (r / 32 % 4) * 4 + c % 4
  Value tile = k.add(k.mul(k.divU(r, k.cIndex(128)), k.cIndex(tileColumns)),
                     k.divU(c, k.cIndex(4)));
  Value lane = k.mul(k.remU(r, k.cIndex(32)), k.cIndex(16));
  Value quarter =
      k.mul(k.remU(k.divU(r, k.cIndex(32)), k.cIndex(4)), k.cIndex(4));
  return {k.add(k.add(k.mul(tile, k.cIndex(512)), lane),
                k.add(quarter, k.remU(c, k.cIndex(4))))};
}

Value nvvm::loadScaleByte(KernelBuilder &k, Value scales, BlockTensorType type,
                          Value gridRow, Value gridCol) {
  return k.loadByte(scales, scaleIndices(k, type, gridRow, gridCol));
}

Value nvvm::widenToE4M3(KernelBuilder &k, Value code,
                        num::ElementFormat format) {
  // Decode with scale code 127 (1.0), encode as E4M3: exact, since E4M3
  // holds every FP6 and FP4 value.
  Value unit = k.c(127);
  Value value = buildDecodeElement(k.b, k.loc, code, unit, format);
  return buildEncodeElement(k.b, k.loc, value, unit, k.c(0),
                            {num::ElementFormat::E4M3,
                             num::Rounding::NearestEven,
                             num::Saturation::Saturate});
}
