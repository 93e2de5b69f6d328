// RUN: mx-opt %s -convert-mx-to-linalg -split-input-file | FileCheck %s

// To swizzled: the scale bytes as i8, padded to 256 x 4 with zeros, viewed
// as [row tile, quarter, lane, column tile, c] and transposed to [row tile,
// column tile, lane, quarter, c]; the codes pass through.
// CHECK-LABEL: func.func @to_swizzled
// CHECK-SAME: (%[[C:.+]]: tensor<200x48xi8>, %[[S:.+]]: tensor<200x3xf8E8M0FNU>) -> (tensor<200x48xi8>, tensor<1024xf8E8M0FNU>)
// CHECK: %[[B:.+]] = arith.bitcast %[[S]] : tensor<200x3xf8E8M0FNU> to tensor<200x3xi8>
// CHECK: %[[Z:.+]] = linalg.fill {{.*}} -> tensor<256x4xi8>
// CHECK: %[[P:.+]] = tensor.insert_slice %[[B]] into %[[Z]][0, 0] [200, 3] [1, 1]
// CHECK: %[[V:.+]] = tensor.expand_shape %[[P]] {{\[\[}}0, 1, 2], [3, 4]] output_shape [2, 4, 32, 1, 4]
// CHECK: %[[T:.+]] = linalg.transpose ins(%[[V]] : tensor<2x4x32x1x4xi8>) outs(%{{.*}} : tensor<2x1x32x4x4xi8>) permutation = [0, 3, 2, 1, 4]
// CHECK: %[[F:.+]] = tensor.collapse_shape %[[T]] {{\[\[}}0, 1, 2, 3, 4]] : tensor<2x1x32x4x4xi8> into tensor<1024xi8>
// CHECK: %[[R:.+]] = arith.bitcast %[[F]] : tensor<1024xi8> to tensor<1024xf8E8M0FNU>
// CHECK: return %[[C]], %[[R]]
func.func @to_swizzled(%q: !mx.tensor<200x96xf4E2M1FN, block = [1, 32]>) -> !mx.tensor<200x96xf4E2M1FN, block = [1, 32], scale_layout = swizzled> {
  %s = mx.convert_scale_layout %q : !mx.tensor<200x96xf4E2M1FN, block = [1, 32]> -> !mx.tensor<200x96xf4E2M1FN, block = [1, 32], scale_layout = swizzled>
  return %s : !mx.tensor<200x96xf4E2M1FN, block = [1, 32], scale_layout = swizzled>
}

// -----

// Blocks along the rows: the layout's rows are the tensor's columns, so the
// block grid is transposed back after the tiles are undone and the padding
// dropped.
// CHECK-LABEL: func.func @to_row_major_rhs
// CHECK-SAME: (%[[C:.+]]: tensor<64x80xi8>, %[[S:.+]]: tensor<1024xf8E4M3FN>) -> (tensor<64x80xi8>, tensor<4x160xf8E4M3FN>)
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2, 3, 4]] output_shape [2, 1, 32, 4, 4]
// CHECK: linalg.transpose {{.*}} permutation = [0, 3, 2, 1, 4]
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1, 2], [3, 4]] : tensor<2x4x32x1x4xi8> into tensor<256x4xi8>
// CHECK: %[[M:.+]] = tensor.extract_slice %{{.*}}[0, 0] [160, 4] [1, 1] : tensor<256x4xi8> to tensor<160x4xi8>
// CHECK: linalg.transpose ins(%[[M]] : tensor<160x4xi8>) outs(%{{.*}} : tensor<4x160xi8>) permutation = [1, 0]
func.func @to_row_major_rhs(%q: !mx.tensor<64x160xf4E2M1FN, block = [16, 1], scale = f8E4M3FN, scale_layout = swizzled>) -> !mx.tensor<64x160xf4E2M1FN, block = [16, 1], scale = f8E4M3FN> {
  %r = mx.convert_scale_layout %q : !mx.tensor<64x160xf4E2M1FN, block = [16, 1], scale = f8E4M3FN, scale_layout = swizzled> -> !mx.tensor<64x160xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>
  return %r : !mx.tensor<64x160xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>
}

// -----

// An op that computes with scales gets them row-major: the dequantize of a
// swizzled tensor reads the unswizzled grid.
// CHECK-LABEL: func.func @dequantize_swizzled
// CHECK-SAME: (%[[C:.+]]: tensor<128x64xi8>, %[[S:.+]]: tensor<512xf8E8M0FNU>)
// CHECK: linalg.transpose {{.*}} permutation = [0, 3, 2, 1, 4]
// CHECK: %[[G:.+]] = tensor.extract_slice %{{.*}}[0, 0] [128, 2] [1, 1]
// CHECK: %[[GS:.+]] = arith.bitcast %[[G]] : tensor<128x2xi8> to tensor<128x2xf8E8M0FNU>
// CHECK: linalg.generic {{.*}} ins({{.*}}%[[GS]] : {{.*}}tensor<128x2xf8E8M0FNU>)
func.func @dequantize_swizzled(%q: !mx.tensor<128x64xf8E4M3FN, block = [1, 32], scale_layout = swizzled>) -> tensor<128x64xf32> {
  %x = mx.dequantize %q : !mx.tensor<128x64xf8E4M3FN, block = [1, 32], scale_layout = swizzled> -> tensor<128x64xf32>
  return %x : tensor<128x64xf32>
}

// -----

// mx.from_storage takes the scales as stored (swizzled here); the ops that
// compute get them unswizzled, the storage op itself stays as it is.
// CHECK-LABEL: func.func @from_storage_swizzled
// CHECK-SAME: (%[[C:.+]]: tensor<128x32xi8>, %[[S:.+]]: tensor<512xf8E8M0FNU>)
// CHECK: %[[B:.+]] = arith.bitcast %[[S]] : tensor<512xf8E8M0FNU> to tensor<512xi8>
// CHECK: tensor.expand_shape %[[B]]
// CHECK: linalg.transpose {{.*}} permutation = [0, 3, 2, 1, 4]
// CHECK: linalg.generic
func.func @from_storage_swizzled(%c: tensor<128x32xi8>, %s: tensor<512xf8E8M0FNU>) -> tensor<128x64xf32> {
  %q = mx.from_storage %c, %s : tensor<128x32xi8>, tensor<512xf8E8M0FNU> -> !mx.tensor<128x64xf4E2M1FN, block = [1, 32], scale_layout = swizzled>
  %x = mx.dequantize %q : !mx.tensor<128x64xf4E2M1FN, block = [1, 32], scale_layout = swizzled> -> tensor<128x64xf32>
  return %x : tensor<128x64xf32>
}
