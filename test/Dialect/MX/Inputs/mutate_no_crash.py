"""Runs mx-opt on many deterministic mutants of a valid MX program and fails
if any run crashes (dies by a signal or with an exit code other than 0/1).

usage: mutate_no_crash.py MX_OPT SEED_FILE COUNT [--skip=I,J] [mx-opt args...]

--skip: mutants known to crash upstream code before any mx code runs (say
which in the test), not run.
"""
import concurrent.futures
import os
import random
import re
import subprocess
import sys
import tempfile

NUMBERS = ["0", "-1", "1", "2", "16", "33", "-32", "255", "256", "2147483647",
           "2147483648", "-2147483649", "99999999999999999999", "?"]
TYPES = ["f32", "f16", "bf16", "f64", "i8", "i1", "ui8", "index", "none",
         "f4E2M1FN", "f6E3M2FN", "f6E2M3FN", "f8E4M3FN", "f8E5M2", "f8E8M0FNU",
         "tensor<32xf32>", "tensor<*xf32>", "tensor<?x?xf32>", "memref<4xf32>",
         "!mx.tensor<32xi8, block = [32]>",
         "!mx.tensor<?x64xf4E2M1FN, block = [1, 32]>"]
WORDS = ["floor", "ceil", "even", "rceil", "rne", "rtz", "stochastic",
         "saturate", "nonfinite", "block", "scale", "seed", "scale_rule",
         "rounding", "saturation", "mx.quantize", "mx.dequantize", "mx.matmul",
         "mx.pack", "mx.unpack", "mx.cast", "mx.ldexp", "->", ",", ":", "[", "]",
         "<", ">", "(", ")"]
TOKEN = re.compile(r"!mx\.tensor<[^>]*>|tensor<[^>]*>|-?\d+|[A-Za-z_][\w.]*|%[\w#]+|\S")


def mutate(text, rng):
    tokens = [m for m in TOKEN.finditer(text)]
    kind = rng.randrange(7)
    if kind == 6:  # truncate anywhere
        return text[: rng.randrange(len(text))]
    if kind == 5:  # swap two lines
        lines = text.split("\n")
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines)
    token = tokens[rng.randrange(len(tokens))]
    start, end = token.span()
    if kind == 0:
        replacement = ""
    elif kind == 1:
        replacement = token.group() + " " + token.group()
    elif kind == 2:
        replacement = rng.choice(NUMBERS)
    elif kind == 3:
        replacement = rng.choice(TYPES)
    else:
        replacement = rng.choice(WORDS)
    # Numbers inside an !mx.tensor type are the interesting ones: hit them too.
    if kind == 2 and rng.random() < 0.5:
        types = [m for m in re.finditer(r"!mx\.tensor<([^>]*)>", text)]
        if types:
            t = rng.choice(types)
            inner = t.group(1)
            numbers = list(re.finditer(r"\d+", inner))
            if numbers:
                n = rng.choice(numbers)
                new_inner = inner[: n.start()] + rng.choice(NUMBERS) + inner[n.end():]
                return text[: t.start(1)] + new_inner + text[t.end(1):]
    return text[:start] + replacement + text[end:]


def run(mx_opt, args, source):
    """mx-opt's exit code, stdout and stderr on `source`."""
    with tempfile.NamedTemporaryFile("w", suffix=".mlir") as f:
        f.write(source)
        f.flush()
        result = subprocess.run([mx_opt, f.name] + args, capture_output=True,
                                timeout=60 * max(1, source.count(SPLIT)))
    return (result.returncode, result.stdout.decode(errors="replace"),
            result.stderr.decode(errors="replace"))


SPLIT = "\n// -----\n"
SENTINEL = re.compile(r"mx\.mutant = (\d+) : i64")
# mx-opt's refusal of text that crashes the upstream parser covers the whole
# file, so a batch holding such a mutant says nothing of the others.
WHOLE_FILE_REFUSAL = "MLIR 22's parser would crash"
BATCH = 16


def run_batch(mx_opt, args, mutants):
    """The (exit code, stderr) of each mutant, from one mx-opt process over
    all of them as -split-input-file chunks, since a process start (loading
    libMLIR) costs more than most mutants. Each chunk gets a fresh context;
    a failed chunk prints nothing, so an empty output between the sentinel
    modules before and after a mutant's chunks says it was rejected. A
    crash, a whole-file refusal or output that does not parse: each mutant
    runs alone instead (and a crash is reported for the mutant itself)."""
    if len(mutants) > 1:
        split_args = args if "-split-input-file" in args or "--split-input-file" in args else \
            ["-split-input-file"] + args
        text = SPLIT.join(f"module attributes {{mx.mutant = {k}}} {{}}{SPLIT}{mutant}"
                          for k, mutant in enumerate(mutants))
        code, out, err = run(mx_opt, split_args, text)
        if code in (0, 1) and WHOLE_FILE_REFUSAL not in err:
            owner, seen, rejected = None, [], set()
            for segment in re.split(r"^// -----\n", out, flags=re.M):
                sentinel = SENTINEL.search(segment)
                if sentinel:
                    owner = int(sentinel.group(1))
                    seen.append(owner)
                elif owner is not None and not segment.strip():
                    rejected.add(owner)
            if seen == list(range(len(mutants))) and (code == 0) == (not rejected):
                return [(1, err) if k in rejected else (0, "") for k in range(len(mutants))]
    return [(code, err) for code, _, err in (run(mx_opt, args, mutant) for mutant in mutants)]


def main():
    mx_opt, seed_file, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    args = sys.argv[4:]
    skipped = set()
    if args and args[0].startswith("--skip="):
        skipped = {int(i) for i in args[0][len("--skip="):].split(",")}
        args = args[1:]
    text = open(seed_file).read()
    # Each mutant is a function of its index alone, so a failure reproduces.
    # MX_MUTANT_STRIDE (set by lit.cfg.py): every stride-th mutant only.
    stride = int(os.environ.get("MX_MUTANT_STRIDE", "1"))
    indices = [i for i in range(0, count, stride) if i not in skipped]
    mutants = [mutate(text, random.Random(i)) for i in indices]
    crashes = 0
    outcomes = {0: 0, 1: 0}
    batches = [range(start, min(start + BATCH, len(mutants))) for start in range(0, len(mutants), BATCH)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda batch: run_batch(mx_opt, args, [mutants[k] for k in batch]), batches)
        for batch, outcomes_of_batch in zip(batches, results):
            for position, (code, err) in zip(batch, outcomes_of_batch):
                index = indices[position]
                if code in outcomes:
                    outcomes[code] += 1
                    continue
                crashes += 1
                print(f"mutant {index}: mx-opt exited with {code}\n{err[-2000:]}")
                print("---- input ----\n" + mutants[position])
    print(f"{len(mutants)} mutants: {outcomes[0]} accepted, {outcomes[1]} rejected with a diagnostic, {crashes} crashed")
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
