//===- MXTargetOps.td - Target instructions the CPU kernels need -*- tablegen -*-===//
//
// Instructions the generated kernels use that MLIR 22's target dialects do not
// model. Each op is one LLVM intrinsic (X86IntrinsicOpInterface), so
// `convert-vector-to-llvm{enable-x86vector}` lowers it with x86vector's ops.
//
//===----------------------------------------------------------------------===//

#ifndef MX_DIALECT_MX_IR_MXTARGETOPS_TD
#define MX_DIALECT_MX_IR_MXTARGETOPS_TD

include "mlir/Dialect/X86Vector/X86VectorInterfaces.td"

def MX_DotUnsignedSignedI8Op : MX_Op<"avx512.dot_u8s8", [
    X86IntrinsicOpInterface,
    AllTypesMatch<["a", "b"]>,
    AllTypesMatch<["acc", "result"]>,
    TypesMatchWith<"`a` has four times as many elements as `acc`",
                   "acc", "a",
                   "::mlir::VectorType::get("
                   "{::llvm::cast<::mlir::VectorType>($_self).getShape()[0] * 4},"
                   " ::mlir::IntegerType::get($_self.getContext(), 8))">]> {
  let summary = "AVX512-VNNI dot product of unsigned and signed bytes (vpdpbusd)";
  let description = [{
    Each 32-bit lane of the result is the lane of `acc` plus the four products
    of the lane's bytes of `a`, read as unsigned, with the lane's bytes of `b`,
    read as signed (wrapping i32 addition, as the instruction). This is
    AVX512-VNNI's `vpdpbusd` (and, on 128- or 256-bit vectors, its AVX512VL
    forms): `llvm.x86.avx512.vpdpbusd.{128,256,512}`.

    `-convert-mx-to-vector` makes it for MXINT8 x MXINT8 matmuls when
    `cpu-features` has `avx512vnni`: MLIR 22's `x86vector.avx.dot.i8` is the
    signed x signed AVX-VNNI-INT8 instruction, which AVX512-VNNI CPUs lack.
    It is Pure (unlike an `llvm.call_intrinsic`, which buffer deallocation
    rejects for its unknown memory effects) and lowers 1:1 in
    `convert-vector-to-llvm{enable-x86vector}`.

    ```mlir
    %r = mx.avx512.dot_u8s8 %acc, %a, %b : vector<64xi8> -> vector<16xi32>
    ```
  }];
  let arguments = (ins VectorOfLengthAndType<[4, 8, 16], [I32]>:$acc,
                       VectorOfLengthAndType<[16, 32, 64], [I8]>:$a,
                       VectorOfLengthAndType<[16, 32, 64], [I8]>:$b);
  let results = (outs VectorOfLengthAndType<[4, 8, 16], [I32]>:$result);
  let assemblyFormat =
    "$acc `,` $a `,` $b attr-dict `:` type($a) `->` type($acc)";
  let extraClassDeclaration = [{
    std::string getIntrinsicName() {
      return "llvm.x86.avx512.vpdpbusd." +
             std::to_string(getAcc().getType().getNumElements() * 32);
    }
  }];
}

def MX_PermuteF32Op : MX_Op<"avx512.permute_f32", [
    X86IntrinsicOpInterface,
    AllTypesMatch<["table", "result"]>]> {
  let summary = "AVX-512 lane permute of 16 f32 by variable indices (vpermps)";
  let description = [{
    Lane `i` of the result is lane `indices[i] & 15` of `table`: only the low
    four bits of an index count, as in the instruction. This is AVX-512's
    `vpermps` (`llvm.x86.avx512.permvar.sf.512`): a 16-entry table lookup in
    one instruction.

    `-convert-mx-to-vector` makes it for MXFP4 weights in one-row matmuls
    when `cpu-features` has `avx512f`: the table holds the 16 FP4 values at
    unit scale, so a byte of two codes decodes as two lookups (the byte, and
    the byte shifted right by 4) instead of the arithmetic decode. The vector
    dialect has no shuffle with run-time indices.

    ```mlir
    %r = mx.avx512.permute_f32 %table, %indices : vector<16xf32>, vector<16xi32>
    ```
  }];
  let arguments = (ins VectorOfLengthAndType<[16], [F32]>:$table,
                       VectorOfLengthAndType<[16], [I32]>:$indices);
  let results = (outs VectorOfLengthAndType<[16], [F32]>:$result);
  let assemblyFormat =
    "$table `,` $indices attr-dict `:` type($table) `,` type($indices)";
  let extraClassDeclaration = [{
    std::string getIntrinsicName() { return "llvm.x86.avx512.permvar.sf.512"; }
  }];
}

def MX_PermuteI16Op : MX_Op<"avx512.permute_i16", [
    X86IntrinsicOpInterface,
    AllTypesMatch<["table", "indices", "result"]>]> {
  let summary = "AVX512-BW lane permute of 32 16-bit lanes by variable indices (vpermw)";
  let description = [{
    Lane `i` of the result is lane `indices[i] & 31` of `table`: only the low
    five bits of an index count, as in the instruction. This is AVX512-BW's
    `vpermw` (`llvm.x86.avx512.permvar.hi.512`): a 32-entry table lookup of
    16-bit values in one instruction.

    `-convert-mx-to-vector` makes it for MXFP4 weights in one-row matmuls
    when `cpu-features` has `avx512bw` and `avx512bf16`: the table holds the
    bf16 bits of the 16 FP4 values at unit scale (twice, so that the fifth
    index bit does not matter), and each 32-bit lane of the indices holds a
    code of two consecutive weight rows, so one lookup yields the bf16 pairs
    that `x86vector.avx512.dot` (`vdpbf16ps`) multiplies with two values of
    the activation row.

    ```mlir
    %r = mx.avx512.permute_i16 %table, %indices : vector<32xi16>
    ```
  }];
  let arguments = (ins VectorOfLengthAndType<[32], [I16]>:$table,
                       VectorOfLengthAndType<[32], [I16]>:$indices);
  let results = (outs VectorOfLengthAndType<[32], [I16]>:$result);
  let assemblyFormat = "$table `,` $indices attr-dict `:` type($table)";
  let extraClassDeclaration = [{
    std::string getIntrinsicName() { return "llvm.x86.avx512.permvar.hi.512"; }
  }];
}

def MX_PermuteTwoI16Op : MX_Op<"avx512.permute2_i16", [
    X86IntrinsicOpInterface,
    AllTypesMatch<["low", "indices", "high", "result"]>]> {
  let summary = "AVX512-BW lookup of 32 16-bit lanes in a 64-entry table of two registers (vpermi2w)";
  let description = [{
    Lane `i` of the result is entry `indices[i] & 63` of the table that is
    `low` (entries 0 to 31) followed by `high` (32 to 63): only the low six
    bits of an index count, as in the instruction. This is AVX512-BW's
    `vpermi2w` / `vpermt2w` (`llvm.x86.avx512.vpermi2var.hi.512`, whose
    operand order the op keeps: low table, indices, high table).

    `-convert-mx-to-vector` makes it for MXFP6 and MXFP8 weights in one-row
    matmuls when `cpu-features` has `avx512bw` and `avx512bf16`: the tables
    hold the bf16 bits of the format's values at unit scale (the 64 FP6
    codes; the 128 FP8 magnitudes in two lookups), so that a code decodes
    to the bf16 operand of `vdpbf16ps` in one or a few instructions.

    ```mlir
    %r = mx.avx512.permute2_i16 %low, %indices, %high : vector<32xi16>
    ```
  }];
  let arguments = (ins VectorOfLengthAndType<[32], [I16]>:$low,
                       VectorOfLengthAndType<[32], [I16]>:$indices,
                       VectorOfLengthAndType<[32], [I16]>:$high);
  let results = (outs VectorOfLengthAndType<[32], [I16]>:$result);
  let assemblyFormat =
    "$low `,` $indices `,` $high attr-dict `:` type($low)";
  let extraClassDeclaration = [{
    std::string getIntrinsicName() {
      return "llvm.x86.avx512.vpermi2var.hi.512";
    }
  }];
}

#endif // MX_DIALECT_MX_IR_MXTARGETOPS_TD
