// RUN: mx-opt %s -convert-mx-to-vector=cpu-features=+avx512f,+avx512bf16,+avx512vnni,+amx-tile,+amx-bf16,+amx-int8 -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=AMX
// RUN: mx-opt %s -convert-mx-to-vector="cpu-features=+avx512f,+avx512bf16,+avx512vnni,+amx-tile,+amx-bf16,+amx-int8 emulate-amx=true" -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=EMULATED
// RUN: mx-opt %s -convert-mx-to-vector=cpu-features=+avx512f,+avx512bf16,+avx512vnni,+amx-tile -canonicalize -cse -split-input-file | FileCheck %s --check-prefix=NOAMX
// RUN: mx-opt %s --mx-cpu-pipeline=cpu-features=+avx512f,+avx512bf16,+avx512vnni,+amx-tile,+amx-bf16,+amx-int8 | mlir-translate --mlir-to-llvmir | FileCheck %s --check-prefix=IR
// RUN: mx-opt %s --mx-cpu-pipeline=cpu-features=+avx512f,+avx512bf16,+avx512vnni,+amx-tile,+amx-bf16,+amx-int8 | mlir-translate --mlir-to-llvmir | llc -O2 -mattr=+avx512f,+avx512bf16,+avx512vnni | FileCheck %s --check-prefix=ASM

// With amx-tile and amx-bf16, the product is computed by a private function
// holding the AMX code, called only where Linux grants the tile data
// (arch_prctl(ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18) == 0),
// else by the AVX-512 kernel. Per K-block, a 32 x 32 tile of C takes two
// A tiles (16 rows x 32 bf16, stride K) and two B tiles (16 K pairs x 16
// columns, stride NR * 2): four tdpbf16ps into zeroed f32 tiles, stored to
// scratch, then joined to the totals as fma(S * X_a, X_b, total). A is
// padded to 64 rows (40 in C); rows past M are not stored.
// AMX-LABEL: func.func private @arch_prctl(i32, i64) -> i32
// AMX-LABEL: func.func @mxfp8_mxfp6
// AMX-NOT: target_features
// AMX: %[[ANSWER:.+]] = call @arch_prctl(%c4131_i32, %c18_i64) : (i32, i64) -> i32
// AMX: %[[GRANTED:.+]] = arith.cmpi eq, %[[ANSWER]], %c0_i32 : i32
// AMX: memref.alloc() {alignment = 64 : i64} : memref<4096xbf16>
// AMX: scf.if %[[GRANTED]] {
// AMX-NEXT: func.call @__mx_amx_matmul({{.+}}) : (memref<4096xbf16>, memref<4096xbf16>, memref<80xf32>, memref<128xf32>, memref<2560xf32>) -> ()
// AMX-NEXT: } else {
// AMX: x86vector.avx512.dot
// AMX-NOT: amx.
// AMX-LABEL: func.func private @__mx_amx_matmul
// AMX-SAME: attributes {target_features = #llvm.target_features<["+avx512f", "+avx512bf16", "+avx512vnni", "+amx-tile", "+amx-bf16", "+amx-int8"]>}
// AMX: scf.parallel (%{{.+}}) = (%c0) to (%c4) step (%c1)
// AMX: memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
// AMX: scf.for %{{.+}} = %c0 to %c2 step %c1 {
// AMX-COUNT-4: amx.tile_zero : !amx.tile<16x16xf32>
// AMX: amx.tile_load %arg0[%{{.+}}], %c64 : memref<4096xbf16> into !amx.tile<16x32xbf16>
// AMX: amx.tile_load %arg0[%{{.+}}], %c64 : memref<4096xbf16> into !amx.tile<16x32xbf16>
// AMX: amx.tile_load %arg1[%{{.+}}], %c64 : memref<4096xbf16> into !amx.tile<16x32xbf16>
// AMX: amx.tile_load %arg1[%{{.+}}], %c64 : memref<4096xbf16> into !amx.tile<16x32xbf16>
// AMX-COUNT-4: amx.tile_mulf %{{.+}} : !amx.tile<16x32xbf16>, !amx.tile<16x32xbf16>, !amx.tile<16x16xf32>
// AMX-NEXT: amx.tile_store %[[SUMS:.+]][%c0], %{{.+}}, %c32 : memref<1024xf32>, !amx.tile<16x16xf32>
// AMX-NEXT: amx.tile_store %[[SUMS]][%c16], %{{.+}}, %c32
// AMX-NEXT: amx.tile_store %[[SUMS]][%c512], %{{.+}}, %c32
// AMX-NEXT: amx.tile_store %[[SUMS]][%c528], %{{.+}}, %c32
// AMX: arith.mulf %{{.+}} : vector<16xf32>
// AMX: vector.fma %{{.+}} : vector<16xf32>
// AMX: %[[INSIDE:.+]] = arith.cmpi ult, %{{.+}}, %c40 : index
// AMX: scf.if %[[INSIDE]] {
// EMULATED-LABEL: func.func @mxfp8_mxfp6
// EMULATED-NOT: arch_prctl
// EMULATED: call @__mx_amx_matmul(
// EMULATED-NOT: x86vector
// EMULATED-LABEL: func.func private @__mx_amx_matmul
// EMULATED-NOT: target_features
// EMULATED-NOT: amx.
// EMULATED: scf.for %{{.+}} = %c0 to %c16 step %c1 iter_args(
// EMULATED: vector.deinterleave %{{.+}} : vector<32xbf16> -> vector<16xbf16>
// NOAMX-LABEL: func.func @mxfp8_mxfp6
// NOAMX-NOT: arch_prctl
// NOAMX-NOT: amx.
// NOAMX: x86vector.avx512.dot
// NOAMX-NOT: amx.
// The AMX instructions are in the callee alone (its tilerelease would fault
// where AMX is absent).
// IR-LABEL: define {{.*}}@mxfp8_mxfp6(
// IR-NOT: @llvm.x86.t
// IR: call i32 @arch_prctl(i32 4131, i64 18)
// IR-LABEL: define void @__mx_amx_matmul(
// IR-SAME: #[[ATTRS:[0-9]+]]
// IR: call x86_amx @llvm.x86.tdpbf16ps.internal(
// ASM-LABEL: mxfp8_mxfp6:
// ASM-NOT: tile
// ASM: callq arch_prctl
// ASM-NOT: {{tile|tdp}}
// ASM-LABEL: __mx_amx_matmul:
// ASM: ldtilecfg
// ASM: tdpbf16ps
// ASM: tilerelease
func.func @mxfp8_mxfp6(%a: !mx.tensor<40x64xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<64x64xf6E3M2FN, block = [32, 1]>) -> tensor<40x64xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<40x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x64xf6E3M2FN, block = [32, 1]> -> tensor<40x64xf32>
  return %c : tensor<40x64xf32>
}

// -----

// MXINT8 x MXINT8 with amx-int8: tdpbusd on the integer values as the VNNI
// kernel packs them (A's sign bit flipped: u8; B's rows in quads: 8 K quads x 16
// columns per tile), each block dot plus its -128 x column-sum bias, then
// converted to f32. N % 32 == 16: one 16-column tile per panel, 3 panels; M
// a whole number of tiles: every row stored.
// AMX-LABEL: func.func @mxint8
// AMX: scf.if
// AMX-NEXT: func.call @__mx_amx_matmul({{.+}}) : (memref<2048xi8>, memref<3072xi8>, memref<64xf32>, memref<96xf32>, memref<1536xf32>, memref<96xi32>) -> ()
// AMX: mx.avx512.dot_u8s8
// AMX-LABEL: func.func private @__mx_amx_matmul
// AMX: scf.parallel (%{{.+}}) = (%c0) to (%c3) step (%c1)
// AMX-COUNT-2: amx.tile_zero : !amx.tile<16x16xi32>
// AMX: amx.tile_load %arg0[%{{.+}}], %c64 : memref<2048xi8> into !amx.tile<16x32xi8>
// AMX: amx.tile_load %arg0[%{{.+}}], %c64 : memref<2048xi8> into !amx.tile<16x32xi8>
// AMX: amx.tile_load %arg1[%{{.+}}], %c64 : memref<3072xi8> into !amx.tile<8x64xi8>
// AMX-COUNT-2: amx.tile_muli %{{.+}} zext, %{{.+}} : !amx.tile<16x32xi8>, !amx.tile<8x64xi8>, !amx.tile<16x16xi32>
// AMX: amx.tile_store %{{.+}}, %c16 : memref<512xi32>, !amx.tile<16x16xi32>
// AMX: arith.addi %{{.+}} : vector<16xi32>
// AMX: arith.sitofp %{{.+}} : vector<16xi32> to vector<16xf32>
// AMX-NOT: scf.if
// AMX: return
// EMULATED-LABEL: func.func private @__mx_amx_matmul
// EMULATED: scf.for %{{.+}} = %c0 to %c8 step %c1 iter_args(
// EMULATED: vector.bitcast %{{.+}} : vector<64xi8> to vector<16xi32>
// EMULATED: arith.extui %{{.+}} : i8 to i32
// NOAMX-LABEL: func.func @mxint8
// NOAMX-NOT: amx.
// NOAMX: mx.avx512.dot_u8s8
// IR-LABEL: define void @__mx_amx_matmul_0(
// IR: call x86_amx @llvm.x86.tdpbusd.internal(
// IR: attributes #[[ATTRS]] = { "target-features"="+avx512f,+avx512bf16,+avx512vnni,+amx-tile,+amx-bf16,+amx-int8" }
// ASM-LABEL: __mx_amx_matmul_0:
// ASM: tdpbusd
func.func @mxint8(%a: !mx.tensor<32x64xi8, block = [1, 32]>, %b: !mx.tensor<64x48xi8, block = [32, 1]>) -> tensor<32x48xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<32x64xi8, block = [1, 32]>, !mx.tensor<64x48xi8, block = [32, 1]> -> tensor<32x48xf32>
  return %c : tensor<32x48xf32>
}

// -----

// MXFP4 x MXFP6-E2M3 values are integers (halves and eighths): tdpbusd too.
// AMX-LABEL: func.func @mxfp4_mxfp6_e2m3
// AMX: func.call @__mx_amx_matmul({{.+}}) : (memref<4096xi8>, memref<4096xi8>, memref<80xf32>, memref<128xf32>, memref<2560xf32>, memref<128xi32>) -> ()
// AMX-LABEL: func.func private @__mx_amx_matmul
// AMX: scf.parallel
// AMX: amx.tile_muli
func.func @mxfp4_mxfp6_e2m3(%a: !mx.tensor<40x64xf4E2M1FN, block = [1, 32]>, %b: !mx.tensor<64x64xf6E2M3FN, block = [32, 1]>) -> tensor<40x64xf32> {
  %c = mx.matmul %a, %b : !mx.tensor<40x64xf4E2M1FN, block = [1, 32]>, !mx.tensor<64x64xf6E2M3FN, block = [32, 1]> -> tensor<40x64xf32>
  return %c : tensor<40x64xf32>
}
