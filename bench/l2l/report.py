"""What the layer-to-layer benchmarks write: DIR/<name>.json (the report),
<name>.md (a table) and <name>.png (a gnuplot chart of rows/s against
micro-batches)."""

import json
import os
import shutil
import subprocess


def write_report(out, name, report, table, points, title, curves, key="left top"):
    """`table`: the Markdown lines; `points`: one list of numbers per micro-
    batch count (the count first); `curves`: (column, title) to plot
    against the count, from 0 rows/s up; `key`: where gnuplot puts the
    legend."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, f"{name}.json"), "w") as f:
        json.dump(report, f, indent=1)
    with open(os.path.join(out, f"{name}.md"), "w") as f:
        f.write("\n".join(table) + "\n")
    data = os.path.join(out, f"{name}.dat")
    with open(data, "w") as f:
        for point in points:
            f.write(" ".join("NaN" if v is None else str(v) for v in point) + "\n")
    plots = ", \\\n     ".join(f'"{data}" using 1:{column} with linespoints lw 2 title "{label}"'
                               for column, label in curves)
    script = f"""
set terminal pngcairo size 900,560 font ",11" noenhanced
set output "{os.path.join(out, f'{name}.png')}"
set title "{title}"
set xlabel "micro-batches per batch (each layer's weights read once per batch)"
set ylabel "rows per second"
set logscale x 2
set yrange [0:*]
set key {key}
set grid
plot {plots}
"""
    if shutil.which("gnuplot"):
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    os.remove(data)
