// The README's demo input stays valid and keeps doing what the demo shows.
// RUN: mx-opt %mx_src_root/examples/mlp.mlir -mx-expand-casts -canonicalize -cse | FileCheck %s

// CHECK-LABEL: func.func @mlp
// CHECK: %[[W1:.+]] = mx.pack
// CHECK: %[[X:.+]] = mx.quantize %{{.*}} : tensor<8x256xf32>
// CHECK: %[[H:.+]] = mx.matmul %[[X]], %[[W1]]
// CHECK: %[[RELU:.+]] = arith.maximumf %[[H]]
// CHECK: %[[HQ:.+]] = mx.quantize %[[RELU]] :
// CHECK-NOT: mx.cast
// CHECK: %[[W2F:.+]] = mx.dequantize %{{.*}} -> tensor<512x128xf32>
// CHECK: %[[W2Q:.+]] = mx.quantize %[[W2F]] scale_rule<rceil>
// CHECK: %[[W2:.+]] = mx.ldexp %[[W2Q]], -2 :
// CHECK: %[[Y:.+]] = mx.matmul %[[HQ]], %[[W2]]
// CHECK: return %[[Y]]
