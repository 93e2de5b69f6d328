//===- BlockTensorTypeTest.cpp - The C++ API of !mx.tensor ----------------===//

#include "mx/Dialect/MX/IR/MXOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::mx;
namespace num = mlir::mx::numerics;

namespace {

class BlockTensorTypeTest : public ::testing::Test {
protected:
  BlockTensorTypeTest() { context.loadDialect<MXDialect>(); }
  MLIRContext context;
  Builder b{&context};
};

TEST_F(BlockTensorTypeTest, ElementFormatsOfBuiltinTypes) {
  EXPECT_EQ(getElementFormat(Float8E4M3FNType::get(&context)),
            num::ElementFormat::E4M3);
  EXPECT_EQ(getElementFormat(Float8E5M2Type::get(&context)),
            num::ElementFormat::E5M2);
  EXPECT_EQ(getElementFormat(Float6E3M2FNType::get(&context)),
            num::ElementFormat::E3M2);
  EXPECT_EQ(getElementFormat(Float6E2M3FNType::get(&context)),
            num::ElementFormat::E2M3);
  EXPECT_EQ(getElementFormat(Float4E2M1FNType::get(&context)),
            num::ElementFormat::E2M1);
  EXPECT_EQ(getElementFormat(b.getI8Type()), num::ElementFormat::INT8);
  EXPECT_FALSE(
      getElementFormat(IntegerType::get(&context, 8, IntegerType::Unsigned)));
  EXPECT_FALSE(getElementFormat(Float8E4M3Type::get(&context)));
  EXPECT_FALSE(getElementFormat(b.getF16Type()));
}

TEST_F(BlockTensorTypeTest, ScaleGridCountsPartialBlocks) {
  auto type =
      BlockTensorType::get({3, 40}, Float4E2M1FNType::get(&context), {1, 32});
  EXPECT_TRUE(isa<Float8E8M0FNUType>(type.getScaleType()));
  EXPECT_EQ(type.getScaleShape(), (SmallVector<int64_t>{3, 2}));
  EXPECT_EQ(type.getScalesType(),
            RankedTensorType::get({3, 2}, Float8E8M0FNUType::get(&context)));
  EXPECT_EQ(type.getElementsType(),
            RankedTensorType::get({3, 40}, Float4E2M1FNType::get(&context)));
  EXPECT_EQ(type.getFormat(), num::ElementFormat::E2M1);
  EXPECT_EQ(type.getRank(), 2);
}

TEST_F(BlockTensorTypeTest, PanelsStoreEachPanelWhole) {
  auto rowMajor =
      BlockTensorType::get({80, 512}, Float4E2M1FNType::get(&context), {32, 1});
  BlockTensorType panels = rowMajor.withStorageLayout(StorageLayout::panels);
  EXPECT_TRUE(panels.hasPanels());
  EXPECT_FALSE(rowMajor.hasPanels());
  // Values are the same: only storage differs.
  EXPECT_EQ(panels.getScalesType(), rowMajor.getScalesType());
  EXPECT_EQ(panels.getElementsType(), rowMajor.getElementsType());
  EXPECT_EQ(
      panels.getElementStorageType(),
      RankedTensorType::get({2, 80, 256}, Float4E2M1FNType::get(&context)));
  // FP4 codes two to a byte; the partial third block has its scale row.
  EXPECT_EQ(panels.getCodeStorageType(),
            RankedTensorType::get({2, 80, 128}, b.getI8Type()));
  EXPECT_EQ(
      panels.getScaleStorageType(),
      RankedTensorType::get({2, 3, 256}, Float8E8M0FNUType::get(&context)));
  EXPECT_EQ(rowMajor.getCodeStorageType(),
            RankedTensorType::get({80, 256}, b.getI8Type()));
  EXPECT_EQ(panels.withStorageLayout(StorageLayout::row_major), rowMajor);
}

TEST_F(BlockTensorTypeTest, DynamicDimensionsStayDynamic) {
  auto type =
      BlockTensorType::get({ShapedType::kDynamic, 64}, b.getI8Type(), {32, 32});
  EXPECT_EQ(type.getScaleShape(),
            (SmallVector<int64_t>{ShapedType::kDynamic, 2}));
  BlockTensorType resized = type.cloneWithShape({96, 64});
  EXPECT_EQ(resized.getScaleShape(), (SmallVector<int64_t>{3, 2}));
  EXPECT_EQ(resized.getBlockShape(), type.getBlockShape());
  EXPECT_EQ(resized.getElementType(), type.getElementType());
}

TEST_F(BlockTensorTypeTest, SwizzledScalesAreStoredAsPaddedTiles) {
  auto e8m0 = Float8E8M0FNUType::get(&context);
  // [1, 32] blocks: the matrix is rows x blocks per row (200 x 3), padded
  // to 256 x 4.
  auto lhs = BlockTensorType::get({200, 96}, Float4E2M1FNType::get(&context),
                                  {1, 32}, e8m0, ScaleLayout::swizzled);
  EXPECT_TRUE(lhs.hasSwizzledScales());
  EXPECT_EQ(lhs.getScaleMatrixShape(),
            std::make_pair(int64_t(200), int64_t(3)));
  EXPECT_EQ(lhs.getScaleStorageType(), RankedTensorType::get({1024}, e8m0));
  // The logical scales keep the block grid whatever the layout.
  EXPECT_EQ(lhs.getScalesType(), RankedTensorType::get({200, 3}, e8m0));
  // [32, 1] blocks: the matrix is columns x blocks per column (40 x 5).
  auto rhs = BlockTensorType::get({160, 40}, b.getI8Type(), {32, 1}, e8m0,
                                  ScaleLayout::swizzled);
  EXPECT_EQ(rhs.getScaleMatrixShape(), std::make_pair(int64_t(40), int64_t(5)));
  EXPECT_EQ(rhs.getScaleStorageType(), RankedTensorType::get({1024}, e8m0));
  BlockTensorType rowMajor = rhs.withScaleLayout(ScaleLayout::row_major);
  EXPECT_FALSE(rowMajor.hasSwizzledScales());
  EXPECT_EQ(rowMajor.getScaleStorageType(), rowMajor.getScalesType());
  EXPECT_EQ(rowMajor.withScaleLayout(ScaleLayout::swizzled), rhs);
}

TEST_F(BlockTensorTypeTest, GetCheckedReportsTheBrokenConstraint) {
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  auto type = BlockTensorType::getChecked(
      [&] { return emitError(UnknownLoc::get(&context)); }, &context,
      ArrayRef<int64_t>{4, 32}, Type(b.getF16Type()), ArrayRef<int64_t>{1, 32},
      Type(Float8E8M0FNUType::get(&context)), ScaleLayout::row_major,
      StorageLayout::row_major);
  EXPECT_FALSE(type);
  EXPECT_NE(message.find("expected an MX element type"), std::string::npos)
      << message;
}

TEST_F(BlockTensorTypeTest, EnumsMapOntoTheNumericsLibrary) {
  EXPECT_EQ(toNumerics(ScaleRule::rceil), num::ScaleRule::RCeil);
  EXPECT_EQ(toNumerics(ScaleRule::even), num::ScaleRule::Even);
  EXPECT_EQ(toNumerics(Rounding::stochastic), num::Rounding::Stochastic);
  EXPECT_EQ(toNumerics(Saturation::nonfinite), num::Saturation::NonFinite);
}

} // namespace
