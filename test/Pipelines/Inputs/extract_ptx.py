"""Writes the PTX of each gpu.binary object in an MLIR file (format=isa).

Usage: extract_ptx.py INPUT.mlir OUTPUT.ptx
gpu-module-to-binary prints the assembly as an MLIR string: \\XX escapes.
"""
import re
import sys

text = open(sys.argv[1]).read()
objects = re.findall(r'assembly = "((?:[^"\\]|\\.)*)"', text)
if not objects:
    sys.exit("no gpu.binary assembly in " + sys.argv[1])
ptx = re.sub(r"\\([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), objects[0])
open(sys.argv[2], "w").write(ptx.replace("\\\\", "\\"))
