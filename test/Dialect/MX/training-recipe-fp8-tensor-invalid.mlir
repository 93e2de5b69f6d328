// RUN: mx-opt %s -split-input-file -verify-diagnostics -mx-training-recipe="recipe=fp8-tensor fp8-scaling=delayed"

// Delayed scaling adds arguments and results: a function that is called
// cannot take them.
// expected-error @below {{mx-training-recipe: fp8-scaling=delayed adds amax-history arguments to @called, which has callers}}
func.func @called(%x: tensor<4x32xf32>, %w: tensor<32x8xf32> {mx.weight}) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x8xf32>) outs(%z : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

func.func @caller(%x: tensor<4x32xf32>, %w: tensor<32x8xf32>) -> tensor<4x8xf32> {
  %y = func.call @called(%x, %w) : (tensor<4x32xf32>, tensor<32x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// A product inside a loop: its new history could not be returned.
func.func @in_loop(%x: tensor<4x32xf32>, %w: tensor<32x8xf32> {mx.weight}, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %r = scf.for %i = %c0 to %c3 step %c1 iter_args(%acc = %init) -> tensor<4x8xf32> {
    // expected-error @below {{mx-training-recipe: fp8-scaling=delayed needs the product in the function's only block (its amax history is a result)}}
    %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x8xf32>) outs(%acc : tensor<4x8xf32>) -> tensor<4x8xf32>
    scf.yield %y : tensor<4x8xf32>
  }
  return %r : tensor<4x8xf32>
}

// -----

// Per-tensor FP8 casts f32 products; a bf16 one stays as it is.
func.func @bf16(%x: tensor<4x32xbf16>, %w: tensor<32x8xbf16> {mx.weight}) -> tensor<4x8xbf16> {
  %zero = arith.constant 0.0 : bf16
  %e = tensor.empty() : tensor<4x8xbf16>
  %z = linalg.fill ins(%zero : bf16) outs(%e : tensor<4x8xbf16>) -> tensor<4x8xbf16>
  // expected-remark @below {{mx-training-recipe: forward product left as it is: fp8-tensor casts f32 products only}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xbf16>, tensor<32x8xbf16>) outs(%z : tensor<4x8xbf16>) -> tensor<4x8xbf16>
  return %y : tensor<4x8xbf16>
}
