r"""``sgdfp latex``: a LaTeX document of every derivation, each equation also as its own snippet.

Every displayed equation is produced at run time by :mod:`sgdfp.derive` (the update, its noise,
the jump moments, the Kramers--Moyal and Fokker--Planck series, the modified equation, the
random quadratic and its modes) and printed with :func:`sgdfp.derive.latex`; nothing is typed in
by hand except the prose around it and the names on the left-hand sides. Long sums are broken
across the lines of an ``align`` environment (one equation number per equation, on its last line),
so that nothing runs off the page.

:func:`build_document` assembles the text; :func:`write_document` writes it, one snippet per
equation under ``equations/``, and optionally the PDF, atomically.

Example:
    >>> doc = build_document(dim=1, eta_order=2)            # doctest: +SKIP
    >>> doc.equations[0].label                              # doctest: +SKIP
    'eq:sgd-update'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations_with_replacement
from pathlib import Path

import sympy as sp

__all__ = ["SNIPPETS_DIR", "TEX_NAME", "Document", "Equation", "WrittenDocument", "build_document", "derivations",
           "regime_conditions", "write_document"]

TEX_NAME = "derivations.tex"
SNIPPETS_DIR = "equations"

# Display-line budget in rough glyph widths (see _width) for A4 with 2 cm margins at 10 pt, leaving
# room for the equation number.
LINE_WIDTH = 74.0
_INDENT = 2.0  # one \quad


# ---------------------------------------------------------------------------------------------------------
# Width estimate and line breaking
# ---------------------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|[{}_^]|[^\s]")
_INVISIBLE = {"left", "right", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "big", "Big", "bigg",
              "displaystyle", "notag", "nonumber", "limits", "label"}
_TEXT = {"mathrm", "text", "operatorname", "mathbb", "mathcal", "mathbf", "mathit", "tilde", "bar", "hat"}
_SPACES = {"quad": 2.0, "qquad": 4.0, ",": 0.3, ";": 0.5, ":": 0.4, " ": 0.5, "!": 0.0, "\\": 0.0}


def _width(tex: str) -> float:
    """Rough printed width of a LaTeX math string, in widths of an italic letter."""
    tokens = _TOKEN.findall(tex)
    pos = 0

    def item() -> float:
        nonlocal pos
        if pos >= len(tokens):
            return 0.0
        token = tokens[pos]
        pos += 1
        if token == "{":
            total = 0.0
            while pos < len(tokens) and tokens[pos] != "}":
                total += item()
            pos += 1
            return total
        if token == "}":
            return 0.0
        if token in "_^":
            return 0.7 * item()
        if token.startswith("\\"):
            name = token[1:]
            if name in ("frac", "dfrac", "tfrac"):
                return max(item(), item()) + 0.6
            if name == "label":
                item()
                return 0.0
            if name in _TEXT:
                return item()
            if name in _INVISIBLE:
                return 0.0
            if name in _SPACES:
                return _SPACES[name]
            if name in ("iint", "iiint"):
                return 1.5 * len(name) - 3
            return 1.0
        if token in "+-=<>":
            return 2.0
        if token in ",&":
            return 0.5 if token == "," else 0.0
        return 1.0

    total = 0.0
    while pos < len(tokens):
        total += item()
    return total


Line = tuple[int, str]  # (indent level, LaTeX)


class _Printer:
    """LaTeX of derive results, with optional display names for placeholder symbols, and line breaking.

    Short expressions print exactly as :func:`sgdfp.derive.latex` prints them. An expression wider
    than the budget is split: a sum into its terms (packed greedily into lines), a product with a
    long sum into prefactor and sum, a derivative of such a product inside big brackets.
    """

    def __init__(self, names: dict | None = None):
        from sgdfp.derive.printing import SgdfpLatexPrinter

        self.names = dict(names or {})
        self._printer = SgdfpLatexPrinter({"symbol_names": self.names})

    def tex(self, expr) -> str:
        return expr if isinstance(expr, str) else self._printer.doprint(expr)

    def terms(self, expr: sp.Expr) -> list[sp.Expr]:
        """The terms of a sum in the order the LaTeX printer writes them."""
        return list(self._printer._as_ordered_terms(expr, order=None))

    def lines(self, expr, budget: float) -> list[Line]:
        text = self.tex(expr)
        if isinstance(expr, str) or _width(text) <= budget:
            return [(0, text)]
        if isinstance(expr, sp.Add):
            return self.sum(self.terms(expr), budget)
        if isinstance(expr, sp.Derivative):
            return self._derivative(expr, budget)
        if isinstance(expr, sp.Mul):
            return self._product(expr, budget) or [(0, text)]
        if isinstance(expr, (sp.And, sp.Or)):
            joiner = r"\wedge" if isinstance(expr, sp.And) else r"\vee"
            parts = [self.tex(a) for a in expr.args]
            out, current = [], parts[0]
            for part in parts[1:]:
                if _width(current) + _width(part) + 2 > budget:
                    out.append((0, current))
                    current = f"{joiner} {part}"
                else:
                    current += f" {joiner} {part}"
            return out + [(0, current)]
        return [(0, text)]

    def sum(self, terms: Sequence, budget: float, leading: bool = True) -> list[Line]:
        """Terms joined with their signs into lines of at most ``budget``; ``leading=False`` signs the first too."""
        out: list[Line] = []
        current: str | None = None
        for k, term in enumerate(terms):
            pieces = self.lines(term, budget - _INDENT)
            head = pieces[0][1].strip()
            if k or not leading:
                head = f"- {head[1:].lstrip()}" if head.startswith("-") else f"+ {head}"
            if len(pieces) == 1 and current is not None and _width(current) + _width(head) <= budget:
                current += " " + head
                continue
            if current is not None:
                out.append((0, current))
            if len(pieces) == 1:
                current = head
            else:
                out.append((pieces[0][0], head))
                out.extend(pieces[1:])
                current = None
        if current is not None:
            out.append((0, current))
        return out

    def _product(self, expr: sp.Mul, budget: float) -> list[Line] | None:
        sums = [a for a in expr.args if isinstance(a, sp.Add)]
        if not sums:
            return None
        big = max(sums, key=lambda a: _width(self.tex(a)))
        rest = sp.Mul(*[a for a in expr.args if a is not big])
        prefix = "-" if rest == -1 else "" if rest == 1 else self.tex(rest)
        inner = self.sum(self.terms(big), budget - _INDENT)
        return _wrap(prefix, r"\Bigl(", inner, r"\Bigr)", budget)

    def _derivative(self, expr: sp.Derivative, budget: float) -> list[Line]:
        marker = sp.Dummy("marker")
        ops = self._printer.doprint(sp.Derivative(marker, *expr.variable_count, evaluate=False))
        ops = ops[: ops.rindex(" ")]  # the operators without the marker
        body = expr.expr
        inner = (self._product(body, budget - _INDENT) if isinstance(body, sp.Mul) else None) \
            or self.lines(body, budget - _INDENT)
        return _wrap(ops, r"\biggl[", inner, r"\biggr]", budget)


def _wrap(prefix: str, opening: str, inner: list[Line], closing: str, budget: float) -> list[Line]:
    """``prefix opening inner closing``, the inner lines indented one level."""
    first = f"{prefix} {opening}".strip()
    if len(inner) == 1 and _width(first) + _width(inner[0][1]) <= budget:
        return [(0, f"{first} {inner[0][1]} {closing}")]
    lines = [(level + 1, text) for level, text in inner]
    if _width(first) + _width(lines[0][1]) <= budget:
        lines[0] = (0, f"{first} {lines[0][1]}")
    else:
        lines.insert(0, (0, first))
    level, text = lines[-1]
    lines[-1] = (level, f"{text} {closing}")
    return lines


# ---------------------------------------------------------------------------------------------------------
# Equations and the document
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One line of an equation: ``lhs relation rhs`` with rhs a SymPy expression, LaTeX, or a list of terms
    (a list of lists: groups that each start a new line)."""

    lhs: object
    rhs: object
    relation: str = "="
    note: str = ""


@dataclass(frozen=True)
class Equation:
    """One numbered, labelled display: the LaTeX environment and the label it carries."""

    name: str
    tex: str

    @property
    def label(self) -> str:
        return f"eq:{self.name}"

    @property
    def snippet_name(self) -> str:
        return f"{self.name}.tex"


@dataclass(frozen=True)
class Document:
    """The document's LaTeX and its equations, in order."""

    tex: str
    equations: tuple[Equation, ...]
    dim: int
    eta_order: int


@dataclass(frozen=True)
class WrittenDocument:
    """What :func:`write_document` wrote (final paths)."""

    tex: Path
    equations: int
    snippets: list[Path] = field(hash=False)
    snippets_dir: Path
    pdf: Path | None


def _render(name: str, rows: Iterable[Row], printer: _Printer) -> Equation:
    lines: list[tuple[str, int, str]] = []  # (lhs with relation or "", indent, rhs text)
    for row in rows:
        lhs = printer.tex(row.lhs)
        budget = LINE_WIDTH - _width(lhs) - 3.0 - _width(row.note)
        rhs = row.rhs
        if isinstance(rhs, _Lines):
            pieces = list(rhs)
        elif isinstance(rhs, list):
            groups = rhs if rhs and all(isinstance(g, list) for g in rhs) else [rhs]
            pieces = []
            for g, group in enumerate(groups):
                pieces += printer.sum(group, budget, leading=(g == 0))
        else:
            pieces = printer.lines(rhs, budget)
        if row.note:
            level, text = pieces[-1]
            pieces[-1] = (level, f"{text} {row.note}")
        for i, (level, text) in enumerate(pieces):
            lines.append((f"{lhs} &{row.relation} " if i == 0 else "&" + r"\quad" * (level + 1) + " ", level, text))
    label = rf"\label{{eq:{name}}}"
    if len(lines) == 1:
        lead, _, text = lines[0]
        body = (lead.replace("&", "", 1) + text).strip()
        return Equation(name, f"\\begin{{equation}}\n{body} {label}\n\\end{{equation}}")
    body = []
    for i, (lead, _, text) in enumerate(lines):
        end = f" {label}" if i == len(lines) - 1 else r" \notag \\"
        body.append(f"{lead}{text}{end}")
    return Equation(name, "\\begin{align}\n" + "\n".join(body) + "\n\\end{align}")


class _Lines(tuple):
    """A right-hand side already broken into lines: ``(indent, LaTeX)`` pairs."""


def _integral_lines(integral: sp.Integral, printer: _Printer, prefix: str, budget: float) -> _Lines:
    """``prefix`` and an integral of a product, the factors packed into lines (continued with ``\\times``)."""
    marker = sp.Symbol("integrandmarker")
    shell = _Printer({**printer.names, marker: "@"}).tex(sp.Integral(marker, *integral.limits))
    opening, closing = (part.strip() for part in shell.split("@"))
    factors = [printer.tex(f) for f in sp.Mul.make_args(integral.function)]
    lines, current = [], f"{prefix} {opening} {factors[0]}"
    for factor in factors[1:]:
        if _width(current) + _width(factor) > budget:
            lines.append((0, current))
            current = rf"\times {factor}"
        else:
            current += f" {factor}"
    if _width(current) + _width(closing) > budget:
        lines.append((0, current))
        current = closing
    else:
        current += closing
    return _Lines(lines + [(0, current)])


def _align_rows(block: str) -> list[Row]:
    r"""The rows of an ``align*`` block printed by the derive layer (``lhs &= rhs \\ ...``), verbatim."""
    body = block.strip().removeprefix("\\begin{align*}").removesuffix("\\end{align*}").strip()
    rows = []
    for line in body.split(" \\\\\n"):
        lhs, rhs = line.split(" &= ", 1)
        rows.append(Row(lhs.strip(), rhs.strip()))
    return rows


def derivations(dim: int, eta_order: int) -> dict:
    """The derive-layer objects for SGD on a symbolic loss in ``dim`` dimensions, truncated at ``eta**eta_order``.

    One gathering for ``sgdfp derive`` (:func:`sgdfp.cli.derive_report`) and this document, as objects:
    ``update``, ``density``, ``jump_moments`` (``{n: tensor}``), ``discrete_fokker_planck``,
    ``langevin_fokker_planck``, ``step_difference``, ``flow_difference`` (Kramers--Moyal series), and the
    modified equations ``langevin`` (weak order 1) and ``modified_equation`` (weak order 2).
    """
    from sgdfp.derive import (discrete_fokker_planck, jump_moment, langevin_flow_difference,
                              langevin_fokker_planck, langevin_step_difference, modified_equation, symbolic_sgd)

    update = symbolic_sgd(dim)
    density = update.density()
    return {
        "update": update,
        "density": density,
        "jump_moments": {n: jump_moment(update, n) for n in range(1, eta_order + 1)},
        "discrete_fokker_planck": discrete_fokker_planck(update, density, eta_order),
        "langevin_fokker_planck": langevin_fokker_planck(update, density),
        "step_difference": langevin_step_difference(update, density, eta_order),
        "flow_difference": langevin_flow_difference(update, density, eta_order),
        "langevin": modified_equation(update, order=1),
        "modified_equation": modified_equation(update, order=2),
    }


def _series_rows(series, printer: _Printer) -> list[Row]:
    """A Kramers--Moyal series, one group of lines per derivative order; every term printed by the derive layer."""
    groups: dict[int, list] = {}
    for term in series.terms():
        groups.setdefault(sum(count for _, count in term.variable_count), []).append(term)
    terms = [groups[n] for n in sorted(groups)] or [[sp.Integer(0)]]
    return [Row(series.lhs, terms)]


def _check_sizes(dim, eta_order) -> None:
    for name, value in (("dim", dim), ("eta_order", eta_order)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")


class _Builder:
    def __init__(self):
        self.parts: list[str] = []
        self.equations: list[Equation] = []

    def text(self, *paragraphs: str) -> None:
        self.parts.extend(p.strip() + "\n" for p in paragraphs)

    def section(self, title: str, label: str) -> None:
        self.parts.append(f"\n\\section{{{title}}}\\label{{sec:{label}}}\n")

    def equation(self, name: str, rows: Iterable[Row], printer: _Printer | None = None) -> Equation:
        if any(e.name == name for e in self.equations):
            raise AssertionError(f"duplicate equation label {name}")  # a bug in this module, not user input
        eq = _render(name, list(rows), printer or _Printer())
        self.equations.append(eq)
        self.parts.append(eq.tex + "\n")
        return eq


def build_document(dim: int = 2, eta_order: int = 2) -> Document:
    """The LaTeX document (text and equations) for SGD in ``dim`` dimensions at truncation order ``eta_order``.

    Raises:
        ValueError: ``dim`` or ``eta_order`` is not a positive integer.
    """
    _check_sizes(dim, eta_order)
    import sgdfp
    from sgdfp.derive import Mode, kramers_moyal, latex, sgd_update
    from sgdfp.derive.minibatch import minibatch_cumulant
    from sgdfp.derive.modes import D, Gamma, _explicit, _g, _h, eta, gbar, k_step, lam, mode_update, rho
    from sgdfp.derive.operators import KramersMoyalSeries
    from sgdfp.derive.quadratic import _pair_recursion
    from sgdfp.derive.symbols import parameters

    K = eta_order
    d = derivations(dim, K)
    update, density = d["update"], d["density"]
    theta = update.state
    b = _Builder()
    plain = _Printer()

    # ---------------------------------------------------------------- 1. update and noise
    b.section("The update and its noise", "update")
    b.text(rf"""
SGD on a loss $L(\theta)$ of $d = {dim}$ parameters draws a minibatch at every step; its gradient is
the full gradient plus noise $\xi$ of mean zero and per-step covariance $\Sigma(\theta)$. Loss and
covariance are left as undefined functions, so every result below holds for any loss and any noise.
The update is""")
    b.equation("sgd-update", _align_rows(update.latex()))
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

    # ---------------------------------------------------------------- 2. master equation, Kramers-Moyal
    b.section(r"Master equation and Kramers--Moyal expansion", "master")
    primed = [sp.Symbol(f"thetaprime_{i + 1}", real=True) for i in range(dim)]
    p_k = sp.Symbol("Pkprime")
    names = {p: rf"\theta'_{{{i + 1}}}" for i, p in enumerate(primed)}
    names[p_k] = r"P_k(\theta')"
    at_primed = dict(zip(theta, primed))
    delta = sp.Mul(*[sp.DiracDelta(t - tp - inc.subs(at_primed))
                     for t, tp, inc in zip(theta, primed, update.increment)])
    master_lhs = r"P_{k+1}(\theta)"
    master = _integral_lines(sp.Integral(delta * p_k, *primed), _Printer(names), r"\mathbb{E}_{\xi}",
                             LINE_WIDTH - _width(master_lhs) - 3.0)
    b.text(r"""
Writing $\Delta(\theta, \xi)$ for the increment of \eqref{eq:sgd-update}, the density $P_k$ of
$\theta_k$ obeys the master equation""")
    b.equation("master-equation", [Row(master_lhs, master)])
    generic = {}
    for n in range(1, K + 1):
        for idx in combinations_with_replacement(range(dim), n):
            alpha = tuple(idx.count(i) for i in range(dim))
            name = f"M^{{({n})}}_{{{''.join(str(i + 1) for i in idx)}}}"
            generic[alpha] = sp.Function(name)(*theta)
    km = KramersMoyalSeries(theta, generic, density)
    km_rows = _series_rows(km, plain)
    km_rows[0].rhs.append([sp.O(eta ** (K + 1))])
    b.text(rf"""
Expanding the delta function in the jump $\Delta$ gives the Kramers--Moyal expansion, in terms of the
jump moments $M^{{(n)}}_{{i_1\dots i_n}}(\theta) = \mathbb{{E}}_\xi[\Delta_{{i_1}}\cdots\Delta_{{i_n}}]$
(symmetric in their indices; the sums over index orderings are collected into multi-indices).
Since $\Delta = O(\eta)$, $M^{{(n)}} = O(\eta^n)$, and the expansion to order $K = {K}$ reads""")
    b.equation("kramers-moyal", km_rows)
    b.text(r"For SGD the jump moments are")
    for n, tensor in d["jump_moments"].items():
        rows = [Row(f"M^{{({n})}}_{{{''.join(str(i + 1) for i in idx)}}}", sp.factor_terms(tensor[idx]))
                for idx in combinations_with_replacement(range(dim), n)]
        b.equation(f"jump-moments-{n}", rows)
    b.text(r"""
The first is the drift $-\eta\nabla L$; the second holds the noise covariance \emph{and} the squared
drift, both at order $\eta^2$.""")

    # ---------------------------------------------------------------- 3. discrete Fokker-Planck
    b.section(r"Discrete Fokker--Planck equation", "discrete-fp")
    b.text(rf"""
Inserting the jump moments into \eqref{{eq:kramers-moyal}} and keeping every power of $\eta$ up to
$\eta^{{{K}}}$ gives the discrete Fokker--Planck equation of SGD (one line per derivative order):""")
    b.equation("discrete-fokker-planck", _series_rows(d["discrete_fokker_planck"], plain))

    # ---------------------------------------------------------------- 4. Langevin and the differences
    b.section(r"The Langevin form and what it misses", "langevin")
    b.text(r"""
The Langevin model $d\theta = -\nabla L\,dt + \sqrt{\eta\Sigma}\,dW$ keeps the drift and the
\emph{centred} one-step covariance $M^{(2)} - M^{(1)}M^{(1)\top}$. Written per step, its
Fokker--Planck equation is""")
    b.equation("langevin-step", _series_rows(d["langevin_fokker_planck"], plain))
    b.text(r"""
and as a flow in continuous time $t = \eta k$ (the weak-order-1 modified equation, derived by matching
one-step moments) it is""")
    b.equation("langevin-generator", _series_rows(d["langevin"].generator(density), plain))
    b.text(rf"""
The discrete equation \eqref{{eq:discrete-fokker-planck}} minus the per-step Langevin form
\eqref{{eq:langevin-step}}, to $\eta^{{{K}}}$, is""")
    b.equation("step-difference", _series_rows(d["step_difference"], plain))
    b.text(rf"""
SGD's noise enters with amplitude $\eta$ per step, not $\sqrt\eta$, and its squared drift is of the
same order as the noise. Against the Langevin flow \eqref{{eq:langevin-generator}} run for one step of
time $\eta$, $P(t + \eta) - P(t) = (e^{{\eta\mathcal{{L}}}} - 1)P$ expanded to $\eta^{{{K}}}$, the difference is""")
    b.equation("flow-difference", _series_rows(d["flow_difference"], plain))
    b.text(r"""
At order $\eta^2$ this is a pure drift, $\eta\,\partial_i[\partial_i(\tfrac{\eta}{4}|\nabla L|^2)P]$:
the correction that the second-order modified equation adds to the Langevin drift.""")

    # ---------------------------------------------------------------- 5. modified equation
    b.section("Stochastic modified equation", "modified")
    sme = d["modified_equation"]
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

    # ---------------------------------------------------------------- 6. random quadratic
    b.section("The random quadratic near a critical point", "quadratic")
    x = parameters(dim, "x")
    hess = sp.Matrix(dim, dim, lambda i, j: sp.Symbol(f"H_{{{min(i, j) + 1}{max(i, j) + 1}}}", real=True))
    cov = sp.Matrix(dim, dim, lambda i, j: sp.Symbol(f"C_{{{min(i, j) + 1}{max(i, j) + 1}}}", real=True))
    gvec = sp.Matrix([sp.Symbol(f"gbar_{i + 1}", real=True) for i in range(dim)])
    xv = sp.Matrix(x)
    quadratic = sgd_update((xv.T * hess * xv)[0] / 2 + (gvec.T * xv)[0], x, eta, cov)
    q_series = kramers_moyal(quadratic, quadratic.density(), 2)
    means = [sp.Symbol(f"m_{i + 1}", real=True) for i in range(dim)]
    seconds = {(i, j): sp.Symbol(f"S_{{{i + 1}{j + 1}}}", real=True)
               for i, j in combinations_with_replacement(range(dim), 2)}

    def expectation(poly_expr: sp.Expr) -> sp.Expr:
        """E_k of a polynomial of degree <= 2 in x, in terms of m = E x and S = E x x^T."""
        poly = sp.Poly(sp.expand(poly_expr), *x)
        total = sp.Integer(0)
        for monom, coeff in poly.terms():
            idx = [i for i, e in enumerate(monom) for _ in range(e)]
            total += coeff * (1 if not idx else means[idx[0]] if len(idx) == 1 else seconds[tuple(idx)])
        return sp.collect(sp.expand(total), eta)

    b.text(r"""
Near a critical point $\theta^*$, with $x = \theta - \theta^*$, the minibatch gradient is
$g_B + H_B x$. With a fixed Hessian $H$ (mean gradient $\bar g$ and gradient noise of covariance
$C$ per step), SGD on the quadratic is""")
    b.equation("quadratic-update", _align_rows(quadratic.latex()))
    b.text(r"""
The Kramers--Moyal expansion to second order is exact for observables of degree two; its adjoint on
$x_i$ and $x_ix_j$ gives the recursions for the mean $m = \mathbb{E}x$ and the second moment
$S = \mathbb{E}[xx^\top]$ (primes: the next step),""")
    b.equation("quadratic-mean", [Row(f"m'_{{{i + 1}}}", expectation(x[i] + q_series.adjoint(x[i])))
                                  for i in range(dim)])
    b.equation("quadratic-second-moment",
               [Row(f"S'_{{{i + 1}{j + 1}}}", expectation(x[i] * x[j] + q_series.adjoint(x[i] * x[j])))
                for i, j in combinations_with_replacement(range(dim), 2)])
    b.text(r"""
a discrete Lyapunov equation, $S' = ASA^\top + \eta^2 C + (\text{mean terms})$ with
$A = I - \eta H$; curvature noise adds a multiplicative term $\eta^2\,\mathbb{E}[\Xi S\Xi^\top]$.
In the eigenbasis of $H$ a mode $y$ with curvature $h$ and gradient $g$, both random, follows""")
    mode_u = mode_update()
    b.equation("mode-update", _align_rows(mode_u.latex()))
    b.text(r"""
with $\mathbb{E}h = \lambda$, $\operatorname{Var}h = \Gamma$ (curvature noise),
$\mathbb{E}g = \bar g$, $\operatorname{Var}g = D$ (gradient noise) and $\operatorname{Cov}(h, g) = \rho$,
that is""")
    b.equation("mode-noise", [Row(rf"\mathbb{{E}}[{latex(m)}]", mode_u.noise.moment(m))
                              for m in (_h, _g, _h ** 2, _h * _g, _g ** 2)])
    r_pair, s_pair, (_, _, c_pair) = _pair_recursion()
    cov_now = sp.Symbol("covnow")
    pair = _Printer({cov_now: r"\operatorname{Cov}_k(y_a, y_b)", c_pair: r"\tilde C_{ab}"})
    b.text(r"""
Two modes $a$, $b$ without curvature noise, whose gradient noises have covariance $\tilde C_{ab}$ in
the eigenbasis, stay correlated:""")
    b.equation("mode-pair-covariance", [Row(r"\operatorname{Cov}_{k+1}(y_a, y_b)", r_pair * cov_now + s_pair)],
               pair)
    b.text(r"""
so the modes decouple exactly when the rotated noise is diagonal.""")

    # ---------------------------------------------------------------- 7. moment recursions
    b.section("Moment recursions", "moments")
    order = max(2, K)
    recursion = Mode(lam, D, eta, Gamma, gbar, rho).moment_recursion(order)
    moment_symbols = {i: sp.Symbol(f"momentk_{i}") for i in range(1, order + 1)}
    moments = _Printer({s: rf"\mathbb{{E}}[y^{{{i}}}]_k" for i, s in moment_symbols.items()})
    rows = []
    for j in range(1, order + 1):
        rhs = sp.factor(recursion.matrix[j, 0]) + sum(
            (sp.factor(recursion.matrix[j, i]) * moment_symbols[i] for i in range(1, order + 1)
             if recursion.matrix[j, i] != 0), sp.Integer(0))
        rows.append(Row(rf"\mathbb{{E}}[y^{{{j}}}]_{{k+1}}", rhs))
    b.text(rf"""
The mode's update is linear in $y$, so the adjoint of its Kramers--Moyal expansion maps $y^j$ to a
polynomial of degree $j$: the moments up to order {order} obey the exact, closed, lower-triangular
recursion (noise Gaussian beyond its covariance)""")
    b.equation("moment-recursion", rows, moments)

    # ---------------------------------------------------------------- 8. mode formulas
    b.section("Closed forms for one mode", "mode")
    mode = Mode(lam, D, eta, Gamma)
    y_init = sp.Symbol("yinit")
    start = _Printer({y_init: "y_0"})
    b.text(r"""
Solving \eqref{eq:moment-recursion} in closed form: at a critical point ($\bar g = \rho = 0$) the
contraction factor of the second moment per step is""")
    q_expr = mode.contraction()
    b.equation("mode-contraction", [Row("q", q_expr)])
    b.text(r"and the mean and the variance (from $\mathbb{E}y_0 = y_0$ and from $y_0 = 0$) are")
    b.equation("mode-mean", [Row(r"\mathbb{E}[y_k]", sp.powsimp(_explicit(mode.mean(k_step, mean0=y_init)),
                                                                  force=True))], start)
    b.equation("mode-variance", [Row(r"\operatorname{Var}[y_k]", _explicit(mode.variance(k_step)))])
    b.text(r"""
The Langevin model and the second-order modified equation (SME-2) give, at time $t = \eta k$,""")
    b.equation("mode-langevin-variance", [Row(r"\operatorname{Var}^{\mathrm{Langevin}}[y_k]",
                                              sp.powsimp(_explicit(mode.langevin_variance(k_step))))])
    b.equation("mode-sme2-variance", [Row(r"\operatorname{Var}^{\mathrm{SME2}}[y_k]",
                                          sp.simplify(_explicit(mode.sme2_variance(k_step))))])
    b.text(r"Where they exist, the stationary variances are")
    b.equation("mode-stationary-variance", [
        Row(r"\operatorname{Var}_\infty", mode.stationary_variance()),
        Row(r"\operatorname{Var}^{\mathrm{Langevin}}_\infty", mode.langevin_stationary_variance()),
        Row(r"\operatorname{Var}^{\mathrm{SME2}}_\infty", mode.sme2_stationary_variance())])
    b.text(r"""
SGD's stationary variance exceeds Langevin's at every finite $\eta$ (the denominators differ by
$\eta\lambda^2$; without curvature noise Langevin's is $\eta D/(2\lambda)$). The variance forgets its
initial value over""")
    b.equation("mode-relaxation", [Row(r"\tau_{\mathrm{relax}}", mode.relaxation_steps())])
    b.text(r"steps.")

    # ---------------------------------------------------------------- 9. regimes
    b.section("Regimes and thresholds", "regimes")
    q, horizon = sp.Symbol("q"), sp.Symbol("T", positive=True)
    b.text(r"""
The second moment contracts when $q < 1$ \eqref{eq:mode-contraction}. For $\lambda > 0$ this fails
beyond the learning rate""")
    b.equation("stability-threshold", [Row(r"\eta^*", mode.stability_threshold())])
    b.text(r"""
With $T$ the horizon in steps ($T = \infty$ without one), a mode is in one of four regimes (the
conditions are tested in this order and the first that holds wins; over a finite horizon a mode whose
relaxation time exceeds $T$ looks diffusive):""")
    b.equation("regimes", [Row(rf"\text{{{name}}}", condition, relation=r"\iff")
                           for name, condition in regime_conditions(q, horizon).items()])
    only = mode.langevin_only_stable().xreplace({q_expr: q})
    only = sp.And(*[sp.simplify(condition) for condition in only.args])  # -lambda < 0 -> lambda > 0
    b.text(r"""
Curvature noise makes SGD unstable where Langevin still has a stationary law:""")
    b.equation("langevin-only-stable", [Row(r"\text{Langevin-only stable}", only, relation=r"\iff")])
    b.text(r"""
that is, $\lambda(2 - \eta\lambda) \le \eta\Gamma < 2\lambda$: stable for Langevin, unstable for SGD.""")

    # ---------------------------------------------------------------- 10. diffusion
    b.section("Diffusion coefficient of a flat mode", "diffusion")
    coefficient = mode.diffusion_coefficient()
    b.text(r"""
A nearly flat mode ($\lambda \to 0$) has no stationary law; half its one-step centred variance at the
critical point is the diffusion coefficient, per unit time $t = \eta k$ and per step:""")
    b.equation("diffusion-coefficient", [Row(r"\mathcal{D}_t", coefficient.per_time),
                                         Row(r"\mathcal{D}_{\mathrm{step}}", coefficient.per_step)])
    b.text(r"""
Without curvature noise the variance of a flat mode grows linearly, $2\mathcal{D}_t\,t$: diffusion
with a coefficient proportional to $\eta$,""")
    flat = Mode(0, D, eta)
    b.equation("flat-mode-variance", [Row(r"\operatorname{Var}[y_k]\big|_{\lambda = 0,\ \Gamma = 0}",
                                          _explicit(flat.variance(k_step)))])

    # ---------------------------------------------------------------- 11. stationary density
    b.section("Stationary density", "density")
    stationary = mode.stationary_density()
    b.text(r"""
The zero-flux stationary solution of the discrete Fokker--Planck equation of the mode (at $\eta^2$)
is a power law, not a Gaussian,""")
    b.equation("stationary-density", [Row(r"P_\infty(y)", sp.powsimp(sp.factor(stationary.density), force=True),
                                          relation=r"\propto")])
    b.equation("tail-exponent", [Row(r"\alpha_{\mathrm{tail}}", sp.apart(stationary.tail_exponent, eta))])
    b.text(r"""
with $P_\infty \sim |y|^{-\alpha_{\mathrm{tail}}}$: its variance is finite exactly when $q < 1$, and then
equals the exact stationary variance \eqref{eq:mode-stationary-variance} of the map. The Langevin
model's stationary density is""")
    b.equation("langevin-stationary-density", [Row(r"P^{\mathrm{Langevin}}_\infty(y)",
                                                   stationary.langevin_density, relation=r"\propto")])
    without = Mode(lam, D, eta).stationary_density()
    b.text(r"""
Without curvature noise ($\Gamma = 0$) the two are""")
    b.equation("stationary-density-no-curvature-noise", [
        Row(r"P_\infty(y)\big|_{\Gamma = 0}", sp.powsimp(sp.factor(without.density), force=True),
            relation=r"\propto"),
        Row(r"P^{\mathrm{Langevin}}_\infty(y)\big|_{\Gamma = 0}", without.langevin_density, relation=r"\propto")])
    b.text(r"""
the Langevin density is the Gaussian of the Ornstein--Uhlenbeck process, while SGD's keeps a power-law
tail at every finite learning rate.""")

    title = "Dynamics of SGD at finite learning rate: the derivations"
    preamble = rf"""\documentclass[10pt]{{article}}
\usepackage[a4paper,margin=2cm]{{geometry}}
\usepackage{{amsmath}}
\usepackage{{amssymb}}
\usepackage[hidelinks]{{hyperref}}
\allowdisplaybreaks
\numberwithin{{equation}}{{section}}
\title{{{title}}}
\author{{sgdfp {sgdfp.__version__} (SymPy {sp.__version__})}}
\date{{$d = {dim}$ parameters, truncation order $K = {K}$ in $\eta$}}
\begin{{document}}
\maketitle
\noindent Every displayed equation below was derived by \texttt{{sgdfp.derive}} when this document was
written; none is typed in by hand. Each is numbered and labelled (\texttt{{eq:name}}), and each is also
in its own file, \texttt{{{SNIPPETS_DIR}/name.tex}}, ready to paste into a paper that loads
\texttt{{amsmath}}.
"""
    body = "".join(b.parts)
    tex = preamble + "\n" + body + "\n\\end{document}\n"
    return Document(tex=tex, equations=tuple(b.equations), dim=dim, eta_order=K)


def regime_conditions(q: sp.Symbol, horizon: sp.Symbol) -> dict[str, sp.Basic]:
    r"""The regimes of :meth:`sgdfp.derive.Mode.regime` as SymPy conditions on :math:`\lambda`, ``q`` and
    the horizon ``T``, in the order in which they are tested."""
    from sgdfp.derive.modes import lam

    return {
        "diffusive": sp.Or(sp.Eq(lam, 0), horizon * sp.Abs(1 - q) < 1),
        "confined": sp.StrictLessThan(q, 1),
        "escaping": sp.StrictLessThan(lam, 0),
        "unstable": sp.And(sp.StrictGreaterThan(lam, 0), sp.GreaterThan(q, 1)),
    }


def write_document(out: str | os.PathLike, dim: int = 2, eta_order: int = 2, pdf: bool = False,
                   force: bool = False, engine: str | None = None) -> WrittenDocument:
    """Write ``out/derivations.tex`` and ``out/equations/<name>.tex`` (and ``derivations.pdf`` with ``pdf``).

    Everything is written into a temporary directory beside ``out`` (and compiled there), then renamed
    into place: a failure leaves ``out`` as it was.

    Raises:
        ValueError: ``out`` exists and ``force`` is false; bad ``dim`` or ``eta_order``.
        sgdfp.tex.TexError: ``pdf`` without a TeX engine, or the engine rejected the document.
    """
    from sgdfp.files import atomic_directory, refuse_existing
    from sgdfp.tex import ENGINES, TexError, compile_pdf, find_engine

    out = refuse_existing(out, force)
    _check_sizes(dim, eta_order)
    if pdf and find_engine(engine) is None:  # say so before the derivations, not after
        raise TexError("no TeX engine found (looked for " + ", ".join(ENGINES) + "); install one, e.g. "
                       "'apt-get install texlive-latex-base texlive-latex-recommended', or leave out --pdf")
    document = build_document(dim, eta_order)
    with atomic_directory(out, force) as staging:
        (staging / TEX_NAME).write_text(document.tex)
        (staging / SNIPPETS_DIR).mkdir()
        for equation in document.equations:
            (staging / SNIPPETS_DIR / equation.snippet_name).write_text(equation.tex + "\n")
        if pdf:
            compile_pdf(staging / TEX_NAME, engine)
    snippets_dir = out / SNIPPETS_DIR
    return WrittenDocument(tex=out / TEX_NAME, equations=len(document.equations),
                           snippets=[snippets_dir / e.snippet_name for e in document.equations],
                           snippets_dir=snippets_dir, pdf=(out / TEX_NAME).with_suffix(".pdf") if pdf else None)


