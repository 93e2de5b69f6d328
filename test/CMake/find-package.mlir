// Another CMake project finds the dialect with find_package(MXMLIR), links
// it, and runs an mx pass on this file. Not in a sanitized build: a consumer
// of sanitized libraries needs their -fsanitize flags; the plain build runs it.
// UNSUPPORTED: sanitized
// RUN: rm -rf %t && cmake -G Ninja -S %S/consumer -B %t \
// RUN:   -DMXMLIR_DIR=%mx_lib_dir/cmake/mxmlir -DCMAKE_CXX_COMPILER=clang++-22 -DCMAKE_C_COMPILER=clang-22 \
// RUN:   -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld -DCMAKE_BUILD_TYPE=Release > %t.log
// RUN: cmake --build %t >> %t.log
// RUN: %t/mx-consumer %s | FileCheck %s
// RUN: %t/mx-consumer %s lower | FileCheck %s --check-prefix=LOWERED
// RUN: %t/mx-capi-consumer | FileCheck %s --check-prefix=CAPI
// CAPI: mx tensor: 1, scales: tensor<64x4xf8E8M0FNU>

// CHECK: mx.dequantize
// CHECK: mx.quantize %{{.*}} rounding<rtz>
// CHECK-NOT: mx.cast
func.func @f(%q: !mx.tensor<32xi8, block = [32]>) -> !mx.tensor<32xf4E2M1FN, block = [32]> {
  %r = mx.cast %q rounding<rtz> : !mx.tensor<32xi8, block = [32]> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return %r : !mx.tensor<32xf4E2M1FN, block = [32]>
}

// LOWERED-LABEL: func.func @f
// LOWERED-SAME: (%{{.*}}: tensor<32xi8>, %{{.*}}: tensor<1xf8E8M0FNU>) -> (tensor<16xi8>, tensor<1xf8E8M0FNU>)
// LOWERED: linalg.generic
