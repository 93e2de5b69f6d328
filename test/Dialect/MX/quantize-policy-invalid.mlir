// RUN: not mx-opt %s -mx-quantize-policy="weights=fp5" 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not mx-opt %s -mx-quantize-policy="activations=e4m4" 2>&1 | FileCheck %s --check-prefix=ACT
// RUN: not mx-opt %s -mx-quantize-policy="scale-rule=up" 2>&1 | FileCheck %s --check-prefix=RULE
// RUN: not mx-opt %s -mx-quantize-policy="rounding=rna" 2>&1 | FileCheck %s --check-prefix=ROUND
// RUN: not mx-opt %s -mx-quantize-policy="block-size=1" 2>&1 | FileCheck %s --check-prefix=BLOCK
// RUN: not mx-opt %s -mx-quantize-policy="weights=none activations=none" 2>&1 | FileCheck %s --check-prefix=NONE
// RUN: not mx-opt %s -mx-quantize-policy="weights=mx9 block-size=15" 2>&1 | FileCheck %s --check-prefix=TWO-LEVEL-BLOCK
// RUN: not mx-opt %s -mx-quantize-policy="activations=mx6 block-size=512" 2>&1 | FileCheck %s --check-prefix=TWO-LEVEL-BLOCK-512
// RUN: not mx-opt %s -mx-quantize-policy="weights=mx4 scale-rule=rceil" 2>&1 | FileCheck %s --check-prefix=TWO-LEVEL-RULE
// RUN: not mx-opt %s -mx-quantize-policy="weights=mx4 rounding=stochastic" 2>&1 | FileCheck %s --check-prefix=TWO-LEVEL-RULE
// RUN: not mx-opt %s -mx-quantize-policy="scales=fp32" 2>&1 | FileCheck %s --check-prefix=SCALES
// RUN: not mx-opt %s -mx-quantize-policy="weights=e2m1 scales=f32" 2>&1 | FileCheck %s --check-prefix=TILES-FORMAT
// RUN: not mx-opt %s -mx-quantize-policy="scales=f32 scale-rule=even" 2>&1 | FileCheck %s --check-prefix=TILES-RULE
// RUN: not mx-opt %s -mx-quantize-policy="scales=f32 rounding=stochastic" 2>&1 | FileCheck %s --check-prefix=TILES-ROUND
// RUN: not mx-opt %s -mx-quantize-policy="scale-rule=quotient" 2>&1 | FileCheck %s --check-prefix=QUOTIENT
// RUN: not mx-opt %s -mx-quantize-policy="weights=e4m3 scales=e4m3" 2>&1 | FileCheck %s --check-prefix=NVFP4-FORMAT
// RUN: not mx-opt %s -mx-quantize-policy="weights=e2m1 activations=e2m1 scales=e4m3 block-size=32" 2>&1 | FileCheck %s --check-prefix=NVFP4-BLOCK
// RUN: not mx-opt %s -mx-quantize-policy="weights=e2m1 activations=e2m1 scales=e4m3 scale-rule=rceil" 2>&1 | FileCheck %s --check-prefix=NVFP4-RULE
// RUN: not mx-opt %s -mx-quantize-policy="weights=e2m1 activations=e2m1 scales=e4m3 rounding=rtz" 2>&1 | FileCheck %s --check-prefix=NVFP4-RULE

// Bad policy options are errors that name the option (the choices are in
// mx-opt --help).
// FORMAT: for the --weights option: Cannot find option named 'fp5'!
// ACT: for the --activations option: Cannot find option named 'e4m4'!
// RULE: for the --scale-rule option: Cannot find option named 'up'!
// ROUND: for the --rounding option: Cannot find option named 'rna'!
// BLOCK: error: mx-quantize-policy: block-size must be at least 2, but got 1
// NONE: error: mx-quantize-policy: weights and activations cannot both be none
// TWO-LEVEL-BLOCK: error: mx-quantize-policy: the two-level formats (mx9, mx6, mx4) take an even block-size of at most 256, but got 15
// TWO-LEVEL-BLOCK-512: error: mx-quantize-policy: the two-level formats (mx9, mx6, mx4) take an even block-size of at most 256, but got 512
// TWO-LEVEL-RULE: error: mx-quantize-policy: the two-level formats (mx9, mx6, mx4) compute their own exponents and round rne or rtz; leave scale-rule at floor and rounding at rne or rtz
// SCALES: error: mx-quantize-policy: unknown scales 'fp32' (expected e8m0, f32 or e4m3)
// TILES-FORMAT: error: mx-quantize-policy: scales=f32 (FP8 tiles) takes e4m3 or e5m2 (or none) for weights and activations
// TILES-RULE: error: mx-quantize-policy: scales=f32 takes scale-rule quotient or rceil, but got even
// TILES-ROUND: error: mx-quantize-policy: scales=f32 rounds to nearest even; leave rounding at rne
// QUOTIENT: error: mx-quantize-policy: scale-rule quotient is for f32 tile scales (scales=f32) and NVFP4 (scales=e4m3)
// NVFP4-FORMAT: error: mx-quantize-policy: scales=e4m3 (NVFP4) takes e2m1 (or none) for weights and activations
// NVFP4-BLOCK: error: mx-quantize-policy: scales=e4m3 (NVFP4) has blocks of 16, but got block-size 32
// NVFP4-RULE: error: mx-quantize-policy: scales=e4m3 (NVFP4) computes its block scales as quotients and rounds to nearest even; leave scale-rule and rounding at their defaults
func.func @f() {
  return
}
