// RUN: mx-opt %s -split-input-file -verify-diagnostics -mx-split-layers
// RUN: not mx-opt %s -split-input-file -mx-split-layers=micro-batches=0 2>&1 | FileCheck %s --check-prefix=COUNT
// RUN: not mx-opt %s -split-input-file -mx-split-layers=function=absent 2>&1 | FileCheck %s --check-prefix=ABSENT
// RUN: not mx-opt %s -split-input-file -mx-split-layers=function=no_layer 2>&1 | FileCheck %s --check-prefix=NAMED
// RUN: not mx-opt %s -split-input-file -mx-split-layers=function=blocks 2>&1 | FileCheck %s --check-prefix=BLOCKS

// COUNT: error: mx-split-layers: micro-batches must be at least 1, not 0
// ABSENT: error: mx-split-layers: no function named 'absent'

// expected-error @+1 {{mx-split-layers: activation argument #0 of type 'tensor<?x64xf32>' is not a ranked tensor of static shape; the driver stacks activations over micro-batches}}
func.func @dynamic(%x: tensor<?x64xf32>, %w: tensor<64x8xf32> {mx.weight}) -> tensor<?x8xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %init = tensor.empty(%n) : tensor<?x8xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<?x8xf32>) -> tensor<?x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x8xf32>) outs(%acc : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// -----

// expected-error @+1 {{mx-split-layers: result #1 of type '!mx.tensor<2x64xf8E4M3FN, block = [1, 32]>' is not an activation of static shape; the driver stacks results over micro-batches}}
func.func @mx_result(%x: tensor<2x64xf32>, %w: !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> {mx.prepared_weight = 0 : i64})
    -> (tensor<2x8xf32>, !mx.tensor<2x64xf8E4M3FN, block = [1, 32]>) {
  %q = mx.quantize %x : tensor<2x64xf32> -> !mx.tensor<2x64xf8E4M3FN, block = [1, 32]>
  %y = mx.matmul %q, %w : !mx.tensor<2x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> -> tensor<2x8xf32>
  return %y, %q : tensor<2x8xf32>, !mx.tensor<2x64xf8E4M3FN, block = [1, 32]>
}

// -----

// expected-error @+1 {{mx-split-layers: result #0 of type 'tensor<64x8xf32>' is not an activation of static shape; the driver stacks results over micro-batches}}
func.func @parameter_result(%x: tensor<2x64xf32>, %w: tensor<64x8xf32> {mx.weight}) -> (tensor<64x8xf32>, tensor<2x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<2x8xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x64xf32>, tensor<64x8xf32>) outs(%acc : tensor<2x8xf32>) -> tensor<2x8xf32>
  return %w, %y : tensor<64x8xf32>, tensor<2x8xf32>
}

// -----

// A scalar that a layer computes and a later layer reads cannot be stacked.
func.func private @seed() -> f32

func.func @scalar(%x: tensor<2x64xf32>, %w: !mx.tensor<64x32xf8E4M3FN, block = [32, 1]> {mx.prepared_weight = 0 : i64},
                  %v: !mx.tensor<32x32xf8E4M3FN, block = [32, 1]> {mx.prepared_weight = 1 : i64}) -> tensor<2x32xf32> {
  // expected-error @+1 {{mx-split-layers: this value of type 'f32' crosses into layer 1; only ranked tensors of static shape cross layers}}
  %s = func.call @seed() : () -> f32
  %y = mx.matmul %x, %w : tensor<2x64xf32>, !mx.tensor<64x32xf8E4M3FN, block = [32, 1]> -> tensor<2x32xf32>
  %z = mx.matmul %y, %v : tensor<2x32xf32>, !mx.tensor<32x32xf8E4M3FN, block = [32, 1]> -> tensor<2x32xf32>
  %r = linalg.fill ins(%s : f32) outs(%z : tensor<2x32xf32>) -> tensor<2x32xf32>
  return %r : tensor<2x32xf32>
}

// -----

func.func @clash_layer0() {
  return
}
// expected-error @+1 {{mx-split-layers: the module already has a symbol named 'clash_layer0'}}
func.func @clash(%x: tensor<2x64xf32>, %w: !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> {mx.prepared_weight = 0 : i64}) -> tensor<2x8xf32> {
  %y = mx.matmul %x, %w : tensor<2x64xf32>, !mx.tensor<64x8xf8E4M3FN, block = [32, 1]> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// NAMED: error: mx-split-layers: no layer to split at: no product reads a parameter argument ({mx.weight}, {mx.wrt} or {mx.prepared_weight}) and no op is marked {mx.layer_start}
func.func @no_layer(%x: tensor<2x64xf32>, %b: tensor<2x64xf32> {mx.wrt}) -> tensor<2x64xf32> {
  %y = arith.addf %x, %b : tensor<2x64xf32>
  return %y : tensor<2x64xf32>
}

// -----

// A function of several blocks is skipped unless named.
// BLOCKS: error: mx-split-layers: the function has more than one block
func.func @blocks(%x: tensor<2x64xf32>, %b: tensor<2x64xf32> {mx.wrt}) -> tensor<2x64xf32> {
  cf.br ^next
^next:
  %y = arith.addf %x, %b : tensor<2x64xf32>
  return %y : tensor<2x64xf32>
}
