// RUN: mx-opt %s -convert-mx-to-linalg -split-input-file | FileCheck %s

// To panels: the codes as stored (FP4: 256 bytes a row) viewed as [rows,
// panels, 128] and the scale grid as [blocks, panels, 256], each
// transposed to panels first.
// CHECK-LABEL: func.func @to_panels
// CHECK-SAME: (%[[C:.+]]: tensor<64x256xi8>, %[[S:.+]]: tensor<2x512xf8E8M0FNU>) -> (tensor<2x64x128xi8>, tensor<2x2x256xf8E8M0FNU>)
// CHECK: %[[CV:.+]] = tensor.expand_shape %[[C]] {{\[\[}}0], [1, 2]] output_shape [64, 2, 128]
// CHECK: %[[CP:.+]] = linalg.transpose ins(%[[CV]] : tensor<64x2x128xi8>) outs(%{{.*}} : tensor<2x64x128xi8>) permutation = [1, 0, 2]
// CHECK: %[[SV:.+]] = tensor.expand_shape %[[S]] {{\[\[}}0], [1, 2]] output_shape [2, 2, 256]
// CHECK: %[[SP:.+]] = linalg.transpose ins(%[[SV]] : tensor<2x2x256xf8E8M0FNU>) outs(%{{.*}} : tensor<2x2x256xf8E8M0FNU>) permutation = [1, 0, 2]
// CHECK: return %[[CP]], %[[SP]]
func.func @to_panels(%q: !mx.tensor<64x512xf4E2M1FN, block = [32, 1]>) -> !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels> {
  %p = mx.convert_layout %q : !mx.tensor<64x512xf4E2M1FN, block = [32, 1]> -> !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels>
  return %p : !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels>
}

// -----

// An op that computes gets row-major storage: the dequantize of a panels
// tensor reads the matrix the transposes give back.
// CHECK-LABEL: func.func @dequantize_panels
// CHECK-SAME: (%[[C:.+]]: tensor<3x96x256xi8>, %[[S:.+]]: tensor<3x3x256xf8E8M0FNU>)
// CHECK: %[[CT:.+]] = linalg.transpose ins(%[[C]] : tensor<3x96x256xi8>) outs(%{{.*}} : tensor<96x3x256xi8>) permutation = [1, 0, 2]
// CHECK: %[[CM:.+]] = tensor.collapse_shape %[[CT]] {{\[\[}}0], [1, 2]] : tensor<96x3x256xi8> into tensor<96x768xi8>
// CHECK: %[[ST:.+]] = linalg.transpose ins(%[[S]] : tensor<3x3x256xf8E8M0FNU>) outs(%{{.*}} : tensor<3x3x256xf8E8M0FNU>) permutation = [1, 0, 2]
// CHECK: %[[SM:.+]] = tensor.collapse_shape %[[ST]] {{\[\[}}0], [1, 2]] : tensor<3x3x256xf8E8M0FNU> into tensor<3x768xf8E8M0FNU>
// CHECK: tensor.expand_shape %[[CM]]
// CHECK: linalg.generic {{.*}} ins({{.*}}, %[[SM]] : {{.*}}tensor<3x768xf8E8M0FNU>)
func.func @dequantize_panels(%q: !mx.tensor<96x768xi8, block = [32, 1], layout = panels>) -> tensor<96x768xf32> {
  %x = mx.dequantize %q : !mx.tensor<96x768xi8, block = [32, 1], layout = panels> -> tensor<96x768xf32>
  return %x : tensor<96x768xf32>
}

// -----

// A quantize into the panels layout computes row-major, then converts.
// CHECK-LABEL: func.func @quantize_panels
// CHECK: linalg.generic
// CHECK: %[[CP:.+]] = linalg.transpose ins(%{{.*}} : tensor<64x1x128xi8>) outs(%{{.*}} : tensor<1x64x128xi8>) permutation = [1, 0, 2]
// CHECK: %[[SP:.+]] = linalg.transpose ins(%{{.*}} : tensor<2x1x256xf8E8M0FNU>) outs(%{{.*}} : tensor<1x2x256xf8E8M0FNU>) permutation = [1, 0, 2]
// CHECK: return %[[CP]], %[[SP]] : tensor<1x64x128xi8>, tensor<1x2x256xf8E8M0FNU>
func.func @quantize_panels(%w: tensor<64x256xf32>) -> !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels> {
  %q = mx.quantize %w : tensor<64x256xf32> -> !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels>
  return %q : !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels>
}

// -----

// Storage ops take the layout as stored: no conversion around them.
// CHECK-LABEL: func.func @storage_panels
// CHECK-SAME: (%[[C:.+]]: tensor<1x64x128xi8>, %[[S:.+]]: tensor<1x2x256xf8E8M0FNU>)
// CHECK-NOT: linalg.transpose
// CHECK: return %[[C]], %[[S]]
func.func @storage_panels(%c: tensor<1x64x128xi8>, %s: tensor<1x2x256xf8E8M0FNU>) -> !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels> {
  %q = mx.from_storage %c, %s : tensor<1x64x128xi8>, tensor<1x2x256xf8E8M0FNU> -> !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels>
  return %q : !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels>
}

// -----

// mx.to_storage of a one-level tensor is its two converted values; of a
// quantize, the quantize's codes and scales.
// CHECK-LABEL: func.func @to_storage_panels
// CHECK-SAME: (%[[C:.+]]: tensor<1x64x128xi8>, %[[S:.+]]: tensor<1x2x256xf8E8M0FNU>)
// CHECK-NOT: linalg.transpose
// CHECK: return %[[C]], %[[S]]
func.func @to_storage_panels(%q: !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels>) -> (tensor<1x64x128xi8>, tensor<1x2x256xf8E8M0FNU>) {
  %c, %s = mx.to_storage %q : !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels> -> tensor<1x64x128xi8>, tensor<1x2x256xf8E8M0FNU>
  return %c, %s : tensor<1x64x128xi8>, tensor<1x2x256xf8E8M0FNU>
}
