// RUN: mx-opt %s -split-input-file -verify-diagnostics

// expected-error @+2 {{failed to parse MX_ScaleRuleAttr parameter 'value' which is to be a `::mlir::mx::ScaleRule`}}
// expected-error @+1 {{expected ::mlir::mx::ScaleRule to be one of: floor, ceil, even, rceil}}
func.func private @unknown_scale_rule() attributes {a = #mx.scale_rule<round>}

// -----

// expected-error @+2 {{failed to parse MX_RoundingAttr parameter 'value' which is to be a `::mlir::mx::Rounding`}}
// expected-error @+1 {{expected ::mlir::mx::Rounding to be one of: rne, rtz, stochastic}}
func.func private @unknown_rounding() attributes {a = #mx.rounding<nearest>}

// -----

// expected-error @+2 {{failed to parse MX_SaturationAttr parameter 'value' which is to be a `::mlir::mx::Saturation`}}
// expected-error @+1 {{expected ::mlir::mx::Saturation to be one of: saturate, nonfinite}}
func.func private @unknown_saturation() attributes {a = #mx.saturation<clamp>}

// -----

// expected-error @+1 {{unknown attribute `format` in dialect `mx`}}
func.func private @unknown_attribute() attributes {a = #mx.format<e2m1>}
