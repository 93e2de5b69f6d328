//===- TileAndVectorize.cpp - Vectorize the CPU pipeline's linalg ops -----===//

#include "mx/Dialect/MX/Transforms/Passes.h"
#include "mx/Dialect/MX/Utils/TileSizes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXTILEANDVECTORIZEPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

namespace {

/// Tile sizes (0: the loop stays whole) and the matching vector sizes.
struct TilePlan {
  SmallVector<int64_t> tileSizes, vectorSizes;
};

} // namespace

/// Vectorize the innermost non-unit parallel loop with the largest tile of at
/// most `vectorSize` elements that divides it (whole tiles need no masks);
/// keep reduction loops whole (they reduce within a vector); one element of
/// every other parallel loop per tile; reductions are tiled past a budget
/// of vectorSize x max(vectorSize, 32) vector elements. None (the op stays
/// scalar) for a contraction over more than vectorSize elements.
static std::optional<TilePlan> planTiles(linalg::LinalgOp op,
                                         int64_t vectorSize) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ranges.empty() || llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  // A tile of an op indexed by, e.g., floordiv cannot be cut out by slicing
  // (floordiv does not distribute over the tile offset): leave such ops.
  if (!llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isProjectedPermutation(); }))
    return std::nullopt;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  std::optional<unsigned> vectorDim;
  for (unsigned d = ranges.size(); d-- > 0;)
    if (iterators[d] == utils::IteratorType::parallel && ranges[d] > 1) {
      vectorDim = d;
      break;
    }
  // A contraction (two inputs indexed by the reduction) keeps its reduction
  // whole too, so a plain matmul with K = 256 would become one fully
  // unrolled vector<1x32x256> with a transposed read: minutes in LLVM, and
  // slower than scalar loops. Past K = vectorSize it stays scalar, for
  // LLVM's own loop vectorizer; the mx lowering's block dots reduce over
  // one block.
  int64_t k = 1;
  SmallVector<unsigned> reductionDims;
  for (unsigned d = 0; d < ranges.size(); ++d)
    if (iterators[d] == utils::IteratorType::reduction) {
      k *= ranges[d];
      reductionDims.push_back(d);
    }
  int64_t reducedInputs =
      llvm::count_if(op.getDpsInputOperands(), [&](OpOperand *input) {
        AffineMap map = op.getMatchingIndexingMap(input);
        return llvm::any_of(reductionDims,
                            [&](unsigned d) { return map.isFunctionOfDim(d); });
      });
  if (reducedInputs >= 2 && k > vectorSize)
    return std::nullopt;
  // Other reductions stay whole while the vector holds at most
  // vectorSize x max(vectorSize, 32) elements (a block of 32 per lane, as
  // amax needs); beyond that (e.g. a norm over a whole tensor) reduction
  // loops are tiled too, the output carried across their tiles.
  int64_t vectorTile =
      vectorDim ? largestDivisorUpTo(ranges[*vectorDim], vectorSize) : 1;
  int64_t budget = vectorSize * std::max<int64_t>(vectorSize, 32) / vectorTile;
  TilePlan plan;
  for (unsigned d = 0; d < ranges.size(); ++d) {
    int64_t tile = 1;
    if (iterators[d] == utils::IteratorType::reduction) {
      tile = largestDivisorUpTo(ranges[d], std::max<int64_t>(budget, 1));
      budget /= tile;
    } else if (d == vectorDim) {
      tile = vectorTile;
    }
    plan.vectorSizes.push_back(tile);
    plan.tileSizes.push_back(tile == ranges[d] ? 0 : tile);
  }
  return plan;
}

/// Whether `op` reads or writes a tensor of elements narrower than a byte
/// (i1, f4E2M1FN, f6E*). Such a tensor becomes a buffer with one element per
/// byte, but LLVM loads and stores vectors of them bit-packed: vectorized,
/// the op would read and write a different layout than scalar code and
/// callers use. It stays scalar.
static bool touchesSubByteElements(Operation *op) {
  auto isSubByte = [](Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    return tensor && tensor.getElementType().isIntOrFloat() &&
           tensor.getElementType().getIntOrFloatBitWidth() < 8;
  };
  return llvm::any_of(op->getOperandTypes(), isSubByte) ||
         llvm::any_of(op->getResultTypes(), isSubByte);
}

namespace {

struct MXTileAndVectorizePass final
    : mlir::mx::impl::MXTileAndVectorizePassBase<MXTileAndVectorizePass> {
  using Base::Base;

  void runOnOperation() override {
    if (vectorSize < 1) {
      getOperation().emitError()
          << "mx-tile-and-vectorize expects vector-size >= 1, but got "
          << static_cast<int64_t>(vectorSize);
      return signalPassFailure();
    }
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics())
        ops.push_back(op);
    });
    for (linalg::LinalgOp op : ops) {
      if (touchesSubByteElements(op))
        continue;
      std::optional<TilePlan> plan = planTiles(op, vectorSize);
      if (!plan)
        continue;
      rewriter.setInsertionPoint(op);
      Operation *tile = op;
      if (llvm::any_of(plan->tileSizes, [](int64_t s) { return s != 0; })) {
        scf::SCFTilingOptions options;
        options.setTileSizes(
            getAsIndexOpFoldResult(&getContext(), plan->tileSizes));
        FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
            rewriter, cast<TilingInterface>(op.getOperation()), options);
        if (failed(tiled)) {
          op.emitError("mx-tile-and-vectorize failed to tile this op");
          return signalPassFailure();
        }
        rewriter.replaceOp(op, tiled->replacements);
        tile = tiled->tiledOps.back();
      }
      rewriter.setInsertionPoint(tile);
      FailureOr<linalg::VectorizationResult> vectorized =
          linalg::vectorize(rewriter, tile);
      if (failed(vectorized)) // stays a (tiled) scalar op, still correct
        continue;
      rewriter.replaceOp(tile, vectorized->replacements);
    }
  }
};

} // namespace
