// RUN: mx-opt %s -split-input-file -mx-split-layers=micro-batches=3 | FileCheck %s

// Two layers of prepared (MX) weights: each layer's product with its bias
// and ReLU tail. The activation quantize (pure, MX-typed) is recomputed in
// the layer that reads it, so what crosses layers is the f32 activation;
// the constant is cloned into each layer. The driver runs each layer over
// the three micro-batches before the next; @f stays.
// CHECK-LABEL: func.func @f(
// CHECK-LABEL: func.func @f_layer0(
// CHECK-SAME: %[[X:[^:]+]]: tensor<2x64xf32> {mx.input = 0 : i64},
// CHECK-SAME: %[[W:[^:]+]]: !mx.tensor<64x32xf4E2M1FN, block = [32, 1]> {mx.argument = 1 : i64, mx.prepared_weight = 0 : i64},
// CHECK-SAME: %[[B:[^:]+]]: tensor<2x32xf32> {mx.argument = 2 : i64, mx.wrt})
// CHECK-SAME: -> tensor<2x32xf32> attributes {mx.layer = 0 : i64}
// CHECK: %[[ZERO:.+]] = arith.constant dense<0.000000e+00>
// CHECK: %[[QX:.+]] = mx.quantize %[[X]]
// CHECK: %[[Y:.+]] = mx.matmul %[[QX]], %[[W]]
// CHECK: %[[S:.+]] = arith.addf %[[Y]], %[[B]]
// CHECK: %[[R:.+]] = arith.maximumf %[[S]], %[[ZERO]]
// CHECK: return %[[R]]
// CHECK-LABEL: func.func @f_layer1(
// CHECK-SAME: %[[H:[^:]+]]: tensor<2x32xf32> {mx.from_layer = array<i64: 0, 0>},
// CHECK-SAME: %[[V:[^:]+]]: !mx.tensor<32x16xf4E2M1FN, block = [32, 1]> {mx.argument = 3 : i64, mx.prepared_weight = 1 : i64})
// CHECK-SAME: -> (tensor<2x16xf32> {mx.output = 0 : i64}) attributes {mx.layer = 1 : i64}
// CHECK: %[[QH:.+]] = mx.quantize %[[H]]
// CHECK: %[[Z:.+]] = mx.matmul %[[QH]], %[[V]]
// CHECK: %[[ZERO1:.+]] = arith.constant dense<0.000000e+00>
// CHECK: %[[R1:.+]] = arith.maximumf %[[Z]], %[[ZERO1]]
// CHECK: return %[[R1]]
// CHECK-LABEL: func.func @f_l2l(
// CHECK-SAME: %[[SX:[^:]+]]: tensor<3x2x64xf32>, %[[DW:[^:]+]]: !mx.tensor<64x32xf4E2M1FN, block = [32, 1]> {mx.prepared_weight = 0 : i64},
// CHECK-SAME: %[[DB:[^:]+]]: tensor<2x32xf32> {mx.wrt}, %[[DV:[^:]+]]: !mx.tensor<32x16xf4E2M1FN, block = [32, 1]> {mx.prepared_weight = 1 : i64})
// CHECK-SAME: -> tensor<3x2x16xf32> attributes {mx.micro_batches = 3 : i64}
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[C3:.+]] = arith.constant 3 : index
// CHECK: %[[E0:.+]] = tensor.empty() : tensor<3x2x32xf32>
// CHECK: %[[L0:.+]] = scf.for %[[I:.+]] = %[[C0]] to %[[C3]] step %[[C1]] iter_args(%[[ACC:.+]] = %[[E0]])
// CHECK: %[[XI:.+]] = tensor.extract_slice %[[SX]][%[[I]], 0, 0] [1, 2, 64] [1, 1, 1] : tensor<3x2x64xf32> to tensor<2x64xf32>
// CHECK: %[[HI:.+]] = func.call @f_layer0(%[[XI]], %[[DW]], %[[DB]])
// CHECK: %[[UP:.+]] = tensor.insert_slice %[[HI]] into %[[ACC]][%[[I]], 0, 0] [1, 2, 32] [1, 1, 1]
// CHECK: scf.yield %[[UP]]
// CHECK: %[[E1:.+]] = tensor.empty() : tensor<3x2x16xf32>
// CHECK: %[[L1:.+]] = scf.for %[[J:.+]] = %[[C0]] to %[[C3]] step %[[C1]] iter_args(%[[ACC1:.+]] = %[[E1]])
// CHECK: %[[HJ:.+]] = tensor.extract_slice %[[L0]][%[[J]], 0, 0] [1, 2, 32]
// CHECK: func.call @f_layer1(%[[HJ]], %[[DV]])
// CHECK: return %[[L1]] : tensor<3x2x16xf32>
func.func @f(%x: tensor<2x64xf32>,
             %w: !mx.tensor<64x32xf4E2M1FN, block = [32, 1]> {mx.prepared_weight = 0 : i64},
             %b: tensor<2x32xf32> {mx.wrt},
             %v: !mx.tensor<32x16xf4E2M1FN, block = [32, 1]> {mx.prepared_weight = 1 : i64}) -> tensor<2x16xf32> {
  %zero = arith.constant dense<0.0> : tensor<2x32xf32>
  %qx = mx.quantize %x : tensor<2x64xf32> -> !mx.tensor<2x64xf8E4M3FN, block = [1, 32]>
  %y = mx.matmul %qx, %w : !mx.tensor<2x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x32xf4E2M1FN, block = [32, 1]> -> tensor<2x32xf32>
  %s = arith.addf %y, %b : tensor<2x32xf32>
  %h = arith.maximumf %s, %zero : tensor<2x32xf32>
  %qh = mx.quantize %h : tensor<2x32xf32> -> !mx.tensor<2x32xf8E4M3FN, block = [1, 32]>
  %z = mx.matmul %qh, %v : !mx.tensor<2x32xf8E4M3FN, block = [1, 32]>, !mx.tensor<32x16xf4E2M1FN, block = [32, 1]> -> tensor<2x16xf32>
  %zero16 = arith.constant dense<0.0> : tensor<2x16xf32>
  %r = arith.maximumf %z, %zero16 : tensor<2x16xf32>
  return %r : tensor<2x16xf32>
}

// -----

// f32 weights ({mx.weight}): their preparation (transpose, quantize) goes
// to a weights function the driver calls once per layer, before the
// layer's micro-batches, and the layer function takes the prepared weight
// ({mx.layer_weight}). A skip connection: %h0, computed by layer 0, is read
// by layers 1 and 2, and the input %x by layer 2: each layer's activations
// say where they come from ({mx.input = i}: argument i of @skip;
// {mx.from_layer = [j, r]}: result r of layer j), and the result @skip
// returns says so ({mx.output = 0}). linalg.matmul is a
// product too, on a weight taken as it is; a weight used by two layers is
// prepared for each.
// CHECK-LABEL: func.func @skip_layer0_weights(
// CHECK-SAME: %[[W:[^:]+]]: tensor<32x32xf32> {mx.argument = 1 : i64, mx.weight})
// CHECK-SAME: -> !mx.tensor<32x32xf8E4M3FN, block = [32, 1]> attributes {mx.layer_weights = 0 : i64}
// CHECK: %[[T:.+]] = linalg.transpose ins(%[[W]]
// CHECK: %[[Q:.+]] = mx.quantize %[[T]]
// CHECK: return %[[Q]]
// CHECK-LABEL: func.func @skip_layer0(
// CHECK-SAME: %[[X0:[^:]+]]: tensor<2x32xf32> {mx.input = 0 : i64}, %[[Q0:[^:]+]]: !mx.tensor<32x32xf8E4M3FN, block = [32, 1]> {mx.layer_weight = 0 : i64})
// CHECK-SAME: -> tensor<2x32xf32>
// CHECK-NEXT: %[[P0:.+]] = mx.matmul %[[X0]], %[[Q0]]
// CHECK-NEXT: return %[[P0]]
// CHECK-LABEL: func.func @skip_layer1(
// CHECK-SAME: %{{[^:]+}}: tensor<2x32xf32> {mx.from_layer = array<i64: 0, 0>}, %{{[^:]+}}: tensor<32x32xf32> {mx.argument = 2 : i64, mx.weight}) -> tensor<2x32xf32>
// CHECK: linalg.matmul
// CHECK-LABEL: func.func @skip_layer2_weights(
// CHECK-SAME: tensor<32x32xf32> {mx.argument = 1 : i64, mx.weight})
// CHECK-LABEL: func.func @skip_layer2(
// CHECK-SAME: %[[H1:[^:]+]]: tensor<2x32xf32> {mx.from_layer = array<i64: 1, 0>}, %[[H0:[^:]+]]: tensor<2x32xf32> {mx.from_layer = array<i64: 0, 0>}, %[[X:[^:]+]]: tensor<2x32xf32> {mx.input = 0 : i64},
// CHECK-SAME: %[[Q2:[^:]+]]: !mx.tensor<32x32xf8E4M3FN, block = [32, 1]> {mx.layer_weight = 0 : i64})
// CHECK-SAME: -> (tensor<2x32xf32> {mx.output = 0 : i64})
// CHECK-NEXT: %[[P:.+]] = mx.matmul %[[H1]], %[[Q2]]
// CHECK-NEXT: %[[A:.+]] = arith.addf %[[P]], %[[H0]]
// CHECK-NEXT: arith.addf %[[A]], %[[X]]
// CHECK-LABEL: func.func @skip_l2l(
// CHECK-SAME: %[[SX:[^:]+]]: tensor<3x2x32xf32>, %[[DW0:[^:]+]]: tensor<32x32xf32> {mx.weight}, %[[DW1:[^:]+]]: tensor<32x32xf32> {mx.weight})
// CHECK: %[[PW0:.+]] = call @skip_layer0_weights(%[[DW0]])
// CHECK: %[[L0:.+]] = scf.for
// CHECK: call @skip_layer0(%{{.+}}, %[[PW0]])
// CHECK: %[[L1:.+]] = scf.for
// CHECK: tensor.extract_slice %[[L0]]
// CHECK: call @skip_layer1(%{{.+}}, %[[DW1]])
// CHECK: %[[PW2:.+]] = call @skip_layer2_weights(%[[DW0]])
// CHECK: scf.for
// CHECK-DAG: tensor.extract_slice %[[L1]]
// CHECK-DAG: tensor.extract_slice %[[L0]]
// CHECK-DAG: tensor.extract_slice %[[SX]]
// CHECK: call @skip_layer2({{.+}}, %[[PW2]])
func.func @skip(%x: tensor<2x32xf32>, %w0: tensor<32x32xf32> {mx.weight},
                %w1: tensor<32x32xf32> {mx.weight}) -> tensor<2x32xf32> {
  %e = tensor.empty() : tensor<32x32xf32>
  %t = linalg.transpose ins(%w0 : tensor<32x32xf32>) outs(%e : tensor<32x32xf32>) permutation = [1, 0]
  %q = mx.quantize %t : tensor<32x32xf32> -> !mx.tensor<32x32xf8E4M3FN, block = [32, 1]>
  %h0 = mx.matmul %x, %q : tensor<2x32xf32>, !mx.tensor<32x32xf8E4M3FN, block = [32, 1]> -> tensor<2x32xf32>
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<2x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<2x32xf32>) -> tensor<2x32xf32>
  %h1 = linalg.matmul ins(%h0, %w1 : tensor<2x32xf32>, tensor<32x32xf32>) outs(%acc : tensor<2x32xf32>) -> tensor<2x32xf32>
  %h2 = mx.matmul %h1, %q : tensor<2x32xf32>, !mx.tensor<32x32xf8E4M3FN, block = [32, 1]> -> tensor<2x32xf32>
  %s = arith.addf %h2, %h0 : tensor<2x32xf32>
  %r = arith.addf %s, %x : tensor<2x32xf32>
  return %r : tensor<2x32xf32>
}

// -----

// A product of two activations (attention scores: no parameter) does not
// start a layer; {mx.layer_start} marks a boundary by hand. Constant
// weights are parameters too. A function with no layer is left alone.
// CHECK-LABEL: func.func @marked_layer0(
// CHECK-SAME: %[[X:[^:]+]]: tensor<4x4xf32> {mx.input = 0 : i64}) -> tensor<4x4xf32>
// CHECK: linalg.matmul ins(%[[X]], %[[X]]
// CHECK: arith.constant dense<5.000000e-01>
// CHECK: linalg.matmul
// CHECK-LABEL: func.func @marked_layer1(
// CHECK: arith.mulf {{.*}}mx.layer_start
// CHECK-LABEL: func.func @marked_l2l(
// CHECK-SAME: tensor<3x4x4xf32>) -> tensor<3x4x4xf32>
// CHECK-NOT: func.func @plain_
func.func @marked(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<4x4xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<4x4xf32>) -> tensor<4x4xf32>
  %scores = linalg.matmul ins(%x, %x : tensor<4x4xf32>, tensor<4x4xf32>) outs(%acc : tensor<4x4xf32>) -> tensor<4x4xf32>
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  %y = linalg.matmul ins(%scores, %w : tensor<4x4xf32>, tensor<4x4xf32>) outs(%acc : tensor<4x4xf32>) -> tensor<4x4xf32>
  %z = arith.mulf %y, %y {mx.layer_start} : tensor<4x4xf32>
  return %z : tensor<4x4xf32>
}
func.func @plain(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %y = arith.mulf %x, %x : tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}
