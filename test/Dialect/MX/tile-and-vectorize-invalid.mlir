// RUN: mx-opt %s -mx-tile-and-vectorize="vector-size=0" -verify-diagnostics

// expected-error @+1 {{mx-tile-and-vectorize expects vector-size >= 1, but got 0}}
func.func @f(%x: tensor<32xf32>) -> tensor<32xf32> {
  return %x : tensor<32xf32>
}
