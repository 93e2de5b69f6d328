//===- WeightStream.cpp - C API of the layer-to-layer weight stream -------===//

#include "mx-c/WeightStream.h"
#include "mx/Runtime/StreamDriver.h"
#include "mx/Runtime/WeightStream.h"

#include "llvm/Support/JSON.h"

#include <cstdlib>
#include <cstring>

// Qualified names only: this file shares a unity batch with files that use
// namespace mlir (whose mlir::mx would make a bare `mx` ambiguous).
using ::mx::runtime::Checkpoint;
using ::mx::runtime::LayerRequest;
using ::mx::runtime::StreamDriver;
using ::mx::runtime::TensorRequest;
using ::mx::runtime::WeightStream;

static void writeError(const std::string &message, char *error,
                       size_t errorSize) {
  if (!error || errorSize == 0)
    return;
  size_t length = std::min(message.size(), errorSize - 1);
  std::memcpy(error, message.data(), length);
  error[length] = '\0';
}

/// The layers of `layersJson` ([[{name, dtype, shape}, ...], ...]).
static llvm::Expected<std::vector<LayerRequest>> parseLayers(const char *text) {
  auto bad = [](const llvm::Twine &what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "the layer list: " + what);
  };
  llvm::Expected<llvm::json::Value> parsed =
      llvm::json::parse(text ? text : "");
  if (!parsed)
    return bad("not JSON: " + llvm::toString(parsed.takeError()));
  const llvm::json::Array *layers = parsed->getAsArray();
  if (!layers)
    return bad("not a list of layers");
  std::vector<LayerRequest> requests;
  for (const llvm::json::Value &layer : *layers) {
    const llvm::json::Array *tensors = layer.getAsArray();
    if (!tensors)
      return bad("a layer is not a list of tensors");
    LayerRequest &request = requests.emplace_back();
    for (const llvm::json::Value &tensor : *tensors) {
      const llvm::json::Object *object = tensor.getAsObject();
      std::optional<llvm::StringRef> name =
          object ? object->getString("name") : std::nullopt;
      std::optional<llvm::StringRef> dtype =
          object ? object->getString("dtype") : std::nullopt;
      const llvm::json::Array *shape =
          object ? object->getArray("shape") : nullptr;
      if (!name || !dtype || !shape)
        return bad("a tensor is not {\"name\", \"dtype\", \"shape\"}");
      TensorRequest &entry = request.emplace_back();
      entry.name = name->str();
      entry.dtype = dtype->str();
      for (const llvm::json::Value &dim : *shape) {
        std::optional<int64_t> size = dim.getAsInteger();
        if (!size)
          return bad("tensor '" + *name + "': a size is not an integer");
        entry.shape.push_back(*size);
      }
    }
  }
  return requests;
}

static WeightStream *streamOf(MlirMXWeightStream stream) {
  return static_cast<WeightStream *>(stream.ptr);
}

MlirMXWeightStream mlirMXWeightStreamCreate(const char *path,
                                            const char *layersJson,
                                            const unsigned *schedule,
                                            size_t scheduleSize,
                                            unsigned buffers, uint64_t budget,
                                            char *error, size_t errorSize) {
  auto fail = [&](llvm::Error err) {
    writeError(llvm::toString(std::move(err)), error, errorSize);
    return MlirMXWeightStream{nullptr};
  };
  llvm::Expected<std::vector<LayerRequest>> layers = parseLayers(layersJson);
  if (!layers)
    return fail(layers.takeError());
  llvm::Expected<Checkpoint> checkpoint = Checkpoint::open(path ? path : "");
  if (!checkpoint)
    return fail(checkpoint.takeError());
  std::vector<unsigned> order;
  if (schedule)
    order.assign(schedule, schedule + scheduleSize);
  auto stream = WeightStream::create(*checkpoint, std::move(*layers),
                                     std::move(order), buffers, budget);
  if (!stream)
    return fail(stream.takeError());
  return MlirMXWeightStream{stream->release()};
}

int mlirMXWeightStreamAcquire(MlirMXWeightStream stream, unsigned layer,
                              const void **tensors, char *error,
                              size_t errorSize) {
  auto loaded = streamOf(stream)->acquire(layer);
  if (!loaded) {
    writeError(llvm::toString(loaded.takeError()), error, errorSize);
    return -1;
  }
  std::copy(loaded->begin(), loaded->end(), tensors);
  return 0;
}

void mlirMXWeightStreamRelease(MlirMXWeightStream stream, unsigned layer) {
  streamOf(stream)->release(layer);
}

uint64_t mlirMXWeightStreamPoolBytes(MlirMXWeightStream stream) {
  return streamOf(stream)->poolBytes();
}

uint64_t mlirMXWeightStreamPeakResidentBytes(MlirMXWeightStream stream) {
  return streamOf(stream)->peakResidentBytes();
}

void mlirMXWeightStreamDestroy(MlirMXWeightStream stream) {
  delete streamOf(stream);
}

static StreamDriver *driverOf(int64_t handle) {
  return reinterpret_cast<StreamDriver *>(static_cast<intptr_t>(handle));
}

MlirMXStreamDriver mlirMXStreamDriverCreate(MlirMXWeightStream stream) {
  return MlirMXStreamDriver{new StreamDriver(*streamOf(stream))};
}

const char *mlirMXStreamDriverError(MlirMXStreamDriver driver) {
  return static_cast<StreamDriver *>(driver.ptr)->error().c_str();
}

void mlirMXStreamDriverDestroy(MlirMXStreamDriver driver) {
  delete static_cast<StreamDriver *>(driver.ptr);
}

void _mlir_ciface_mxWeightStreamTensor(MlirMXByteMemRef *result, int64_t handle,
                                       int64_t layer, int64_t tensor) {
  void *data = const_cast<uint8_t *>(driverOf(handle)->tensor(layer, tensor));
  // Compiled code owns what a call returns (MLIR's buffer deallocation
  // frees the `allocated` pointer of call results): it gets a byte of its
  // own to free, and the tensor's bytes as the aligned pointer.
  *result = MlirMXByteMemRef{std::malloc(1), data, 0, 0, 1};
}

void _mlir_ciface_mxWeightStreamRelease(int64_t handle, int64_t layer) {
  driverOf(handle)->release(layer);
}
