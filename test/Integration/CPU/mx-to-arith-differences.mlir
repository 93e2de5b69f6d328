// REQUIRES: mlir-runner
// RUN: mx-opt %s --mx-cpu-pipeline | %mlir_runner -e main -entry-point-result=void -shared-libs=%runtime_libs | FileCheck %s --check-prefix=EXACT
// RUN: mx-opt %s --mx-cpu-pipeline="portable=true" | %mlir_runner -e main -entry-point-result=void -shared-libs=%runtime_libs | FileCheck %s --check-prefix=PORTABLE
//
// The same MXFP4 quantize through the exact lowering (-convert-mx-to-linalg)
// and the portable one (-convert-mx-to-arith + upstream -arith-expand of
// arith.scaling_truncf, LLVM 22). The exact codes are the OCP contract
// (lib/Numerics); the portable ones show upstream's f4E2M1 expansion:
//   - inputs in (-0.5, -0.25) get the wrong sign (-0.3 -> +0.5, code 1 not 9);
//   - negative values that round to zero, and -0 itself, lose their sign;
//   - ties round away from zero, not to even (2.5 -> 3 not 2, 1.25 -> 1.5,
//     5 -> 6).
// The block's amax is 7.9, so its scale is 1 and the elements are the values.

func.func private @printMemrefI32(memref<*xi32>)

func.func @codes(%x: tensor<32xf32>) -> tensor<32xi32> {
  %q = mx.quantize %x : tensor<32xf32> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  %e, %s = mx.unpack %q : !mx.tensor<32xf4E2M1FN, block = [32]> -> tensor<32xf4E2M1FN>, tensor<1xf8E8M0FNU>
  %i = arith.bitcast %e : tensor<32xf4E2M1FN> to tensor<32xi4>
  %w = arith.extui %i : tensor<32xi4> to tensor<32xi32>
  return %w : tensor<32xi32>
}

func.func @main() {
  // 7.9 (saturates), then -0.3 -0.4 -0.45 | -0.1 -0.2 -0.24 | 0.3 0.4 |
  // -7.9 | 2.5 -2.5 | 0.25 -0.25 | 0.75 -0.75 | 1.0 1.25 -1.25 | 3.5 -3.5 |
  // 5.0 -5.0 | 0.0 -0.0 | 1e-3 -1e-3 | 4.0 4.5 -4.5 1.75 | 6.0
  %x = arith.constant dense<[7.9, -0.3, -0.4, -0.45, -0.1, -0.2, -0.24, 0.3, 0.4, -7.9, 2.5, -2.5, 0.25, -0.25, 0.75, -0.75, 1.0, 1.25, -1.25, 3.5, -3.5, 5.0, -5.0, 0.0, -0.0, 1.0e-3, -1.0e-3, 4.0, 4.5, -4.5, 1.75, 6.0]> : tensor<32xf32>
  %r = call @codes(%x) : (tensor<32xf32>) -> tensor<32xi32>
  %m = bufferization.to_buffer %r : tensor<32xi32> to memref<32xi32>
  %u = memref.cast %m : memref<32xi32> to memref<*xi32>
  call @printMemrefI32(%u) : (memref<*xi32>) -> ()
  return
}

// EXACT:    [7,  9,  9,  9,  8,  8,  8,  1,  1,  15,  4,  12,  0,  8,  2,  10,  2,  2,  10,  6,  14,  6,  14,  0,  8,  0,  8,  6,  6,  14,  4,  7]
// PORTABLE: [7,  1,  1,  1,  0,  0,  0,  1,  1,  15,  5,  13,  0,  0,  2,  10,  2,  3,  11,  6,  14,  7,  15,  0,  0,  0,  0,  6,  6,  14,  4,  7]
