//===- NVVMTarget.h - What each NVIDIA chip offers MX kernels ---*- C++ -*-===//
//
// The instructions the MX GPU lowering can use per chip, the kernel each
// matmul gets, and the launch shape of every generated kernel: one copy that
// convert-mx-to-nvvm, mx-verify-nvvm-target and mx-gpu-runner share, so that
// the lowering's choices, its diagnostics, the target check and the runner's
// launches agree. Plain C++ (no LLVM or MLIR): the runner is built where
// only CUDA is. Sources: PTX ISA 8.8 target requirements, checked with
// CUDA 13 ptxas.
//
//===----------------------------------------------------------------------===//

#ifndef MX_TARGET_NVVMTARGET_H
#define MX_TARGET_NVVMTARGET_H

#include "mx/Numerics/ElementFormat.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mlir::mx::nvvm {

/// A target chip, "sm_<major><minor>" with an optional "a" (architecture-
/// specific features).
struct Chip {
  std::string name;
  int sm = 0;
  bool archSpecific = false;

  /// Parses "sm_90a" etc.; nullopt for anything else.
  static std::optional<Chip> parse(std::string_view name);

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
  /// A cvt instruction from f32 pairs to `format` (none for INT8).
  bool hasConvertTo(numerics::ElementFormat format) const;

  /// The chips that have each feature, for diagnostics.
  static constexpr const char *kFP8Chips = "sm_89 and later";
  static constexpr const char *kNarrowConvertChips =
      "sm_100a, sm_101a, sm_103a, sm_120a and sm_121a";
  static constexpr const char *kBlockScaleMmaChips = "sm_120a and sm_121a";
  static constexpr const char *kTcgen05Chips = "sm_100a and sm_101a";
  /// The chips a cvt to `format` needs (FP8: kFP8Chips, FP6/FP4: narrow).
  static const char *convertChips(numerics::ElementFormat format);
};

/// The chip the PTX text `ptx` was generated for (its `.target` directive),
/// if it names one.
std::optional<Chip> chipOfPTX(std::string_view ptx);

/// Matmul instruction families (convert-mx-to-nvvm's `mma` option). `Auto`
/// is a request only: selectMmaKind resolves it.
enum class MmaKind { Auto, Sync, BlockScale, Tcgen05 };

/// Quantize element conversion (convert-mx-to-nvvm's `convert` option).
enum class ConvertKind { Auto, Hardware, Software };

/// The option spelling and meaning of each kind: the one list the pass and
/// pipeline options (cl::values) and mx-gpu-runner's arguments are made of.
template <typename Kind> struct KindName {
  Kind kind;
  const char *name;
  const char *description;
};
inline constexpr KindName<MmaKind> kMmaKindNames[] = {
    {MmaKind::Auto, "auto", "the chip's best: tcgen05, block-scale, else sync"},
    {MmaKind::Sync, "sync", "mma.sync per K-block, scales in registers"},
    {MmaKind::BlockScale, "block-scale", "mma.sync block_scale (sm_120a)"},
    {MmaKind::Tcgen05, "tcgen05", "tcgen05.mma.block_scale (sm_100a)"}};
inline constexpr KindName<ConvertKind> kConvertKindNames[] = {
    {ConvertKind::Auto, "auto", "cvt where the chip has it and it is exact"},
    {ConvertKind::Hardware, "hardware",
     "cvt instructions, an error where none fits"},
    {ConvertKind::Software, "software",
     "the CPU lowering's integer arithmetic"}};

/// The MmaKind spelled `name` ("auto", "sync", ...), if any.
std::optional<MmaKind> parseMmaKind(std::string_view name);

/// The launch configuration of a generated kernel.
struct LaunchShape {
  std::array<int64_t, 3> grid = {1, 1, 1};
  std::array<int64_t, 3> block = {1, 1, 1};
};

/// The mma kernels' tiling: `warps` warps per CTA along M (16 rows each),
/// each warp `tilesN` n8 tiles along N.
struct MmaTiling {
  int64_t warps, tilesN;
  static MmaTiling of(int64_t m, int64_t n);
};

/// Whether the tcgen05 kernel's tiling covers an M x N product: one 128-row
/// tile per CTA, and B's scales take one tensor-memory lane per column.
bool fitsTcgen05Kernel(int64_t m, int64_t n);

/// The matmul kernel an M x N product gets on `chip`: `requested` unless
/// it is Auto; otherwise the chip's best (tcgen05, then block-scaled mma.sync,
/// then mma.sync), with MXINT8 (`integer`) and shapes the tcgen05 tiling
/// does not cover on mma.sync. Whether the chip has the requested kind is
/// the caller's check.
MmaKind selectMmaKind(const Chip &chip, MmaKind requested, bool integer,
                      int64_t m, int64_t n);

/// The grid and CTA of the `kind` matmul kernel for an M x N product (M, N
/// multiples of the kernel's tile).
LaunchShape matmulLaunch(MmaKind kind, int64_t m, int64_t n);

/// The quantize kernel: one thread per block, or per pair of blocks for
/// FP4 blocked along dim 0 (the pair's two columns share a byte).
constexpr int64_t kQuantizeThreadsPerCTA = 128;
int64_t quantizeBlocksPerThread(numerics::ElementFormat format,
                                int64_t blockCols);
/// Threads doing work for a `gridRows` x `gridCols` scale grid.
int64_t quantizeThreads(int64_t gridRows, int64_t gridCols,
                        int64_t blocksPerThread);
LaunchShape quantizeLaunch(int64_t gridRows, int64_t gridCols,
                           int64_t blocksPerThread);

} // namespace mlir::mx::nvvm

#endif // MX_TARGET_NVVMTARGET_H
