"""The page cache, for the layer-to-layer benchmarks: dropping it (root
only) and a file's read bandwidth."""

import os
import subprocess
import time


def drop_caches():
    """Drops the page cache; False where this process may not."""
    try:
        subprocess.run(["sync"], check=True)
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        return True
    except OSError:
        return False


def read_bandwidth(path):
    """GB/s of one sequential read of `path` (16 MiB chunks)."""
    start = time.perf_counter()
    with open(path, "rb", buffering=0) as f:
        while f.read(16 << 20):
            pass
    return os.path.getsize(path) / (time.perf_counter() - start) / 1e9
