// RUN: mx-opt %s -split-input-file -verify-diagnostics -mx-training-step
// RUN: not mx-opt %s -split-input-file -mx-training-step="master-rounding=stochastic" 2>&1 | FileCheck %s --check-prefix=F32SR
// RUN: not mx-opt %s -split-input-file -mx-training-step="growth-interval=0 loss-scaling=dynamic" 2>&1 | FileCheck %s --check-prefix=GROWTH
// RUN: not mx-opt %s -split-input-file -mx-training-step="wrt=1" 2>&1 | FileCheck %s --check-prefix=WRT
// RUN: not mx-opt %s -split-input-file -mx-training-step="function=absent" 2>&1 | FileCheck %s --check-prefix=ABSENT
// RUN: not mx-opt %s -mx-training-step="optimizer=lion" 2>&1 | FileCheck %s --check-prefix=OPTIMIZER
// RUN: not mx-opt %s -split-input-file -mx-training-step="function=square wrt=3" 2>&1 | FileCheck %s --check-prefix=INDEX

// F32SR: error: mx-training-step: @square rounds f32 master weights exactly: master-rounding=stochastic needs master=bf16 or master=f16
// GROWTH: error: mx-training-step: @square needs a growth-interval of at least 1
// WRT: error: mx-training-step: wrt= needs function=
// ABSENT: error: mx-training-step: no function @absent
// OPTIMIZER: for the --optimizer option: Cannot find option named 'lion'!
// INDEX: error: mx-training-step: @square has no argument #3

func.func @square(%w: tensor<4xf32> {mx.wrt}) -> tensor<f32> {
  %zero = arith.constant 0.0 : f32
  %sq = arith.mulf %w, %w : tensor<4xf32>
  %e = tensor.empty() : tensor<f32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %s = linalg.reduce ins(%sq : tensor<4xf32>) outs(%i : tensor<f32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %t = arith.addf %in, %acc : f32
      linalg.yield %t : f32
    }
  return %s : tensor<f32>
}

// -----

// expected-error @below {{mx-training-step: @half parameter #0 must be a statically shaped f32 tensor (the step updates in f32)}}
func.func @half(%w: tensor<4xbf16> {mx.wrt}) -> bf16 {
  %c0 = arith.constant 0 : index
  %v = tensor.extract %w[%c0] : tensor<4xbf16>
  return %v : bf16
}

// -----

// expected-error @below {{mx-training-step: @taken cannot have its step built: @taken_step already exists}}
func.func @taken(%w: tensor<f32> {mx.wrt}) -> tensor<f32> {
  return %w : tensor<f32>
}
func.func @taken_step() {
  return
}

// -----

// expected-error @below {{mx-training-step: no parameters: mark arguments {mx.wrt} or give function= and wrt=}}
module {
  func.func @nothing(%w: f32) -> f32 {
    return %w : f32
  }
}

// -----

func.func private @opaque(tensor<4xf32>) -> tensor<f32>

func.func @opaque_loss(%w: tensor<4xf32> {mx.wrt}) -> tensor<f32> {
  // expected-error @below {{mx-generate-gradients: cannot differentiate 'func.call' (no gradient rule), on the way from a differentiated argument of @opaque_loss to its loss}}
  %l = func.call @opaque(%w) : (tensor<4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
