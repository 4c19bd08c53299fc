"""Benchmark of the derive layer (issue: each target under 2 s on a 2-core machine).

Measures, from a cold SymPy cache each repetition:
- the discrete Fokker--Planck equation at O(eta^2) for SGD in 3 dimensions with symbolic loss and
  covariance functions (baseline: a brute-force construction of the same equation);
- the jump moments up to order 8 of the 1-D mode update y' = y - eta (h y + g) (baseline: expanding
  each power and taking its expectation);
- the mode's moment recursion to n = 8, derived from the Kramers--Moyal engine (baseline: the jump
  moments alone, i.e. the engine's share);
- ``sgdfp mode`` as a user runs it, start-up included (baseline: ``python -c "import sympy"``).
Targets: each derivation under 2 s, ``sgdfp mode`` under 1.5 s. Run: ``python benchmarks/bench_derive.py [--json PATH]``.

With ``--sizes`` (e.g. ``--sizes 1-4x2-4``) it measures instead the size table of ``sgdfp derive``: the wall
time of ``sgdfp derive --dim D --eta-order K --json > /dev/null`` for each size, with the symengine fast path
and without it (``SGDFP_SYMENGINE=0``) side by side, their ratio, the up-front estimate of
:func:`sgdfp.cli.commands.derive.estimated_seconds` and, with ``--baseline-src DIR`` (a source tree of an
earlier version, e.g. ``git archive HEAD~1 sgdfp | tar -x -C DIR``), that version's time in the same run.
A case is stopped at ``--limit`` seconds (default 300) and recorded as "> limit". A size that the command
line refuses (its estimate is over the budget) is timed through :func:`sgdfp.cli.derive_report` with
``--past-budget`` (that is how the model's constants were fitted), else shown as refused.
``--fast-ratio`` adds the kernel comparison: expanding the products of a 3-D order-4 jump moment with
symengine and with SymPy, in one process.

The size table on the 2-core development machine, one run of ``--sizes 1-4x2-4 --baseline-src`` (seconds,
start-up included; before = the engine before the differential polynomials and the fast path, stopped at
150 s; the model's estimate beside):

    size    before   symengine   SymPy only   estimate
    1 x 2     1.27      0.99        0.94        0.57
    1 x 3     1.15      0.72        0.96        0.57
    1 x 4     2.45      0.72        1.10        0.57
    2 x 2     2.43      0.72        0.77        0.60
    2 x 3     5.57      0.81        0.78        0.65
    2 x 4    41.3       1.79        1.84        0.90
    3 x 2     8.07      1.16        1.12        0.65
    3 x 3    41.3       0.96        0.96        0.89
    3 x 4    > 150      2.53        2.53        2.40
    4 x 2    11.1       0.80        0.78        0.73
    4 x 3    76.5       1.30        1.26        1.37
    4 x 4    > 150      7.02        6.97        6.57

The differential polynomials do the work; symengine's path then changes little end to end (ratio 0.95-1.5),
while on the kernel it replaces (expanding a 3-D order-4 jump moment) it is 2.7-4.1x faster with SymPy
objects out, 20-108x inside symengine alone (``--fast-ratio``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from itertools import combinations_with_replacement

import sympy as sp
from sympy.core.cache import clear_cache

from sgdfp.derive import DiscreteUpdate, Noise, discrete_fokker_planck, eta, jump_moment, symbolic_sgd


def _best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        clear_cache()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def fokker_planck_3d():
    update = symbolic_sgd(3)
    return discrete_fokker_planck(update, update.density(), 2)


def fokker_planck_3d_naive():
    """Baseline: every ordered index pair, moments by expanding the full product, derivatives evaluated."""
    update = symbolic_sgd(3)
    P, xs, noise = update.density(), update.state, update.noise
    out = 0
    for i in range(3):
        out += -sp.diff(noise.expect(sp.expand(update.increment[i])) * P, xs[i])
        for j in range(3):
            m2 = noise.expect(sp.expand(update.increment[i] * update.increment[j]))
            out += sp.Rational(1, 2) * sp.diff(m2 * P, xs[i], xs[j])
    return sp.expand(out)


def _mode():
    y, h, g = sp.symbols("y h g")
    lam, G, rho, D, gbar = sp.symbols("lambda Gamma rho D gbar")
    noise = Noise.from_cumulants([h, g], {h: lam, g: gbar, h**2: G, h * g: rho, g**2: D}, zero_above=2)
    return DiscreteUpdate([y], [-eta * (h * y + g)], noise, eta)


def mode_moments_8():
    update = _mode()
    return [jump_moment(update, n) for n in range(1, 9)]


def mode_moments_8_naive():
    update = _mode()
    return [update.noise.expect(sp.expand(update.increment[0] ** n)) for n in range(1, 9)]


def moment_recursion_8():
    from sgdfp.derive import Mode
    from sgdfp.derive.mode.dynamics import raw_discrete_matrix
    from sgdfp.derive.mode.update import mode_update

    raw_discrete_matrix.cache_clear()
    mode_update.cache_clear()
    return Mode(sp.Symbol("lambda"), sp.Symbol("D"), eta).moment_recursion(8)


def mode_jump_moments_only():
    from sgdfp.derive.mode.update import mode_update

    mode_update.cache_clear()
    return [jump_moment(mode_update(), n) for n in range(1, 9)]


MODE_COMMAND = [sys.executable, "-m", "sgdfp", "mode", "--curvature", "1", "--grad-noise", "2", "--lr", "0.1",
                "--curvature-noise", "0.3", "--mean-grad", "0.2", "--cross", "0.1"]


def mode_cli():
    subprocess.run(MODE_COMMAND, check=True, capture_output=True)


def import_sympy():
    subprocess.run([sys.executable, "-c", "import sympy"], check=True, capture_output=True)


# ---------------------------------------------------------------------------------------------------- size table
DERIVE_API = ("import json, sys; from sgdfp.cli import derive_report; "
              "json.dumps(derive_report(int(sys.argv[1]), int(sys.argv[2])))")


def parse_sizes(spec: str) -> list[tuple[int, int]]:
    """``"1-4x2-4"`` or ``"2x4,3x3"`` -> [(dim, eta_order), ...]."""
    def span(text):
        low, _, high = text.partition("-")
        return range(int(low), int(high or low) + 1)

    out = []
    for part in spec.split(","):
        dims, _, orders = part.partition("x")
        out += [(d, k) for d in span(dims) for k in span(orders)]
    return out


def time_derive(dim: int, eta_order: int, limit: float, env: dict, api: bool = False) -> float | None | str:
    """Wall seconds of ``sgdfp derive --dim --eta-order --json > /dev/null``; None past ``limit``; "refused" on exit 2."""
    command = ([sys.executable, "-c", DERIVE_API, str(dim), str(eta_order)] if api else
               [sys.executable, "-m", "sgdfp", "derive", "--dim", str(dim), "--eta-order", str(eta_order), "--json"])
    start = time.perf_counter()
    try:  # run outside the repository, so that PYTHONPATH (a baseline tree) decides which sgdfp is imported
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, timeout=limit,
                              cwd=tempfile.gettempdir())
    except subprocess.TimeoutExpired:
        return None
    if done.returncode == 2 and not api:
        return "refused"
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.decode()[-500:]}")
    return time.perf_counter() - start


def size_table(sizes, limit: float, baseline_src: str | None, past_budget: bool) -> dict:
    from sgdfp.cli.commands.derive import BUDGET_SECONDS, estimated_seconds

    base_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SGDFP_SYMENGINE")}
    columns = {"symengine": dict(base_env, SGDFP_SYMENGINE="1"), "sympy_only": dict(base_env, SGDFP_SYMENGINE="0")}
    if baseline_src:
        columns = {"baseline": dict(base_env, PYTHONPATH=os.path.abspath(baseline_src)), **columns}
    print(f"size table: sgdfp derive --dim D --eta-order K --json > /dev/null, wall seconds (> {limit:g}: stopped); "
          f"budget {BUDGET_SECONDS:g} s")
    print(f"{'size':8s} " + " ".join(f"{name:>11s}" for name in columns) + f" {'SymPy/seng':>10s} {'estimate':>9s}")
    results = {}
    for dim, k in sizes:
        row = {}
        for name, env in columns.items():
            value = time_derive(dim, k, limit, env)
            if value == "refused" and past_budget:
                value = time_derive(dim, k, limit, env, api=True)
            row[name] = value
        ratio = (row["sympy_only"] / row["symengine"] if all(isinstance(row[c], float)
                                                               for c in ("sympy_only", "symengine")) else None)
        row["ratio"], row["estimate"] = ratio, estimated_seconds(dim, k)
        results[f"{dim}x{k}"] = row

        def cell(v):
            return f"> {limit:g}" if v is None else v if isinstance(v, str) else f"{v:.2f}"

        print(f"{dim} x {k:<4d} " + " ".join(f"{cell(row[name]):>11s}" for name in columns)
              + f" {'' if ratio is None else f'{ratio:.2f}':>10s} {row['estimate']:9.2f}", flush=True)
    return results


def kernel_ratio(repeat: int) -> dict:
    r"""Expanding a 3-D order-4 jump moment with symengine and with SymPy, in one process.

    Two expressions of SGD in three dimensions: the 15 products of four increments (the entries of
    :math:`\Delta^{\otimes 4}` before the expectation) and the fourth power of their sum. Three times each:
    :func:`sgdfp.derive.fast.expand` through symengine (forced, whatever the size; SymPy objects out), the same
    with SymPy only, and symengine's own ``expand`` with symengine objects out (no conversion back).
    """
    from sgdfp.derive import fast

    update = symbolic_sgd(3)
    cases = {"15 products": [sp.Mul(*[update.increment[i] for i in idx])
                             for idx in combinations_with_replacement(range(3), 4)],
             "(sum)^4": [sp.Add(*update.increment) ** 4]}
    results = {}
    threshold, fast.LARGE_EXPANSION = fast.LARGE_EXPANSION, 0  # every expansion through symengine
    try:
        for name, exprs in cases.items():
            times = {}
            for path, flag in (("symengine", True), ("sympy", False)):
                with fast.use_symengine(flag):
                    times[path] = _best_of(lambda: [fast.expand(e) for e in exprs], repeat)
            with fast.use_symengine(True):
                same = [fast.expand(e) for e in exprs] == [sp.expand(e) for e in exprs]
            row = {"symengine_seconds": times["symengine"], "sympy_seconds": times["sympy"],
                   "ratio": times["sympy"] / times["symengine"], "identical": same, "symengine": fast.enabled()}
            line = (f"expand a 3-D order-4 jump moment, {name}: symengine {times['symengine']:.4f} s, SymPy "
                    f"{times['sympy']:.4f} s: {row['ratio']:.1f}x with SymPy objects out (identical: {same})")
            if fast.available():
                import symengine

                inside = _best_of(lambda: [symengine.expand(symengine.sympify(e)) for e in exprs], repeat)
                row.update(symengine_only_seconds=inside, ratio_symengine_objects_out=times["sympy"] / inside)
                line += f"; symengine alone {inside:.4f} s: {row['ratio_symengine_objects_out']:.0f}x"
            print(line)
            results[name] = row
    finally:
        fast.LARGE_EXPANSION = threshold
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--sizes", help="measure the sgdfp derive size table instead, e.g. 1-4x2-4 or 2x4,3x3")
    parser.add_argument("--limit", type=float, default=300.0, help="stop a size after this many seconds (300)")
    parser.add_argument("--baseline-src", help="also time the source tree in this directory (an earlier version)")
    parser.add_argument("--past-budget", action="store_true",
                        help="time sizes the command line refuses through the Python API")
    parser.add_argument("--fast-ratio", action="store_true", help="the symengine/SymPy expand ratio, one process")
    args = parser.parse_args()
    results: dict = {}
    if args.fast_ratio:
        results["kernel_ratio"] = kernel_ratio(args.repeat)
    if args.sizes:
        results["size_table"] = size_table(parse_sizes(args.sizes), args.limit, args.baseline_src, args.past_budget)
    if not (args.sizes or args.fast_ratio):
        results.update(derive_cases(args.repeat))
    if args.json:
        env = {"python": platform.python_version(), "sympy": sp.__version__, "machine": platform.machine(),
               "cpus": os.cpu_count()}
        with open(args.json, "w") as fh:
            json.dump({"environment": env, "results": results}, fh, indent=2)


def derive_cases(repeat: int) -> dict:
    """The four derivation benchmarks, each against its baseline."""
    cases = {
        "discrete_fokker_planck_3d_eta2": (fokker_planck_3d, fokker_planck_3d_naive),
        "mode_jump_moments_order8": (mode_moments_8, mode_moments_8_naive),
        "mode_moment_recursion_order8": (moment_recursion_8, mode_jump_moments_only),
        "sgdfp_mode_cli_wall": (mode_cli, import_sympy),
    }
    results = {}
    print(f"{'case':36s} {'sgdfp [s]':>10s} {'base [s]':>10s} {'base/sgdfp':>12s}  target")
    for name, (fast, naive) in cases.items():
        t_fast, t_naive = _best_of(fast, repeat), _best_of(naive, repeat)
        results[name] = {"seconds": t_fast, "baseline_seconds": t_naive, "speedup": t_naive / t_fast}
        target = 1.5 if name.endswith("cli_wall") else 2.0
        print(f"{name:36s} {t_fast:10.3f} {t_naive:10.3f} {t_naive / t_fast:12.2f}  "
              f"< {target} s {'ok' if t_fast < target else 'SLOW'}")
    return results


if __name__ == "__main__":
    main()
