//===- OutlineKernels.cpp - One function per distinct mx kernel -----------===//
//
// Each mx kernel op lowers to thousands of operations; a model repeats a few
// kernels in every layer. Lowered inline, the program (and every upstream
// conversion that walks it) grows with the number of ops. Outlined, it
// grows with the number of distinct kernels: ops that agree on name,
// attributes and types share one private function.
//
//===----------------------------------------------------------------------===//

#include "mx/Dialect/MX/IR/MXOps.h"
#include "mx/Dialect/MX/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/MapVector.h"

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

/// The ops whose lowering is a kernel of its own. Views and layout ops
/// (pack, unpack, scaled-tensor parts) stay: they lower to little, and the
/// lowering of a pack of constants folds it.
static bool isKernelOp(Operation *op) {
  if (!isa<QuantizeOp, DequantizeOp, MatmulOp, CastOp, TransposeOp, LdexpOp,
           RescaleOp, ScaledCastOp>(op))
    return false;
  return llvm::none_of(op->getOperands(), [](Value operand) {
    return matchPattern(operand, m_Constant());
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
    // Group in program order, so that function names follow the program.
    llvm::MapVector<KernelSignature, SmallVector<Operation *>> groups;
    for (auto function : module.getOps<func::FuncOp>())
      function.walk([&](Operation *op) {
        if (isKernelOp(op))
          groups[signatureOf(op)].push_back(op);
      });

    SymbolTable symbols(module);
    llvm::StringMap<int64_t> perName;
    for (auto &[signature, ops] : groups) {
      if (static_cast<int64_t>(ops.size()) < minUses)
        continue;
      Operation *first = ops.front();
      func::FuncOp function =
          buildKernelFunction(first, signature, symbols,
                              perName[first->getName().getStringRef()]++);
      for (Operation *op : ops) {
        OpBuilder builder(op);
        auto call = func::CallOp::create(builder, op->getLoc(), function,
                                         op->getOperands());
        op->replaceAllUsesWith(call.getResults());
        op->erase();
      }
    }
  }
};
} // namespace
