// RUN: mx-opt %s | mx-opt | FileCheck %s
// RUN: mx-opt %s -convert-vector-to-llvm=enable-x86vector | FileCheck %s --check-prefix=LLVM
// RUN: mx-opt %s -convert-vector-to-llvm=enable-x86vector -convert-func-to-llvm | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=IR

// The vpdpbusd widths: 512 bits (AVX512-VNNI), 256 and 128 (AVX512VL).

// CHECK-LABEL: func.func @dot_u8s8
// CHECK: mx.avx512.dot_u8s8 %{{.+}}, %{{.+}}, %{{.+}} : vector<64xi8> -> vector<16xi32>
// CHECK: mx.avx512.dot_u8s8 %{{.+}}, %{{.+}}, %{{.+}} : vector<32xi8> -> vector<8xi32>
// CHECK: mx.avx512.dot_u8s8 %{{.+}}, %{{.+}}, %{{.+}} : vector<16xi8> -> vector<4xi32>
// LLVM-LABEL: @dot_u8s8
// LLVM: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%{{.+}}, %{{.+}}, %{{.+}}) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// LLVM: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.256"(%{{.+}}, %{{.+}}, %{{.+}}) : (vector<8xi32>, vector<32xi8>, vector<32xi8>) -> vector<8xi32>
// LLVM: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.128"(%{{.+}}, %{{.+}}, %{{.+}}) : (vector<4xi32>, vector<16xi8>, vector<16xi8>) -> vector<4xi32>
// IR: call <16 x i32> @llvm.x86.avx512.vpdpbusd.512(<16 x i32> %{{.+}}, <64 x i8> %{{.+}}, <64 x i8> %{{.+}})
// IR: call <8 x i32> @llvm.x86.avx512.vpdpbusd.256(<8 x i32> %{{.+}}, <32 x i8> %{{.+}}, <32 x i8> %{{.+}})
// IR: call <4 x i32> @llvm.x86.avx512.vpdpbusd.128(<4 x i32> %{{.+}}, <16 x i8> %{{.+}}, <16 x i8> %{{.+}})
func.func @dot_u8s8(%acc512: vector<16xi32>, %a512: vector<64xi8>, %b512: vector<64xi8>,
                    %acc256: vector<8xi32>, %a256: vector<32xi8>, %b256: vector<32xi8>,
                    %acc128: vector<4xi32>, %a128: vector<16xi8>, %b128: vector<16xi8>)
    -> (vector<16xi32>, vector<8xi32>, vector<4xi32>) {
  %0 = mx.avx512.dot_u8s8 %acc512, %a512, %b512 : vector<64xi8> -> vector<16xi32>
  %1 = mx.avx512.dot_u8s8 %acc256, %a256, %b256 : vector<32xi8> -> vector<8xi32>
  %2 = mx.avx512.dot_u8s8 %acc128, %a128, %b128 : vector<16xi8> -> vector<4xi32>
  return %0, %1, %2 : vector<16xi32>, vector<8xi32>, vector<4xi32>
}

// CHECK-LABEL: func.func @permute_f32
// CHECK: mx.avx512.permute_f32 %{{.+}}, %{{.+}} : vector<16xf32>, vector<16xi32>
// LLVM-LABEL: @permute_f32
// LLVM: llvm.call_intrinsic "llvm.x86.avx512.permvar.sf.512"(%{{.+}}, %{{.+}}) : (vector<16xf32>, vector<16xi32>) -> vector<16xf32>
// IR: call <16 x float> @llvm.x86.avx512.permvar.sf.512(<16 x float> %{{.+}}, <16 x i32> %{{.+}})
func.func @permute_f32(%table: vector<16xf32>, %indices: vector<16xi32>) -> vector<16xf32> {
  %0 = mx.avx512.permute_f32 %table, %indices : vector<16xf32>, vector<16xi32>
  return %0 : vector<16xf32>
}

// CHECK-LABEL: func.func @permute_i16
// CHECK: mx.avx512.permute_i16 %{{.+}}, %{{.+}} : vector<32xi16>
// LLVM-LABEL: @permute_i16
// LLVM: llvm.call_intrinsic "llvm.x86.avx512.permvar.hi.512"(%{{.+}}, %{{.+}}) : (vector<32xi16>, vector<32xi16>) -> vector<32xi16>
// IR: call <32 x i16> @llvm.x86.avx512.permvar.hi.512(<32 x i16> %{{.+}}, <32 x i16> %{{.+}})
func.func @permute_i16(%table: vector<32xi16>, %indices: vector<32xi16>) -> vector<32xi16> {
  %0 = mx.avx512.permute_i16 %table, %indices : vector<32xi16>
  return %0 : vector<32xi16>
}

// CHECK-LABEL: func.func @permute2_i16
// CHECK: mx.avx512.permute2_i16 %{{.+}}, %{{.+}}, %{{.+}} : vector<32xi16>
// LLVM-LABEL: @permute2_i16
// LLVM: llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.hi.512"(%arg0, %arg1, %arg2) : (vector<32xi16>, vector<32xi16>, vector<32xi16>) -> vector<32xi16>
// IR: call <32 x i16> @llvm.x86.avx512.vpermi2var.hi.512(<32 x i16> %0, <32 x i16> %1, <32 x i16> %2)
func.func @permute2_i16(%low: vector<32xi16>, %indices: vector<32xi16>, %high: vector<32xi16>) -> vector<32xi16> {
  %0 = mx.avx512.permute2_i16 %low, %indices, %high : vector<32xi16>
  return %0 : vector<32xi16>
}
