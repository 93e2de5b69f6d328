//===- MXToVector.cpp - The convert-mx-to-vector pass ---------------------===//

#include "BlockKernels.h"

#include "mx/Conversion/MXToLinalg/MXToLinalg.h"
#include "mx/Conversion/MXToVector/MXToVector.h"
#include "mx/Conversion/Passes.h"

#include "llvm/TargetParser/Host.h"

namespace mlir::mx {
#define GEN_PASS_DEF_CONVERTMXTOVECTORPASS
#include "mx/Conversion/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

bool mlir::mx::hasVectorKernelLayout(BlockTensorType type) {
  if (!type.hasStaticShape() || type.getRank() == 0 ||
      !isa<Float8E8M0FNUType>(type.getScaleType()))
    return false;
  ArrayRef<int64_t> blocks = type.getBlockShape();
  if (llvm::any_of(blocks.drop_back(), [](int64_t b) { return b != 1; }))
    return false;
  int64_t k = blocks.back();
  if (type.getShape().back() % k != 0)
    return false;
  return type.getFormat() != numerics::ElementFormat::E2M1 || k % 2 == 0;
}

bool mlir::mx::isVectorKernelQuantize(QuantizeOp op) {
  return !op.hasGivenScales() && op.getInput().getType().hasStaticShape() &&
         hasVectorKernelLayout(op.getType());
}

/// The entries of a feature list other than "host", trimmed ("+name" /
/// "-name" when well formed).
static SmallVector<StringRef> splitCPUFeatures(StringRef features) {
  SmallVector<StringRef> entries;
  features.split(entries, ',', -1, /*KeepEmpty=*/false);
  for (StringRef &entry : entries)
    entry = entry.trim();
  return entries;
}

bool mlir::mx::hasCPUFeature(StringRef features, StringRef feature) {
  if (features == "host")
    return llvm::sys::getHostCPUFeatures().lookup(feature);
  bool enabled = false;
  for (StringRef entry : splitCPUFeatures(features)) // the last mention wins,
    if (entry.drop_front() == feature)               // as in LLVM
      enabled = entry.starts_with("+");
  return enabled;
}

LogicalResult
mlir::mx::verifyCPUFeatures(StringRef features,
                            function_ref<InFlightDiagnostic()> emitError) {
  if (features == "host")
    return success();
  // On x86 hosts, every name the host detection reports (present or not) is
  // one LLVM knows: names are checked there. Elsewhere the host's names are
  // another architecture's, so only the syntax is.
  llvm::StringMap<bool> known;
#if defined(__x86_64__) || defined(_M_X64)
  known = llvm::sys::getHostCPUFeatures();
#endif
  for (StringRef entry : splitCPUFeatures(features)) {
    StringRef name = entry.drop_front();
    if (!(entry.starts_with("+") || entry.starts_with("-")) || name.empty())
      return emitError() << "cpu-features: expected \"host\" or a "
                            "comma-separated list of +feature / -feature, but "
                            "got '"
                         << entry << "'";
    if (!known.empty() && !known.contains(name))
      return emitError() << "cpu-features: '" << name
                         << "' is not a CPU feature LLVM knows for this host "
                            "(e.g. avx512f, avx512bf16, avx512vnni)";
  }
  return success();
}

SmallVector<std::string> mlir::mx::resolveCPUFeatures(StringRef features) {
  SmallVector<std::string> list;
  if (features == "host") {
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      if (feature.getValue())
        list.push_back(("+" + feature.getKey()).str());
    llvm::sort(list); // the map's order is not deterministic
    return list;
  }
  for (StringRef entry : splitCPUFeatures(features))
    list.push_back(entry.str());
  return list;
}

void mlir::mx::populateMXToVectorConversionPatterns(
    const TypeConverter &converter, RewritePatternSet &patterns,
    StringRef features, bool emulateAMX) {
  populateQuantizeKernelPattern(converter, patterns);
  populateDequantizeKernelPattern(converter, patterns);
  MatmulUnits units;
  units.bf16 = hasCPUFeature(features, "avx512bf16");
  units.vnni = hasCPUFeature(features, "avx512vnni");
  const bool tiles = hasCPUFeature(features, "amx-tile");
  units.amxBF16 = tiles && hasCPUFeature(features, "amx-bf16");
  units.amxInt8 = tiles && hasCPUFeature(features, "amx-int8");
  units.emulateAMX = emulateAMX;
  if ((units.amxBF16 || units.amxInt8) && !emulateAMX) // the AMX function's
    units.features = resolveCPUFeatures(features);

  populateMatmulKernelPattern(converter, patterns, units);
  populateGemvKernelPattern(
      converter, patterns, hasCPUFeature(features, "avx512f"),
      units.bf16 && hasCPUFeature(features, "avx512bw"), units.vnni);
  populateMXElementToLinalgConversionPatterns(converter, patterns);
}

namespace {
struct ConvertMXToVectorPass final
    : mlir::mx::impl::ConvertMXToVectorPassBase<ConvertMXToVectorPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(verifyCPUFeatures(
            cpuFeatures, [&] { return emitError(getOperation().getLoc()); })))
      return signalPassFailure();
    auto populate = [&](const TypeConverter &converter,
                        RewritePatternSet &patterns) {
      populateMXToVectorConversionPatterns(converter, patterns, cpuFeatures,
                                           emulateAMX);
    };
    if (failed(applyMXTensorConversion(getOperation(), populate,
                                       isVectorKernelQuantize)))
      signalPassFailure();
  }
};
} // namespace
