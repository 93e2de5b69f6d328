//===- Dialect.cpp - C interface to the mx dialect ------------------------===//

#include "mx-c/Dialect.h"

#include "mx/Dialect/MX/IR/MXAttrs.h"
#include "mx/Dialect/MX/IR/MXDialect.h"
#include "mx/Dialect/MX/IR/MXTypes.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace mlir::mx;

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(MX, mx, mlir::mx::MXDialect)

//===----------------------------------------------------------------------===//
// !mx.tensor
//===----------------------------------------------------------------------===//

// Every entry point accepts null and mismatched handles: an accessor given
// anything but its own kind of type or attribute returns a null handle, -1
// or an empty string instead of casting (undefined behaviour in a release
// build); a constructor given a null context, location or type returns null.

/// The mx tensor type of `type`, or null (a null or other type).
static BlockTensorType asBlockTensor(MlirType type) {
  return dyn_cast_if_present<BlockTensorType>(unwrap(type));
}

bool mlirTypeIsAMXTensor(MlirType type) {
  return static_cast<bool>(asBlockTensor(type));
}

MlirTypeID mlirMXTensorTypeGetTypeID(void) {
  return wrap(BlockTensorType::getTypeID());
}

MlirType mlirMXTensorTypeGetChecked(MlirLocation loc, intptr_t rank,
                                    const int64_t *shape, MlirType elementType,
                                    const int64_t *block, MlirType scaleType) {
  if (mlirLocationIsNull(loc))
    return {nullptr};
  Location location = unwrap(loc);
  if (mlirTypeIsNull(elementType) || rank < 0 ||
      (rank > 0 && (!shape || !block))) {
    emitError(location) << "mlirMXTensorTypeGetChecked: null element type, "
                           "negative rank, or null shape or block";
    return {nullptr};
  }
  Type scale = mlirTypeIsNull(scaleType)
                   ? Float8E8M0FNUType::get(location.getContext())
                   : unwrap(scaleType);
  return wrap(BlockTensorType::getChecked(
      [&] { return emitError(location); }, location.getContext(),
      ArrayRef<int64_t>(shape, rank), unwrap(elementType),
      ArrayRef<int64_t>(block, rank), scale, ScaleLayout::row_major,
      StorageLayout::row_major));
}

intptr_t mlirMXTensorTypeGetRank(MlirType type) {
  BlockTensorType tensor = asBlockTensor(type);
  return tensor ? tensor.getRank() : -1;
}

int64_t mlirMXTensorTypeGetDimSize(MlirType type, intptr_t dim) {
  BlockTensorType tensor = asBlockTensor(type);
  if (!tensor || dim < 0 || dim >= tensor.getRank())
    return -1;
  return tensor.getShape()[dim];
}

int64_t mlirMXTensorTypeGetBlockSize(MlirType type, intptr_t dim) {
  BlockTensorType tensor = asBlockTensor(type);
  if (!tensor || dim < 0 || dim >= tensor.getRank())
    return -1;
  return tensor.getBlockShape()[dim];
}

MlirType mlirMXTensorTypeGetElementType(MlirType type) {
  BlockTensorType tensor = asBlockTensor(type);
  return tensor ? wrap(tensor.getElementType()) : MlirType{nullptr};
}

MlirType mlirMXTensorTypeGetScaleType(MlirType type) {
  BlockTensorType tensor = asBlockTensor(type);
  return tensor ? wrap(tensor.getScaleType()) : MlirType{nullptr};
}

MlirType mlirMXTensorTypeGetScalesType(MlirType type) {
  BlockTensorType tensor = asBlockTensor(type);
  return tensor ? wrap(tensor.getScalesType()) : MlirType{nullptr};
}

bool mlirMXTensorTypeHasSwizzledScales(MlirType type) {
  BlockTensorType tensor = asBlockTensor(type);
  return tensor && tensor.hasSwizzledScales();
}

MlirType mlirMXTensorTypeGetScaleStorageType(MlirType type) {
  BlockTensorType tensor = asBlockTensor(type);
  return tensor ? wrap(tensor.getScaleStorageType()) : MlirType{nullptr};
}

bool mlirMXTensorTypeHasPanels(MlirType type) {
  BlockTensorType tensor = asBlockTensor(type);
  return tensor && tensor.hasPanels();
}

MlirType mlirMXTensorTypeGetCodeStorageType(MlirType type) {
  BlockTensorType tensor = asBlockTensor(type);
  return tensor && !tensor.isTwoLevel() ? wrap(tensor.getCodeStorageType())
                                        : MlirType{nullptr};
}

MlirStringRef mlirMXTensorTypeGetFormatName(MlirType type) {
  BlockTensorType tensor = asBlockTensor(type);
  if (!tensor)
    return mlirStringRefCreate(nullptr, 0);
  if (tensor.isTwoLevel()) {
    const char *name =
        numerics::nameOfSharedMicroexponentFormat(tensor.getTwoLevelFormat());
    return mlirStringRefCreateFromCString(name ? name : "two-level");
  }
  return mlirStringRefCreateFromCString(
      numerics::getFormatInfo(tensor.getFormat()).name);
}

bool mlirMXTensorTypeGetTwoLevelFormat(MlirType type, unsigned *magnitudeBits,
                                       unsigned *blockSize,
                                       unsigned *subBlockSize,
                                       unsigned *microexponentBits) {
  BlockTensorType tensor = asBlockTensor(type);
  if (!tensor || !tensor.isTwoLevel())
    return false;
  numerics::SharedMicroexponentFormat format = tensor.getTwoLevelFormat();
  for (auto [out, value] :
       {std::pair{magnitudeBits, format.magnitudeBits},
        std::pair{blockSize, format.blockSize},
        std::pair{subBlockSize, format.subBlockSize},
        std::pair{microexponentBits, format.microexponentBits}})
    if (out)
      *out = value;
  return true;
}

//===----------------------------------------------------------------------===//
// !mx.scaled
//===----------------------------------------------------------------------===//

bool mlirTypeIsAMXScaledTensor(MlirType type) {
  return isa_and_present<ScaledTensorType>(unwrap(type));
}

MlirTypeID mlirMXScaledTensorTypeGetTypeID(void) {
  return wrap(ScaledTensorType::getTypeID());
}

MlirType mlirMXScaledTensorTypeGetChecked(MlirLocation loc,
                                          MlirType dataType) {
  if (mlirLocationIsNull(loc))
    return {nullptr};
  Location location = unwrap(loc);
  auto tensor = dyn_cast_if_present<RankedTensorType>(unwrap(dataType));
  if (!tensor) {
    InFlightDiagnostic diagnostic = emitError(location);
    diagnostic << "expected a ranked tensor as the data of a scaled tensor, "
                  "but got ";
    if (mlirTypeIsNull(dataType))
      diagnostic << "a null type";
    else
      diagnostic << unwrap(dataType);
    return {nullptr};
  }
  return wrap(ScaledTensorType::getChecked([&] { return emitError(location); },
                                           location.getContext(), tensor));
}

MlirType mlirMXScaledTensorTypeGetDataType(MlirType type) {
  auto scaled = dyn_cast_if_present<ScaledTensorType>(unwrap(type));
  return scaled ? wrap(scaled.getDataType()) : MlirType{nullptr};
}

//===----------------------------------------------------------------------===//
// Enum attributes
//===----------------------------------------------------------------------===//

// One getter, isa and value accessor per enum attribute; an unknown name or
// a null context is a null attribute, not an assertion.
#define MX_DEFINE_CAPI_ENUM_ATTR(Name)                                         \
  MlirAttribute mlirMX##Name##AttrGet(MlirContext ctx, MlirStringRef value) {  \
    if (mlirContextIsNull(ctx) || (!value.data && value.length))               \
      return MlirAttribute{nullptr};                                           \
    std::optional<Name> parsed = symbolize##Name(unwrap(value));               \
    if (!parsed)                                                               \
      return MlirAttribute{nullptr};                                           \
    return wrap(Name##Attr::get(unwrap(ctx), *parsed));                        \
  }                                                                            \
  bool mlirAttributeIsAMX##Name(MlirAttribute attr) {                          \
    return isa_and_present<Name##Attr>(unwrap(attr));                          \
  }                                                                            \
  MlirStringRef mlirMX##Name##AttrGetValue(MlirAttribute attr) {               \
    auto typed = dyn_cast_if_present<Name##Attr>(unwrap(attr));                \
    if (!typed)                                                                \
      return mlirStringRefCreate(nullptr, 0);                                  \
    return wrap(stringify##Name(typed.getValue()));                            \
  }

MX_DEFINE_CAPI_ENUM_ATTR(ScaleRule)
MX_DEFINE_CAPI_ENUM_ATTR(Rounding)
MX_DEFINE_CAPI_ENUM_ATTR(Saturation)
