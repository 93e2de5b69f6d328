// RUN: mx-opt %s -split-input-file -verify-diagnostics -mx-generate-gradients
// RUN: not mx-opt %s -split-input-file -mx-generate-gradients="wrt=0" 2>&1 | FileCheck %s --check-prefix=WRT
// RUN: not mx-opt %s -split-input-file -mx-generate-gradients="function=nothing" 2>&1 | FileCheck %s --check-prefix=NAME
// RUN: not mx-opt %s -split-input-file -mx-generate-gradients="function=atan wrt=7" 2>&1 | FileCheck %s --check-prefix=INDEX

// WRT: error: mx-generate-gradients: wrt= needs function=
// NAME: error: mx-generate-gradients: no function @nothing
// INDEX: error: mx-generate-gradients: @atan has no floating-point argument #7 to differentiate

// expected-error @below {{mx-generate-gradients: @vector_loss must return a scalar loss (a float or a one-element float tensor), not 'tensor<4xf32>'}}
func.func @vector_loss(%x: tensor<4xf32> {mx.wrt}) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// expected-error @below {{mx-generate-gradients: @two_results must return exactly one value, the loss}}
func.func @two_results(%x: f32 {mx.wrt}) -> (f32, f32) {
  return %x, %x : f32, f32
}

// -----

// expected-error @below {{mx-generate-gradients: @blocks must have a single block}}
func.func @blocks(%x: f32 {mx.wrt}) -> f32 {
  cf.br ^next
^next:
  return %x : f32
}

// -----

// expected-error @below {{mx-generate-gradients: @twice_grad already exists}}
func.func @twice(%x: f32 {mx.wrt}) -> f32 {
  return %x : f32
}
func.func @twice_grad(%x: f32) -> f32 {
  return %x : f32
}

// -----

// expected-error @below {{mx-generate-gradients: no function to differentiate: mark arguments {mx.wrt} or name one with function=}}
module {
  func.func @unmarked(%x: f32) -> f32 {
    return %x : f32
  }
}

// -----

func.func private @opaque(tensor<4xf32>) -> tensor<f32>

func.func @call(%x: tensor<4xf32> {mx.wrt}) -> tensor<f32> {
  // expected-error @below {{mx-generate-gradients: cannot differentiate 'func.call' (no gradient rule), on the way from a differentiated argument of @call to its loss}}
  %l = func.call @opaque(%x) : (tensor<4xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

func.func @atan(%x: tensor<f32> {mx.wrt}) -> tensor<f32> {
  // expected-error @below {{mx-generate-gradients: cannot differentiate 'math.atan' (no gradient rule)}}
  %l = math.atan %x : tensor<f32>
  return %l : tensor<f32>
}

// -----

// A product reduction has no rule (only sums and max/min do).
func.func @product(%x: tensor<4xf32> {mx.wrt}) -> tensor<f32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<f32>
  %i = linalg.fill ins(%one : f32) outs(%e : tensor<f32>) -> tensor<f32>
  // expected-error @below {{mx-generate-gradients: cannot differentiate 'linalg.reduce': its reduction does not combine by addf, maximumf or minimumf of the running value}}
  %p = linalg.reduce ins(%x : tensor<4xf32>) outs(%i : tensor<f32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %m = arith.mulf %in, %acc : f32
      linalg.yield %m : f32
    }
  return %p : tensor<f32>
}

// -----

// A body op without a rule is named, with the op whose body holds it.
func.func @body(%x: tensor<4xf32> {mx.wrt}) -> tensor<f32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<f32>) -> tensor<f32>
  // expected-error @below {{mx-generate-gradients: cannot differentiate 'math.atan' in the body of this op}}
  %s = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> ()>], iterator_types = ["reduction"]}
      ins(%x : tensor<4xf32>) outs(%i : tensor<f32>) {
    ^bb0(%in: f32, %acc: f32):
      %a = math.atan %in : f32
      %t = arith.addf %a, %acc : f32
      linalg.yield %t : f32
  } -> tensor<f32>
  return %s : tensor<f32>
}

// -----

// A gather reads the table with tensor.extract in the body; any other read
// of a differentiated tensor from outside (here inside an scf.if) has no
// rule.
func.func @gather(%table: tensor<16x4xf32> {mx.wrt}, %ids: tensor<3xindex>, %on: i1) -> tensor<f32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x4xf32>
  // expected-error @below {{mx-generate-gradients: cannot differentiate 'linalg.generic': its body reads a differentiated tensor other than by tensor.extract in the body itself}}
  %rows = linalg.generic {indexing_maps = [affine_map<(t, j) -> (t)>, affine_map<(t, j) -> (t, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%ids : tensor<3xindex>) outs(%e : tensor<3x4xf32>) {
    ^bb0(%id: index, %out: f32):
      %j = linalg.index 1 : index
      %v = scf.if %on -> f32 {
        %x = tensor.extract %table[%id, %j] : tensor<16x4xf32>
        scf.yield %x : f32
      } else {
        scf.yield %zero : f32
      }
      linalg.yield %v : f32
  } -> tensor<3x4xf32>
  %s0 = tensor.empty() : tensor<f32>
  %i = linalg.fill ins(%zero : f32) outs(%s0 : tensor<f32>) -> tensor<f32>
  %s = linalg.reduce ins(%rows : tensor<3x4xf32>) outs(%i : tensor<f32>) dimensions = [0, 1]
    (%in: f32, %acc: f32) {
      %t = arith.addf %in, %acc : f32
      linalg.yield %t : f32
    }
  return %s : tensor<f32>
}

// -----

// The start of a max reduction is not differentiable.
func.func @max_init(%x: tensor<4xf32> {mx.wrt}, %start: tensor<f32> {mx.wrt}) -> tensor<f32> {
  // expected-error @below {{mx-generate-gradients: cannot differentiate 'linalg.reduce': the initial value of its max/min reduction depends on a differentiated argument}}
  %m = linalg.reduce ins(%x : tensor<4xf32>) outs(%start : tensor<f32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %t = arith.maximumf %in, %acc : f32
      linalg.yield %t : f32
    }
  return %m : tensor<f32>
}

// -----

// A convolution-like map (d0 + d1) is not a projected permutation.
func.func @window(%x: tensor<6xf32> {mx.wrt}) -> tensor<f32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x3xf32>
  // expected-error @below {{mx-generate-gradients: cannot differentiate 'linalg.generic': an operand's indexing map is not a projected permutation}}
  %w = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i + k)>, affine_map<(i, k) -> (i, k)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<6xf32>) outs(%e : tensor<4x3xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
  } -> tensor<4x3xf32>
  %c0 = arith.constant 0 : index
  %v = tensor.extract %w[%c0, %c0] : tensor<4x3xf32>
  %t = tensor.from_elements %v : tensor<f32>
  return %t : tensor<f32>
}

// -----

// A gather inside a max reduction: the tie counts and the scatter are not
// combined.
func.func @gather_max(%table: tensor<16x4xf32> {mx.wrt}, %ids: tensor<3xindex>, %w: tensor<3x4xf32>) -> tensor<f32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<f32>
  %i = linalg.fill ins(%ninf : f32) outs(%e : tensor<f32>) -> tensor<f32>
  // expected-error @below {{mx-generate-gradients: cannot differentiate 'linalg.generic': it gathers from a differentiated tensor inside a max/min reduction}}
  %m = linalg.generic {indexing_maps = [affine_map<(t, j) -> (t)>, affine_map<(t, j) -> (t, j)>, affine_map<(t, j) -> ()>], iterator_types = ["reduction", "reduction"]}
      ins(%ids, %w : tensor<3xindex>, tensor<3x4xf32>) outs(%i : tensor<f32>) {
    ^bb0(%id: index, %scale: f32, %acc: f32):
      %j = linalg.index 1 : index
      %v = tensor.extract %table[%id, %j] : tensor<16x4xf32>
      %p = arith.mulf %v, %scale : f32
      %t = arith.maximumf %p, %acc : f32
      linalg.yield %t : f32
  } -> tensor<f32>
  return %m : tensor<f32>
}
