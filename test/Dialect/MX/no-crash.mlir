// No input makes mx-opt crash: 750 deterministic mutants of ops.mlir and
// canonicalize.mlir (tokens dropped, duplicated, renumbered, retyped,
// lines swapped, files truncated) are parsed, verified, folded and expanded;
// each must end in success or a diagnostic. scripts/test.sh runs every
// fourth mutant (every sixteenth sanitized; mx-ir-fuzzer covers this ground
// coverage-guided); scripts/test.sh --full runs them all.
// RUN: %python %S/Inputs/mutate_no_crash.py mx-opt %S/ops.mlir 300 -canonicalize -mx-expand-casts | FileCheck %s
// RUN: %python %S/Inputs/mutate_no_crash.py mx-opt %S/canonicalize.mlir 300 -split-input-file -canonicalize | FileCheck %s
// CHECK: {{[0-9]+}} mutants: {{[0-9]+}} accepted, {{[0-9]+}} rejected with a diagnostic, 0 crashed

// The policy and fusion passes on mutants of their own tests.
// RUN: %python %S/Inputs/mutate_no_crash.py mx-opt %S/quantize-policy.mlir 150 -split-input-file "-mx-quantize-policy=weights=e2m1 activations=e4m3" -mx-fuse-quantization | FileCheck %s --check-prefix=PASSES
// RUN: %python %S/Inputs/mutate_no_crash.py mx-opt %S/fuse-quantization.mlir 150 -split-input-file -mx-fuse-quantization -canonicalize | FileCheck %s --check-prefix=PASSES
// RUN: %python %S/Inputs/mutate_no_crash.py mx-opt %S/prepare-weights.mlir 151 -split-input-file -mx-prepare-weights -canonicalize | FileCheck %s --check-prefix=PASSES
// RUN: %python %S/Inputs/mutate_no_crash.py mx-opt %S/outline-kernels.mlir 150 -split-input-file -mx-outline-kernels=min-uses=1 -canonicalize | FileCheck %s --check-prefix=PASSES
// RUN: %python %S/Inputs/mutate_no_crash.py mx-opt %S/split-layers.mlir 150 -split-input-file -mx-split-layers -canonicalize | FileCheck %s --check-prefix=PASSES
// PASSES: {{[0-9]+}} mutants: {{[0-9]+}} accepted, {{[0-9]+}} rejected with a diagnostic, 0 crashed

// Scale propagation and the scaled ops, through the CPU pipeline too.
// Mutants such as `linalg.transpose ... permutation = = [1, 0]`, on which
// MLIR 22's own parser crashes, get mx-opt's error before parsing
// (test/tools/mx-opt/upstream-parser-crash.mlir).
// RUN: %python %S/Inputs/mutate_no_crash.py mx-opt %S/propagate-scales.mlir 150 -split-input-file -mx-propagate-scales -canonicalize | FileCheck %s --check-prefix=PASSES
// RUN: %python %S/Inputs/mutate_no_crash.py mx-opt %S/propagate-scales-mx.mlir 150 -split-input-file -mx-propagate-scales --mx-cpu-pipeline | FileCheck %s --check-prefix=PROPAGATE-MX
// PROPAGATE-MX: {{[0-9]+}} mutants: {{[0-9]+}} accepted, {{[0-9]+}} rejected with a diagnostic, 0 crashed
// RUN: %python %S/Inputs/mutate_no_crash.py mx-opt %S/scaled-ops.mlir 150 -canonicalize --mx-cpu-pipeline | FileCheck %s --check-prefix=PASSES

// The same through the whole CPU pipeline, on a program it lowers.
// RUN: %python %S/Inputs/mutate_no_crash.py mx-opt %S/../../Conversion/MXToLinalg/structural.mlir 150 -split-input-file --mx-cpu-pipeline | FileCheck %s --check-prefix=PIPELINE
// PIPELINE: {{[0-9]+}} mutants: {{[0-9]+}} accepted, {{[0-9]+}} rejected with a diagnostic, 0 crashed
// Two-level formats (MX9/MX6/MX4 and the family) through the pipeline.
// RUN: %python %S/Inputs/mutate_no_crash.py mx-opt %S/../../Conversion/MXToLinalg/two-level.mlir 120 -split-input-file -canonicalize --mx-cpu-pipeline | FileCheck %s --check-prefix=PIPELINE
