#!/usr/bin/env bash
# The main job: builds mx-opt (installing what is missing) and runs it on the
# example MLP through the passes that exist, showing what each step changed.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${MX_BUILD_DIR:-build}
MX_OPT="$BUILD_DIR/bin/mx-opt"
INPUT=${1:-examples/mlp.mlir}

echo "== building mx-opt (scripts/build.sh) =="
bash scripts/build.sh >/dev/null
echo "ok"

# "op count" lines for the ops in a module read from stdin.
op_counts() {
  grep -oE '= (mx|arith|tensor|linalg)\.[a-z_]+' | cut -c3- | sort | uniq -c |
    awk '{print $2, $1}'
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$MX_OPT" "$INPUT" >"$tmp/0.mlir"
"$MX_OPT" "$INPUT" -mx-expand-casts >"$tmp/1.mlir"
"$MX_OPT" "$INPUT" -mx-expand-casts -canonicalize -cse >"$tmp/2.mlir"
for i in 0 1 2; do op_counts <"$tmp/$i.mlir" >"$tmp/$i.counts"; done

echo
echo "== $INPUT through: mx-opt -mx-expand-casts -canonicalize -cse =="
printf '%-16s %8s %16s %20s\n' op input "expand-casts" "+canonicalize,cse"
join -a1 -a2 -e 0 -o 0,1.2,2.2 "$tmp/0.counts" "$tmp/1.counts" |
  join -a1 -a2 -e 0 -o 0,1.2,1.3,2.2 - "$tmp/2.counts" |
  while read -r op a b c; do
    printf '%-16s %8s %16s %20s\n' "$op" "$a" "$b" "$c"
  done

echo
echo "== scale-only ops after folding (mx.ldexp chains merge) =="
grep -E 'mx\.ldexp' "$tmp/2.mlir" | sed 's/^ *//'

echo
echo "== output IR =="
cat "$tmp/2.mlir"
