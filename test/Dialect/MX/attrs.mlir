// RUN: mx-opt %s | mx-opt | FileCheck %s

// Every case of every attribute, standalone.

// CHECK-LABEL: func.func private @scale_rules
// CHECK-SAME: a = #mx.scale_rule<floor>, b = #mx.scale_rule<ceil>, c = #mx.scale_rule<even>, d = #mx.scale_rule<rceil>
func.func private @scale_rules() attributes {
  a = #mx.scale_rule<floor>, b = #mx.scale_rule<ceil>,
  c = #mx.scale_rule<even>, d = #mx.scale_rule<rceil>}

// CHECK-LABEL: func.func private @roundings
// CHECK-SAME: a = #mx.rounding<rne>, b = #mx.rounding<rtz>, c = #mx.rounding<stochastic>
func.func private @roundings() attributes {
  a = #mx.rounding<rne>, b = #mx.rounding<rtz>, c = #mx.rounding<stochastic>}

// CHECK-LABEL: func.func private @saturations
// CHECK-SAME: a = #mx.saturation<saturate>, b = #mx.saturation<nonfinite>
func.func private @saturations() attributes {
  a = #mx.saturation<saturate>, b = #mx.saturation<nonfinite>}
