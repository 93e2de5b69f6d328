//===- QuantizeContraction.cpp - One linalg contraction into MX -----------===//

#include "QuantizeContraction.h"

#include "mx/Dialect/MX/Utils/Contraction.h"
#include "mx/Numerics/Hadamard.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::mx;

/// A 2-D constant transposed at compile time.
static DenseElementsAttr transposeConstant(DenseElementsAttr value) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  SmallVector<int64_t> indices;
  indices.reserve(rows * cols);
  for (int64_t col = 0; col < cols; ++col)
    for (int64_t r = 0; r < rows; ++r)
      indices.push_back(r * cols + col);
  return gatherConstant(
      value, RankedTensorType::get({cols, rows}, type.getElementType()),
      indices);
}

static Value transpose(OpBuilder &b, Location loc, Value value) {
  DenseElementsAttr constant;
  if (matchPattern(value, m_Constant(&constant)))
    return arith::ConstantOp::create(b, loc, transposeConstant(constant));
  auto type = cast<RankedTensorType>(value.getType());
  Value init = tensor::EmptyOp::create(
      b, loc, ArrayRef<int64_t>{type.getDimSize(1), type.getDimSize(0)},
      type.getElementType());
  return linalg::TransposeOp::create(b, loc, value, init,
                                     ArrayRef<int64_t>{1, 0})
      .getResult()[0];
}

/// `value` (an operand without its batch dimension, dimensions in `dims`
/// order) as the 2-D matrix (`rowDim` x `colDim`); a missing dimension
/// (-1) becomes a unit one.
static Value asMatrix(OpBuilder &b, Location loc, Value value,
                      ArrayRef<int64_t> dims, int64_t rowDim, int64_t colDim) {
  auto type = cast<RankedTensorType>(value.getType());
  if (dims.size() == 1) {
    SmallVector<int64_t> shape =
        rowDim == -1 ? SmallVector<int64_t>{1, type.getDimSize(0)}
                     : SmallVector<int64_t>{type.getDimSize(0), 1};
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), value,
        SmallVector<ReassociationIndices>{{0, 1}});
  }
  return dims[0] == rowDim ? value : transpose(b, loc, value);
}

/// For the quantize of a weight stored transposed (`linalg.transpose` of
/// an N x K tensor, quantized in blocks along K): the quantize of the N x K
/// tensor in row blocks, then `mx.transpose` of its codes and scales. Each
/// block holds the same elements in the same order, so the codes and scales
/// are the same, and the row kernel plus a transpose of 1-byte codes is 65x
/// faster than an f32 transpose plus a quantize in column blocks (1024 x
/// 1024). Null where that does not hold or gain: stochastic rounding (its
/// random bits follow an element's position), NVFP4, f32 tile scales,
/// two-level formats, a constant (transposed at compile time), and sources
/// whose blocks would run down columns (an activation's X^T).
static Value quantizeBeforeTranspose(OpBuilder &b, Location loc, Value matrix,
                                     BlockTensorType type,
                                     const OperandQuantization &operand) {
  auto transposeOp = matrix.getDefiningOp<linalg::TransposeOp>();
  if (!transposeOp || operand.scaleType ||
      operand.rounding == Rounding::stochastic || type.isTwoLevel() ||
      matchPattern(transposeOp.getInput(), m_Constant()))
    return Value();
  ArrayRef<int64_t> permutation = transposeOp.getPermutation();
  SmallVector<int64_t> sourceBlock(permutation.size());
  for (auto [resultDim, sourceDim] : llvm::enumerate(permutation))
    sourceBlock[sourceDim] = type.getBlockShape()[resultDim];
  if (!llvm::all_of(ArrayRef<int64_t>(sourceBlock).drop_back(),
                    [](int64_t size) { return size == 1; }))
    return Value();
  auto sourceType = cast<RankedTensorType>(transposeOp.getInput().getType());
  Value quantized = QuantizeOp::create(
      b, loc,
      BlockTensorType::get(sourceType.getShape(), type.getElementType(),
                           sourceBlock, type.getScaleType()),
      transposeOp.getInput(), Value(), Value(), operand.scaleRule,
      operand.rounding, operand.seed);
  Value moved = TransposeOp::create(b, loc, type, quantized, permutation);
  // The f32 transpose (asMatrix's, or the model's if only this read it) and
  // its init are dead now. Roles and kinds were decided before any rewrite.
  if (transposeOp->use_empty()) {
    Operation *init = transposeOp.getInit().getDefiningOp();
    transposeOp->erase();
    if (isa_and_nonnull<tensor::EmptyOp>(init) && init->use_empty())
      init->erase();
  }
  return moved;
}

/// init + (A2 B2 in MX), in the slice's type: the 2-D recipe.
static Value multiply(OpBuilder &b, Location loc,
                      const ProductQuantization &quantization, Value a2,
                      Value b2, Value init, bool initIsZero) {
  // NVFP4 operands' tensor scales, multiplied into the product's alpha.
  Value alpha;
  auto quantize = [&](Value matrix, const OperandQuantization &operand,
                      ArrayRef<int64_t> block) -> Value {
    auto type = cast<RankedTensorType>(matrix.getType());
    Type format = operand.format;
    if (!format) // a role the policy keeps in f32: mx.matmul takes it as is
      return type.getElementType().isF32()
                 ? matrix
                 : arith::ExtFOp::create(
                       b, loc,
                       RankedTensorType::get(type.getShape(), b.getF32Type()),
                       matrix)
                       .getResult();
    SmallVector<int64_t> blockShape(block);
    if (operand.squareBlock)
      blockShape.assign(2, quantization.block);
    auto mxType = BlockTensorType::get(type.getShape(), format, blockShape,
                                       operand.scaleType);
    Value tensorScale;
    if (isa_and_nonnull<Float8E4M3FNType>(operand.scaleType)) {
      // NVFP4: amax / 2688 of this operand (a constant weight's folds).
      tensorScale = TensorScaleOp::create(b, loc, b.getF32Type(), matrix);
      alpha =
          alpha ? arith::MulFOp::create(b, loc, alpha, tensorScale).getResult()
                : tensorScale;
    }
    if (Value moved = quantizeBeforeTranspose(b, loc, matrix, mxType, operand))
      return moved;
    return QuantizeOp::create(b, loc, mxType, matrix, Value(), tensorScale,
                              operand.scaleRule, operand.rounding, operand.seed)
        .getResult();
  };
  auto aType = cast<RankedTensorType>(a2.getType());
  auto bType = cast<RankedTensorType>(b2.getType());
  if (quantization.hadamardSeed &&
      aType.getDimSize(1) % numerics::kHadamardBlock == 0) {
    // (a M^T)(M b) = a b, M = (1/4) H16 D block-diagonal along K; a
    // constant weight transforms (and then quantizes) at compile time.
    auto transform = [&](Value matrix, int64_t axis) -> Value {
      auto type = cast<RankedTensorType>(matrix.getType());
      if (!type.getElementType().isF32())
        matrix = arith::ExtFOp::create(
            b, loc, RankedTensorType::get(type.getShape(), b.getF32Type()),
            matrix);
      return HadamardOp::create(b, loc, matrix.getType(), matrix,
                                uint64_t(axis), *quantization.hadamardSeed,
                                /*inverse=*/false)
          .getResult();
    };
    a2 = transform(a2, 1);
    b2 = transform(b2, 0);
  }
  Value qa = quantize(a2, quantization.a, {1, quantization.block});
  Value qb = quantize(b2, quantization.b, {quantization.block, 1});
  Type f32 = b.getF32Type();
  Value product = MatmulOp::create(
      b, loc,
      RankedTensorType::get({aType.getDimSize(0), bType.getDimSize(1)}, f32),
      qa, qb, alpha);
  return accumulateInto(b, loc, product, init, initIsZero);
}

/// [[0, 1], [2], ...]: the reassociation that merges a unit batch away.
static SmallVector<ReassociationIndices> unitBatchReassociation(int64_t rank) {
  SmallVector<ReassociationIndices> reassociation{{0, 1}};
  for (int64_t d = 2; d < rank; ++d)
    reassociation.push_back({d});
  return reassociation;
}

static Value dropUnitBatch(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  auto sliceType = RankedTensorType::get(type.getShape().drop_front(),
                                         type.getElementType());
  DenseElementsAttr constant;
  if (matchPattern(value, m_Constant(&constant)))
    return arith::ConstantOp::create(b, loc, constant.reshape(sliceType));
  return tensor::CollapseShapeOp::create(
      b, loc, sliceType, value, unitBatchReassociation(type.getRank()));
}

Value mlir::mx::quantizeContraction(OpBuilder &b, linalg::LinalgOp op,
                                    const Contraction &c,
                                    const ProductQuantization &quantization) {
  Location loc = op.getLoc();
  bool initIsZero = isZeroInit(c.init);
  auto withoutBatch = [&](ArrayRef<int64_t> dims) {
    return c.batch == -1 ? SmallVector<int64_t>(dims)
                         : SmallVector<int64_t>(dims.drop_front());
  };
  auto product = [&](OpBuilder &nb, Value a, Value bv, Value init) {
    Value a2 = asMatrix(nb, loc, a, withoutBatch(c.aDims), c.m, c.k);
    Value b2 = asMatrix(nb, loc, bv, withoutBatch(c.bDims), c.k, c.n);
    return multiply(nb, loc, quantization, a2, b2, init, initIsZero);
  };
  if (c.batch == -1)
    return product(b, c.a, c.b, c.init);
  auto initType = cast<RankedTensorType>(c.init.getType());
  if (initType.getDimSize(0) == 1) {
    // A unit batch (TOSA's matmul) is reshaped away, not looped over, so a
    // constant operand stays a constant that quantizes at compile time.
    Value slice =
        product(b, dropUnitBatch(b, loc, c.a), dropUnitBatch(b, loc, c.b),
                dropUnitBatch(b, loc, c.init));
    return tensor::ExpandShapeOp::create(
        b, loc, initType, slice, unitBatchReassociation(initType.getRank()));
  }

  // One 2-D product per batch index, inserted into the result.
  auto sliceAt = [&](OpBuilder &nb, Value whole, Value index) {
    auto type = cast<RankedTensorType>(whole.getType());
    SmallVector<OpFoldResult> offsets(type.getRank(), nb.getIndexAttr(0)),
        sizes, strides(type.getRank(), nb.getIndexAttr(1));
    offsets[0] = index;
    sizes.push_back(nb.getIndexAttr(1));
    for (int64_t d = 1; d < type.getRank(); ++d)
      sizes.push_back(nb.getIndexAttr(type.getDimSize(d)));
    auto sliceType = RankedTensorType::get(type.getShape().drop_front(),
                                           type.getElementType());
    return std::make_tuple(tensor::ExtractSliceOp::create(nb, loc, sliceType,
                                                          whole, offsets, sizes,
                                                          strides)
                               .getResult(),
                           offsets, sizes, strides);
  };
  Value lower = arith::ConstantIndexOp::create(b, loc, 0);
  Value upper = arith::ConstantIndexOp::create(b, loc, initType.getDimSize(0));
  Value step = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, lower, upper, step, ValueRange{c.init},
      [&](OpBuilder &nb, Location, Value index, ValueRange carried) {
        Value a = std::get<0>(sliceAt(nb, c.a, index));
        Value bv = std::get<0>(sliceAt(nb, c.b, index));
        auto [init, offsets, sizes, strides] = sliceAt(nb, carried[0], index);
        Value slice = product(nb, a, bv, init);
        Value updated = tensor::InsertSliceOp::create(
            nb, loc, slice, carried[0], offsets, sizes, strides);
        scf::YieldOp::create(nb, loc, updated);
      });
  return loop.getResult(0);
}

Type mlir::mx::policyFormatType(MLIRContext *context, PolicyFormat format) {
  switch (format) {
  case PolicyFormat::None: // this role stays f32 (weight-only)
    return Type();
  case PolicyFormat::E4M3:
    return Float8E4M3FNType::get(context);
  case PolicyFormat::E5M2:
    return Float8E5M2Type::get(context);
  case PolicyFormat::E3M2:
    return Float6E3M2FNType::get(context);
  case PolicyFormat::E2M3:
    return Float6E2M3FNType::get(context);
  case PolicyFormat::E2M1:
    return Float4E2M1FNType::get(context);
  case PolicyFormat::INT8:
    return IntegerType::get(context, 8);
  case PolicyFormat::MX9:
  case PolicyFormat::MX6:
  case PolicyFormat::MX4: {
    const numerics::SharedMicroexponentFormat &f =
        format == PolicyFormat::MX9   ? numerics::kMX9
        : format == PolicyFormat::MX6 ? numerics::kMX6
                                      : numerics::kMX4;
    return SharedMicroexponentType::get(context, f.magnitudeBits,
                                        f.subBlockSize, f.microexponentBits);
  }
  case PolicyFormat::Recipe:
    break;
  }
  llvm_unreachable("a format the recipe resolves first");
}
