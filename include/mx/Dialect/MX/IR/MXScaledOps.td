//===- MXScaledOps.td - Ops on per-tensor scaled values ----*- tablegen -*-===//
//
// Included by MXOps.td: the ops of `!mx.scaled` (Scalify's scaled arrays).
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXSCALEDOPS_TD
#define MX_DIALECT_MX_IR_MXSCALEDOPS_TD

def MX_ScaleOp : MX_Op<"scale", [
    TypesMatchWith<"the result holds the data's tensor type", "data", "result",
                   "::mlir::mx::ScaledTensorType::get($_ctxt, "
                   "::llvm::cast<::mlir::RankedTensorType>($_self))">]> {
  let summary = "Pair a data tensor with a power-of-two scale";
  let description = [{
    Makes the scaled tensor whose value is `data * scale`; nothing is
    computed. `scale` must be a positive power of two (2^-149 to 2^127): every
    producer in this project makes one, and a constant that is not is
    rejected. `mx.scaled_parts` takes the pair apart again.

    ```mlir
    %one = arith.constant 1.0 : f32
    %x = mx.scale %data, %one : tensor<64x128xf32> -> !mx.scaled<tensor<64x128xf32>>
    ```

    Constraints:
    - (C1) a constant scale is a positive power of two.
  }];
  let arguments = (ins RankedTensorOf<[F32, F16, BF16, F8E4M3FN, F8E5M2]>:$data,
                       F32:$scale);
  let results = (outs MX_ScaledTensorType:$result);
  let assemblyFormat = [{
    $data `,` $scale attr-dict `:` type($data) `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

def MX_ScaledPartsOp : MX_Op<"scaled_parts", [
    TypesMatchWith<"the data has the scaled tensor's data type", "input",
                   "data",
                   "::llvm::cast<::mlir::mx::ScaledTensorType>($_self)"
                   ".getDataType()">]> {
  let summary = "Split a scaled tensor into its data tensor and its scale";
  let description = [{
    The inverse of `mx.scale`; `mx.scaled_parts(mx.scale(%d, %s))` folds to
    `%d, %s`. Scale propagation works on the parts: its rules are ordinary
    tensor ops on the data and f32 arithmetic on the scales.

    ```mlir
    %data, %scale = mx.scaled_parts %x : !mx.scaled<tensor<64x128xf8E4M3FN>>
    ```
  }];
  let arguments = (ins MX_ScaledTensorType:$input);
  let results = (outs AnyRankedTensor:$data, F32:$scale);
  let assemblyFormat = "$input attr-dict `:` qualified(type($input))";
  let hasFolder = 1;
}

def MX_UnscaleOp : MX_Op<"unscale"> {
  let summary = "The value of a scaled tensor: data times scale";
  let description = [{
    Every element becomes `data * scale`, computed exactly in f32 (the data
    converted exactly, the scale a power of two) and rounded to the result
    type (f32, f16 or bf16; to nearest even). This is where a scaled program
    hands real values to ops that need them, and to its callers.

    ```mlir
    %y = mx.unscale %x : !mx.scaled<tensor<64x128xf8E4M3FN>> -> tensor<64x128xf32>
    ```

    `mx.unscale(mx.scale(%d, 1.0))` folds to `%d` when the types agree.

    Constraints:
    - (C1) the result has the shape of the data.
  }];
  let arguments = (ins MX_ScaledTensorType:$input);
  let results = (outs MX_FloatTensor:$result);
  let assemblyFormat =
    "$input attr-dict `:` qualified(type($input)) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def MX_RescaleOp : MX_Op<"rescale", [AllTypesMatch<["input", "result"]>]> {
  let summary = "Move the data's magnitude into the scale, measured at run time";
  let description = [{
    Scalify's `dynamic_rescale_max / _l1 / _l2`: computes `norm` of the data
    in f32 (see `#mx.norm`), rounds it down to a power of two `2^k` with
    `k >= -14` (Scalify's epsilon, so that an all-zero or tiny tensor is not
    blown up), then divides the data by `2^k` and multiplies the scale by it.
    The value is unchanged unless data moves below its type's normal range.
    `k` is clamped so that the new scale stays within [2^-126, 2^127] and
    `|k| <= 126`; a NaN or infinite norm leaves the tensor as it is.

    Scale propagation inserts it wherever a value's range is unknown at
    compile time (function arguments, results of ops without a rule), so
    that data reaching a narrow cast is near unit range.

    ```mlir
    %r = mx.rescale %x norm<max> : !mx.scaled<tensor<64x128xf32>>
    ```

    Scalify's gradient variants (identity forward, rescale of the
    cotangent) have no counterpart: MLIR has no automatic differentiation,
    and a backward graph written in the IR applies this op to its gradient
    tensors directly.

    Constraints:
    - (C1) the data is f32, f16 or bf16 (rescale before a narrow cast, not
      after it).
  }];
  let arguments = (ins MX_ScaledTensorType:$input,
                       DefaultValuedAttr<MX_RescaleNormAttr,
                                         "::mlir::mx::RescaleNorm::max">:$norm);
  let results = (outs MX_ScaledTensorType:$result);
  let assemblyFormat =
    "$input (`norm` `` $norm^)? attr-dict `:` qualified(type($result))";
  let hasVerifier = 1;
}

def MX_ScaledCastOp : MX_Op<"scaled_cast"> {
  let summary = "Round the data of a scaled tensor to an FP8 format";
  let description = [{
    The data is rounded to the result's FP8 element type with `rounding`;
    the scale is kept. Finite values beyond the format's largest follow
    `saturation` (clamped to +-max by default; `nonfinite` gives Inf for
    E5M2 and NaN for E4M3), NaN stays NaN, subnormals are kept. The element
    arithmetic is that of `mx.quantize` with a unit scale, so it is exact to
    the same contract (`docs/Numerics.md`); stochastic rounding draws the
    bits of the element at linear index i from Philox4x32-10(i, seed).

    ```mlir
    %f8 = mx.scaled_cast %x : !mx.scaled<tensor<64x128xf32>>
            -> !mx.scaled<tensor<64x128xf8E4M3FN>>
    ```

    Constraints:
    - (C1) the result has the shape of the input;
    - (C2) the input's data is f32, f16 or bf16 and the result's f8E4M3FN or
      f8E5M2 (sub-byte formats need per-block scales: `mx.quantize`);
    - (C3) `rounding<stochastic>` requires `seed`;
    - (C4) `seed` is only allowed with `rounding<stochastic>`.
  }];
  let arguments = (ins MX_ScaledTensorType:$input,
    DefaultValuedAttr<MX_RoundingAttr, "::mlir::mx::Rounding::rne">:$rounding,
    OptionalAttr<I64Attr>:$seed,
    DefaultValuedAttr<MX_SaturationAttr,
                      "::mlir::mx::Saturation::saturate">:$saturation);
  let results = (outs MX_ScaledTensorType:$result);
  let assemblyFormat = [{
    $input (`rounding` `` $rounding^)? (`seed` `(` $seed^ `)`)?
    (`saturation` `` $saturation^)? attr-dict `:` qualified(type($input))
    `->` qualified(type($result))
  }];
  let hasVerifier = 1;
}

#endif // MX_DIALECT_MX_IR_MXSCALEDOPS_TD
