// RUN: mx-opt %s -split-input-file -verify-diagnostics -mx-fuse-quantization | FileCheck %s

// A product of two dequantized MX tensors becomes mx.matmul of the MX
// tensors; the dequantizes go away.
// CHECK-LABEL: func.func @fused
// CHECK-NOT: mx.dequantize
// CHECK: %[[C:.+]] = mx.matmul %arg0, %arg1 : !mx.tensor<64x256xf8E4M3FN, block = [1, 32]>, !mx.tensor<256x128xf4E2M1FN, block = [32, 1]> -> tensor<64x128xf32>
// CHECK-NOT: linalg.matmul
// CHECK: return %[[C]]
func.func @fused(%qa: !mx.tensor<64x256xf8E4M3FN, block = [1, 32]>, %qb: !mx.tensor<256x128xf4E2M1FN, block = [32, 1]>) -> tensor<64x128xf32> {
  %a = mx.dequantize %qa : !mx.tensor<64x256xf8E4M3FN, block = [1, 32]> -> tensor<64x256xf32>
  %b = mx.dequantize %qb : !mx.tensor<256x128xf4E2M1FN, block = [32, 1]> -> tensor<256x128xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x128xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<64x128xf32>) -> tensor<64x128xf32>
  %c = linalg.matmul ins(%a, %b : tensor<64x256xf32>, tensor<256x128xf32>) outs(%z : tensor<64x128xf32>) -> tensor<64x128xf32>
  return %c : tensor<64x128xf32>
}

// -----

// Weight-only: one dequantized operand and an f32 one make an mx.matmul
// with a plain f32 operand.
// CHECK-LABEL: func.func @weight_only
// CHECK-NOT: mx.dequantize
// CHECK: %[[C:.+]] = mx.matmul %arg0, %arg1 : tensor<4x64xf32>, !mx.tensor<64x8xf4E2M1FN, block = [32, 1]> -> tensor<4x8xf32>
// CHECK: return %[[C]]
func.func @weight_only(%x: tensor<4x64xf32>, %qw: !mx.tensor<64x8xf4E2M1FN, block = [32, 1]>) -> tensor<4x8xf32> {
  %w = mx.dequantize %qw : !mx.tensor<64x8xf4E2M1FN, block = [32, 1]> -> tensor<64x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %c = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x8xf32>) outs(%z : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %c : tensor<4x8xf32>
}

// -----

// A non-zero init (a bias) is added to the f32 product; a bf16 result is
// rounded once; a dequantize still used elsewhere stays; 2-D blocks of the
// weight are blocked along K too; the generic form is recognized.
// CHECK-LABEL: func.func @accumulated
// CHECK: %[[A:.+]] = mx.dequantize %arg0
// CHECK: %[[P:.+]] = mx.matmul %arg0, %arg1 : !mx.tensor<4x64xi8, block = [1, 32]>, !mx.tensor<64x8xi8, block = [32, 8]> -> tensor<4x8xf32>
// CHECK: %[[W:.+]] = arith.extf %arg2 : tensor<4x8xbf16> to tensor<4x8xf32>
// CHECK: %[[S:.+]] = arith.addf %[[W]], %[[P]] : tensor<4x8xf32>
// CHECK: %[[R:.+]] = arith.truncf %[[S]] : tensor<4x8xf32> to tensor<4x8xbf16>
// CHECK: return %[[R]], %[[A]]
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
func.func @accumulated(%qa: !mx.tensor<4x64xi8, block = [1, 32]>, %qb: !mx.tensor<64x8xi8, block = [32, 8]>, %bias: tensor<4x8xbf16>) -> (tensor<4x8xbf16>, tensor<4x64xf32>) {
  %a = mx.dequantize %qa : !mx.tensor<4x64xi8, block = [1, 32]> -> tensor<4x64xf32>
  %b = mx.dequantize %qb : !mx.tensor<64x8xi8, block = [32, 8]> -> tensor<64x8xf32>
  %r = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<4x64xf32>, tensor<64x8xf32>) outs(%bias : tensor<4x8xbf16>) {
  ^bb0(%u: f32, %v: f32, %acc: bf16):
    %p = arith.mulf %u, %v : f32
    %w = arith.extf %acc : bf16 to f32
    %s = arith.addf %w, %p : f32
    %t = arith.truncf %s : f32 to bf16
    linalg.yield %t : bf16
  } -> tensor<4x8xbf16>
  return %r, %a : tensor<4x8xbf16>, tensor<4x64xf32>
}

// -----

// What is not fused stays as it is, with a remark saying why.
// CHECK-LABEL: func.func @not_fused
// CHECK-COUNT-5: linalg.matmul
// CHECK-NOT: mx.matmul
func.func @not_fused(%qa: !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>, %x: tensor<64x8xbf16>,
                     %qk: !mx.tensor<4x64xf8E4M3FN, block = [32, 1]>,
                     %qb: !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>,
                     %qc: !mx.tensor<64x8xf8E4M3FN, block = [16, 1]>,
                     %qt: !mx.tensor<8x64xf8E4M3FN, block = [1, 32]>,
                     %c: tensor<4x8xf32>, %h: tensor<4x8xbf16>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xbf16>, tensor<4x8xf32>) {
  %a = mx.dequantize %qa : !mx.tensor<4x64xf8E4M3FN, block = [1, 32]> -> tensor<4x64xf32>
  // expected-remark @+1 {{mx-fuse-quantization: not fused: the operand that is not dequantized is not an f32 tensor}}
  %0 = linalg.matmul ins(%a, %x : tensor<4x64xf32>, tensor<64x8xbf16>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  %k = mx.dequantize %qk : !mx.tensor<4x64xf8E4M3FN, block = [32, 1]> -> tensor<4x64xf32>
  %b = mx.dequantize %qb : !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> -> tensor<64x8xf32>
  // expected-remark @+1 {{mx-fuse-quantization: not fused: the operands are not blocked along K with one block size}}
  %1 = linalg.matmul ins(%k, %b : tensor<4x64xf32>, tensor<64x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  %d = mx.dequantize %qc : !mx.tensor<64x8xf8E4M3FN, block = [16, 1]> -> tensor<64x8xf32>
  // expected-remark @+1 {{mx-fuse-quantization: not fused: the operands are not blocked along K with one block size}}
  %2 = linalg.matmul ins(%a, %d : tensor<4x64xf32>, tensor<64x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  %ah = mx.dequantize %qa : !mx.tensor<4x64xf8E4M3FN, block = [1, 32]> -> tensor<4x64xbf16>
  %bh = mx.dequantize %qb : !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> -> tensor<64x8xbf16>
  // expected-remark @+1 {{mx-fuse-quantization: not fused: a dequantize to a type narrower than f32 has rounded}}
  %3 = linalg.matmul ins(%ah, %bh : tensor<4x64xbf16>, tensor<64x8xbf16>) outs(%h : tensor<4x8xbf16>) -> tensor<4x8xbf16>
  %t = mx.dequantize %qt : !mx.tensor<8x64xf8E4M3FN, block = [1, 32]> -> tensor<8x64xf32>
  // expected-remark @+1 {{mx-fuse-quantization: not fused: an operand is used transposed}}
  %4 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%a, %t : tensor<4x64xf32>, tensor<8x64xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0, %1, %2, %3, %4 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xbf16>, tensor<4x8xf32>
}

// -----

// Quantize into its producers: bias add and relu (arith on tensors, a
// broadcast, a fill) are computed a row at a time inside one loop that
// quantizes the row and inserts its elements and scales.
// CHECK-LABEL: func.func @producers
// CHECK: %[[E0:.+]] = tensor.empty() : tensor<4x64xf8E4M3FN>
// CHECK: %[[S0:.+]] = tensor.empty() : tensor<4x2xf8E8M0FNU>
// CHECK: %[[LOOP:.+]]:2 = scf.for %[[I:.+]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[E:.+]] = %[[E0]], %[[S:.+]] = %[[S0]])
// CHECK: tensor.extract_slice %arg1[0] [64] [1]
// CHECK: linalg.broadcast ins(%{{.*}} : tensor<64xf32>) outs(%{{.*}} : tensor<1x64xf32>)
// CHECK: tensor.extract_slice %arg0[%[[I]], 0] [1, 64] [1, 1] : tensor<4x64xf32> to tensor<1x64xf32>
// CHECK: arith.addf
// CHECK: linalg.fill {{.*}} -> tensor<1x64xf32>
// CHECK: %[[ROW:.+]] = linalg.generic
// CHECK: arith.maximumf
// CHECK: %[[Q:.+]] = mx.quantize %[[ROW]] scale_rule<rceil> : tensor<1x64xf32> -> !mx.tensor<1x64xf8E4M3FN, block = [1, 32]>
// CHECK: %[[RE:.+]], %[[RS:.+]] = mx.unpack %[[Q]]
// CHECK: tensor.insert_slice %[[RE]] into %[[E]][%[[I]], 0] [1, 64] [1, 1]
// CHECK: tensor.insert_slice %[[RS]] into %[[S]][%[[I]], 0] [1, 2] [1, 1]
// CHECK: %[[P:.+]] = mx.pack %[[LOOP]]#0, %[[LOOP]]#1 : tensor<4x64xf8E4M3FN>, tensor<4x2xf8E8M0FNU> -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
// CHECK: return %[[P]]
func.func @producers(%m: tensor<4x64xf32>, %bias: tensor<64xf32>) -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x64xf32>
  %bb = linalg.broadcast ins(%bias : tensor<64xf32>) outs(%e : tensor<4x64xf32>) dimensions = [0]
  %y = arith.addf %m, %bb : tensor<4x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x64xf32>) -> tensor<4x64xf32>
  %r = arith.maximumf %y, %z : tensor<4x64xf32>
  %q = mx.quantize %r scale_rule<rceil> : tensor<4x64xf32> -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
  return %q : !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
}

// -----

// Not fused (exactly as written): a chain value used elsewhere, stochastic
// rounding (its random stream is indexed over the whole tensor), blocks
// across rows, given scales, and a quantize of a function argument.
// CHECK-LABEL: func.func @producers_kept
// CHECK-NOT: scf.for
// CHECK: mx.quantize
// The arith ops feeding quantizes that cannot be fused are left as written.
// CHECK: arith.addf %arg0, %arg0 : tensor<64x64xf32>
// CHECK: mx.quantize
// CHECK: arith.addf %arg0, %arg0 : tensor<64x64xf32>
// CHECK: mx.quantize
// CHECK: arith.addf %arg0, %arg0 : tensor<64x64xf32>
// CHECK: mx.quantize
// CHECK: mx.quantize %arg0
func.func @producers_kept(%m: tensor<64x64xf32>, %s: tensor<64x2xf8E8M0FNU>)
    -> (!mx.tensor<64x64xf8E4M3FN, block = [1, 32]>, tensor<64x64xf32>,
        !mx.tensor<64x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x64xf8E4M3FN, block = [32, 1]>,
        !mx.tensor<64x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x64xf8E4M3FN, block = [1, 32]>) {
  %y = arith.addf %m, %m : tensor<64x64xf32>
  %q0 = mx.quantize %y : tensor<64x64xf32> -> !mx.tensor<64x64xf8E4M3FN, block = [1, 32]>
  %y1 = arith.addf %m, %m : tensor<64x64xf32>
  %q1 = mx.quantize %y1 rounding<stochastic> seed(1) : tensor<64x64xf32> -> !mx.tensor<64x64xf8E4M3FN, block = [1, 32]>
  %y2 = arith.addf %m, %m : tensor<64x64xf32>
  %q2 = mx.quantize %y2 : tensor<64x64xf32> -> !mx.tensor<64x64xf8E4M3FN, block = [32, 1]>
  %y3 = arith.addf %m, %m : tensor<64x64xf32>
  %q3 = mx.quantize %y3 scales(%s : tensor<64x2xf8E8M0FNU>) : tensor<64x64xf32> -> !mx.tensor<64x64xf8E4M3FN, block = [1, 32]>
  %q4 = mx.quantize %m : tensor<64x64xf32> -> !mx.tensor<64x64xf8E4M3FN, block = [1, 32]>
  return %q0, %y, %q1, %q2, %q3, %q4 : !mx.tensor<64x64xf8E4M3FN, block = [1, 32]>, tensor<64x64xf32>,
      !mx.tensor<64x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x64xf8E4M3FN, block = [32, 1]>,
      !mx.tensor<64x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x64xf8E4M3FN, block = [1, 32]>
}
