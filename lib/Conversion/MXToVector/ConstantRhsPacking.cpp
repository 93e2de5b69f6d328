//===- ConstantRhsPacking.cpp - Constant weights packed at compile time ---===//
//
// A model's weights are usually constants: after the policy's quantize folds,
// the rhs of mx.matmul is an mx.pack of constant codes and scales. Packing
// them on every call (MatmulPacking.cpp) costs a pass over all K x N
// weights, as much as the product itself for a small batch. Here the same
// packed buffers (the dot unit's values in panels, the integer dots' biases,
// the f32 scales, and the values times their scales where B allows folding)
// are computed once in C++ and stored as private constant memref.globals.
// They hold what the run-time packers would store, value for value, so the
// kernel computes the same bits either way.
//
//===----------------------------------------------------------------------===//

#include "MatmulPacking.h"

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Utils/PackedStorage.h"
#include "mx/Numerics/Scale.h"
#include "mx/Numerics/SharedMicroexponent.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/Hashing.h"
#include "llvm/Support/Format.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

std::optional<ConstantCodes> mlir::mx::getConstantRhs(MatmulOp op) {
  auto pack = op.getRhs().getDefiningOp<PackOp>();
  DenseElementsAttr elements, scales;
  // Byte scales only (E8M0, E4M3): f32 tile scales keep the per-call path.
  if (!pack ||
      cast<BlockTensorType>(pack.getType())
              .getScaleType()
              .getIntOrFloatBitWidth() != 8 ||
      !matchPattern(pack.getElements(), m_Constant(&elements)) ||
      !matchPattern(pack.getScales(), m_Constant(&scales)))
    return std::nullopt;
  return ConstantCodes{getConstantCodes(elements), getConstantCodes(scales)};
}

/// The bf16 bits of `x`, rounded to nearest even as arith.truncf does (the
/// packers only truncate values that are bf16 exactly, or that a violation
/// keeps from being used).
static uint16_t toBF16Bits(float x) {
  APFloat value(x);
  bool lost;
  value.convert(APFloat::BFloat(), APFloat::rmNearestTiesToEven, &lost);
  return uint16_t(value.bitcastToAPInt().getZExtValue());
}

namespace {

/// B's values as decodeForDot gives them, one dot element per (k, n).
class RhsValues {
public:
  RhsValues(const MatmulShape &shape, const Tiling &t,
            const ConstantCodes &codes)
      : shape(shape), t(t), codes(codes), format(shape.rhs.getFormat()),
        e4m3Scales(isa<Float8E4M3FNType>(shape.rhs.getScaleType())) {}

  /// Element (k, n) at unit scale, as an f32.
  float value(int64_t k, int64_t n) const {
    return float(num::decodeElement(format, codes.elements[k * shape.N + n]));
  }
  /// The f32 block scale of (k, n): E8M0, or NVFP4's E4M3.
  float scale(int64_t k, int64_t n) const {
    uint8_t code = codes.scales[(k / shape.block) * shape.N + n];
    return float(e4m3Scales
                     ? num::decodeElement(num::ElementFormat::E4M3, code)
                     : num::decodeE8M0(code));
  }
  /// Element (k, n) as vpdpbusd's signed operand (the value times
  /// 2^integerValueShift; INT8: its code).
  int8_t integer(int64_t k, int64_t n) const {
    if (format == num::ElementFormat::INT8)
      return int8_t(codes.elements[k * shape.N + n]);
    return int8_t(
        int32_t(std::ldexp(value(k, n), *integerValueShift(format)))); // exact
  }
  /// Whether folding (k, n)'s scale would be inexact: a nonzero (or NaN)
  /// value under a scale below 2^-126, as flagUnscalableValues tests.
  bool violates(int64_t k, int64_t n) const {
    float v = value(k, n), s = scale(k, n);
    return !(v == 0.0f) && s < 0x1p-126f;
  }

  /// The packRhs layout: panel p, step s, column c, row j of the step at
  /// ((p * steps + s) * NR + c) * step + j, from `get(k, n)`.
  template <typename T, typename Get> std::vector<T> panels(Get get) const {
    const int64_t NR = t.columns(), steps = shape.K / t.step;
    std::vector<T> out(shape.K * shape.N);
    for (int64_t p = 0; p < shape.N / NR; ++p)
      for (int64_t s = 0; s < steps; ++s)
        for (int64_t c = 0; c < NR; ++c)
          for (int64_t j = 0; j < t.step; ++j)
            out[((p * steps + s) * NR + c) * t.step + j] =
                get(s * t.step + j, p * NR + c);
    return out;
  }

private:
  const MatmulShape &shape;
  const Tiling &t;
  const ConstantCodes &codes;
  num::ElementFormat format;
  bool e4m3Scales;
};

} // namespace

/// A private constant global of `module` holding `data` (1-D, `element`
/// typed) and its memref: one global per distinct content, found again by
/// the content's hash.
template <typename T>
static Value buildConstantBuffer(OpBuilder &b, Location loc, Operation *module,
                                 StringRef stem, Type element,
                                 const std::vector<T> &data) {
  auto type = MemRefType::get({int64_t(data.size())}, element);
  ArrayRef<char> bytes(reinterpret_cast<const char *>(data.data()),
                       data.size() * sizeof(T));
  auto value = DenseElementsAttr::getFromRawBuffer(
      RankedTensorType::get(type.getShape(), element), bytes);
  std::string base;
  llvm::raw_string_ostream(base)
      << stem << "_" << llvm::format_hex_no_prefix(llvm::hash_value(bytes), 16);
  std::string name = base;
  for (int suffix = 1;; ++suffix) {
    auto existing = dyn_cast_or_null<memref::GlobalOp>(
        SymbolTable::lookupSymbolIn(module, name));
    if (!existing && !SymbolTable::lookupSymbolIn(module, name)) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&module->getRegion(0).front());
      memref::GlobalOp::create(b, loc, name, b.getStringAttr("private"), type,
                               value, /*constant=*/true,
                               b.getI64IntegerAttr(64));
      break;
    }
    if (existing && existing.getType() == type &&
        existing.getInitialValueAttr() == value)
      break;
    name = base + "_" + std::to_string(suffix);
  }
  return memref::GetGlobalOp::create(b, loc, type, name);
}

/// Whether B's scales and values allow folded scales whatever A's are: the
/// conditions of buildFoldedScaleTest that involve B alone, and no
/// violation.
static bool rhsAllowsFolding(const MatmulShape &shape, const RhsValues &values,
                             const ConstantCodes &codes) {
  auto [least, largest] = constantScaleCodeRange(codes.scales);
  auto [grid, top] = valueExponents(shape.rhs.getFormat());
  if (largest > 254 || least + grid - 127 < -126 || largest + top - 127 > 127)
    return false;
  for (int64_t k = 0; k < shape.K; ++k)
    for (int64_t n = 0; n < shape.N; ++n)
      if (values.violates(k, n))
        return false;
  return true;
}

PackedRhs mlir::mx::buildConstantRhs(OpBuilder &b, Location loc,
                                     Operation *module,
                                     const MatmulShape &shape, const Tiling &t,
                                     const ConstantCodes &codes, bool fold) {
  RhsValues values(shape, t, codes);
  PackedRhs packed;
  std::vector<float> scales(shape.G * shape.N);
  for (int64_t g = 0; g < shape.G; ++g)
    for (int64_t n = 0; n < shape.N; ++n)
      scales[g * shape.N + n] = values.scale(g * shape.block, n);
  packed.scales = buildConstantBuffer(b, loc, module, "__mx_rhs_scales",
                                      b.getF32Type(), scales);

  if (t.int8) {
    std::vector<int8_t> integers = values.panels<int8_t>(
        [&](int64_t k, int64_t n) { return values.integer(k, n); });
    packed.values = buildConstantBuffer(b, loc, module, "__mx_rhs_packed",
                                        b.getI8Type(), integers);
    // -128 x each K-block's sum of each column (buildDotBiases).
    std::vector<int32_t> biases(shape.G * shape.N, 0);
    for (int64_t k = 0; k < shape.K; ++k)
      for (int64_t n = 0; n < shape.N; ++n)
        biases[(k / shape.block) * shape.N + n] -= 128 * values.integer(k, n);
    packed.dotBiases = buildConstantBuffer(b, loc, module, "__mx_rhs_biases",
                                           b.getI32Type(), biases);
    return packed;
  }
  if (!t.bf16) {
    packed.values =
        buildConstantBuffer(b, loc, module, "__mx_rhs_packed", b.getF32Type(),
                            values.panels<float>([&](int64_t k, int64_t n) {
                              return values.value(k, n);
                            }));
    return packed;
  }
  // Folded where B allows it: the unit-scale form is then only the
  // fallback for A's scales, packed per call from B's MX constants rather
  // than stored twice.
  if (fold && rhsAllowsFolding(shape, values, codes)) {
    packed.scaleCodeRange = constantScaleCodeRange(codes.scales);
    packed.folded = buildConstantBuffer(
        b, loc, module, "__mx_rhs_folded", b.getBF16Type(),
        values.panels<uint16_t>([&](int64_t k, int64_t n) {
          return toBF16Bits(values.value(k, n) * values.scale(k, n));
        }));
    return packed;
  }
  packed.values =
      buildConstantBuffer(b, loc, module, "__mx_rhs_packed", b.getBF16Type(),
                          values.panels<uint16_t>([&](int64_t k, int64_t n) {
                            return toBF16Bits(values.value(k, n));
                          }));
  return packed;
}

std::optional<std::vector<float>> mlir::mx::getConstantTwoLevelValues(Value x) {
  auto fromStorage = x.getDefiningOp<FromStorageOp>();
  DenseElementsAttr bytes;
  if (!fromStorage || fromStorage.getStorage().size() != 1 ||
      !matchPattern(fromStorage.getStorage()[0], m_Constant(&bytes)))
    return std::nullopt;
  auto type = cast<BlockTensorType>(x.getType());
  std::vector<int64_t> shape(type.getShape());
  return num::dequantizeSharedMicroexponent(num::unpackSharedMicroexponent(
      getConstantCodes(bytes), type.getTwoLevelFormat(), shape,
      type.getBlockedAxis()));
}

Value mlir::mx::buildConstantTwoLevelRhs(OpBuilder &b, Location loc,
                                         Operation *module,
                                         ArrayRef<float> values, int64_t K,
                                         int64_t N, const Tiling &t,
                                         int64_t paddedN) {
  // packTwoLevelRhs's layout: panel p, row k, column c at (p * K + k) * NR
  // + c; columns past N repeat column N - 1.
  const int64_t NR = t.columns();
  std::vector<float> panels(paddedN * K);
  for (int64_t p = 0; p < paddedN / NR; ++p)
    for (int64_t k = 0; k < K; ++k)
      for (int64_t c = 0; c < NR; ++c)
        panels[(p * K + k) * NR + c] =
            values[k * N + std::min(p * NR + c, N - 1)];
  return buildConstantBuffer(b, loc, module, "__mx_rhs_packed", b.getF32Type(),
                             panels);
}
