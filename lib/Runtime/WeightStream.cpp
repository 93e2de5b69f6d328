//===- WeightStream.cpp - Layer weights streamed from a checkpoint --------===//

#include "mx/Runtime/WeightStream.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace mx::runtime;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;

static Error failure(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Bytes per element of a safetensors dtype; 0 for an unknown one.
static uint64_t dtypeBytes(StringRef dtype) {
  for (auto [name, bytes] :
       std::initializer_list<std::pair<StringRef, int>>{{"BOOL", 1},
                                                        {"U8", 1},
                                                        {"I8", 1},
                                                        {"F8_E4M3", 1},
                                                        {"F8_E5M2", 1},
                                                        {"U16", 2},
                                                        {"I16", 2},
                                                        {"F16", 2},
                                                        {"BF16", 2},
                                                        {"U32", 4},
                                                        {"I32", 4},
                                                        {"F32", 4},
                                                        {"U64", 8},
                                                        {"I64", 8},
                                                        {"F64", 8}})
    if (dtype == name)
      return bytes;
  return 0;
}

static std::string shapeText(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

/// Reads exactly `size` bytes at `offset`; an error message, or empty.
static std::string readAt(int descriptor, uint8_t *into, uint64_t size,
                          uint64_t offset) {
  while (size > 0) {
    ssize_t got = ::pread(descriptor, into, size, offset);
    if (got < 0 && errno == EINTR)
      continue;
    if (got < 0)
      return std::string("read failed: ") + std::strerror(errno);
    if (got == 0)
      return "the file ended early (changed since it was opened?)";
    into += got;
    size -= got;
    offset += got;
  }
  return {};
}

static Expected<TensorEntry> parseEntry(StringRef path, StringRef name,
                                        const llvm::json::Value &value,
                                        uint64_t dataStart, uint64_t fileSize) {
  auto bad = [&](const Twine &what) {
    return failure(path + ": tensor '" + name + "': " + what);
  };
  const llvm::json::Object *object = value.getAsObject();
  if (!object)
    return bad("the header entry is not an object");
  TensorEntry entry;
  std::optional<StringRef> dtype = object->getString("dtype");
  if (!dtype)
    return bad("no dtype");
  entry.dtype = dtype->str();
  uint64_t elementBytes = dtypeBytes(*dtype);
  if (elementBytes == 0)
    return bad("unknown dtype '" + *dtype + "'");
  const llvm::json::Array *shape = object->getArray("shape");
  if (!shape)
    return bad("no shape");
  uint64_t bytes = elementBytes;
  for (const llvm::json::Value &dim : *shape) {
    std::optional<int64_t> size = dim.getAsInteger();
    if (!size || *size < 0)
      return bad("the shape holds something other than sizes >= 0");
    if (*size != 0 && bytes > UINT64_MAX / static_cast<uint64_t>(*size))
      return bad("the shape's byte count overflows 64 bits");
    bytes *= *size;
    entry.shape.push_back(*size);
  }
  const llvm::json::Array *offsets = object->getArray("data_offsets");
  std::optional<int64_t> begin, end;
  if (offsets && offsets->size() == 2) {
    begin = (*offsets)[0].getAsInteger();
    end = (*offsets)[1].getAsInteger();
  }
  if (!begin || !end || *begin < 0 || *end < *begin)
    return bad("data_offsets is not [begin, end] with 0 <= begin <= end");
  if (static_cast<uint64_t>(*end - *begin) != bytes)
    return bad(Twine("data_offsets span ") + Twine(*end - *begin) + " bytes; " +
               entry.dtype + " " + shapeText(entry.shape) + " takes " +
               Twine(bytes));
  uint64_t dataSize = fileSize - dataStart;
  if (static_cast<uint64_t>(*end) > dataSize)
    return bad(Twine("truncated file: the tensor ends at byte ") + Twine(*end) +
               " of the data, which holds " + Twine(dataSize));
  entry.begin = dataStart + *begin;
  entry.end = dataStart + *end;
  return entry;
}

Expected<Checkpoint> Checkpoint::open(StringRef path) {
  int descriptor = ::open(path.str().c_str(), O_RDONLY | O_CLOEXEC);
  if (descriptor < 0)
    return failure(path + ": " + std::strerror(errno));
  struct stat status;
  if (::fstat(descriptor, &status) != 0) {
    ::close(descriptor);
    return failure(path + ": " + std::strerror(errno));
  }
  Checkpoint checkpoint;
  checkpoint.filePath = path.str();
  checkpoint.fileSize = status.st_size;
  uint8_t lengthBytes[8];
  std::string error;
  if (checkpoint.fileSize < 8)
    error = "shorter than a safetensors header length (8 bytes)";
  else
    error = readAt(descriptor, lengthBytes, 8, 0);
  uint64_t headerLength = 0;
  for (int i = 7; error.empty() && i >= 0; --i)
    headerLength = headerLength << 8 | lengthBytes[i];
  if (error.empty() && headerLength > checkpoint.fileSize - 8)
    error = "truncated file: the header is said to take " +
            std::to_string(headerLength) + " bytes, the file has " +
            std::to_string(checkpoint.fileSize - 8) + " after the length";
  std::string header;
  if (error.empty()) {
    header.resize(headerLength);
    error = readAt(descriptor, reinterpret_cast<uint8_t *>(header.data()),
                   headerLength, 8);
  }
  ::close(descriptor);
  if (!error.empty())
    return failure(path + ": " + error);
  Expected<llvm::json::Value> parsed = llvm::json::parse(header);
  if (!parsed)
    return failure(path + ": the header is not JSON: " +
                   llvm::toString(parsed.takeError()));
  const llvm::json::Object *object = parsed->getAsObject();
  if (!object)
    return failure(path + ": the header is not a JSON object");
  for (const auto &[key, value] : *object) {
    if (key == "__metadata__")
      continue;
    Expected<TensorEntry> entry =
        parseEntry(path, key, value, 8 + headerLength, checkpoint.fileSize);
    if (!entry)
      return entry.takeError();
    checkpoint.entries[key] = std::move(*entry);
  }
  return checkpoint;
}

const TensorEntry *Checkpoint::find(StringRef name) const {
  auto it = entries.find(name);
  return it == entries.end() ? nullptr : &it->second;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> sorted;
  for (const auto &entry : entries)
    sorted.push_back(entry.getKey().str());
  std::sort(sorted.begin(), sorted.end());
  return sorted;
}

// Buffers are 64-byte aligned, as are the tensors inside them: the loaded
// bytes are handed to vector kernels as they are.
static constexpr uint64_t kAlignment = 64;

Expected<std::unique_ptr<WeightStream>> WeightStream::create(
    const Checkpoint &checkpoint, std::vector<LayerRequest> requests,
    std::vector<unsigned> schedule, unsigned bufferCount, uint64_t budget) {
  if (bufferCount < 1)
    return failure("a weight stream needs at least one buffer");
  std::unique_ptr<WeightStream> stream(new WeightStream());
  const std::string &path = checkpoint.path();
  for (auto [layer, request] : llvm::enumerate(requests)) {
    std::vector<Placement> placements;
    uint64_t offset = 0;
    for (const TensorRequest &tensor : request) {
      const TensorEntry *entry = checkpoint.find(tensor.name);
      std::string where =
          (path + ": layer " + Twine(layer) + ": tensor '" + tensor.name + "'")
              .str();
      if (!entry)
        return failure(where + " is missing");
      if (entry->dtype != tensor.dtype || entry->shape != tensor.shape)
        return failure(where + " is " + entry->dtype + " " +
                       shapeText(entry->shape) + "; the layer takes " +
                       tensor.dtype + " " + shapeText(tensor.shape));
      uint64_t bytes = entry->end - entry->begin;
      placements.push_back({entry->begin, offset, bytes});
      offset += llvm::alignTo(bytes, kAlignment);
    }
    stream->layers.push_back(std::move(placements));
    stream->layerBytes.push_back(offset);
    stream->bufferSize = std::max(stream->bufferSize, offset);
  }
  if (schedule.empty())
    for (unsigned layer = 0; layer < requests.size(); ++layer)
      schedule.push_back(layer);
  for (unsigned layer : schedule)
    if (layer >= requests.size())
      return failure("the schedule names layer " + Twine(layer) +
                     "; there are " + Twine(requests.size()));
  if (budget != 0 && bufferCount * stream->bufferSize > budget) {
    auto largest =
        std::max_element(stream->layerBytes.begin(), stream->layerBytes.end());
    return failure(Twine("the memory budget of ") + Twine(budget) +
                   " bytes is too small: " + Twine(bufferCount) +
                   " buffers of the largest layer (layer " +
                   Twine(largest - stream->layerBytes.begin()) + ", " +
                   Twine(stream->bufferSize) + " bytes) take " +
                   Twine(bufferCount * stream->bufferSize));
  }
  stream->schedule = std::move(schedule);
  stream->path = path;
  stream->descriptor = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (stream->descriptor < 0)
    return failure(path + ": " + std::strerror(errno));
  stream->buffers.resize(bufferCount);
  for (Buffer &buffer : stream->buffers) {
    buffer.data.reset(static_cast<uint8_t *>(std::aligned_alloc(
        kAlignment, std::max<uint64_t>(stream->bufferSize, kAlignment))));
    if (!buffer.data)
      return failure(Twine("could not allocate a buffer of ") +
                     Twine(stream->bufferSize) + " bytes");
  }
  stream->loader = std::thread([s = stream.get()] { s->loadLoop(); });
  return stream;
}

void WeightStream::Free::operator()(uint8_t *data) const { std::free(data); }

WeightStream::~WeightStream() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  changed.notify_all();
  if (loader.joinable())
    loader.join();
  if (descriptor >= 0)
    ::close(descriptor);
}

std::string WeightStream::readLayer(unsigned layer, uint8_t *into) const {
  for (const Placement &placement : layers[layer]) {
    std::string error = readAt(descriptor, into + placement.bufferOffset,
                               placement.bytes, placement.fileOffset);
    if (!error.empty())
      return path + ": layer " + std::to_string(layer) + ": " + error;
  }
  return {};
}

void WeightStream::loadLoop() {
  std::unique_lock<std::mutex> lock(mutex);
  while (true) {
    Buffer *free = nullptr;
    changed.wait(lock, [&] {
      if (stopping || nextLoad == schedule.size())
        return true;
      auto it = std::find_if(buffers.begin(), buffers.end(),
                             [](auto &b) { return b.state == State::Free; });
      free = it == buffers.end() ? nullptr : &*it;
      return free != nullptr;
    });
    if (stopping || nextLoad == schedule.size())
      return;
    size_t step = nextLoad++;
    unsigned layer = schedule[step];
    free->state = State::Loading;
    free->step = step;
    resident += layerBytes[layer];
    peak = std::max(peak, resident);
    lock.unlock();
    std::string error = readLayer(layer, free->data.get());
    lock.lock();
    free->error = std::move(error);
    free->state = State::Ready;
    changed.notify_all();
  }
}

Expected<std::vector<const uint8_t *>> WeightStream::acquire(unsigned layer) {
  std::unique_lock<std::mutex> lock(mutex);
  if (nextAcquire == schedule.size())
    return failure("layer " + Twine(layer) +
                   " acquired after the schedule's end");
  if (schedule[nextAcquire] != layer)
    return failure("layer " + Twine(layer) + " acquired out of order: step " +
                   Twine(nextAcquire) + " of the schedule is layer " +
                   Twine(schedule[nextAcquire]));
  Buffer *ready = nullptr;
  changed.wait(lock, [&] {
    for (Buffer &buffer : buffers)
      if (buffer.state == State::Ready && buffer.step == nextAcquire)
        ready = &buffer;
    return ready != nullptr;
  });
  ++nextAcquire;
  ready->state = State::InUse;
  if (!ready->error.empty()) {
    ready->state = State::Free;
    resident -= layerBytes[layer];
    changed.notify_all();
    return failure(ready->error);
  }
  std::vector<const uint8_t *> tensors;
  for (const Placement &placement : layers[layer])
    tensors.push_back(ready->data.get() + placement.bufferOffset);
  return tensors;
}

void WeightStream::release(unsigned layer) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    for (Buffer &buffer : buffers)
      if (buffer.state == State::InUse && schedule[buffer.step] == layer) {
        buffer.state = State::Free;
        resident -= layerBytes[layer];
        break;
      }
  }
  changed.notify_all();
}

uint64_t WeightStream::peakResidentBytes() const {
  std::lock_guard<std::mutex> lock(mutex);
  return peak;
}
