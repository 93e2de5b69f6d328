//===- CPUTarget.cpp - What a CPU's features give the MX kernels ----------===//

#include "mx/Target/CPUTarget.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/TargetParser/Host.h"

using namespace llvm;
using namespace mlir::mx::cpu;

ArrayRef<StringRef> CPUTarget::consultedFeatures() {
  static const StringRef names[] = {"avx512f",    "avx512bw", "avx512bf16",
                                    "avx512vnni", "amx-tile", "amx-bf16",
                                    "amx-int8"};
  return names;
}

std::optional<CPUTarget> CPUTarget::parse(StringRef features,
                                          std::string &error) {
  CPUTarget target;
  if (features == "host") {
    for (const auto &feature : sys::getHostCPUFeatures()) {
      target.enabled[feature.getKey()] = feature.getValue();
      if (feature.getValue())
        target.list.push_back(("+" + feature.getKey()).str());
    }
    sort(target.list); // the map's order is not deterministic
  } else {
    // On x86 hosts, every name the host detection reports (present or not)
    // is one LLVM knows: names are checked there. Elsewhere the host's
    // names are another architecture's, so only the syntax is.
    StringMap<bool> known;
#if defined(__x86_64__) || defined(_M_X64)
    known = sys::getHostCPUFeatures();
#endif
    SmallVector<StringRef> entries;
    features.split(entries, ',', -1, /*KeepEmpty=*/false);
    for (StringRef entry : entries) {
      entry = entry.trim();
      StringRef name = entry.drop_front();
      if (!(entry.starts_with("+") || entry.starts_with("-")) || name.empty()) {
        error = ("cpu-features: expected \"host\" or a comma-separated list "
                 "of +feature / -feature, but got '" +
                 entry + "'")
                    .str();
        return std::nullopt;
      }
      if (!known.empty() && !known.contains(name)) {
        error = ("cpu-features: '" + name +
                 "' is not a CPU feature LLVM knows for this host (e.g. "
                 "avx512f, avx512bf16, avx512vnni)")
                    .str();
        return std::nullopt;
      }
      target.enabled[name] = entry.starts_with("+"); // the last mention wins
      target.list.push_back(entry.str());
    }
  }

  KernelUnits &units = target.kernelUnits;
  units.avx512 = target.has("avx512f");
  units.bf16Dot = target.has("avx512bf16");
  units.bf16PairLookup = units.bf16Dot && target.has("avx512bw");
  units.int8Dot = target.has("avx512vnni");
  const bool tiles = target.has("amx-tile");
  units.amxBF16 = tiles && target.has("amx-bf16");
  units.amxInt8 = tiles && target.has("amx-int8");
  return target;
}

bool CPUTarget::has(StringRef feature) const { return enabled.lookup(feature); }

std::string CPUTarget::kernelFeatures() const {
  return join(map_range(consultedFeatures(),
                        [&](StringRef name) {
                          return ((has(name) ? "+" : "-") + name).str();
                        }),
              ",");
}
