r"""The engine's sections: the update and its noise, the master equation and its Kramers--Moyal expansion,
the discrete Fokker--Planck equation, the Langevin form and what it misses, the stochastic modified equation.

Every display prints an object of :mod:`sgdfp.derive` (the update, its noise model, the jump moments, the
Kramers--Moyal series, the modified equation) for SGD on a symbolic loss of ``dim`` parameters; only the
left-hand sides and the prose are written here.
"""

from __future__ import annotations

from itertools import combinations_with_replacement

import sympy as sp

from sgdfp.document.builder import DocumentBuilder
from sgdfp.document.display import Row
from sgdfp.document.gather import Derived
from sgdfp.document.layout import LINE_WIDTH, Printer, integral_lines, width

__all__ = ["update_rows", "series_rows", "write_update", "write_master", "write_discrete_fokker_planck",
           "write_langevin", "write_modified"]


def update_rows(update) -> tuple[list[Row], Printer]:
    r"""The rows :math:`x_i^{(k+1)} = x_i^{(k)} + \Delta_i` of a :class:`~sgdfp.derive.DiscreteUpdate`, and a printer.

    Built from ``update.state`` and ``update.increment``; the state at step :math:`k` is a placeholder
    printed :math:`x_i^{(k)}`, so the increment keeps its own variables (:math:`\partial_{\theta_1} L`).
    """
    from sgdfp.derive import latex

    rows, names = [], {}
    for i, (state, increment) in enumerate(zip(update.state, update.increment)):
        now = sp.Symbol(f"statenow_{i}", real=True)
        names[now] = rf"{latex(state)}^{{(k)}}"
        rows.append(Row(rf"{latex(state)}^{{(k+1)}}", now + increment))
    return rows, Printer(names)


def series_rows(series) -> list[Row]:
    """A Kramers--Moyal series as one row, one group of lines per derivative order (terms from the derive layer)."""
    groups: dict[int, list] = {}
    for term in series.terms():
        groups.setdefault(sum(count for _, count in term.variable_count), []).append(term)
    terms = [groups[n] for n in sorted(groups)] or [[sp.Integer(0)]]
    return [Row(series.lhs, terms)]


def write_update(b: DocumentBuilder, derived: Derived) -> None:
    """Section 1: the SGD update, the moments of its noise and the minibatch cumulants."""
    from sgdfp.derive import latex
    from sgdfp.derive.minibatch import minibatch_cumulant

    dim, update = derived.dim, derived.engine["update"]
    b.section("The update and its noise", "update")
    b.text(rf"""
SGD on a loss $L(\theta)$ of $d = {dim}$ parameters draws a minibatch at every step; its gradient is
the full gradient plus noise $\xi$ of mean zero and per-step covariance $\Sigma(\theta)$. Loss and
covariance are left as undefined functions, so every result below holds for any loss and any noise.
The update is""")
    b.equation("sgd-update", *update_rows(update))
    noise = update.noise
    xi = noise.symbols
    rows = [Row(rf"\mathbb{{E}}[{latex(s)}]", noise.moment(s)) for s in xi]
    rows += [Row(rf"\mathbb{{E}}[{latex(xi[i] * xi[j])}]", noise.moment(xi[i] * xi[j]))
             for i, j in combinations_with_replacement(range(dim), 2)]
    b.text(r"""
with fresh noise at every step, so that $\theta_k$ is a Markov chain. The noise model fixes the
moments of $\xi$ (its cumulants above the second are taken to vanish):""")
    b.equation("gradient-noise", rows)
    b.text(r"""
The per-step cumulants come from the per-sample cumulants $\kappa_n$ of one sample's gradient
(one coordinate; $b$ the batch size, $N$ the number of samples), derived by expanding the
minibatch mean over set partitions, with replacement and for a fresh draw without replacement:""")
    rows = []
    for n in (2, 3):
        for sampling, words in (("with", "with replacement"), ("without", "without replacement")):
            rows.append(Row(rf"\kappa^{{B}}_{{{n}}}", minibatch_cumulant(n, sampling),
                            note=rf"\quad\text{{({words})}}"))
    b.equation("minibatch-cumulants", rows)
    b.text(r"""
For $n = 2$ this is the covariance: $\Sigma = \Sigma_1/b$ with replacement, where $\Sigma_1$ is the
per-sample gradient covariance; the $n$-th cumulant scales as $1/b^{n-1}$.""")


def write_master(b: DocumentBuilder, derived: Derived) -> None:
    """Section 2: the master equation, its Kramers--Moyal expansion and SGD's jump moments."""
    from sgdfp.derive import eta
    from sgdfp.derive.operators import KramersMoyalSeries

    dim, K = derived.dim, derived.eta_order
    update, density = derived.engine["update"], derived.engine["density"]
    theta = update.state
    b.section(r"Master equation and Kramers--Moyal expansion", "master")
    primed = [sp.Symbol(f"thetaprime_{i + 1}", real=True) for i in range(dim)]
    p_k = sp.Symbol("Pkprime")
    names = {p: rf"\theta'_{{{i + 1}}}" for i, p in enumerate(primed)}
    names[p_k] = r"P_k(\theta')"
    at_primed = dict(zip(theta, primed))
    delta = sp.Mul(*[sp.DiracDelta(t - tp - inc.subs(at_primed))
                     for t, tp, inc in zip(theta, primed, update.increment)])
    master_lhs = r"P_{k+1}(\theta)"
    master = integral_lines(sp.Integral(delta * p_k, *primed), Printer(names), r"\mathbb{E}_{\xi}",
                            LINE_WIDTH - width(master_lhs) - 3.0)
    b.text(r"""
Writing $\Delta(\theta, \xi)$ for the increment of \eqref{eq:sgd-update}, the density $P_k$ of
$\theta_k$ obeys the master equation""")
    b.equation("master-equation", [Row(master_lhs, master)])
    generic = {}
    for n in range(1, K + 1):
        for idx in combinations_with_replacement(range(dim), n):
            alpha = tuple(idx.count(i) for i in range(dim))
            generic[alpha] = sp.Function(f"M^{{({n})}}_{{{''.join(str(i + 1) for i in idx)}}}")(*theta)
    rows = series_rows(KramersMoyalSeries(theta, generic, density))
    rows[0].rhs.append([sp.O(eta ** (K + 1))])
    b.text(rf"""
Expanding the delta function in the jump $\Delta$ gives the Kramers--Moyal expansion, in terms of the
jump moments $M^{{(n)}}_{{i_1\dots i_n}}(\theta) = \mathbb{{E}}_\xi[\Delta_{{i_1}}\cdots\Delta_{{i_n}}]$
(symmetric in their indices; the sums over index orderings are collected into multi-indices).
Since $\Delta = O(\eta)$, $M^{{(n)}} = O(\eta^n)$, and the expansion to order $K = {K}$ reads""")
    b.equation("kramers-moyal", rows)
    b.text(r"For SGD the jump moments are")
    for n, tensor in derived.engine["jump_moments"].items():
        b.equation(f"jump-moments-{n}", [
            Row(f"M^{{({n})}}_{{{''.join(str(i + 1) for i in idx)}}}", sp.factor_terms(tensor[idx]))
            for idx in combinations_with_replacement(range(dim), n)])
    b.text(r"""
The first is the drift $-\eta\nabla L$; the second holds the noise covariance \emph{and} the squared
drift, both at order $\eta^2$.""")


def write_discrete_fokker_planck(b: DocumentBuilder, derived: Derived) -> None:
    """Section 3: the discrete Fokker--Planck equation at order :math:`\\eta^K`."""
    K = derived.eta_order
    b.section(r"Discrete Fokker--Planck equation", "discrete-fp")
    b.text(rf"""
Inserting the jump moments into \eqref{{eq:kramers-moyal}} and keeping every power of $\eta$ up to
$\eta^{{{K}}}$ gives the discrete Fokker--Planck equation of SGD (one line per derivative order):""")
    b.equation("discrete-fokker-planck", series_rows(derived.engine["discrete_fokker_planck"]))


def write_langevin(b: DocumentBuilder, derived: Derived) -> None:
    """Section 4: the Langevin form per step and as a flow, and the discrete equation minus each."""
    K, engine = derived.eta_order, derived.engine
    b.section(r"The Langevin form and what it misses", "langevin")
    b.text(r"""
The Langevin model $d\theta = -\nabla L\,dt + \sqrt{\eta\Sigma}\,dW$ keeps the drift and the
\emph{centred} one-step covariance $M^{(2)} - M^{(1)}M^{(1)\top}$. Written per step, its
Fokker--Planck equation is""")
    b.equation("langevin-step", series_rows(engine["langevin_fokker_planck"]))
    b.text(r"""
and as a flow in continuous time $t = \eta k$ (the weak-order-1 modified equation, derived by matching
one-step moments) it is""")
    b.equation("langevin-generator", series_rows(engine["langevin"].generator(engine["density"])))
    b.text(rf"""
The discrete equation \eqref{{eq:discrete-fokker-planck}} minus the per-step Langevin form
\eqref{{eq:langevin-step}}, to $\eta^{{{K}}}$, is""")
    b.equation("step-difference", series_rows(engine["step_difference"]))
    b.text(rf"""
SGD's noise enters with amplitude $\eta$ per step, not $\sqrt\eta$, and its squared drift is of the
same order as the noise. Against the Langevin flow \eqref{{eq:langevin-generator}} run for one step of
time $\eta$, $P(t + \eta) - P(t) = (e^{{\eta\mathcal{{L}}}} - 1)P$ expanded to $\eta^{{{K}}}$, the difference is""")
    b.equation("flow-difference", series_rows(engine["flow_difference"]))
    b.text(r"""
At order $\eta^2$ this is a pure drift, $\eta\,\partial_i[\partial_i(\tfrac{\eta}{4}|\nabla L|^2)P]$:
the correction that the second-order modified equation adds to the Langevin drift.""")


def write_modified(b: DocumentBuilder, derived: Derived) -> None:
    """Section 5: the drift and diffusion of the second-order stochastic modified equation."""
    b.section("Stochastic modified equation", "modified")
    sme = derived.engine["modified_equation"]
    n_state = len(sme.state)
    rows = [Row(rf"b_{{{i + 1}}}", sme.drift[i]) for i in range(n_state)]
    rows += [Row(rf"a_{{{i + 1}{j + 1}}}", sme.diffusion[i, j]) for i in range(n_state) for j in range(i, n_state)]
    b.text(r"""
The SDE $d\theta = b\,dt + \sqrt{a}\,dW$ whose law after time $\eta$ matches the first two one-step
moments of SGD to $\eta^2$ (weak order 2) has drift and diffusion""")
    b.equation("modified-equation", rows)
    b.text(r"""
that is, $b = -\nabla(L + \tfrac{\eta}{4}|\nabla L|^2)$ and $a = \eta\Sigma$; its drift correction, acting
for one step of time $\eta$, is the $\eta^2$ part of \eqref{eq:flow-difference}.""")
