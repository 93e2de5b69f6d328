// mx-nvvm-pipeline's target options, without ptxas: the PTX ISA version
// follows `features`, and `format=llvm` embeds LLVM bitcode instead of PTX.
// RUN: mx-opt %s --mx-nvvm-pipeline="chip=sm_120a features=+ptx87" -o %t.mlir
// RUN: %extract_ptx %t.mlir %t.ptx
// RUN: FileCheck %s --check-prefix=PTX87 < %t.ptx
// RUN: mx-opt %s --mx-nvvm-pipeline="chip=sm_90a" -o %t.default.mlir
// RUN: %extract_ptx %t.default.mlir %t.default.ptx
// RUN: FileCheck %s --check-prefix=DEFAULT < %t.default.ptx
// RUN: mx-opt %s --mx-nvvm-pipeline="chip=sm_90a format=llvm" | FileCheck %s --check-prefix=LLVM

// PTX87: .version 8.7
// PTX87: .target sm_120a
// PTX87: .visible .entry q(
// DEFAULT: .version 8.8
// DEFAULT: .target sm_90a
// LLVM: gpu.binary @mx_kernels [#gpu.object<#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx88">, offload = "

func.func @q(%x: tensor<32x64xf32>) -> !mx.tensor<32x64xf8E4M3FN, block = [1, 32]> {
  %q = mx.quantize %x : tensor<32x64xf32> -> !mx.tensor<32x64xf8E4M3FN, block = [1, 32]>
  return %q : !mx.tensor<32x64xf8E4M3FN, block = [1, 32]>
}
