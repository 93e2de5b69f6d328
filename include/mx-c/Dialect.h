/*===- mx-c/Dialect.h - C interface to the mx dialect ---------------*- C -*-===*
 *
 * The mx dialect's types and attributes for C clients (the Python package,
 * other languages' bindings), in the style of upstream's mlir-c headers:
 * constructors return a null handle (mlirTypeIsNull) when the arguments break
 * a constraint, after reporting it through the context's diagnostic handlers.
 * Null and mismatched handles are errors, not crashes: an accessor given a
 * null handle or another kind of type or attribute returns a null handle, -1
 * (sizes, ranks, also for a dimension out of range) or an empty string; a
 * constructor given a null context or location returns null.
 *
 *===----------------------------------------------------------------------===*/

#ifndef MX_C_DIALECT_H
#define MX_C_DIALECT_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/** mlirGetDialectHandle__mx__(): the handle to insert into a registry or load
 *  into a context. */
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(MX, mx);

/*===----------------------------------------------------------------------===*
 * !mx.tensor
 *===----------------------------------------------------------------------===*/

/** Whether `type` is an `!mx.tensor`. */
MLIR_CAPI_EXPORTED bool mlirTypeIsAMXTensor(MlirType type);

/** The TypeID of `!mx.tensor`. */
MLIR_CAPI_EXPORTED MlirTypeID mlirMXTensorTypeGetTypeID(void);

/** `!mx.tensor<shape x elementType, block = [block], scale = scaleType>`:
 *  `rank` sizes in `shape` (ShapedType's dynamic size for `?`) and in
 *  `block`; a null `scaleType` means f8E8M0FNU. Null (with a diagnostic at
 *  `loc`) when the combination breaks one of the type's constraints T1-T7. */
MLIR_CAPI_EXPORTED MlirType mlirMXTensorTypeGetChecked(
    MlirLocation loc, intptr_t rank, const int64_t *shape,
    MlirType elementType, const int64_t *block, MlirType scaleType);

MLIR_CAPI_EXPORTED intptr_t mlirMXTensorTypeGetRank(MlirType type);
MLIR_CAPI_EXPORTED int64_t mlirMXTensorTypeGetDimSize(MlirType type,
                                                      intptr_t dim);
MLIR_CAPI_EXPORTED int64_t mlirMXTensorTypeGetBlockSize(MlirType type,
                                                        intptr_t dim);
MLIR_CAPI_EXPORTED MlirType mlirMXTensorTypeGetElementType(MlirType type);
MLIR_CAPI_EXPORTED MlirType mlirMXTensorTypeGetScaleType(MlirType type);

/** `tensor<ceil(shape / block) x scaleType>`: the scales alone. */
MLIR_CAPI_EXPORTED MlirType mlirMXTensorTypeGetScalesType(MlirType type);

/** True when the scales are stored in the swizzled layout
 *  (`scale_layout = swizzled`). */
MLIR_CAPI_EXPORTED bool mlirMXTensorTypeHasSwizzledScales(MlirType type);

/** The scales as stored once lowered: mlirMXTensorTypeGetScalesType in the
 *  row-major layout, one 1-D tensor of the padded tiles when swizzled,
 *  [N/256, ceil(K/B), 256] in the panels layout. */
MLIR_CAPI_EXPORTED MlirType mlirMXTensorTypeGetScaleStorageType(MlirType type);

/** True when codes and scales are stored in the panels layout
 *  (`layout = panels`: panels of 256 columns, each whole). */
MLIR_CAPI_EXPORTED bool mlirMXTensorTypeHasPanels(MlirType type);

/** The element codes as stored once lowered (i8; FP4 two to a byte along
 *  the innermost dimension): the tensor's shape, or [N/256, K, 256] in the
 *  panels layout (128 bytes a row for FP4). Null for a two-level tensor. */
MLIR_CAPI_EXPORTED MlirType mlirMXTensorTypeGetCodeStorageType(MlirType type);

/** The element format's name ("e4m3", "e5m2", "e3m2", "e2m3", "e2m1",
 *  "int8"; for a two-level tensor "mx9", "mx6", "mx4" with blocks of 16,
 *  else "two-level"); the string is static. */
MLIR_CAPI_EXPORTED MlirStringRef mlirMXTensorTypeGetFormatName(MlirType type);

/** Whether `type` is a two-level `!mx.tensor` (`!mx.microexp` elements);
 *  if so, writes its magnitude bits, block size, sub-block size and
 *  microexponent bits (null pointers are skipped). */
MLIR_CAPI_EXPORTED bool
mlirMXTensorTypeGetTwoLevelFormat(MlirType type, unsigned *magnitudeBits,
                                  unsigned *blockSize, unsigned *subBlockSize,
                                  unsigned *microexponentBits);

/*===----------------------------------------------------------------------===*
 * !mx.scaled
 *===----------------------------------------------------------------------===*/

/** Whether `type` is an `!mx.scaled` (a data tensor with one power-of-two
 *  scale). */
MLIR_CAPI_EXPORTED bool mlirTypeIsAMXScaledTensor(MlirType type);

/** The TypeID of `!mx.scaled`. */
MLIR_CAPI_EXPORTED MlirTypeID mlirMXScaledTensorTypeGetTypeID(void);

/** `!mx.scaled<dataType>`; null (with a diagnostic at `loc`) unless
 *  `dataType` is a ranked tensor of f32, f16, bf16, f8E4M3FN or f8E5M2. */
MLIR_CAPI_EXPORTED MlirType mlirMXScaledTensorTypeGetChecked(MlirLocation loc,
                                                             MlirType dataType);

/** The data tensor type. */
MLIR_CAPI_EXPORTED MlirType mlirMXScaledTensorTypeGetDataType(MlirType type);

/*===----------------------------------------------------------------------===*
 * Enum attributes: #mx.scale_rule<..>, #mx.rounding<..>, #mx.saturation<..>
 *===----------------------------------------------------------------------===*/

/** The attribute for `value` ("floor", "ceil", "even", "rceil"); null for any
 *  other string. */
MLIR_CAPI_EXPORTED MlirAttribute mlirMXScaleRuleAttrGet(MlirContext ctx,
                                                        MlirStringRef value);
MLIR_CAPI_EXPORTED bool mlirAttributeIsAMXScaleRule(MlirAttribute attr);
MLIR_CAPI_EXPORTED MlirStringRef mlirMXScaleRuleAttrGetValue(MlirAttribute attr);

/** "rne", "rtz" or "stochastic"; null for any other string. */
MLIR_CAPI_EXPORTED MlirAttribute mlirMXRoundingAttrGet(MlirContext ctx,
                                                       MlirStringRef value);
MLIR_CAPI_EXPORTED bool mlirAttributeIsAMXRounding(MlirAttribute attr);
MLIR_CAPI_EXPORTED MlirStringRef mlirMXRoundingAttrGetValue(MlirAttribute attr);

/** "saturate" or "nonfinite"; null for any other string. */
MLIR_CAPI_EXPORTED MlirAttribute mlirMXSaturationAttrGet(MlirContext ctx,
                                                         MlirStringRef value);
MLIR_CAPI_EXPORTED bool mlirAttributeIsAMXSaturation(MlirAttribute attr);
MLIR_CAPI_EXPORTED MlirStringRef
mlirMXSaturationAttrGetValue(MlirAttribute attr);

#ifdef __cplusplus
}
#endif

#endif /* MX_C_DIALECT_H */
