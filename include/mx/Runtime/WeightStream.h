//===- WeightStream.h - Layer weights streamed from a checkpoint -*- C++
//-*-===//
//
// Layer-to-layer execution (docs/LayerToLayer.md) holds one layer's weights
// at a time. A WeightStream reads them from a safetensors checkpoint (what
// mx-quantize writes: `<name>.blocks` and `<name>.scales`), a layer at a
// time in a fixed schedule. A loader thread fills a bounded pool of buffers
// ahead of the caller, so the next layer is read while the current one
// computes (two buffers: double buffering). Every tensor the schedule needs
// is checked against the file before anything is read.
//
//===----------------------------------------------------------------------===//

#ifndef MX_RUNTIME_WEIGHTSTREAM_H
#define MX_RUNTIME_WEIGHTSTREAM_H

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mx::runtime {

/// One tensor of a safetensors file. `begin` and `end` are file offsets.
struct TensorEntry {
  std::string dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

/// A safetensors file's header, checked against the file: a known dtype,
/// a shape whose bytes match the data offsets, and the data inside the file.
class Checkpoint {
public:
  static llvm::Expected<Checkpoint> open(llvm::StringRef path);

  const TensorEntry *find(llvm::StringRef name) const;
  /// The names of the file's tensors, sorted.
  std::vector<std::string> names() const;
  const std::string &path() const { return filePath; }
  uint64_t size() const { return fileSize; }

private:
  std::string filePath;
  uint64_t fileSize = 0;
  llvm::StringMap<TensorEntry> entries;
};

/// A tensor a layer needs, as the compiled layer function takes it.
struct TensorRequest {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
};
using LayerRequest = std::vector<TensorRequest>;

class WeightStream {
public:
  /// Checks every tensor of `layers` against `checkpoint` (present, dtype,
  /// shape) and that `buffers` buffers of the largest layer fit `budget`
  /// bytes (0: no budget), then starts loading `schedule` (layer indices,
  /// in the order they will be acquired; empty: every layer once, in
  /// order).
  static llvm::Expected<std::unique_ptr<WeightStream>>
  create(const Checkpoint &checkpoint, std::vector<LayerRequest> layers,
         std::vector<unsigned> schedule = {}, unsigned buffers = 2,
         uint64_t budget = 0);
  ~WeightStream();

  /// The next scheduled layer's tensors, in request order, once loaded.
  /// `layer` must be that layer; an I/O error reaches the caller here.
  llvm::Expected<std::vector<const uint8_t *>> acquire(unsigned layer);
  /// Hands an acquired layer's buffer back to the loader.
  void release(unsigned layer);

  /// Bytes of the pool: `buffers` times the largest layer.
  uint64_t poolBytes() const { return buffers.size() * bufferSize; }
  /// The most layer bytes held at once (loading, loaded or acquired).
  uint64_t peakResidentBytes() const;
  unsigned layerCount() const { return layers.size(); }

private:
  struct Placement {
    uint64_t fileOffset, bufferOffset, bytes;
  };
  enum class State { Free, Loading, Ready, InUse };
  struct Free {
    void operator()(uint8_t *data) const;
  };
  struct Buffer {
    std::unique_ptr<uint8_t, Free> data;
    State state = State::Free;
    size_t step = 0;
    std::string error;
  };

  WeightStream() = default;
  void loadLoop();
  std::string readLayer(unsigned layer, uint8_t *into) const;

  int descriptor = -1;
  std::string path;
  std::vector<std::vector<Placement>> layers;
  std::vector<uint64_t> layerBytes;
  std::vector<unsigned> schedule;
  uint64_t bufferSize = 0;
  std::vector<Buffer> buffers;

  mutable std::mutex mutex;
  std::condition_variable changed;
  size_t nextLoad = 0, nextAcquire = 0;
  uint64_t resident = 0, peak = 0;
  bool stopping = false;
  std::thread loader;
};

} // namespace mx::runtime

#endif // MX_RUNTIME_WEIGHTSTREAM_H
