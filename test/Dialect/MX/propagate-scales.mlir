// RUN: mx-opt %s -split-input-file -mx-propagate-scales -canonicalize -cse | FileCheck %s

// One function per rule of -mx-propagate-scales (docs/ScalePropagation.md):
// the scale arithmetic as it appears in the output.

// Function arguments have unknown range: a dynamic rescale each.
// mul: data multiply, scales multiply.
// CHECK-LABEL: func.func @mul
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.0
// CHECK: %[[A:.*]] = mx.scale %arg0, %[[ONE]]
// CHECK: %[[RA:.*]] = mx.rescale %[[A]] :
// CHECK: %[[DA:.*]], %[[SA:.*]] = mx.scaled_parts %[[RA]]
// CHECK: %[[DB:.*]], %[[SB:.*]] = mx.scaled_parts
// CHECK: %[[S:.*]] = arith.mulf %[[SA]], %[[SB]] : f32
// CHECK: %[[D:.*]] = linalg.generic {{.*}} ins(%[[DA]], %[[DB]]
// CHECK:   arith.mulf %in, %in_{{.*}} : f32
// CHECK: %[[R:.*]] = mx.scale %[[D]], %[[S]]
// CHECK: %[[U:.*]] = mx.unscale %[[R]]
// CHECK: return %[[U]]
func.func @mul(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = arith.mulf %a, %b : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// div: scales divide.
// CHECK-LABEL: func.func @div
// CHECK: %[[S:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK: linalg.generic
// CHECK:   arith.divf %in, %in_{{.*}} : f32
// CHECK: mx.scale %{{.*}}, %[[S]]
func.func @div(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = linalg.div ins(%a, %b : tensor<4x8xf32>, tensor<4x8xf32>) outs(%a : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// add: the larger scale; each operand shifted by its scale over it.
// CHECK-LABEL: func.func @add
// CHECK: %[[DA:.*]], %[[SA:.*]] = mx.scaled_parts
// CHECK: %[[DB:.*]], %[[SB:.*]] = mx.scaled_parts
// CHECK: %[[S:.*]] = arith.maximumf %[[SA]], %[[SB]] : f32
// CHECK: %[[FA:.*]] = arith.divf %[[SA]], %[[S]] : f32
// CHECK: %[[FB:.*]] = arith.divf %[[SB]], %[[S]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[DA]], %[[DB]]
// CHECK:   %[[X:.*]] = arith.mulf %in, %[[FA]] : f32
// CHECK:   %[[Y:.*]] = arith.mulf %in_{{.*}}, %[[FB]] : f32
// CHECK:   arith.addf %[[X]], %[[Y]] : f32
// CHECK: mx.scale %{{.*}}, %[[S]]
func.func @add(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = arith.addf %a, %b : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// sub: as add.
// CHECK-LABEL: func.func @sub
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK:   arith.subf
func.func @sub(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = linalg.sub ins(%a, %b : tensor<4x8xf32>, tensor<4x8xf32>) outs(%a : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// max / min of two values: a common scale, as add.
// CHECK-LABEL: func.func @max_common
// CHECK: %[[S:.*]] = arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK: arith.divf
// CHECK:   arith.minimumf %{{.*}}, %{{.*}} : f32
// CHECK: mx.scale %{{.*}}, %[[S]]
func.func @max_common(%a: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r = arith.minimumf %a, %b : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// ReLU, max(x, 0): x's scale passes through.
// CHECK-LABEL: func.func @relu
// CHECK: %[[D:.*]], %[[S:.*]] = mx.scaled_parts
// CHECK: linalg.generic {{.*}} ins(%[[D]]
// CHECK:   arith.maximumf %in, %{{.*}} : f32
// CHECK: mx.scale %{{.*}}, %[[S]]
func.func @relu(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant dense<0.0> : tensor<4x8xf32>
  %r = arith.maximumf %a, %zero : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// neg and abs: the scale passes through.
// CHECK-LABEL: func.func @neg_abs
// CHECK: %[[D:.*]], %[[S:.*]] = mx.scaled_parts
// CHECK:   arith.negf
// CHECK:   math.absf
// CHECK: mx.scale %{{.*}}, %[[S]]
func.func @neg_abs(%a: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %n = arith.negf %a : tensor<4x8xf32>
  %r = math.absf %n : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// matmul: both operands cast to E4M3 with mx.scaled_cast; the product of
// the scales times 2^floor(log2 sqrt 64) = 8, the data times 1/8.
// CHECK-LABEL: func.func @matmul
// CHECK-DAG: %[[EIGHT:.*]] = arith.constant 8.0
// CHECK-DAG: %[[EIGHTH:.*]] = arith.constant 1.250000e-01
// CHECK: %[[DA:.*]], %[[SA:.*]] = mx.scaled_parts
// CHECK: %[[DB:.*]], %[[SB:.*]] = mx.scaled_parts
// CHECK: %[[CA:.*]] = mx.scaled_cast %{{.*}} : !mx.scaled<tensor<8x64xf32>> -> !mx.scaled<tensor<8x64xf8E4M3FN>>
// CHECK: %[[A8:.*]], %{{.*}} = mx.scaled_parts %[[CA]]
// CHECK: %[[CB:.*]] = mx.scaled_cast %{{.*}} -> !mx.scaled<tensor<64x16xf8E4M3FN>>
// CHECK: %[[B8:.*]], %{{.*}} = mx.scaled_parts %[[CB]]
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[A8]], %[[B8]] : tensor<8x64xf8E4M3FN>, tensor<64x16xf8E4M3FN>) outs(%{{.*}} : tensor<8x16xf32>)
// CHECK: %[[SP:.*]] = arith.mulf %[[SA]], %[[SB]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[P]]
// CHECK:   arith.mulf %in, %[[EIGHTH]] : f32
// CHECK: %[[S:.*]] = arith.mulf %[[SP]], %[[EIGHT]] : f32
// CHECK: mx.scale %{{.*}}, %[[S]]
func.func @matmul(%a: tensor<8x64xf32>, %b: tensor<64x16xf32>) -> tensor<8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8x16xf32>) -> tensor<8x16xf32>
  %r = linalg.matmul ins(%a, %b : tensor<8x64xf32>, tensor<64x16xf32>) outs(%z : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %r : tensor<8x16xf32>
}

// -----

// matmul into a non-zero init: the product's pair plus the init's (add).
// CHECK-LABEL: func.func @matmul_accumulate
// CHECK: linalg.matmul
// CHECK: arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK:   arith.addf
func.func @matmul_accumulate(%a: tensor<8x16xf32>, %b: tensor<16x16xf32>, %c: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<8x16xf32>, tensor<16x16xf32>) outs(%c : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %r : tensor<8x16xf32>
}

// -----

// reduce-sum over 256 elements per output: times 2^floor(log2 sqrt 256) = 16.
// CHECK-LABEL: func.func @reduce_sum
// CHECK-DAG: %[[SIXTEEN:.*]] = arith.constant 1.600000e+01
// CHECK: %[[D:.*]], %[[S:.*]] = mx.scaled_parts
// CHECK: linalg.reduce ins(%[[D]]
// CHECK: %[[T:.*]] = arith.mulf %[[S]], %[[SIXTEEN]] : f32
// CHECK: mx.scale %{{.*}}, %[[T]]
func.func @reduce_sum(%a: tensor<4x256xf32>) -> tensor<4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %r = linalg.reduce ins(%a : tensor<4x256xf32>) outs(%z : tensor<4xf32>) dimensions = [1]
    (%x: f32, %acc: f32) {
      %s = arith.addf %x, %acc : f32
      linalg.yield %s : f32
    }
  return %r : tensor<4xf32>
}

// -----

// Shape ops apply to the data; the scale passes through.
// CHECK-LABEL: func.func @shape_ops
// CHECK: %[[D:.*]], %[[S:.*]] = mx.scaled_parts
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[D]]
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[T]]
// CHECK: %[[X:.*]] = tensor.extract_slice %[[C]]
// CHECK: %[[E:.*]] = tensor.expand_shape %[[X]]
// CHECK: %[[P:.*]] = tensor.pad %[[E]]
// CHECK: %[[B:.*]] = linalg.broadcast ins(%[[P]]
// CHECK: mx.scale %[[B]], %[[S]]
func.func @shape_ops(%a: tensor<4x8xf32>) -> tensor<3x4x6xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x4xf32>
  %t = linalg.transpose ins(%a : tensor<4x8xf32>) outs(%e : tensor<8x4xf32>) permutation = [1, 0]
  %c = tensor.collapse_shape %t [[0, 1]] : tensor<8x4xf32> into tensor<32xf32>
  %s = tensor.extract_slice %c[0] [16] [1] : tensor<32xf32> to tensor<16xf32>
  %x = tensor.expand_shape %s [[0, 1]] output_shape [4, 4] : tensor<16xf32> into tensor<4x4xf32>
  %p = tensor.pad %x low[0, 1] high[0, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<4x4xf32> to tensor<4x6xf32>
  %be = tensor.empty() : tensor<3x4x6xf32>
  %b = linalg.broadcast ins(%p : tensor<4x6xf32>) outs(%be : tensor<3x4x6xf32>) dimensions = [0]
  return %b : tensor<3x4x6xf32>
}

// -----

// Constants get a static scale 2^floor(log2 amax): no rescale, data
// constant-folded into [1, 2) at its largest.
// CHECK-LABEL: func.func @constant_scale
// CHECK-DAG: %[[W:.*]] = arith.constant dense<[1.000000e+00, -1.500000e+00, 2.500000e-01, 0.000000e+00]> : tensor<4xf32>
// CHECK-DAG: %[[SW:.*]] = arith.constant 1.024000e+03 : f32
// CHECK: %[[D:.*]], %[[S:.*]] = mx.scaled_parts
// CHECK: arith.mulf %[[S]], %[[SW]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[D]], %[[W]]
func.func @constant_scale(%a: tensor<4xf32>) -> tensor<4xf32> {
  %w = arith.constant dense<[1024.0, -1536.0, 256.0, 0.0]> : tensor<4xf32>
  %r = arith.mulf %a, %w : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// A fill of c: data c / 2^floor(log2 |c|), that scale.
// CHECK-LABEL: func.func @fill_scale
// CHECK-DAG: %[[C:.*]] = arith.constant 1.500000e+00 : f32
// CHECK-DAG: %[[SC:.*]] = arith.constant 6.250000e-02 : f32
// CHECK: linalg.fill ins(%[[C]] : f32)
// CHECK: arith.mulf %{{.*}}, %[[SC]] : f32
func.func @fill_scale(%a: tensor<4xf32>) -> tensor<4xf32> {
  %c = arith.constant 0.09375 : f32
  %e = tensor.empty() : tensor<4xf32>
  %f = linalg.fill ins(%c : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %r = arith.mulf %a, %f : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// Non-linear ops run on real values (mx.unscale); tanh's output gets scale
// 1, so the multiply after it needs no rescale of it; exp's output has
// unknown range: rescaled dynamically where a rule uses it.
// CHECK-LABEL: func.func @nonlinear
// CHECK: %[[U:.*]] = mx.unscale
// CHECK: %[[T:.*]] = math.tanh %[[U]]
// CHECK: %[[E:.*]] = math.exp %[[U]]
// CHECK: %[[SE:.*]] = mx.scale %[[E]]
// CHECK: mx.rescale %[[SE]]
// CHECK: linalg.generic {{.*}} ins(%[[T]],
func.func @nonlinear(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %m = arith.mulf %a, %b : tensor<4xf32>
  %t = math.tanh %m : tensor<4xf32>
  %e = math.exp %m : tensor<4xf32>
  %r = arith.mulf %t, %e : tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// select and concat: a common scale for the values.
// CHECK-LABEL: func.func @select_concat
// CHECK: %[[S1:.*]] = arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK: %[[SEL:.*]] = arith.select %arg0, %{{.*}}, %{{.*}} : tensor<4xi1>, tensor<4xf32>
// CHECK: %[[S2:.*]] = arith.maximumf %[[S1]], %{{.*}} : f32
// CHECK: %[[CAT:.*]] = tensor.concat dim(0) %{{.*}}, %{{.*}} : (tensor<4xf32>, tensor<4xf32>) -> tensor<8xf32>
// CHECK: mx.scale %[[CAT]], %[[S2]]
func.func @select_concat(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xf32>, %d: tensor<4xf32>) -> tensor<8xf32> {
  %s = arith.select %c, %a, %b : tensor<4xi1>, tensor<4xf32>
  %r = tensor.concat dim(0) %s, %d : (tensor<4xf32>, tensor<4xf32>) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

// softmax runs on real values; its output (in [0, 1]) gets scale 1, so the
// product after it takes the other operand's scale alone.
// CHECK-LABEL: func.func @softmax
// CHECK: mx.scaled_parts
// CHECK: %[[D:.*]], %[[S:.*]] = mx.scaled_parts
// CHECK: %[[U:.*]] = mx.unscale
// CHECK: %[[P:.*]] = linalg.softmax dimension(1) ins(%[[U]]
// CHECK: linalg.generic {{.*}} ins(%[[P]], %[[D]]
// CHECK: mx.scale %{{.*}}, %[[S]]
func.func @softmax(%a: tensor<4x8xf32>, %v: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %m = arith.mulf %a, %a : tensor<4x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %p = linalg.softmax dimension(1) ins(%m : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %r = arith.mulf %p, %v : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

// An elementwise linalg.generic dividing two inputs (reversed in the
// body): the scale is the numerator's over the denominator's.
// CHECK-LABEL: func.func @generic_div
// CHECK: %[[DB:.*]], %[[SB:.*]] = mx.scaled_parts
// CHECK: %[[DA:.*]], %[[SA:.*]] = mx.scaled_parts
// CHECK: %[[S:.*]] = arith.divf %[[SB]], %[[SA]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[DA]], %[[DB]]
// CHECK: mx.scale %{{.*}}, %[[S]]
#id = affine_map<(d0) -> (d0)>
func.func @generic_div(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%x: f32, %y: f32, %o: f32):
      %q = arith.divf %y, %x : f32
      linalg.yield %q : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// -----

// A max reduction from -Inf keeps the scale (softmax's row maximum).
// CHECK-LABEL: func.func @reduce_max
// CHECK: %[[D:.*]], %[[S:.*]] = mx.scaled_parts
// CHECK: %[[M:.*]] = linalg.reduce ins(%[[D]]
// CHECK: mx.scale %[[M]], %[[S]]
func.func @reduce_max(%a: tensor<4x256xf32>) -> tensor<4xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<4xf32>
  %i = linalg.fill ins(%ninf : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %r = linalg.reduce ins(%a : tensor<4x256xf32>) outs(%i : tensor<4xf32>) dimensions = [1]
    (%x: f32, %acc: f32) {
      %m = arith.maximumf %x, %acc : f32
      linalg.yield %m : f32
    }
  return %r : tensor<4xf32>
}

// -----

// A matmul with transposing indexing_maps keeps its maps, on FP8 data.
// CHECK-LABEL: func.func @matmul_transpose_b
// CHECK-DAG: %[[EIGHT:.*]] = arith.constant 8.0
// CHECK: linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins(%{{.*}}, %{{.*}} : tensor<8x64xf8E4M3FN>, tensor<16x64xf8E4M3FN>)
// CHECK: %[[P:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: arith.mulf %[[P]], %[[EIGHT]] : f32
#a = affine_map<(m, n, k) -> (m, k)>
#bt = affine_map<(m, n, k) -> (n, k)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @matmul_transpose_b(%a: tensor<8x64xf32>, %b: tensor<16x64xf32>) -> tensor<8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8x16xf32>) -> tensor<8x16xf32>
  %r = linalg.matmul indexing_maps = [#a, #bt, #c] ins(%a, %b : tensor<8x64xf32>, tensor<16x64xf32>) outs(%z : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %r : tensor<8x16xf32>
}

// -----

// matvec: K = 256, so 2^floor(log2 sqrt 256) = 16.
// CHECK-LABEL: func.func @matvec
// CHECK-DAG: %[[SIXTEEN:.*]] = arith.constant 1.600000e+01
// CHECK: linalg.matvec ins(%{{.*}}, %{{.*}} : tensor<16x256xf8E4M3FN>, tensor<256xf8E4M3FN>)
// CHECK: %[[P:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: arith.mulf %[[P]], %[[SIXTEEN]] : f32
func.func @matvec(%a: tensor<16x256xf32>, %v: tensor<256xf32>) -> tensor<16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<16xf32>) -> tensor<16xf32>
  %r = linalg.matvec ins(%a, %v : tensor<16x256xf32>, tensor<256xf32>) outs(%z : tensor<16xf32>) -> tensor<16xf32>
  return %r : tensor<16xf32>
}

// -----

// sqrt and rsqrt: r = sqrt(s) with its mantissa cleared (2^floor(e/2)),
// f = s / r^2 in {1, 2}; data sqrt(d f) with scale r, rsqrt(d f) with 1/r.
// CHECK-LABEL: func.func @roots
// CHECK: %[[D:.*]], %[[S:.*]] = mx.scaled_parts
// CHECK: %[[ROOT:.*]] = math.sqrt %[[S]] : f32
// CHECK: %[[BITS:.*]] = arith.bitcast %[[ROOT]] : f32 to i32
// CHECK: %[[CLEARED:.*]] = arith.andi %[[BITS]], %{{.*}} : i32
// CHECK: %[[R:.*]] = arith.bitcast %[[CLEARED]] : i32 to f32
// CHECK: %[[R2:.*]] = arith.mulf %[[R]], %[[R]] : f32
// CHECK: %[[F:.*]] = arith.divf %[[S]], %[[R2]] : f32
// CHECK: linalg.generic {{.*}} ins(%[[D]]
// CHECK:   %[[V:.*]] = arith.mulf %in, %[[F]] : f32
// CHECK:   math.sqrt %[[V]] : f32
// CHECK: mx.scale %{{.*}}, %[[R]]
// CHECK:   math.rsqrt
// CHECK: %[[INV:.*]] = arith.divf %{{.*}}, %[[R]] : f32
// CHECK: mx.scale %{{.*}}, %[[INV]]
func.func @roots(%a: tensor<64xf32>) -> (tensor<64xf32>, tensor<64xf32>) {
  %s = math.sqrt %a : tensor<64xf32>
  %r = math.rsqrt %a : tensor<64xf32>
  return %s, %r : tensor<64xf32>, tensor<64xf32>
}
