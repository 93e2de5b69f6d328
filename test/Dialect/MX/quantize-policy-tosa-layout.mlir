// RUN: mx-opt %s --pass-pipeline="builtin.module(func.func(tosa-to-linalg-named,tosa-to-tensor,tosa-to-arith,tosa-to-linalg),mx-quantize-policy{weights=e2m1 activations=none})" | FileCheck %s

// How another compiler's TOSA writes nn.Linear: the weight stored as
// [out, in], then tosa.transpose and tosa.reshape to the [1, K, N] operand
// of tosa.matmul. After upstream's TOSA-to-linalg passes the policy still
// sees a weight through the transpose and reshapes (weight-only mode
// converts it), for a constant and for an argument marked {mx.weight}.

// CHECK-LABEL: func.func @constant_weight
// CHECK: %[[W:.+]] = arith.constant dense<{{.+}}> : tensor<32x4xf32>
// CHECK: mx.quantize %[[W]] : tensor<32x4xf32> -> !mx.tensor<32x4xf4E2M1FN, block = [32, 1]>
// CHECK: mx.matmul
func.func @constant_weight(%x: tensor<1x16x32xf32>) -> tensor<1x16x4xf32> {
  %w = "tosa.const"() <{values = dense<[[-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0], [0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5], [-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5], [1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, -1.5, -1.0]]> : tensor<4x32xf32>}> : () -> tensor<4x32xf32>
  %t = tosa.transpose %w {perms = array<i32: 1, 0>} : (tensor<4x32xf32>) -> tensor<32x4xf32>
  %s = tosa.const_shape {values = dense<[1, 32, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %r = tosa.reshape %t, %s : (tensor<32x4xf32>, !tosa.shape<3>) -> tensor<1x32x4xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %y = tosa.matmul %x, %r, %zp, %zp : (tensor<1x16x32xf32>, tensor<1x32x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x4xf32>
  return %y : tensor<1x16x4xf32>
}

// CHECK-LABEL: func.func @argument_weight
// CHECK: mx.quantize %{{.+}} : tensor<32x4xf32> -> !mx.tensor<32x4xf4E2M1FN, block = [32, 1]>
// CHECK: mx.matmul
func.func @argument_weight(%x: tensor<1x16x32xf32>, %w: tensor<4x32xf32> {mx.weight}) -> tensor<1x16x4xf32> {
  %t = tosa.transpose %w {perms = array<i32: 1, 0>} : (tensor<4x32xf32>) -> tensor<32x4xf32>
  %s = tosa.const_shape {values = dense<[1, 32, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %r = tosa.reshape %t, %s : (tensor<32x4xf32>, !tosa.shape<3>) -> tensor<1x32x4xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %y = tosa.matmul %x, %r, %zp, %zp : (tensor<1x16x32xf32>, tensor<1x32x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x4xf32>
  return %y : tensor<1x16x4xf32>
}
