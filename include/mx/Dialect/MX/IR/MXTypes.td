//===- MXTypes.td - Types of the mx dialect ----------------*- tablegen -*-===//

#ifndef MX_DIALECT_MX_IR_MXTYPES_TD
#define MX_DIALECT_MX_IR_MXTYPES_TD

include "mx/Dialect/MX/IR/MXBase.td"
include "mlir/IR/AttrTypeBase.td"

def MX_SharedMicroexponentType : TypeDef<MX_Dialect, "SharedMicroexponent"> {
  let mnemonic = "microexp";
  let summary = "element format with two levels of shared exponent (MX9, MX6, MX4)";
  let description = [{
    The element type of a block-scaled tensor in a shared-microexponent
    format (block data representations, arXiv 2302.08007): each block of k1
    elements (the tensor's block size) shares an 8-bit exponent E, each
    sub-block of k2 consecutive elements shares a `micro_bits`-bit
    microexponent mu, and each element is a sign and a `magnitude`-bit
    integer: its value is `+-magnitude * 2^(E - mu + 1 - m)`. E is
    floor(log2) of the block's largest magnitude; mu is how far a sub-block's
    largest exponent lies below E, at most `2^micro_bits - 1`. The contract,
    with its NaN, Inf, zero-block and subnormal policy, is docs/Numerics.md's.

    Syntax: `!mx.microexp<` (`mx9` | `mx6` | `mx4` |
    `magnitude =` m `, sub_block =` k2 `, micro_bits =` d2) `>`. MX9, MX6
    and MX4 are the instances `magnitude` 7, 4 and 2 with `sub_block = 2`,
    `micro_bits = 1` (9, 6 and 4 bits per element with blocks of 16), and
    print by their names. `micro_bits = 0` is one-level block floating point.

    ```mlir
    !mx.tensor<64x128x!mx.microexp<mx9>, block = [1, 16]>
    !mx.tensor<64x128x!mx.microexp<magnitude = 3, sub_block = 4, micro_bits = 2>, block = [1, 32]>
    ```

    Storage once lowered: one tensor of bytes, each block as
    `1 + ceil(k1/k2 * d2 / 8) + ceil(k1 * (m + 1) / 8)` bytes (18, 12 and 8
    for MX9, MX6 and MX4): E as an E8M0 code (0xFF for a NaN block), then the
    microexponents, then the element codes (sign above the magnitude), each
    bit-packed from the least significant bit; the block grid is the scale
    grid of the tensor, and the bytes of a block are the last dimension.

    Constraints, cited by the verifier:
    - (T1) 1 <= `magnitude` <= 7: an element code fits a byte;
    - (T2) `sub_block` >= 1;
    - (T3) `micro_bits` <= 4: every value stays an f32.
  }];
  let parameters = (ins "unsigned":$magnitudeBits, "unsigned":$subBlockSize,
                        "unsigned":$microexponentBits);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The numerics-library format with blocks of `blockSize` elements.
    ::mlir::mx::numerics::SharedMicroexponentFormat
    getFormat(unsigned blockSize) const {
      return {getMagnitudeBits(), blockSize, getSubBlockSize(),
              getMicroexponentBits()};
    }
  }];
}

def MX_BlockTensorType : TypeDef<MX_Dialect, "BlockTensor"> {
  let mnemonic = "tensor";
  let summary = "block-scaled MX tensor: elements and per-block scales as one value";
  let description = [{
    A ranked tensor whose elements are stored in a narrow MX element format and
    grouped into blocks, each of which shares one scale. The value of an
    element is `element * scale_of_its_block`.

    Syntax: `!mx.tensor<` shape `x` element-type `, block = [` sizes `]`
    (`, scale =` scale-type)? (`, scale_layout = swizzled`)?
    (`, layout = panels`)? `>`

    - **Element type**: `f8E4M3FN` (MXFP8 E4M3), `f8E5M2` (MXFP8 E5M2),
      `f6E3M2FN` (MXFP6 E3M2), `f6E2M3FN` (MXFP6 E2M3), `f4E2M1FN` (MXFP4) or
      `i8` for MXINT8, whose elements are two's complement k/64, clamped to
      +-127/64.
    - **Block**: one size per dimension. Blocks are 1-D (one size > 1, e.g.
      `[1, 32]` along the last axis, `[32, 1]` along the first) or 2-D (e.g.
      `[32, 32]` for weights that are also used transposed). A dimension that
      is not a multiple of its block size ends in a partial block; the scale
      tensor has `ceil(dim / block)` entries along each dimension.
      A `!mx.microexp` element type makes a two-level tensor (MX9, MX6, MX4):
      its scales are the blocks' shared exponents, and each sub-block of
      its blocks has a microexponent besides (see `!mx.microexp`).
    - **Scale type**: `f8E8M0FNU` (OCP MX, the default, elided when printed),
      `f8E4M3FN` with 1-D blocks of 16 elements, which expresses NVFP4-style
      tensors, or `f32` with FP8 elements: the tile scaling of FP8 training
      recipes (DeepSeek-V3, Transformer Engine), e.g. `block = [1, 128]` for
      activations and gradients and `[128, 128]` for weights.

    - **Scale layout**: how the scales are stored once lowered.
      `row_major` (the default, elided): one entry per block in row-major
      order of the block grid. `swizzled`: the layout Blackwell's
      block-scaled MMAs (tcgen05) and cuBLASLt read. The scales form an
      R x C matrix, R the extent of the unblocked axis (rows of `[1, B]`
      blocks, columns of `[B, 1]` blocks) and C the blocks along the other;
      it is padded with zero bytes to multiples of 128 rows and 4 columns,
      cut into 128 x 4 tiles stored one after another (the tile grid in
      row-major order, 512 bytes each), and entry (r, c) of a tile sits at
      byte `(r mod 32) * 16 + (r div 32) * 4 + c`. The four scales a row
      needs for 64 (NVFP4) or 128 (MX) elements of K are then one aligned
      32-bit word. `mx.convert_scale_layout` converts between the layouts;
      the layout changes storage only, never a value.

    - **Layout**: how codes and scales are ordered in memory once lowered.
      `row_major` (the default, elided): as below. `panels`: a K x N
      weight with blocks down its columns (`block = [B, 1]`) cut into
      panels of 256 columns, stored panel after panel, each whole: its K
      rows of 256 codes, and its scales as `ceil(K / B)` rows of 256. A
      row of blocks of a panel is then one sequential run of memory, and a
      panel all of K, which is what a one-row product (a GEMV: decode, one
      weight used once) streams from DRAM. `mx.convert_layout` converts
      between the layouts (for constant weights, at compile time); the
      layout changes storage only, never a value. The CPU GEMV kernel reads
      panels directly; every other op computes on the row-major form,
      converted where the IR says so.

    Dynamic dimensions (`?`) are allowed; block sizes are always static.

    Storage once lowered (`-convert-mx-to-linalg`): FP4 codes two per byte
    along the innermost dimension (element 2i in the low nibble), every other
    format one code per byte (FP6 in the low six bits), and one scale per
    block (an E8M0 or E4M3 byte, or an f32); swizzled scales are one 1-D
    tensor of `ceil(R / 128) * 128 * ceil(C / 4) * 4` bytes. In the
    `panels` layout the codes are `tensor<N/256 x K x 256 x i8>` (FP4:
    `x 128`) and the scales `tensor<N/256 x ceil(K/B) x 256>`.

    ```mlir
    !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
    !mx.tensor<?x4096xi8, block = [1, 32]>
    !mx.tensor<256x256xf8E4M3FN, block = [32, 32]>
    !mx.tensor<16x64xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
    !mx.tensor<256x512xf8E4M3FN, block = [128, 128], scale = f32>
    !mx.tensor<64x128x!mx.microexp<mx6>, block = [1, 16]>
    !mx.tensor<256x128xf4E2M1FN, block = [1, 16], scale = f8E4M3FN,
               scale_layout = swizzled>
    !mx.tensor<4096x4096xf4E2M1FN, block = [32, 1], layout = panels>
    ```

    Constraints, cited by the verifier:
    - (T1) the rank is at least 1;
    - (T2) the element type is one of the six MX element types above, or a
      `!mx.microexp` type;
    - (T3) the block has one size per dimension;
    - (T4) every block size is positive;
    - (T5) the block spans one or two dimensions and more than one element;
    - (T6) the scale type is f8E8M0FNU, f8E4M3FN or f32;
    - (T7) f8E4M3FN scales come with 1-D blocks of 16 elements;
    - (T8) a two-level tensor has a 1-D block of at most 256 elements, a
      multiple of its sub-block size, and f8E8M0FNU scales;
    - (T9) f32 scales come with FP8 elements (f8E4M3FN or f8E5M2);
    - (T10) swizzled scales come with a static 2-D shape, a 1-D block, one
      byte per scale (f8E8M0FNU or f8E4M3FN) and one-level elements;
    - (T11) the `panels` layout comes with a static 2-D shape whose columns
      are a multiple of 256, a block `[B, 1]` (B > 1), one-level elements
      and row-major scales.
  }];
  let parameters = (ins
    ArrayRefParameter<"int64_t", "shape">:$shape,
    "::mlir::Type":$elementType,
    ArrayRefParameter<"int64_t", "block size per dimension">:$blockShape,
    "::mlir::Type":$scaleType,
    "::mlir::mx::ScaleLayout":$scaleLayout,
    "::mlir::mx::StorageLayout":$storageLayout
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    TypeBuilderWithInferredContext<(ins
        "::llvm::ArrayRef<int64_t>":$shape, "::mlir::Type":$elementType,
        "::llvm::ArrayRef<int64_t>":$blockShape,
        CArg<"::mlir::Type", "{}">:$scaleType,
        CArg<"::mlir::mx::ScaleLayout",
             "::mlir::mx::ScaleLayout::row_major">:$scaleLayout,
        CArg<"::mlir::mx::StorageLayout",
             "::mlir::mx::StorageLayout::row_major">:$storageLayout), [{
      if (!scaleType)
        scaleType = ::mlir::Float8E8M0FNUType::get(elementType.getContext());
      return $_get(elementType.getContext(), shape, elementType, blockShape,
                   scaleType, scaleLayout, storageLayout);
    }]>
  ];
  let extraClassDeclaration = [{
    int64_t getRank() const { return getShape().size(); }
    bool hasStaticShape() const {
      return !::llvm::any_of(getShape(), ::mlir::ShapedType::isDynamic);
    }
    /// The numerics-library format of the element type; not for two-level
    /// tensors (isTwoLevel()).
    ::mlir::mx::numerics::ElementFormat getFormat() const;
    /// True when the elements are a `!mx.microexp` format (MX9, MX6, MX4).
    bool isTwoLevel() const {
      return ::llvm::isa<SharedMicroexponentType>(getElementType());
    }
    /// The two-level format with this tensor's block size (isTwoLevel()).
    ::mlir::mx::numerics::SharedMicroexponentFormat getTwoLevelFormat() const;
    /// The packed storage of a two-level tensor: `tensor<` block grid `x`
    /// bytes per block `x i8>`.
    ::mlir::RankedTensorType getTwoLevelStorageType() const;
    /// How the lowering stores the element codes of a one-level tensor:
    /// `i8`, FP4 two codes to a byte along the innermost dimension (its
    /// extent halved, rounded up).
    ::mlir::RankedTensorType getCodeStorageType() const;
    /// The dimension the blocks run along (the one block size > 1 of a
    /// 1-D block; the first for a 2-D block).
    int64_t getBlockedAxis() const;
    /// ceil(dim / block) per dimension; dynamic stays dynamic.
    ::llvm::SmallVector<int64_t> getScaleShape() const;
    /// The tensor of elements alone: `tensor<shape x element-type>`.
    ::mlir::RankedTensorType getElementsType() const;
    /// The tensor of scales alone: `tensor<scale-shape x scale-type>`,
    /// whatever the layout.
    ::mlir::RankedTensorType getScalesType() const;
    bool hasSwizzledScales() const {
      return getScaleLayout() == ::mlir::mx::ScaleLayout::swizzled;
    }
    /// The scales as stored: getScalesType() in row-major layout, one 1-D
    /// tensor of the padded tiles when swizzled.
    ::mlir::RankedTensorType getScaleStorageType() const;
    /// Rows and columns of the scale matrix the swizzled layout tiles:
    /// (unblocked extent, blocks along the blocked axis).
    std::pair<int64_t, int64_t> getScaleMatrixShape() const;
    /// The same type with scales in `layout`.
    BlockTensorType withScaleLayout(::mlir::mx::ScaleLayout layout) const;
    bool hasPanels() const {
      return getStorageLayout() == ::mlir::mx::StorageLayout::panels;
    }
    /// The same type with codes and scales in `layout`.
    BlockTensorType withStorageLayout(::mlir::mx::StorageLayout layout) const;
    /// The element tensor as mx.pack and mx.unpack take it:
    /// getElementsType(), or in the panels layout
    /// `tensor<N/256 x K x 256 x element-type>`.
    ::mlir::RankedTensorType getElementStorageType() const;
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
