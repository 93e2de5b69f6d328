// RUN: mx-opt %s -convert-mx-to-linalg -split-input-file -verify-diagnostics

// Dynamic shapes are not lowered yet: a clear error, not a crash.
func.func @dynamic(%x: tensor<?x64xf32>, %s: tensor<?x2xf8E8M0FNU>) -> !mx.tensor<?x64xi8, block = [1, 32]> {
  // expected-error @+1 {{failed to legalize operation 'mx.quantize' that was explicitly marked illegal}}
  %q = mx.quantize %x scales(%s : tensor<?x2xf8E8M0FNU>) : tensor<?x64xf32> -> !mx.tensor<?x64xi8, block = [1, 32]>
  return %q : !mx.tensor<?x64xi8, block = [1, 32]>
}

// -----

func.func @matmul_dynamic(%a: !mx.tensor<?x64xi8, block = [1, 32]>, %b: !mx.tensor<64x4xi8, block = [32, 1]>) -> tensor<?x4xf32> {
  // expected-error @+1 {{failed to legalize operation 'mx.matmul' that was explicitly marked illegal}}
  %c = mx.matmul %a, %b : !mx.tensor<?x64xi8, block = [1, 32]>, !mx.tensor<64x4xi8, block = [32, 1]> -> tensor<?x4xf32>
  return %c : tensor<?x4xf32>
}
