//===- WeightStreamTest.cpp - The layer-to-layer weight stream ------------===//

#include "mx/Runtime/WeightStream.h"
#include "mx/Runtime/StreamDriver.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <unistd.h>

using namespace mx::runtime;

namespace {

struct FileTensor {
  std::string name, dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

/// A safetensors file of `tensors` in a fresh temporary path; `header`
/// replaces the generated header when given.
class TempCheckpoint {
public:
  explicit TempCheckpoint(const std::vector<FileTensor> &tensors,
                          const std::string &header = "",
                          int64_t dropBytes = 0) {
    char pattern[] = "/tmp/mx-weight-stream-XXXXXX";
    int descriptor = ::mkstemp(pattern);
    EXPECT_GE(descriptor, 0);
    ::close(descriptor);
    path = pattern;
    std::string json = header;
    std::string data;
    if (json.empty()) {
      json = "{\"__metadata__\": {\"format\": \"mx\"}";
      for (const FileTensor &tensor : tensors) {
        std::string shape;
        for (int64_t dim : tensor.shape)
          shape += (shape.empty() ? "" : ", ") + std::to_string(dim);
        json += ", \"" + tensor.name + "\": {\"dtype\": \"" + tensor.dtype +
                "\", \"shape\": [" + shape + "], \"data_offsets\": [" +
                std::to_string(data.size()) + ", " +
                std::to_string(data.size() + tensor.bytes.size()) + "]}";
        data.append(tensor.bytes.begin(), tensor.bytes.end());
      }
      json += "}";
    }
    std::string file(8, '\0');
    for (int i = 0; i < 8; ++i)
      file[i] = static_cast<char>(uint64_t(json.size()) >> (8 * i));
    file += json + data;
    file.resize(file.size() - dropBytes);
    std::ofstream(path, std::ios::binary) << file;
  }
  ~TempCheckpoint() { std::remove(path.c_str()); }
  std::string path;
};

std::vector<uint8_t> pattern(size_t size, uint8_t seed) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i)
    bytes[i] = static_cast<uint8_t>(seed + 7 * i);
  return bytes;
}

/// Three layers of an FP4 weight (blocks and scales) each, the middle one
/// the largest.
std::vector<FileTensor> threeLayers() {
  std::vector<FileTensor> tensors;
  const int64_t rows[] = {8, 16, 4};
  for (int layer = 0; layer < 3; ++layer) {
    std::string name = "layers." + std::to_string(layer) + ".weight";
    int64_t r = rows[layer];
    tensors.push_back({name + ".blocks",
                       "U8",
                       {r, 2, 16},
                       pattern(r * 2 * 16, uint8_t(layer * 40))});
    tensors.push_back(
        {name + ".scales", "U8", {r, 2}, pattern(r * 2, uint8_t(layer + 1))});
  }
  return tensors;
}

std::vector<LayerRequest> requestsFor(const std::vector<FileTensor> &tensors) {
  std::vector<LayerRequest> layers(tensors.size() / 2);
  for (size_t i = 0; i < tensors.size(); ++i)
    layers[i / 2].push_back(
        {tensors[i].name, tensors[i].dtype, tensors[i].shape});
  return layers;
}

Checkpoint openOrFail(const std::string &path) {
  llvm::Expected<Checkpoint> checkpoint = Checkpoint::open(path);
  if (!checkpoint) {
    ADD_FAILURE() << llvm::toString(checkpoint.takeError());
    return Checkpoint();
  }
  return std::move(*checkpoint);
}

std::string openError(const std::string &path) {
  llvm::Expected<Checkpoint> checkpoint = Checkpoint::open(path);
  if (checkpoint)
    return "(opened)";
  return llvm::toString(checkpoint.takeError());
}

std::string createError(const Checkpoint &checkpoint,
                        std::vector<LayerRequest> layers,
                        std::vector<unsigned> schedule = {},
                        uint64_t budget = 0) {
  auto stream = WeightStream::create(checkpoint, std::move(layers),
                                     std::move(schedule), 2, budget);
  if (stream)
    return "(created)";
  return llvm::toString(stream.takeError());
}

/// Acquires `layer`, checks its tensors' bytes against the file's, and
/// releases it.
void expectLayer(WeightStream &stream, unsigned layer,
                 const std::vector<FileTensor> &tensors) {
  auto loaded = stream.acquire(layer);
  ASSERT_TRUE(bool(loaded)) << llvm::toString(loaded.takeError());
  ASSERT_EQ(loaded->size(), 2u);
  for (unsigned i = 0; i < 2; ++i) {
    const FileTensor &expected = tensors[2 * layer + i];
    EXPECT_EQ(reinterpret_cast<uintptr_t>((*loaded)[i]) % 64, 0u);
    EXPECT_TRUE(
        std::equal(expected.bytes.begin(), expected.bytes.end(), (*loaded)[i]))
        << expected.name;
  }
  stream.release(layer);
}

TEST(Checkpoint, ListsItsTensorsSorted) {
  std::vector<FileTensor> tensors = threeLayers();
  std::reverse(tensors.begin(), tensors.end()); // the file's order
  TempCheckpoint file(tensors);
  Checkpoint checkpoint = openOrFail(file.path);
  std::vector<std::string> expected;
  for (const FileTensor &tensor : tensors)
    expected.push_back(tensor.name);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(checkpoint.names(), expected);
  const TensorEntry *first = checkpoint.find(expected.front());
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->dtype, "U8");
}

TEST(WeightStream, StreamsEachLayerInOrder) {
  std::vector<FileTensor> tensors = threeLayers();
  TempCheckpoint file(tensors);
  Checkpoint checkpoint = openOrFail(file.path);
  auto stream = WeightStream::create(checkpoint, requestsFor(tensors));
  ASSERT_TRUE(bool(stream)) << llvm::toString(stream.takeError());
  for (unsigned layer = 0; layer < 3; ++layer)
    expectLayer(**stream, layer, tensors);
  // Layer 1: 512 + 32 bytes, each rounded up to 64. Two buffers of it; at
  // most two layers held at once.
  EXPECT_EQ((*stream)->poolBytes(), 2u * (512 + 64));
  EXPECT_LE((*stream)->peakResidentBytes(), (*stream)->poolBytes());
  EXPECT_GE((*stream)->peakResidentBytes(), 512u + 64);
}

TEST(WeightStream, LoadsTheNextLayerWhileOneIsHeld) {
  std::vector<FileTensor> tensors = threeLayers();
  TempCheckpoint file(tensors);
  Checkpoint checkpoint = openOrFail(file.path);
  auto stream = WeightStream::create(checkpoint, requestsFor(tensors));
  ASSERT_TRUE(bool(stream)) << llvm::toString(stream.takeError());
  auto layer0 = (*stream)->acquire(0);
  ASSERT_TRUE(bool(layer0)) << llvm::toString(layer0.takeError());
  // Layer 0 (256 + 64 bytes) is held; the loader reads layer 1 into the
  // second buffer meanwhile, and no third layer until a buffer frees.
  const uint64_t both = (256 + 64) + (512 + 64);
  for (int i = 0; i < 1000 && (*stream)->peakResidentBytes() < both; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ((*stream)->peakResidentBytes(), both);
  (*stream)->release(0);
  expectLayer(**stream, 1, tensors);
  expectLayer(**stream, 2, tensors);
}

TEST(WeightStream, FollowsASchedule) {
  std::vector<FileTensor> tensors = threeLayers();
  TempCheckpoint file(tensors);
  Checkpoint checkpoint = openOrFail(file.path);
  // Forward then backward (L2L training's order), on one buffer: no
  // prefetch, the same bytes.
  for (unsigned buffers : {1u, 2u, 3u}) {
    auto stream = WeightStream::create(checkpoint, requestsFor(tensors),
                                       {0, 1, 2, 2, 1, 0}, buffers);
    ASSERT_TRUE(bool(stream)) << llvm::toString(stream.takeError());
    for (unsigned layer : {0u, 1u, 2u, 2u, 1u, 0u})
      expectLayer(**stream, layer, tensors);
    auto after = (*stream)->acquire(0);
    ASSERT_FALSE(bool(after));
    EXPECT_EQ(llvm::toString(after.takeError()),
              "layer 0 acquired after the schedule's end");
  }
  auto stream = WeightStream::create(checkpoint, requestsFor(tensors));
  ASSERT_TRUE(bool(stream));
  auto wrong = (*stream)->acquire(1);
  ASSERT_FALSE(bool(wrong));
  EXPECT_EQ(llvm::toString(wrong.takeError()),
            "layer 1 acquired out of order: step 0 of the schedule is "
            "layer 0");
}

TEST(WeightStream, ChecksWhatTheLayersTakeBeforeReading) {
  std::vector<FileTensor> tensors = threeLayers();
  TempCheckpoint file(tensors);
  Checkpoint checkpoint = openOrFail(file.path);
  const std::string &p = file.path;

  std::vector<LayerRequest> missing = requestsFor(tensors);
  missing[2][1].name = "layers.2.weight.scale";
  EXPECT_EQ(createError(checkpoint, missing),
            p + ": layer 2: tensor 'layers.2.weight.scale' is missing");

  std::vector<LayerRequest> shape = requestsFor(tensors);
  shape[1][0].shape = {16, 2, 17};
  EXPECT_EQ(createError(checkpoint, shape),
            p + ": layer 1: tensor 'layers.1.weight.blocks' is U8 [16, 2, "
                "16]; the layer takes U8 [16, 2, 17]");

  std::vector<LayerRequest> dtype = requestsFor(tensors);
  dtype[0][1].dtype = "F8_E4M3";
  EXPECT_EQ(createError(checkpoint, dtype),
            p + ": layer 0: tensor 'layers.0.weight.scales' is U8 [8, 2]; "
                "the layer takes F8_E4M3 [8, 2]");

  EXPECT_EQ(createError(checkpoint, requestsFor(tensors), {0, 3}),
            "the schedule names layer 3; there are 3");

  EXPECT_EQ(createError(checkpoint, requestsFor(tensors), {}, 1000),
            "the memory budget of 1000 bytes is too small: 2 buffers of the "
            "largest layer (layer 1, 576 bytes) take 1152");
  EXPECT_EQ(createError(checkpoint, requestsFor(tensors), {}, 1152),
            "(created)");
}

TEST(WeightStream, RejectsBrokenFiles) {
  std::vector<FileTensor> tensors = threeLayers();
  {
    TempCheckpoint truncated(tensors, "", /*dropBytes=*/1);
    EXPECT_EQ(openError(truncated.path),
              truncated.path +
                  ": tensor 'layers.2.weight.scales': truncated file: the "
                  "tensor ends at byte 952 of the data, which holds 951");
  }
  {
    TempCheckpoint tiny({}, "{}", /*dropBytes=*/6);
    EXPECT_EQ(openError(tiny.path),
              tiny.path +
                  ": shorter than a safetensors header length (8 bytes)");
  }
  {
    TempCheckpoint header({}, "{\"a\": 1}", /*dropBytes=*/3);
    EXPECT_EQ(openError(header.path),
              header.path + ": truncated file: the header is said to take 8 "
                            "bytes, the file has 5 after the length");
  }
  {
    TempCheckpoint json({}, "{\"a\": [1, }");
    EXPECT_NE(openError(json.path).find(": the header is not JSON: "),
              std::string::npos)
        << openError(json.path);
  }
  {
    TempCheckpoint dtype(
        {}, R"({"w": {"dtype": "F4", "shape": [2], "data_offsets": [0, 1]}})");
    EXPECT_EQ(openError(dtype.path),
              dtype.path + ": tensor 'w': unknown dtype 'F4'");
  }
  {
    TempCheckpoint span(
        {}, R"({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}})");
    EXPECT_EQ(openError(span.path),
              span.path + ": tensor 'w': data_offsets span 4 bytes; F32 [2] "
                          "takes 8");
  }
  {
    TempCheckpoint shape(
        {}, R"({"w": {"dtype": "U8", "shape": [-1], "data_offsets": [0, 0]}})");
    EXPECT_EQ(openError(shape.path),
              shape.path + ": tensor 'w': the shape holds something other "
                           "than sizes >= 0");
  }
  {
    TempCheckpoint list({}, "[1, 2]");
    EXPECT_EQ(openError(list.path),
              list.path + ": the header is not a JSON object");
  }
  EXPECT_NE(openError("/nonexistent/model.safetensors")
                .find("/nonexistent/model.safetensors: No such file"),
            std::string::npos);
}

/// The three layers in a file of their own, streamed with one buffer:
/// layers 1 and 2 are read only after layer 0 is released.
struct OneBufferStream {
  std::vector<FileTensor> tensors = threeLayers();
  TempCheckpoint file{tensors};
  Checkpoint checkpoint = openOrFail(file.path);
  std::unique_ptr<WeightStream> stream = [&] {
    auto created =
        WeightStream::create(checkpoint, requestsFor(tensors), {}, 1);
    EXPECT_TRUE(bool(created));
    return created ? std::move(*created) : nullptr;
  }();
};

TEST(WeightStream, ReportsAFileThatShrinksWhileStreaming) {
  OneBufferStream s;
  ASSERT_TRUE(s.stream);
  auto layer0 = s.stream->acquire(0);
  ASSERT_TRUE(bool(layer0));
  ASSERT_EQ(::truncate(s.file.path.c_str(), 100), 0);
  s.stream->release(0);
  auto layer1 = s.stream->acquire(1);
  ASSERT_FALSE(bool(layer1));
  EXPECT_EQ(llvm::toString(layer1.takeError()),
            s.file.path + ": layer 1: the file ended early (changed since it "
                          "was opened?)");
}

TEST(StreamDriver, HandsOutEachLayersTensorsInTurn) {
  std::vector<FileTensor> tensors = threeLayers();
  TempCheckpoint file(tensors);
  Checkpoint checkpoint = openOrFail(file.path);
  auto stream = WeightStream::create(checkpoint, requestsFor(tensors));
  ASSERT_TRUE(bool(stream));
  StreamDriver driver(**stream);
  for (int64_t layer = 0; layer < 3; ++layer) {
    for (int64_t index : {1, 0, 1}) { // the first call acquires the layer
      const FileTensor &expected = tensors[2 * layer + index];
      const uint8_t *bytes = driver.tensor(layer, index);
      EXPECT_EQ(reinterpret_cast<uintptr_t>(bytes) % 64, 0u);
      EXPECT_TRUE(
          std::equal(expected.bytes.begin(), expected.bytes.end(), bytes))
          << expected.name;
    }
    driver.release(layer);
    driver.release(layer); // not held: nothing
  }
  EXPECT_EQ(driver.error(), "");
}

/// After its first error a driver hands out zeros (as many bytes as the
/// pool) and keeps the message.
void expectZeros(WeightStream &stream, const uint8_t *bytes) {
  EXPECT_TRUE(std::all_of(bytes, bytes + stream.poolBytes(),
                          [](uint8_t byte) { return byte == 0; }));
}

/// The first error of a driver that makes `calls` (layer, tensor) on a
/// fresh stream of `tensors`; every call after the first error reads zeros.
std::string firstError(const std::vector<FileTensor> &tensors,
                       const Checkpoint &checkpoint,
                       const std::vector<std::pair<int64_t, int64_t>> &calls) {
  auto stream = WeightStream::create(checkpoint, requestsFor(tensors));
  if (!stream)
    return llvm::toString(stream.takeError());
  StreamDriver driver(**stream);
  for (auto [layer, index] : calls) {
    const uint8_t *bytes = driver.tensor(layer, index);
    if (!driver.error().empty())
      expectZeros(**stream, bytes);
  }
  return driver.error();
}

TEST(StreamDriver, KeepsTheFirstErrorAndReadsZerosAfterIt) {
  std::vector<FileTensor> tensors = threeLayers();
  TempCheckpoint file(tensors);
  Checkpoint checkpoint = openOrFail(file.path);
  // The first error stays: the layer asked for after it is not checked.
  EXPECT_EQ(firstError(tensors, checkpoint, {{0, 0}, {0, 2}, {1, 0}}),
            "the compiled driver asked for tensor 2 of layer 0, which has 2");
  EXPECT_EQ(firstError(tensors, checkpoint, {{0, 0}, {1, 0}}),
            "the compiled driver asked for layer 1 while holding layer 0");
  EXPECT_EQ(firstError(tensors, checkpoint, {{3, 0}}),
            "the compiled driver asked for layer 3 of 3");
}

TEST(StreamDriver, ReportsAFileThatShrinksWhileStreaming) {
  OneBufferStream s;
  ASSERT_TRUE(s.stream);
  StreamDriver driver(*s.stream);
  driver.tensor(0, 0);
  ASSERT_EQ(::truncate(s.file.path.c_str(), 100), 0);
  driver.release(0);
  expectZeros(*s.stream, driver.tensor(1, 0));
  EXPECT_EQ(driver.error(),
            s.file.path + ": layer 1: the file ended early (changed since it "
                          "was opened?)");
}

} // namespace
