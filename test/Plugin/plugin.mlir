// Debian's stock mlir-opt loads the dialect and the passes from the plugin,
// which links the same libMLIR.so, and runs an mx pass.
// RUN: %stock-mlir-opt %s --load-dialect-plugin=%mx_lib_dir/libMXPlugin.so \
// RUN:   --load-pass-plugin=%mx_lib_dir/libMXPlugin.so \
// RUN:   --pass-pipeline="builtin.module(func.func(mx-expand-casts))" | FileCheck %s

// CHECK-LABEL: func.func @cast
// CHECK: %[[F:.+]] = mx.dequantize %{{.*}} : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]> -> tensor<64x128xf32>
// CHECK: mx.quantize %[[F]] scale_rule<rceil> : tensor<64x128xf32> -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
func.func @cast(%q: !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>) -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]> {
  %r = mx.cast %q scale_rule<rceil> : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]> -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
  return %r : !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
}
