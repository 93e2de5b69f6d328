# REQUIRES: private-tmpfs
# RUN: rm -rf %t && mkdir -p %t
# RUN: env PYTHONPATH=%mx_python_packages %python %s %t mx-quantize | FileCheck %s
#
# A full file system, not a simulated one: a 256 KiB tmpfs, mounted in a
# private mount namespace (unshare), receives the quantized 1 MiB tensor
# (about 265 KiB in E4M3 with its scales). mx-quantize fails with the
# system's own message, exit status 1, no file left on the tmpfs (its
# temporary output is removed), and the input untouched; as .safetensors
# (written in place) and as .npz (built from a spill file at commit).
# broken-files.py covers the same path with a file-size limit everywhere.

import hashlib
import os
import subprocess
import sys

import numpy as np

directory, tool = sys.argv[1], sys.argv[2]
source = os.path.join(directory, "x.npy")
np.save(source, np.random.default_rng(7).standard_normal((512, 512), np.float32))
digest = hashlib.sha256(open(source, "rb").read()).hexdigest()
mount = os.path.join(directory, "small")
os.mkdir(mount)

for output in ("x.safetensors", "x.npz"):
    script = (f"mount -t tmpfs -o size=256k mx-full '{mount}' || exit 9; "
              f"'{tool}' '{source}' --format e4m3 --no-progress --quiet "
              f"-o '{mount}/{output}'; echo \"exit $?\"; "
              f"echo \"left: $(ls -A '{mount}' | wc -l)\"")
    result = subprocess.run(["unshare", "-rm", "sh", "-c", script],
                            capture_output=True, text=True)
    print(output, result.stdout.strip().replace("\n", "; "), "|",
          result.stderr.strip().replace(mount + "/", ""))
print("input untouched:", hashlib.sha256(open(source, "rb").read()).hexdigest() == digest)
# CHECK: x.safetensors exit 1; left: 0 | mx-quantize: error: x.safetensors: No space left on device
# CHECK: x.npz exit 1; left: 0 | mx-quantize: error: x.npz: No space left on device
# CHECK: input untouched: True
