//===- NVVMTarget.cpp - What each NVIDIA chip offers MX kernels -----------===//

#include "mx/Target/NVVMTarget.h"

#include <cctype>

using namespace mlir::mx;
using namespace mlir::mx::nvvm;
namespace num = mlir::mx::numerics;

static bool isFP8(num::ElementFormat format) {
  return format == num::ElementFormat::E4M3 ||
         format == num::ElementFormat::E5M2;
}

std::optional<Chip> Chip::parse(std::string_view name) {
  Chip chip;
  chip.name = std::string(name);
  if (name.substr(0, 3) != "sm_")
    return std::nullopt;
  name.remove_prefix(3);
  if (!name.empty() && name.back() == 'a') {
    chip.archSpecific = true;
    name.remove_suffix(1);
  }
  if (name.empty() || name.size() > 6)
    return std::nullopt;
  for (char c : name) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    chip.sm = chip.sm * 10 + (c - '0');
  }
  if (chip.sm < 10)
    return std::nullopt;
  return chip;
}

bool Chip::hasConvertTo(num::ElementFormat format) const {
  if (format == num::ElementFormat::INT8)
    return false;
  return isFP8(format) ? hasFP8() : hasNarrowConvert();
}

const char *Chip::convertChips(num::ElementFormat format) {
  return isFP8(format) ? kFP8Chips : kNarrowConvertChips;
}

std::optional<Chip> nvvm::chipOfPTX(std::string_view ptx) {
  for (size_t at = ptx.find(".target"); at != std::string_view::npos;
       at = ptx.find(".target", at + 1)) {
    // The directive starts a line: ".target sm_90a" (", debug" may follow).
    if (at != 0 && ptx[at - 1] != '\n')
      continue;
    size_t begin = ptx.find_first_not_of(" \t", at + 7);
    if (begin == std::string_view::npos)
      return std::nullopt;
    size_t end = ptx.find_first_of(" \t,\r\n", begin);
    return Chip::parse(ptx.substr(begin, end - begin));
  }
  return std::nullopt;
}

std::optional<MmaKind> nvvm::parseMmaKind(std::string_view name) {
  for (const KindName<MmaKind> &entry : kMmaKindNames)
    if (name == entry.name)
      return entry.kind;
  return std::nullopt;
}

MmaTiling MmaTiling::of(int64_t m, int64_t n) {
  auto largest = [](int64_t v) -> int64_t {
    for (int64_t d : {4, 2})
      if (v % d == 0)
        return d;
    return 1;
  };
  return {largest(m / 16), largest(n / 8)};
}

bool nvvm::fitsTcgen05Kernel(int64_t m, int64_t n) {
  return m % 128 == 0 && n % 16 == 0 && n <= 128;
}

MmaKind nvvm::selectMmaKind(const Chip &chip, MmaKind requested, bool integer,
                            int64_t m, int64_t n) {
  if (requested != MmaKind::Auto)
    return requested;
  if (integer) // MXINT8 has one path: s8 mma.sync with per-block scales
    return MmaKind::Sync;
  if (chip.hasTcgen05())
    return fitsTcgen05Kernel(m, n) ? MmaKind::Tcgen05 : MmaKind::Sync;
  return chip.hasBlockScaleMma() ? MmaKind::BlockScale : MmaKind::Sync;
}

LaunchShape nvvm::matmulLaunch(MmaKind kind, int64_t m, int64_t n) {
  LaunchShape launch;
  if (kind == MmaKind::Tcgen05) {
    launch.block = {128, 1, 1};
    launch.grid = {1, m / 128, 1};
    return launch;
  }
  MmaTiling tiling = MmaTiling::of(m, n);
  launch.block = {32 * tiling.warps, 1, 1};
  launch.grid = {n / (8 * tiling.tilesN), m / (16 * tiling.warps), 1};
  return launch;
}

int64_t nvvm::quantizeBlocksPerThread(num::ElementFormat format,
                                      int64_t blockCols) {
  return format == num::ElementFormat::E2M1 && blockCols == 1 ? 2 : 1;
}

int64_t nvvm::quantizeThreads(int64_t gridRows, int64_t gridCols,
                              int64_t blocksPerThread) {
  return gridRows * ((gridCols + blocksPerThread - 1) / blocksPerThread);
}

LaunchShape nvvm::quantizeLaunch(int64_t gridRows, int64_t gridCols,
                                 int64_t blocksPerThread) {
  int64_t threads = quantizeThreads(gridRows, gridCols, blocksPerThread);
  LaunchShape launch;
  launch.block = {kQuantizeThreadsPerCTA, 1, 1};
  launch.grid = {
      (threads + kQuantizeThreadsPerCTA - 1) / kQuantizeThreadsPerCTA, 1, 1};
  return launch;
}
