// RUN: not mx-opt %s -convert-mx-to-vector=cpu-features=avx512f 2>&1 | FileCheck %s --check-prefix=SIGN
// RUN: not mx-opt %s -convert-mx-to-vector="cpu-features=+avx512f,+" 2>&1 | FileCheck %s --check-prefix=EMPTY
// RUN: %if x86_64-host %{ not mx-opt %s -convert-mx-to-vector=cpu-features=+avx512bf 2>&1 | FileCheck %s --check-prefix=UNKNOWN %}
// RUN: not mx-opt %s --mx-cpu-pipeline="cpu-features=avx512f" 2>&1 | FileCheck %s --check-prefix=SIGN
// RUN: mx-opt %s -convert-mx-to-vector="cpu-features=" | FileCheck %s --check-prefix=NONE

// A feature list names each feature with + or -; "" asks for none.

// SIGN: error: cpu-features: expected "host" or a comma-separated list of +feature / -feature, but got 'avx512f'
// EMPTY: error: cpu-features: expected "host" or a comma-separated list of +feature / -feature, but got '+'
// UNKNOWN: error: cpu-features: 'avx512bf' is not a CPU feature LLVM knows for this host (e.g. avx512f, avx512bf16, avx512vnni)
// NONE-LABEL: func.func @quantize
// NONE: scf.parallel
func.func @quantize(%x: tensor<4x64xf32>) -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]> {
  %q = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
  return %q : !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
}
