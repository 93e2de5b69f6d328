// RUN: mx-opt %s -split-input-file -verify-diagnostics -mx-training-recipe="weights=none activations=none"
// RUN: not mx-opt %s -split-input-file -mx-training-recipe="scale-rule=round" 2>&1 | FileCheck %s --check-prefix=RULE
// RUN: not mx-opt %s -split-input-file -mx-training-recipe="block-size=1" 2>&1 | FileCheck %s --check-prefix=BLOCK
// RUN: not mx-opt %s -mx-training-recipe="recipe=mxfp3" 2>&1 | FileCheck %s --check-prefix=RECIPE
// RUN: not mx-opt %s -split-input-file -mx-training-recipe="recipe=fp8-tensor scale-rule=floor" 2>&1 | FileCheck %s --check-prefix=FP8RULE
// RUN: not mx-opt %s -split-input-file -mx-training-recipe="fp8-scaling=delayed" 2>&1 | FileCheck %s --check-prefix=MXDELAYED
// RUN: not mx-opt %s -split-input-file -mx-training-recipe="recipe=fp8-tensor amax-history=0" 2>&1 | FileCheck %s --check-prefix=HISTORY
// RUN: not mx-opt %s -split-input-file -mx-training-recipe="recipe=fp8-tensor weights=e2m1" 2>&1 | FileCheck %s --check-prefix=SUBBYTE
// RUN: not mx-opt %s -mx-training-recipe="recipe=fp8-tensor fp8-scaling=late" 2>&1 | FileCheck %s --check-prefix=SCALING

// RULE: error: mx-training-recipe: unknown scale-rule 'round' (expected floor, ceil, even or rceil)
// BLOCK: error: mx-training-recipe: block-size must be at least 2, but got 1
// RECIPE: for the --recipe option: Cannot find option named 'mxfp3'!
// FP8RULE: error: mx-training-recipe: scale-rule does not apply to fp8-tensor (one scale per tensor, fitted to its amax)
// MXDELAYED: error: mx-training-recipe: fp8-scaling=delayed applies to the fp8-tensor recipe only (MX recipes scale each block from its own amax)
// HISTORY: error: mx-training-recipe: amax-history must be at least 1, but got 0
// SUBBYTE: error: mx-training-recipe: fp8-tensor casts to e4m3 or e5m2 only (sub-byte and integer elements need per-block scales)
// SCALING: for the --fp8-scaling option: Cannot find option named 'late'!

// A product whose two operand kinds both stay f32 is left as it is.
func.func @f32_only(%x: tensor<4x32xf32>, %w: tensor<32x8xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  // expected-remark @below {{mx-training-recipe: forward product left in f32: both operands' kinds stay f32}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x8xf32>) outs(%z : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// A contraction the rewrite cannot read (two reduction dimensions).
func.func @two_k(%x: tensor<4x2x16xf32>, %w: tensor<2x16x8xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  // expected-remark @below {{mx-training-recipe: left in f32: more than one batch, M, N or K dimension}}
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k1, k2) -> (m, k1, k2)>, affine_map<(m, n, k1, k2) -> (k1, k2, n)>, affine_map<(m, n, k1, k2) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : tensor<4x2x16xf32>, tensor<2x16x8xf32>) outs(%z : tensor<4x8xf32>) {
    ^bb0(%a: f32, %b: f32, %c: f32):
      %p = arith.mulf %a, %b : f32
      %s = arith.addf %c, %p : f32
      linalg.yield %s : f32
  } -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
