// The lowered module records the states of the CPU features the kernels were
// chosen by (lib/Target/CPU), in a fixed order; "host" resolves to this CPU's.
// RUN: mx-opt %s -convert-mx-to-vector="cpu-features=" | FileCheck %s --check-prefix=NONE
// RUN: mx-opt %s -convert-mx-to-vector="cpu-features=+avx512f,+avx512bf16,+avx512bw" | FileCheck %s --check-prefix=PAIRS
// RUN: mx-opt %s -convert-mx-to-vector="cpu-features=+avx512vnni,+amx-tile,+amx-int8,-avx512vnni" | FileCheck %s --check-prefix=LAST
// RUN: mx-opt %s -convert-mx-to-vector | FileCheck %s --check-prefix=HOST

// NONE: module attributes {mx.cpu_kernel_features = "-avx512f,-avx512bw,-avx512bf16,-avx512vnni,-amx-tile,-amx-bf16,-amx-int8"}
// PAIRS: module attributes {mx.cpu_kernel_features = "+avx512f,+avx512bw,+avx512bf16,-avx512vnni,-amx-tile,-amx-bf16,-amx-int8"}
// The last mention of a feature wins, as in LLVM.
// LAST: module attributes {mx.cpu_kernel_features = "-avx512f,-avx512bw,-avx512bf16,-avx512vnni,+amx-tile,-amx-bf16,+amx-int8"}
// HOST: module attributes {mx.cpu_kernel_features = "{{[-+]}}avx512f,{{[-+]}}avx512bw,{{[-+]}}avx512bf16,{{[-+]}}avx512vnni,{{[-+]}}amx-tile,{{[-+]}}amx-bf16,{{[-+]}}amx-int8"}
func.func @quantize(%x: tensor<4x64xf32>) -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]> {
  %q = mx.quantize %x : tensor<4x64xf32> -> !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
  return %q : !mx.tensor<4x64xf8E4M3FN, block = [1, 32]>
}
