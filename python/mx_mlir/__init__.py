"""mx-mlir from Python.

`mx_mlir.reference` is a NumPy implementation of the MX numerics
(docs/Numerics.md), checked bit for bit against the C++ reference in
lib/Numerics by the test suite (test/python/).
"""

from . import reference

__all__ = ["reference"]
