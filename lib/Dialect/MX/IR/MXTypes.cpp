//===- MXTypes.cpp - Types of the mx dialect ------------------------------===//

#include "mx/Dialect/MX/IR/MXTypes.h"
#include "mx/Dialect/MX/IR/MXDialect.h"
#include "mx/Numerics/ScaleLayout.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::mx;
using ::mlir::mx::numerics::ElementFormat;
namespace numerics = ::mlir::mx::numerics;

#define GET_TYPEDEF_CLASSES
#include "mx/Dialect/MX/IR/MXOpsTypes.cpp.inc"

void MXDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "mx/Dialect/MX/IR/MXOpsTypes.cpp.inc"
      >();
}

std::optional<ElementFormat> mlir::mx::getElementFormat(Type type) {
  return llvm::TypeSwitch<Type, std::optional<ElementFormat>>(type)
      .Case([](Float8E4M3FNType) { return ElementFormat::E4M3; })
      .Case([](Float8E5M2Type) { return ElementFormat::E5M2; })
      .Case([](Float6E3M2FNType) { return ElementFormat::E3M2; })
      .Case([](Float6E2M3FNType) { return ElementFormat::E2M3; })
      .Case([](Float4E2M1FNType) { return ElementFormat::E2M1; })
      .Case([](IntegerType t) -> std::optional<ElementFormat> {
        if (t.getWidth() == 8 && t.isSignless())
          return ElementFormat::INT8;
        return std::nullopt;
      })
      .Default([](Type) { return std::nullopt; });
}

//===----------------------------------------------------------------------===//
// SharedMicroexponentType
//===----------------------------------------------------------------------===//

/// !mx.microexp<mx9> or !mx.microexp<magnitude = m, sub_block = k2,
/// micro_bits = d2>
Type SharedMicroexponentType::parse(AsmParser &parser) {
  llvm::SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess())
    return {};
  StringRef keyword;
  if (parser.parseKeyword(&keyword))
    return {};
  // A keyword holds no '=': only the named formats parse here.
  if (std::optional<numerics::SharedMicroexponentFormat> named =
          numerics::parseSharedMicroexponentFormat(keyword)) {
    if (parser.parseGreater())
      return {};
    return parser.getChecked<SharedMicroexponentType>(
        loc, parser.getContext(), named->magnitudeBits, named->subBlockSize,
        named->microexponentBits);
  }
  if (keyword != "magnitude") {
    parser.emitError(loc, "expected 'mx9', 'mx6', 'mx4' or 'magnitude = ...', "
                          "but got '")
        << keyword << "'";
    return {};
  }
  unsigned magnitude = 0, subBlock = 0, microBits = 0;
  if (parser.parseEqual() || parser.parseInteger(magnitude) ||
      parser.parseComma() || parser.parseKeyword("sub_block") ||
      parser.parseEqual() || parser.parseInteger(subBlock) ||
      parser.parseComma() || parser.parseKeyword("micro_bits") ||
      parser.parseEqual() || parser.parseInteger(microBits) ||
      parser.parseGreater())
    return {};
  return parser.getChecked<SharedMicroexponentType>(
      loc, parser.getContext(), magnitude, subBlock, microBits);
}

void SharedMicroexponentType::print(AsmPrinter &printer) const {
  // The named formats have blocks of 16; a type's block is its tensor's, so
  // the name stands for (m, k2, d2).
  if (const char *name = numerics::nameOfSharedMicroexponentFormat(
          getFormat(numerics::kMX9.blockSize))) {
    printer << "<" << name << ">";
    return;
  }
  printer << "<magnitude = " << getMagnitudeBits()
          << ", sub_block = " << getSubBlockSize()
          << ", micro_bits = " << getMicroexponentBits() << ">";
}

LogicalResult
SharedMicroexponentType::verify(function_ref<InFlightDiagnostic()> emitError,
                                unsigned magnitudeBits, unsigned subBlockSize,
                                unsigned microexponentBits) {
  if (magnitudeBits < 1 || magnitudeBits > 7) // (T1)
    return emitError() << "expected a magnitude of 1 to 7 bits, but got "
                       << magnitudeBits;
  if (subBlockSize < 1) // (T2)
    return emitError() << "expected a sub-block of at least 1 element, but "
                          "got 0";
  if (microexponentBits > 4) // (T3)
    return emitError() << "expected a microexponent of at most 4 bits, but "
                          "got "
                       << microexponentBits;
  return success();
}

//===----------------------------------------------------------------------===//
// Assembly
//===----------------------------------------------------------------------===//

/// A layout's name, one of `expected`'s, into `layout`.
template <typename Layout>
static ParseResult
parseLayoutName(AsmParser &parser,
                std::optional<Layout> (*symbolize)(StringRef),
                StringRef expected, Layout &layout) {
  StringRef name;
  llvm::SMLoc nameLoc = parser.getCurrentLocation();
  if (parser.parseKeyword(&name))
    return failure();
  std::optional<Layout> parsed = symbolize(name);
  if (!parsed)
    return parser.emitError(nameLoc, "expected ")
           << expected << ", but got '" << name << "'";
  layout = *parsed;
  return success();
}

/// !mx.tensor<64x128xf4E2M1FN, block = [1, 32] (, scale = f8E4M3FN)?
///            (, scale_layout = swizzled)? (, layout = panels)?>
Type BlockTensorType::parse(AsmParser &parser) {
  SmallVector<int64_t> shape, block;
  Type elementType;
  llvm::SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/true,
                                /*withTrailingX=*/true) ||
      parser.parseType(elementType))
    return {};
  if (failed(parser.parseOptionalComma())) {
    parser.emitError(parser.getCurrentLocation(),
                     "expected ', block = [...]' after the element type");
    return {};
  }
  if (parser.parseKeyword("block") || parser.parseEqual() ||
      parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&] {
        return parser.parseInteger(block.emplace_back());
      }))
    return {};
  Type scaleType = Float8E8M0FNUType::get(parser.getContext());
  ScaleLayout layout = ScaleLayout::row_major;
  StorageLayout storage = StorageLayout::row_major;
  bool sawScale = false, sawLayout = false, sawStorage = false;
  while (succeeded(parser.parseOptionalComma())) {
    StringRef keyword;
    llvm::SMLoc keywordLoc = parser.getCurrentLocation();
    if (parser.parseKeyword(&keyword) || parser.parseEqual())
      return {};
    if (keyword == "scale" && !sawScale && !sawLayout && !sawStorage) {
      sawScale = true;
      if (parser.parseType(scaleType))
        return {};
      continue;
    }
    if (keyword == "scale_layout" && !sawLayout && !sawStorage) {
      sawLayout = true;
      if (failed(parseLayoutName(parser, symbolizeScaleLayout,
                                 "scale layout 'row_major' or 'swizzled'",
                                 layout)))
        return {};
      continue;
    }
    if (keyword == "layout" && !sawStorage) {
      sawStorage = true;
      if (failed(parseLayoutName(parser, symbolizeStorageLayout,
                                 "layout 'row_major' or 'panels'", storage)))
        return {};
      continue;
    }
    parser.emitError(keywordLoc, "expected 'scale = <type>', "
                                 "'scale_layout = <layout>' or 'layout = "
                                 "<layout>' (once each, in that order), but "
                                 "got '")
        << keyword << "'";
    return {};
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<BlockTensorType>(loc, parser.getContext(), shape,
                                            elementType, block, scaleType,
                                            layout, storage);
}

void BlockTensorType::print(AsmPrinter &printer) const {
  printer << "<";
  printer.printDimensionList(getShape());
  printer << "x" << getElementType() << ", block = [";
  llvm::interleaveComma(getBlockShape(), printer);
  printer << "]";
  if (!isa<Float8E8M0FNUType>(getScaleType()))
    printer << ", scale = " << getScaleType();
  if (hasSwizzledScales())
    printer << ", scale_layout = " << stringifyScaleLayout(getScaleLayout());
  if (hasPanels())
    printer << ", layout = " << stringifyStorageLayout(getStorageLayout());
  printer << ">";
}

//===----------------------------------------------------------------------===//
// Verification
//===----------------------------------------------------------------------===//

static std::string formatBlock(ArrayRef<int64_t> block) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleaveComma(block, os);
  os << "]";
  return text;
}

LogicalResult
BlockTensorType::verify(function_ref<InFlightDiagnostic()> emitError,
                        ArrayRef<int64_t> shape, Type elementType,
                        ArrayRef<int64_t> blockShape, Type scaleType,
                        ScaleLayout scaleLayout, StorageLayout storageLayout) {
  // (T1)
  if (shape.empty())
    return emitError() << "expected a block-scaled tensor of rank >= 1, but "
                          "got rank 0";
  // (T2)
  auto twoLevel = dyn_cast<SharedMicroexponentType>(elementType);
  if (!getElementFormat(elementType) && !twoLevel)
    return emitError() << "expected an MX element type (f8E4M3FN, f8E5M2, "
                          "f6E3M2FN, f6E2M3FN, f4E2M1FN, i8 for MXINT8, or "
                          "!mx.microexp), but got "
                       << elementType;
  // (T3)
  if (blockShape.size() != shape.size())
    return emitError() << "expected one block size per dimension ("
                       << shape.size() << "), but got " << blockShape.size()
                       << " in block " << formatBlock(blockShape);
  // (T4)
  if (llvm::any_of(blockShape, [](int64_t size) { return size < 1; }))
    return emitError() << "expected positive block sizes, but got block "
                       << formatBlock(blockShape);
  // (T5)
  int64_t blockedDims =
      llvm::count_if(blockShape, [](int64_t s) { return s > 1; });
  if (blockedDims > 2)
    return emitError() << "expected a 1-D or 2-D block, but got block "
                       << formatBlock(blockShape) << " spanning " << blockedDims
                       << " dimensions";
  if (blockedDims == 0)
    return emitError() << "expected a block of more than one element, but got "
                          "block "
                       << formatBlock(blockShape);
  // (T6)
  if (!isa<Float8E8M0FNUType, Float8E4M3FNType, Float32Type>(scaleType))
    return emitError()
           << "expected scale type f8E8M0FNU, f8E4M3FN or f32, but got "
           << scaleType;
  // (T7)
  if (isa<Float8E4M3FNType>(scaleType) &&
      (blockedDims != 1 || !llvm::is_contained(blockShape, 16)))
    return emitError() << "expected f8E4M3FN scales to come with 1-D blocks of "
                          "16 elements, but got block "
                       << formatBlock(blockShape);
  // (T8)
  if (twoLevel) {
    int64_t size = *llvm::max_element(blockShape);
    if (blockedDims != 1 || size > 256)
      return emitError() << "expected a two-level tensor to have a 1-D block "
                            "of at most 256 elements, but got block "
                         << formatBlock(blockShape);
    if (size % twoLevel.getSubBlockSize() != 0)
      return emitError() << "expected the block size " << size
                         << " to be a multiple of the sub-block size "
                         << twoLevel.getSubBlockSize();
    if (!isa<Float8E8M0FNUType>(scaleType))
      return emitError() << "expected f8E8M0FNU shared exponents in a "
                            "two-level tensor, but got "
                         << scaleType << " scales";
  }
  // (T9)
  if (isa<Float32Type>(scaleType) &&
      !isa<Float8E4M3FNType, Float8E5M2Type>(elementType))
    return emitError() << "expected FP8 elements (f8E4M3FN or f8E5M2) with "
                          "f32 scales, but got "
                       << elementType;
  // (T10)
  if (scaleLayout == ScaleLayout::swizzled) {
    if (shape.size() != 2 || llvm::any_of(shape, ShapedType::isDynamic))
      return emitError() << "expected swizzled scales on a static 2-D tensor";
    if (blockedDims != 1)
      return emitError() << "expected swizzled scales to come with a 1-D "
                            "block, but got block "
                         << formatBlock(blockShape);
    if (isa<Float32Type>(scaleType))
      return emitError() << "expected one-byte scales (f8E8M0FNU or "
                            "f8E4M3FN) in the swizzled layout, but got f32";
    if (twoLevel)
      return emitError() << "expected one-level elements with swizzled "
                            "scales: a two-level tensor keeps its exponents "
                            "inside its packed blocks";
  }
  // (T11)
  if (storageLayout == StorageLayout::panels) {
    if (shape.size() != 2 || llvm::any_of(shape, ShapedType::isDynamic) ||
        shape[1] % kPanelColumns != 0)
      return emitError() << "expected the panels layout on a static 2-D "
                            "tensor whose columns are a multiple of "
                         << kPanelColumns;
    if (blockShape[0] < 2 || blockShape[1] != 1)
      return emitError() << "expected the panels layout to come with blocks "
                            "down the columns ([B, 1]), but got block "
                         << formatBlock(blockShape);
    if (twoLevel)
      return emitError() << "expected one-level elements in the panels "
                            "layout: a two-level tensor keeps its exponents "
                            "inside its packed blocks";
    if (scaleLayout != ScaleLayout::row_major)
      return emitError() << "expected row-major scales in the panels layout";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Accessors
//===----------------------------------------------------------------------===//

ElementFormat BlockTensorType::getFormat() const {
  std::optional<ElementFormat> format = getElementFormat(getElementType());
  assert(format && "a two-level tensor has no one-level element format");
  return *format;
}

numerics::SharedMicroexponentFormat BlockTensorType::getTwoLevelFormat() const {
  return cast<SharedMicroexponentType>(getElementType())
      .getFormat(getBlockShape()[getBlockedAxis()]);
}

RankedTensorType BlockTensorType::getTwoLevelStorageType() const {
  SmallVector<int64_t> shape = getScaleShape();
  shape.push_back(getTwoLevelFormat().packedBlockBytes());
  return RankedTensorType::get(shape, IntegerType::get(getContext(), 8));
}

/// [N / 256, rows, 256]: the panels of a rows x N matrix, each whole.
static SmallVector<int64_t> panelShape(int64_t rows, int64_t columns) {
  return {columns / kPanelColumns, rows, kPanelColumns};
}

RankedTensorType BlockTensorType::getCodeStorageType() const {
  if (hasPanels()) {
    SmallVector<int64_t> shape = panelShape(getShape()[0], getShape()[1]);
    if (isa<Float4E2M1FNType>(getElementType()))
      shape.back() /= 2;
    return RankedTensorType::get(shape, IntegerType::get(getContext(), 8));
  }
  SmallVector<int64_t> shape(getShape());
  if (isa<Float4E2M1FNType>(getElementType()))
    shape.back() = ShapedType::isDynamic(shape.back())
                       ? ShapedType::kDynamic
                       : llvm::divideCeil(shape.back(), 2);
  return RankedTensorType::get(shape, IntegerType::get(getContext(), 8));
}

int64_t BlockTensorType::getBlockedAxis() const {
  ArrayRef<int64_t> block = getBlockShape();
  return llvm::find_if(block, [](int64_t size) { return size > 1; }) -
         block.begin();
}

SmallVector<int64_t> BlockTensorType::getScaleShape() const {
  SmallVector<int64_t> scaleShape;
  for (auto [size, block] : llvm::zip_equal(getShape(), getBlockShape()))
    scaleShape.push_back(ShapedType::isDynamic(size)
                             ? ShapedType::kDynamic
                             : llvm::divideCeil(size, block));
  return scaleShape;
}

RankedTensorType BlockTensorType::getElementsType() const {
  return RankedTensorType::get(getShape(), getElementType());
}

RankedTensorType BlockTensorType::getElementStorageType() const {
  if (!hasPanels())
    return getElementsType();
  return RankedTensorType::get(panelShape(getShape()[0], getShape()[1]),
                               getElementType());
}

RankedTensorType BlockTensorType::getScalesType() const {
  return RankedTensorType::get(getScaleShape(), getScaleType());
}

std::pair<int64_t, int64_t> BlockTensorType::getScaleMatrixShape() const {
  assert(getRank() == 2 && "the scale matrix of a 2-D tensor");
  int64_t axis = getBlockedAxis();
  return {getShape()[1 - axis], getScaleShape()[axis]};
}

RankedTensorType BlockTensorType::getScaleStorageType() const {
  if (hasPanels())
    return RankedTensorType::get(panelShape(getScaleShape()[0], getShape()[1]),
                                 getScaleType());
  if (!hasSwizzledScales())
    return getScalesType();
  auto [rows, columns] = getScaleMatrixShape();
  return RankedTensorType::get({numerics::swizzledScaleBytes(rows, columns)},
                               getScaleType());
}

BlockTensorType BlockTensorType::withScaleLayout(ScaleLayout layout) const {
  return BlockTensorType::get(getShape(), getElementType(), getBlockShape(),
                              getScaleType(), layout, getStorageLayout());
}

BlockTensorType BlockTensorType::withStorageLayout(StorageLayout layout) const {
  return BlockTensorType::get(getShape(), getElementType(), getBlockShape(),
                              getScaleType(), getScaleLayout(), layout);
}

// A new shape drops the panels layout, which only some shapes have.
BlockTensorType BlockTensorType::cloneWithShape(ArrayRef<int64_t> shape) const {
  return BlockTensorType::get(shape, getElementType(), getBlockShape(),
                              getScaleType(), getScaleLayout());
}

//===----------------------------------------------------------------------===//
// ScaledTensorType
//===----------------------------------------------------------------------===//

LogicalResult
ScaledTensorType::verify(function_ref<InFlightDiagnostic()> emitError,
                         RankedTensorType dataType) {
  Type element = dataType.getElementType();
  if (!element.isF32() && !element.isF16() && !element.isBF16() &&
      !isa<Float8E4M3FNType, Float8E5M2Type>(element)) // (T1)
    return emitError() << "expected f32, f16, bf16, f8E4M3FN or f8E5M2 data "
                          "in a scaled tensor, but got "
                       << element;
  return success();
}
