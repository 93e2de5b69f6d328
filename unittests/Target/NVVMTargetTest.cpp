//===- NVVMTargetTest.cpp - Chip table, kernel choice, launch shapes ------===//

#include "mx/Target/NVVMTarget.h"

#include "gtest/gtest.h"

using namespace mlir::mx::nvvm;
namespace num = mlir::mx::numerics;

static Chip chip(const char *name) {
  std::optional<Chip> parsed = Chip::parse(name);
  EXPECT_TRUE(parsed.has_value()) << name;
  return parsed.value_or(Chip{});
}

namespace {

TEST(NVVMTargetTest, ParsesChipNames) {
  Chip sm90a = chip("sm_90a");
  EXPECT_EQ(sm90a.sm, 90);
  EXPECT_TRUE(sm90a.archSpecific);
  EXPECT_EQ(sm90a.name, "sm_90a");
  Chip sm89 = chip("sm_89");
  EXPECT_EQ(sm89.sm, 89);
  EXPECT_FALSE(sm89.archSpecific);
  for (const char *bad : {"", "sm_", "sm_a", "sm_9", "volta", "sm_90b", "SM_90",
                          "sm_9x0", "sm_1234567"})
    EXPECT_FALSE(Chip::parse(bad).has_value()) << bad;
}

TEST(NVVMTargetTest, FeaturesPerChip) {
  EXPECT_FALSE(chip("sm_86").hasFP8());
  EXPECT_TRUE(chip("sm_89").hasFP8());
  // Narrow conversions, block-scaled mma.sync and tcgen05 are
  // architecture-specific ("a") features.
  EXPECT_FALSE(chip("sm_100").hasNarrowConvert());
  EXPECT_TRUE(chip("sm_100a").hasNarrowConvert());
  EXPECT_TRUE(chip("sm_120a").hasNarrowConvert());
  EXPECT_FALSE(chip("sm_90a").hasNarrowConvert());
  EXPECT_TRUE(chip("sm_120a").hasBlockScaleMma());
  EXPECT_FALSE(chip("sm_100a").hasBlockScaleMma());
  EXPECT_TRUE(chip("sm_100a").hasTcgen05());
  EXPECT_FALSE(chip("sm_120a").hasTcgen05());
  EXPECT_FALSE(chip("sm_103a").hasTcgen05());

  EXPECT_TRUE(chip("sm_90a").hasConvertTo(num::ElementFormat::E4M3));
  EXPECT_FALSE(chip("sm_90a").hasConvertTo(num::ElementFormat::E2M1));
  EXPECT_TRUE(chip("sm_100a").hasConvertTo(num::ElementFormat::E3M2));
  EXPECT_FALSE(chip("sm_120a").hasConvertTo(num::ElementFormat::INT8));
  EXPECT_STREQ(Chip::convertChips(num::ElementFormat::E5M2), Chip::kFP8Chips);
  EXPECT_STREQ(Chip::convertChips(num::ElementFormat::E2M3),
               Chip::kNarrowConvertChips);
}

TEST(NVVMTargetTest, ReadsTheChipOfPTX) {
  std::optional<Chip> c = chipOfPTX("//\n.version 8.8\n.target sm_100a\n"
                                    ".address_size 64\n");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->name, "sm_100a");
  c = chipOfPTX(".version 8.8\n.target sm_90a, debug\n");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->name, "sm_90a");
  // Only a directive at the start of a line counts.
  EXPECT_FALSE(chipOfPTX("// not a .target sm_90a\n").has_value());
  EXPECT_FALSE(chipOfPTX(".version 8.8\n").has_value());
}

TEST(NVVMTargetTest, SelectsTheMatmulKernel) {
  Chip sm90a = chip("sm_90a"), sm100a = chip("sm_100a"),
       sm120a = chip("sm_120a");
  EXPECT_EQ(selectMmaKind(sm90a, MmaKind::Auto, false, 128, 128),
            MmaKind::Sync);
  EXPECT_EQ(selectMmaKind(sm120a, MmaKind::Auto, false, 128, 128),
            MmaKind::BlockScale);
  EXPECT_EQ(selectMmaKind(sm100a, MmaKind::Auto, false, 128, 128),
            MmaKind::Tcgen05);
  // Shapes the tcgen05 tiling does not cover, and MXINT8, take mma.sync.
  EXPECT_EQ(selectMmaKind(sm100a, MmaKind::Auto, false, 64, 128),
            MmaKind::Sync);
  EXPECT_EQ(selectMmaKind(sm100a, MmaKind::Auto, false, 128, 256),
            MmaKind::Sync);
  EXPECT_EQ(selectMmaKind(sm100a, MmaKind::Auto, true, 128, 128),
            MmaKind::Sync);
  EXPECT_EQ(selectMmaKind(sm120a, MmaKind::Auto, true, 128, 128),
            MmaKind::Sync);
  // A request is taken as it is (whether the chip has it is checked
  // elsewhere).
  EXPECT_EQ(selectMmaKind(sm90a, MmaKind::Tcgen05, false, 64, 8),
            MmaKind::Tcgen05);
}

TEST(NVVMTargetTest, ParsesKindNames) {
  // Every kind has its option spelling, and each spelling reads back.
  for (const KindName<MmaKind> &entry : kMmaKindNames)
    EXPECT_EQ(parseMmaKind(entry.name), entry.kind) << entry.name;
  EXPECT_EQ(parseMmaKind("block-scale"), MmaKind::BlockScale);
  EXPECT_FALSE(parseMmaKind("wgmma").has_value());
  EXPECT_FALSE(parseMmaKind("").has_value());
}

TEST(NVVMTargetTest, MatmulLaunchShapes) {
  // mma: 4 warps of 16 rows, 4 n8 tiles each, where M/16 and N/8 allow.
  LaunchShape sync = matmulLaunch(MmaKind::Sync, 128, 64);
  EXPECT_EQ(sync.block, (std::array<int64_t, 3>{128, 1, 1}));
  EXPECT_EQ(sync.grid, (std::array<int64_t, 3>{2, 2, 1}));
  LaunchShape narrow = matmulLaunch(MmaKind::BlockScale, 16, 24);
  EXPECT_EQ(narrow.block, (std::array<int64_t, 3>{32, 1, 1}));
  EXPECT_EQ(narrow.grid, (std::array<int64_t, 3>{3, 1, 1}));
  LaunchShape pairs = matmulLaunch(MmaKind::Sync, 96, 48);
  EXPECT_EQ(pairs.block, (std::array<int64_t, 3>{64, 1, 1}));
  EXPECT_EQ(pairs.grid, (std::array<int64_t, 3>{3, 3, 1}));
  // tcgen05: one CTA of 128 threads per 128 rows.
  LaunchShape tc = matmulLaunch(MmaKind::Tcgen05, 512, 128);
  EXPECT_EQ(tc.block, (std::array<int64_t, 3>{128, 1, 1}));
  EXPECT_EQ(tc.grid, (std::array<int64_t, 3>{1, 4, 1}));
  EXPECT_TRUE(fitsTcgen05Kernel(128, 16));
  EXPECT_FALSE(fitsTcgen05Kernel(128, 8));
  EXPECT_FALSE(fitsTcgen05Kernel(128, 144));
}

TEST(NVVMTargetTest, QuantizeLaunchShapes) {
  // FP4 blocked along dim 0: two blocks (the two columns of a byte) per
  // thread; every other layout one.
  EXPECT_EQ(quantizeBlocksPerThread(num::ElementFormat::E2M1, 1), 2);
  EXPECT_EQ(quantizeBlocksPerThread(num::ElementFormat::E2M1, 32), 1);
  EXPECT_EQ(quantizeBlocksPerThread(num::ElementFormat::E4M3, 1), 1);
  EXPECT_EQ(quantizeThreads(4, 7, 2), 16);
  LaunchShape shape = quantizeLaunch(4096, 128, 1);
  EXPECT_EQ(shape.block, (std::array<int64_t, 3>{128, 1, 1}));
  EXPECT_EQ(shape.grid, (std::array<int64_t, 3>{4096, 1, 1}));
  EXPECT_EQ(quantizeLaunch(3, 5, 1).grid[0], 1);
  EXPECT_EQ(quantizeLaunch(129, 1, 1).grid[0], 2);
}

} // namespace
