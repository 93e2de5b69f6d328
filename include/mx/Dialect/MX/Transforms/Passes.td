//===- Passes.td - Transformations of the mx dialect -------*- tablegen -*-===//

#ifndef MX_DIALECT_MX_TRANSFORMS_PASSES_TD
#define MX_DIALECT_MX_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MXExpandCastsPass : Pass<"mx-expand-casts"> {
  let summary = "Rewrite mx.cast into mx.dequantize to f32 and mx.quantize";
  let description = [{
    `mx.cast` is defined as a dequantize to f32 followed by a quantize with the
    cast's scale rule, rounding, seed and saturation. This pass writes that
    definition out, so that a lowering needs to handle only `mx.quantize` and
    `mx.dequantize`, and a fusion pass can see the f32 value in between.

    Before:
    ```mlir
    %r = mx.cast %q scale_rule<rceil> : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>
           -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
    ```
    After:
    ```mlir
    %0 = mx.dequantize %q : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>
           -> tensor<64x128xf32>
    %r = mx.quantize %0 scale_rule<rceil> : tensor<64x128xf32>
           -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
    ```
  }];
  let dependentDialects = ["::mlir::mx::MXDialect"];
}

#endif // MX_DIALECT_MX_TRANSFORMS_PASSES_TD
