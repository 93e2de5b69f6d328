//===- AMXMicroKernel.cpp - mx.matmul tiles of C on AMX -------------------===//

#include "AMXMicroKernel.h"
#include "BlockKernels.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMAttrs.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace mlir::mx;

namespace {

constexpr int64_t kTileRows = 16; // rows of an A or C tile

} // namespace

static Value addIndex(OpBuilder &b, Location loc, Value x, int64_t y) {
  return arith::AddIOp::create(b, loc, x, constantIndex(b, loc, y));
}

namespace {

/// A tile: an AMX tile register, or (emulated) where its source rows are in
/// memory and, for accumulators, its rows as vectors.
struct Tile {
  Value amx;
  Value base, offset; // emulated A and B operands: row r at offset + r*stride
  int64_t stride = 0;
  SmallVector<Value> rows; // emulated accumulators
};

/// The four tile instructions the micro-kernel uses, as amx ops or, when
/// `emulate`, as vector ops with the semantics of Intel's SDM pseudo-code.
class TileBuilder {
public:
  TileBuilder(OpBuilder &b, Location loc, bool emulate)
      : b(b), loc(loc), emulate(emulate) {}

  /// tilezero: a rows x 16 accumulator of `element` (f32 or i32).
  Tile zero(Type element) {
    Tile t;
    if (!emulate) {
      t.amx = amx::TileZeroOp::create(
          b, loc, amx::TileType::get({kTileRows, kLanes}, element));
      return t;
    }
    auto row = VectorType::get({kLanes}, element);
    t.rows.assign(kTileRows,
                  arith::ConstantOp::create(b, loc, row, b.getZeroAttr(row)));
    return t;
  }

  /// tileloadd: rows x columns of `base`'s element type, row r at
  /// `offset + r * stride` (in elements).
  Tile load(Value base, Value offset, int64_t stride, int64_t rows,
            int64_t columns) {
    Tile t;
    if (!emulate) {
      Type element = cast<MemRefType>(base.getType()).getElementType();
      t.amx = amx::TileLoadOp::create(
          b, loc, amx::TileType::get({rows, columns}, element), base,
          ValueRange{offset}, constantIndex(b, loc, stride));
      return t;
    }
    t.base = base;
    t.offset = offset;
    t.stride = stride;
    return t;
  }

  /// tdpbf16ps (bf16 operands) or tdpbusd (i8: A unsigned, B signed):
  /// acc[m][n] += sum over the K step's pair or quad j of a[m][kj] * b[k][nj].
  Tile multiply(const Tile &lhs, const Tile &rhs, Tile acc, bool int8) {
    if (!emulate) {
      Type type = acc.amx.getType();
      acc.amx = int8 ? amx::TileMulIOp::create(b, loc, type, lhs.amx, rhs.amx,
                                               acc.amx, /*isZextLhs=*/true)
                           .getResult()
                     : amx::TileMulFOp::create(b, loc, type, lhs.amx, rhs.amx,
                                               acc.amx)
                           .getResult();
      return acc;
    }
    const int64_t step = int8 ? 4 : 2, steps = kAMXDepth / step;
    auto loop = scf::ForOp::create(
        b, loc, constantIndex(b, loc, 0), constantIndex(b, loc, steps),
        constantIndex(b, loc, 1), acc.rows,
        [&](OpBuilder &nb, Location l, Value k, ValueRange rows) {
          TileBuilder inner(nb, l, true);
          scf::YieldOp::create(nb, l,
                               inner.emulateDotStep(lhs, rhs, k, rows, int8));
        });
    acc.rows.assign(loop.getResults().begin(), loop.getResults().end());
    return acc;
  }

  /// tilestored: row r of `t` to `offset + r * stride` of `base`.
  void store(Value base, Value offset, int64_t stride, const Tile &t) {
    if (!emulate) {
      amx::TileStoreOp::create(b, loc, base, ValueRange{offset}, t.amx,
                               constantIndex(b, loc, stride));
      return;
    }
    for (auto [r, row] : llvm::enumerate(t.rows))
      vector::StoreOp::create(b, loc, row, base,
                              addIndex(b, loc, offset, r * stride));
  }

private:
  /// Row `k` of emulated operand tile `t` (its first `count` elements).
  Value loadRow(const Tile &t, Value k, int64_t count) {
    Type element = cast<MemRefType>(t.base.getType()).getElementType();
    Value at = arith::AddIOp::create(b, loc, t.offset,
                                     scaledIndex(b, loc, k, t.stride));
    return vector::LoadOp::create(b, loc, VectorType::get({count}, element),
                                  t.base, at);
  }

  /// A's values of K step `k` in row `m` (its pair or quad), each extended
  /// to `wide` (bf16 -> f32; u8 -> i32) and in all 16 lanes.
  SmallVector<Value> broadcastStep(const Tile &lhs, int64_t m, Value k,
                                   int64_t step, Type wide) {
    Type element = cast<MemRefType>(lhs.base.getType()).getElementType();
    Value at = arith::AddIOp::create(
        b, loc, addIndex(b, loc, lhs.offset, m * lhs.stride),
        scaledIndex(b, loc, k, step));
    Value values = vector::LoadOp::create(
        b, loc, VectorType::get({step}, element), lhs.base, at);
    SmallVector<Value> lanes;
    for (int64_t j = 0; j < step; ++j) {
      Value e = vector::ExtractOp::create(b, loc, values, ArrayRef<int64_t>{j});
      e = isa<FloatType>(wide)
              ? arith::ExtFOp::create(b, loc, wide, e)
              : arith::ExtUIOp::create(b, loc, wide, e).getResult();
      lanes.push_back(vector::BroadcastOp::create(
          b, loc, VectorType::get({kLanes}, wide), e));
    }
    return lanes;
  }

  /// One K step of tdpbf16ps (a pair) or tdpbusd (a quad): for each row m
  /// and each j of the step in order, acc[m][n] += a[m][k, j] * b[k][n, j]
  /// (f32: products of two bf16 are exact; i32: u8 x s8).
  SmallVector<Value> emulateDotStep(const Tile &lhs, const Tile &rhs, Value k,
                                    ValueRange rows, bool int8) {
    Type wide = int8 ? Type(b.getI32Type()) : Type(b.getF32Type());
    auto wideRow = VectorType::get({kLanes}, wide);
    SmallVector<Value> columns; // B's value j of each column, extended
    if (int8) {
      Value quads = vector::BitCastOp::create(b, loc, wideRow,
                                              loadRow(rhs, k, 4 * kLanes));
      for (int64_t j = 0; j < 4; ++j) // byte j, sign-extended
        columns.push_back(arith::ShRSIOp::create(
            b, loc,
            arith::ShLIOp::create(b, loc, quads,
                                  splatI32(b, loc, wideRow, 24 - 8 * j)),
            splatI32(b, loc, wideRow, 24)));
    } else {
      auto pairs =
          vector::DeinterleaveOp::create(b, loc, loadRow(rhs, k, 2 * kLanes));
      for (Value half : {pairs.getRes1(), pairs.getRes2()})
        columns.push_back(arith::ExtFOp::create(b, loc, wideRow, half));
    }
    SmallVector<Value> out;
    for (auto [m, acc] : llvm::enumerate(rows)) {
      Value sum = acc;
      for (auto [a, column] :
           llvm::zip(broadcastStep(lhs, m, k, columns.size(), wide), columns))
        sum = int8 ? arith::AddIOp::create(
                         b, loc, sum, arith::MulIOp::create(b, loc, a, column))
                         .getResult()
                   : arith::AddFOp::create(
                         b, loc, sum, arith::MulFOp::create(b, loc, a, column))
                         .getResult();
      out.push_back(sum);
    }
    return out;
  }

  OpBuilder &b;
  Location loc;
  bool emulate;
};

} // namespace

/// C[rows of row tile `rowTile`, columns of panel `panel`].
static void buildMicroKernel(OpBuilder &b, Location loc, const AMXOperands &p,
                             bool emulate, Value panel, Value rowTile) {
  const int64_t step = p.int8 ? 4 : 2, NR = kLanes * p.columnTiles;
  const int64_t rowTiles = kAMXRows / kTileRows;
  Type f32 = b.getF32Type();
  Type sumElement = p.int8 ? b.getI32Type() : f32;
  auto accType = VectorType::get({kLanes}, f32);
  auto sumType = VectorType::get({kLanes}, sumElement);
  // Scratch: the block dots as the tiles store them, and the running totals
  // (kAMXRows x NR each, row-major). One pair per iteration: the deallocation
  // pipeline frees them at the end of the loop body.
  auto scratch = [&](Type element) {
    return memref::AllocOp::create(b, loc,
                                   MemRefType::get({kAMXRows * NR}, element),
                                   b.getI64IntegerAttr(64));
  };
  Value sums = scratch(sumElement), totals = scratch(f32);
  Value zero =
      arith::ConstantOp::create(b, loc, accType, b.getZeroAttr(accType));
  for (int64_t i = 0; i < kAMXRows * NR; i += kLanes)
    vector::StoreOp::create(b, loc, zero, totals, constantIndex(b, loc, i));

  Value firstRow = scaledIndex(b, loc, rowTile, kAMXRows);
  Value column = scaledIndex(b, loc, panel, NR);
  Value panelBase = scaledIndex(b, loc, panel, p.K * NR);
  // Scales and biases of rows past M are row M - 1's (the padded rows of A
  // are copies of it); their totals are not stored.
  SmallVector<Value> rows;
  for (int64_t r = 0; r < kAMXRows; ++r)
    rows.push_back(arith::MinUIOp::create(b, loc, addIndex(b, loc, firstRow, r),
                                          constantIndex(b, loc, p.M - 1)));

  scf::ForOp::create(
      b, loc, constantIndex(b, loc, 0), constantIndex(b, loc, p.G),
      constantIndex(b, loc, 1), ValueRange{},
      [&](OpBuilder &nb, Location l, Value g, ValueRange) {
        TileBuilder tiles(nb, l, emulate);
        SmallVector<Tile> acc;
        for (int64_t i = 0; i < rowTiles * p.columnTiles; ++i)
          acc.push_back(tiles.zero(sumElement));
        Value k = scaledIndex(nb, l, g, kAMXDepth); // the K-block is one step
        SmallVector<Tile> lhs, rhs;
        for (int64_t i = 0; i < rowTiles; ++i)
          lhs.push_back(tiles.load(
              p.packedA,
              arith::AddIOp::create(
                  nb, l,
                  scaledIndex(nb, l, addIndex(nb, l, firstRow, i * kTileRows),
                              p.K),
                  k),
              p.K, kTileRows, kAMXDepth));
        // Row s of a B tile: K step k / step + s of the tile's 16 columns
        // (a step's row of the panel is NR * step values).
        Value steps =
            arith::AddIOp::create(nb, l, panelBase, scaledIndex(nb, l, k, NR));
        for (int64_t j = 0; j < p.columnTiles; ++j)
          rhs.push_back(tiles.load(p.packedB,
                                   addIndex(nb, l, steps, j * kLanes * step),
                                   NR * step, kAMXDepth / step, kLanes * step));
        for (int64_t i = 0; i < rowTiles; ++i)
          for (int64_t j = 0; j < p.columnTiles; ++j) {
            Tile &c = acc[i * p.columnTiles + j];
            c = tiles.multiply(lhs[i], rhs[j], c, p.int8);
          }
        for (int64_t i = 0; i < rowTiles; ++i)
          for (int64_t j = 0; j < p.columnTiles; ++j)
            tiles.store(sums,
                        constantIndex(nb, l, i * kTileRows * NR + j * kLanes),
                        NR, acc[i * p.columnTiles + j]);

        // totals = fma(S * X_a, X_b, totals), S the block dot (int8: + its
        // bias, in the integer values' units, which X_a holds).
        SmallVector<Value> scaleB, bias;
        for (int64_t j = 0; j < p.columnTiles; ++j) {
          Value at = addIndex(
              nb, l,
              arith::AddIOp::create(nb, l, scaledIndex(nb, l, g, p.N), column),
              j * kLanes);
          scaleB.push_back(
              vector::LoadOp::create(nb, l, accType, p.scalesB, at));
          if (p.int8)
            bias.push_back(
                vector::LoadOp::create(nb, l, sumType, p.dotBiases, at));
        }
        for (int64_t r = 0; r < kAMXRows; ++r) {
          Value scaleA = vector::BroadcastOp::create(
              nb, l, accType,
              memref::LoadOp::create(
                  nb, l, p.scalesA,
                  ValueRange{arith::AddIOp::create(
                      nb, l, scaledIndex(nb, l, rows[r], p.G), g)}));
          for (int64_t j = 0; j < p.columnTiles; ++j) {
            Value at = constantIndex(nb, l, r * NR + j * kLanes);
            Value s = vector::LoadOp::create(nb, l, sumType, sums, at);
            if (p.int8)
              s = arith::SIToFPOp::create(
                  nb, l, accType, arith::AddIOp::create(nb, l, s, bias[j]));
            Value total = vector::LoadOp::create(nb, l, accType, totals, at);
            vector::StoreOp::create(
                nb, l,
                vector::FMAOp::create(nb, l,
                                      arith::MulFOp::create(nb, l, s, scaleA),
                                      scaleB[j], total),
                totals, at);
          }
        }
        scf::YieldOp::create(nb, l);
      });

  // The totals of rows < M into C.
  for (int64_t r = 0; r < kAMXRows; ++r) {
    Value row = addIndex(b, loc, firstRow, r);
    auto storeRow = [&](OpBuilder &nb, Location l) {
      for (int64_t j = 0; j < p.columnTiles; ++j) {
        Value total = vector::LoadOp::create(
            nb, l, accType, totals, constantIndex(nb, l, r * NR + j * kLanes));
        vector::StoreOp::create(
            nb, l, total, p.c,
            addIndex(nb, l,
                     arith::AddIOp::create(nb, l, scaledIndex(nb, l, row, p.N),
                                           column),
                     j * kLanes));
      }
    };
    if (p.M % kAMXRows == 0) {
      storeRow(b, loc);
      continue;
    }
    Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, row,
                                         constantIndex(b, loc, p.M));
    scf::IfOp::create(b, loc, inside, [&](OpBuilder &nb, Location l) {
      storeRow(nb, l);
      scf::YieldOp::create(nb, l);
    });
  }
}

void mlir::mx::buildAMXMatmul(OpBuilder &b, Location loc, Operation *module,
                              const AMXOperands &operands, bool emulate,
                              ArrayRef<std::string> features) {
  SmallVector<Value> arguments = {operands.packedA, operands.packedB,
                                  operands.scalesA, operands.scalesB,
                                  operands.c};
  if (operands.int8)
    arguments.push_back(operands.dotBiases);
  std::string name = "__mx_amx_matmul";
  for (int n = 0; SymbolTable::lookupSymbolIn(module, name); ++n)
    name = "__mx_amx_matmul_" + std::to_string(n);
  func::FuncOp function;
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(&module->getRegion(0).front());
    function = func::FuncOp::create(
        b, loc, name, b.getFunctionType(ValueRange(arguments).getTypes(), {}));
    function.setPrivate();
    if (!emulate) {
      SmallVector<StringRef> list(features.begin(), features.end());
      function->setAttr("target_features",
                        LLVM::TargetFeaturesAttr::get(b.getContext(), list));
    }
    Block *body = function.addEntryBlock();
    b.setInsertionPointToStart(body);
    AMXOperands p = operands;
    p.packedA = body->getArgument(0);
    p.packedB = body->getArgument(1);
    p.scalesA = body->getArgument(2);
    p.scalesB = body->getArgument(3);
    p.c = body->getArgument(4);
    if (p.int8)
      p.dotBiases = body->getArgument(5);
    const int64_t rowTiles = llvm::divideCeil(p.M, kAMXRows),
                  panels = p.N / (kLanes * p.columnTiles);
    buildBlockLoop(b, loc, panels * rowTiles,
                   [&](OpBuilder &nb, Location l, Value i) {
                     Value tiles = constantIndex(nb, l, rowTiles);
                     buildMicroKernel(nb, l, p, emulate,
                                      arith::DivUIOp::create(nb, l, i, tiles),
                                      arith::RemUIOp::create(nb, l, i, tiles));
                   });
    func::ReturnOp::create(b, loc);
  }
  func::CallOp::create(b, loc, function, arguments);
}

Value mlir::mx::buildAMXPermissionRequest(OpBuilder &b, Location loc,
                                          Operation *module) {
  constexpr int64_t kReqXcompPerm = 0x1023, kXfeatureXtiledata = 18;
  constexpr StringLiteral kName = "arch_prctl";
  auto type =
      b.getFunctionType({b.getI32Type(), b.getI64Type()}, {b.getI32Type()});
  auto callee = dyn_cast_or_null<func::FuncOp>(
      SymbolTable::lookupSymbolIn(module, kName));
  if (!callee) {
    if (SymbolTable::lookupSymbolIn(module, kName))
      return {};
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&module->getRegion(0).front());
    callee = func::FuncOp::create(b, loc, kName, type);
    callee.setPrivate();
  } else if (callee.getFunctionType() != type) {
    return {};
  }
  Value result =
      func::CallOp::create(
          b, loc, callee,
          ValueRange{
              arith::ConstantIntOp::create(b, loc, kReqXcompPerm, 32),
              arith::ConstantIntOp::create(b, loc, kXfeatureXtiledata, 64)})
          .getResult(0);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, result,
                               arith::ConstantIntOp::create(b, loc, 0, 32));
}
