// RUN: not mx-opt %s -mx-quantize-policy="weights=fp5" 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not mx-opt %s -mx-quantize-policy="activations=e4m4" 2>&1 | FileCheck %s --check-prefix=ACT
// RUN: not mx-opt %s -mx-quantize-policy="scale-rule=up" 2>&1 | FileCheck %s --check-prefix=RULE
// RUN: not mx-opt %s -mx-quantize-policy="rounding=rna" 2>&1 | FileCheck %s --check-prefix=ROUND
// RUN: not mx-opt %s -mx-quantize-policy="block-size=1" 2>&1 | FileCheck %s --check-prefix=BLOCK
// RUN: not mx-opt %s -mx-quantize-policy="weights=none activations=none" 2>&1 | FileCheck %s --check-prefix=NONE

// Bad policy options are errors that name the option and the choices.
// FORMAT: error: mx-quantize-policy: unknown weights format 'fp5' (expected e4m3, e5m2, e3m2, e2m3, e2m1, int8 or none)
// ACT: error: mx-quantize-policy: unknown activations format 'e4m4'
// RULE: error: mx-quantize-policy: unknown scale rule 'up' (expected floor, ceil, even or rceil)
// ROUND: error: mx-quantize-policy: unknown rounding 'rna' (expected rne, rtz or stochastic)
// BLOCK: error: mx-quantize-policy: block-size must be at least 2, but got 1
// NONE: error: mx-quantize-policy: weights and activations cannot both be none
func.func @f() {
  return
}
