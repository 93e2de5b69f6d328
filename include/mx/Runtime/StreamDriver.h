//===- StreamDriver.h - A compiled driver's side of a weight stream -*- C++
//-*-===//
//
// What the calls of one compiled layer-to-layer driver share
// (docs/LayerToLayer.md, "A compiled driver"): the layer it holds, that
// layer's tensors, and the first error. Compiled code cannot take an
// llvm::Error, so an error is kept and every tensor after it is a zeroed
// buffer as large as the pool: the driver runs to its end on zeros and its
// caller reports the message.
//
//===----------------------------------------------------------------------===//

#ifndef MX_RUNTIME_STREAMDRIVER_H
#define MX_RUNTIME_STREAMDRIVER_H

#include "mx/Runtime/WeightStream.h"

#include <string>
#include <vector>

namespace mx::runtime {

class StreamDriver {
public:
  explicit StreamDriver(WeightStream &stream) : stream(stream) {}

  /// Tensor `index` of `layer`, acquiring the layer first unless held.
  const uint8_t *tensor(int64_t layer, int64_t index);
  /// Releases `layer` if held.
  void release(int64_t layer);
  /// The first error ("" if none).
  const std::string &error() const { return firstError; }

private:
  WeightStream &stream;
  int64_t held = -1;
  std::vector<const uint8_t *> tensors;
  std::string firstError;
  std::vector<uint8_t> zeros;
};

} // namespace mx::runtime

#endif // MX_RUNTIME_STREAMDRIVER_H
