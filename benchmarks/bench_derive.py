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
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args()
    cases = {
        "discrete_fokker_planck_3d_eta2": (fokker_planck_3d, fokker_planck_3d_naive),
        "mode_jump_moments_order8": (mode_moments_8, mode_moments_8_naive),
        "mode_moment_recursion_order8": (moment_recursion_8, mode_jump_moments_only),
        "sgdfp_mode_cli_wall": (mode_cli, import_sympy),
    }
    results = {}
    print(f"{'case':36s} {'sgdfp [s]':>10s} {'base [s]':>10s} {'base/sgdfp':>12s}  target")
    for name, (fast, naive) in cases.items():
        t_fast, t_naive = _best_of(fast, args.repeat), _best_of(naive, args.repeat)
        results[name] = {"seconds": t_fast, "baseline_seconds": t_naive, "speedup": t_naive / t_fast}
        target = 1.5 if name.endswith("cli_wall") else 2.0
        print(f"{name:36s} {t_fast:10.3f} {t_naive:10.3f} {t_naive / t_fast:12.2f}  "
              f"< {target} s {'ok' if t_fast < target else 'SLOW'}")
    if args.json:
        env = {"python": platform.python_version(), "sympy": sp.__version__, "machine": platform.machine()}
        with open(args.json, "w") as fh:
            json.dump({"environment": env, "results": results}, fh, indent=2)


if __name__ == "__main__":
    main()
