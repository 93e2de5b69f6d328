//===- CPUTarget.h - What a CPU's features give the MX kernels --*- C++ -*-===//
//
// A CPU target is a feature set, resolved once from a `cpu-features` string
// ("host", or LLVM's "+name,-name" list), and the kernel units derived from
// it. The vector lowering asks this, never the string: adding a
// feature-gated kernel is a unit here and its use in the kernel.
//
//===----------------------------------------------------------------------===//

#ifndef MX_TARGET_CPUTARGET_H
#define MX_TARGET_CPUTARGET_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir::mx::cpu {

/// The instructions the vector kernels may use.
struct KernelUnits {
  bool avx512 = false;         ///< avx512f: vpermps FP4 lookups (GEMV)
  bool bf16Dot = false;        ///< avx512bf16: vdpbf16ps (GEMM, GEMV)
  bool bf16PairLookup = false; ///< + avx512bw: vpermw / vpermi2w (GEMV)
  bool int8Dot = false; ///< avx512vnni: vpdpbusd for integer-valued pairs
                        ///< (INT8, E2M1, E2M3)
  /// AMX tiles: tdpbf16ps / tdpbusd, taken where Linux grants the tile data
  /// at run time (amx-tile with amx-bf16 / amx-int8).
  bool amxBF16 = false, amxInt8 = false;
};

class CPUTarget {
public:
  /// The target `features` describes: "host" (this CPU's, detected here,
  /// once) or a comma-separated list of +name / -name entries, the last
  /// mention of a name winning as in LLVM. On x86 hosts names are checked
  /// against those LLVM knows; elsewhere only the syntax is. nullopt with
  /// `error` set for a malformed list or an unknown name.
  static std::optional<CPUTarget> parse(llvm::StringRef features,
                                        std::string &error);

  /// Whether the target has `feature` (an LLVM name, e.g. "avx512bf16").
  bool has(llvm::StringRef feature) const;
  const KernelUnits &units() const { return kernelUnits; }

  /// The list a function compiled for this target is given: the entries as
  /// written, or for "host" each present feature as "+name", sorted.
  llvm::ArrayRef<std::string> featureList() const { return list; }

  /// The states of the features the kernel units are derived from, "+name"
  /// or "-name" each, comma-separated in a fixed order: what a reader of
  /// the lowered IR needs to know which kernels it got.
  std::string kernelFeatures() const;

  /// The features the kernel units are derived from.
  static llvm::ArrayRef<llvm::StringRef> consultedFeatures();

private:
  llvm::StringMap<bool> enabled;
  llvm::SmallVector<std::string> list;
  KernelUnits kernelUnits;
};

} // namespace mlir::mx::cpu

#endif // MX_TARGET_CPUTARGET_H
