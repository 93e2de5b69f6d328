// mx-opt lists the dialect's passes beside upstream's.
// RUN: mx-opt --help | FileCheck %s
// CHECK: --mx-expand-casts
// CHECK-SAME: Rewrite mx.cast into mx.dequantize to f32 and mx.quantize

// And hosts the upstream dialects that real inputs use.
// RUN: mx-opt --show-dialects | FileCheck %s --check-prefix=DIALECTS
// DIALECTS-DAG: arith
// DIALECTS-DAG: bufferization
// DIALECTS-DAG: func
// DIALECTS-DAG: gpu
// DIALECTS-DAG: linalg
// DIALECTS-DAG: llvm
// DIALECTS-DAG: math
// DIALECTS-DAG: memref
// DIALECTS-DAG: mx
// DIALECTS-DAG: nvvm
// DIALECTS-DAG: scf
// DIALECTS-DAG: tensor
// DIALECTS-DAG: tosa
// DIALECTS-DAG: vector
