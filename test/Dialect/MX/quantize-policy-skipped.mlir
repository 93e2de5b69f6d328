// RUN: mx-opt %s -split-input-file -verify-diagnostics -mx-quantize-policy="keep-first=1 keep-last=1 keep=attn,proj" | FileCheck %s

// The policy's exclusions and the ops the pass cannot handle: each stays
// exactly as it was, with a remark that says why.

// CHECK-LABEL: func.func @exclusions
// CHECK: linalg.matmul ins(%arg0
// CHECK: mx.matmul
// CHECK: linalg.matmul {mx.name = "attn"}
// CHECK: linalg.matmul {mx.name = "proj"}
// CHECK: linalg.matmul ins(%arg0
func.func @exclusions(%x: tensor<4x64xf32>, %w: tensor<64x64xf32>, %c: tensor<4x64xf32>) -> tensor<4x64xf32> {
  // expected-remark @+1 {{mx-quantize-policy: kept in f32 by the policy (keep-first)}}
  %0 = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x64xf32>) outs(%c : tensor<4x64xf32>) -> tensor<4x64xf32>
  %1 = linalg.matmul ins(%0, %w : tensor<4x64xf32>, tensor<64x64xf32>) outs(%c : tensor<4x64xf32>) -> tensor<4x64xf32>
  // expected-remark @+1 {{mx-quantize-policy: kept in f32 by the policy (keep=attn)}}
  %2 = linalg.matmul {mx.name = "attn"} ins(%1, %w : tensor<4x64xf32>, tensor<64x64xf32>) outs(%c : tensor<4x64xf32>) -> tensor<4x64xf32>
  // expected-remark @+1 {{mx-quantize-policy: kept in f32 by the policy (keep=proj)}}
  %3 = linalg.matmul {mx.name = "proj"} ins(%2, %w : tensor<4x64xf32>, tensor<64x64xf32>) outs(%c : tensor<4x64xf32>) -> tensor<4x64xf32>
  // expected-remark @+1 {{mx-quantize-policy: kept in f32 by the policy (keep-last)}}
  %4 = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x64xf32>) outs(%3 : tensor<4x64xf32>) -> tensor<4x64xf32>
  return %4 : tensor<4x64xf32>
}

// -----

// CHECK-LABEL: func.func @unsupported
func.func @unsupported(%x: tensor<?x64xf32>, %w: tensor<64x8xf32>, %c: tensor<?x8xf32>,
                       %i: tensor<4x64xi8>, %j: tensor<64x8xi8>, %k: tensor<4x8xi32>,
                       %a: tensor<2x3x64xf32>, %b: tensor<64x8xf32>, %d: tensor<2x3x8xf32>,
                       %e: tensor<8x4xf32>, %f: tensor<4x8xf32>, %g: tensor<8x8xf32>,
                       %m: memref<4x64xf32>, %n: memref<64x8xf32>, %o: memref<4x8xf32>)
    -> (tensor<?x8xf32>, tensor<4x8xi32>, tensor<2x3x8xf32>) {
  // keep-first and keep-last count the contractions of each function.
  // expected-remark @+1 {{kept in f32 by the policy (keep-first)}}
  %first = linalg.matmul ins(%i, %j : tensor<4x64xi8>, tensor<64x8xi8>) outs(%k : tensor<4x8xi32>) -> tensor<4x8xi32>
  // CHECK: linalg.matmul ins(%arg0, %arg1 : tensor<?x64xf32>
  // expected-remark @+1 {{mx-quantize-policy: left in f32: dynamic shapes are not handled}}
  %0 = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x8xf32>) outs(%c : tensor<?x8xf32>) -> tensor<?x8xf32>
  // CHECK: linalg.matmul ins(%arg3, %arg4 : tensor<4x64xi8>
  // expected-remark @+1 {{mx-quantize-policy: left in f32: element types other than f32, bf16 and f16 stay as they are}}
  %1 = linalg.matmul ins(%i, %j : tensor<4x64xi8>, tensor<64x8xi8>) outs(%k : tensor<4x8xi32>) -> tensor<4x8xi32>
  // Two M dimensions (a 3-D activation times a matrix).
  // CHECK: linalg.generic
  // expected-remark @+1 {{mx-quantize-policy: left in f32: more than one batch, M, N or K dimension}}
  %2 = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<2x3x64xf32>, tensor<64x8xf32>) outs(%d : tensor<2x3x8xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %p = arith.mulf %u, %v : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x3x8xf32>
  // Buffers, not tensors.
  // CHECK: linalg.matmul ins(%arg12, %arg13 : memref<4x64xf32>
  // expected-remark @+1 {{mx-quantize-policy: left in f32: operands are not tensors}}
  linalg.matmul ins(%m, %n : memref<4x64xf32>, memref<64x8xf32>) outs(%o : memref<4x8xf32>)
  // expected-remark @+1 {{kept in f32 by the policy (keep-last)}}
  %last = linalg.matmul ins(%i, %j : tensor<4x64xi8>, tensor<64x8xi8>) outs(%k : tensor<4x8xi32>) -> tensor<4x8xi32>
  return %0, %1, %2 : tensor<?x8xf32>, tensor<4x8xi32>, tensor<2x3x8xf32>
}
