// RUN: mx-opt %s -split-input-file -verify-diagnostics

// mx.avx512.dot_u8s8 (MXTargetOps.td): each operand constraint.

func.func @dot_lanes_not_a_vpdpbusd_width(%acc: vector<2xi32>, %a: vector<8xi8>) -> vector<2xi32> {
  // expected-error @+1 {{'mx.avx512.dot_u8s8' op operand #0 must be vector of 32-bit signless integer values of length 4/8/16, but got 'vector<2xi32>'}}
  %r = mx.avx512.dot_u8s8 %acc, %a, %a : vector<8xi8> -> vector<2xi32>
  return %r : vector<2xi32>
}

// -----

func.func @dot_bytes_not_i8(%acc: vector<16xi32>, %a: vector<64xi16>) -> vector<16xi32> {
  // expected-error @+1 {{'mx.avx512.dot_u8s8' op operand #1 must be vector of 8-bit signless integer values of length 16/32/64, but got 'vector<64xi16>'}}
  %r = mx.avx512.dot_u8s8 %acc, %a, %a : vector<64xi16> -> vector<16xi32>
  return %r : vector<16xi32>
}

// -----

func.func @dot_four_bytes_per_lane(%acc: vector<16xi32>, %a: vector<32xi8>) -> vector<16xi32> {
  // expected-error @+1 {{'mx.avx512.dot_u8s8' op failed to verify that `a` has four times as many elements as `acc`}}
  %r = mx.avx512.dot_u8s8 %acc, %a, %a : vector<32xi8> -> vector<16xi32>
  return %r : vector<16xi32>
}

// -----

func.func @dot_operands_differ(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<16xi8>) -> vector<16xi32> {
  // expected-error @+1 {{'mx.avx512.dot_u8s8' op failed to verify that all of {a, b} have same type}}
  %r = "mx.avx512.dot_u8s8"(%acc, %a, %b) : (vector<16xi32>, vector<64xi8>, vector<16xi8>) -> vector<16xi32>
  return %r : vector<16xi32>
}

// -----

func.func @dot_result_is_acc_type(%acc: vector<16xi32>, %a: vector<64xi8>) -> vector<8xi32> {
  // expected-error @+1 {{'mx.avx512.dot_u8s8' op failed to verify that all of {acc, result} have same type}}
  %r = "mx.avx512.dot_u8s8"(%acc, %a, %a) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<8xi32>
  return %r : vector<8xi32>
}

// -----

// mx.avx512.permute_f32: one 512-bit register of f32 and of i32 indices.

func.func @permute_table_not_16_f32(%table: vector<8xf32>, %indices: vector<16xi32>) -> vector<8xf32> {
  // expected-error @+1 {{'mx.avx512.permute_f32' op operand #0 must be vector of 32-bit float values of length 16, but got 'vector<8xf32>'}}
  %r = mx.avx512.permute_f32 %table, %indices : vector<8xf32>, vector<16xi32>
  return %r : vector<8xf32>
}

// -----

func.func @permute_indices_not_16_i32(%table: vector<16xf32>, %indices: vector<16xi64>) -> vector<16xf32> {
  // expected-error @+1 {{'mx.avx512.permute_f32' op operand #1 must be vector of 32-bit signless integer values of length 16, but got 'vector<16xi64>'}}
  %r = mx.avx512.permute_f32 %table, %indices : vector<16xf32>, vector<16xi64>
  return %r : vector<16xf32>
}

// -----

func.func @permute_result_is_table_type(%table: vector<16xf32>, %indices: vector<16xi32>) -> vector<16xi32> {
  // expected-error @+1 {{'mx.avx512.permute_f32' op result #0 must be vector of 32-bit float values of length 16, but got 'vector<16xi32>'}}
  %r = "mx.avx512.permute_f32"(%table, %indices) : (vector<16xf32>, vector<16xi32>) -> vector<16xi32>
  return %r : vector<16xi32>
}

// -----

// mx.avx512.permute_i16: one 512-bit register of 16-bit lanes for the
// table, the indices and the result alike.

func.func @permute_i16_not_32_lanes(%table: vector<16xi16>) -> vector<16xi16> {
  // expected-error @+1 {{'mx.avx512.permute_i16' op operand #0 must be vector of 16-bit signless integer values of length 32, but got 'vector<16xi16>'}}
  %r = mx.avx512.permute_i16 %table, %table : vector<16xi16>
  return %r : vector<16xi16>
}

// -----

func.func @permute_i16_indices_differ(%table: vector<32xi16>, %indices: vector<32xi8>) -> vector<32xi16> {
  // expected-error @+1 {{'mx.avx512.permute_i16' op operand #1 must be vector of 16-bit signless integer values of length 32, but got 'vector<32xi8>'}}
  %r = "mx.avx512.permute_i16"(%table, %indices) : (vector<32xi16>, vector<32xi8>) -> vector<32xi16>
  return %r : vector<32xi16>
}

// -----

func.func @permute_i16_result_differs(%table: vector<32xi16>, %bf: vector<32xbf16>) -> vector<32xbf16> {
  // expected-error @+1 {{'mx.avx512.permute_i16' op result #0 must be vector of 16-bit signless integer values of length 32, but got 'vector<32xbf16>'}}
  %r = "mx.avx512.permute_i16"(%table, %table) : (vector<32xi16>, vector<32xi16>) -> vector<32xbf16>
  return %r : vector<32xbf16>
}

// -----

// mx.avx512.permute2_i16: two table registers, indices and result alike.

func.func @permute2_i16_not_32_lanes(%t: vector<32xi32>) -> vector<32xi32> {
  // expected-error @+1 {{'mx.avx512.permute2_i16' op operand #0 must be vector of 16-bit signless integer values of length 32, but got 'vector<32xi32>'}}
  %r = mx.avx512.permute2_i16 %t, %t, %t : vector<32xi32>
  return %r : vector<32xi32>
}

// -----

func.func @permute2_i16_high_differs(%t: vector<32xi16>, %h: vector<16xi16>) -> vector<32xi16> {
  // expected-error @+1 {{'mx.avx512.permute2_i16' op operand #2 must be vector of 16-bit signless integer values of length 32, but got 'vector<16xi16>'}}
  %r = "mx.avx512.permute2_i16"(%t, %t, %h) : (vector<32xi16>, vector<32xi16>, vector<16xi16>) -> vector<32xi16>
  return %r : vector<32xi16>
}
