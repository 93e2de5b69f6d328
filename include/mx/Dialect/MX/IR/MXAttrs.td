//===- MXAttrs.td - Attributes of the mx dialect -----------*- tablegen -*-===//

#ifndef MX_DIALECT_MX_IR_MXATTRS_TD
#define MX_DIALECT_MX_IR_MXATTRS_TD

include "mx/Dialect/MX/IR/MXBase.td"

class MX_EnumAttr<EnumAttrInfo enumInfo, string mnemonic>
    : EnumAttr<MX_Dialect, enumInfo, mnemonic> {
  let assemblyFormat = "`<` $value `>`";
}

def MX_ScaleRuleAttr : MX_EnumAttr<MX_ScaleRule, "scale_rule"> {
  let summary = "Rule that picks a block's power-of-two scale";
  let description = [{
    With `amax` the largest magnitude in a block and `emax` the exponent of
    the element format's largest power of two (E4M3 8, E5M2 15, E3M2 4,
    E2M3 2, E2M1 2, INT8 0), the block scale X is:

    - `floor` (OCP MX, the default): `2^(floor(log2 amax) - emax)`; the
      block's largest element may then saturate, as the specification intends.
    - `ceil`: `2^(ceil(log2 amax) - emax)`.
    - `even`: amax's significand is first rounded to the element's mantissa
      width (ties away from zero), then as `floor`.
    - `rceil`: `2^ceil(log2(amax / max_elem))`, computed exactly; no element
      ever saturates (NVIDIA's `cvt.rp.satfinite.ue8m0x2.f32`).

    The exponent is clamped to [-127, 127]. An all-zero block is scaled as if
    amax were 2^-126; a block holding NaN or Inf gets the NaN scale.

    With f32 scales (FP8 tiles, the DeepSeek-V3 block scaling) two rules
    apply, with `max` the element format's largest value:

    - `quotient`: `amax / max`, one f32 division (at least 2^-149), so the
      block's largest element is `max`;
    - `rceil`: the least power of two `s` with `amax / s <= max`, compared
      exactly (at least 2^-149): no element saturates.

    An all-zero block gets scale 1; a block holding NaN or Inf the NaN scale.

    With f8E4M3FN scales (NVFP4, with a tensor scale S) `quotient` is
    `amax / (6 S)` rounded once to E4M3, nearest even, saturating at 448.

    ```mlir
    %q = mx.quantize %x scale_rule<rceil> : tensor<32xf32>
           -> !mx.tensor<32xf8E4M3FN, block = [32]>
    ```
  }];
}

def MX_RoundingAttr : MX_EnumAttr<MX_Rounding, "rounding"> {
  let summary = "Rounding of element values to the element format";
  let description = [{
    - `rne` (default): round to nearest, ties to even, as OCP MX requires.
    - `rtz`: round toward zero.
    - `stochastic`: round up with probability equal to the distance from the
      lower neighbour over the gap. The random bits of the element at linear
      index i are Philox4x32-10(counter = i, key = seed), so the result depends
      only on the op's `seed` and not on vector width, tiling or threads.

    ```mlir
    %q = mx.quantize %g rounding<stochastic> seed(42) : tensor<64xf32>
           -> !mx.tensor<64xf8E5M2, block = [32]>
    ```
  }];
}

def MX_SaturationAttr : MX_EnumAttr<MX_Saturation, "saturation"> {
  let summary = "What a finite element beyond the largest value becomes";
  let description = [{
    - `saturate` (default, the MX rule): clamp to +-max, keeping the sign.
    - `nonfinite`: IEEE-style overflow, to Inf (E5M2) or NaN (E4M3). Only the
      FP8 formats have such values; round-toward-zero never overflows to them.

    ```mlir
    %q = mx.quantize %x saturation<nonfinite> : tensor<32xf32>
           -> !mx.tensor<32xf8E5M2, block = [32]>
    ```
  }];
}

def MX_RescaleNormAttr : MX_EnumAttr<MX_RescaleNorm, "norm"> {
  let summary = "Statistic that a dynamic rescale moves from data to scale";
  let description = [{
    The norms of Scalify's `dynamic_rescale_*`, computed in f32 over the whole
    data tensor:

    - `max`: the largest magnitude, `max |d|`;
    - `l1`: the mean magnitude, `sum |d| / n`;
    - `l2`: the root mean square, `sqrt(sum d^2 / n)`.

    ```mlir
    %r = mx.rescale %x norm<l2> : !mx.scaled<tensor<64x128xf32>>
    ```
  }];
}

#endif // MX_DIALECT_MX_IR_MXATTRS_TD
