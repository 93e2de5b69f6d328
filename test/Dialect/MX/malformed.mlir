// RUN: mx-opt %s -split-input-file -verify-diagnostics

// Malformed input of every class reaches a diagnostic, never a crash: the
// generic form skips the custom parsers, so ODS and the verifiers must hold.

func.func @generic_quantize_wrong_result_type(%x: tensor<32xf32>) {
  // expected-error @+1 {{'mx.quantize' op result #0 must be block-scaled MX tensor: elements and per-block scales as one value, but got 'tensor<32xf32>'}}
  %q = "mx.quantize"(%x) <{operandSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<32xf32>) -> tensor<32xf32>
  return
}

// -----

func.func @generic_quantize_no_operand() {
  // expected-error @+1 {{'mx.quantize' op expected 1 or more operands, but found 0}}
  %q = "mx.quantize"() <{operandSegmentSizes = array<i32: 1, 0, 0>}> : () -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return
}

// -----

func.func @generic_quantize_no_segment_sizes(%x: tensor<32xf32>) {
  // expected-error @+1 {{'mx.quantize' op operand count (1) does not match with the total size (0) specified in attribute 'operandSegmentSizes'}}
  %q = "mx.quantize"(%x) : (tensor<32xf32>) -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return
}

// -----

func.func @generic_quantize_attribute_of_wrong_kind(%x: tensor<32xf32>) {
  // expected-error @+1 {{invalid properties {operandSegmentSizes = array<i32: 1, 0, 0>, scale_rule = #mx.rounding<rtz>} for op mx.quantize: Invalid attribute `scale_rule` in property conversion: #mx.rounding<rtz>}}
  %q = "mx.quantize"(%x) <{operandSegmentSizes = array<i32: 1, 0, 0>, scale_rule = #mx.rounding<rtz>}> : (tensor<32xf32>) -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return
}

// -----

func.func @generic_quantize_seed_not_integer(%x: tensor<32xf32>) {
  // expected-error @+1 {{Invalid attribute `seed` in property conversion: "seven"}}
  %q = "mx.quantize"(%x) <{operandSegmentSizes = array<i32: 1, 0, 0>, rounding = #mx.rounding<stochastic>, seed = "seven"}> : (tensor<32xf32>) -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return
}

// -----

func.func @generic_unpack_one_result(%q: !mx.tensor<32xf4E2M1FN, block = [32]>) {
  // expected-error @+1 {{'mx.unpack' op expected 2 results}}
  %e = "mx.unpack"(%q) : (!mx.tensor<32xf4E2M1FN, block = [32]>) -> tensor<32xf4E2M1FN>
  return
}

// -----

func.func @generic_matmul_unranked(%a: !mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, %b: !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>) {
  // expected-error @+1 {{'mx.matmul' op result #0 must be ranked tensor of any type values, but got 'tensor<*xf32>'}}
  %c = "mx.matmul"(%a, %b) : (!mx.tensor<16x64xf8E4M3FN, block = [1, 32]>, !mx.tensor<64x8xf8E4M3FN, block = [32, 1]>) -> tensor<*xf32>
  return
}

// -----

func.func @generic_pack_unranked(%e: tensor<*xf4E2M1FN>, %s: tensor<1xf8E8M0FNU>) {
  // expected-error @+1 {{'mx.pack' op operand #0 must be ranked tensor of any type values, but got 'tensor<*xf4E2M1FN>'}}
  %q = "mx.pack"(%e, %s) : (tensor<*xf4E2M1FN>, tensor<1xf8E8M0FNU>) -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return
}

// -----

func.func @generic_dequantize_of_builtin_tensor(%x: tensor<32xf32>) {
  // expected-error @+1 {{'mx.dequantize' op operand #0 must be block-scaled MX tensor: elements and per-block scales as one value, but got 'tensor<32xf32>'}}
  %d = "mx.dequantize"(%x) : (tensor<32xf32>) -> tensor<32xf32>
  return
}

// -----

func.func @custom_form_missing_result_type(%x: tensor<32xf32>) {
  // expected-error @+1 {{expected '->'}}
  %q = mx.quantize %x : tensor<32xf32>
  return
}

// -----

func.func @custom_form_builtin_tensor_for_mx_type(%x: tensor<32xf32>) {
  // expected-error @+1 {{'mx.quantize' op result #0 must be block-scaled MX tensor: elements and per-block scales as one value, but got 'tensor<32xf4E2M1FN>'}}
  %q = mx.quantize %x : tensor<32xf32> -> tensor<32xf4E2M1FN>
  return
}

// -----

func.func @unknown_op(%x: tensor<32xf32>) {
  // expected-error @+1 {{custom op 'mx.quantise' is unknown}}
  %q = mx.quantise %x : tensor<32xf32> -> !mx.tensor<32xf4E2M1FN, block = [32]>
  return
}

// -----

// Truncated input: the file ends inside a type.
// expected-error @+1 {{unbalanced '[' character in pretty dialect name}}
func.func private @truncated(!mx.tensor<32xf4E2M1FN, block = [32
