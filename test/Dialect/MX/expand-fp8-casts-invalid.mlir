// RUN: mx-opt %s -split-input-file -mx-expand-fp8-casts -verify-diagnostics

// Vectors are not expanded: an error, not a crash in LLVM translation.
func.func @vector(%x: vector<4xf8E4M3FN>) -> vector<4xf32> {
  // expected-error @+1 {{'arith.extf' op converts FP8 on 'vector<4xf32>'; only scalar FP8 casts are expanded}}
  %e = arith.extf %x : vector<4xf8E4M3FN> to vector<4xf32>
  return %e : vector<4xf32>
}

// -----

// Rounding modes other than nearest-even and toward-zero: an error.
func.func @upward(%x: f32) -> f8E5M2 {
  // expected-error @+1 {{'arith.truncf' op rounds with upward; FP8 truncation is expanded for to_nearest_even and toward_zero only}}
  %t = arith.truncf %x upward : f32 to f8E5M2
  return %t : f8E5M2
}

// -----

// An f64 source would round twice (to f32, then to FP8): an error.
func.func @f64_source(%x: f64) -> f8E4M3FN {
  // expected-error @+1 {{'arith.truncf' op truncates 'f64' to FP8; only f32, f16 and bf16 sources are expanded (one rounding step)}}
  %t = arith.truncf %x : f64 to f8E4M3FN
  return %t : f8E4M3FN
}
