#!/usr/bin/env python3
"""Regenerates corpus/: every `// -----` split of the lit tests that holds an
mx op or type, without comment lines, at most 8 KiB, named by content hash.

    python3 tools/mx-ir-fuzzer/make-corpus.py
"""

import hashlib
import pathlib
import re

root = pathlib.Path(__file__).resolve().parents[2]
corpus = pathlib.Path(__file__).resolve().parent / "corpus"
corpus.mkdir(exist_ok=True)
for old in corpus.iterdir():
    old.unlink()
seeds = set()
for test in sorted((root / "test").rglob("*.mlir")):
    for chunk in test.read_text().split("// -----"):
        lines = [line for line in chunk.splitlines() if not re.match(r"\s*//", line)]
        text = "\n".join(lines).strip() + "\n"
        if ("mx." in text or "!mx" in text) and len(text) <= 8192:
            seeds.add(text)
for text in seeds:
    name = hashlib.sha1(text.encode()).hexdigest()[:16]
    (corpus / name).write_text(text)
print(f"{len(seeds)} seeds in {corpus}")
