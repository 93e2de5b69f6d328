// RUN: mx-opt %s -mx-propagate-scales="norm=l2" -verify-diagnostics -o /dev/null

// An op without a scale rule whose result a rule uses gets a remark: its
// value's scale is measured at run time. Arguments are rescaled silently;
// ops whose results no rule uses, and bounded ones (tanh), say nothing.
func.func @remarks(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  // expected-remark @+1 {{mx-propagate-scales: no scale rule for 'math.exp': its result is rescaled at run time (norm<l2>)}}
  %e = math.exp %a : tensor<4xf32>
  %l = math.log %a : tensor<4xf32>
  %t = math.tanh %b : tensor<4xf32>
  %m = arith.mulf %e, %t : tensor<4xf32>
  return %m, %l : tensor<4xf32>, tensor<4xf32>
}
