// RUN: mx-opt %s --mx-cpu-pipeline | FileCheck %s

// The caller owns every buffer a function returns (the Python JIT frees
// them): a returned argument or constant is copied into a new allocation,
// and nothing of bufferization or unrealized casts survives the pipeline.

// CHECK-NOT: unrealized_conversion_cast
// CHECK-NOT: bufferization.
// CHECK-LABEL: llvm.func @returns_its_argument
// CHECK: llvm.call @malloc
// CHECK: "llvm.intr.memcpy"
// CHECK: llvm.return
func.func @returns_its_argument(%a: tensor<4xf32>) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}

// CHECK-LABEL: llvm.func @returns_a_constant
// CHECK: llvm.mlir.addressof
// CHECK: llvm.call @malloc
// CHECK: "llvm.intr.memcpy"
// CHECK: llvm.return
func.func @returns_a_constant() -> tensor<4xf32> {
  %c = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  return %c : tensor<4xf32>
}
