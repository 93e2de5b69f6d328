//===- OutlineKernels.cpp - One function per distinct kernel --------------===//
//
// Each mx kernel op lowers to thousands of operations; a model repeats a few
// kernels, and the same elementwise loops, in every layer. Lowered inline,
// the program (and every upstream conversion that walks it, and LLVM) grows
// with the number of ops. Outlined, it grows with the number of distinct
// kernels: kernel ops that agree on name, attributes and types share one
// private function, and so do loop nests whose functions print the same.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::mx {
#define GEN_PASS_DEF_MXOUTLINEKERNELSPASS
#include "mx/Dialect/MX/Transforms/Passes.h.inc"
} // namespace mlir::mx

using namespace mlir;
using namespace mlir::mx;

namespace {

/// What makes two kernel ops the same kernel.
struct KernelSignature {
  OperationName name;
  DictionaryAttr attributes;
  FunctionType type;

  bool operator==(const KernelSignature &other) const {
    return name == other.name && attributes == other.attributes &&
           type == other.type;
  }
};

} // namespace

namespace llvm {
template <> struct DenseMapInfo<KernelSignature> {
  static KernelSignature getEmptyKey() {
    return {DenseMapInfo<OperationName>::getEmptyKey(), nullptr, nullptr};
  }
  static KernelSignature getTombstoneKey() {
    return {DenseMapInfo<OperationName>::getTombstoneKey(), nullptr, nullptr};
  }
  static unsigned getHashValue(const KernelSignature &key) {
    return hash_combine(key.name.getAsOpaquePointer(),
                        key.attributes.getAsOpaquePointer(),
                        key.type.getAsOpaquePointer());
  }
  static bool isEqual(const KernelSignature &a, const KernelSignature &b) {
    return a == b;
  }
};
} // namespace llvm

/// Whether `value` is an mx.pack of constant codes and scales.
static bool isConstantPack(Value value) {
  auto pack = value.getDefiningOp<PackOp>();
  return pack && matchPattern(pack.getElements(), m_Constant()) &&
         matchPattern(pack.getScales(), m_Constant());
}

/// The ops whose lowering is a kernel of its own. Views and layout ops
/// (pack, unpack, scaled-tensor parts) stay: they lower to little, and the
/// lowering of a pack of constants folds it. Ops on constants stay inline
/// too, and with `keepConstantWeights` ops on packs of constants.
static bool isKernelOp(Operation *op, bool keepConstantWeights) {
  if (!isa<QuantizeOp, DequantizeOp, MatmulOp, CastOp, TransposeOp, LdexpOp,
           RescaleOp, ScaledCastOp>(op))
    return false;
  return llvm::none_of(op->getOperands(), [&](Value operand) {
    return matchPattern(operand, m_Constant()) ||
           (keepConstantWeights && isConstantPack(operand));
  });
}

static KernelSignature signatureOf(Operation *op) {
  return {op->getName(), op->getAttrDictionary(),
          FunctionType::get(op->getContext(), op->getOperandTypes(),
                            op->getResultTypes())};
}

/// A private function whose body is a copy of `op` on its arguments.
static func::FuncOp buildKernelFunction(Operation *op,
                                        const KernelSignature &signature,
                                        SymbolTable &symbols, int64_t index) {
  auto module = cast<ModuleOp>(symbols.getOp());
  OpBuilder builder = OpBuilder::atBlockEnd(module.getBody());
  std::string name = ("__mx_kernel_" + op->getName().stripDialect().str() +
                      "_" + std::to_string(index));
  std::replace(name.begin(), name.end(), '.', '_');
  auto function =
      func::FuncOp::create(builder, op->getLoc(), name, signature.type);
  function.setPrivate();
  symbols.insert(function); // renames on a clash with the user's symbols
  Block *body = function.addEntryBlock();
  builder.setInsertionPointToStart(body);
  IRMapping arguments;
  arguments.map(op->getOperands(), body->getArguments());
  Operation *kernel = builder.clone(*op, arguments);
  func::ReturnOp::create(builder, op->getLoc(), kernel->getResults());
  return function;
}

/// Replaces `op` by a call of `function` on `arguments`.
static void replaceWithCall(Operation *op, func::FuncOp function,
                            ValueRange arguments) {
  OpBuilder builder(op);
  auto call = func::CallOp::create(builder, op->getLoc(), function, arguments);
  op->replaceAllUsesWith(call.getResults());
  op->erase();
}

//===----------------------------------------------------------------------===//
// Repeated tensor computations: a layer's elementwise ops, fused rows
//===----------------------------------------------------------------------===//

/// A top-level op of a function that lowers to a loop nest of its own: a
/// linalg op (fills excepted: they are rebuilt with the op they initialize),
/// an elementwise arith/math op on tensors, or a loop with tensor results
/// (mx-fuse-quantization's rows), free of memory effects.
static bool isLoopNestOp(Operation *op) {
  if (op->getNumResults() == 0 || isa<MXDialect>(op->getDialect()) ||
      isa<linalg::FillOp>(op) || !isMemoryEffectFree(op))
    return false;
  auto tensorResults = [&] {
    return llvm::all_of(op->getResultTypes(), llvm::IsaPred<RankedTensorType>);
  };
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return linalgOp.hasPureTensorSemantics();
  if (isa<scf::ForOp, scf::ForallOp>(op))
    return tensorResults();
  return op->hasTrait<OpTrait::Elementwise>() && tensorResults() &&
         op->getNumRegions() == 0;
}

/// A value the outlined function makes itself instead of taking it: an
/// empty tensor, the fill of one with a scalar (a destination: its
/// contents are the op's to write, and the function then returns a buffer
/// of its own), or a scalar or splat constant (kept visible to the folds).
static bool isRebuilt(Value value, bool destination) {
  Operation *def = value.getDefiningOp();
  if (!def)
    return false;
  if (def->hasTrait<OpTrait::ConstantLike>()) {
    auto shaped = dyn_cast<ShapedType>(value.getType());
    DenseElementsAttr dense;
    return !shaped ||
           (matchPattern(value, m_Constant(&dense)) && dense.isSplat());
  }
  if (!destination)
    return false;
  if (auto empty = dyn_cast<tensor::EmptyOp>(def))
    return empty.getDynamicSizes().empty();
  if (auto fill = dyn_cast<linalg::FillOp>(def))
    return fill.hasPureTensorSemantics() &&
           isRebuilt(fill.getOutputs()[0], /*destination=*/true) &&
           matchPattern(fill.getInputs()[0], m_Constant());
  return false;
}

/// The destination operands of `op` (the values it writes into).
static SmallVector<Value> destinationsOf(Operation *op) {
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(op))
    return SmallVector<Value>(dps.getDpsInits());
  if (auto loop = dyn_cast<scf::ForOp>(op))
    return SmallVector<Value>(loop.getInitArgs());
  if (auto loop = dyn_cast<scf::ForallOp>(op))
    return SmallVector<Value>(loop.getOutputs());
  return {};
}

namespace {
/// A loop-nest op as a detached function.
struct OutlinedCandidate {
  Operation *op;
  func::FuncOp function; // detached until chosen
  std::string key;       // the function's text: equal texts, one function
};
} // namespace

/// The values `op` reads (operands, then what its regions use from above,
/// in first-use order) and, of those, what the function takes as arguments.
static void inputsOf(Operation *op, llvm::SetVector<Value> &inputs,
                     SmallVectorImpl<Value> &arguments) {
  inputs.insert(op->getOperands().begin(), op->getOperands().end());
  getUsedValuesDefinedAbove(op->getRegions(), inputs);
  llvm::SmallPtrSet<Value, 4> destinations;
  for (Value value : destinationsOf(op))
    destinations.insert(value);
  for (Value input : inputs)
    if (!destinations.contains(input) &&
        !isRebuilt(input, /*destination=*/false))
      arguments.push_back(input);
}

/// Builds `op`'s function, or nothing when a destination would have to be
/// passed in (the function would return its argument: a copy per call).
static std::optional<OutlinedCandidate> buildCandidate(Operation *op) {
  if (!llvm::all_of(destinationsOf(op), [](Value value) {
        return isRebuilt(value, /*destination=*/true);
      }))
    return std::nullopt;
  llvm::SetVector<Value> inputs;
  SmallVector<Value> arguments;
  inputsOf(op, inputs, arguments);

  MLIRContext *context = op->getContext();
  OpBuilder builder(context);
  IRMapping mapping;
  SmallVector<Type> argumentTypes(llvm::map_range(
      arguments, [](Value argument) { return argument.getType(); }));
  auto function = func::FuncOp::create(
      builder, op->getLoc(), "__mx_candidate",
      FunctionType::get(context, argumentTypes, op->getResultTypes()));
  function.setPrivate();
  Block *body = function.addEntryBlock();
  mapping.map(arguments, body->getArguments());
  builder.setInsertionPointToStart(body);
  // Rebuild what the function makes itself, producers first.
  std::function<void(Value)> rebuild = [&](Value value) {
    if (mapping.contains(value))
      return;
    Operation *def = value.getDefiningOp();
    for (Value operand : def->getOperands())
      rebuild(operand);
    builder.clone(*def, mapping);
  };
  for (Value input : inputs)
    rebuild(input);
  Operation *clone = builder.clone(*op, mapping);
  func::ReturnOp::create(builder, op->getLoc(), clone->getResults());

  OutlinedCandidate candidate{op, function, {}};
  llvm::raw_string_ostream text(candidate.key);
  function->print(text, OpPrintingFlags().useLocalScope());
  return candidate;
}

/// Outlines every group of at least `minUses` top-level loop-nest ops
/// whose functions print the same (the text is the key: two layers' loops
/// differ only in the values they read, which become the arguments).
static void outlineRepeatedLoopNests(ModuleOp module, SymbolTable &symbols,
                                     int64_t minUses) {
  SmallVector<OutlinedCandidate> candidates;
  for (auto function : module.getOps<func::FuncOp>())
    for (Operation &op : function.getBody().getOps())
      if (isLoopNestOp(&op))
        if (std::optional<OutlinedCandidate> candidate = buildCandidate(&op))
          candidates.push_back(std::move(*candidate));
  // Program order of first use, so that names follow the program.
  llvm::MapVector<StringRef, SmallVector<OutlinedCandidate *>> groups;
  for (OutlinedCandidate &candidate : candidates)
    groups[candidate.key].push_back(&candidate);

  int64_t index = 0;
  for (auto &[key, members] : groups) {
    if (static_cast<int64_t>(members.size()) < minUses)
      continue;
    func::FuncOp function = members.front()->function;
    members.front()->function = nullptr; // now the module's
    function.setName(("__mx_loops_" + Twine(index++)).str());
    module.getBody()->push_back(function);
    symbols.insert(function);
    for (OutlinedCandidate *member : members) {
      // Read now: an input may be the result of an op already outlined.
      llvm::SetVector<Value> inputs;
      SmallVector<Value> arguments;
      inputsOf(member->op, inputs, arguments);
      replaceWithCall(member->op, function, arguments);
    }
  }
  for (OutlinedCandidate &candidate : candidates)
    if (candidate.function)
      candidate.function->destroy();
}

namespace {
struct MXOutlineKernelsPass final
    : mlir::mx::impl::MXOutlineKernelsPassBase<MXOutlineKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (minUses < 1) {
      emitError(module.getLoc()) << "mx-outline-kernels: min-uses must be at "
                                    "least 1, but got "
                                 << static_cast<int64_t>(minUses);
      return signalPassFailure();
    }
    SymbolTable symbols(module);
    if (loopNests)
      outlineRepeatedLoopNests(module, symbols, minUses);
    // Group in program order, so that function names follow the program.
    llvm::MapVector<KernelSignature, SmallVector<Operation *>> groups;
    for (auto function : module.getOps<func::FuncOp>())
      function.walk([&](Operation *op) {
        if (isKernelOp(op, keepConstantWeights))
          groups[signatureOf(op)].push_back(op);
      });

    llvm::StringMap<int64_t> perName;
    for (auto &[signature, ops] : groups) {
      if (static_cast<int64_t>(ops.size()) < minUses)
        continue;
      Operation *first = ops.front();
      func::FuncOp function =
          buildKernelFunction(first, signature, symbols,
                              perName[first->getName().getStringRef()]++);
      for (Operation *op : ops)
        replaceWithCall(op, function, op->getOperands());
    }
  }
};
} // namespace
