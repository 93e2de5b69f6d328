// RUN: mx-opt %s -split-input-file -mx-outline-kernels | FileCheck %s
// RUN: mx-opt %s -split-input-file -mx-outline-kernels="min-uses=1" | FileCheck %s --check-prefix=ALL
// RUN: not mx-opt %s -mx-outline-kernels="min-uses=0" 2>&1 | FileCheck %s --check-prefix=BAD

// Two layers: the quantizes and matmuls that agree on attributes and types
// call one function each, in program order; the rounding attribute makes
// the third quantize another kernel, used once, which stays inline (with
// min-uses=1 it is outlined too). The constant-fed quantize stays.
// CHECK-LABEL: func.func @two_layers(
// CHECK-SAME: %[[X:[^:]+]]: tensor<16x64xf32>, %[[W0:[^:]+]]: tensor<64x64xf32>, %[[W1:[^:]+]]: tensor<64x64xf32>
// CHECK: %[[QX:.+]] = call @__mx_kernel_quantize_0(%[[X]])
// CHECK: %[[QW0:.+]] = call @__mx_kernel_quantize_1(%[[W0]])
// CHECK: %[[Y0:.+]] = call @__mx_kernel_matmul_0(%[[QX]], %[[QW0]])
// CHECK: %[[QY:.+]] = call @__mx_kernel_quantize_0(%[[Y0]])
// CHECK: %[[QW1:.+]] = call @__mx_kernel_quantize_1(%[[W1]])
// CHECK: %[[Y1:.+]] = call @__mx_kernel_matmul_0(%[[QY]], %[[QW1]])
// CHECK: mx.quantize %[[Y1]] rounding<stochastic> seed(1)
// CHECK: mx.quantize %{{.+}} :
// CHECK: return
// CHECK: func.func private @__mx_kernel_quantize_0(%[[A:.+]]: tensor<16x64xf32>) -> !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>
// CHECK-NEXT: %[[Q:.+]] = mx.quantize %[[A]] : tensor<16x64xf32> -> !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>
// CHECK-NEXT: return %[[Q]]
// CHECK: func.func private @__mx_kernel_quantize_1(%{{.+}}: tensor<64x64xf32>) -> !mx.tensor<64x64xf8E4M3FN, block = [32, 1]>
// CHECK: func.func private @__mx_kernel_matmul_0(%[[L:.+]]: !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, %[[R:.+]]: !mx.tensor<64x64xf8E4M3FN, block = [32, 1]>) -> tensor<16x64xf32>
// CHECK-NEXT: %[[M:.+]] = mx.matmul %[[L]], %[[R]]
// CHECK-NEXT: return %[[M]]
// CHECK-NOT: func.func

// ALL-LABEL: func.func @two_layers(
// ALL: call @__mx_kernel_quantize_2(
// ALL: func.func private @__mx_kernel_quantize_2(%{{.+}}: tensor<16x64xf32>)
// ALL-NEXT: mx.quantize %{{.+}} rounding<stochastic> seed(1)

// BAD: mx-outline-kernels: min-uses must be at least 1, but got 0
func.func @two_layers(%x: tensor<16x64xf32>, %w0: tensor<64x64xf32>, %w1: tensor<64x64xf32>) -> (!mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>) {
  %qx = mx.quantize %x : tensor<16x64xf32> -> !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>
  %qw0 = mx.quantize %w0 : tensor<64x64xf32> -> !mx.tensor<64x64xf8E4M3FN, block = [32, 1]>
  %y0 = mx.matmul %qx, %qw0 : !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x64xf8E4M3FN, block = [32, 1]> -> tensor<16x64xf32>
  %qy = mx.quantize %y0 : tensor<16x64xf32> -> !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>
  %qw1 = mx.quantize %w1 : tensor<64x64xf32> -> !mx.tensor<64x64xf8E4M3FN, block = [32, 1]>
  %y1 = mx.matmul %qy, %qw1 : !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x64xf8E4M3FN, block = [32, 1]> -> tensor<16x64xf32>
  %s = mx.quantize %y1 rounding<stochastic> seed(1) : tensor<16x64xf32> -> !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>
  %c = arith.constant dense<1.0> : tensor<16x64xf32>
  %qc = mx.quantize %c : tensor<16x64xf32> -> !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>
  return %s, %qc : !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>
}

// -----

// Kernels inside loops and in several functions share one function; a
// user symbol of the generated name keeps its name and the kernel takes
// another.
// CHECK-LABEL: func.func @__mx_kernel_dequantize_0(
// CHECK-LABEL: func.func @in_loop(
// CHECK: scf.for
// CHECK: call @[[K:__mx_kernel_dequantize_0_[0-9]+]](
// CHECK-LABEL: func.func @other(
// CHECK: call @[[K]](
// CHECK: func.func private @[[K]](
func.func @__mx_kernel_dequantize_0() {
  return
}
func.func @in_loop(%q: !mx.tensor<4x32xf4E2M1FN, block = [1, 32]>, %n: index) -> tensor<4x32xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %e = tensor.empty() : tensor<4x32xf32>
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %e) -> tensor<4x32xf32> {
    %d = mx.dequantize %q : !mx.tensor<4x32xf4E2M1FN, block = [1, 32]> -> tensor<4x32xf32>
    scf.yield %d : tensor<4x32xf32>
  }
  return %r : tensor<4x32xf32>
}
func.func @other(%q: !mx.tensor<4x32xf4E2M1FN, block = [1, 32]>) -> tensor<4x32xf32> {
  %d = mx.dequantize %q : !mx.tensor<4x32xf4E2M1FN, block = [1, 32]> -> tensor<4x32xf32>
  return %d : tensor<4x32xf32>
}

// -----

// Repeated loop nests: the bias add + ReLU of two layers prints the same as
// a function, so both call it; the function makes its own destination
// (tensor.empty and the fill of a constant) and keeps the scalar constant,
// and takes the tensors it reads. A linalg op that writes into a tensor the
// caller computed stays inline (the function would have to return its
// argument). With loop-nests=false only kernel ops move.
// CHECK-LABEL: func.func @loop_nests(
// CHECK-SAME: %[[X:[^:]+]]: tensor<4x8xf32>, %[[Y:[^:]+]]: tensor<4x8xf32>, %[[B:[^:]+]]: tensor<4x8xf32>
// CHECK: %[[L0:.+]] = call @[[F:__mx_loops_0]](%[[X]], %[[B]])
// CHECK: %[[L1:.+]] = call @[[F]](%[[Y]], %[[B]])
// CHECK: linalg.generic {{.+}} outs(%[[L1]] : tensor<4x8xf32>)
// CHECK: linalg.generic {{.+}} outs(%[[L0]] : tensor<4x8xf32>)
// CHECK: func.func private @[[F]](%[[A:[^:]+]]: tensor<4x8xf32>, %[[C:[^:]+]]: tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK-DAG: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[E:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK: %[[FILL:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]]
// CHECK: %[[R:.+]] = linalg.generic {{.+}} ins(%[[A]], %[[C]] : tensor<4x8xf32>, tensor<4x8xf32>) outs(%[[FILL]] : tensor<4x8xf32>)
// CHECK: arith.maximumf %{{.+}}, %[[ZERO]] : f32
// CHECK: return %[[R]]
// NONESTS-LABEL: func.func @loop_nests(
// NONESTS-NOT: call
// RUN: mx-opt %s -split-input-file -mx-outline-kernels="loop-nests=false" | FileCheck %s --check-prefix=NONESTS
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @loop_nests(%x: tensor<4x8xf32>, %y: tensor<4x8xf32>, %b: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %l0 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<4x8xf32>, tensor<4x8xf32>) outs(%z : tensor<4x8xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %l1 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%y, %b : tensor<4x8xf32>, tensor<4x8xf32>) outs(%z1 : tensor<4x8xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  // Accumulations into the layers' results: destinations from the caller.
  %a0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%l1 : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %a1 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%l0 : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  return %a0, %a1 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Products of constant weights (packs of constants): outlined like others,
// the weights become the function's argument; with keep-constant-weights
// they stay inline, so that convert-mx-to-vector's prepack-weights sees
// the constants (and the product on argument weights, then alone in its
// signature, stays too).
// RUN: mx-opt %s -split-input-file -mx-outline-kernels="keep-constant-weights=true" | FileCheck %s --check-prefix=KEEP
// CHECK-LABEL: func.func @constant_weights
// CHECK-COUNT-3: call @__mx_kernel_matmul_0
// KEEP-LABEL: func.func @constant_weights
// NONESTS-LABEL: func.func @constant_weights
// KEEP: mx.pack
// KEEP-NEXT: mx.matmul
// KEEP-NOT: call
// KEEP: mx.pack
// KEEP-NEXT: mx.matmul
// KEEP-NOT: call
func.func @constant_weights(%a: !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, %w: !mx.tensor<64x64xf8E4M3FN, block = [32, 1]>) -> (tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>) {
  %e = arith.constant dense<1.0> : tensor<64x64xf8E4M3FN>
  %s = arith.constant dense<1.0> : tensor<2x64xf8E8M0FNU>
  %b = mx.pack %e, %s : tensor<64x64xf8E4M3FN>, tensor<2x64xf8E8M0FNU> -> !mx.tensor<64x64xf8E4M3FN, block = [32, 1]>
  %c = mx.matmul %a, %b : !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x64xf8E4M3FN, block = [32, 1]> -> tensor<16x64xf32>
  %e2 = arith.constant dense<2.0> : tensor<64x64xf8E4M3FN>
  %b2 = mx.pack %e2, %s : tensor<64x64xf8E4M3FN>, tensor<2x64xf8E8M0FNU> -> !mx.tensor<64x64xf8E4M3FN, block = [32, 1]>
  %c2 = mx.matmul %a, %b2 : !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x64xf8E4M3FN, block = [32, 1]> -> tensor<16x64xf32>
  %c3 = mx.matmul %a, %w : !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x64xf8E4M3FN, block = [32, 1]> -> tensor<16x64xf32>
  return %c, %c2, %c3 : tensor<16x64xf32>, tensor<16x64xf32>, tensor<16x64xf32>
}
