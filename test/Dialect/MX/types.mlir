// RUN: mx-opt %s | mx-opt | FileCheck %s
// RUN: mx-opt %s -mlir-print-op-generic | mx-opt | FileCheck %s

// Every element format, every block kind, both scale types, dynamic shapes.

// CHECK-LABEL: func.func private @element_formats
// CHECK-SAME: !mx.tensor<32xf8E4M3FN, block = [32]>
// CHECK-SAME: !mx.tensor<32xf8E5M2, block = [32]>
// CHECK-SAME: !mx.tensor<32xf6E3M2FN, block = [32]>
// CHECK-SAME: !mx.tensor<32xf6E2M3FN, block = [32]>
// CHECK-SAME: !mx.tensor<32xf4E2M1FN, block = [32]>
// CHECK-SAME: !mx.tensor<32xi8, block = [32]>
func.func private @element_formats(
    !mx.tensor<32xf8E4M3FN, block = [32]>, !mx.tensor<32xf8E5M2, block = [32]>,
    !mx.tensor<32xf6E3M2FN, block = [32]>, !mx.tensor<32xf6E2M3FN, block = [32]>,
    !mx.tensor<32xf4E2M1FN, block = [32]>, !mx.tensor<32xi8, block = [32]>)

// CHECK-LABEL: func.func private @blocks
// CHECK-SAME: !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
// CHECK-SAME: !mx.tensor<128x64xf8E4M3FN, block = [32, 1]>
// CHECK-SAME: !mx.tensor<256x256xf8E4M3FN, block = [32, 32]>
// CHECK-SAME: !mx.tensor<2x64x96xf6E2M3FN, block = [1, 32, 32]>
// CHECK-SAME: !mx.tensor<3x40xi8, block = [1, 32]>
func.func private @blocks(
    !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>,
    !mx.tensor<128x64xf8E4M3FN, block = [32, 1]>,
    !mx.tensor<256x256xf8E4M3FN, block = [32, 32]>,
    !mx.tensor<2x64x96xf6E2M3FN, block = [1, 32, 32]>,
    !mx.tensor<3x40xi8, block = [1, 32]>)

// The default E8M0 scale type is elided; E4M3 scales (NVFP4) are printed.
// CHECK-LABEL: func.func private @scales
// CHECK-SAME: !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
// CHECK-SAME: !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
// CHECK-SAME: !mx.tensor<64x16xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>
func.func private @scales(
    !mx.tensor<64x128xf4E2M1FN, block = [1, 32], scale = f8E8M0FNU>,
    !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>,
    !mx.tensor<64x16xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>)

// CHECK-LABEL: func.func private @dynamic
// CHECK-SAME: !mx.tensor<?x4096xi8, block = [1, 32]>
// CHECK-SAME: !mx.tensor<?x?xf8E5M2, block = [32, 32]>
func.func private @dynamic(!mx.tensor<?x4096xi8, block = [1, 32]>,
                           !mx.tensor<?x?xf8E5M2, block = [32, 32]>)

// Two-level formats: the named instances print by name, any other member of
// the family by its parameters; the block size is the tensor's.
// CHECK-LABEL: func.func private @two_level
// CHECK-SAME: !mx.tensor<64x128x!mx.microexp<mx9>, block = [1, 16]>
// CHECK-SAME: !mx.tensor<64x128x!mx.microexp<mx6>, block = [16, 1]>
// CHECK-SAME: !mx.tensor<4x5x40x!mx.microexp<mx4>, block = [1, 1, 16]>
// CHECK-SAME: !mx.tensor<64x!mx.microexp<magnitude = 3, sub_block = 4, micro_bits = 2>, block = [32]>
// CHECK-SAME: !mx.tensor<64x!mx.microexp<magnitude = 7, sub_block = 16, micro_bits = 0>, block = [16]>
// CHECK-SAME: !mx.tensor<?x32x!mx.microexp<mx9>, block = [1, 32]>
func.func private @two_level(
    !mx.tensor<64x128x!mx.microexp<mx9>, block = [1, 16]>,
    !mx.tensor<64x128x!mx.microexp<magnitude = 4, sub_block = 2, micro_bits = 1>, block = [16, 1]>,
    !mx.tensor<4x5x40x!mx.microexp<mx4>, block = [1, 1, 16]>,
    !mx.tensor<64x!mx.microexp<magnitude = 3, sub_block = 4, micro_bits = 2>, block = [32]>,
    !mx.tensor<64x!mx.microexp<magnitude = 7, sub_block = 16, micro_bits = 0>, block = [16]>,
    !mx.tensor<?x32x!mx.microexp<mx9>, block = [1, 32]>)

// The swizzled scale layout is printed; row_major, the default, is not.
// CHECK-LABEL: func.func private @scale_layouts
// CHECK-SAME: !mx.tensor<256x128xf4E2M1FN, block = [1, 16], scale = f8E4M3FN, scale_layout = swizzled>
// CHECK-SAME: !mx.tensor<128x96xf8E5M2, block = [32, 1], scale_layout = swizzled>
// CHECK-SAME: !mx.tensor<128x64xf4E2M1FN, block = [1, 32]>)
func.func private @scale_layouts(
    !mx.tensor<256x128xf4E2M1FN, block = [1, 16], scale = f8E4M3FN, scale_layout = swizzled>,
    !mx.tensor<128x96xf8E5M2, block = [32, 1], scale_layout = swizzled>,
    !mx.tensor<128x64xf4E2M1FN, block = [1, 32], scale_layout = row_major>)

// The panels layout is printed last; row_major, the default, is not.
// CHECK-LABEL: func.func private @storage_layouts
// CHECK-SAME: !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels>
// CHECK-SAME: !mx.tensor<96x256xi8, block = [32, 1], layout = panels>
// CHECK-SAME: !mx.tensor<256x256xf8E4M3FN, block = [128, 1], scale = f32, layout = panels>
// CHECK-SAME: !mx.tensor<64x256xf4E2M1FN, block = [32, 1]>)
func.func private @storage_layouts(
    !mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels>,
    !mx.tensor<96x256xi8, block = [32, 1], layout = panels>,
    !mx.tensor<256x256xf8E4M3FN, block = [128, 1], scale = f32, layout = panels>,
    !mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = row_major>)
