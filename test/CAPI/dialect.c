/*===- dialect.c - The mx C API from C -------------------------------------===*
 *
 * RUN: mx-capi-test 2>&1 | FileCheck %s
 *
 *===----------------------------------------------------------------------===*/

#include "mx-c/Dialect.h"
#include "mx-c/Parse.h"
#include "mx-c/RegisterEverything.h"

#include "mlir-c/BuiltinAttributes.h"
#include "mlir-c/BuiltinTypes.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#include <stdio.h>
#include <stdlib.h>

static void printToStdout(MlirStringRef text, void *userData) {
  (void)userData;
  fwrite(text.data, 1, text.length, stdout);
}

static void printType(const char *label, MlirType type) {
  printf("%s: ", label);
  mlirTypePrint(type, printToStdout, NULL);
  printf("\n");
}

static MlirContext createContext(void) {
  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirMXRegisterAllDialects(registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  mlirDialectHandleLoadDialect(mlirGetDialectHandle__mx__(), ctx);
  return ctx;
}

static void testTensorType(MlirContext ctx) {
  MlirLocation loc = mlirLocationUnknownGet(ctx);
  int64_t shape[] = {64, 128};
  int64_t block[] = {1, 32};
  MlirType fp4 = mlirTypeParseGet(ctx, mlirStringRefCreateFromCString("f4E2M1FN"));
  MlirType type = mlirMXTensorTypeGetChecked(loc, 2, shape, fp4, block,
                                             (MlirType){NULL});
  // CHECK: type: !mx.tensor<64x128xf4E2M1FN, block = [1, 32]>
  printType("type", type);
  // CHECK: isa: 1 1 0
  printf("isa: %d %d %d\n", mlirTypeIsAMXTensor(type),
         mlirTypeIDEqual(mlirTypeGetTypeID(type), mlirMXTensorTypeGetTypeID()),
         mlirTypeIsAMXTensor(fp4));
  // CHECK: rank 2, dims 64x128, block [1, 32], format e2m1
  MlirStringRef format = mlirMXTensorTypeGetFormatName(type);
  printf("rank %ld, dims %ldx%ld, block [%ld, %ld], format %.*s\n",
         (long)mlirMXTensorTypeGetRank(type),
         (long)mlirMXTensorTypeGetDimSize(type, 0),
         (long)mlirMXTensorTypeGetDimSize(type, 1),
         (long)mlirMXTensorTypeGetBlockSize(type, 0),
         (long)mlirMXTensorTypeGetBlockSize(type, 1), (int)format.length,
         format.data);
  // CHECK: element: f4E2M1FN
  printType("element", mlirMXTensorTypeGetElementType(type));
  // CHECK: scale: f8E8M0FNU
  printType("scale", mlirMXTensorTypeGetScaleType(type));
  // CHECK: scales: tensor<64x4xf8E8M0FNU>
  printType("scales", mlirMXTensorTypeGetScalesType(type));

  // NVFP4: E4M3 scales with blocks of 16.
  int64_t block16[] = {1, 16};
  MlirType e4m3 = mlirTypeParseGet(ctx, mlirStringRefCreateFromCString("f8E4M3FN"));
  // CHECK: nvfp4: !mx.tensor<64x128xf4E2M1FN, block = [1, 16], scale = f8E4M3FN>
  printType("nvfp4", mlirMXTensorTypeGetChecked(loc, 2, shape, fp4, block16, e4m3));

  // Two-level formats: named, and another member of the family.
  const char *twoLevel[] = {
      "!mx.tensor<64x128x!mx.microexp<mx6>, block = [1, 16]>",
      "!mx.tensor<64x128x!mx.microexp<magnitude = 3, sub_block = 4, "
      "micro_bits = 2>, block = [32, 1]>"};
  // CHECK: two-level: format mx6, m 4, k1 16, k2 2, d2 1
  // CHECK: two-level: format two-level, m 3, k1 32, k2 4, d2 2
  for (int i = 0; i < 2; ++i) {
    MlirType t =
        mlirTypeParseGet(ctx, mlirStringRefCreateFromCString(twoLevel[i]));
    unsigned m = 0, k1 = 0, k2 = 0, d2 = 0;
    bool isTwoLevel = mlirMXTensorTypeGetTwoLevelFormat(t, &m, &k1, &k2, &d2);
    MlirStringRef name = mlirMXTensorTypeGetFormatName(t);
    printf("two-level: format %.*s, m %u, k1 %u, k2 %u, d2 %u%s\n",
           (int)name.length, name.data, m, k1, k2, d2,
           isTwoLevel ? "" : " (not two-level)");
  }
  // CHECK: one-level: 0
  printf("one-level: %d\n",
         mlirMXTensorTypeGetTwoLevelFormat(type, NULL, NULL, NULL, NULL));

  // The panels layout: codes and scales as [N/256, K, 256] (FP4: 128 bytes).
  MlirType panels = mlirTypeParseGet(
      ctx, mlirStringRefCreateFromCString(
               "!mx.tensor<64x512xf4E2M1FN, block = [32, 1], layout = panels>"));
  // CHECK: panels: 1 0
  printf("panels: %d %d\n", mlirMXTensorTypeHasPanels(panels),
         mlirMXTensorTypeHasPanels(type));
  // CHECK: panel codes: tensor<2x64x128xi8>
  printType("panel codes", mlirMXTensorTypeGetCodeStorageType(panels));
  // CHECK: panel scales: tensor<2x2x256xf8E8M0FNU>
  printType("panel scales", mlirMXTensorTypeGetScaleStorageType(panels));
  // CHECK: row-major codes: tensor<64x64xi8>
  printType("row-major codes", mlirMXTensorTypeGetCodeStorageType(type));

  // A broken combination is a null type and a diagnostic, not an abort.
  // CHECK: error: expected an MX element type {{.*}} but got 'f32'
  // CHECK: f32 elements: null
  MlirType f32 = mlirF32TypeGet(ctx);
  printf("f32 elements: %s\n",
         mlirTypeIsNull(mlirMXTensorTypeGetChecked(loc, 2, shape, f32, block,
                                                   (MlirType){NULL}))
             ? "null"
             : "a type");
  // CHECK: error: expected f8E4M3FN scales to come with 1-D blocks of 16 elements, but got block [1, 32]
  // CHECK: e4m3 scales with blocks of 32: null
  printf("e4m3 scales with blocks of 32: %s\n",
         mlirTypeIsNull(mlirMXTensorTypeGetChecked(loc, 2, shape, fp4, block, e4m3))
             ? "null"
             : "a type");
}

static void testScaledTensorType(MlirContext ctx) {
  MlirLocation loc = mlirLocationUnknownGet(ctx);
  MlirType data = mlirTypeParseGet(
      ctx, mlirStringRefCreateFromCString("tensor<4x8xf8E4M3FN>"));
  MlirType scaled = mlirMXScaledTensorTypeGetChecked(loc, data);
  // CHECK: scaled: !mx.scaled<tensor<4x8xf8E4M3FN>>
  printType("scaled", scaled);
  // CHECK: scaled isa: 1 1 0
  printf("scaled isa: %d %d %d\n", mlirTypeIsAMXScaledTensor(scaled),
         mlirTypeIDEqual(mlirTypeGetTypeID(scaled),
                         mlirMXScaledTensorTypeGetTypeID()),
         mlirTypeIsAMXScaledTensor(data));
  // CHECK: scaled data: tensor<4x8xf8E4M3FN>
  printType("scaled data", mlirMXScaledTensorTypeGetDataType(scaled));
  // CHECK: error: expected f32, f16, bf16, f8E4M3FN or f8E5M2 data in a scaled tensor, but got 'i32'
  // CHECK: i32 data: null
  MlirType ints =
      mlirTypeParseGet(ctx, mlirStringRefCreateFromCString("tensor<4xi32>"));
  printf("i32 data: %s\n",
         mlirTypeIsNull(mlirMXScaledTensorTypeGetChecked(loc, ints)) ? "null"
                                                                   : "a type");
  // CHECK: error: expected a ranked tensor as the data of a scaled tensor, but got 'f32'
  // CHECK: scalar data: null
  printf("scalar data: %s\n",
         mlirTypeIsNull(mlirMXScaledTensorTypeGetChecked(loc, mlirF32TypeGet(ctx)))
             ? "null"
             : "a type");
}

static void testEnumAttributes(MlirContext ctx) {
  MlirAttribute rule =
      mlirMXScaleRuleAttrGet(ctx, mlirStringRefCreateFromCString("rceil"));
  MlirAttribute rounding =
      mlirMXRoundingAttrGet(ctx, mlirStringRefCreateFromCString("stochastic"));
  MlirAttribute saturation =
      mlirMXSaturationAttrGet(ctx, mlirStringRefCreateFromCString("nonfinite"));
  // CHECK: attributes: #mx.scale_rule<rceil> #mx.rounding<stochastic> #mx.saturation<nonfinite>
  printf("attributes:");
  MlirAttribute attrs[] = {rule, rounding, saturation};
  for (int i = 0; i < 3; ++i) {
    printf(" ");
    mlirAttributePrint(attrs[i], printToStdout, NULL);
  }
  printf("\n");
  MlirStringRef ruleName = mlirMXScaleRuleAttrGetValue(rule);
  MlirStringRef roundingName = mlirMXRoundingAttrGetValue(rounding);
  MlirStringRef saturationName = mlirMXSaturationAttrGetValue(saturation);
  // CHECK: values: rceil stochastic nonfinite; isa 1 1 1 0
  printf("values: %.*s %.*s %.*s; isa %d %d %d %d\n", (int)ruleName.length,
         ruleName.data, (int)roundingName.length, roundingName.data,
         (int)saturationName.length, saturationName.data,
         mlirAttributeIsAMXScaleRule(rule), mlirAttributeIsAMXRounding(rounding),
         mlirAttributeIsAMXSaturation(saturation),
         mlirAttributeIsAMXScaleRule(rounding));
  // CHECK: unknown names: 1 1 1
  printf("unknown names: %d %d %d\n",
         mlirAttributeIsNull(mlirMXScaleRuleAttrGet(
             ctx, mlirStringRefCreateFromCString("up"))),
         mlirAttributeIsNull(
             mlirMXRoundingAttrGet(ctx, mlirStringRefCreateFromCString("rna"))),
         mlirAttributeIsNull(mlirMXSaturationAttrGet(
             ctx, mlirStringRefCreateFromCString("clamp"))));
}

static void testPipeline(MlirContext ctx) {
  mlirMXRegisterAllPasses();
  mlirMXRegisterAllPasses(); // idempotent
  MlirModule module = mlirModuleCreateParse(
      ctx, mlirStringRefCreateFromCString(
               "func.func @q(%x: tensor<64xf32>) -> !mx.tensor<64xf8E4M3FN, "
               "block = [32]> {\n"
               "  %q = mx.quantize %x : tensor<64xf32> -> "
               "!mx.tensor<64xf8E4M3FN, block = [32]>\n"
               "  return %q : !mx.tensor<64xf8E4M3FN, block = [32]>\n}"));
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirLogicalResult parsed = mlirParsePassPipeline(
      mlirPassManagerGetAsOpPassManager(pm),
      mlirStringRefCreateFromCString("builtin.module(mx-cpu-pipeline)"),
      printToStdout, NULL);
  MlirLogicalResult ran =
      mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module));
  // CHECK: pipeline: parsed 1, ran 1
  printf("pipeline: parsed %d, ran %d\n", mlirLogicalResultIsSuccess(parsed),
         mlirLogicalResultIsSuccess(ran));
  // CHECK: llvm.func @q(
  mlirOperationPrint(mlirModuleGetOperation(module), printToStdout, NULL);
  printf("\n");
  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);
}

/* Null and mismatched handles: errors, never crashes. */
static void testBadHandles(MlirContext ctx) {
  MlirType null = {NULL};
  MlirType f32 = mlirF32TypeGet(ctx);
  MlirAttribute nullAttr = {NULL};
  MlirLocation loc = mlirLocationUnknownGet(ctx);
  int64_t shape[] = {64};
  // CHECK: null type: isa 0 0, rank -1, dim -1, block -1,
  // CHECK-SAME: element null 1, scales null 1, data null 1, format ''
  MlirStringRef format = mlirMXTensorTypeGetFormatName(null);
  printf("null type: isa %d %d, rank %ld, dim %ld, block %ld, element null %d, "
         "scales null %d, data null %d, format '%.*s'\n",
         mlirTypeIsAMXTensor(null), mlirTypeIsAMXScaledTensor(null),
         (long)mlirMXTensorTypeGetRank(null),
         (long)mlirMXTensorTypeGetDimSize(null, 0),
         (long)mlirMXTensorTypeGetBlockSize(null, 0),
         mlirTypeIsNull(mlirMXTensorTypeGetElementType(null)),
         mlirTypeIsNull(mlirMXTensorTypeGetScalesType(null)),
         mlirTypeIsNull(mlirMXScaledTensorTypeGetDataType(null)),
         (int)format.length, format.data ? format.data : "");
  // CHECK: panels of null and f32: 0 0, code storage null 1 1
  printf("panels of null and f32: %d %d, code storage null %d %d\n",
         mlirMXTensorTypeHasPanels(null), mlirMXTensorTypeHasPanels(f32),
         mlirTypeIsNull(mlirMXTensorTypeGetCodeStorageType(null)),
         mlirTypeIsNull(mlirMXTensorTypeGetCodeStorageType(f32)));
  // CHECK: two-level of null and f32: 0 0
  printf("two-level of null and f32: %d %d\n",
         mlirMXTensorTypeGetTwoLevelFormat(null, NULL, NULL, NULL, NULL),
         mlirMXTensorTypeGetTwoLevelFormat(f32, NULL, NULL, NULL, NULL));
  // CHECK: f32 as mx: rank -1, dim -1, scale null 1, format length 0
  printf("f32 as mx: rank %ld, dim %ld, scale null %d, format length %zu\n",
         (long)mlirMXTensorTypeGetRank(f32),
         (long)mlirMXTensorTypeGetDimSize(f32, 0),
         mlirTypeIsNull(mlirMXTensorTypeGetScaleType(f32)),
         mlirMXTensorTypeGetFormatName(f32).length);
  MlirType mx = mlirMXTensorTypeGetChecked(
      loc, 1, shape, mlirFloat8E4M3FNTypeGet(ctx), (int64_t[]){32}, null);
  // CHECK: out of range: dim -1 -1, block -1
  printf("out of range: dim %ld %ld, block %ld\n",
         (long)mlirMXTensorTypeGetDimSize(mx, 1),
         (long)mlirMXTensorTypeGetDimSize(mx, -1),
         (long)mlirMXTensorTypeGetBlockSize(mx, 7));
  // CHECK: error: mlirMXTensorTypeGetChecked: null element type, negative
  // CHECK-SAME: rank, or null shape or block
  // CHECK: error: mlirMXTensorTypeGetChecked: null element type
  // CHECK: error: expected a ranked tensor as the data of a scaled tensor,
  // CHECK-SAME: but got a null type
  // CHECK: null constructors: 1 1 1 1 1
  printf("null constructors: %d %d %d %d %d\n",
         mlirTypeIsNull(mlirMXTensorTypeGetChecked(loc, 1, shape, null,
                                                   (int64_t[]){32}, null)),
         mlirTypeIsNull(mlirMXTensorTypeGetChecked(
             loc, 1, NULL, mlirFloat8E4M3FNTypeGet(ctx), NULL, null)),
         mlirTypeIsNull(mlirMXTensorTypeGetChecked((MlirLocation){NULL}, 1,
                                                   shape, f32, shape, null)),
         mlirTypeIsNull(mlirMXScaledTensorTypeGetChecked(loc, null)),
         mlirTypeIsNull(
             mlirMXScaledTensorTypeGetChecked((MlirLocation){NULL}, f32)));
  MlirAttribute unit = mlirUnitAttrGet(ctx);
  // CHECK: attributes: isa 0 0 0 0, values 0 0 0, null context 1,
  // CHECK-SAME: null value 1
  printf("attributes: isa %d %d %d %d, values %zu %zu %zu, null context %d, "
         "null value %d\n",
         mlirAttributeIsAMXScaleRule(nullAttr),
         mlirAttributeIsAMXRounding(unit), mlirAttributeIsAMXSaturation(unit),
         mlirAttributeIsAMXSaturation(nullAttr),
         mlirMXScaleRuleAttrGetValue(nullAttr).length,
         mlirMXRoundingAttrGetValue(unit).length,
         mlirMXSaturationAttrGetValue(unit).length,
         mlirAttributeIsNull(mlirMXRoundingAttrGet(
             (MlirContext){NULL}, mlirStringRefCreateFromCString("rne"))),
         mlirAttributeIsNull(
             mlirMXRoundingAttrGet(ctx, mlirStringRefCreate(NULL, 3))));
  // CHECK: parse null context: 1
  printf("parse null context: %d\n",
         mlirModuleIsNull(mlirMXModuleCreateParseNamed(
             (MlirContext){NULL}, mlirStringRefCreateFromCString("module {}"),
             mlirStringRefCreateFromCString("x.mlir"))));
}

int main(void) {
  // Unbuffered, so that diagnostics (stderr) interleave with the output.
  setvbuf(stdout, NULL, _IONBF, 0);
  MlirContext ctx = createContext();
  testTensorType(ctx);
  testScaledTensorType(ctx);
  testEnumAttributes(ctx);
  testPipeline(ctx);
  testBadHandles(ctx);
  mlirContextDestroy(ctx);
  return EXIT_SUCCESS;
}
