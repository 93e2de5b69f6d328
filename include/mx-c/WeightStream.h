/*===- mx-c/WeightStream.h - Layer weights streamed from a checkpoint -*- C
 * -*-===*
 *
 * C entry points over mx::runtime::WeightStream (docs/LayerToLayer.md), for
 * the Python package (ctypes) and for drivers written in C. Errors come back
 * as messages in a caller's buffer, truncated to its size.
 *
 *===----------------------------------------------------------------------===*/

#ifndef MX_C_WEIGHTSTREAM_H
#define MX_C_WEIGHTSTREAM_H

#include "mlir-c/Support.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct MlirMXWeightStream {
  void *ptr;
} MlirMXWeightStream;

/** Opens the safetensors file `path` and checks the tensors every layer
 *  takes against it. `layersJson` lists them, one list per layer:
 *  [[{"name": "l0.weight.blocks", "dtype": "U8", "shape": [64, 2, 16]}, ...],
 *  ...]. `schedule` (`scheduleSize` layer indices; none: every layer once,
 *  in order) is the order of acquires; `buffers` buffers of the largest
 *  layer must fit `budget` bytes (0: no budget). A null stream on error,
 *  with the message in `error`. */
MLIR_CAPI_EXPORTED MlirMXWeightStream mlirMXWeightStreamCreate(
    const char *path, const char *layersJson, const unsigned *schedule,
    size_t scheduleSize, unsigned buffers, uint64_t budget, char *error,
    size_t errorSize);

/** Waits for the next scheduled layer, which must be `layer`, and writes
 *  the addresses of its tensors (64-byte aligned, valid until its release)
 *  to `tensors`. Returns 0, or -1 with the message in `error`. */
MLIR_CAPI_EXPORTED int mlirMXWeightStreamAcquire(MlirMXWeightStream stream,
                                                 unsigned layer,
                                                 const void **tensors,
                                                 char *error, size_t errorSize);

/** Hands an acquired layer's buffer back for the next layers. */
MLIR_CAPI_EXPORTED void mlirMXWeightStreamRelease(MlirMXWeightStream stream,
                                                  unsigned layer);

/** Bytes of the buffer pool, and the most layer bytes held at once. */
MLIR_CAPI_EXPORTED uint64_t
mlirMXWeightStreamPoolBytes(MlirMXWeightStream stream);
MLIR_CAPI_EXPORTED uint64_t
mlirMXWeightStreamPeakResidentBytes(MlirMXWeightStream stream);

MLIR_CAPI_EXPORTED void mlirMXWeightStreamDestroy(MlirMXWeightStream stream);

/*===----------------------------------------------------------------------===*
 * Compiled drivers (docs/LayerToLayer.md, "A compiled driver"): MLIR that
 * declares
 *   func.func private @mxWeightStreamTensor(i64, index, index) -> memref<?xi8>
 *   func.func private @mxWeightStreamRelease(i64, index)
 * (both {llvm.emit_c_interface}) reaches the two _mlir_ciface_ functions
 * below, passing a driver handle as its i64.
 *===----------------------------------------------------------------------===*/

typedef struct MlirMXStreamDriver {
  void *ptr;
} MlirMXStreamDriver;

/** A handle for compiled code over `stream` (which it does not own). */
MLIR_CAPI_EXPORTED MlirMXStreamDriver
mlirMXStreamDriverCreate(MlirMXWeightStream stream);

/** The first error the driver's calls met ("" if none). After an error,
 *  every tensor is a zero-filled buffer as large as the pool, so compiled
 *  code runs to its end on zeros and its caller reports this message. */
MLIR_CAPI_EXPORTED const char *
mlirMXStreamDriverError(MlirMXStreamDriver driver);

MLIR_CAPI_EXPORTED void mlirMXStreamDriverDestroy(MlirMXStreamDriver driver);

/** The memref<?xi8> descriptor of the calls below. */
typedef struct MlirMXByteMemRef {
  void *allocated;
  void *aligned;
  int64_t offset;
  int64_t size;
  int64_t stride;
} MlirMXByteMemRef;

/** Tensor `tensor` of layer `layer`, acquiring the layer first if the
 *  driver does not hold it: its bytes as the aligned pointer (64-byte
 *  aligned, valid until the release; `size` 0, as the driver views them
 *  with their static shape), and as the allocated pointer a 1-byte block
 *  of its own, which the caller frees (MLIR's deallocation frees what a
 *  call returns). */
MLIR_CAPI_EXPORTED void
_mlir_ciface_mxWeightStreamTensor(MlirMXByteMemRef *result, int64_t driver,
                                  int64_t layer, int64_t tensor);

/** Releases `layer` if the driver holds it. */
MLIR_CAPI_EXPORTED void _mlir_ciface_mxWeightStreamRelease(int64_t driver,
                                                           int64_t layer);

#ifdef __cplusplus
}
#endif

#endif /* MX_C_WEIGHTSTREAM_H */
