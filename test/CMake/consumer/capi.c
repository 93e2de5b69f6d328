/* A C program that links the mx C API through find_package(MXMLIR). */
#include "mx-c/Dialect.h"
#include "mx-c/RegisterEverything.h"

#include <stdio.h>

static void print(MlirStringRef text, void *userData) {
  (void)userData;
  fwrite(text.data, 1, text.length, stdout);
}

int main(void) {
  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirMXRegisterAllDialects(registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  MlirType type = mlirTypeParseGet(
      ctx, mlirStringRefCreateFromCString(
               "!mx.tensor<64x128xf4E2M1FN, block = [1, 32]>"));
  printf("mx tensor: %d, scales: ", mlirTypeIsAMXTensor(type));
  mlirTypePrint(mlirMXTensorTypeGetScalesType(type), print, NULL);
  printf("\n");
  mlirContextDestroy(ctx);
  return 0;
}
