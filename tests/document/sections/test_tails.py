"""The tails section prints the engine's recursion with cumulants, the Kesten equation, the Lyapunov condition,
and the truncated density's tail beside Kesten's index -- checked against the objects they come from."""

import sympy as sp

from sgdfp.derive import Mode
from sgdfp.derive.mode.parameters import D, Gamma, lam
from sgdfp.derive.mode.update import MomentRecursion, cumulant_symbol
from sgdfp.derive.symbols import eta
from sgdfp.document.gather import Derived
from sgdfp.document.sections.tails import ORDER, write_tails


def test_tails_section(record):
    builder = record(write_tails, Derived(2, 2))
    (row,), _ = builder.rows["moment-recursion-cumulants"]
    names = MomentRecursion.moment_names(ORDER)
    # with every higher cumulant zero the printed row is the Gaussian recursion of a critical mode
    zero = {cumulant_symbol(i, j): 0 for i in range(ORDER + 1) for j in range(ORDER + 1) if 3 <= i + j <= ORDER}
    gaussian = Mode(lam, D, eta, Gamma).moment_recursion(ORDER).rows()[ORDER - 1][1]
    assert sp.expand(row.rhs.xreplace(zero) - gaussian) == 0
    assert set(names) <= row.rhs.free_symbols
    assert row.rhs.has(cumulant_symbol(0, 4), cumulant_symbol(4, 0), cumulant_symbol(2, 2))
    tex = builder.body
    assert r"\mathbb{E}\left[\left|{\eta h - 1}\right|^{\alpha}\right] = 1" in tex
    assert r"\label{eq:lyapunov-condition}" in tex and "< 0." in tex
    assert r"survival exponent $\frac{7}{3}$" in tex and r"\alpha = 3.5047" in tex
