// RUN: mx-opt %s --mx-cpu-pipeline | FileCheck %s
// RUN: mx-opt %s --mx-cpu-pipeline="vectorize=false kernels=false" | FileCheck %s --check-prefix=SCALAR
// RUN: mx-opt %s --mx-cpu-pipeline="vector-size=8 kernels=false" | FileCheck %s --check-prefix=V8
// RUN: mx-opt %s --mx-cpu-pipeline="threads=true" | FileCheck %s --check-prefix=THREADS

// End to end to the LLVM dialect: only LLVM ops remain, the signature carries
// (codes, scales) memref descriptors, the element conversion is on
// vector<32xi32>, and no runtime function is called (only malloc and free).

// No stack buffers: n-D vector transfers are unrolled, not staged through
// allocas inside loops (which overflowed the stack on 64 MiB inputs).
// CHECK-NOT: llvm.alloca
// CHECK-LABEL: llvm.func @quantize_mxfp8
// CHECK: llvm.bitcast %{{.*}} : vector<32xf32> to vector<32xi32>
// CHECK: llvm.lshr %{{.*}} : vector<32xi32>
// CHECK-NOT: llvm.call @{{[^mf]}}
// CHECK-NOT: llvm.alloca
// CHECK: llvm.return
func.func @quantize_mxfp8(%x: tensor<4096xf32>) -> !mx.tensor<4096xf8E4M3FN, block = [32]> {
  %q = mx.quantize %x : tensor<4096xf32> -> !mx.tensor<4096xf8E4M3FN, block = [32]>
  return %q : !mx.tensor<4096xf8E4M3FN, block = [32]>
}

// CHECK-LABEL: llvm.func @quantize_mxfp4
// CHECK: llvm.bitcast %{{.*}} : vector<32xf32> to vector<32xi32>
// CHECK-NOT: llvm.call @{{[^mf]}}
// CHECK: llvm.return
func.func @quantize_mxfp4(%x: tensor<4096xf32>) -> !mx.tensor<4096xf4E2M1FN, block = [32]> {
  %q = mx.quantize %x : tensor<4096xf32> -> !mx.tensor<4096xf4E2M1FN, block = [32]>
  return %q : !mx.tensor<4096xf4E2M1FN, block = [32]>
}

// CHECK-LABEL: llvm.func @dequantize
// CHECK: llvm.fmul %{{.*}} : vector<32xf32>
// CHECK-NOT: llvm.call @{{[^mf]}}
// CHECK: llvm.return
func.func @dequantize(%q: !mx.tensor<4096xi8, block = [32]>) -> tensor<4096xf32> {
  %d = mx.dequantize %q : !mx.tensor<4096xi8, block = [32]> -> tensor<4096xf32>
  return %d : tensor<4096xf32>
}

// Without the kernels (kernels=false) the linalg lowering runs; its scalar
// variant is the same program without vectors.
// SCALAR-LABEL: llvm.func @quantize_mxfp8
// SCALAR-NOT: vector<
// SCALAR: llvm.return

// A smaller vector size splits the contiguous dimension of the scale rule's
// 128 blocks into vectors of 8.
// V8-LABEL: llvm.func @quantize_mxfp8
// V8: vector<8xi32>

// threads=true: the kernels' block loops become OpenMP worksharing loops
// (LLVM's OpenMP runtime at run time), their bodies unchanged.
// THREADS-LABEL: llvm.func @quantize_mxfp8
// THREADS: omp.parallel
// THREADS: omp.wsloop
// THREADS: omp.loop_nest
// THREADS: llvm.bitcast %{{.*}} : vector<32xf32> to vector<32xi32>
// THREADS: omp.yield
