//===- MXTypes.td - Types of the mx dialect ----------------*- tablegen -*-===//

#ifndef MX_DIALECT_MX_IR_MXTYPES_TD
#define MX_DIALECT_MX_IR_MXTYPES_TD

include "mx/Dialect/MX/IR/MXBase.td"
include "mlir/IR/AttrTypeBase.td"

def MX_BlockTensorType : TypeDef<MX_Dialect, "BlockTensor"> {
  let mnemonic = "tensor";
  let summary = "block-scaled MX tensor: elements and per-block scales as one value";
  let description = [{
    A ranked tensor whose elements are stored in a narrow MX element format and
    grouped into blocks, each of which shares one scale. The value of an
    element is `element * scale_of_its_block`.

    Syntax: `!mx.tensor<` shape `x` element-type `, block = [` sizes `]`
    (`, scale =` scale-type)? `>`

    - **Element type**: `f8E4M3FN` (MXFP8 E4M3), `f8E5M2` (MXFP8 E5M2),
      `f6E3M2FN` (MXFP6 E3M2), `f6E2M3FN` (MXFP6 E2M3), `f4E2M1FN` (MXFP4) or
      `i8` for MXINT8, whose elements are two's complement k/64, clamped to
      +-127/64.
    - **Block**: one size per dimension. Blocks are 1-D (one size > 1, e.g.
      `[1, 32]` along the last axis, `[32, 1]` along the first) or 2-D (e.g.
      `[32, 32]` for weights that are also used transposed). A dimension that
      is not a multiple of its block size ends in a partial block; the scale
      tensor has `ceil(dim / block)` entries along each dimension.
    - **Scale type**: `f8E8M0FNU` (OCP MX, the default, elided when printed), or
      `f8E4M3FN` with 1-D blocks of 16 elements, which expresses NVFP4-style
      tensors.

    Dynamic dimensions (`?`) are allowed; block sizes are always static.

    Storage once lowered (`-convert-mx-to-linalg`): FP4 codes two per byte
    along the innermost dimension (element 2i in the low nibble), every other
    format one code per byte (FP6 in the low six bits), and one E8M0 byte per
    block.

    ```mlir
    !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
    !mx.tensor<?x4096xi8, block = [1, 32]>
    !mx.tensor<256x256xf8E4M3FN, block = [32, 32]>
    !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
    ```

    Constraints, cited by the verifier:
    - (T1) the rank is at least 1;
    - (T2) the element type is one of the six MX element types above;
    - (T3) the block has one size per dimension;
    - (T4) every block size is positive;
    - (T5) the block spans one or two dimensions and more than one element;
    - (T6) the scale type is f8E8M0FNU or f8E4M3FN;
    - (T7) f8E4M3FN scales come with 1-D blocks of 16 elements.
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "shape">:$shape,
    "::mlir::Type":$elementType,
    ArrayRefParameter<"int64_t", "block size per dimension">:$blockShape,
    "::mlir::Type":$scaleType
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    TypeBuilderWithInferredContext<(ins
        "::llvm::ArrayRef<int64_t>":$shape, "::mlir::Type":$elementType,
        "::llvm::ArrayRef<int64_t>":$blockShape,
        CArg<"::mlir::Type", "{}">:$scaleType), [{
      if (!scaleType)
        scaleType = ::mlir::Float8E8M0FNUType::get(elementType.getContext());
      return $_get(elementType.getContext(), shape, elementType, blockShape,
                   scaleType);
    }]>
  ];
  let extraClassDeclaration = [{
    int64_t getRank() const { return getShape().size(); }
    bool hasStaticShape() const {
      return !::llvm::any_of(getShape(), ::mlir::ShapedType::isDynamic);
    }
    /// The numerics-library format of the element type (verified to exist).
    ::mlir::mx::numerics::ElementFormat getFormat() const;
    /// ceil(dim / block) per dimension; dynamic stays dynamic.
    ::llvm::SmallVector<int64_t> getScaleShape() const;
    /// The tensor of elements alone: `tensor<shape x element-type>`.
    ::mlir::RankedTensorType getElementsType() const;
    /// The tensor of scales alone: `tensor<scale-shape x scale-type>`.
    ::mlir::RankedTensorType getScalesType() const;
    /// The same encoding (element type, block, scale type) on another shape.
    BlockTensorType cloneWithShape(::llvm::ArrayRef<int64_t> shape) const;
  }];
}

def MX_ScaledTensorType : TypeDef<MX_Dialect, "ScaledTensor"> {
  let mnemonic = "scaled";
  let summary = "tensor with one power-of-two scale for all its elements (Scalify)";
  let description = [{
    A pair (data, scale) whose value is `data * scale`: the data tensor, in any
    of f32, f16, bf16, f8E4M3FN or f8E5M2, and one f32 scale that is a power of
    two. Scale propagation (`-mx-propagate-scales`, after Scalify, arXiv
    2407.17353) keeps the data near unit range so that it fits a narrow float,
    while the scale carries the magnitude. Multiplying by a power of two is
    exact, so moving magnitude between data and scale loses nothing unless the
    data leaves its type's range.

    Syntax: `!mx.scaled<` ranked-tensor-type `>`

    ```mlir
    !mx.scaled<tensor<64x128xf32>>
    !mx.scaled<tensor<64x128xf8E4M3FN>>
    ```

    The per-block counterpart is `!mx.tensor`, whose blocks each carry an E8M0
    scale. Once lowered (`-convert-mx-to-linalg`) a scaled tensor is its data
    tensor and an f32 scalar.

    Constraints, cited by the verifier:
    - (T1) the data element type is f32, f16, bf16, f8E4M3FN or f8E5M2.
  }];
  let parameters = (ins "::mlir::RankedTensorType":$dataType);
  let assemblyFormat = "`<` $dataType `>`";
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    ::mlir::Type getElementType() const {
      return getDataType().getElementType();
    }
    ::llvm::ArrayRef<int64_t> getShape() const {
      return getDataType().getShape();
    }
    /// The same shape with data of another element type.
    ScaledTensorType cloneWithElementType(::mlir::Type elementType) const {
      return get(getContext(), getDataType().clone(elementType));
    }
  }];
}

#endif // MX_DIALECT_MX_IR_MXTYPES_TD
