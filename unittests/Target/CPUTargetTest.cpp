//===- CPUTargetTest.cpp - Feature lists and the kernel units -------------===//

#include "mx/Target/CPUTarget.h"

#include "gtest/gtest.h"

#include <algorithm>

using namespace mlir::mx::cpu;

static CPUTarget parse(llvm::StringRef features) {
  std::string error;
  std::optional<CPUTarget> target = CPUTarget::parse(features, error);
  EXPECT_TRUE(target.has_value()) << features.str() << ": " << error;
  EXPECT_TRUE(error.empty());
  std::string none;
  return target ? *target : *CPUTarget::parse("", none);
}

namespace {

TEST(CPUTargetTest, DerivesTheKernelUnits) {
  KernelUnits none = parse("").units();
  EXPECT_FALSE(none.avx512 || none.bf16Dot || none.bf16PairLookup ||
               none.int8Dot || none.amxBF16 || none.amxInt8);

  KernelUnits bf16 = parse("+avx512f,+avx512bf16").units();
  EXPECT_TRUE(bf16.avx512);
  EXPECT_TRUE(bf16.bf16Dot);
  EXPECT_FALSE(bf16.bf16PairLookup); // needs avx512bw too
  KernelUnits pairs = parse("+avx512f,+avx512bw,+avx512bf16").units();
  EXPECT_TRUE(pairs.bf16PairLookup);
  EXPECT_TRUE(parse("+avx512vnni").units().int8Dot);

  // AMX needs the tiles and the unit.
  EXPECT_FALSE(parse("+amx-bf16,+amx-int8").units().amxBF16);
  KernelUnits amx = parse("+amx-tile,+amx-bf16").units();
  EXPECT_TRUE(amx.amxBF16);
  EXPECT_FALSE(amx.amxInt8);
}

TEST(CPUTargetTest, TheLastMentionWins) {
  CPUTarget target = parse(" +avx512bf16 , -avx512bf16,+avx512f ");
  EXPECT_FALSE(target.has("avx512bf16"));
  EXPECT_TRUE(target.has("avx512f"));
  EXPECT_FALSE(target.has("avx2")); // not mentioned
  // The list is kept as written (trimmed): a function compiled for the
  // target gets it.
  EXPECT_EQ(target.featureList().size(), 3u);
  EXPECT_EQ(target.featureList()[0], "+avx512bf16");
  EXPECT_EQ(target.featureList()[1], "-avx512bf16");
}

TEST(CPUTargetTest, RecordsTheConsultedFeatures) {
  EXPECT_EQ(parse("+avx512f,+avx512vnni,+amx-tile").kernelFeatures(),
            "+avx512f,-avx512bw,-avx512bf16,+avx512vnni,+amx-tile,-amx-bf16,"
            "-amx-int8");
  EXPECT_EQ(CPUTarget::consultedFeatures().size(), 7u);
}

TEST(CPUTargetTest, RejectsMalformedLists) {
  std::string error;
  EXPECT_FALSE(CPUTarget::parse("avx512f", error).has_value());
  EXPECT_EQ(error, "cpu-features: expected \"host\" or a comma-separated "
                   "list of +feature / -feature, but got 'avx512f'");
  error.clear();
  EXPECT_FALSE(CPUTarget::parse("+avx512f,+", error).has_value());
  EXPECT_NE(error.find("but got '+'"), std::string::npos);
#if defined(__x86_64__) || defined(_M_X64)
  error.clear();
  EXPECT_FALSE(CPUTarget::parse("+avx512bf", error).has_value());
  EXPECT_NE(error.find("'avx512bf' is not a CPU feature LLVM knows"),
            std::string::npos);
#endif
}

TEST(CPUTargetTest, ResolvesTheHostOnce) {
  CPUTarget host = parse("host");
  // Every entry of the host's list is a present feature, sorted.
  for (const std::string &entry : host.featureList()) {
    ASSERT_EQ(entry[0], '+');
    EXPECT_TRUE(host.has(llvm::StringRef(entry).drop_front())) << entry;
  }
  EXPECT_TRUE(
      std::is_sorted(host.featureList().begin(), host.featureList().end()));
  EXPECT_EQ(host.units().avx512, host.has("avx512f"));
}

} // namespace
