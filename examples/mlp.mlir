// Two layers of an MLP in MX formats, as a framework importer might emit them:
// the first layer's weights arrive as MXFP4 checkpoint halves (elements plus
// E8M0 scales), the second layer's as MXFP8 that is re-quantized to MXFP4,
// activations are quantized to MXFP8 E4M3 with the OCP scale rule.
//
//   mx-opt examples/mlp.mlir -mx-expand-casts -canonicalize -cse

func.func @mlp(%x: tensor<8x256xf32>,
               %w1_blocks: tensor<256x512xf4E2M1FN>,
               %w1_scales: tensor<8x512xf8E8M0FNU>,
               %w2: !mx.tensor<512x128xf8E4M3FN, block = [32, 1]>)
    -> tensor<8x128xf32> {
  // Layer 1: MXFP8 activations times MXFP4 weights, f32 result.
  %w1 = mx.pack %w1_blocks, %w1_scales
      : tensor<256x512xf4E2M1FN>, tensor<8x512xf8E8M0FNU>
      -> !mx.tensor<256x512xf4E2M1FN, block = [32, 1]>
  %xq = mx.quantize %x : tensor<8x256xf32>
      -> !mx.tensor<8x256xf8E4M3FN, block = [1, 32]>
  %h = mx.matmul %xq, %w1
      : !mx.tensor<8x256xf8E4M3FN, block = [1, 32]>,
        !mx.tensor<256x512xf4E2M1FN, block = [32, 1]> -> tensor<8x512xf32>
  %zero = arith.constant dense<0.0> : tensor<8x512xf32>
  %relu = arith.maximumf %h, %zero : tensor<8x512xf32>

  // An importer's round trip through f32: re-quantizing the values of an
  // MXFP8 tensor with the rule that made it gives the same encoding.
  %hq = mx.quantize %relu : tensor<8x512xf32>
      -> !mx.tensor<8x512xf8E4M3FN, block = [1, 32]>
  %hf = mx.dequantize %hq : !mx.tensor<8x512xf8E4M3FN, block = [1, 32]>
      -> tensor<8x512xf32>
  %hq2 = mx.quantize %hf : tensor<8x512xf32>
      -> !mx.tensor<8x512xf8E4M3FN, block = [1, 32]>

  // Layer 2: weights re-quantized to MXFP4 with the round-up scale rule,
  // then scaled by 1/4 in two steps that touch only the scales.
  %w2q = mx.cast %w2 scale_rule<rceil>
      : !mx.tensor<512x128xf8E4M3FN, block = [32, 1]>
      -> !mx.tensor<512x128xf4E2M1FN, block = [32, 1]>
  %w2h = mx.ldexp %w2q, -1 : !mx.tensor<512x128xf4E2M1FN, block = [32, 1]>
  %w2f = mx.ldexp %w2h, -1 : !mx.tensor<512x128xf4E2M1FN, block = [32, 1]>
  %y = mx.matmul %hq2, %w2f
      : !mx.tensor<8x512xf8E4M3FN, block = [1, 32]>,
        !mx.tensor<512x128xf4E2M1FN, block = [32, 1]> -> tensor<8x128xf32>
  return %y : tensor<8x128xf32>
}
