# RUN: env PYTHONPATH=%mx_python_packages %python %mx_src_root/scripts/format-errors.py --elements 65536 > %t.md
# RUN: env PYTHONPATH=%mx_python_packages %python %s %t.md | FileCheck %s
#
# scripts/format-errors.py (docs/Numerics.md's error table) runs, and on a
# smaller sample the comparisons the docs draw from it hold on both
# distributions: MX9 below MXINT8 below MXFP8 E4M3 in relative RMS error,
# MXFP6 E2M3 below MX6, NVFP4 below MXFP4 below MX4, and every two-level format far
# below the next narrower one.

import sys

rows = {}
for line in open(sys.argv[1]):
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) == 8 and cells[1][0].isdigit():
        rows[cells[0]] = (float(cells[2]), float(cells[5]))
print("formats:", len(rows))
# CHECK: formats: 10
for column in (0, 1):
    rms = {name: values[column] for name, values in rows.items()}
    print("8-9 bits:", rms["MX9"] < rms["MXINT8"] < rms["MXFP8 E4M3"])
    print("6 bits:", rms["MXFP6 E2M3"] < rms["MX6"])
    print("4 bits:", rms["NVFP4"] < rms["MXFP4 E2M1"] < rms["MX4"])
    print("widths:", rms["MX9"] < rms["MX6"] < rms["MX4"])
# CHECK: 8-9 bits: True
# CHECK-NEXT: 6 bits: True
# CHECK-NEXT: 4 bits: True
# CHECK-NEXT: widths: True
# CHECK-NEXT: 8-9 bits: True
# CHECK-NEXT: 6 bits: True
# CHECK-NEXT: 4 bits: True
# CHECK-NEXT: widths: True
