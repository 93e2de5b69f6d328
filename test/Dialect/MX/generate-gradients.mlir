// RUN: mx-opt %s -split-input-file -mx-generate-gradients | FileCheck %s
// RUN: mx-opt %s -mx-generate-gradients="function=affine wrt=0,2 loss-scale-argument=true" | FileCheck %s --check-prefix=OPTIONS

// The IR mx-generate-gradients emits. Its numbers are checked against finite
// differences and PyTorch in test/Integration/CPU/gradients*.py.

// A matmul's operand gradients are contractions over the other operand's
// dimensions (dX = G W^T along n, dW = X^T G along m); the bias gradient
// sums the broadcast away; an unmarked argument gets no gradient code.

// CHECK-DAG: #[[SCALAR:.+]] = affine_map<(d0, d1) -> ()>
// CHECK-DAG: #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[MK:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[MN:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[KN:.+]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-LABEL: func.func @affine(
// CHECK-SAME: %{{.*}}: tensor<4x8xf32>, %{{.*}}: tensor<8x3xf32>, %{{.*}}: tensor<3xf32>) -> tensor<f32>
// CHECK-NOT: mx.wrt
// CHECK-LABEL: func.func @affine_grad(
// CHECK-SAME: %[[X:.*]]: tensor<4x8xf32>, %[[W:.*]]: tensor<8x3xf32>, %[[B:.*]]: tensor<3xf32>)
// CHECK-SAME: -> (tensor<f32>, tensor<8x3xf32>, tensor<3xf32>) attributes {mx.gradient_of = @affine}
// The seed, 1.0, broadcast to the reduced tensor: the sum's adjoint.
// CHECK-DAG: %[[ONE:.*]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[M:.*]] = linalg.matmul ins(%[[X]], %[[W]]
// CHECK: %[[LOSS:.*]] = linalg.reduce
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[SCALAR]], #[[ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[ONE]] : tensor<f32>)
// CHECK: %[[DB:.*]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ROW]]], iterator_types = ["reduction", "parallel"]} ins(%[[G]] : tensor<4x3xf32>)
// CHECK: %[[DW:.*]] = linalg.generic {indexing_maps = [#[[MK]], #[[MN]], #[[KN]]], iterator_types = ["reduction", "parallel", "parallel"]} ins(%[[X]], %[[G]] : tensor<4x8xf32>, tensor<4x3xf32>)
// CHECK-NEXT: ^bb0(%[[XE:.*]]: f32, %[[GE:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:   %[[P:.*]] = arith.mulf %[[GE]], %[[XE]] : f32
// CHECK-NEXT:   %[[S:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT:   linalg.yield %[[S]]
// CHECK: return %[[LOSS]], %[[DW]], %[[DB]]

// With function=, wrt= and a loss-scale argument: dX is a contraction along
// n against W (transposed by its map), and the seed is the new argument.
// OPTIONS-DAG: #[[KN:.+]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// OPTIONS-DAG: #[[MN:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// OPTIONS-DAG: #[[MK:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// OPTIONS-LABEL: func.func @affine_grad(
// OPTIONS-SAME: %[[X:.*]]: tensor<4x8xf32>, %[[W:.*]]: tensor<8x3xf32>, %[[B:.*]]: tensor<3xf32>, %[[SCALE:.*]]: f32)
// OPTIONS-SAME: -> (tensor<f32>, tensor<4x8xf32>, tensor<3xf32>)
// OPTIONS: tensor.splat %[[SCALE]] : tensor<f32>
// OPTIONS: linalg.generic {indexing_maps = [#[[KN]], #[[MN]], #[[MK]]], iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[W]], %{{.*}} : tensor<8x3xf32>, tensor<4x3xf32>)
func.func @affine(%x: tensor<4x8xf32>, %w: tensor<8x3xf32> {mx.wrt}, %b: tensor<3xf32> {mx.wrt}) -> tensor<f32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x3xf32>) -> tensor<4x3xf32>
  %m = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x3xf32>) outs(%z : tensor<4x3xf32>) -> tensor<4x3xf32>
  %bb = linalg.broadcast ins(%b : tensor<3xf32>) outs(%e : tensor<4x3xf32>) dimensions = [0]
  %y = arith.addf %m, %bb : tensor<4x3xf32>
  %s0 = tensor.empty() : tensor<f32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<f32>) -> tensor<f32>
  %s = linalg.reduce ins(%y : tensor<4x3xf32>) outs(%s1 : tensor<f32>) dimensions = [0, 1]
    (%in: f32, %acc: f32) {
      %t = arith.addf %in, %acc : f32
      linalg.yield %t : f32
    }
  return %s : tensor<f32>
}

// -----

// ReLU as maximumf with zero: the gradient passes where x > 0, half of it
// at a tie; a scalar f32 loss; an argument the loss does not reach gets
// zeros; linalg.softmax is decomposed first.

// CHECK-LABEL: func.func @relu_grad(
// CHECK-SAME: -> (f32, tensor<2x4xf32>, tensor<2x4xf32>)
// CHECK-DAG: %[[HALF:.*]] = arith.constant dense<5.000000e-01> : tensor<2x4xf32>
// CHECK-DAG: %[[CZERO:.*]] = arith.constant dense<0.000000e+00> : tensor<2x4xf32>
// CHECK: %[[GT:.*]] = arith.cmpf ogt, %{{.*}}, %{{.*}} : tensor<2x4xf32>
// CHECK: %[[EQ:.*]] = arith.cmpf oeq, %{{.*}}, %{{.*}} : tensor<2x4xf32>
// CHECK: %[[H:.*]] = arith.mulf %{{.*}}, %[[HALF]]
// CHECK: %[[TIE:.*]] = arith.select %[[EQ]], %[[H]], %[[CZERO]]
// CHECK: arith.select %[[GT]], %{{.*}}, %[[TIE]]
// CHECK-NOT: linalg.softmax
// CHECK: %[[UNUSED:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: return %{{.*}}, %{{.*}}, %[[UNUSED]] : f32, tensor<2x4xf32>, tensor<2x4xf32>
func.func @relu(%x: tensor<2x4xf32> {mx.wrt}, %unused: tensor<2x4xf32> {mx.wrt}) -> f32 {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %r = arith.maximumf %x, %z : tensor<2x4xf32>
  %p = linalg.softmax dimension(1) ins(%r : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %v = tensor.extract %p[%c0, %c1] : tensor<2x4xf32>
  return %v : f32
}

// -----

// A gather (an embedding lookup): the table's gradient is a generic over
// the gather's loops plus a loop over the table's rows, adding each gathered
// element's gradient where its id is the row.

// CHECK-DAG: #[[TOK:.+]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: #[[TJ:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[ROWS:.+]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-LABEL: func.func @embed_grad(
// CHECK-SAME: %{{.*}}: tensor<16x4xf32>, %[[IDS:.*]]: tensor<3xindex>) -> (tensor<f32>, tensor<16x4xf32>)
// CHECK: %[[D:.*]] = linalg.generic {indexing_maps = [#[[TOK]], #[[TJ]], #[[ROWS]]], iterator_types = ["reduction", "parallel", "parallel"]} ins(%[[IDS]], %{{.*}} : tensor<3xindex>, tensor<3x4xf32>) outs(%{{.*}} : tensor<16x4xf32>)
// CHECK-NEXT: ^bb0(%[[ID:.*]]: index, %[[G:.*]]: f32, %[[ACC:.*]]: f32):
// CHECK-NEXT:   %[[ROW:.*]] = linalg.index 2 : index
// CHECK-NEXT:   %[[HIT:.*]] = arith.cmpi eq, %[[ID]], %[[ROW]] : index
// CHECK-NEXT:   %[[C:.*]] = arith.select %[[HIT]], %[[G]], %{{.*}} : f32
// CHECK-NEXT:   %[[S:.*]] = arith.addf %[[ACC]], %[[C]] : f32
// CHECK: return %{{.*}}, %[[D]]
func.func @embed(%table: tensor<16x4xf32> {mx.wrt}, %ids: tensor<3xindex>) -> tensor<f32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x4xf32>
  %rows = linalg.generic {indexing_maps = [affine_map<(t, j) -> (t)>, affine_map<(t, j) -> (t, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%ids : tensor<3xindex>) outs(%e : tensor<3x4xf32>) {
    ^bb0(%id: index, %out: f32):
      %j = linalg.index 1 : index
      %v = tensor.extract %table[%id, %j] : tensor<16x4xf32>
      linalg.yield %v : f32
  } -> tensor<3x4xf32>
  %s0 = tensor.empty() : tensor<f32>
  %i = linalg.fill ins(%zero : f32) outs(%s0 : tensor<f32>) -> tensor<f32>
  %s = linalg.reduce ins(%rows : tensor<3x4xf32>) outs(%i : tensor<f32>) dimensions = [0, 1]
    (%in: f32, %acc: f32) {
      %t = arith.addf %in, %acc : f32
      linalg.yield %t : f32
    }
  return %s : tensor<f32>
}
