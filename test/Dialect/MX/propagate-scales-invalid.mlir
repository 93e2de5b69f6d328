// RUN: mx-opt %s -verify-diagnostics -mx-propagate-scales="matmul-data=f4E2M1FN"
// RUN: not mx-opt %s -mx-propagate-scales="norm=l3" 2>&1 | FileCheck %s

// Bad options are errors that name the choices.

// expected-error @+1 {{mx-propagate-scales: matmul-data 'f4E2M1FN' is not one of f8E4M3FN, f8E5M2, f32}}
func.func @options(%a: tensor<4xf32>) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}
// CHECK: for the --norm option: Cannot find option named 'l3'!
