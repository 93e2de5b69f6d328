//===- Chip.h - What each NVIDIA chip offers MX kernels ----------*- C++
//-*-===//
//
// The instructions the MX GPU lowering can use, per target chip. One table so
// that the lowering's choices and its diagnostics (and the target verifier)
// agree. Sources: PTX ISA 8.8 target requirements, checked with CUDA 13 ptxas
// (../shared/TOOLCHAIN.md section 4).
//
//===----------------------------------------------------------------------===//

#ifndef MX_LIB_CONVERSION_MXTONVVM_CHIP_H
#define MX_LIB_CONVERSION_MXTONVVM_CHIP_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir::mx::nvvm {

/// A target chip, "sm_<major><minor>" with an optional "a" (architecture-
/// specific features).
struct Chip {
  std::string name;
  int sm = 0;
  bool archSpecific = false;

  /// Parses "sm_90a" etc.; nullopt for anything else.
  static std::optional<Chip> parse(StringRef name);

  /// FP8 (E4M3/E5M2) mma.sync m16n8k32 and cvt.rn.satfinite.{e4m3,e5m2}x2.
  bool hasFP8() const { return sm >= 89; }
  /// cvt to e2m1x2 / e3m2x2 / e2m3x2 / ue8m0x2 (PTX 8.6).
  bool hasNarrowConvert() const {
    return archSpecific &&
           (sm == 100 || sm == 101 || sm == 103 || sm == 120 || sm == 121);
  }
  /// mma.sync ... kind::mxf8f6f4.block_scale (PTX 8.7).
  bool hasBlockScaleMma() const {
    return archSpecific && (sm == 120 || sm == 121);
  }
  /// tcgen05.* (tensor memory, tcgen05.mma.block_scale).
  bool hasTcgen05() const { return archSpecific && (sm == 100 || sm == 101); }

  /// The chips that have each feature, for diagnostics.
  static constexpr const char *kFP8Chips = "sm_89 and later";
  static constexpr const char *kNarrowConvertChips =
      "sm_100a, sm_101a, sm_103a, sm_120a and sm_121a";
  static constexpr const char *kBlockScaleMmaChips = "sm_120a and sm_121a";
  static constexpr const char *kTcgen05Chips = "sm_100a and sm_101a";
};

} // namespace mlir::mx::nvvm

#endif // MX_LIB_CONVERSION_MXTONVVM_CHIP_H
