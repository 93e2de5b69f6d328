"""How the process's allocator treats the memory compiled functions free.

A compiled function allocates its result and its temporaries with malloc
and frees the temporaries on return. glibc hands large freed blocks back
to the kernel (an munmap for a block above its mmap threshold, a trim of
the heap's top above its trim threshold), so the next call touches fresh
pages. Where a first-touch page fault is expensive, as on many virtual
machines, calls spend much of their time there: the GPT example's batch
(examples/gpt) took 86 ms per call on such a VM and 24 ms with freed
memory kept (PyTorch's own forward: 18 ms and 5 ms).

`keep_freed_memory()` makes glibc keep freed memory for reuse, as the
caching allocators of ML frameworks do, and as the C++ benchmarks of
bench/ do (`mxbench::keepFreedMemory`). It is process-wide: every
allocation of the process follows it, and the process keeps its peak
memory instead of returning it. Call it once, at start-up, in a program
that calls compiled functions repeatedly.
"""

import ctypes

# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def keep_freed_memory():
    """Makes glibc's malloc keep freed memory (no mmap below 1 GiB, no trim
    of the heap). Returns True where it took effect, False where the C
    library has no glibc `mallopt` or refused the settings."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt(_M_MMAP_THRESHOLD, 1 << 30) == 1 and mallopt(_M_TRIM_THRESHOLD, -1) == 1
