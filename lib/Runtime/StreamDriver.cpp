//===- StreamDriver.cpp - A compiled driver's side of a weight stream -----===//

#include "mx/Runtime/StreamDriver.h"

using namespace mx::runtime;

const uint8_t *StreamDriver::tensor(int64_t layer, int64_t index) {
  if (firstError.empty() && held != layer) {
    if (held >= 0)
      firstError = "the compiled driver asked for layer " +
                   std::to_string(layer) + " while holding layer " +
                   std::to_string(held);
    else if (layer < 0 || layer >= int64_t(stream.layerCount()))
      firstError = "the compiled driver asked for layer " +
                   std::to_string(layer) + " of " +
                   std::to_string(stream.layerCount());
    else if (auto loaded = stream.acquire(unsigned(layer))) {
      held = layer;
      tensors = std::move(*loaded);
    } else {
      firstError = llvm::toString(loaded.takeError());
    }
  }
  if (firstError.empty() && (index < 0 || size_t(index) >= tensors.size()))
    firstError = "the compiled driver asked for tensor " +
                 std::to_string(index) + " of layer " + std::to_string(layer) +
                 ", which has " + std::to_string(tensors.size());
  if (firstError.empty())
    return tensors[index];
  zeros.resize(stream.poolBytes(), 0);
  return zeros.data();
}

void StreamDriver::release(int64_t layer) {
  if (held != layer)
    return;
  stream.release(unsigned(layer));
  held = -1;
  tensors.clear();
}
