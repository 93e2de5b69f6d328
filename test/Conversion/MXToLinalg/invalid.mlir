// RUN: mx-opt %s -convert-mx-to-linalg -split-input-file -verify-diagnostics

// Dynamic shapes are not lowered yet: a clear error, not a crash.
func.func @dynamic(%x: tensor<?x64xf32>, %s: tensor<?x2xf8E8M0FNU>) -> !mx.tensor<?x64xi8, block = [1, 32]> {
  // expected-error @+1 {{'mx.quantize' op has the dynamically shaped type 'tensor<?x64xf32>'; the lowering handles static shapes only}}
  %q = mx.quantize %x scales(%s : tensor<?x2xf8E8M0FNU>) : tensor<?x64xf32> -> !mx.tensor<?x64xi8, block = [1, 32]>
  return %q : !mx.tensor<?x64xi8, block = [1, 32]>
}

// -----

func.func @matmul_dynamic(%a: !mx.tensor<?x64xi8, block = [1, 32]>, %b: !mx.tensor<64x4xi8, block = [32, 1]>) -> tensor<?x4xf32> {
  // expected-error @+1 {{'mx.matmul' op has the dynamically shaped type '!mx.tensor<?x64xi8, block = [1, 32]>'; the lowering handles static shapes only}}
  %c = mx.matmul %a, %b : !mx.tensor<?x64xi8, block = [1, 32]>, !mx.tensor<64x4xi8, block = [32, 1]> -> tensor<?x4xf32>
  return %c : tensor<?x4xf32>
}

// -----

// Without given scales too: the error comes before the scale computation.
func.func @dequantize_dynamic(%q: !mx.tensor<?xf8E4M3FN, block = [32]>) -> tensor<?xf32> {
  // expected-error @+1 {{'mx.dequantize' op has the dynamically shaped type '!mx.tensor<?xf8E4M3FN, block = [32]>'; the lowering handles static shapes only}}
  %x = mx.dequantize %q : !mx.tensor<?xf8E4M3FN, block = [32]> -> tensor<?xf32>
  return %x : tensor<?xf32>
}
