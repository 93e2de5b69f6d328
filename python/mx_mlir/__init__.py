"""mx-mlir from Python.

- `Context`, `Module.parse(text)`, `module.run_pipeline("...")`,
  `jit = module.compile()`, `jit.invoke("fn", *arrays)`: the compiler and
  its JIT over libMXCAPI.so (the C API in include/mx-c/), on NumPy arrays.
- `quantize`, `dequantize`, `matmul`, `MXArray`, `TwoLevelArray`: MX arrays
  (and MX9/MX6/MX4 ones) computed by the compiler's own kernels; `hadamard`:
  the random Hadamard transform in blocks of 16.
- `from_torch(module, example_inputs)`: a PyTorch `nn.Module` as f32
  linalg IR, through torch.fx (PyTorch is imported only when called).
- `WeightStream(checkpoint, layers)`: a layer's weights at a time from a
  safetensors checkpoint, the next layer read ahead on a thread;
  `StreamedModel(imported, policy, micro_batches, checkpoint, budget)`: a
  PyTorch model run layer to layer from an mx-quantize checkpoint
  (docs/LayerToLayer.md); `LayerToLayerTrainer(loss_module, params,
  micro_batches)`: training steps in layer-to-layer order.
- `keep_freed_memory()`: glibc keeps the memory compiled functions free
  for reuse (process-wide; mx_mlir/memory.py says when it matters).
- `reference`: a NumPy implementation of the MX numerics (docs/Numerics.md),
  which the tests check against the C++ reference and the kernels bit for bit.
"""

from . import reference
from .arrays import (FORMATS, TWO_LEVEL_FORMATS, MXArray, TwoLevelArray, dequantize, hadamard, matmul,
                     quantize)
from .ir import Context, ExecutionEngine, MLIRError, Module
from .torch_import import Imported, TorchImportError, from_torch
from .layer_to_layer import LayerToLayerError, StreamedModel
from .layer_to_layer_training import LayerToLayerTrainer
from .memory import keep_freed_memory
from .weight_stream import WeightStream, WeightStreamError

__all__ = ["Context", "ExecutionEngine", "FORMATS", "Imported", "LayerToLayerError", "LayerToLayerTrainer", "MLIRError", "MXArray", "Module", "StreamedModel",
           "TWO_LEVEL_FORMATS", "TorchImportError", "TwoLevelArray", "WeightStream", "WeightStreamError", "dequantize", "from_torch", "hadamard", "keep_freed_memory", "matmul", "quantize", "reference"]
