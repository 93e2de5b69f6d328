//===- Chip.cpp - What each NVIDIA chip offers MX kernels -----------------===//

#include "Chip.h"

using namespace mlir;
using namespace mlir::mx::nvvm;

std::optional<Chip> Chip::parse(StringRef name) {
  Chip chip;
  chip.name = name.str();
  if (!name.consume_front("sm_"))
    return std::nullopt;
  chip.archSpecific = name.consume_back("a");
  if (name.empty() || name.getAsInteger(10, chip.sm) || chip.sm < 10)
    return std::nullopt;
  return chip;
}
