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
