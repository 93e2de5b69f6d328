//===- Pipelines.h - Named mx pipelines -------------------------*- C++ -*-===//

#ifndef MX_PIPELINES_PIPELINES_H
#define MX_PIPELINES_PIPELINES_H

#include "mx/Conversion/MXToNVVM/MXToNVVM.h"

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;

namespace mx {

/// Options of `mx-cpu-pipeline`.
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  PassOptions::Option<int64_t> vectorSize{
      *this, "vector-size",
      llvm::cl::desc("Elements per vector in the element conversion"),
      llvm::cl::init(32)};
  PassOptions::Option<bool> portable{
      *this, "portable",
      llvm::cl::desc(
          "Convert elements with upstream arith.scaling_truncf/"
          "scaling_extf (convert-mx-to-arith + arith-expand) instead "
          "of the exact integer lowering; FP4/FP6/E5M2 only on CPU"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> fuse{
      *this, "fuse",
      llvm::cl::desc("Run mx-fuse-quantization first: quantize fused into its "
                     "elementwise producers, dequantize into matrix products"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> outline{
      *this, "outline",
      llvm::cl::desc("Run mx-outline-kernels: ops that share a kernel "
                     "signature call one function instead of each lowering "
                     "its own copy (compile time grows with the distinct "
                     "kernels, not with the ops)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> vectorize{
      *this, "vectorize",
      llvm::cl::desc("Tile and vectorize the linalg ops (off: scalar loops)"),
      llvm::cl::init(true)};
  PassOptions::Option<bool> kernels{
      *this, "kernels",
      llvm::cl::desc(
          "Quantize and dequantize blocks along the innermost dimension with "
          "fused vector loop kernels (convert-mx-to-vector); off: linalg for "
          "every layout (convert-mx-to-linalg)"),
      llvm::cl::init(true)};
  PassOptions::Option<std::string> cpuFeatures{
      *this, "cpu-features",
      llvm::cl::desc("Target features the kernels may use: \"host\" (this "
                     "CPU's) or an LLVM feature list such as "
                     "\"+avx512f,+avx512bf16\"; run the result on a CPU that "
                     "has them"),
      llvm::cl::init("host")};
  PassOptions::Option<bool> emulateAMX{
      *this, "emulate-amx",
      llvm::cl::desc("AMX matmul kernels (cpu-features with amx-tile and "
                     "amx-bf16 / amx-int8) with their tile instructions built "
                     "from vector ops: runs them on any CPU, for testing"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> prepackWeights{
      *this, "prepack-weights",
      llvm::cl::desc("Pack constant weights at compile time in the GEMM's "
                     "operand form (faster products, larger program: 1-4 "
                     "bytes per weight instead of MX's 0.5-1), and those "
                     "of one-row products in the panels layout"),
      llvm::cl::init(false)};
  PassOptions::Option<bool> threads{
      *this, "threads",
      llvm::cl::desc("Run the kernels' parallel loops on OpenMP threads "
                     "(the program then needs libomp)"),
      llvm::cl::init(false)};
};

/// mx dialect on tensors (module with func.func) -> LLVM dialect, for the
/// host CPU: convert-mx-to-vector (or -linalg), tiling and vectorization,
/// bufferization, OpenMP where asked, and upstream's lowerings to LLVM.
void buildCPUPipeline(OpPassManager &pm, const CPUPipelineOptions &options);

/// Registers `mx-cpu-pipeline` with the textual pass-pipeline parser.
void registerCPUPipeline();

struct NVVMPipelineOptions : public PassPipelineOptions<NVVMPipelineOptions> {
  PassOptions::Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("Target chip: sm_89, sm_90(a), sm_100a, sm_120a, ..."),
      llvm::cl::init("sm_90a")};
  PassOptions::Option<std::string> features{
      *this, "features", llvm::cl::desc("PTX features (the PTX ISA version)"),
      llvm::cl::init("+ptx88")};
  PassOptions::Option<std::string> format{
      *this, "format",
      llvm::cl::desc("gpu.binary contents: isa (PTX), bin (cubin, needs "
                     "ptxas), fatbin or llvm (LLVM bitcode)"),
      llvm::cl::init("isa")};
  PassOptions::Option<nvvm::MmaKind> mma{
      *this, "mma", llvm::cl::desc("Matmul instruction"),
      llvm::cl::init(nvvm::MmaKind::Auto), mmaKindOptionValues()};
  PassOptions::Option<nvvm::ConvertKind> convert{
      *this, "convert", llvm::cl::desc("Quantize element conversion"),
      llvm::cl::init(nvvm::ConvertKind::Auto), convertKindOptionValues()};
};

/// convert-mx-to-nvvm, the kernels to LLVM/NVVM, the target, the target
/// check, gpu-module-to-binary.
void buildNVVMPipeline(OpPassManager &pm, const NVVMPipelineOptions &options);

void registerNVVMPipeline();

} // namespace mx
} // namespace mlir

#endif // MX_PIPELINES_PIPELINES_H
