// Text on which Debian's MLIR 22 parser crashes (linalg.transpose,
// linalg.broadcast and linalg.reduce store the null attribute of a failed
// `permutation =` / `dimensions =` parse) is an error from mx-opt, at its
// line, before anything is parsed; from stdin too. Each split below is
// checked as a file of its own. Well-formed lists, the generic form and
// comments or strings holding the words pass through to the parser.

// RUN: split-file %s %t
// RUN: not mx-opt %t/double-equals.mlir 2>&1 | FileCheck %s --check-prefix=EQUALS
// RUN: not mx-opt - < %t/double-equals.mlir 2>&1 | FileCheck %s --check-prefix=STDIN
// RUN: not mx-opt %t/trailing-comma.mlir 2>&1 | FileCheck %s --check-prefix=COMMA
// RUN: not mx-opt %t/too-large.mlir 2>&1 | FileCheck %s --check-prefix=LARGE
// RUN: not mx-opt %t/broadcast.mlir 2>&1 | FileCheck %s --check-prefix=BROADCAST
// RUN: not mx-opt %t/reduce.mlir 2>&1 | FileCheck %s --check-prefix=REDUCE
// RUN: mx-opt %t/valid.mlir | FileCheck %s --check-prefix=VALID
// RUN: not mx-opt %t/generic-malformed.mlir 2>&1 | FileCheck %s --check-prefix=GENERIC

// EQUALS: double-equals.mlir:2:78: error: expected a list of 64-bit integers
// EQUALS-SAME: MLIR 22's parser would crash on this text
// STDIN: <stdin>:2:78: error: expected a list of 64-bit integers
// COMMA: trailing-comma.mlir:2:78: error: expected a list of 64-bit integers
// LARGE: too-large.mlir:3:5: error: expected a list of 64-bit integers
// BROADCAST: broadcast.mlir:2:76: error: expected a list of 64-bit integers
// REDUCE: reduce.mlir:2:73: error: expected a list of 64-bit integers
// VALID-COUNT-2: linalg.transpose
// VALID: linalg.reduce
// GENERIC: error: expected attribute value
// GENERIC-NOT: expected a list of 64-bit integers

//--- double-equals.mlir
func.func @f(%d: tensor<4x2xf32>, %e: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %t = linalg.transpose ins(%d : tensor<4x2xf32>) outs(%e : tensor<2x4xf32>) permutation = = [1, 0]
  return %t : tensor<2x4xf32>
}
//--- trailing-comma.mlir
func.func @f(%d: tensor<4x2xf32>, %e: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %t = linalg.transpose ins(%d : tensor<4x2xf32>) outs(%e : tensor<2x4xf32>) permutation = [1, ]
  return %t : tensor<2x4xf32>
}
//--- too-large.mlir
func.func @f(%d: tensor<4x2xf32>, %e: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %t = linalg.transpose ins(%d : tensor<4x2xf32>) outs(%e : tensor<2x4xf32>)
    permutation = [99999999999999999999, 0]
  return %t : tensor<2x4xf32>
}
//--- broadcast.mlir
func.func @f(%d: tensor<4xf32>, %e: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %b = linalg.broadcast ins(%d : tensor<4xf32>) outs(%e : tensor<4x8xf32>) dimensions = [1 0]
  return %b : tensor<4x8xf32>
}
//--- reduce.mlir
func.func @f(%d: tensor<4x8xf32>, %e: tensor<4xf32>) -> tensor<4xf32> {
  %r = linalg.reduce ins(%d : tensor<4x8xf32>) outs(%e : tensor<4xf32>) dimensions = [1.5]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<4xf32>
}
//--- valid.mlir
// A comment with permutation = = [ and a string: "dimensions = [x".
func.func @f(%d: tensor<4x2xf32>, %e: tensor<2x4xf32>, %g: tensor<4x8xf32>, %h: tensor<4xf32>)
    -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<4xf32>) attributes {note = "permutation = [,"} {
  %t = linalg.transpose ins(%d : tensor<4x2xf32>) outs(%e : tensor<2x4xf32>) permutation = [0x1, // one
      0]
  %u = "linalg.transpose"(%d, %e) <{permutation = array<i64: 1, 0>}> ({
    ^bb0(%a: f32, %b: f32):
      linalg.yield %a : f32
  }) : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  %r = linalg.reduce ins(%g : tensor<4x8xf32>) outs(%h : tensor<4xf32>) dimensions = [0x1]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %t, %u, %r : tensor<2x4xf32>, tensor<2x4xf32>, tensor<4xf32>
}
//--- generic-malformed.mlir
func.func @f(%d: tensor<4x2xf32>, %e: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %u = "linalg.transpose"(%d, %e) <{permutation = [1, , 0]}> ({
    ^bb0(%a: f32, %b: f32):
      linalg.yield %a : f32
  }) : (tensor<4x2xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %u : tensor<2x4xf32>
}
