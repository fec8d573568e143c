"""Precision and recall of ailint's secrets rules, and of detect-secrets, on the generated corpus.

    python scripts/secrets_benchmark.py [--keep FOLDER] [--seed N]

Generates `fixtures/secrets_corpus` (templates filled with fresh fake keys) into a temporary
folder, runs the real `ailint check --format json --select AIL5` on it, and, when installed,
`detect-secrets scan --all-files` (not a dependency of ailint: `pip install detect-secrets`).

ailint is scored per rule on (file, line, code). Both tools are also scored on the same basis,
(file, line) of every expected secret (AIL501-AIL503; AIL504 is about a file, not a value, and
detect-secrets has no equivalent). Timings are wall-clock, best of three.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Set, Tuple

REPO = Path(__file__).resolve().parents[1]


def _corpus_module():
    spec = importlib.util.spec_from_file_location("secrets_corpus", REPO / "fixtures" / "secrets_corpus" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["secrets_corpus"] = module
    spec.loader.exec_module(module)
    return module


def run_ailint(folder: Path) -> Tuple[Set[Tuple[str, int, str]], float]:
    command = [sys.executable, "-m", "ailint", "check", ".", "--format", "json", "--select", "AIL5", "--no-cache"]
    env = dict(os.environ, NO_COLOR="1")
    best, found = float("inf"), set()
    for _ in range(3):
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env)
        best = min(best, time.perf_counter() - start)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"ailint failed ({proc.returncode}): {proc.stderr}")
        found = {(f["path"], f["line"], f["code"]) for f in json.loads(proc.stdout)["findings"]}
    return found, best


def run_detect_secrets(folder: Path) -> Optional[Tuple[Set[Tuple[str, int]], float]]:
    executable = shutil.which("detect-secrets") or str(Path(sys.executable).with_name("detect-secrets"))
    if not Path(executable).exists():
        return None
    best, found = float("inf"), set()
    for _ in range(3):
        start = time.perf_counter()
        proc = subprocess.run([executable, "scan", "--all-files", "."], cwd=folder, capture_output=True, text=True)
        best = min(best, time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"detect-secrets failed: {proc.stderr}")
        results = json.loads(proc.stdout)["results"]
        found = {(Path(path).as_posix(), item["line_number"]) for path, items in results.items() for item in items}
    return found, best


def table(rows: List[Tuple[str, object]]) -> str:
    lines = [f"{'tool / rule':<38} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}",
             "-" * 72]
    for label, s in rows:
        lines.append(f"{label:<38} {s.true_positives:>4} {s.false_positives:>4} {s.false_negatives:>4} "
                     f"{s.precision:>10.3f} {s.recall:>8.3f}")
    return "\n".join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", help="generate the corpus into this folder and keep it")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    corpus_module = _corpus_module()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="ailint-secrets-corpus-"))
    try:
        corpus = corpus_module.generate(folder, seed=args.seed)
        print(f"corpus: {len(corpus.files)} files, {len(corpus.positive_files)} with secrets, "
              f"{len(corpus.negative_files)} with placeholders and look-alikes only; "
              f"{len(corpus.expected)} expected findings\n")
        found, ailint_seconds = run_ailint(folder)
        rows = [(f"ailint {code}", s) for code, s in corpus_module.scores_by_code(corpus.expected, found).items()]
        secret_codes = corpus_module.SECRET_CODES
        expected_lines = {(path, line) for path, line, code in corpus.expected if code in secret_codes}
        ailint_lines = {(path, line) for path, line, code in found if code in secret_codes}
        rows.append(("ailint secrets, by (file, line)", corpus_module.score(expected_lines, ailint_lines)))
        detect = run_detect_secrets(folder)
        if detect is not None:
            rows.append(("detect-secrets 1.5, by (file, line)", corpus_module.score(expected_lines, detect[0])))
        print(table(rows))
        print(f"\nailint check (AIL5 only, no cache): {ailint_seconds:.2f} s")
        if detect is not None:
            print(f"detect-secrets scan --all-files:    {detect[1]:.2f} s")
        else:
            print("detect-secrets is not installed: pip install detect-secrets==1.5.0")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
