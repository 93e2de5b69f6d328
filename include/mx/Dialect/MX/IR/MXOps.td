//===- MXOps.td - Operations of the mx dialect -------------*- tablegen -*-===//

#ifndef MX_DIALECT_MX_IR_MXOPS_TD
#define MX_DIALECT_MX_IR_MXOPS_TD

include "mx/Dialect/MX/IR/MXBase.td"
include "mx/Dialect/MX/IR/MXAttrs.td"
include "mx/Dialect/MX/IR/MXTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/BuiltinTypes.td"

class MX_Op<string mnemonic, list<Trait> traits = []>
    : Op<MX_Dialect, mnemonic, !listconcat(traits, [Pure])>;

def MX_FloatTensor : RankedTensorOf<[F32, F16, BF16]>;

/// Ops that round values into an MX tensor share their rounding attributes
/// and the constraints on them.
class MX_RoundingOp<string mnemonic, list<Trait> traits = []>
    : MX_Op<mnemonic, traits> {
  dag roundingArguments = (ins
    DefaultValuedAttr<MX_ScaleRuleAttr, "::mlir::mx::ScaleRule::floor">:$scale_rule,
    DefaultValuedAttr<MX_RoundingAttr, "::mlir::mx::Rounding::rne">:$rounding,
    OptionalAttr<I64Attr>:$seed,
    DefaultValuedAttr<MX_SaturationAttr, "::mlir::mx::Saturation::saturate">:$saturation
  );
  string roundingFormat =
    "(`scale_rule` `` $scale_rule^)? (`rounding` `` $rounding^)? "
    "(`seed` `(` $seed^ `)`)? (`saturation` `` $saturation^)?";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

def MX_QuantizeOp : MX_RoundingOp<"quantize", [AttrSizedOperandSegments]> {
  let summary = "Quantize a float tensor to a block-scaled MX tensor";
  let description = [{
    Computes one scale per block from the block's largest magnitude with
    `scale_rule`, then rounds every element divided by its block's scale to
    the element format with `rounding`; finite values beyond the largest
    element follow `saturation`. A block holding NaN or Inf gets the NaN scale
    (its element codes are zero). The input may be f32, f16 or bf16.

    ```mlir
    %q = mx.quantize %x : tensor<64x128xf32>
           -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
    %s = mx.quantize %g scale_rule<rceil> rounding<stochastic> seed(7)
           : tensor<64x128xbf16> -> !mx.tensor<64x128xf8E5M2, block = [1, 32]>
    ```

    With a `scales` operand the block scales are given (precomputed, static,
    or made explicit by `-mx-insert-scale-computation`) and no amax is
    computed: each element is rounded against its block's given scale, and a
    NaN scale makes the block's element codes zero, as it does for a computed
    one. The result's scales are the operand.

    ```mlir
    %q = mx.quantize %x scales(%s : tensor<64x4xf8E8M0FNU>) : tensor<64x128xf32>
           -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
    ```

    `mx.quantize(mx.dequantize(%q))` folds to `%q` when the result type is the
    type of `%q`, the dequantize produced f32 (so it was exact), the rule is
    `floor` (any rounding) or `even` with `rne`, and `%q` is an encoding that
    `mx.quantize` or `mx.cast` made under the same rule (with saturation;
    maybe then transposed): re-quantizing the values of a block quantized
    under these reproduces its encoding. An argument's or `mx.pack`'s
    encoding need not be one quantize makes, and re-quantizing it can change
    its values (an E4M3 largest code of 240 where `floor` would halve the
    scale saturates; a NaN code makes its block NaN): it stays. So does an
    `mx.ldexp` of a quantize: a grown block can pass f32's range, where the
    dequantize gives +-Inf and re-quantizing makes the block NaN. Under `ceil` and
    `rceil` it need not (a block whose largest element rounded down gets a
    smaller scale), nor under `even` with `rtz` or `stochastic` (`even` may
    round amax up a binade, and the largest element then rounded down), so
    those pairs stay. `mx.dequantize(mx.quantize(%x))` never folds: it is lossy.

    Compile-time weights: the quantize of a constant (with computed scales,
    or given constant ones) canonicalizes to `mx.pack` of two constants, the
    element codes and the E8M0 scales, computed by the numerics library that
    the compiled kernels are checked against bit for bit. The lowering
    stores such elements packed, so no f32 copy of the weights remains. A
    two-level result (MX9, MX6, MX4) folds the same way to `mx.from_storage`
    of one constant: its packed blocks.

    ```mlir
    %w = arith.constant dense<...> : tensor<256x128xf32>
    %q = mx.quantize %w : tensor<256x128xf32> -> !mx.tensor<256x128xf4E2M1FN, block = [32, 1]>
    // canonicalizes to
    %e = arith.constant dense<...> : tensor<256x128xf4E2M1FN>
    %s = arith.constant dense<...> : tensor<8x128xf8E8M0FNU>
    %q = mx.pack %e, %s : tensor<256x128xf4E2M1FN>, tensor<8x128xf8E8M0FNU>
           -> !mx.tensor<256x128xf4E2M1FN, block = [32, 1]>
    ```

    Constraints:
    - (C1) the result has the shape of the input;
    - (C2) `rounding<stochastic>` requires `seed`;
    - (C3) `seed` is only allowed with `rounding<stochastic>`;
    - (C4) `saturation<nonfinite>` requires an FP8 element type (E4M3 or
      E5M2), the only ones with Inf or NaN;
    - (C5) the result has f8E8M0FNU, f32 or f8E4M3FN scales; f8E4M3FN
      scales (NVFP4, 1-D blocks of 16 by the type) come with f4E2M1FN
      elements and a `tensor_scale`, and are computed by `scale_rule<quotient>` (unless
      given), with `rne` rounding and `saturate`;
    - (C6) given `scales` have the result's scale type and block-grid shape;
    - (C7) given `scales` leave no scale rule to apply: `scale_rule` stays
      at its default;
    - (C8) a two-level result (`!mx.microexp` elements) takes no given
      scales, no `scale_rule` (its shared exponent is floor(log2 amax)),
      `rne` or `rtz` rounding and `saturate`: its magnitudes clamp at
      2^m - 1;
    - (C9) `scale_rule<quotient>` belongs to f32 and f8E4M3FN scales; a
      result with f32 scales (FP8 tiles) computes them by `quotient` or
      `rceil` (unless they are given), with `rne` rounding and `saturate`;
    - (C10) `tensor_scale` belongs to a result with f8E4M3FN scales.

    NVFP4 (E2M1 elements, blocks of 16, E4M3 block scales) takes an f32
    `tensor_scale` S, usually from `mx.tensor_scale`: the value of an element
    is `element * blockScale * S`. Each block scale is `amax / (6 S)` and
    each element `x / (blockScale * S)`, each rounded once (E4M3 then E2M1,
    nearest even, saturating); a block scale of zero leaves signed zeros, a
    block holding NaN or Inf gets the NaN scale 0x7F and zero codes
    (docs/Numerics.md). The result holds the block scales; S stays an SSA
    value, which `mx.dequantize` and `mx.matmul` take back.

    ```mlir
    %s = mx.tensor_scale %x : tensor<64x128xf32>
    %q = mx.quantize %x tensor_scale(%s) scale_rule<quotient> : tensor<64x128xf32>
           -> !mx.tensor<64x128xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
    ```

    A result with f32 scales (FP8 tiles, `block = [1, 128]` or
    `[128, 128]`) gets, per block, the scale of its rule (see
    `#mx.scale_rule`; 1 for an all-zero block, NaN for one holding NaN or
    Inf), and per element `x / scale` rounded once to the element format,
    nearest even, saturating (code 0 under a NaN scale). Given f32 scales
    are used as they are, by the same element rule.

    ```mlir
    %a = mx.quantize %x scale_rule<quotient> : tensor<32x256xf32>
           -> !mx.tensor<32x256xf8E4M3FN, block = [1, 128], scale = f32>
    ```

    A two-level result (MX9, MX6, MX4) gets, per block, the shared exponent
    E = floor(log2 amax) (an all-zero block E = -127, a block holding NaN or
    Inf the NaN exponent), per sub-block the microexponent
    mu = min(E - floor(log2 of its largest magnitude), 2^d2 - 1), and per
    element round(|x| / 2^(E - mu + 1 - m)) clamped to 2^m - 1, with its sign.

    ```mlir
    %q = mx.quantize %x : tensor<64x128xf32>
           -> !mx.tensor<64x128x!mx.microexp<mx6>, block = [1, 16]>
    ```
  }];
  let arguments = !con((ins MX_FloatTensor:$input,
                            Optional<AnyRankedTensor>:$scales,
                            Optional<F32>:$tensor_scale),
                       roundingArguments);
  let results = (outs MX_BlockTensorType:$result);
  let assemblyFormat = "$input (`scales` `(` $scales^ `:` type($scales) `)`)? " #
    "(`tensor_scale` `(` $tensor_scale^ `)`)? " #
    roundingFormat # " attr-dict `:` type($input) `->` qualified(type($result))";
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$input), [{
      build($_builder, $_state, result, input, /*scales=*/::mlir::Value(),
            /*tensor_scale=*/::mlir::Value(), ::mlir::mx::ScaleRule::floor,
            ::mlir::mx::Rounding::rne, /*seed=*/nullptr);
    }]>
  ];
  let extraClassDeclaration = [{
    /// True when the block scales are an operand rather than computed.
    bool hasGivenScales() { return static_cast<bool>(getScales()); }
  }];
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

def MX_DequantizeOp : MX_Op<"dequantize"> {
  let summary = "Expand a block-scaled MX tensor to a float tensor";
  let description = [{
    Every element becomes `element * scale`, computed exactly and then rounded
    to the result type: exact for f32 unless the product exceeds f32's range
    (then +-Inf); f16 and bf16 round to nearest even. Every element of a block
    whose scale is NaN is NaN. With f8E4M3FN scales (NVFP4-style tensors) the
    scale is the E4M3 value, which may be zero; with f32 scales the exact
    product is rounded once (to +-Inf past f32's range). A two-level element is
    `+-magnitude * 2^(E - mu + 1 - m)`, always an f32.

    ```mlir
    %x = mx.dequantize %q : !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
           -> tensor<64x128xf32>
    ```

    An NVFP4 tensor's `tensor_scale` S (see `mx.quantize`) multiplies every
    element: `element * blockScale` (exact) times S, rounded once to the
    result type; without it S is 1.

    ```mlir
    %y = mx.dequantize %q tensor_scale(%s)
           : !mx.tensor<64x128xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
           -> tensor<64x128xf32>
    ```

    Constraints:
    - (C1) the result has the shape of the input;
    - (C2) `tensor_scale` belongs to an input with f8E4M3FN scales.
  }];
  let arguments = (ins MX_BlockTensorType:$input, Optional<F32>:$tensor_scale);
  let results = (outs MX_FloatTensor:$result);
  let assemblyFormat = "$input (`tensor_scale` `(` $tensor_scale^ `)`)? "
    "attr-dict `:` qualified(type($input)) `->` type($result)";
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$input), [{
      build($_builder, $_state, result, input, /*tensor_scale=*/::mlir::Value());
    }]>
  ];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

def MX_MatmulOp : MX_Op<"matmul"> {
  let summary = "Matrix product of MX tensors blocked along K, in f32";
  let description = [{
    `C[m, n] = sum over K-blocks b of X_lhs[m, b] * X_rhs[b, n] *
    dot(P_lhs[m, b, :], P_rhs[b, :, n])` with `lhs` of shape M x K and `rhs`
    of shape K x N. The operands may have different element formats (e.g.
    MXFP4 weights times MXFP8 activations) and scale types, but must block K
    with the same size; along M and N a block may span 1 (1-D blocks) or more
    (2-D blocks). The sum over blocks is accumulated in f32 in an order of the
    lowering's choosing. A NaN scale makes every output it reaches NaN.
    With f32 scales (FP8 tiles: 1 x 128 activations by 128 x 128 weights)
    the products of scales round like any other f32 product, within the
    same bound.

    One operand may instead be a plain f32 tensor (weight-only quantization:
    f32 activations times MX weights): its K-blocks, of the MX operand's
    block size, enter the block dots as they are, with scale 1. So does a
    two-level operand (MX9, MX6, MX4), as its exact f32 values: its
    microexponents vary inside a block, so the product is the f32 dot of the
    values, within the same accumulation bound.

    ```mlir
    %c = mx.matmul %a, %b : !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>,
           !mx.tensor<128x256xf8E4M3FN, block = [32, 1]> -> tensor<64x256xf32>
    %d = mx.matmul %x, %b : tensor<64x128xf32>,
           !mx.tensor<128x256xf4E2M1FN, block = [32, 1]> -> tensor<64x256xf32>
    ```

    Constraints:
    - (C1) both operands have rank 2;
    - (C2) `lhs` is blocked along K, its dimension 1 (block[1] > 1);
    - (C3) `rhs` is blocked along K, its dimension 0 (block[0] > 1);
    - (C4) both operands use the same block size along K;
    - (C5) the K dimensions agree;
    - (C6) the result is an f32 tensor of shape M x N;
    - (C7) at least one operand is an MX tensor (a product of two f32
      tensors is `linalg.matmul`); (C2)-(C4) apply to the MX ones.

    An f32 `alpha` multiplies every result element, after the sum (the
    GEMM's alpha of BLAS): NVFP4 operands bring their tensor scales this
    way, `alpha = S_lhs * S_rhs`, within the same bound.

    ```mlir
    %c = mx.matmul %a, %b alpha(%sab)
           : !mx.tensor<64x128xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>,
             !mx.tensor<128x256xf4E2M1FN, block = [16, 1], scale = f8E4M3FN>
           -> tensor<64x256xf32>
    ```
  }];
  let arguments = (ins AnyTypeOf<[MX_BlockTensorType, RankedTensorOf<[F32]>]>:$lhs,
                       AnyTypeOf<[MX_BlockTensorType, RankedTensorOf<[F32]>]>:$rhs,
                       Optional<F32>:$alpha);
  let results = (outs RankedTensorOf<[AnyType]>:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`alpha` `(` $alpha^ `)`)? attr-dict `:` qualified(type($lhs))
    `,` qualified(type($rhs)) `->` type($result)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Type":$result, "::mlir::Value":$lhs,
                   "::mlir::Value":$rhs), [{
      build($_builder, $_state, result, lhs, rhs, /*alpha=*/::mlir::Value());
    }]>
  ];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The block size along K (of the MX operand, or the two MX operands).
    int64_t getBlockSizeK();
  }];
}

//===----------------------------------------------------------------------===//
// PackOp / UnpackOp
//===----------------------------------------------------------------------===//

def MX_PackOp : MX_Op<"pack"> {
  let summary = "Assemble an MX tensor from an element tensor and a scale tensor";
  let description = [{
    Interoperation with frameworks and checkpoints that store MX data as two
    tensors (e.g. `weight.blocks` and `weight.scales`). The element tensor has
    the shape of the result and its element type; the scale tensor has one
    entry per block, `ceil(dim / block)` along each dimension, of the scale
    type. The encoding is taken as given: it need not be the one
    `mx.quantize` would produce. `mx.pack(mx.unpack(%q))` folds to `%q`.

    ```mlir
    %q = mx.pack %elements, %scales : tensor<64x128xf4E2M1FN>,
           tensor<64x4xf8E8M0FNU> -> !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
    ```

    In the `panels` layout both tensors are as stored: the elements
    `tensor<N/256 x K x 256>`, the scales `tensor<N/256 x ceil(K/B) x 256>`.

    Constraints:
    - (C1) the element tensor has the shape of the result (in the `panels`
      layout, of its panels);
    - (C2) the element tensor has the result's element type;
    - (C3) the scale tensor has the result's scale type;
    - (C4) the scale tensor has shape `ceil(dim / block)` per dimension
      (or the storage shape of the scale layout or layout);
    - (C5) the tensor is not two-level (`!mx.microexp`): such a tensor is
      stored as one tensor of packed blocks, not elements and scales.
  }];
  let arguments = (ins RankedTensorOf<[AnyType]>:$elements,
                       RankedTensorOf<[AnyType]>:$scales);
  let results = (outs MX_BlockTensorType:$result);
  let assemblyFormat = [{
    $elements `,` $scales attr-dict `:` type($elements) `,` type($scales)
    `->` qualified(type($result))
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def MX_UnpackOp : MX_Op<"unpack"> {
  let summary = "Split an MX tensor into its element tensor and scale tensor";
  let description = [{
    The inverse of `mx.pack`: yields the element codes as a tensor of the
    element type and the scales as a tensor of the scale type, one entry per
    block. `mx.unpack(mx.pack(%e, %s))` folds to `%e, %s`, and the scales of
    `mx.unpack(mx.quantize %x scales(%s))` are `%s`.

    ```mlir
    %elements, %scales = mx.unpack %q
        : !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
        -> tensor<64x128xf4E2M1FN>, tensor<64x4xf8E8M0FNU>
    ```

    Constraints: (C1) to (C5) of `mx.pack`, on the results.
  }];
  let arguments = (ins MX_BlockTensorType:$input);
  let results = (outs RankedTensorOf<[AnyType]>:$elements,
                      RankedTensorOf<[AnyType]>:$scales);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` type($elements) `,`
    type($scales)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// FromStorageOp / ToStorageOp
//===----------------------------------------------------------------------===//

def MX_FromStorageOp : MX_Op<"from_storage"> {
  let summary = "An MX tensor from its storage bytes";
  let description = [{
    The storage of an MX tensor taken as the tensor. The bytes are taken as
    given.

    - A two-level tensor (MX9, MX6, MX4) has one operand: its packed
      storage, the block grid then the bytes of each block, as
      `!mx.microexp` describes. This is how checkpoints written by
      `mx-quantize --format mx6` come in, and what the quantize of a
      constant folds to (the bytes computed at compile time by the
      numerics library the kernels are checked against).
      `mx.from_storage(mx.to_storage(%q))` folds to `%q`.
    - A one-level tensor has two: its element codes as the lowering stores
      them (bytes; FP4 two to a byte along the innermost dimension, element
      2i in the low nibble) and its scales as stored (the scale type, in
      the type's scale layout). This is how the blocks and scales of a
      checkpoint come in without a decode: a layer-to-layer driver takes
      them from the weight stream's buffers.

    ```mlir
    %q = mx.from_storage %bytes : tensor<64x8x12xi8>
           -> !mx.tensor<64x128x!mx.microexp<mx6>, block = [1, 16]>
    %w = mx.from_storage %codes, %scales : tensor<256x64xi8>, tensor<256x4xf8E8M0FNU>
           -> !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>
    ```

    Constraints:
    - (C1) a two-level result takes one operand and a one-level result
      two;
    - (C2) the bytes of a two-level result have its storage type: `tensor<`
      block grid `x` bytes per block `x i8>`;
    - (C3) the codes of a one-level result are its element storage (`i8`,
      the innermost extent halved, rounded up, for FP4) and the scales its
      scale storage.
  }];
  let arguments = (ins Variadic<RankedTensorOf<[I8, F8E8M0FNU, F8E4M3FN, F32]>>:$storage);
  let results = (outs MX_BlockTensorType:$result);
  let assemblyFormat =
    "$storage attr-dict `:` type($storage) `->` qualified(type($result))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def MX_ToStorageOp : MX_Op<"to_storage"> {
  let summary = "The storage bytes of an MX tensor";
  let description = [{
    The inverse of `mx.from_storage`: a two-level tensor's packed storage
    (one result), or a one-level tensor's element codes as the lowering
    stores them and its scales as stored (two results: how a driver or
    checkpoint writer takes the blocks and scales out without a decode).
    `mx.to_storage(mx.from_storage(%b...))` folds to `%b...`.

    ```mlir
    %bytes = mx.to_storage %q : !mx.tensor<64x128x!mx.microexp<mx6>, block = [1, 16]>
               -> tensor<64x8x12xi8>
    %codes, %scales = mx.to_storage %w : !mx.tensor<256x128xf4E2M1FN, block = [1, 32]>
               -> tensor<256x64xi8>, tensor<256x4xf8E8M0FNU>
    ```

    Constraints: (C1) to (C3) of `mx.from_storage`, on the input and the
    results.
  }];
  let arguments = (ins MX_BlockTensorType:$input);
  let results = (outs Variadic<RankedTensorOf<[I8, F8E8M0FNU, F8E4M3FN, F32]>>:$storage);
  let assemblyFormat =
    "$input attr-dict `:` qualified(type($input)) `->` type($storage)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// ConvertScaleLayoutOp
//===----------------------------------------------------------------------===//

def MX_ConvertScaleLayoutOp : MX_Op<"convert_scale_layout", [Pure]> {
  let summary = "Store an MX tensor's scales in another layout";
  let description = [{
    The same tensor (every element and scale unchanged) with its scales
    stored in the result type's `scale_layout`: `row_major`, or `swizzled`,
    the 128 x 4 tiles that Blackwell's tensor cores and cuBLASLt read (see
    `!mx.tensor`). Converting to `swizzled` pads with zero bytes; converting
    back drops them.

    Ops that compute with scales on the CPU (quantize, dequantize, matmul,
    cast, ...) accept either layout: the lowering converts swizzled operands
    to row-major and swizzles results, so the conversion is written out in
    the IR where it happens. `mx.pack` and `mx.unpack` take the scales as
    stored, which is how scales laid out for cuBLASLt come in and go out.
    The NVVM tcgen05 and block-scale kernels read swizzled scales directly.

    A conversion to the input's own layout folds away, as does a conversion
    back (`convert(convert(%q))` to `%q`); a conversion of an `mx.pack` of
    constant scales folds to the pack of the converted constant.

    ```mlir
    %s = mx.convert_scale_layout %q
        : !mx.tensor<256x512xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
        -> !mx.tensor<256x512xf4E2M1FN, block = [1, 16], scale = f8E4M3FN,
                      scale_layout = swizzled>
    ```

    Constraints:
    - (C1) the input and result types are equal but for the scale layout.
  }];
  let arguments = (ins MX_BlockTensorType:$input);
  let results = (outs MX_BlockTensorType:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// ConvertLayoutOp
//===----------------------------------------------------------------------===//

def MX_ConvertLayoutOp : MX_Op<"convert_layout", [Pure]> {
  let summary = "Store an MX tensor's codes and scales in another layout";
  let description = [{
    The same tensor (every element and scale unchanged) with its codes and
    scales stored in the result type's `layout`: `row_major`, or `panels`,
    the K x N weight cut into panels of 256 columns, each stored whole (see
    `!mx.tensor`), the layout the CPU GEMV streams. A one-row product reads
    each panel as one run of memory instead of 32 pieces a row apart per
    block.

    Ops that compute on the CPU accept either layout: the lowering converts
    a `panels` operand to row-major (and a `panels` result from it) in the
    IR, except where the GEMV kernel reads the panels itself. For constant
    weights the conversion folds: a conversion of an `mx.pack` of constants
    becomes the pack of the reordered constants, so the layout costs nothing
    at run time. `mx-cpu-pipeline{prepack-weights=true}` converts the
    constant weights of one-row products to panels.

    A conversion to the input's own layout folds away, as does a conversion
    back (`convert(convert(%q))` to `%q`).

    ```mlir
    %p = mx.convert_layout %w
        : !mx.tensor<1024x4096xf4E2M1FN, block = [32, 1]>
        -> !mx.tensor<1024x4096xf4E2M1FN, block = [32, 1], layout = panels>
    ```

    Constraints:
    - (C1) the input and result types are equal but for the layout.
  }];
  let arguments = (ins MX_BlockTensorType:$input);
  let results = (outs MX_BlockTensorType:$result);
  let assemblyFormat = [{
    $input attr-dict `:` qualified(type($input)) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// CastOp
//===----------------------------------------------------------------------===//

def MX_CastOp : MX_RoundingOp<"cast"> {
  let summary = "Re-quantize an MX tensor to another format or block shape";
  let description = [{
    Defined as `mx.quantize(mx.dequantize(%input) : f32)` with this op's scale
    rule, rounding and saturation: the values of `%input` (rounded to f32,
    which only matters where they exceed f32's range) are quantized to the
    result type. `-mx-expand-casts` rewrites it into exactly that pair.

    ```mlir
    %r = mx.cast %q : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>
           -> !mx.tensor<64x128xf4E2M1FN, block = [32, 32]>
    ```

    A cast to its own type folds away under the `floor` rule and under `even`
    with `rne`, of an encoding that quantize made, for the reasons given for
    `mx.quantize`.

    Constraints:
    - (C1) the result has the shape of the input;
    - (C2), (C3), (C4), (C5), (C9) as for `mx.quantize`;
    - (C6) neither the input nor the result is two-level (`!mx.microexp`):
      dequantize such a tensor and quantize the values instead.
  }];
  let arguments = !con((ins MX_BlockTensorType:$input), roundingArguments);
  let results = (outs MX_BlockTensorType:$result);
  let assemblyFormat = "$input " # roundingFormat #
    " attr-dict `:` qualified(type($input)) `->` qualified(type($result))";
}

//===----------------------------------------------------------------------===//
// LdexpOp
//===----------------------------------------------------------------------===//

def MX_LdexpOp : MX_Op<"ldexp", [AllTypesMatch<["input", "result"]>]> {
  let summary = "Multiply an MX tensor by a power of two, touching only scales";
  let description = [{
    Multiplies every value by `2^exponent` by adding `exponent` to each block's
    scale exponent; the elements are not read. A block whose new exponent
    falls outside E8M0's range [-127, 127] gets the NaN scale, as an f32
    multiply that overflows gives Inf: the product is not representable.
    NaN scales stay NaN.

    ```mlir
    %half = mx.ldexp %q, -1 : !mx.tensor<64x128xf8E4M3FN, block = [1, 32]>
    ```

    `mx.ldexp %q, 0` folds to `%q`. Two shifts in the same direction fold
    into one; shifts in opposite directions stay, since the first may already
    have left the range.

    Constraints:
    - (C1) the input has f8E8M0FNU scales, whose exponent a shift moves
      exactly (an f8E4M3FN scale would round);
    - (C2) the input is not two-level (`!mx.microexp`).
  }];
  let arguments = (ins MX_BlockTensorType:$input, I32Attr:$exponent);
  let results = (outs MX_BlockTensorType:$result);
  let assemblyFormat =
    "$input `,` $exponent attr-dict `:` qualified(type($result))";
  let hasFolder = 1;
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

def MX_TransposeOp : MX_Op<"transpose"> {
  let summary = "Permute the dimensions of an MX tensor, elements and scales alike";
  let description = [{
    Moves every element code and every block scale to its permuted position
    and permutes the block shape with them: a data movement, exact, with no
    element re-rounded. Dimension i of the result is dimension
    `permutation[i]` of the input.

    ```mlir
    %t = mx.transpose %w [1, 0] : !mx.tensor<256x128xf8E4M3FN, block = [32, 32]>
           -> !mx.tensor<128x256xf8E4M3FN, block = [32, 32]>
    ```

    Transposing a tensor blocked along one axis moves its blocks to the
    other axis; a matmul that needs the transposed operand blocked along K
    must re-quantize it, unless the blocks are 2-D. Scale propagation
    (`-mx-propagate-scales`) uses this op for the 2-D case.

    Constraints:
    - (C1) `permutation` is a permutation of the dimensions;
    - (C2) the result's shape and block are the input's, permuted;
    - (C3) the result has the input's element and scale types;
    - (C4) the input is not two-level (`!mx.microexp`).
  }];
  let arguments = (ins MX_BlockTensorType:$input,
                       DenseI64ArrayAttr:$permutation);
  let results = (outs MX_BlockTensorType:$result);
  let assemblyFormat = [{
    $input $permutation attr-dict `:` qualified(type($input)) `->`
    qualified(type($result))
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// HadamardOp
//===----------------------------------------------------------------------===//

def MX_HadamardOp : MX_Op<"hadamard", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "Random Hadamard transform in blocks of 16 along an axis";
  let description = [{
    Each block of 16 consecutive elements along `axis` becomes
    `y = (1/4) H16 D x`, with H16 the 16 x 16 Sylvester Hadamard matrix and
    D a diagonal of random signs drawn from `seed` (element j of every block
    is negated when bit 31 of Philox4x32-10(counter = j, key = seed) is
    set); with `inverse`, `x = D (1/4) H16 y`. The transform is orthogonal,
    so the two are inverses up to f32 rounding, and transforming both
    operands of a product along K with the same seed leaves the product
    unchanged: `(x M^T)(M w) = x w`. Used before quantizing gradients and
    weights: it spreads an outlier over its block, so the block's scale
    fits the other elements.

    The arithmetic is the contract (docs/Numerics.md, lib/Numerics/Hadamard):
    f32, the butterflies of the fast Walsh-Hadamard transform for h = 1, 2,
    4, 8 over the pairs (i, i + h) of each group of 2h, (a, b) -> (a + b,
    a - b), each rounded to f32; then each element times 1/4 and, for the
    inverse, its sign. Every lowering computes the same bits.

    ```mlir
    %g2 = mx.hadamard %g axis(1) seed(7) : tensor<64x256xf32>
    %g1 = mx.hadamard %g2 axis(1) seed(7) inverse : tensor<64x256xf32>
    ```

    A constant input folds to the transformed constant, computed by the
    numerics library.

    Constraints:
    - (C1) `axis` is a dimension of the input;
    - (C2) a static extent along `axis` is a multiple of 16.
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input, I64Attr:$axis,
                       DefaultValuedAttr<I64Attr, "0">:$seed,
                       UnitAttr:$inverse);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $input `axis` `(` $axis `)` (`seed` `(` $seed^ `)`)? (`inverse` $inverse^)?
    attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let hasCanonicalizeMethod = 1;
}

//===----------------------------------------------------------------------===//
// TensorScaleOp
//===----------------------------------------------------------------------===//

def MX_TensorScaleOp : MX_Op<"tensor_scale"> {
  let summary = "NVFP4's per-tensor f32 scale: amax / (448 * 6)";
  let description = [{
    The f32 scale NVFP4 keeps beside its E4M3 block scales: the largest
    finite magnitude of the input divided by 2688 (E4M3's largest value 448
    times E2M1's 6, so that the block holding the tensor's amax gets E4M3's
    largest scale), one f32 division, never below f32's least subnormal; 1
    for an input without a nonzero finite value. NaN and Inf are ignored
    (their blocks get NaN scales). A constant input folds.

    ```mlir
    %s = mx.tensor_scale %x : tensor<64x128xf32>
    ```

    Delayed or calibrated scaling passes any positive finite f32 to
    `mx.quantize`'s `tensor_scale` instead.
  }];
  let arguments = (ins MX_FloatTensor:$input);
  let results = (outs F32:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasFolder = 1;
}

include "mx/Dialect/MX/IR/MXScaledOps.td"
include "mx/Dialect/MX/IR/MXTargetOps.td"

#endif // MX_DIALECT_MX_IR_MXOPS_TD
