//===- BlockKernels.h - Loops over the blocks of a flat MX layout -*- C++ -*-//
//
// The vector kernels see a tensor of the kernel layout (MXToVector.h) as 1-D
// buffers: data, codes and scales, with block i at a fixed stride in each.
// They work on buffers inside the tensor program: inputs through a read-only
// bufferization.to_buffer, results in fresh allocations handed back with
// bufferization.to_tensor (restrict, writable), which one-shot bufferization
// and the deallocation pipeline treat like any other allocation.
//
//===----------------------------------------------------------------------===//

#ifndef MX_LIB_CONVERSION_MXTOVECTOR_BLOCKKERNELS_H
#define MX_LIB_CONVERSION_MXTOVECTOR_BLOCKKERNELS_H

#include "mx/Dialect/MX/IR/MXTypes.h"
#include "mx/Dialect/MX/Utils/ArithEmitter.h"
#include "mx/Dialect/MX/Utils/ElementCodes.h"
#include "mx/Target/CPUTarget.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::mx {

/// f32 (or i32) lanes of one AVX-512 register: the kernels' vector width.
constexpr int64_t kLanes = 16;

/// The operands and extents of an mx.matmul of MX weights (rhs) and MX or
/// (weight-only) f32 activations (lhs).
struct MatmulShape {
  BlockTensorType lhs, rhs;  // lhs null: f32 activations
  int64_t M, K, N, block, G; // G = K / block (the kernels take whole blocks)
};
MatmulShape getMatmulShape(Operation *matmul);

/// The number of blocks (scales) of `type`.
int64_t countBlocks(BlockTensorType type);

/// The tensor `tensor` as a read-only 1-D buffer.
Value readFlat(OpBuilder &b, Location loc, Value tensor);

/// A new buffer holding a tensor of `type`.
struct FlatResult {
  Value tensor; // the result, for the tensor program
  Value flat;   // its 1-D view, for the kernel to write
};
FlatResult allocateFlat(OpBuilder &b, Location loc, RankedTensorType type);

/// The leading columns of `wide` (an M x N' matrix product computed with N
/// widened to whole panels) that `result` (M x N, N <= N') holds.
Value sliceLeadingColumns(OpBuilder &b, Location loc, Value wide,
                          RankedTensorType result);

/// scf.parallel over blocks [0, count); `body` gets the block index.
void buildBlockLoop(OpBuilder &b, Location loc, int64_t count,
                    function_ref<void(OpBuilder &, Location, Value)> body);

/// Lane `lane` of `v` (a vector) in every lane of a vector of kLanes.
Value broadcastLane(OpBuilder &b, Location loc, Value v, int64_t lane);

/// The i32 constant `v` in every lane of `type` (a vector of i32).
Value splatI32(OpBuilder &b, Location loc, VectorType type, int64_t v);

/// The magnitude bits of `x` (vector<n x f32>) as vector<n x i32>: NaN's
/// exceed Inf's, which exceed every finite value's, so an unsigned max over
/// them is an amax in which NaN and Inf win, as the scale rules want.
Value buildMagnitudeBits(OpBuilder &b, Location loc, Value x);

/// The largest of `magnitudes` (buildMagnitudeBits) as an f32.
Value buildReduceMagnitudes(OpBuilder &b, Location loc, Value magnitudes);

/// The sixteen reductions of buildReduceMagnitudes at once: lane j of the
/// result (f32 vector) is the largest of `magnitudes[j]` (sixteen i32
/// vectors of kLanes), by a transposing network of pairwise lane shuffles
/// and maxima (15 maxima instead of 16 reductions of 4).
Value buildReduceMagnitudesOfSixteen(OpBuilder &b, Location loc,
                                     ArrayRef<Value> magnitudes);

/// `index * factor` as an index value.
Value scaledIndex(OpBuilder &b, Location loc, Value index, int64_t factor);

/// `x + y` for index (or integer) values.
Value addIndices(OpBuilder &b, Location loc, Value x, Value y);

/// The byte lanes of `codes` (vector<k x i8>, k even) paired into FP4
/// storage: lane 2i in the low nibble of byte i, lane 2i+1 in the high one.
Value packNibbles(OpBuilder &b, Location loc, Value codes);

/// The inverse of packNibbles: vector<k/2 x i8> -> vector<k x i8>.
Value unpackNibbles(OpBuilder &b, Location loc, Value bytes);

/// The `count` elements of `buffer` (1-D) from `at`, 32 bits in all, as one
/// 32-bit lane repeated in a 512-bit vector (vector<16 * count x element>):
/// a dot unit's broadcast operand (a bf16 pair, an int8 quad).
Value broadcastWord(OpBuilder &b, Location loc, Value buffer, Value at,
                    int64_t count);

/// Four rows of bytes (vector<n x i8> each) as one: column c's four bytes
/// adjacent, row 0 first, the operand layout of vpdpbusd.
Value interleaveQuads(OpBuilder &b, Location loc, Value r0, Value r1, Value r2,
                      Value r3);

/// Encodes `x` (f32 lanes: the elements first + [0, k) of the row-major
/// tensor) under its lanes' E8M0 scale codes as `options` round and
/// saturate (stochastic rounding: Philox of `seed` and the element index),
/// and stores the codes into the flat storage `codes`: a byte each at
/// `first`, or FP4 two to a byte at first / 2 (`first` even). The row and
/// column quantize kernels share it.
void storeEncodedElements(OpBuilder &b, Location loc, Value x, Value scaleCodes,
                          Value first, const EncodeOptions &options,
                          uint64_t seed, Value codes);

/// The kernel patterns (benefit 2, ahead of the linalg lowering's).
void populateQuantizeKernelPattern(const TypeConverter &converter,
                                   RewritePatternSet &patterns);
/// mx.quantize in blocks down columns (`[.., k, 1]`), 16 columns in lanes.
void populateColumnQuantizeKernelPattern(const TypeConverter &converter,
                                         RewritePatternSet &patterns);
void populateDequantizeKernelPattern(const TypeConverter &converter,
                                     RewritePatternSet &patterns);
void populateHadamardKernelPattern(const TypeConverter &converter,
                                   RewritePatternSet &patterns);
void populateTensorScaleKernelPattern(const TypeConverter &converter,
                                      RewritePatternSet &patterns);
void populateTileQuantizeKernelPattern(const TypeConverter &converter,
                                       RewritePatternSet &patterns);
/// mx.transpose of a static matrix of whole 16 x 16 tiles (one-level
/// formats): codes moved a tile at a time.
void populateTransposeKernelPattern(const TypeConverter &converter,
                                    RewritePatternSet &patterns);
/// NVFP4 quantize of `groups` x 16 whole blocks of 16 (`input`, 1-D, of
/// `inputElement`) under `tensorScale` (f32) into `codes` (packed E2M1) and
/// `scales` (E4M3): a parallel loop over groups of sixteen blocks.
void buildNVFP4QuantizeGroups(OpBuilder &b, Location loc, int64_t groups,
                              Value input, Type inputElement, Value tensorScale,
                              Value codes, Value scales);
/// Quantize and dequantize of two-level types (MX9/MX6/MX4 and kin) with
/// blocks of 16 along the last axis only, whole blocks, sub-blocks dividing
/// 16.
void populateTwoLevelQuantizeKernelPattern(const TypeConverter &converter,
                                           RewritePatternSet &patterns);
void populateTwoLevelDequantizeKernelPattern(const TypeConverter &converter,
                                             RewritePatternSet &patterns);
/// The packed matmul kernel with the units `target` has: vdpbf16ps
/// (`bf16Dot`, else f32 FMA), pairs of INT8, E2M1 and E2M3 by vpdpbusd
/// (`int8Dot`), AMX tiles (`amxBF16` / `amxInt8`) taken when Linux grants the
/// tile data at run time, else the AVX-512 kernel. `emulateAMX`: tile
/// instructions as vector ops, without the run-time test.
struct MatmulKernelOptions;
void populateMatmulKernelPattern(const TypeConverter &converter,
                                 RewritePatternSet &patterns,
                                 const cpu::CPUTarget &target,
                                 const MatmulKernelOptions &options);
/// One-row products (benefit 3, ahead of the packed kernel).
/// `bf16PairLookup`: FP4/FP6/FP8 weights looked up as bf16 two rows at a
/// time (vpermw / vpermi2w) for vdpbf16ps; else `avx512`: FP4 weights looked
/// up as f32 (vpermps) for FMA. `int8Dot`: MXINT8 x MXINT8 by vpdpbusd on
/// four rows at a time.
void populateGemvKernelPattern(const TypeConverter &converter,
                               RewritePatternSet &patterns,
                               const cpu::KernelUnits &units);

/// A rows x `columns` constant built from the rows x width constant
/// `values`: column c of row r is `pick(row, c)`, `row` that row's old
/// entries (weights and scales rewritten at compile time).
DenseElementsAttr
rebuildColumns(DenseElementsAttr values, int64_t columns,
               function_ref<Attribute(ArrayRef<Attribute>, int64_t)> pick);

} // namespace mlir::mx

#endif // MX_LIB_CONVERSION_MXTOVECTOR_BLOCKKERNELS_H
