// RUN: mx-opt %s -mx-unshare-empty-tensors | FileCheck %s

// Each use gets its own tensor.empty, made where the shared one was (so
// the use inside the loop keeps a buffer made outside it); a single-use
// empty and its dynamic size stay as they are.
// CHECK-LABEL: func.func @layers(
// CHECK-SAME: %[[X:[^:]+]]: tensor<4x8xf32>, %[[N:[^:]+]]: index
// CHECK: %[[E0:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT: %[[E1:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NEXT: %[[E2:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK-NOT: tensor.empty() : tensor<4x8xf32>
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[E0]] : tensor<4x8xf32>)
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[E1]] : tensor<4x8xf32>)
// CHECK: scf.for
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[E2]] : tensor<4x8xf32>)
// CHECK: tensor.empty(%[[N]]) : tensor<?xf32>
func.func @layers(%x: tensor<4x8xf32>, %n: index) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<?xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty() : tensor<4x8xf32>
  %a = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %b = linalg.fill ins(%one : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %c = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %x) -> tensor<4x8xf32> {
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
    scf.yield %f : tensor<4x8xf32>
  }
  %d = tensor.empty(%n) : tensor<?xf32>
  return %a, %b, %c, %d : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<?xf32>
}
