//===- PackedStorage.h - Sub-byte element storage ---------------*- C++ -*-===//
//
// How element codes are stored in the converted program: FP4 (E2M1) codes two
// per byte along the innermost dimension, element 2i in the low nibble and
// 2i+1 in the high one (an odd extent leaves the last high nibble zero);
// every other format one code per byte (FP6 in the low six bits). A
// two-level tensor (MX9/MX6/MX4) is one tensor of packed blocks instead: its
// block grid, then the bytes of each block (!mx.microexp's description).
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_UTILS_PACKEDSTORAGE_H
#define MX_DIALECT_MX_UTILS_PACKEDSTORAGE_H

#include "mx/Dialect/MX/IR/MXTypes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <cstdint>
#include <vector>

namespace mlir::mx {

/// The tensor type that stores the element codes of `type`; for a two-level
/// `type`, its whole storage: block grid x packed block bytes.
RankedTensorType getStorageType(BlockTensorType type);

/// The codes of a constant whose values take a byte each in a dense
/// attribute (MX element types, i8, one-byte scales), row-major; a splat
/// expanded.
std::vector<uint8_t> getConstantCodes(DenseElementsAttr values);

/// The storage of constant elements (one code per element, of `type`'s
/// element type), computed at compile time: packed weights stay packed.
DenseElementsAttr packConstantCodes(DenseElementsAttr elements,
                                    BlockTensorType type);

/// One i8 code per element -> the storage of `type`.
Value packCodes(OpBuilder &b, Location loc, Value codes, BlockTensorType type);

/// The storage of `type` -> one i8 code per element.
Value unpackCodes(OpBuilder &b, Location loc, Value storage,
                  BlockTensorType type);

} // namespace mlir::mx

#endif // MX_DIALECT_MX_UTILS_PACKEDSTORAGE_H
