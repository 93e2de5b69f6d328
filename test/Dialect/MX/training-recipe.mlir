// RUN: mx-opt %s -mx-training-step -mx-training-recipe | FileCheck %s --check-prefix=MXFP8
// RUN: mx-opt %s -mx-training-step -mx-training-recipe=recipe=mxfp8-hybrid | FileCheck %s --check-prefix=HYBRID
// RUN: mx-opt %s -mx-training-step -mx-training-recipe=recipe=mxfp6 | FileCheck %s --check-prefix=MXFP6
// RUN: mx-opt %s -mx-training-step -mx-training-recipe="recipe=mxfp4-weights activations=e4m3 gradients=e5m2 gradient-rounding=stochastic seed=9" | FileCheck %s --check-prefix=FP4
// RUN: mx-opt %s -mx-training-step -mx-training-recipe="weight-gradients=false scale-rule=floor" -verify-diagnostics | FileCheck %s --check-prefix=KEEP
// RUN: mx-opt %s -mx-training-step -mx-training-recipe="recipe=fp8-tensor gradient-rounding=stochastic seed=3" | FileCheck %s --check-prefix=FP8T
// RUN: mx-opt %s -mx-training-step -mx-training-recipe="recipe=fp8-tensor fp8-scaling=delayed amax-history=8" | FileCheck %s --check-prefix=DELAYED

// A two-layer loss through mx-training-step: two forward products
// (X W, H V), an input-gradient product (dH = dY V^T) and two
// weight-gradient products (dV = H^T dY, dW = X^T dH); roles come from data
// flow. Each product quantizes both operands along its own K from the f32
// tensor: H^T and X^T are transposed in f32, then quantized; V^T, a weight
// whose K runs along its rows, is V quantized in row blocks with its codes
// and scales then transposed (mx.transpose), which is the same encoding.

// MXFP8-LABEL: func.func @loss_step(
// MXFP8: mx.quantize %{{.*}} scale_rule<rceil> : tensor<8x64xf32> -> !mx.tensor<8x64xf8E4M3FN, block = [1, 32]>
// MXFP8: mx.quantize %{{.*}} scale_rule<rceil> : tensor<64x32xf32> -> !mx.tensor<64x32xf8E4M3FN, block = [32, 1]>
// MXFP8: mx.matmul {{.*}} {mx.role = "forward"}
// MXFP8: mx.matmul {{.*}} {mx.role = "forward"}
// MXFP8: %[[DY:.*]] = mx.quantize %{{.*}} scale_rule<rceil> : tensor<8x16xf32> -> !mx.tensor<8x16xf8E4M3FN, block = [1, 32]>
// MXFP8: %[[QV:.*]] = mx.quantize %arg2 scale_rule<rceil> : tensor<32x16xf32> -> !mx.tensor<32x16xf8E4M3FN, block = [1, 32]>
// MXFP8: %[[QVT:.*]] = mx.transpose %[[QV]] [1, 0] : !mx.tensor<32x16xf8E4M3FN, block = [1, 32]> -> !mx.tensor<16x32xf8E4M3FN, block = [32, 1]>
// MXFP8: mx.matmul %[[DY]], %[[QVT]] {mx.role = "input-gradient"} : {{.*}} -> tensor<8x32xf32>
// MXFP8: %[[HT:.*]] = linalg.transpose ins(%{{.*}} : tensor<8x32xf32>) outs(%{{.*}} : tensor<32x8xf32>) permutation = [1, 0]
// MXFP8: mx.quantize %[[HT]] scale_rule<rceil> : tensor<32x8xf32> -> !mx.tensor<32x8xf8E4M3FN, block = [1, 32]>
// MXFP8: mx.quantize %{{.*}} scale_rule<rceil> : tensor<8x16xf32> -> !mx.tensor<8x16xf8E4M3FN, block = [32, 1]>
// MXFP8: mx.matmul {{.*}} {mx.role = "weight-gradient"} : {{.*}} -> tensor<32x16xf32>
// MXFP8: mx.matmul {{.*}} {mx.role = "weight-gradient"} : {{.*}} -> tensor<64x32xf32>
// MXFP8-NOT: linalg.matmul

// HYBRID-LABEL: func.func @loss_step(
// HYBRID: mx.matmul {{.*}} {mx.role = "forward"} : !mx.tensor<8x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x32xf8E4M3FN, block = [32, 1]>
// HYBRID: mx.matmul {{.*}} {mx.role = "input-gradient"} : !mx.tensor<8x16xf8E5M2, block = [1, 32]>, !mx.tensor<16x32xf8E4M3FN, block = [32, 1]>
// HYBRID: mx.matmul {{.*}} {mx.role = "weight-gradient"} : !mx.tensor<32x8xf8E4M3FN, block = [1, 32]>, !mx.tensor<8x16xf8E5M2, block = [32, 1]>
// HYBRID: mx.matmul {{.*}} {mx.role = "weight-gradient"} : !mx.tensor<64x8xf8E4M3FN, block = [1, 32]>, !mx.tensor<8x32xf8E5M2, block = [32, 1]>

// MXFP6-LABEL: func.func @loss_step(
// MXFP6: mx.quantize %{{.*}} : tensor<8x64xf32> -> !mx.tensor<8x64xf6E3M2FN, block = [1, 32]>
// MXFP6: mx.matmul {{.*}} {mx.role = "input-gradient"} : !mx.tensor<8x16xf6E3M2FN, block = [1, 32]>, !mx.tensor<16x32xf6E3M2FN, block = [32, 1]>

// Overrides: MXFP4 weights, E4M3 activations, E5M2 gradients rounded
// stochastically, each product with its own seed.
// FP4-LABEL: func.func @loss_step(
// FP4: mx.matmul {{.*}} {mx.role = "forward"} : !mx.tensor<8x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x32xf4E2M1FN, block = [32, 1]>
// FP4: mx.quantize %{{.*}} rounding<stochastic> seed(13) : tensor<8x16xf32> -> !mx.tensor<8x16xf8E5M2, block = [1, 32]>
// FP4: mx.quantize %arg2 : tensor<32x16xf32> -> !mx.tensor<32x16xf4E2M1FN, block = [1, 32]>
// FP4: mx.transpose %{{.*}} [1, 0] : !mx.tensor<32x16xf4E2M1FN, block = [1, 32]> -> !mx.tensor<16x32xf4E2M1FN, block = [32, 1]>
// FP4: mx.matmul {{.*}} {mx.role = "input-gradient"}
// FP4: mx.quantize %{{.*}} : tensor<32x8xf32> -> !mx.tensor<32x8xf8E4M3FN, block = [1, 32]>
// FP4: mx.quantize %{{.*}} rounding<stochastic> seed(14) : tensor<8x16xf32> -> !mx.tensor<8x16xf8E5M2, block = [32, 1]>

// KEEP-LABEL: func.func @loss_step(
// KEEP: mx.matmul {{.*}} {mx.role = "input-gradient"}
// KEEP: linalg.generic
// KEEP-NOT: mx.matmul
// KEEP: return
// Per-tensor FP8 in Scalify's representation: each operand becomes a
// scaled tensor cast to E4M3 (weights, activations) or E5M2 (gradients,
// here rounded stochastically), the contraction runs on the FP8 data, and
// the product of the scales multiplies its result.
// FP8T-LABEL: func.func @loss_step(
// FP8T: %[[X:.*]] = mx.scale %{{.*}}, %[[SX:.*]] : tensor<8x64xf32> -> !mx.scaled<tensor<8x64xf32>>
// FP8T: %[[X8:.*]] = mx.scaled_cast %[[X]] : !mx.scaled<tensor<8x64xf32>> -> !mx.scaled<tensor<8x64xf8E4M3FN>>
// FP8T: %[[XD:.*]], %{{.*}} = mx.scaled_parts %[[X8]]
// FP8T: %[[W:.*]] = mx.scale %{{.*}}, %[[SW:.*]] : tensor<64x32xf32> -> !mx.scaled<tensor<64x32xf32>>
// FP8T: %[[W8:.*]] = mx.scaled_cast %[[W]] : !mx.scaled<tensor<64x32xf32>> -> !mx.scaled<tensor<64x32xf8E4M3FN>>
// FP8T: %[[WD:.*]], %{{.*}} = mx.scaled_parts %[[W8]]
// FP8T: %[[SXW:.*]] = arith.mulf %{{.*}}, %[[SW]] : f32
// FP8T: %[[H:.*]] = linalg.generic {{.*}} ins(%[[XD]], %[[WD]] : tensor<8x64xf8E4M3FN>, tensor<64x32xf8E4M3FN>) outs(%{{.*}} : tensor<8x32xf32>) attrs = {mx.role = "forward"}
// FP8T: arith.extf %{{.*}} : f8E4M3FN to f32
// FP8T: %[[HS:.*]] = mx.scale %[[H]], %[[SXW]] : tensor<8x32xf32> -> !mx.scaled<tensor<8x32xf32>>
// FP8T: mx.unscale %[[HS]] : !mx.scaled<tensor<8x32xf32>> -> tensor<8x32xf32>
// FP8T: linalg.generic {{.*}} attrs = {mx.role = "forward"}
// FP8T: mx.scaled_cast %{{.*}} : !mx.scaled<tensor<32x16xf32>> -> !mx.scaled<tensor<32x16xf8E4M3FN>>
// FP8T: mx.scaled_cast %{{.*}} rounding<stochastic> seed(7) : !mx.scaled<tensor<8x16xf32>> -> !mx.scaled<tensor<8x16xf8E5M2>>
// FP8T: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<32x16xf8E4M3FN>, tensor<8x16xf8E5M2>) {{.*}} attrs = {mx.role = "input-gradient"}
// FP8T: mx.scaled_cast %{{.*}} : !mx.scaled<tensor<8x32xf32>> -> !mx.scaled<tensor<8x32xf8E4M3FN>>
// FP8T: mx.scaled_cast %{{.*}} rounding<stochastic> seed(8) : !mx.scaled<tensor<8x16xf32>> -> !mx.scaled<tensor<8x16xf8E5M2>>
// FP8T: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x32xf8E4M3FN>, tensor<8x16xf8E5M2>) {{.*}} attrs = {mx.role = "weight-gradient"}
// FP8T: mx.scaled_cast %{{.*}} rounding<stochastic> seed(9) : !mx.scaled<tensor<8x32xf32>> -> !mx.scaled<tensor<8x32xf8E5M2>>
// FP8T: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<8x64xf8E4M3FN>, tensor<8x32xf8E5M2>) {{.*}} attrs = {mx.role = "weight-gradient"}
// FP8T-NOT: linalg.matmul
// FP8T: return

// Delayed scaling: an amax history per cast operand, as arguments and
// results after the step's own; the step's attribute counts them.
// DELAYED-LABEL: func.func @loss_step(
// DELAYED-SAME: %{{.*}}: f32, %[[H0:[a-z0-9]+]]: tensor<8xf32> {mx.amax_history = "forward activation"}, %{{.*}}: tensor<8xf32> {mx.amax_history = "forward weight"}
// DELAYED-SAME: {mx.amax_history = "input-gradient weight"}, %{{.*}}: tensor<8xf32> {mx.amax_history = "input-gradient gradient"}
// DELAYED-SAME: {mx.amax_history = "weight-gradient activation"}, %{{.*}}: tensor<8xf32> {mx.amax_history = "weight-gradient gradient"}
// DELAYED-SAME: -> (tensor<f32>, {{.*}}, i64, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
// DELAYED-SAME: amax_histories = 10 : i64, amax_history_length = 8 : i64
// The newest amax goes first; the older seven follow.
// DELAYED: %[[OLDER:.*]] = tensor.extract_slice %[[H0]][0] [7] [1] : tensor<8xf32> to tensor<7xf32>
// DELAYED: %[[SHIFTED:.*]] = tensor.insert_slice %[[OLDER]] into %{{.*}}[1] [7] [1] : tensor<7xf32> into tensor<8xf32>
// DELAYED: tensor.insert %{{.*}} into %[[SHIFTED]][%{{.*}}] : tensor<8xf32>
// DELAYED: return {{.*}} : tensor<f32>, {{.*}}, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
func.func @loss(%x: tensor<8x64xf32>, %w: tensor<64x32xf32> {mx.wrt, mx.weight}, %v: tensor<32x16xf32> {mx.wrt, mx.weight}) -> tensor<f32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8x32xf32>) -> tensor<8x32xf32>
  // The weight gradients of this product's operands, kept in f32 (KEEP):
  // expected-remark @below {{mx-training-recipe: weight-gradient product kept in f32 by the options}}
  %h = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x32xf32>) outs(%z : tensor<8x32xf32>) -> tensor<8x32xf32>
  %e2 = tensor.empty() : tensor<8x16xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  // expected-remark @below {{mx-training-recipe: weight-gradient product kept in f32 by the options}}
  %y = linalg.matmul ins(%h, %v : tensor<8x32xf32>, tensor<32x16xf32>) outs(%z2 : tensor<8x16xf32>) -> tensor<8x16xf32>
  %sq = arith.mulf %y, %y : tensor<8x16xf32>
  %s0 = tensor.empty() : tensor<f32>
  %s1 = linalg.fill ins(%zero : f32) outs(%s0 : tensor<f32>) -> tensor<f32>
  %s = linalg.reduce ins(%sq : tensor<8x16xf32>) outs(%s1 : tensor<f32>) dimensions = [0, 1]
    (%in: f32, %acc: f32) {
      %t = arith.addf %in, %acc : f32
      linalg.yield %t : f32
    }
  return %s : tensor<f32>
}
