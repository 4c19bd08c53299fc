r"""Discrete stochastic updates :math:`\theta \mapsto \theta + \Delta(\theta, \xi)` and their jump moments.

The jump moments :math:`M^{(n)}_{i_1\dots i_n}(\theta) = \mathbb{E}_\xi[\Delta_{i_1}\cdots\Delta_{i_n}]`
are all the master equation needs: they are the coefficients of its Kramers--Moyal expansion.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations_with_replacement

import sympy as sp

from sgdfp.derive import fast
from sgdfp.derive.inputs import as_expr, refuse_text
from sgdfp.derive.noise import Noise, _symbols, check_covariance, polynomial_terms
from sgdfp.derive.printing import align, latex
from sgdfp.derive.symbols import eta, gradient_noise_symbols, parameters

__all__ = ["DiscreteUpdate", "sgd_update", "symbolic_sgd", "jump_moment", "require_small_increment"]


class DiscreteUpdate:
    r"""The Markov map :math:`\theta_{k+1} = \theta_k + \Delta(\theta_k, \xi_k)` with fresh noise each step.

    Any first-order update fits: SGD, heavy-ball momentum written on the state ``(x, v)``,
    a random quadratic ``y -> y - eta*(h*y + g)``, ...

    Args:
        state: the state variables (SymPy Symbols).
        increment: :math:`\Delta_i`, one expression per state variable, polynomial in the random
            symbols of ``noise``; it may depend on the state, ``lr`` and anything else.
        noise: the joint moments of the random symbols.
        lr: the learning-rate symbol :math:`\eta` (the small parameter of the expansions).

    Raises:
        TypeError: a state variable or ``lr`` that is not a Symbol, an increment that is text or not an
            expression, or ``noise`` not a :class:`Noise`.
        ValueError: lengths that differ, a symbol used for two roles, or an increment that is not
            polynomial in the random symbols.
    """

    def __init__(self, state: Sequence[sp.Symbol], increment: Sequence[sp.Expr], noise: Noise, lr: sp.Symbol):
        refuse_text(state, "state")
        refuse_text(increment, "increment")
        refuse_text(lr, "lr")
        if isinstance(state, sp.Basic):
            state = [state]
        if isinstance(increment, sp.Basic) and not isinstance(increment, sp.MatrixBase):
            increment = [increment]
        self.state = _symbols(state, "state variables")
        self.increment = tuple(as_expr(e, f"increment {i}") for i, e in enumerate(increment))
        if len(self.increment) != len(self.state):
            raise ValueError(f"{len(self.state)} state variables but {len(self.increment)} increments")
        if not isinstance(noise, Noise):
            raise TypeError(f"noise must be a sgdfp.derive.Noise; got {type(noise).__name__}")
        if not isinstance(lr, sp.Symbol):
            raise TypeError(f"lr must be a SymPy Symbol; got {lr!r}")
        self.noise = noise
        self.lr = lr
        shared = set(self.state) & set(noise.symbols)
        if shared:
            raise ValueError(f"{sorted(map(str, shared))} are both state variables and random symbols")
        if lr in self.state or lr in noise.symbols:
            raise ValueError(f"the learning rate {lr} is also a state variable or a random symbol")
        # The increments as polynomials in the noise: products of these give every jump moment.
        self._terms = []
        for i, inc in enumerate(self.increment):
            try:
                self._terms.append(polynomial_terms(inc, noise.symbols))
            except ValueError as exc:
                raise ValueError(f"increment {i} ({inc}): {exc}") from None
        self._jump_moments: dict[int, sp.ImmutableDenseNDimArray] = {}
        self._modified_equations: dict = {}  # weak order -> ModifiedEquation (sgdfp.derive.modified)
        self._series: dict = {}  # ("kramers_moyal", order) -> KramersMoyalSeries (sgdfp.derive.fokker_planck)

    @property
    def dim(self) -> int:
        """Number of state variables."""
        return len(self.state)

    def jump_moment(self, n: int) -> sp.ImmutableDenseNDimArray:
        """See :func:`jump_moment`; cached per update."""
        refuse_text(n, "the jump-moment order")
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"the jump-moment order must be a positive integer; got {n!r}")
        if n not in self._jump_moments:
            self._jump_moments[n] = self._compute_jump_moment(n)
        return self._jump_moments[n]

    def _compute_jump_moment(self, n: int) -> sp.ImmutableDenseNDimArray:
        d = self.dim
        products: dict[tuple[int, ...], dict] = {(): {(0,) * len(self.noise.symbols): sp.Integer(1)}}
        values: dict[tuple[int, ...], sp.Expr] = {}
        # The tensor is symmetric: one expectation per sorted index tuple. Sorted tuples share
        # prefixes, so each product of increments is one multiplication away from a cached one.
        for idx in combinations_with_replacement(range(d), n):
            for k in range(1, n + 1):
                if idx[:k] not in products:
                    products[idx[:k]] = _multiply(products[idx[:k - 1]], self._terms[idx[k - 1]])
            terms = products[idx]
            values[idx] = fast.expand(sp.Add(*[c * self.noise.moment(e) for e, c in terms.items()]))
        flat = [values[tuple(sorted(full))] for full in _all_indices(d, n)]
        return sp.ImmutableDenseNDimArray(flat, (d,) * n)

    def density(self, name: str = "P") -> sp.Expr:
        """An undefined density ``P(theta_1, ..., theta_d)`` of the state."""
        return sp.Function(name)(*self.state)

    def latex(self) -> str:
        r"""The update as an ``align*`` block: :math:`\theta_i^{(k+1)} = \theta_i^{(k)} + \Delta_i`."""
        return align((rf"{latex(s)}^{{(k+1)}}", rf"{latex(s)}^{{(k)}} + \left({latex(inc)}\right)")
                     for s, inc in zip(self.state, self.increment))

    def _repr_latex_(self) -> str:
        return "$\\displaystyle " + self.latex().replace("align*", "aligned") + "$"

    def __repr__(self) -> str:
        pairs = ", ".join(f"{s} -> {s} + {inc}" for s, inc in zip(self.state, self.increment))
        return f"DiscreteUpdate({pairs}; {self.noise!r})"


def _multiply(a: dict, b: dict) -> dict:
    out: dict = {}
    for ea, ca in a.items():
        for eb, cb in b.items():
            e = tuple(x + y for x, y in zip(ea, eb))
            out[e] = out.get(e, 0) + ca * cb
    return out


def _all_indices(d: int, n: int):
    if n == 0:
        yield ()
        return
    for head in range(d):
        for tail in _all_indices(d, n - 1):
            yield (head, *tail)


def jump_moment(update: DiscreteUpdate, n: int) -> sp.ImmutableDenseNDimArray:
    r"""The rank-n jump moment :math:`M^{(n)}_{i_1\dots i_n} = \mathbb{E}[\Delta_{i_1}\cdots\Delta_{i_n}]`.

    Args:
        update: the discrete update.
        n: the order, ``n >= 1``.

    Returns:
        A symmetric SymPy array of shape ``(d,) * n`` whose entries are functions of the state.

    Raises:
        ValueError: ``n`` is not a positive integer, or a moment of the noise is not specified.
    """
    if not isinstance(update, DiscreteUpdate):
        raise TypeError(f"update must be a DiscreteUpdate; got {type(update).__name__}")
    return update.jump_moment(n)


def sgd_update(loss: sp.Expr, params: Sequence[sp.Symbol], lr: sp.Symbol, noise_cov,
               noise: Mapping[tuple[int, ...], sp.Expr] | None = None) -> DiscreteUpdate:
    r"""SGD, :math:`\theta_{k+1} = \theta_k - \eta\,(\nabla L(\theta_k) + \xi_k)`.

    The minibatch gradient is the full gradient plus noise :math:`\xi` of mean zero and per-step
    covariance :math:`\Sigma(\theta)` (already divided by the batch size; see
    :mod:`sgdfp.derive.minibatch`). Cumulants of :math:`\xi` of order three and above are zero
    unless given, i.e. the noise is Gaussian beyond what ``noise`` specifies.

    Args:
        loss: :math:`L(\theta)`, any expression in ``params`` (an undefined ``L(x, y)`` is fine).
        params: the parameters :math:`\theta_i` (Symbols).
        lr: the learning-rate symbol.
        noise_cov: :math:`\Sigma`, a symmetric ``d x d`` matrix of expressions in ``params``.
        noise: higher cumulants of :math:`\xi`, keyed by index tuples:
            ``{(0, 0, 0): kappa_111, (0, 0, 1): kappa_112, ...}`` (0-based, any order of indices).

    Returns:
        A :class:`DiscreteUpdate` whose random symbols are :math:`\xi_1, \dots, \xi_d`.

    Raises:
        TypeError: text (or anything that is not a number or SymPy expression) for ``loss``, an entry of
            ``noise_cov`` or a cumulant; parameters or ``lr`` that are not Symbols.
        ValueError: a covariance of the wrong shape or not symmetric, bad cumulant keys, reserved names.
    """
    loss = as_expr(loss, "loss")
    refuse_text(params, "params")
    refuse_text(lr, "lr")
    if isinstance(params, sp.Basic):
        params = [params]
    params = _symbols(params, "params")
    d = len(params)
    xi = gradient_noise_symbols(d)
    clash = set(xi) & set(params)
    if clash:
        raise ValueError(f"parameter names {sorted(map(str, clash))} are reserved for the gradient noise")
    sigma = check_covariance(noise_cov, d, "noise_cov")
    cumulants = {x: 0 for x in xi}
    for i in range(d):
        for j in range(i, d):
            cumulants[xi[i] * xi[j]] = sigma[i, j]
    if noise is not None:
        if not isinstance(noise, Mapping):
            raise TypeError("noise must map index tuples such as (0, 0, 0) to higher cumulants")
        for key, value in noise.items():
            if (not isinstance(key, tuple) or len(key) < 3
                    or not all(isinstance(i, int) and 0 <= i < d for i in key)):
                raise ValueError(f"higher-cumulant keys must be tuples of at least 3 indices in "
                                 f"0..{d - 1}; got {key!r}")
            monomial = sp.Mul(*[xi[i] for i in key])
            if monomial in cumulants:
                raise ValueError(f"the cumulant {key} is given twice (index order does not matter)")
            cumulants[monomial] = as_expr(value, f"the cumulant {key}")
    gaussian_beyond = Noise.from_cumulants(xi, cumulants, zero_above=2)
    grad = [sp.diff(loss, p) for p in params]
    increment = [-lr * (grad[i] + xi[i]) for i in range(d)]
    return DiscreteUpdate(params, increment, gaussian_beyond, lr)


def symbolic_sgd(dim: int, lr: sp.Symbol = eta) -> DiscreteUpdate:
    r"""SGD on an undefined loss :math:`L(\theta)` with undefined covariance entries :math:`\Sigma_{ij}(\theta)`.

    The generic case: every result derived from it holds for any loss and any noise covariance.

    Raises:
        TypeError: ``dim`` or ``lr`` given as text, or ``lr`` not a Symbol.
        ValueError: ``dim`` not a positive integer.
    """
    refuse_text(dim, "dim")
    refuse_text(lr, "lr")
    theta = parameters(dim)
    loss = sp.Function("L")(*theta)
    cov = [[sp.Function(f"Sigma_{min(i, j) + 1}{max(i, j) + 1}")(*theta) for j in range(dim)] for i in range(dim)]
    return sgd_update(loss, theta, lr, cov)


def require_small_increment(update: DiscreteUpdate) -> None:
    r"""Raise unless every increment vanishes at ``lr = 0``, so that :math:`M^{(n)} = O(\eta^n)`."""
    for i, inc in enumerate(update.increment):
        if sp.expand(inc.subs(update.lr, 0)) != 0:
            raise ValueError(
                f"a truncation in powers of {update.lr} needs every increment to vanish at {update.lr} = 0, "
                f"but increment {i} is {inc}; use kramers_moyal(update, density, order) to truncate "
                f"by jump-moment order instead")
