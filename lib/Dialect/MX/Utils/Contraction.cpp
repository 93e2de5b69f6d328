//===- Contraction.cpp - Matrix products read from linalg ops -------------===//

#include "mx/Dialect/MX/Utils/Contraction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include <cstring>

using namespace mlir;
using namespace mlir::mx;

static bool isMXInputType(Type type) {
  return type.isF32() || type.isBF16() || type.isF16();
}

FailureOr<Contraction> mlir::mx::analyzeContraction(linalg::LinalgOp op,
                                                    std::string &reason) {
  auto fail = [&](StringRef why) -> FailureOr<Contraction> {
    reason = why.str();
    return failure();
  };
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return fail("not a two-operand contraction");
  if (!linalg::isaContractionOpInterface(op))
    return fail("not a multiply-add contraction");
  Contraction c;
  c.a = op.getDpsInputOperand(0)->get();
  c.b = op.getDpsInputOperand(1)->get();
  c.init = op.getDpsInitOperand(0)->get();
  for (Value v : {c.a, c.b, c.init}) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type)
      return fail("operands are not tensors");
    if (!type.hasStaticShape())
      return fail("dynamic shapes are not handled");
    if (!isMXInputType(type.getElementType()))
      return fail("element types other than f32, bf16 and f16 stay as they are");
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto dimsOf = [](AffineMap map, SmallVector<int64_t> &dims) {
    for (AffineExpr e : map.getResults()) {
      auto dim = dyn_cast<AffineDimExpr>(e);
      if (!dim)
        return false;
      dims.push_back(dim.getPosition());
    }
    return true;
  };
  if (!dimsOf(maps[0], c.aDims) || !dimsOf(maps[1], c.bDims) ||
      !dimsOf(maps[2], c.cDims))
    return fail("an indexing map is not a permutation of loops");
  auto has = [](ArrayRef<int64_t> dims, int64_t d) {
    return llvm::is_contained(dims, d);
  };
  for (int64_t d = 0, e = op.getNumLoops(); d < e; ++d) {
    bool inA = has(c.aDims, d), inB = has(c.bDims, d), inC = has(c.cDims, d);
    int64_t *slot = inA && inB && inC  ? &c.batch
                    : inA && inB       ? &c.k
                    : inA && inC       ? &c.m
                    : inB && inC       ? &c.n
                                       : nullptr;
    if (!slot || *slot != -1)
      return fail("more than one batch, M, N or K dimension");
    *slot = d;
  }
  if (c.k == -1)
    return fail("no reduction dimension");
  auto layout = [&] {
    SmallVector<int64_t> dims;
    for (int64_t d : {c.batch, c.m, c.n})
      if (d != -1)
        dims.push_back(d);
    return dims;
  };
  if (c.cDims != layout()) {
    // The operand that indexes the result's columns comes first (as in a
    // gradient's G W^T written with W first): the product is the same with
    // the operands swapped.
    std::swap(c.a, c.b);
    std::swap(c.aDims, c.bDims);
    std::swap(c.m, c.n);
  }
  if (c.cDims != layout())
    return fail("the result is not laid out as (batch, M, N)");
  if ((c.batch != -1 && (c.aDims.front() != c.batch || c.bDims.front() != c.batch)))
    return fail("the batch dimension is not the operands' outermost");
  return c;
}

/// The f32 M x N product as the result slice's shape (M and/or N may be
/// missing: unit dimensions collapse away).
static Value fromMatrix(OpBuilder &b, Location loc, Value product,
                 RankedTensorType sliceType) {
  if (sliceType.getRank() == 2)
    return product;
  SmallVector<ReassociationIndices> reassociation;
  if (sliceType.getRank() == 1)
    reassociation.push_back({0, 1});
  return tensor::CollapseShapeOp::create(
      b, loc,
      RankedTensorType::get(sliceType.getShape(),
                            cast<ShapedType>(product.getType()).getElementType()),
      product, reassociation);
}

bool mlir::mx::isZeroInit(Value value) {
  if (auto fill = value.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  return matchPattern(value, m_AnyZeroFloat());
}

Value mlir::mx::accumulateInto(OpBuilder &b, Location loc, Value product,
                              Value init, bool initIsZero) {
  auto initType = cast<RankedTensorType>(init.getType());
  product = fromMatrix(b, loc, product, initType);
  Type f32 = b.getF32Type();
  Type resultElement = initType.getElementType();
  if (!initIsZero) {
    Value wideInit =
        resultElement == f32
            ? init
            : arith::ExtFOp::create(
                  b, loc, RankedTensorType::get(initType.getShape(), f32), init)
                  .getResult();
    product = arith::AddFOp::create(b, loc, wideInit, product);
  }
  if (resultElement != f32)
    product = arith::TruncFOp::create(b, loc, initType, product);
  return product;
}

bool mlir::mx::derivesFromWeight(Value value) {
  while (true) {
    if (matchPattern(value, m_Constant()))
      return true;
    if (auto argument = dyn_cast<BlockArgument>(value)) {
      auto function =
          dyn_cast<FunctionOpInterface>(argument.getOwner()->getParentOp());
      return function && argument.getOwner()->isEntryBlock() &&
             function.getArgAttr(argument.getArgNumber(), "mx.weight");
    }
    Operation *op = value.getDefiningOp();
    if (isa<arith::ExtFOp, arith::TruncFOp, tensor::CollapseShapeOp,
            tensor::ExpandShapeOp, tensor::CastOp, tensor::ExtractSliceOp>(
            op)) {
      value = op->getOperand(0);
      continue;
    }
    if (isa<linalg::TransposeOp, linalg::BroadcastOp>(op)) {
      value = cast<linalg::LinalgOp>(op).getDpsInputOperand(0)->get();
      continue;
    }
    return false;
  }
}

/// The constant value of `value` through layout ops, or null.
static DenseElementsAttr constantLayout(Value value) {
  DenseElementsAttr constant;
  if (matchPattern(value, m_Constant(&constant)))
    return constant;
  Operation *op = value.getDefiningOp();
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!op || !type || !type.hasStaticShape())
    return nullptr;
  if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::CastOp>(op)) {
    DenseElementsAttr source = constantLayout(op->getOperand(0));
    return source ? source.reshape(type) : nullptr;
  }
  auto transpose = dyn_cast<linalg::TransposeOp>(op);
  auto broadcast = dyn_cast<linalg::BroadcastOp>(op);
  if (!transpose && !broadcast)
    return nullptr;
  DenseElementsAttr source = constantLayout(op->getOperand(0));
  if (!source)
    return nullptr;
  if (source.isSplat())
    return DenseElementsAttr::get(type, source.getSplatValue<Attribute>());
  // Each result element reads the source element its index maps to.
  auto sourceType = cast<RankedTensorType>(source.getType());
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> sourceStrides(sourceType.getRank(), 1);
  for (int64_t d = sourceType.getRank() - 2; d >= 0; --d)
    sourceStrides[d] = sourceStrides[d + 1] * sourceType.getDimSize(d + 1);
  // For result dimension d, the source dimension it indexes (or -1).
  SmallVector<int64_t> sourceDim(shape.size(), -1);
  if (transpose) {
    for (auto [d, p] : llvm::enumerate(transpose.getPermutation()))
      sourceDim[d] = p;
  } else {
    int64_t next = 0;
    for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d)
      if (!llvm::is_contained(broadcast.getDimensions(), d))
        sourceDim[d] = next++;
  }
  // The result's elements in row-major order, as flat source indices.
  SmallVector<int64_t> gather;
  gather.reserve(type.getNumElements());
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t n = 0; n < type.getNumElements(); ++n) {
    int64_t at = 0;
    for (auto [d, i] : llvm::enumerate(index))
      if (sourceDim[d] >= 0)
        at += i * sourceStrides[sourceDim[d]];
    gather.push_back(at);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return gatherConstant(source, type, gather);
}

DenseElementsAttr mlir::mx::gatherConstant(DenseElementsAttr source,
                                           RankedTensorType type,
                                           ArrayRef<int64_t> sourceIndices) {
  if (source.isSplat())
    return DenseElementsAttr::get(type, source.getSplatValue<Attribute>());
  // Whole-byte elements are copied as bytes: one attribute per element
  // would be uniqued in the context (minutes for a model's weights).
  Type element = source.getElementType();
  if (element.isIntOrFloat() && element.getIntOrFloatBitWidth() % 8 == 0) {
    size_t bytes = element.getIntOrFloatBitWidth() / 8;
    ArrayRef<char> raw = source.getRawData();
    std::vector<char> data(sourceIndices.size() * bytes);
    for (auto [n, at] : llvm::enumerate(sourceIndices))
      std::memcpy(&data[n * bytes], &raw[at * bytes], bytes);
    return DenseElementsAttr::getFromRawBuffer(type, data);
  }
  SmallVector<Attribute> sourceValues(source.getValues<Attribute>());
  SmallVector<Attribute> values;
  values.reserve(sourceIndices.size());
  for (int64_t at : sourceIndices)
    values.push_back(sourceValues[at]);
  return DenseElementsAttr::get(type, values);
}

Value mlir::mx::foldWeightLayout(OpBuilder &b, Value value) {
  if (matchPattern(value, m_Constant()))
    return value;
  DenseElementsAttr constant = constantLayout(value);
  if (!constant)
    return value;
  return arith::ConstantOp::create(b, value.getLoc(), constant);
}
