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

bool mlirTypeIsAMXTensor(MlirType type) {
  return isa<BlockTensorType>(unwrap(type));
}

MlirTypeID mlirMXTensorTypeGetTypeID(void) {
  return wrap(BlockTensorType::getTypeID());
}

MlirType mlirMXTensorTypeGetChecked(MlirLocation loc, intptr_t rank,
                                    const int64_t *shape, MlirType elementType,
                                    const int64_t *block, MlirType scaleType) {
  Location location = unwrap(loc);
  Type scale = mlirTypeIsNull(scaleType)
                   ? Float8E8M0FNUType::get(location.getContext())
                   : unwrap(scaleType);
  return wrap(BlockTensorType::getChecked(
      [&] { return emitError(location); }, location.getContext(),
      ArrayRef<int64_t>(shape, rank), unwrap(elementType),
      ArrayRef<int64_t>(block, rank), scale));
}

intptr_t mlirMXTensorTypeGetRank(MlirType type) {
  return cast<BlockTensorType>(unwrap(type)).getRank();
}

int64_t mlirMXTensorTypeGetDimSize(MlirType type, intptr_t dim) {
  return cast<BlockTensorType>(unwrap(type)).getShape()[dim];
}

int64_t mlirMXTensorTypeGetBlockSize(MlirType type, intptr_t dim) {
  return cast<BlockTensorType>(unwrap(type)).getBlockShape()[dim];
}

MlirType mlirMXTensorTypeGetElementType(MlirType type) {
  return wrap(cast<BlockTensorType>(unwrap(type)).getElementType());
}

MlirType mlirMXTensorTypeGetScaleType(MlirType type) {
  return wrap(cast<BlockTensorType>(unwrap(type)).getScaleType());
}

MlirType mlirMXTensorTypeGetScalesType(MlirType type) {
  return wrap(cast<BlockTensorType>(unwrap(type)).getScalesType());
}

MlirStringRef mlirMXTensorTypeGetFormatName(MlirType type) {
  auto format = cast<BlockTensorType>(unwrap(type)).getFormat();
  return mlirStringRefCreateFromCString(
      numerics::getFormatInfo(format).name);
}

//===----------------------------------------------------------------------===//
// !mx.scaled
//===----------------------------------------------------------------------===//

bool mlirTypeIsAMXScaledTensor(MlirType type) {
  return isa<ScaledTensorType>(unwrap(type));
}

MlirTypeID mlirMXScaledTensorTypeGetTypeID(void) {
  return wrap(ScaledTensorType::getTypeID());
}

MlirType mlirMXScaledTensorTypeGetChecked(MlirLocation loc,
                                          MlirType dataType) {
  Location location = unwrap(loc);
  auto tensor = dyn_cast<RankedTensorType>(unwrap(dataType));
  if (!tensor) {
    emitError(location) << "expected a ranked tensor as the data of a scaled "
                           "tensor, but got "
                        << unwrap(dataType);
    return {nullptr};
  }
  return wrap(ScaledTensorType::getChecked([&] { return emitError(location); },
                                           location.getContext(), tensor));
}

MlirType mlirMXScaledTensorTypeGetDataType(MlirType type) {
  return wrap(cast<ScaledTensorType>(unwrap(type)).getDataType());
}

//===----------------------------------------------------------------------===//
// Enum attributes
//===----------------------------------------------------------------------===//

// One getter, isa and value accessor per enum attribute; an unknown name is a
// null attribute, not an assertion.
#define MX_DEFINE_CAPI_ENUM_ATTR(Name)                                         \
  MlirAttribute mlirMX##Name##AttrGet(MlirContext ctx, MlirStringRef value) {  \
    std::optional<Name> parsed = symbolize##Name(unwrap(value));               \
    if (!parsed)                                                               \
      return MlirAttribute{nullptr};                                           \
    return wrap(Name##Attr::get(unwrap(ctx), *parsed));                        \
  }                                                                            \
  bool mlirAttributeIsAMX##Name(MlirAttribute attr) {                          \
    return isa<Name##Attr>(unwrap(attr));                                      \
  }                                                                            \
  MlirStringRef mlirMX##Name##AttrGetValue(MlirAttribute attr) {               \
    return wrap(stringify##Name(cast<Name##Attr>(unwrap(attr)).getValue()));   \
  }

MX_DEFINE_CAPI_ENUM_ATTR(ScaleRule)
MX_DEFINE_CAPI_ENUM_ATTR(Rounding)
MX_DEFINE_CAPI_ENUM_ATTR(Saturation)
