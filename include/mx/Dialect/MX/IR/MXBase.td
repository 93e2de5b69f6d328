//===- MXBase.td - The mx dialect and its enums ------------*- tablegen -*-===//

#ifndef MX_DIALECT_MX_IR_MXBASE_TD
#define MX_DIALECT_MX_IR_MXBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/EnumAttr.td"

def MX_Dialect : Dialect {
  let name = "mx";
  let cppNamespace = "::mlir::mx";
  // Canonicalization folds the quantize of a constant into arith.constants.
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let summary = "Microscaling (MX) block-scaled tensors and their operations";
  let description = [{
    The `mx` dialect models tensors in the block-scaled number formats of the
    OCP Microscaling Formats (MX) v1.0 specification: every block of k
    elements (k = 32 in OCP MX) shares one power-of-two scale in E8M0, and
    each element is an FP8 (E4M3, E5M2), FP6 (E3M2, E2M3), FP4 (E2M1) or
    INT8 number.

    A block-scaled tensor is one SSA value of type `!mx.tensor`, holding both
    its elements and its scales, so that passes reason about "an MX tensor"
    rather than two loose tensors. `mx.quantize` and `mx.dequantize` move
    between ordinary float tensors and MX tensors following the numeric
    contract of the project (`docs/Numerics.md`): round-to-nearest-even,
    saturation to the largest element, NaN/Inf blocks get a NaN scale.
    `mx.pack` and `mx.unpack` expose the two halves for interoperation with
    frameworks that store MX data as an element tensor plus a scale tensor.

    ```mlir
    %q = mx.quantize %x : tensor<64x128xf32>
           -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
    %w = mx.quantize %y : tensor<128x256xf32>
           -> !mx.tensor<128x256xf8E4M3FN, block = [32, 1]>
    %c = mx.matmul %q, %w : !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>,
           !mx.tensor<128x256xf8E4M3FN, block = [32, 1]> -> tensor<64x256xf32>
    ```
  }];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  // mx.tensor_scale folds to an f32 scalar, an arith.constant.
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
    // Defined beside the types and attributes, whose storage classes they need.
    void registerTypes();
    void registerAttributes();
  }];
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

def MX_ScaleRule : I32EnumAttr<"ScaleRule",
    "how a block's shared exponent is derived from its largest magnitude", [
      I32EnumAttrCase<"floor", 0>,
      I32EnumAttrCase<"ceil", 1>,
      I32EnumAttrCase<"even", 2>,
      I32EnumAttrCase<"rceil", 3>,
      I32EnumAttrCase<"quotient", 4>
    ]> {
  let cppNamespace = "::mlir::mx";
  let genSpecializedAttr = 0;
}

def MX_Rounding : I32EnumAttr<"Rounding",
    "how an element value is rounded to the element format", [
      I32EnumAttrCase<"rne", 0>,
      I32EnumAttrCase<"rtz", 1>,
      I32EnumAttrCase<"stochastic", 2>
    ]> {
  let cppNamespace = "::mlir::mx";
  let genSpecializedAttr = 0;
}

def MX_Saturation : I32EnumAttr<"Saturation",
    "what a finite element beyond the format's largest value becomes", [
      I32EnumAttrCase<"saturate", 0>,
      I32EnumAttrCase<"nonfinite", 1>
    ]> {
  let cppNamespace = "::mlir::mx";
  let genSpecializedAttr = 0;
}

def MX_ScaleLayout : I32EnumAttr<"ScaleLayout",
    "how the scales of a block-scaled tensor are stored", [
      I32EnumAttrCase<"row_major", 0>,
      I32EnumAttrCase<"swizzled", 1>
    ]> {
  let cppNamespace = "::mlir::mx";
  let genSpecializedAttr = 0;
}

def MX_StorageLayout : I32EnumAttr<"StorageLayout",
    "how the codes and scales of a block-scaled tensor are ordered in memory", [
      I32EnumAttrCase<"row_major", 0>,
      I32EnumAttrCase<"panels", 1>
    ]> {
  let cppNamespace = "::mlir::mx";
  let genSpecializedAttr = 0;
}

def MX_RescaleNorm : I32EnumAttr<"RescaleNorm",
    "the statistic of a tensor's data that a dynamic rescale divides out", [
      I32EnumAttrCase<"max", 0>,
      I32EnumAttrCase<"l1", 1>,
      I32EnumAttrCase<"l2", 2>
    ]> {
  let cppNamespace = "::mlir::mx";
  let genSpecializedAttr = 0;
}

#endif // MX_DIALECT_MX_IR_MXBASE_TD
