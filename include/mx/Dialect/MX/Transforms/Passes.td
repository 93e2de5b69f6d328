//===- Passes.td - Transformations of the mx dialect -------*- tablegen -*-===//

#ifndef MX_DIALECT_MX_TRANSFORMS_PASSES_TD
#define MX_DIALECT_MX_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MXExpandCastsPass : Pass<"mx-expand-casts"> {
  let summary = "Rewrite mx.cast into mx.dequantize to f32 and mx.quantize";
  let description = [{
    `mx.cast` is defined as a dequantize to f32 followed by a quantize with the
    cast's scale rule, rounding, seed and saturation. This pass writes that
    definition out, so that a lowering needs to handle only `mx.quantize` and
    `mx.dequantize`, and a fusion pass can see the f32 value in between.

    Before:
    ```mlir
    %r = mx.cast %q scale_rule<rceil> : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>
           -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
    ```
    After:
    ```mlir
    %0 = mx.dequantize %q : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>
           -> tensor<64x128xf32>
    %r = mx.quantize %0 scale_rule<rceil> : tensor<64x128xf32>
           -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
    ```
  }];
  let dependentDialects = ["::mlir::mx::MXDialect"];
}

def MXExpandFP8CastsPass : Pass<"mx-expand-fp8-casts"> {
  let summary = "Expand arith.extf/truncf on FP8 scalars into exact integer arithmetic";
  let description = [{
    LLVM has no FP8 types and MLIR 22 lowers `arith.extf` from f8E4M3FN or
    f8E5M2 (and `arith.truncf` to them) for the CPU only through APFloat
    runtime calls, or not at all. This pass makes FP8 data usable in
    ordinary linalg programs, e.g. a `linalg.matmul` of two FP8 tensors
    accumulating in f32 (what scale propagation produces):

    - linalg named ops with an FP8 operand or result are generalized, so
      that their element conversions become visible arith ops;
    - an FP8 input of a reduction (a matmul reads each element many times)
      that the body only widens to f32 is decoded once, into an f32 tensor;
    - a scalar `arith.extf` from FP8 decodes the byte exactly (as
      `mx.dequantize` does);
    - a scalar `arith.truncf` to FP8 rounds as `arith.truncf` specifies:
      to nearest even (or toward zero with `roundingmode` toward_zero), with
      IEEE overflow (E5M2 to Inf, E4M3 to NaN), i.e. `saturation<nonfinite>`.

    Both are integer arithmetic on the bits, shared with the MX lowering and
    checked against lib/Numerics. Run it before vectorization: vector and
    tensor operands are reported as errors. `mx-cpu-pipeline` runs it after
    `-convert-mx-to-linalg`.

    ```mlir
    %f = arith.extf %x : f8E4M3FN to f32
    // becomes
    %b = arith.bitcast %x : f8E4M3FN to i8
    %c = arith.extui %b : i8 to i32
    ... // shifts, masks and selects; one multiply by a power of two
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def MXInsertScaleComputationPass : Pass<"mx-insert-scale-computation"> {
  let summary = "Make the block-scale computation of mx.quantize explicit";
  let description = [{
    Rewrites every `mx.quantize` that computes its own scales into explicit
    tensor code for them, and a quantize that takes the scales as an operand:

    1. block abs-max: the input (f16/bf16 extended to f32, exactly) is padded
       with zeros to whole blocks (zeros never change an amax, so partial
       blocks come out right), split into blocks with `tensor.expand_shape`,
       and reduced with `arith.maximumf` of each value and its negation,
       which propagates NaN and orders -0 below +0;
    2. shared exponent: an elementwise `linalg.generic` of integer operations
       on amax's f32 bits implements the op's scale rule exactly as
       docs/Numerics.md states it (floor, ceil, even, rceil; subnormal amax
       normalized, zero amax taken as 2^-126, NaN/Inf to the NaN code 0xFF,
       clamping to [-127, 127]), producing `f8E8M0FNU` codes.

    Before:
    ```mlir
    %q = mx.quantize %x scale_rule<rceil> : tensor<4x40xf32>
           -> !mx.tensor<4x40xf4E2M1FN, block = [1, 32]>
    ```
    After (abridged):
    ```mlir
    %p = tensor.pad %x low[0, 0] high[0, 24] {...} : tensor<4x40xf32> to tensor<4x64xf32>
    %b = tensor.expand_shape %p [[0, 1], [2, 3]] ... into tensor<4x1x2x32xf32>
    %amax = linalg.generic {...reduction...} ins(%b) outs(%zeros : tensor<4x2xf32>)
    %s = linalg.generic {...} ins(%amax) outs(... : tensor<4x2xf8E8M0FNU>)
    %q = mx.quantize %x scales(%s : tensor<4x2xf8E8M0FNU>) : tensor<4x40xf32>
           -> !mx.tensor<4x40xf4E2M1FN, block = [1, 32]>
    ```

    Only static shapes are handled so far; a quantize of a dynamically shaped
    tensor is reported as an error.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::mx::MXDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MXTileAndVectorizePass : Pass<"mx-tile-and-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Tile the CPU pipeline's linalg ops and turn each tile into vector ops";
  let description = [{
    The vector step of the CPU pipeline, for the `linalg` ops that
    `-convert-mx-to-linalg` (and `-convert-elementwise-to-linalg`) produce on
    statically shaped tensors. Each op is tiled with `scf.for` so that a tile
    spans, of its innermost non-unit parallel loop, the largest number of
    elements up to `vector-size` that divides the loop (so every tile is
    whole and needs no mask), its reduction loops whole, and one element of
    every other loop; the tile is then vectorized with `linalg::vectorize`.
    The element conversion of a quantize then runs on `vector<...x32xi32>`
    values: one vector per block for blocks along the last axis. A loop whose
    range has no divisor above 1 up to `vector-size` (a prime) stays scalar;
    peeling a remainder tile is left for later.

    Ops with dynamic loop ranges, or with an indexing map that is not a
    projected permutation (a tile of those cannot be taken by slicing), are
    left as they are.
  }];
  let options = [
    Option<"vectorSize", "vector-size", "int64_t", /*default=*/"32",
           "Elements per vector along the vectorized loop">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def MXQuantizePolicyPass : Pass<"mx-quantize-policy", "::mlir::ModuleOp"> {
  let summary = "Rewrite f32/bf16 matrix products into MX ops, per a policy";
  let description = [{
    The drop-in step: a model written in f32 (or bf16) goes in, its matrix
    products come out in MX. Every contraction the pass understands becomes
    `mx.quantize` of both operands (blocks of `block-size` along K) and
    `mx.matmul`, the f32 result added to the op's init unless that is zero,
    and converted to the op's result type:

    - `linalg.matmul` (also with `indexing_maps` that transpose an operand),
      `linalg.matvec`, `linalg.vecmat`, `linalg.batch_matmul` (a loop over
      the batch), and `linalg.generic` ops with one M, N and K dimension and
      a multiply-add body (`linalg::inferContractionDims`);
    - TOSA: run `tosa-to-linalg-named` first (`tosa.matmul` becomes
      `linalg.batch_matmul`; with `tosa-to-tensor` and `tosa-to-linalg`,
      a weight's `tosa.transpose` and `tosa.reshape` become the layout ops
      the roles see through). A TOSA product given to the pass as it is
      gets a warning.
    - Convolutions (`linalg.conv_*`) stay f32 with a remark; a 1x1
      convolution written as `linalg.matmul` or a contraction generic is
      quantized.

    Formats: the OCP MX element formats (`e4m3`, `e5m2`, `e3m2`, `e2m3`,
    `e2m1`, `int8`; blocks of 32 by default) and the two-level formats with
    shared microexponents (`mx9`, `mx6`, `mx4`; blocks of 16 by default,
    exponents computed as `!mx.microexp` defines, so `scale-rule` stays
    `floor` and `rounding` is `rne` or `rtz`). Both operands of a product
    share `block-size`. With `scales=f32` the FP8 formats (`e4m3`, `e5m2`)
    take f32 tile scales, the DeepSeek-V3 block scaling: weights in
    `block-size` x `block-size` blocks, activations in 1 x `block-size`
    tiles (128 by default), scale rule `quotient` (which the default
    `floor` stands for there) or `rceil`, rounding `rne`. With
    `scales=e4m3`, `e2m1` is NVFP4: blocks of 16 along K with E4M3 block
    scales, and per operand an `mx.tensor_scale` that its quantize takes
    and the product's `alpha` multiplies back (a constant weight's tensor
    scale and quantize fold at compile time).

    With `hadamard=true` both operands of each product are first
    transformed along K by `mx.hadamard` (seed `hadamard-seed`, where K is a
    multiple of 16): `(x M^T)(M w) = x w` for the orthogonal M = (1/4) H16 D,
    so the product is unchanged up to rounding while an outlier spreads over
    its block of 16 and no longer sets the scale of the others (the
    rotation of QuaRot and of NVFP4 training recipes). A constant weight is
    transformed and quantized at compile time.

    Operand roles: an operand defined by a constant, or a function argument
    marked `{mx.weight}`, seen through casts, reshapes, slices, transposes
    and broadcasts (an importer's W^T), is a weight (format `weights`);
    every other operand is an activation (format `activations`). Products
    of two activations (attention's Q K^T and P V) are quantized like the
    others unless `activation-products=false` keeps them in f32. A role set to `none`
    stays f32 (`activations=none` is weight-only quantization: `mx.matmul`
    of f32 activations and MX weights); a product whose two operands both
    have such a role stays as it is. Quantizing a constant
    folds at compile time (see `mx.quantize`), so weights end up stored in
    MX; an operand used transposed is transposed first (at compile time for
    a constant).

    Exclusions: an op whose location is named (`loc("fc1")`) or which has a
    string attribute `mx.name` listed in `keep`, and the first `keep-first`
    and last `keep-last` contractions of each function, stay in f32. Ops the
    pass cannot handle (dynamic shapes, integer types, other contraction
    shapes) stay as they are. Each op left in f32 gets a remark saying why
    and, where there is one, the fix (in weight-only mode, a product whose
    weight is an unmarked argument: mark it `{mx.weight}`); none is
    rewritten halfway.

    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<16x256xf32>, tensor<256x128xf32>)
                       outs(%zero : tensor<16x128xf32>) -> tensor<16x128xf32>
    ```
    with `mx-quantize-policy{weights=e2m1 activations=e4m3}` becomes
    ```mlir
    %qx = mx.quantize %x : tensor<16x256xf32> -> !mx.tensor<16x256xf8E4M3FN, block = [1, 32]>
    %qw = mx.quantize %w : tensor<256x128xf32> -> !mx.tensor<256x128xf4E2M1FN, block = [32, 1]>
    %y = mx.matmul %qx, %qw : ... -> tensor<16x128xf32>
    ```
  }];
  let options = [
    Option<"weights", "weights", "::mlir::mx::PolicyFormat",
           /*default=*/"::mlir::mx::PolicyFormat::E4M3",
           "Element format of weights (none: they stay f32)",
           [{::llvm::cl::values(
             clEnumValN(::mlir::mx::PolicyFormat::None, "none", "f32"),
             clEnumValN(::mlir::mx::PolicyFormat::E4M3, "e4m3", "MXFP8 E4M3"),
             clEnumValN(::mlir::mx::PolicyFormat::E5M2, "e5m2", "MXFP8 E5M2"),
             clEnumValN(::mlir::mx::PolicyFormat::E3M2, "e3m2", "MXFP6 E3M2"),
             clEnumValN(::mlir::mx::PolicyFormat::E2M3, "e2m3", "MXFP6 E2M3"),
             clEnumValN(::mlir::mx::PolicyFormat::E2M1, "e2m1", "MXFP4 E2M1"),
             clEnumValN(::mlir::mx::PolicyFormat::INT8, "int8", "MXINT8"),
             clEnumValN(::mlir::mx::PolicyFormat::MX9, "mx9",
                        "MX9 (shared microexponents)"),
             clEnumValN(::mlir::mx::PolicyFormat::MX6, "mx6",
                        "MX6 (shared microexponents)"),
             clEnumValN(::mlir::mx::PolicyFormat::MX4, "mx4",
                        "MX4 (shared microexponents)"))}]>,
    Option<"activations", "activations", "::mlir::mx::PolicyFormat",
           /*default=*/"::mlir::mx::PolicyFormat::E4M3",
           "Element format of activations (none: weight-only quantization)",
           [{::llvm::cl::values(
             clEnumValN(::mlir::mx::PolicyFormat::None, "none", "f32"),
             clEnumValN(::mlir::mx::PolicyFormat::E4M3, "e4m3", "MXFP8 E4M3"),
             clEnumValN(::mlir::mx::PolicyFormat::E5M2, "e5m2", "MXFP8 E5M2"),
             clEnumValN(::mlir::mx::PolicyFormat::E3M2, "e3m2", "MXFP6 E3M2"),
             clEnumValN(::mlir::mx::PolicyFormat::E2M3, "e2m3", "MXFP6 E2M3"),
             clEnumValN(::mlir::mx::PolicyFormat::E2M1, "e2m1", "MXFP4 E2M1"),
             clEnumValN(::mlir::mx::PolicyFormat::INT8, "int8", "MXINT8"),
             clEnumValN(::mlir::mx::PolicyFormat::MX9, "mx9",
                        "MX9 (shared microexponents)"),
             clEnumValN(::mlir::mx::PolicyFormat::MX6, "mx6",
                        "MX6 (shared microexponents)"),
             clEnumValN(::mlir::mx::PolicyFormat::MX4, "mx4",
                        "MX4 (shared microexponents)"))}]>,
    Option<"blockSize", "block-size", "int64_t", /*default=*/"0",
           "Elements per block along K (0: 32, 16 where a role is "
           "MX9/MX6/MX4, 128 with scales=f32)">,
    Option<"hadamard", "hadamard", "bool", /*default=*/"false",
           "Transform both operands along K by mx.hadamard (seed "
           "hadamard-seed) before quantizing, where K is a multiple of 16">,
    Option<"hadamardSeed", "hadamard-seed", "uint64_t", /*default=*/"0",
           "Seed of the Hadamard signs">,
    Option<"scales", "scales", "std::string", /*default=*/"\"e8m0\"",
           "Block scales: e8m0 (OCP MX), f32 for FP8 tiles (weights in "
           "block-size x block-size blocks, activations in 1 x block-size "
           "tiles), or e4m3 for NVFP4 (e2m1, blocks of 16, a tensor scale "
           "per operand)">,
    Option<"scaleRule", "scale-rule", "::mlir::mx::ScaleRule",
           /*default=*/"::mlir::mx::ScaleRule::floor",
           "Scale rule (with scales=f32: quotient, which floor stands for, "
           "or rceil)",
           [{::llvm::cl::values(
             clEnumValN(::mlir::mx::ScaleRule::floor, "floor",
                        "OCP: 2^(floor(log2 amax) - emax)"),
             clEnumValN(::mlir::mx::ScaleRule::ceil, "ceil",
                        "2^(ceil(log2 amax) - emax)"),
             clEnumValN(::mlir::mx::ScaleRule::even, "even",
                        "amax rounded to the element width, then floor"),
             clEnumValN(::mlir::mx::ScaleRule::rceil, "rceil",
                        "2^ceil(log2(amax / max)): never saturates"),
             clEnumValN(::mlir::mx::ScaleRule::quotient, "quotient",
                        "f32 tile scales: amax / max"))}]>,
    Option<"rounding", "rounding", "::mlir::mx::Rounding",
           /*default=*/"::mlir::mx::Rounding::rne", "Element rounding",
           [{::llvm::cl::values(
             clEnumValN(::mlir::mx::Rounding::rne, "rne", "to nearest even"),
             clEnumValN(::mlir::mx::Rounding::rtz, "rtz", "toward zero"),
             clEnumValN(::mlir::mx::Rounding::stochastic, "stochastic",
                        "Philox bits keyed by seed and element index"))}]>,
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "Seed of stochastic rounding">,
    ListOption<"keep", "keep", "std::string",
               "Names (loc(\"name\") or mx.name) of ops to keep in f32">,
    Option<"activationProducts", "activation-products", "bool",
           /*default=*/"true",
           "Quantize products of two activations (attention's Q K^T and P V)">,
    Option<"keepFirst", "keep-first", "unsigned", /*default=*/"0",
           "Keep the first N contractions of each function in f32">,
    Option<"keepLast", "keep-last", "unsigned", /*default=*/"0",
           "Keep the last N contractions of each function in f32">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::mx::MXDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MXPrepareWeightsPass : Pass<"mx-prepare-weights", "::mlir::ModuleOp"> {
  let summary = "Quantize {mx.weight} arguments once, in a function of their own";
  let description = [{
    After `mx-quantize-policy`, a function that takes its weights as
    arguments (`{mx.weight}`) quantizes them on every call: for a small
    batch (decoding one token) that costs more than the products. For each
    such function `@f` this pass adds two public functions and keeps `@f`:

    - `@f_prepare(weights...) -> (!mx.tensor...)`: the part of `@f` that
      depends only on weight arguments and constants (layout ops such as
      transposes, and the `mx.quantize` ops that end it, or the
      `mx.transpose` of such a quantize: a weight stored N x K), returning
      the quantized weights;
    - `@f_prepared(args..., prepared...)`: `@f` with those quantized
      weights as arguments (marked `{mx.prepared_weight = i}`, the index of
      `@f_prepare`'s result), appended after the arguments of `@f` that are
      still used; weight arguments used only through the quantization are
      gone.

    Every argument of both that was an argument of `@f` carries
    `{mx.argument = i}`, its position in `@f`.

    A caller runs `@f_prepare` once per set of weights and `@f_prepared` on
    every input: the results are those of `@f`, bit for bit. Only pure ops
    of the function's top-level block move (a quantize inside a loop stays);
    a function with weight arguments and nothing to prepare gets a remark.

    ```mlir
    func.func @f(%x: tensor<1x64xf32>, %w: tensor<64x8xf32> {mx.weight}) -> tensor<1x8xf32> {
      %qw = mx.quantize %w : tensor<64x8xf32> -> !mx.tensor<64x8xf4E2M1FN, block = [32, 1]>
      %y = mx.matmul %x, %qw : ...
    ```
    gains
    ```mlir
    func.func @f_prepare(%w: tensor<64x8xf32> {mx.weight}) -> !mx.tensor<64x8xf4E2M1FN, block = [32, 1]>
    func.func @f_prepared(%x: tensor<1x64xf32>,
                          %qw: !mx.tensor<64x8xf4E2M1FN, block = [32, 1]> {mx.prepared_weight = 0 : i64})
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def MXSplitLayersPass : Pass<"mx-split-layers", "::mlir::ModuleOp"> {
  let summary = "Cut a model function into layer stages and a layer-major driver over micro-batches";
  let description = [{
    Layer-to-layer execution (docs/LayerToLayer.md) runs a model one layer
    at a time over many micro-batches, so that each layer's weights are
    read once per batch instead of once per micro-batch. For each function
    `@f` with parameter arguments (`{mx.weight}`, `{mx.wrt}` or
    `{mx.prepared_weight}`; the other arguments are activations) this pass
    adds public functions and keeps `@f`:

    - `@f_layer<k>(activations..., parameters..., prepared...) ->
      (activations...)` (`{mx.layer = k}`), one per layer. A layer starts at
      each product that reads a parameter (`mx.matmul`, or a linalg op with
      a reduction, with one factor computed from parameters and constants
      alone and one from the activations) or at an op marked
      `{mx.layer_start}`, and holds the elementwise tail that follows it.
      Pure ops that produce MX-typed values from activations (their
      quantizes) and constants are recomputed in each layer that uses them,
      so only plain tensors cross layers. Each parameter argument keeps its
      attributes and gains `{mx.argument = i}`, its position in `@f`. Each
      activation says where it comes from, for runtimes that drive the
      layers themselves: `{mx.input = i}` (argument i of `@f`) or
      `{mx.from_layer = array<i64: j, r>}` (result r of layer j); a result
      that `@f` returns at position i carries `{mx.output = i}`.
    - `@f_layer<k>_weights(parameters...) -> (prepared...)`
      (`{mx.layer_weights = k}`), for a layer that prepares weights: the
      pure ops it computes from parameters alone (transposes, `mx.quantize`
      of weights), whose results the layer function takes
      (`{mx.layer_weight = j}`).
    - `@f_l2l(stacked activations..., parameters...) -> (stacked results...)`
      (`{mx.micro_batches = n}`): every activation argument and result of
      `@f` with a leading dimension of `micro-batches` added. For each
      layer in order it calls `@f_layer<k>_weights` once, then runs
      `@f_layer<k>` over every micro-batch (an `scf.for`), keeping the
      activations between layers; a layer's parameters are read, and its
      weights prepared, once per batch.

    Micro-batch `i` of `@f_l2l`'s results is `@f` applied to micro-batch `i`
    of its arguments, bit for bit. Activations that cross layers must be
    ranked tensors of static shape, and so must the activation arguments
    and the results; anything else is an error, as is a function named by
    `function` that has no layer to split at.

    ```mlir
    func.func @f(%x: tensor<4x64xf32>, %w0: tensor<64x32xf32> {mx.weight},
                 %w1: tensor<32x8xf32> {mx.weight}) -> tensor<4x8xf32>
    ```
    gains, with `micro-batches=16`,
    ```mlir
    func.func @f_layer0(%x: tensor<4x64xf32>, %w0: tensor<64x32xf32> {mx.argument = 1 : i64, mx.weight})
        -> tensor<4x32xf32> attributes {mx.layer = 0 : i64}
    func.func @f_layer1(%h: tensor<4x32xf32>, %w1: tensor<32x8xf32> {mx.argument = 2 : i64, mx.weight})
        -> tensor<4x8xf32> attributes {mx.layer = 1 : i64}
    func.func @f_l2l(%x: tensor<16x4x64xf32>, %w0: tensor<64x32xf32> {mx.weight},
                     %w1: tensor<32x8xf32> {mx.weight}) -> tensor<16x4x8xf32>
        attributes {mx.micro_batches = 16 : i64}
    ```
  }];
  let options = [
    Option<"microBatches", "micro-batches", "int64_t", /*default=*/"4",
           "Micro-batches the driver runs each layer over (at least 1)">,
    Option<"function", "function", "std::string", /*default=*/"\"\"",
           "The function to split (default: every function with a layer)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MXOutlineKernelsPass : Pass<"mx-outline-kernels", "::mlir::ModuleOp"> {
  let summary = "One private function per distinct kernel or loop nest, called by every op that shares it";
  let description = [{
    Every `mx.quantize`, `mx.dequantize`, `mx.matmul`, `mx.cast`,
    `mx.transpose`, `mx.ldexp`, `mx.rescale` and `mx.scaled_cast` lowers to
    a kernel of thousands of operations. A model repeats the same few
    kernels in every layer: lowered inline, its compile time grows with the
    number of layers. This pass groups those ops by signature (operation
    name, attributes, operand and result types) and, for each signature
    used at least `min-uses` times, moves the op into a private function
    `@__mx_kernel_<op>_<n>` that every op of the signature calls. The
    lowering then builds each kernel once, and the compile time grows with
    the number of distinct kernels.

    With `loop-nests` (default), the other per-layer work goes the same
    way first: each top-level linalg op (fills excepted), elementwise op on
    tensors and loop with tensor results (mx-fuse-quantization's rows) is
    written as a function of what it reads, and ops whose functions print
    the same share one, `@__mx_loops_<n>`. The function builds its own
    destinations (a `tensor.empty`, or the fill of one with a constant) and
    keeps scalar and splat constants; an op that writes into a tensor its
    caller computed stays inline (the function would return its argument).

    Ops are not moved whose operands are constants (their lowering may
    fold them), nor, with `keep-constant-weights`, ops reading an `mx.pack`
    of constants (the weights that `-convert-mx-to-vector`'s
    `prepack-weights` packs at compile time; outlined, they would become an
    argument). `mx.pack` / `mx.unpack` and the scaled-tensor views are never
    moved.
    `mx-cpu-pipeline` runs this pass after `mx-fuse-quantization`, and
    makes the functions' results buffers that the callers allocate
    (`buffer-results-to-out-params`).

    ```mlir
    %a = mx.quantize %x : tensor<16x1024xf32> -> !mx.tensor<16x1024xf8E4M3FN, block = [1, 32]>
    %b = mx.quantize %y : tensor<16x1024xf32> -> !mx.tensor<16x1024xf8E4M3FN, block = [1, 32]>
    ```
    becomes
    ```mlir
    %a = call @__mx_kernel_quantize_0(%x) : (tensor<16x1024xf32>) -> !mx.tensor<...>
    %b = call @__mx_kernel_quantize_0(%y) : (tensor<16x1024xf32>) -> !mx.tensor<...>
    func.func private @__mx_kernel_quantize_0(%arg0: tensor<16x1024xf32>) -> !mx.tensor<...> {
      %0 = mx.quantize %arg0 : ...
      return %0 : ...
    }
    ```
  }];
  let options = [
    Option<"minUses", "min-uses", "int64_t", /*default=*/"2",
           "Outline a signature only when at least this many ops share it "
           "(1: every kernel op)">,
    Option<"loopNests", "loop-nests", "bool", /*default=*/"true",
           "Also outline repeated top-level loop nests (linalg ops, "
           "elementwise ops on tensors, loops with tensor results) that "
           "print the same as a function">,
    Option<"keepConstantWeights", "keep-constant-weights", "bool",
           /*default=*/"false",
           "Keep kernel ops inline that read an mx.pack of constants, so that "
           "their lowering sees the constants (prepack-weights)">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def MXUnshareEmptyTensorsPass : Pass<"mx-unshare-empty-tensors", "::mlir::func::FuncOp"> {
  let summary = "Give every use of a tensor.empty its own tensor.empty (before bufferization)";
  let description = [{
    CSE merges identical `tensor.empty` ops: in a model, every layer's
    destination of one shape then comes from a single value, and One-Shot
    Bufferize's conflict analysis, which compares the reads and writes of
    all aliases of a value, grows with the square of the number of layers
    (17 s of a MobileBERT-sized model's 39 s). `tensor.empty` has no
    contents, so a copy per use means the same: this pass makes one per use,
    where the shared op was (a use inside a loop keeps a buffer made
    outside it), and erases the shared op. `mx-cpu-pipeline` runs it right
    before bufferization.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def MXDecomposeAggregatesPass : Pass<"mx-decompose-aggregates"> {
  let summary = "Replace aggregate linalg ops (linalg.softmax) by the generics they stand for";
  let description = [{
    `linalg.softmax` and the other ops of `linalg::AggregatedOpInterface`
    have no lowering of their own: this pass replaces each by its upstream
    decomposition (a max reduction, a subtraction, `math.exp`, a sum
    reduction and a division, as generics). `mx-cpu-pipeline` runs it first;
    `mx-generate-gradients` runs it on the functions it differentiates.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MXGenerateGradientsPass : Pass<"mx-generate-gradients", "::mlir::ModuleOp"> {
  let summary = "Reverse-mode gradients of a tensor function that returns a scalar loss";
  let description = [{
    For a function computing a scalar loss from tensors (the f32, or f64,
    linalg/tensor/arith/math IR a framework importer emits), adds a function
    `@<name>_grad` with the same arguments that returns the loss followed by
    its gradient with respect to each chosen argument, in argument order:

    ```mlir
    func.func @loss(%x: tensor<8x64xf32>, %w: tensor<64x10xf32> {mx.wrt}) -> tensor<f32>
    // becomes, beside it:
    func.func @loss_grad(%x: tensor<8x64xf32>, %w: tensor<64x10xf32>)
        -> (tensor<f32>, tensor<64x10xf32>)
    ```

    The arguments to differentiate are those marked `{mx.wrt}`, or the
    indices given by `wrt` for the function named by `function`. The forward
    computation is kept and its values reused; the backward one is emitted
    op by op in reverse (adjoints of values used twice are summed):

    - every structured linalg op (`linalg.matmul` with any `indexing_maps`,
      `batch_matmul`, `matvec`, `vecmat`, `linalg.generic`, `broadcast`,
      `transpose`, `map`, `fill`, `reduce`) whose body is differentiable
      scalar arith/math and whose reductions, if any, add (sum) or take a
      maximum/minimum of an input. The gradient of an operand is one
      `linalg.generic` over the op's loops: the derivative of the body,
      summed over the loops the operand is broadcast along; a contraction's
      operand gradients are thus contractions (along the other operand's
      dimensions), which `mx-quantize-policy` and `mx-training-recipe` read
      like any other. A maximum's gradient is shared evenly by the elements
      that reach it (as `torch.amax`);
    - a body that reads a differentiated tensor with `tensor.extract` (a
      gather: an embedding lookup): the tensor's gradient is a generic over
      the op's loops plus one loop per tensor dimension indexed by data,
      adding each element's gradient where the index matches;
    - `linalg.softmax` (decomposed into the generics above first);
    - elementwise `arith`/`math` ops on tensors or in bodies: `addf`, `subf`,
      `mulf`, `divf`, `negf`, `maximumf`/`minimumf` (a tie splits the
      gradient in halves, as `torch.maximum`), `select`, `extf`, `truncf`,
      `exp`, `log`, `tanh`, `sqrt`, `rsqrt`, `erf`, `absf`, `powf`, `sin`,
      `cos`;
    - `tensor.expand_shape`, `collapse_shape`, `extract_slice`,
      `insert_slice`, `extract`, `insert`, `from_elements`, `cast`,
      `concat`.

    Values that do not depend on a chosen argument (constants, integer
    tensors, masks) get no gradient code. An op on the way from a chosen
    argument to the loss that has no rule is an error naming it; no gradient
    is ever silently wrong or zero. With `loss-scale-argument`, the new
    function takes a trailing scalar argument that seeds the backward pass:
    every gradient comes out multiplied by it (loss scaling), the loss does
    not.
  }];
  let options = [
    Option<"function", "function", "std::string", /*default=*/"\"\"",
           "Function to differentiate (default: those with {mx.wrt} arguments)">,
    ListOption<"wrt", "wrt", "unsigned",
               "Argument indices of `function` to differentiate (default: all "
               "floating-point tensor arguments)">,
    Option<"lossScaleArgument", "loss-scale-argument", "bool",
           /*default=*/"false",
           "Seed the backward pass with a trailing scalar argument">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MXTrainingStepPass : Pass<"mx-training-step", "::mlir::ModuleOp"> {
  let summary = "Build a compiled training step: gradients, loss scaling, optimizer, master weights";
  let description = [{
    For a loss function whose parameters are the arguments marked
    `{mx.wrt}` (or `wrt=` of `function=`), adds `@<name>_step`, one whole
    step of training as tensor code, its state explicit:

    ```
    @<name>_step(data..., params..., moments..., %step: i64, %lr: f32
                 [, %scale: f32, %good_steps: i64])
      -> (loss, params'..., moments'..., %step'
          [, %scale', %good_steps', %finite: i1])
    ```

    - *data*: the loss function's other arguments, in order;
    - *params*: the parameters in the `master` format (f32, bf16, f16);
    - *moments*: f32, one per parameter for `sgd` (the momentum buffer),
      two for `adamw` (first moments, then second moments);
    - `%step` counts the updates made (AdamW's bias correction, and the
      counter of stochastic rounding), `%lr` is the learning rate (so a
      schedule needs no recompilation).

    The step runs the gradient function (`mx-generate-gradients`) on the
    f32 view of the parameters, then per parameter, as `torch.optim` does:

    - `sgd`: g += weight-decay * w; v = momentum * v + g; w -= lr * v;
    - `adamw`: w -= lr * weight-decay * w; m = b1 m + (1 - b1) g;
      v = b2 v + (1 - b2) g^2; w -= lr / (1 - b1^t) * m /
      (sqrt(v) / sqrt(1 - b2^t) + epsilon), t = step + 1;

    and rounds the new f32 weights to the master format: to nearest even,
    or (`master-rounding=stochastic`, bf16 or f16) stochastically: away
    from zero iff 32 random bits are below the dropped fraction of a unit
    in the last place times 2^32 (f16's subnormals included), so the
    expected stored weight is the exact one: small updates accumulate
    instead of being rounded away. The bits are Philox4x32-10 of counter
    (step << 32 | element) and key seed + parameter index: reproducible,
    different at every step.

    Loss scaling multiplies the backward pass's seed by the scale and the
    gradients by its inverse: `static` uses `loss-scale`; `dynamic` takes
    the scale and the count of clean steps as state. A step whose gradients
    hold an Inf or NaN changes no parameter, moment or step count, halves
    the scale and resets the count; after `growth-interval` clean steps in
    a row the scale doubles. The returned loss is never scaled.

    The step function carries `mx.training_step` (its layout, for callers
    such as `mx_mlir.training`, and `forward = @<name>` while the loss
    function is kept); `mx-training-recipe` then quantizes its forward,
    input-gradient and weight-gradient products. `keep-forward=false`
    erases the loss function once its step is built (unless a call uses
    it): a caller that runs only the step then compiles only the step.
  }];
  let options = [
    Option<"function", "function", "std::string", /*default=*/"\"\"",
           "Loss function (default: those with {mx.wrt} arguments)">,
    ListOption<"wrt", "wrt", "unsigned",
               "Argument indices of `function` that are parameters">,
    Option<"optimizer", "optimizer", "::mlir::mx::Optimizer",
           /*default=*/"::mlir::mx::Optimizer::SGD", "The optimizer",
           [{::llvm::cl::values(
             clEnumValN(::mlir::mx::Optimizer::SGD, "sgd", "SGD with momentum"),
             clEnumValN(::mlir::mx::Optimizer::AdamW, "adamw", "AdamW"))}]>,
    Option<"momentum", "momentum", "double", /*default=*/"0.9", "SGD momentum">,
    Option<"beta1", "beta1", "double", /*default=*/"0.9", "AdamW beta1">,
    Option<"beta2", "beta2", "double", /*default=*/"0.999", "AdamW beta2">,
    Option<"epsilon", "epsilon", "double", /*default=*/"1e-8", "AdamW epsilon">,
    Option<"weightDecay", "weight-decay", "double", /*default=*/"0.0",
           "Weight decay (L2 for sgd, decoupled for adamw)">,
    Option<"master", "master", "::mlir::mx::MasterFormat",
           /*default=*/"::mlir::mx::MasterFormat::F32", "Master weights' format",
           [{::llvm::cl::values(
             clEnumValN(::mlir::mx::MasterFormat::F32, "f32", "f32"),
             clEnumValN(::mlir::mx::MasterFormat::BF16, "bf16", "bfloat16"),
             clEnumValN(::mlir::mx::MasterFormat::F16, "f16", "IEEE half"))}]>,
    Option<"masterRounding", "master-rounding", "::mlir::mx::Rounding",
           /*default=*/"::mlir::mx::Rounding::rne",
           "Rounding of the new weights to the master format",
           [{::llvm::cl::values(
             clEnumValN(::mlir::mx::Rounding::rne, "rne", "to nearest even"),
             clEnumValN(::mlir::mx::Rounding::stochastic, "stochastic",
                        "stochastic (bf16, f16)"))}]>,
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "Seed of stochastic rounding">,
    Option<"lossScaling", "loss-scaling", "::mlir::mx::LossScaling",
           /*default=*/"::mlir::mx::LossScaling::None", "Loss scaling",
           [{::llvm::cl::values(
             clEnumValN(::mlir::mx::LossScaling::None, "none", "none"),
             clEnumValN(::mlir::mx::LossScaling::Static, "static", "a fixed scale"),
             clEnumValN(::mlir::mx::LossScaling::Dynamic, "dynamic",
                        "a scale halved on overflow, doubled after clean steps"))}]>,
    Option<"lossScale", "loss-scale", "double", /*default=*/"1024.0",
           "The static loss scale">,
    Option<"growthInterval", "growth-interval", "int64_t", /*default=*/"2000",
           "Clean steps before the dynamic scale doubles">,
    Option<"keepForward", "keep-forward", "bool", /*default=*/"true",
           "Keep the loss function beside its step (false: erase it unless "
           "something calls it, so that only the step is compiled)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MXTrainingRecipePass : Pass<"mx-training-recipe", "::mlir::ModuleOp"> {
  let summary = "Quantize the matrix products of a training step, per role, per a recipe";
  let description = [{
    The training counterpart of `mx-quantize-policy`. In a function that
    computes a loss and its gradients (`mx.gradient_of`, made by
    `mx-generate-gradients`, or `mx.training_step`, made by
    `mx-training-step`; result 0 is the loss) every contraction has one of
    three roles, found by data flow, not by names:

    - **forward**: the loss depends on its result;
    - **input-gradient** (dX = dY W^T): the loss does not depend on it, one
      operand is a gradient (a value the loss does not depend on) and the
      other comes from a weight (a constant or an `{mx.weight}` argument,
      through casts, transposes, broadcasts and reshapes);
    - **weight-gradient** (dW = X^T dY): a gradient operand and an operand
      that is not a weight (an activation).

    Operand kinds are weights, activations and gradients; each gets the
    recipe's element format, and each product quantizes both of its operands
    from the high-precision tensor along its own contraction axis (a tensor
    used row-wise in one product and column-wise in another is quantized
    twice, never transposed after quantization). In any other function every
    contraction is a forward product.

    | recipe          | weights | activations | gradients | scale rule |
    |-----------------|---------|-------------|-----------|------------|
    | `mxfp8`         | E4M3    | E4M3        | E4M3      | rceil      |
    | `mxfp8-hybrid`  | E4M3    | E4M3        | E5M2      | rceil      |
    | `mxfp6`         | E3M2    | E3M2        | E3M2      | floor      |
    | `mxfp4-weights` | E2M1    | E3M2        | E3M2      | floor      |
    | `fp8-tensor`    | E4M3    | E4M3        | E5M2      | per tensor |

    `rceil` (2^ceil(log2(amax / max)), never saturates) is the scale rule of
    NVIDIA's MXFP8 pre-training recipe (arXiv 2506.08027), which found that
    OCP's `floor` saturates the largest elements of a block and hurts
    gradients most; the MXFP6/MXFP4 rows follow the MX paper (arXiv
    2310.10537), which trains with OCP's rule. Every choice can be
    overridden: `weights`, `activations`, `gradients` (`none` keeps that
    kind in f32), `scale-rule`, and `forward`, `input-gradients`,
    `weight-gradients` (false keeps that role's products in f32).
    Gradients can be rounded stochastically (`gradient-rounding`), seeded
    per product from `seed`.

    `fp8-tensor` is the FP8 training recipe of Micikevicius et al. (arXiv
    2209.05433) in Scalify's representation: one power-of-two scale per
    tensor instead of one per block of 32, E4M3 weights and activations,
    E5M2 gradients. Each product casts its operands as scaled tensors
    (`mx.scale`, `mx.scaled_cast`), contracts the FP8 data in f32, and
    multiplies the result by the product of the two scales (`mx.unscale`).
    A tensor's scale is 2^k with the least k for which amax / 2^k fits under
    the format's largest value. `fp8-scaling=current` takes amax from the
    tensor itself (nothing saturates); `fp8-scaling=delayed` takes the
    largest amax of the last `amax-history` steps (Transformer Engine's
    default algorithm; values that grew since saturate), and records this
    step's: each cast operand adds an argument and a result
    `tensor<amax-history x f32>` (newest first; zeros to start, which
    means "use the current amax") to the function, after the others, marked
    `{mx.amax_history = "<role> <kind>"}`, and a training step's
    `mx.training_step` attribute counts them in `amax_histories`. A
    non-finite amax makes the scale NaN (so dynamic loss scaling sees the
    overflow) and is recorded as 0. Per-tensor formats are `e4m3` and
    `e5m2` (or `none`); `scale-rule` and `block-size` do not apply.
  }];
  let options = [
    Option<"recipe", "recipe", "::mlir::mx::TrainingRecipe",
           /*default=*/"::mlir::mx::TrainingRecipe::MXFP8", "The recipe",
           [{::llvm::cl::values(
             clEnumValN(::mlir::mx::TrainingRecipe::MXFP8, "mxfp8", "MXFP8 E4M3 everywhere"),
             clEnumValN(::mlir::mx::TrainingRecipe::MXFP8Hybrid, "mxfp8-hybrid", "E4M3 forward, E5M2 gradients"),
             clEnumValN(::mlir::mx::TrainingRecipe::MXFP6, "mxfp6", "MXFP6 E3M2 everywhere"),
             clEnumValN(::mlir::mx::TrainingRecipe::MXFP4Weights, "mxfp4-weights", "MXFP4 weights, MXFP6 activations and gradients"),
             clEnumValN(::mlir::mx::TrainingRecipe::FP8Tensor, "fp8-tensor", "per-tensor FP8: E4M3 forward, E5M2 gradients"))}]>,
    Option<"weights", "weights", "::mlir::mx::PolicyFormat",
           /*default=*/"::mlir::mx::PolicyFormat::Recipe",
           "Element format of weights", [{::llvm::cl::values(
             clEnumValN(::mlir::mx::PolicyFormat::Recipe, "recipe", "as the recipe says"),
             clEnumValN(::mlir::mx::PolicyFormat::None, "none", "f32"),
             clEnumValN(::mlir::mx::PolicyFormat::E4M3, "e4m3", "MXFP8 E4M3"),
             clEnumValN(::mlir::mx::PolicyFormat::E5M2, "e5m2", "MXFP8 E5M2"),
             clEnumValN(::mlir::mx::PolicyFormat::E3M2, "e3m2", "MXFP6 E3M2"),
             clEnumValN(::mlir::mx::PolicyFormat::E2M3, "e2m3", "MXFP6 E2M3"),
             clEnumValN(::mlir::mx::PolicyFormat::E2M1, "e2m1", "MXFP4 E2M1"),
             clEnumValN(::mlir::mx::PolicyFormat::INT8, "int8", "MXINT8"))}]>,
    Option<"activations", "activations", "::mlir::mx::PolicyFormat",
           /*default=*/"::mlir::mx::PolicyFormat::Recipe",
           "Element format of activations", [{::llvm::cl::values(
             clEnumValN(::mlir::mx::PolicyFormat::Recipe, "recipe", "as the recipe says"),
             clEnumValN(::mlir::mx::PolicyFormat::None, "none", "f32"),
             clEnumValN(::mlir::mx::PolicyFormat::E4M3, "e4m3", "MXFP8 E4M3"),
             clEnumValN(::mlir::mx::PolicyFormat::E5M2, "e5m2", "MXFP8 E5M2"),
             clEnumValN(::mlir::mx::PolicyFormat::E3M2, "e3m2", "MXFP6 E3M2"),
             clEnumValN(::mlir::mx::PolicyFormat::E2M3, "e2m3", "MXFP6 E2M3"),
             clEnumValN(::mlir::mx::PolicyFormat::E2M1, "e2m1", "MXFP4 E2M1"),
             clEnumValN(::mlir::mx::PolicyFormat::INT8, "int8", "MXINT8"))}]>,
    Option<"gradients", "gradients", "::mlir::mx::PolicyFormat",
           /*default=*/"::mlir::mx::PolicyFormat::Recipe",
           "Element format of gradients", [{::llvm::cl::values(
             clEnumValN(::mlir::mx::PolicyFormat::Recipe, "recipe", "as the recipe says"),
             clEnumValN(::mlir::mx::PolicyFormat::None, "none", "f32"),
             clEnumValN(::mlir::mx::PolicyFormat::E4M3, "e4m3", "MXFP8 E4M3"),
             clEnumValN(::mlir::mx::PolicyFormat::E5M2, "e5m2", "MXFP8 E5M2"),
             clEnumValN(::mlir::mx::PolicyFormat::E3M2, "e3m2", "MXFP6 E3M2"),
             clEnumValN(::mlir::mx::PolicyFormat::E2M3, "e2m3", "MXFP6 E2M3"),
             clEnumValN(::mlir::mx::PolicyFormat::E2M1, "e2m1", "MXFP4 E2M1"),
             clEnumValN(::mlir::mx::PolicyFormat::INT8, "int8", "MXINT8"))}]>,
    Option<"scaleRule", "scale-rule", "std::string", /*default=*/"\"\"",
           "Scale rule (floor, ceil, even, rceil; default: the recipe's)">,
    Option<"gradientRounding", "gradient-rounding", "::mlir::mx::Rounding",
           /*default=*/"::mlir::mx::Rounding::rne", "Rounding of gradients",
           [{::llvm::cl::values(
             clEnumValN(::mlir::mx::Rounding::rne, "rne", "to nearest even"),
             clEnumValN(::mlir::mx::Rounding::rtz, "rtz", "toward zero"),
             clEnumValN(::mlir::mx::Rounding::stochastic, "stochastic",
                        "Philox bits keyed by seed and element index"))}]>,
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "Seed of stochastic rounding (plus the product's index)">,
    Option<"blockSize", "block-size", "int64_t", /*default=*/"32",
           "Elements per block along K">,
    Option<"forward", "forward", "bool", /*default=*/"true",
           "Quantize forward products">,
    Option<"inputGradients", "input-gradients", "bool", /*default=*/"true",
           "Quantize input-gradient products">,
    Option<"weightGradients", "weight-gradients", "bool", /*default=*/"true",
           "Quantize weight-gradient products">,
    Option<"fp8Scaling", "fp8-scaling", "::mlir::mx::FP8Scaling",
           /*default=*/"::mlir::mx::FP8Scaling::Current",
           "How fp8-tensor chooses a tensor's scale", [{::llvm::cl::values(
             clEnumValN(::mlir::mx::FP8Scaling::Current, "current", "from the tensor's own amax"),
             clEnumValN(::mlir::mx::FP8Scaling::Delayed, "delayed", "from the amax history of earlier steps"))}]>,
    Option<"amaxHistory", "amax-history", "int64_t", /*default=*/"16",
           "Steps of amax history per tensor (fp8-scaling=delayed)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::mx::MXDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MXFuseQuantizationPass : Pass<"mx-fuse-quantization", "::mlir::ModuleOp"> {
  let summary = "Fuse quantization into producers and dequantization into matrix products";
  let description = [{
    **Quantize into its producers.** An `mx.quantize` (blocks along the last
    axis of a 2-D tensor) of the result of an elementwise chain (bias add,
    activation: `linalg` elementwise ops, broadcasts, fills, and elementwise
    `arith`/`math` on tensors, which become `linalg` first) becomes one loop
    over rows: each iteration computes the chain's row from row slices of
    its inputs, quantizes it and inserts the row's elements and scales; the
    MX value is `mx.pack` of the two. The f32 values are read once and never
    stored whole. Blocks do not span rows, so the numerics are exactly
    those of the unfused program (stochastic rounding, whose random stream
    is indexed over the whole tensor, is left unfused). The chain must be
    used only by the quantize. FP4 (E2M1) quantizes are left unfused: the
    loop yields plain element tensors, and FP4's are repacked from nibbles
    around it, which costs more than the f32 pass it saves.

    ```mlir
    %y = arith.addf %m, %bias : tensor<90x128xf32>
    %r = arith.maximumf %y, %zero : tensor<90x128xf32>
    %q = mx.quantize %r : tensor<90x128xf32> -> !mx.tensor<90x128xf8E4M3FN, block = [1, 32]>
    ```
    becomes
    ```mlir
    %e, %s = scf.for %i = %c0 to %c90 step %c1 iter_args(%E = %e0, %S = %s0) -> (...) {
      %row = linalg.generic ... (add and max of row %i of %m, %bias, %zero)
      %qr = mx.quantize %row : tensor<1x128xf32> -> !mx.tensor<1x128xf8E4M3FN, block = [1, 32]>
      %er, %sr = mx.unpack %qr : ...
      ... tensor.insert_slice %er into %E[%i, 0] ... %sr into %S[%i, 0] ...
    }
    %q = mx.pack %e, %s : ...
    ```

    **Dequantize into matrix products.** A product of dequantized MX tensors, as a framework's quantize /
    dequantize ("QDQ") export or a hand-written model presents it, reads
    both operands in f32: the whole operands are expanded first. This pass
    rewrites a 2-D contraction (`linalg.matmul`, or a `linalg.generic`
    multiply-add over (M, K) x (K, N)) whose operands are both
    `mx.dequantize` to f32 of MX tensors blocked along K with the same block
    size into `mx.matmul` of the MX tensors, plus the init unless it is zero.
    The lowering of `mx.matmul` decodes a K-block at a time inside the loop
    over a row and a tile of 32 columns of the result, so no f32 copy of an
    operand exists; `test/Dialect/MX/fuse-quantization-allocations.mlir`
    checks the allocations with and without this pass.

    Numerics: `mx.matmul` sums each K-block's products in f32, scales the
    block sum exactly and sums the blocks in f32; the f32 `linalg.matmul` of
    the dequantized values sums the same exact products in another order.
    Both are within the f32 accumulation bound of the exact result (and
    equal whenever the block sums are exact, as for FP4, FP6 and INT8
    elements with blocks of 32). A contraction with only one dequantized
    operand, a dequantize to a narrower type, or mismatched blocks stays as
    it is, with a remark.

    ```mlir
    %a = mx.dequantize %qa : !mx.tensor<64x256xf8E4M3FN, block = [1, 32]> -> tensor<64x256xf32>
    %b = mx.dequantize %qb : !mx.tensor<256x128xf4E2M1FN, block = [32, 1]> -> tensor<256x128xf32>
    %c = linalg.matmul ins(%a, %b : ...) outs(%zero : tensor<64x128xf32>) -> tensor<64x128xf32>
    ```
    becomes
    ```mlir
    %c = mx.matmul %qa, %qb : ... -> tensor<64x128xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::mx::MXDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MXPropagateScalesPass : Pass<"mx-propagate-scales", "::mlir::func::FuncOp"> {
  let summary = "Scalify: propagate power-of-two scales through tensor ops";
  let description = [{
    Rewrites a function of f32 tensor ops so that every value it can reason
    about is a pair (data, scale) with value `data * scale`, a power-of-two
    f32 scale and data near unit range (Scalify, arXiv 2407.17353). Matmul
    operands are then cast to a narrow float (`matmul-data`, FP8 E4M3 by
    default) with `mx.scaled_cast`, without overflow or underflow, and no
    loss scaling is needed. Each op's rule computes its output scale from its
    operands' scales; docs/ScalePropagation.md has the table. In short:

    - mul / div: scales multiply / divide;
    - add / sub: the larger scale (Scalify's `max * sqrt(1 + ratio^2)`
      rounded down to a power of two), operands shifted to it exactly;
    - max / min: a common scale the same way; `max(x, 0)` (ReLU) keeps x's;
    - neg / abs and shape ops (transpose, broadcast, reshapes, slices, pad
      with zero): pass the scale through;
    - `linalg.matmul`: product of the scales times `2^floor(log2 sqrt K)`,
      the data divided by the same; `linalg.reduce` of a sum over n
      elements: times `2^floor(log2 sqrt n)`;
    - constants and fills: a static scale, `2^floor(log2 amax)`;
    - tanh, erf, sin, cos: computed on real values, output scale 1;
    - every other op sees real values (`mx.unscale`), and where a value of
      unknown range (a function argument, the result of such an op) enters
      a rule, the pass inserts `mx.rescale` with `norm`: a measured scale,
      never a guess (with a remark naming the op, for results of ops).

    The scale arithmetic is plain `arith` on f32 scalars, visible in the
    output; results leave through `mx.unscale`.

    On MX tensors (`!mx.tensor`), it rewrites:
    - a multiply of `mx.dequantize %q` by a power-of-two constant 2^k > 1
      (or a divide by 2^-k) into `mx.dequantize (mx.ldexp %q, k)`: only the
      scales change (a shrink is left alone: below E8M0's 2^-127, where
      all-zero blocks sit, elements would need re-rounding);
    - a re-quantize of neg, abs or max(x, 0) of `mx.dequantize %q` to q's own
      type into a quantize with q's scales: the block structure is kept;
    - `mx.quantize (linalg.transpose (mx.dequantize %q))` into
      `mx.transpose %q` when %q has 2-D blocks (the same blocks, moved),
      re-quantizing along the new axis otherwise (it stays as is).

    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x16xf32>)
           outs(%zero : tensor<8x16xf32>) -> tensor<8x16xf32>
    // becomes (abridged)
    %xs = mx.rescale (mx.scale %x, %one) norm<max> : !mx.scaled<tensor<8x64xf32>>
    %x8 = mx.scaled_cast %xs : ... -> !mx.scaled<tensor<8x64xf8E4M3FN>>
    %d = linalg.matmul ins(%x8d, %w8d : tensor<8x64xf8E4M3FN>, tensor<64x16xf8E4M3FN>) ...
    %s = arith.mulf (arith.mulf %sx, %sw), 8.0 : f32     // sqrt(64)
    ```
  }];
  let options = [
    Option<"matmulData", "matmul-data", "std::string", /*default=*/"\"f8E4M3FN\"",
           "Type the data of matmul operands is cast to: f8E4M3FN, f8E5M2 "
           "or f32 (no cast)">,
    Option<"norm", "norm", "::mlir::mx::RescaleNorm",
           /*default=*/"::mlir::mx::RescaleNorm::max",
           "Norm of the dynamic rescales", [{::llvm::cl::values(
             clEnumValN(::mlir::mx::RescaleNorm::max, "max", "max |x|"),
             clEnumValN(::mlir::mx::RescaleNorm::l1, "l1", "mean |x|"),
             clEnumValN(::mlir::mx::RescaleNorm::l2, "l2",
                        "root mean square"))}]>,
  ];
  let dependentDialects = ["::mlir::mx::MXDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // MX_DIALECT_MX_TRANSFORMS_PASSES_TD
