//===- TwoLevelToLinalg.cpp - MX9/MX6/MX4 quantize and dequantize ---------===//
//
// Quantize: the input, zero-padded to whole blocks, is viewed as
// (..., block, sub-block, element, ...) along the blocked axis; reductions
// give each sub-block's and block's largest magnitude, from which the
// shared exponent E, the microexponents and the element codes follow, and
// a last generic bit-packs them into the stored blocks. Dequantize reads
// each element's bits back from its block. Padding with zeros is what the
// numerics library does: a zero element has code 0, and an empty or zero
// sub-block takes the largest microexponent.
//
//===----------------------------------------------------------------------===//

#include "mx/Conversion/MXCommon/MXCommon.h"
#include "mx/Conversion/MXCommon/TwoLevelLowering.h"
#include "mx/Dialect/MX/Utils/ArithEmitter.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

/// The static facts of a two-level type that the generated code uses.
struct TwoLevelShape {
  num::SharedMicroexponentFormat format;
  SmallVector<int64_t> shape;
  int64_t axis, blocks, subBlocks, microBytes, blockBytes;

  explicit TwoLevelShape(BlockTensorType type)
      : format(type.getTwoLevelFormat()), shape(type.getShape()),
        axis(type.getBlockedAxis()) {
    blocks = llvm::divideCeil(shape[axis], format.blockSize);
    subBlocks = format.subBlocksPerBlock();
    microBytes = llvm::divideCeil(subBlocks * format.microexponentBits, 8);
    blockBytes = format.packedBlockBytes();
  }
  int64_t rank() const { return shape.size(); }
  int64_t codeBits() const { return 1 + format.magnitudeBits; }
  /// `shape` with the axis replaced by `along`.
  SmallVector<int64_t> around(ArrayRef<int64_t> along) const {
    SmallVector<int64_t> result(shape.begin(), shape.begin() + axis);
    llvm::append_range(result, along);
    result.append(shape.begin() + axis + 1, shape.end());
    return result;
  }
};

/// 2^e (e: i32) as an f64, for e in f64's normal range.
Value pow2(ArithEmitter &a, Value e) {
  Value bits =
      arith::ExtSIOp::create(a.b, a.loc, a.b.getI64Type(), a.add(e, a.c(1023)));
  bits = a.shl(bits, a.c(52, a.b.getI64Type()));
  return a.bitcast(a.b.getF64Type(), bits);
}

/// An index as an i32 (the low 32 bits, negative ones included).
Value toI32(ArithEmitter &a, Value index) {
  return a.indexCast(a.b.getI32Type(), index);
}

Value emptyTensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                  Type element) {
  return tensor::EmptyOp::create(b, loc, shape, element);
}

/// The map from `rank` loop dimensions to those not in `dropped`.
AffineMap dropDims(MLIRContext *context, int64_t rank,
                   ArrayRef<int64_t> dropped) {
  SmallVector<AffineExpr> results;
  for (int64_t d = 0; d < rank; ++d)
    if (!llvm::is_contained(dropped, d))
      results.push_back(getAffineDimExpr(d, context));
  return AffineMap::get(rank, 0, results, context);
}

/// max |x| over dimension `reduced` of `input` (f32 or narrower), in f32;
/// NaN propagates (arith.maximumf), so a NaN or Inf shows in the result.
Value reduceAmax(OpBuilder &b, Location loc, Value input, int64_t reduced) {
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + reduced);
  Value zero =
      arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(0.0f));
  Value init = linalg::FillOp::create(
                   b, loc, ValueRange{zero},
                   ValueRange{emptyTensor(b, loc, shape, b.getF32Type())})
                   .getResult(0);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[reduced] = utils::IteratorType::reduction;
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{input}, ValueRange{init},
             SmallVector<AffineMap>{b.getMultiDimIdentityMap(rank),
                                    dropDims(b.getContext(), rank, {reduced})},
             iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value x = args[0];
               if (!x.getType().isF32())
                 x = arith::ExtFOp::create(nb, nl, nb.getF32Type(), x);
               Value magnitude = math::AbsFOp::create(nb, nl, x);
               linalg::YieldOp::create(
                   nb, nl,
                   arith::MaximumFOp::create(nb, nl, args[1], magnitude)
                       .getResult());
             })
      .getResult(0);
}

/// An elementwise generic over the shape of `inputs[0]` (identity map)
/// with the other inputs broadcast along `dropped[i]` of theirs.
Value buildMapped(OpBuilder &b, Location loc, ArrayRef<Value> inputs,
                  ArrayRef<SmallVector<int64_t>> dropped, Type resultElement,
                  function_ref<Value(ArithEmitter &, ValueRange)> body) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank)};
  for (const SmallVector<int64_t> &dims : dropped)
    maps.push_back(dropDims(b.getContext(), rank, dims));
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = emptyTensor(b, loc, type.getShape(), resultElement);
  return linalg::GenericOp::create(
             b, loc, init.getType(), inputs, ValueRange{init}, maps,
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               ArithEmitter a(nb, nl);
               linalg::YieldOp::create(nb, nl, body(a, args.drop_back()));
             })
      .getResult(0);
}

/// floor(log2 x) of a finite f32 x > 0, subnormals included: its exponent
/// once widened to f64, where every f32 is normal.
Value exponentOf(ArithEmitter &a, Value x) {
  Value wide = arith::ExtFOp::create(a.b, a.loc, a.b.getF64Type(), x);
  Value bits = arith::BitcastOp::create(a.b, a.loc, a.b.getI64Type(), wide);
  bits = arith::ShRUIOp::create(
      a.b, a.loc, bits,
      arith::ConstantIntOp::create(a.b, a.loc, a.b.getI64Type(), 52));
  Value field = arith::TruncIOp::create(a.b, a.loc, a.b.getI32Type(), bits);
  return a.sub(a.band(field, a.c(0x7FF)), a.c(1023));
}

/// The `width`-bit field at bit `bit` (index) of the bit stream that starts
/// at byte `first` of block `grid` in `storage`: the byte there and the
/// next one (within the block), as i32.
Value readBits(ArithEmitter &a, Value storage, ArrayRef<Value> grid,
               int64_t first, Value bit, unsigned width, int64_t blockBytes) {
  Value byte = a.add(a.cIndex(first), a.divU(bit, a.cIndex(8)));
  Value next = arith::MinUIOp::create(a.b, a.loc, a.add(byte, a.cIndex(1)),
                                      a.cIndex(blockBytes - 1));
  auto load = [&](Value at) {
    SmallVector<Value> indices(grid);
    indices.push_back(at);
    Value v = tensor::ExtractOp::create(a.b, a.loc, storage, indices);
    return arith::ExtUIOp::create(a.b, a.loc, a.b.getI32Type(), v).getResult();
  };
  Value pair = a.bor(load(byte), a.shl(load(next), a.c(8)));
  Value shift = toI32(a, a.remU(bit, a.cIndex(8)));
  return a.band(a.shr(pair, shift), a.c((1 << width) - 1));
}

/// Byte `j - first` (j: index) of a stream of `count` fields of `width`
/// bits, field i being `field(i)` (i: a valid index): the bits of every
/// field that overlaps it.
Value packByte(ArithEmitter &a, Value j, int64_t first, unsigned width,
               int64_t count, function_ref<Value(Value)> field) {
  Value p = toI32(a, a.mul(a.sub(j, a.cIndex(first)), a.cIndex(8)));
  Value firstField = arith::FloorDivSIOp::create(a.b, a.loc, p, a.c(width));
  Value byte = a.c(0);
  for (unsigned c = 0; c <= 8 / width + 1; ++c) {
    Value i = a.add(firstField, a.c(c));
    Value valid = arith::AndIOp::create(
        a.b, a.loc, a.cmp(arith::CmpIPredicate::sge, i, a.c(0)),
        a.cmp(arith::CmpIPredicate::slt, i, a.c(count)));
    Value clamped = a.minS(a.maxS(i, a.c(0)), a.c(count - 1));
    Value value = field(
        arith::IndexCastOp::create(a.b, a.loc, a.b.getIndexType(), clamped));
    // The field's offset from the byte's first bit, either way.
    Value offset = a.sub(a.mul(i, a.c(width)), p);
    Value up = a.cmp(arith::CmpIPredicate::sge, offset, a.c(0));
    Value shifted =
        a.select(up, a.shl(value, a.maxS(offset, a.c(0))),
                 a.shr(value, a.maxS(a.sub(a.c(0), offset), a.c(0))));
    byte = a.bor(byte, a.select(valid, shifted, a.c(0)));
  }
  return byte;
}

} // namespace

Value mlir::mx::buildTwoLevelQuantize(OpBuilder &b, Location loc, Value input,
                                      BlockTensorType type, Rounding rounding) {
  TwoLevelShape t(type);
  const num::SharedMicroexponentFormat &f = t.format;
  const int64_t a = t.axis, k1 = f.blockSize, k2 = f.subBlockSize;
  const int m = int(f.magnitudeBits);
  auto inputType = cast<RankedTensorType>(input.getType());
  Type element = inputType.getElementType();

  // Whole blocks, then (..., block, sub-block, element, ...) along the axis.
  if (t.shape[a] % k1 != 0) {
    SmallVector<int64_t> padded(t.shape);
    padded[a] = t.blocks * k1;
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
    input = tensor::createPadHighOp(RankedTensorType::get(padded, element),
                                    input, zero, /*nofold=*/false, loc, b);
  }
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < t.rank(); ++d)
    groups.push_back(d == a ? ReassociationIndices{a, a + 1, a + 2}
                            : ReassociationIndices{d < a ? d : d + 2});
  Value split = tensor::ExpandShapeOp::create(
      b, loc,
      RankedTensorType::get(t.around({t.blocks, t.subBlocks, k2}), element),
      input, groups);

  Value subMax = reduceAmax(b, loc, split, a + 2);    // (..., block, sub, ...)
  Value blockMax = reduceAmax(b, loc, subMax, a + 1); // (..., block, ...)

  // E as an E8M0 code: amax's f32 exponent field (0 for a zero or
  // subnormal amax, which clamps E to -127; 0xFF for NaN or Inf).
  Value exponents =
      buildMapped(b, loc, {blockMax}, {}, b.getI32Type(),
                  [&](ArithEmitter &ar, ValueRange x) {
                    Value bits = arith::BitcastOp::create(
                        ar.b, ar.loc, ar.b.getI32Type(), x[0]);
                    return ar.band(ar.shr(bits, ar.c(23)), ar.c(0xFF));
                  });

  const int maxMicro = int(f.maxMicroexponent());
  Value micros = buildMapped(
      b, loc, {subMax, exponents}, {{a + 1}}, b.getI32Type(),
      [&](ArithEmitter &ar, ValueRange x) {
        Value code = x[1];
        Value zero = arith::CmpFOp::create(
            ar.b, ar.loc, arith::CmpFPredicate::OEQ, x[0],
            arith::ConstantFloatOp::create(ar.b, ar.loc, ar.b.getF32Type(),
                                           APFloat(0.0f)));
        // Clamped to [0, maxMicro] before any use: the exponent of a zero
        // sub-block is garbage, selected away.
        Value below =
            ar.sub(ar.sub(code, ar.c(num::kE8M0Bias)), exponentOf(ar, x[0]));
        Value micro = ar.minS(ar.maxS(below, ar.c(0)), ar.c(maxMicro));
        micro = ar.select(zero, ar.c(maxMicro), micro);
        Value nan = ar.cmp(arith::CmpIPredicate::eq, code, ar.c(0xFF));
        return ar.select(nan, ar.c(0), micro);
      });

  const int64_t maxMagnitude = f.maxMagnitude();
  Value codes = buildMapped(
      b, loc, {split, exponents, micros}, {{a + 1, a + 2}, {a + 2}},
      b.getI32Type(), [&](ArithEmitter &ar, ValueRange x) {
        Value value = x[0];
        if (!value.getType().isF32()) // f16/bf16 -> f32 is exact
          value = arith::ExtFOp::create(ar.b, ar.loc, ar.b.getF32Type(), value);
        // |x| / 2^(E - mu + 1 - m), exact in f64; below 2^(m + mu + 1).
        Value step = ar.add(ar.sub(ar.sub(x[1], ar.c(num::kE8M0Bias)), x[2]),
                            ar.c(1 - m));
        Value wide =
            arith::ExtFOp::create(ar.b, ar.loc, ar.b.getF64Type(), value);
        Value quotient = arith::MulFOp::create(
            ar.b, ar.loc, math::AbsFOp::create(ar.b, ar.loc, wide),
            pow2(ar, ar.sub(ar.c(0), step)));
        if (rounding == Rounding::rne)
          quotient = math::RoundEvenOp::create(ar.b, ar.loc, quotient);
        // fptoui truncates: that is rtz, and exact after roundeven.
        Value magnitude =
            arith::FPToUIOp::create(ar.b, ar.loc, ar.b.getI32Type(), quotient);
        magnitude =
            arith::MinUIOp::create(ar.b, ar.loc, magnitude, ar.c(maxMagnitude));
        Value bits =
            arith::BitcastOp::create(ar.b, ar.loc, ar.b.getI32Type(), value);
        Value sign = ar.shl(ar.shr(bits, ar.c(31)), ar.c(m));
        Value code = ar.bor(sign, magnitude);
        Value nan = ar.cmp(arith::CmpIPredicate::eq, x[1], ar.c(0xFF));
        return ar.select(nan, ar.c(0), code);
      });

  // The stored blocks: byte j of a block is E (j = 0), microexponent bits,
  // or element-code bits, gathered from the tensors above.
  RankedTensorType storageType = getStorageType(type);
  int64_t storageRank = storageType.getRank();
  Value init = emptyTensor(b, loc, storageType.getShape(), b.getI8Type());
  return linalg::GenericOp::create(
             b, loc, storageType, ValueRange{}, ValueRange{init},
             SmallVector<AffineMap>{b.getMultiDimIdentityMap(storageRank)},
             SmallVector<utils::IteratorType>(storageRank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange) {
               ArithEmitter ar(nb, nl);
               SmallVector<Value> grid;
               for (int64_t d = 0; d + 1 < storageRank; ++d)
                 grid.push_back(linalg::IndexOp::create(nb, nl, d));
               Value j = linalg::IndexOp::create(nb, nl, storageRank - 1);
               // Indices into the (..., block, [sub-block, [element,]] ...)
               // tensors for the given inner positions.
               auto at = [&](ArrayRef<Value> inner) {
                 SmallVector<Value> indices(grid.begin(), grid.begin() + a + 1);
                 llvm::append_range(indices, inner);
                 indices.append(grid.begin() + a + 1, grid.end());
                 return indices;
               };
               Value exponent =
                   tensor::ExtractOp::create(nb, nl, exponents, at({}));
               Value microByte = ar.c(0);
               if (f.microexponentBits > 0)
                 microByte = packByte(ar, j, 1, f.microexponentBits,
                                      t.subBlocks, [&](Value s) -> Value {
                                        return tensor::ExtractOp::create(
                                            nb, nl, micros, at({s}));
                                      });
               Value codeByte = packByte(ar, j, 1 + t.microBytes, t.codeBits(),
                                         k1, [&](Value e) -> Value {
                                           Value s = ar.divU(e, ar.cIndex(k2));
                                           Value i = ar.remU(e, ar.cIndex(k2));
                                           return tensor::ExtractOp::create(
                                               nb, nl, codes, at({s, i}));
                                         });
               Value inMicro = ar.cmp(arith::CmpIPredicate::ult, j,
                                      ar.cIndex(1 + t.microBytes));
               Value byte = ar.select(inMicro, microByte, codeByte);
               Value isExponent =
                   ar.cmp(arith::CmpIPredicate::eq, j, ar.cIndex(0));
               byte = ar.select(isExponent, exponent, byte);
               linalg::YieldOp::create(
                   nb, nl,
                   arith::TruncIOp::create(nb, nl, nb.getI8Type(), byte)
                       .getResult());
             })
      .getResult(0);
}

Value mlir::mx::buildTwoLevelDequantize(OpBuilder &b, Location loc,
                                        Value storage, BlockTensorType type,
                                        Type resultElementType) {
  TwoLevelShape t(type);
  const num::SharedMicroexponentFormat &f = t.format;
  const int64_t a = t.axis;
  const int m = int(f.magnitudeBits);
  Value init = emptyTensor(b, loc, t.shape, resultElementType);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{}, ValueRange{init},
             SmallVector<AffineMap>{b.getMultiDimIdentityMap(t.rank())},
             SmallVector<utils::IteratorType>(t.rank(),
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange) {
               ArithEmitter ar(nb, nl);
               SmallVector<Value> grid;
               for (int64_t d = 0; d < t.rank(); ++d)
                 grid.push_back(linalg::IndexOp::create(nb, nl, d));
               Value along = grid[a];
               grid[a] = ar.divU(along, ar.cIndex(f.blockSize));
               Value e = ar.remU(along, ar.cIndex(f.blockSize));
               SmallVector<Value> first(grid);
               first.push_back(ar.cIndex(0));
               Value exponent = arith::ExtUIOp::create(
                   nb, nl, nb.getI32Type(),
                   tensor::ExtractOp::create(nb, nl, storage, first));
               Value micro = ar.c(0);
               if (f.microexponentBits > 0)
                 micro = readBits(ar, storage, grid, 1,
                                  ar.mul(ar.divU(e, ar.cIndex(f.subBlockSize)),
                                         ar.cIndex(f.microexponentBits)),
                                  f.microexponentBits, t.blockBytes);
               Value code = readBits(ar, storage, grid, 1 + t.microBytes,
                                     ar.mul(e, ar.cIndex(t.codeBits())),
                                     t.codeBits(), t.blockBytes);
               // magnitude * 2^(E - mu + 1 - m): exact in f64 and in f32.
               Value magnitude = arith::UIToFPOp::create(
                   nb, nl, nb.getF64Type(),
                   ar.band(code, ar.c(f.maxMagnitude())));
               Value step =
                   ar.add(ar.sub(ar.sub(exponent, ar.c(num::kE8M0Bias)), micro),
                          ar.c(1 - m));
               Value wide =
                   arith::MulFOp::create(nb, nl, magnitude, pow2(ar, step));
               Value value =
                   arith::TruncFOp::create(nb, nl, nb.getF32Type(), wide);
               Value negative = ar.cmp(arith::CmpIPredicate::ne,
                                       ar.band(code, ar.c(1 << m)), ar.c(0));
               value = ar.select(negative, arith::NegFOp::create(nb, nl, value),
                                 value);
               Value nan = arith::ConstantFloatOp::create(
                   nb, nl, nb.getF32Type(),
                   APFloat::getQNaN(APFloat::IEEEsingle()));
               value = ar.select(
                   ar.cmp(arith::CmpIPredicate::eq, exponent, ar.c(0xFF)), nan,
                   value);
               if (!resultElementType.isF32()) // one rounding, to nearest even
                 value =
                     arith::TruncFOp::create(nb, nl, resultElementType, value);
               linalg::YieldOp::create(nb, nl, value);
             })
      .getResult(0);
}

namespace {

struct TwoLevelQuantizeLowering final : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(QuantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    BlockTensorType type = op.getType();
    if (!type.isTwoLevel())
      return rewriter.notifyMatchFailure(op, "not a two-level result");
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes are not lowered");
    Value storage =
        buildTwoLevelQuantize(rewriter, op.getLoc(), adaptor.getInput().front(),
                              type, op.getRounding());
    rewriter.replaceOpWithMultiple(op, {{storage}});
    return success();
  }
};

struct TwoLevelDequantizeLowering final : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(DequantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    BlockTensorType type = op.getInput().getType();
    if (!type.isTwoLevel())
      return rewriter.notifyMatchFailure(op, "not a two-level input");
    if (!type.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes are not lowered");
    rewriter.replaceOp(op, buildTwoLevelDequantize(
                               rewriter, op.getLoc(), adaptor.getInput()[0],
                               type, op.getType().getElementType()));
    return success();
  }
};

} // namespace

void mlir::mx::populateMXTwoLevelToLinalgConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<TwoLevelQuantizeLowering, TwoLevelDequantizeLowering>(
      converter, patterns.getContext());
}
