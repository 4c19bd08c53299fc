r"""Powers and exponentials of triangular matrices as divided differences.

The moment recursions of a linear update are lower triangular, so their solutions are
:math:`A^k m_0` and :math:`e^{Bt} m_0`. For a lower-triangular matrix with diagonal :math:`d_i`,
Opitz's formula gives every entry of :math:`f(A)` as a sum over decreasing index paths
:math:`i = p_0 > p_1 > \dots > p_m = j`:

.. math:: f(A)_{ij} = \sum_{\text{paths}} A_{p_0p_1}\cdots A_{p_{m-1}p_m}\; f[d_{p_0}, \dots, d_{p_m}],

with :math:`f[\cdot]` the divided difference. For :math:`f(x) = x^k` near :math:`x = 1` (the flat limit
:math:`\lambda \to 0`, where :math:`(1 - q^k)/(1 - q)` is 0/0 in floating point) the closed form is
kept in this structured form: :class:`PowerDivDiff` takes the *offsets* :math:`u_i = d_i - 1`
(derived and factored symbolically, so no cancellation happens in evaluating them), and the numerics
layer evaluates it with ``log1p``/``expm1``. :class:`ExpDivDiff` does the same for :math:`e^{tx}`.
``.doit()`` turns both into explicit rational expressions (confluent nodes included).
"""

from __future__ import annotations

import sympy as sp

from sgdfp.derive.inputs import as_expr, as_matrix, refuse_text

__all__ = ["PowerDivDiff", "ExpDivDiff", "triangular_power", "triangular_exp"]


def _divided_difference(f, nodes: list[sp.Expr]) -> sp.Expr:
    """Explicit divided difference of the one-argument function ``f`` (``f(x, order)`` gives derivatives)."""
    if len(nodes) == 1:
        return f(nodes[0], 0)
    if all(sp.simplify(n - nodes[0]) == 0 for n in nodes[1:]):
        m = len(nodes) - 1
        return f(nodes[0], m) / sp.factorial(m)  # confluent: f^(m)(x) / m!
    # divided differences are symmetric: order the nodes so that the first and last differ
    for i in range(1, len(nodes)):
        if sp.simplify(nodes[i] - nodes[0]) != 0:
            nodes = [nodes[0]] + nodes[1:i] + nodes[i + 1:] + [nodes[i]]
            break
    return (_divided_difference(f, nodes[:-1]) - _divided_difference(f, nodes[1:])) / (nodes[0] - nodes[-1])


class _NoText:
    """Arguments checked before SymPy's ``Function`` sympifies them (which would ``eval`` a string)."""

    def __new__(cls, *args, **options):
        for i, arg in enumerate(args):
            refuse_text(arg, f"argument {i} of {cls.__name__}")
        return super().__new__(cls, *args, **options)


class PowerDivDiff(_NoText, sp.Function):
    r"""``PowerDivDiff(k, u_0, ..., u_m)``: the divided difference of :math:`x \mapsto x^k` at :math:`x_i = 1 + u_i`.

    ``PowerDivDiff(k, u)`` is :math:`(1 + u)^k`; ``PowerDivDiff(k, 0, v)`` is :math:`((1+v)^k - 1)/v`.
    """

    @classmethod
    def eval(cls, k, *offsets):
        if not offsets:
            raise ValueError("PowerDivDiff needs at least one node")
        if all(u == 0 for u in offsets):
            return sp.binomial(k, len(offsets) - 1)  # all nodes at 1: d^m/dx^m x^k / m! = C(k, m)
        return None

    def doit(self, **hints):
        k, *offsets = [a.doit(**hints) if hints.get("deep", True) else a for a in self.args]

        def power(x, order):
            return sp.ff(k, order) * x ** (k - order)

        return sp.factor(_divided_difference(power, [1 + u for u in offsets])) if len(offsets) > 1 else (
            (1 + offsets[0]) ** k)

    def _latex(self, printer):
        k, *offsets = self.args
        nodes = ", ".join(printer._print(1 + u) for u in offsets)
        return rf"\left(x^{{{printer._print(k)}}}\right)\left[{nodes}\right]"

    _sgdfp_latex = _latex  # the divided-difference notation in sgdfp's printer too


class ExpDivDiff(_NoText, sp.Function):
    r"""``ExpDivDiff(t, b_0, ..., b_m)``: the divided difference of :math:`x \mapsto e^{tx}` at the nodes :math:`b_i`."""

    @classmethod
    def eval(cls, t, *nodes):
        if not nodes:
            raise ValueError("ExpDivDiff needs at least one node")
        return None

    def doit(self, **hints):
        t, *nodes = [a.doit(**hints) if hints.get("deep", True) else a for a in self.args]

        def exponential(x, order):
            return t**order * sp.exp(t * x)

        return sp.factor(_divided_difference(exponential, list(nodes))) if len(nodes) > 1 else sp.exp(t * nodes[0])

    def _latex(self, printer):
        t, *nodes = self.args
        return rf"\left(e^{{{printer._print(t)} x}}\right)\left[{', '.join(printer._print(b) for b in nodes)}\right]"

    _sgdfp_latex = _latex


def _paths(i: int, j: int):
    """Strictly decreasing index paths from i down to j."""
    if i == j:
        yield (i,)
        return
    for nxt in range(j, i):
        for rest in _paths(nxt, j):
            yield (i, *rest)


def _apply(A, divided_difference) -> sp.Matrix:
    A = sp.Matrix(as_matrix(A, "the matrix"))
    n = A.shape[0]
    if A.shape != (n, n) or any(A[i, j] != 0 for i in range(n) for j in range(i + 1, n)):
        raise ValueError("expected a square lower-triangular matrix")
    out = sp.zeros(n, n)
    for i in range(n):
        for j in range(i + 1):
            total = sp.Integer(0)
            for path in _paths(i, j):
                weight = sp.Mul(*[A[a, b] for a, b in zip(path, path[1:])])
                if weight != 0:
                    total += weight * divided_difference([A[p, p] for p in path])
            out[i, j] = total
    return out


def triangular_power(A: sp.Matrix, k: sp.Expr) -> sp.Matrix:
    r""":math:`A^k` for lower-triangular :math:`A`, entries in :class:`PowerDivDiff` form (Opitz's formula).

    Raises:
        TypeError: text in ``A`` or ``k`` (nothing is parsed).
        ValueError: ``A`` is not square and lower triangular.
    """
    k = as_expr(k, "the power k")
    return _apply(A, lambda diag: PowerDivDiff(k, *[sp.factor(sp.expand(d - 1)) for d in diag]))


def triangular_exp(B: sp.Matrix, t: sp.Expr) -> sp.Matrix:
    r""":math:`e^{Bt}` for lower-triangular :math:`B`, entries in :class:`ExpDivDiff` form.

    Raises:
        TypeError: text in ``B`` or ``t``.
        ValueError: ``B`` is not square and lower triangular.
    """
    t = as_expr(t, "the time t")
    return _apply(B, lambda diag: ExpDivDiff(t, *[sp.factor(d) for d in diag]))
