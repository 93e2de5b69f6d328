//===- mx-checkpoint-fuzzer.cpp - libFuzzer target: the C++ weight stream -===//
//
// The layer-to-layer runtime (mx/Runtime/WeightStream.h) reads safetensors
// checkpoints in C++: Checkpoint::open parses the header (an 8-byte length,
// JSON, offsets checked against the file), and WeightStream loads layers on
// its own thread. Each input is such a file (in memory, through memfd). The
// contract under test: open either fails with a message or accepts a header
// whose every tensor lies in the data after the header and spans exactly
// its shape's bytes (checked here against the input's own length field and
// the safetensors dtype sizes, not against the parser's results); a stream
// over the accepted tensors either refuses the request with a message or
// hands out each layer's bytes, and those are the file's bytes at the
// tensor's offsets.
// Anything else, a crash, a sanitizer report or a hang, is a finding.
//
//===----------------------------------------------------------------------===//

#include "mx/Runtime/WeightStream.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

using namespace mx::runtime;

namespace {

/// A file holding `data`, named by its /proc path; closed on destruction.
class MemoryFile {
public:
  MemoryFile(const uint8_t *data, size_t size)
      : descriptor(memfd_create("checkpoint", MFD_CLOEXEC)) {
    if (descriptor < 0 || ::write(descriptor, data, size) != ssize_t(size)) {
      std::perror("mx-checkpoint-fuzzer: memfd");
      std::abort();
    }
  }
  ~MemoryFile() { ::close(descriptor); }
  std::string path() const {
    return "/proc/self/fd/" + std::to_string(descriptor);
  }

private:
  int descriptor;
};

[[noreturn]] void finding(const std::string &what) {
  std::fprintf(stderr, "mx-checkpoint-fuzzer: %s\n", what.c_str());
  std::abort();
}

/// Streams `layers` of `checkpoint` in `schedule` order and compares every
/// handed-out tensor with the file's bytes; false if the stream refused the
/// request (with a message).
bool streamAndCompare(const Checkpoint &checkpoint,
                      const std::vector<LayerRequest> &layers,
                      const std::vector<unsigned> &schedule,
                      const uint8_t *data, uint64_t budget) {
  auto stream = WeightStream::create(checkpoint, layers, schedule,
                                     /*buffers=*/2, budget);
  if (!stream) {
    if (llvm::toString(stream.takeError()).empty())
      finding("a stream was refused without a message");
    return false;
  }
  std::vector<unsigned> order = schedule;
  if (order.empty())
    for (unsigned layer = 0; layer < layers.size(); ++layer)
      order.push_back(layer);
  for (unsigned layer : order) {
    auto tensors = (*stream)->acquire(layer);
    if (!tensors) {
      // Not an I/O error in memory: the stream refused a layer it accepted.
      finding("acquire failed: " + llvm::toString(tensors.takeError()));
    }
    for (size_t i = 0; i < layers[layer].size(); ++i) {
      const TensorEntry *entry = checkpoint.find(layers[layer][i].name);
      if (entry->end > entry->begin &&
          std::memcmp((*tensors)[i], data + entry->begin,
                      entry->end - entry->begin) != 0)
        finding("layer " + std::to_string(layer) + ": tensor '" +
                layers[layer][i].name + "' differs from the file's bytes");
    }
    (*stream)->release(layer);
  }
  return true;
}

/// Bytes per element of a safetensors dtype (0: unknown).
uint64_t elementBytes(const std::string &dtype) {
  if (dtype == "BOOL" || dtype == "U8" || dtype == "I8" || dtype == "F8_E4M3" ||
      dtype == "F8_E5M2")
    return 1;
  if (dtype == "U16" || dtype == "I16" || dtype == "F16" || dtype == "BF16")
    return 2;
  if (dtype == "U32" || dtype == "I32" || dtype == "F32")
    return 4;
  if (dtype == "U64" || dtype == "I64" || dtype == "F64")
    return 8;
  return 0;
}

/// Whether `entry` spans exactly its shape's bytes inside the data of a
/// file of `size` bytes whose header takes `headerEnd` bytes.
bool isWellPlaced(const TensorEntry &entry, uint64_t headerEnd, uint64_t size) {
  unsigned __int128 bytes = elementBytes(entry.dtype);
  for (int64_t dim : entry.shape)
    bytes *= uint64_t(dim); // no overflow check needed: the data fits size
  return elementBytes(entry.dtype) != 0 && entry.begin >= headerEnd &&
         entry.begin <= entry.end && entry.end <= size &&
         entry.end - entry.begin == bytes;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MemoryFile file(data, size);
  llvm::Expected<Checkpoint> checkpoint = Checkpoint::open(file.path());
  if (!checkpoint) {
    std::string message = llvm::toString(checkpoint.takeError());
    if (message.empty())
      finding("open failed without a message");
    return 0;
  }
  // An accepted file has its header length and its tensors where they
  // belong.
  if (size < 8)
    finding("accepted a file of " + std::to_string(size) + " bytes");
  uint64_t headerLength = 0;
  for (int i = 7; i >= 0; --i)
    headerLength = headerLength << 8 | data[i];
  if (headerLength > size - 8)
    finding("accepted a header longer than the file");
  std::vector<TensorRequest> tensors;
  for (const std::string &name : checkpoint->names()) {
    const TensorEntry *entry = checkpoint->find(name);
    if (!entry || !isWellPlaced(*entry, 8 + headerLength, size))
      finding("tensor '" + name + "' was accepted at the wrong place");
    if (tensors.size() < 8)
      tensors.push_back({name, entry->dtype, entry->shape});
  }
  if (tensors.empty())
    return 0;
  // One layer per tensor, forward then backward (a training schedule), and
  // all of them as one layer under a budget the input picks.
  std::vector<LayerRequest> perTensor;
  std::vector<unsigned> schedule;
  for (const TensorRequest &tensor : tensors)
    perTensor.push_back({tensor});
  for (unsigned layer = 0; layer < perTensor.size(); ++layer)
    schedule.push_back(layer);
  for (unsigned layer = perTensor.size(); layer-- > 0;)
    schedule.push_back(layer);
  streamAndCompare(*checkpoint, perTensor, schedule, data, /*budget=*/0);
  streamAndCompare(*checkpoint, {tensors}, {}, data,
                   /*budget=*/size > 0 ? data[size - 1] * uint64_t(64) : 0);
  // A request the file cannot satisfy is refused, not served.
  TensorRequest wrong = tensors.front();
  wrong.shape.push_back(3);
  if (streamAndCompare(*checkpoint, {{wrong}}, {}, data, 0))
    finding("a request whose shape differs from the file's was served");
  return 0;
}
