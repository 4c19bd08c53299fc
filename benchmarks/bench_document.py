"""Benchmark of ``sgdfp latex`` (the document builder) against ``sgdfp derive`` for the same sizes.

For each size (D parameters, truncation order K) it times, from a cold SymPy cache each repetition,
``write_document`` (every derivation of the document, printed, written with its snippets; no PDF)
and, as the baseline measured in the same run, ``sgdfp.cli.derive_report`` (the derivations that
``sgdfp derive`` prints). The ratio document/derive is what the document adds: the mode theory,
the random quadratic, line breaking and writing. With ``--pdf`` the compilation is timed too.
Target: the default size (D = 2, K = 2) under 5 s. Run: ``python benchmarks/bench_document.py
[--sizes 2x2 3x3] [--repeat N] [--pdf] [--json PATH]``.

Note: the mode theory's symbolic matrices are cached per process (``functools.lru_cache``), so
repetitions after the first are a little faster than a fresh ``sgdfp latex``; the first repetition
is reported separately as ``first``.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import tempfile
import time
from pathlib import Path

import sympy as sp
from sympy.core.cache import clear_cache

from sgdfp.cli import derive_report
from sgdfp.document import write_document
from sgdfp.tex import find_engine


def _times(fn, repeat):
    times = []
    for _ in range(repeat):
        clear_cache()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1x2", "2x2", "2x3", "3x2", "3x3"], metavar="DxK")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--pdf", action="store_true", help="also time the PDF compilation")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()
    if args.pdf and find_engine() is None:
        parser.error("--pdf needs a TeX engine (pdflatex, lualatex or xelatex)")
    scratch = Path(tempfile.mkdtemp(prefix="sgdfp-bench-"))
    results = {}
    print(f"{'size':6s} {'document [s]':>13s} {'first [s]':>10s} {'derive [s]':>11s} {'doc/derive':>11s}"
          f"{'  pdf [s]' if args.pdf else ''}  target")
    try:
        for n, size in enumerate(args.sizes):
            dim, order = (int(v) for v in size.lower().split("x"))

            runs = iter(range(10**6))

            def document(pdf=False, n=n, dim=dim, order=order, runs=runs):
                write_document(scratch / f"{n}-{next(runs)}", dim=dim, eta_order=order, pdf=pdf)

            doc_times = _times(document, args.repeat)
            base = min(_times(lambda dim=dim, order=order: derive_report(dim, order), args.repeat))
            row = {"dim": dim, "eta_order": order, "seconds": min(doc_times), "first_seconds": doc_times[0],
                   "derive_seconds": base, "ratio": min(doc_times) / base}
            line = (f"{size:6s} {row['seconds']:13.2f} {row['first_seconds']:10.2f} {base:11.2f}"
                    f" {row['ratio']:11.2f}")
            if args.pdf:
                with_pdf = min(_times(lambda: document(pdf=True), 1))
                row["pdf_seconds"] = with_pdf - row["seconds"]
                line += f" {row['pdf_seconds']:8.2f}"
            if (dim, order) == (2, 2):
                line += f"  < 5 s {'ok' if row['seconds'] < 5 else 'SLOW'}"
            print(line, flush=True)
            results[size] = row
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if args.json:
        env = {"python": platform.python_version(), "sympy": sp.__version__, "machine": platform.machine()}
        with open(args.json, "w") as fh:
            json.dump({"environment": env, "results": results}, fh, indent=2)


if __name__ == "__main__":
    main()
