// RUN: mx-opt %s -split-input-file -verify-diagnostics

// Every !mx.tensor verifier branch (T1-T8 in MXTypes.td) and parse error.

// expected-error @+1 {{expected a block-scaled tensor of rank >= 1, but got rank 0}}
func.func private @t1_rank_zero(!mx.tensor<f4E2M1FN, block = []>)

// -----

// expected-error @+1 {{expected an MX element type (f8E4M3FN, f8E5M2, f6E3M2FN, f6E2M3FN, f4E2M1FN, i8 for MXINT8, or !mx.microexp), but got 'f16'}}
func.func private @t2_f16(!mx.tensor<32xf16, block = [32]>)

// -----

// f8E4M3 (with Inf, no FN) is not the MX element type.
// expected-error @+1 {{expected an MX element type (f8E4M3FN, f8E5M2, f6E3M2FN, f6E2M3FN, f4E2M1FN, i8 for MXINT8, or !mx.microexp), but got 'f8E4M3'}}
func.func private @t2_f8E4M3(!mx.tensor<32xf8E4M3, block = [32]>)

// -----

// expected-error @+1 {{expected an MX element type (f8E4M3FN, f8E5M2, f6E3M2FN, f6E2M3FN, f4E2M1FN, i8 for MXINT8, or !mx.microexp), but got 'ui8'}}
func.func private @t2_unsigned(!mx.tensor<32xui8, block = [32]>)

// -----

// expected-error @+1 {{expected one block size per dimension (2), but got 1 in block [32]}}
func.func private @t3_block_rank(!mx.tensor<4x32xf4E2M1FN, block = [32]>)

// -----

// expected-error @+1 {{expected positive block sizes, but got block [0, 32]}}
func.func private @t4_zero(!mx.tensor<4x32xf4E2M1FN, block = [0, 32]>)

// -----

// expected-error @+1 {{expected positive block sizes, but got block [1, -32]}}
func.func private @t4_negative(!mx.tensor<4x32xf4E2M1FN, block = [1, -32]>)

// -----

// expected-error @+1 {{expected a 1-D or 2-D block, but got block [2, 2, 8] spanning 3 dimensions}}
func.func private @t5_3d_block(!mx.tensor<4x4x32xf4E2M1FN, block = [2, 2, 8]>)

// -----

// expected-error @+1 {{expected a block of more than one element, but got block [1, 1]}}
func.func private @t5_one_element(!mx.tensor<4x32xf4E2M1FN, block = [1, 1]>)

// -----

// expected-error @+1 {{expected scale type f8E8M0FNU, f8E4M3FN or f32, but got 'f16'}}
func.func private @t6_f16_scale(!mx.tensor<4x32xf4E2M1FN, block = [1, 32], scale = f16>)

// -----

// expected-error @+1 {{expected f8E4M3FN scales to come with 1-D blocks of 16 elements, but got block [1, 32]}}
func.func private @t7_nvfp4_block_32(!mx.tensor<4x32xf4E2M1FN, block = [1, 32], scale = f8E4M3FN>)

// -----

// expected-error @+1 {{expected FP8 elements (f8E4M3FN or f8E5M2) with f32 scales, but got 'f4E2M1FN'}}
func.func private @t9_f32_scales_fp4(!mx.tensor<4x256xf4E2M1FN, block = [1, 128], scale = f32>)

// -----

// expected-error @+1 {{expected FP8 elements (f8E4M3FN or f8E5M2) with f32 scales, but got 'i8'}}
func.func private @t9_f32_scales_int8(!mx.tensor<4x256xi8, block = [128, 128], scale = f32>)

// -----

// expected-error @+1 {{expected f8E4M3FN scales to come with 1-D blocks of 16 elements, but got block [16, 16]}}
func.func private @t7_nvfp4_2d(!mx.tensor<32x32xf4E2M1FN, block = [16, 16], scale = f8E4M3FN>)

// -----

// A misspelt format is an unknown type, reported by the type parser.
// expected-error @+1 {{expected non-function type}}
func.func private @unknown_format_name(!mx.tensor<32xfp4, block = [32]>)

// -----

// expected-error @+1 {{expected ', block = [...]' after the element type}}
func.func private @missing_block(!mx.tensor<32xf4E2M1FN>)

// -----

// expected-error @+1 {{expected integer value}}
func.func private @block_not_integer(!mx.tensor<32xf4E2M1FN, block = [x]>)

// -----

// expected-error @+1 {{expected 'scale = <type>', 'scale_layout = <layout>' or 'layout = <layout>' (once each, in that order), but got 'order'}}
func.func private @unknown_parameter(!mx.tensor<32xf4E2M1FN, block = [32], order = 1>)

// -----

// expected-error @+1 {{unbalanced '<' character in pretty dialect name}}
func.func private @unterminated(!mx.tensor<32xf4E2M1FN, block = [32] )

// -----

// expected-error @+1 {{expected non-function type}}
func.func private @bad_dimension(!mx.tensor<-3xf4E2M1FN, block = [32]>)

// -----

// expected-error @+1 {{unknown  type `tensr` in dialect `mx`}}
func.func private @unknown_mnemonic(!mx.tensr<32xf4E2M1FN, block = [32]>)

// -----

// !mx.microexp (T1-T3 in MXTypes.td) and two-level tensors (T8).

// expected-error @+1 {{expected a magnitude of 1 to 7 bits, but got 8}}
func.func private @microexp_t1_magnitude(!mx.tensor<32x!mx.microexp<magnitude = 8, sub_block = 2, micro_bits = 1>, block = [16]>)

// -----

// expected-error @+1 {{expected a magnitude of 1 to 7 bits, but got 0}}
func.func private @microexp_t1_no_magnitude(!mx.tensor<32x!mx.microexp<magnitude = 0, sub_block = 2, micro_bits = 1>, block = [16]>)

// -----

// expected-error @+1 {{expected a sub-block of at least 1 element, but got 0}}
func.func private @microexp_t2_sub_block(!mx.tensor<32x!mx.microexp<magnitude = 4, sub_block = 0, micro_bits = 1>, block = [16]>)

// -----

// expected-error @+1 {{expected a microexponent of at most 4 bits, but got 5}}
func.func private @microexp_t3_micro_bits(!mx.tensor<32x!mx.microexp<magnitude = 4, sub_block = 2, micro_bits = 5>, block = [16]>)

// -----

// expected-error @+1 {{expected 'mx9', 'mx6', 'mx4' or 'magnitude = ...', but got 'mx8'}}
func.func private @microexp_unknown_name(!mx.tensor<32x!mx.microexp<mx8>, block = [16]>)

// -----

// expected-error @+1 {{expected 'sub_block'}}
func.func private @microexp_missing_parameter(!mx.tensor<32x!mx.microexp<magnitude = 4, micro_bits = 1>, block = [16]>)

// -----

// expected-error @+1 {{expected a two-level tensor to have a 1-D block of at most 256 elements, but got block [16, 16]}}
func.func private @t8_two_level_2d_block(!mx.tensor<32x32x!mx.microexp<mx9>, block = [16, 16]>)

// -----

// expected-error @+1 {{expected a two-level tensor to have a 1-D block of at most 256 elements, but got block [512]}}
func.func private @t8_two_level_large_block(!mx.tensor<512x!mx.microexp<mx9>, block = [512]>)

// -----

// expected-error @+1 {{expected the block size 15 to be a multiple of the sub-block size 2}}
func.func private @t8_two_level_sub_block(!mx.tensor<32x!mx.microexp<mx6>, block = [15]>)

// -----

// expected-error @+1 {{expected f8E8M0FNU shared exponents in a two-level tensor, but got 'f8E4M3FN' scales}}
func.func private @t8_two_level_scale(!mx.tensor<32x!mx.microexp<mx4>, block = [16], scale = f8E4M3FN>)

// -----

// expected-error @+1 {{expected 'scale = <type>', 'scale_layout = <layout>' or 'layout = <layout>' (once each, in that order), but got 'scale'}}
func.func private @scale_after_layout(!mx.tensor<128x64xf4E2M1FN, block = [1, 32], scale_layout = swizzled, scale = f8E8M0FNU>)

// -----

// expected-error @+1 {{expected scale layout 'row_major' or 'swizzled', but got 'tiled'}}
func.func private @unknown_layout(!mx.tensor<128x64xf4E2M1FN, block = [1, 32], scale_layout = tiled>)

// -----

// expected-error @+1 {{expected swizzled scales on a static 2-D tensor}}
func.func private @t10_swizzled_rank(!mx.tensor<4x128x64xf4E2M1FN, block = [1, 1, 32], scale_layout = swizzled>)

// -----

// expected-error @+1 {{expected swizzled scales on a static 2-D tensor}}
func.func private @t10_swizzled_dynamic(!mx.tensor<?x64xf4E2M1FN, block = [1, 32], scale_layout = swizzled>)

// -----

// expected-error @+1 {{expected swizzled scales to come with a 1-D block, but got block [32, 32]}}
func.func private @t10_swizzled_2d_block(!mx.tensor<128x64xf8E4M3FN, block = [32, 32], scale_layout = swizzled>)

// -----

// expected-error @+1 {{expected one-byte scales (f8E8M0FNU or f8E4M3FN) in the swizzled layout, but got f32}}
func.func private @t10_swizzled_f32(!mx.tensor<128x256xf8E4M3FN, block = [1, 128], scale = f32, scale_layout = swizzled>)

// -----

// expected-error @+1 {{expected one-level elements with swizzled scales: a two-level tensor keeps its exponents inside its packed blocks}}
func.func private @t10_swizzled_two_level(!mx.tensor<128x64x!mx.microexp<mx6>, block = [1, 16], scale_layout = swizzled>)

// -----

// expected-error @+1 {{expected 'scale = <type>', 'scale_layout = <layout>' or 'layout = <layout>' (once each, in that order), but got 'scale_layout'}}
func.func private @scale_layout_after_layout(!mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = panels, scale_layout = swizzled>)

// -----

// expected-error @+1 {{expected layout 'row_major' or 'panels', but got 'tiles'}}
func.func private @unknown_storage_layout(!mx.tensor<64x256xf4E2M1FN, block = [32, 1], layout = tiles>)

// -----

// expected-error @+1 {{expected the panels layout on a static 2-D tensor whose columns are a multiple of 256}}
func.func private @t11_panels_rank(!mx.tensor<2x64x256xf4E2M1FN, block = [1, 32, 1], layout = panels>)

// -----

// expected-error @+1 {{expected the panels layout on a static 2-D tensor whose columns are a multiple of 256}}
func.func private @t11_panels_dynamic(!mx.tensor<?x256xf4E2M1FN, block = [32, 1], layout = panels>)

// -----

// expected-error @+1 {{expected the panels layout on a static 2-D tensor whose columns are a multiple of 256}}
func.func private @t11_panels_columns(!mx.tensor<64x384xf4E2M1FN, block = [32, 1], layout = panels>)

// -----

// expected-error @+1 {{expected the panels layout to come with blocks down the columns ([B, 1]), but got block [1, 32]}}
func.func private @t11_panels_row_blocks(!mx.tensor<64x256xf4E2M1FN, block = [1, 32], layout = panels>)

// -----

// expected-error @+1 {{expected the panels layout to come with blocks down the columns ([B, 1]), but got block [32, 32]}}
func.func private @t11_panels_2d_blocks(!mx.tensor<64x256xf8E4M3FN, block = [32, 32], layout = panels>)

// -----

// expected-error @+1 {{expected one-level elements in the panels layout: a two-level tensor keeps its exponents inside its packed blocks}}
func.func private @t11_panels_two_level(!mx.tensor<64x256x!mx.microexp<mx6>, block = [16, 1], layout = panels>)

// -----

// expected-error @+1 {{expected row-major scales in the panels layout}}
func.func private @t11_panels_swizzled(!mx.tensor<64x256xf4E2M1FN, block = [16, 1], scale = f8E4M3FN, scale_layout = swizzled, layout = panels>)
