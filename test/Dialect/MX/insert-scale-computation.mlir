// RUN: mx-opt %s -mx-insert-scale-computation -split-input-file | FileCheck %s

// Partial blocks: pad with zeros to whole blocks, split, reduce the block dims.
// CHECK-DAG: #[[ID4:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[GRID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2)>
// CHECK-LABEL: func.func @floor_partial_block
// CHECK-SAME: (%[[X:.+]]: tensor<4x40xf32>)
// CHECK: %[[P:.+]] = tensor.pad %[[X]] low[0, 0] high[0, 24]
// CHECK: tensor<4x40xf32> to tensor<4x64xf32>
// CHECK: %[[B:.+]] = tensor.expand_shape %[[P]] {{\[\[}}0, 1], [2, 3]] output_shape [4, 1, 2, 32]
// CHECK: %[[Z:.+]] = linalg.fill
// CHECK: %[[AMAX:.+]] = linalg.generic {indexing_maps = [#[[ID4]], #[[GRID]]], iterator_types = ["parallel", "reduction", "parallel", "reduction"]} ins(%[[B]] : tensor<4x1x2x32xf32>) outs(%[[Z]] : tensor<4x2xf32>)
// CHECK: %[[NEG:.+]] = arith.negf %[[IN:.+]] : f32
// CHECK: %[[ABS:.+]] = arith.maximumf %[[IN]], %[[NEG]] : f32
// CHECK: arith.maximumf %{{.*}}, %[[ABS]] : f32
// CHECK: %[[S:.+]] = linalg.generic {{.*}} ins(%[[AMAX]] : tensor<4x2xf32>) outs(%{{.*}} : tensor<4x2xf8E8M0FNU>)
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// floor: exponent - emax (E4M3: 8), clamp, bias, NaN code.
// CHECK: arith.subi %{{.*}}, %c8_i32
// CHECK: arith.maxsi %{{.*}}, %c-127_i32
// CHECK: arith.minsi %{{.*}}, %c127_i32
// CHECK: arith.select %{{.*}}, %c255_i32
// CHECK: arith.bitcast %{{.*}} : i8 to f8E8M0FNU
// CHECK: %[[Q:.+]] = mx.quantize %[[X]] scales(%[[S]] : tensor<4x2xf8E8M0FNU>) : tensor<4x40xf32> -> !mx.tensor<4x40xf8E4M3FN, block = [1, 32]>
// CHECK: return %[[Q]]
func.func @floor_partial_block(%x: tensor<4x40xf32>) -> !mx.tensor<4x40xf8E4M3FN, block = [1, 32]> {
  %q = mx.quantize %x : tensor<4x40xf32> -> !mx.tensor<4x40xf8E4M3FN, block = [1, 32]>
  return %q : !mx.tensor<4x40xf8E4M3FN, block = [1, 32]>
}

// -----

// Whole blocks need no pad; 2-D blocks reduce two block dims; rounding
// attributes move to the new quantize, the scale rule does not.
// CHECK-LABEL: func.func @ceil_2d_blocks
// CHECK-NOT: tensor.pad
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2, 3]] output_shape [2, 32, 2, 32]
// CHECK: iterator_types = ["parallel", "reduction", "parallel", "reduction"]
// CHECK-SAME: outs(%{{.*}} : tensor<2x2xf32>)
// ceil: + (mantissa != 0)
// CHECK: arith.cmpi ne, %{{.*}}, %c0_i32
// CHECK: arith.extui
// CHECK: mx.quantize %{{.*}} scales(%{{.*}} : tensor<2x2xf8E8M0FNU>) rounding<stochastic> seed(3) saturation<nonfinite> :
func.func @ceil_2d_blocks(%x: tensor<64x64xf32>) -> !mx.tensor<64x64xf8E5M2, block = [32, 32]> {
  %q = mx.quantize %x scale_rule<ceil> rounding<stochastic> seed(3) saturation<nonfinite> : tensor<64x64xf32> -> !mx.tensor<64x64xf8E5M2, block = [32, 32]>
  return %q : !mx.tensor<64x64xf8E5M2, block = [32, 32]>
}

// -----

// even: add half an element ulp (E2M1: 1 mantissa bit -> 1 << 21), carry out.
// bf16 input: padded in bf16, extended to f32 inside the reduction.
// CHECK-LABEL: func.func @even_bf16_axis0
// CHECK: tensor.pad %{{.*}} low[0, 0] high[8, 0]
// CHECK: tensor<40x3xbf16> to tensor<48x3xbf16>
// CHECK: output_shape [3, 16, 3, 1]
// CHECK: arith.extf %{{.*}} : bf16 to f32
// CHECK: %c2097152_i32
// CHECK: arith.shrui
// CHECK: mx.quantize %{{.*}} scales(%{{.*}} : tensor<3x3xf8E8M0FNU>) : tensor<40x3xbf16>
func.func @even_bf16_axis0(%x: tensor<40x3xbf16>) -> !mx.tensor<40x3xf4E2M1FN, block = [16, 1]> {
  %q = mx.quantize %x scale_rule<even> : tensor<40x3xbf16> -> !mx.tensor<40x3xf4E2M1FN, block = [16, 1]>
  return %q : !mx.tensor<40x3xf4E2M1FN, block = [16, 1]>
}

// -----

// rceil: compare amax's mantissa with max's (INT8: 127/64 -> 0x7E0000).
// CHECK-LABEL: func.func @rceil_int8
// CHECK-DAG: %[[MAXM:.+]] = arith.constant 8257536 : i32
// CHECK: arith.cmpi ugt, %{{.*}}, %[[MAXM]]
// CHECK: mx.quantize %{{.*}} scales(
func.func @rceil_int8(%x: tensor<64xf32>) -> !mx.tensor<64xi8, block = [32]> {
  %q = mx.quantize %x scale_rule<rceil> : tensor<64xf32> -> !mx.tensor<64xi8, block = [32]>
  return %q : !mx.tensor<64xi8, block = [32]>
}

// -----

// Given scales are left alone.
// CHECK-LABEL: func.func @given_scales_untouched
// CHECK-NOT: linalg.generic
// CHECK: mx.quantize %{{.*}} scales(%{{.*}} : tensor<2xf8E8M0FNU>)
func.func @given_scales_untouched(%x: tensor<64xf32>, %s: tensor<2xf8E8M0FNU>) -> !mx.tensor<64xi8, block = [32]> {
  %q = mx.quantize %x scales(%s : tensor<2xf8E8M0FNU>) : tensor<64xf32> -> !mx.tensor<64xi8, block = [32]>
  return %q : !mx.tensor<64xi8, block = [32]>
}
