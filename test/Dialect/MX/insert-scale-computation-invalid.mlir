// RUN: mx-opt %s -mx-insert-scale-computation -verify-diagnostics

func.func @dynamic(%x: tensor<?x64xf32>) -> !mx.tensor<?x64xi8, block = [1, 32]> {
  // expected-error @+1 {{'mx.quantize' op has a dynamically shaped input 'tensor<?x64xf32>', for which -mx-insert-scale-computation cannot make the scale computation explicit yet}}
  %q = mx.quantize %x : tensor<?x64xf32> -> !mx.tensor<?x64xi8, block = [1, 32]>
  return %q : !mx.tensor<?x64xi8, block = [1, 32]>
}
