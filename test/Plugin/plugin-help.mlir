// The pass plugin puts the mx passes in the stock tool's --help.
// RUN: %stock-mlir-opt --load-pass-plugin=%mx_lib_dir/libMXPlugin.so --help | FileCheck %s
// CHECK: --mx-expand-casts
