r"""Heavy-ball and Nesterov momentum with weight decay, for one mode: the map on :math:`(y, v)` and its moments.

The optimiser keeps a velocity :math:`v` beside the mode coordinate :math:`y`. With the minibatch curvature
:math:`h` and gradient :math:`g` of the mode map (:mod:`sgdfp.derive.mode.update`) and L2 weight decay
:math:`\omega` *coupled* to the gradient (the gradient gets :math:`+\omega y`, as ``torch.optim.SGD``'s
``weight_decay`` does), one step is

.. math::
    v' = \beta v - \eta\big((h + \omega)\,p + g\big),\qquad y' = y + v',

with :math:`p = y` (heavy ball) or the look-ahead point :math:`p = y + \beta v` (Nesterov, in Sutskever's
form). Only this coupled convention is derived. The decoupled one, :math:`y' = (1 - \eta\omega_d)y + v'` with
:math:`v'` free of :math:`\omega_d`, is the same map at :math:`\beta = 0`; for :math:`\beta > 0` it is a
different map whose slow rate :math:`\eta\omega_d` matches the coupled :math:`\eta\omega/(1 - \beta)` at
:math:`\omega = (1 - \beta)\omega_d` (to first order in :math:`\eta`).

:func:`momentum_update` builds the map as a :class:`~sgdfp.derive.DiscreteUpdate` on the state
:math:`(y, v)`; the adjoint of its Kramers--Moyal expansion (exact at order 2 for quadratics, since
:math:`h, g` are drawn afresh each step) gives the closed linear recursion
:math:`z_{k+1} = A z_k` of :math:`z = (1, \mathbb{E}y, \mathbb{E}v, \mathbb{E}y^2, \mathbb{E}yv, \mathbb{E}v^2)`
(:func:`momentum_matrix`): nothing is typed in by hand. Its lower-right :math:`3 \times 3` block
:math:`B` is the second-moment map; it depends on the parameters only through :math:`a = \eta(\lambda +
\omega)`, :math:`\beta` and :math:`s = \eta^2\Gamma`, and its spectral radius :math:`q` plays the role of
SGD's :math:`(1 - \eta\lambda)^2 + \eta^2\Gamma`: the regime rule reads :math:`u = q - 1` and the effective
curvature :math:`\lambda + \omega`. The law of :math:`(y, v)` is stationary exactly when :math:`q < 1`,
which the Jury (Schur--Cohn) conditions of :math:`B`'s characteristic polynomial state as four polynomial
inequalities in :math:`(a, \beta, s)` (:func:`stability_conditions`).

:class:`~sgdfp.derive.mode.momentum_mode.MomentumMode` answers what :class:`~sgdfp.derive.Mode` answers (mean, variance, stationary law,
regime, stability threshold, diffusion coefficient, LaTeX) for the optimiser :class:`Momentum`; at
:math:`\beta = \omega = 0` every answer is SGD's (the tests hold them equal symbolically). The momentum
dynamics is not one of :data:`~sgdfp.derive.DYNAMICS`: those act on the 1-D moments :math:`(1, m, m^2,
V)` of the mode itself, while momentum needs the 2-D state.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from sgdfp.derive.fokker_planck import kramers_moyal
from sgdfp.derive.inputs import as_expr
from sgdfp.derive.mode.parameters import D, Gamma, beta, gbar, lam, omega, rho, v, y
from sgdfp.derive.mode.update import curvature_sample, gradient_sample
from sgdfp.derive.noise import Noise
from sgdfp.derive.symbols import eta
from sgdfp.derive.update import DiscreteUpdate

__all__ = ["Momentum", "momentum_update", "momentum_matrix", "centred_matrix", "moment_basis", "centred_basis",
           "second_moment_block", "second_moment_polynomial", "stability_conditions", "critical_stationary_covariance",
           "flat_diffusion", "effective_sgd", "reduced_curvature", "reduced_noise", "reduced_root"]


#: The reduced parameters the second-moment map depends on: a = eta (lambda + omega), s = eta^2 Gamma, and
#: the variable of its characteristic polynomial.
reduced_curvature = sp.Symbol("a", real=True)
reduced_noise = sp.Symbol("s", nonnegative=True)
reduced_root = sp.Symbol("z")

#: The cache of the functions of ``nesterov``, keyed by type too: ``0.0``, ``np.False_`` or ``sympy.false`` equal
#: ``False`` as keys, and would otherwise be answered from it without the flag's check.
_by_flag = lru_cache(maxsize=None, typed=True)


def moment_basis() -> tuple[sp.Expr, ...]:
    r"""The observables whose expectations the recursion moves: :math:`(1, y, v, y^2, yv, v^2)`."""
    return (sp.Integer(1), y, v, y**2, y * v, v**2)


@_by_flag
def momentum_update(nesterov: bool = False) -> DiscreteUpdate:
    r"""The map :math:`v' = \beta v - \eta((h + \omega)p + g)`, :math:`y' = y + v'` on the state :math:`(y, v)`,
    with :math:`p = y` or :math:`p = y + \beta v` (Nesterov), symbolic :math:`\lambda, \Gamma, \bar g, D, \rho,
    \beta, \omega` and noise Gaussian beyond its covariance.

    Raises:
        TypeError: ``nesterov`` is not ``True`` or ``False``.
    """
    _check_flag(nesterov)
    h, g = curvature_sample, gradient_sample
    noise = Noise.from_cumulants([h, g], {h: lam, g: gbar, h**2: Gamma, h * g: rho, g**2: D}, zero_above=2)
    point = y + beta * v if nesterov else y
    velocity = beta * v - eta * ((h + omega) * point + g)
    return DiscreteUpdate([y, v], [velocity, velocity - v], noise, eta)


@_by_flag
def momentum_matrix(nesterov: bool = False) -> sp.ImmutableMatrix:
    r"""The exact recursion :math:`z_{k+1} = A z_k` of the moments :func:`moment_basis` (generic parameters).

    Row :math:`j` holds the coefficients of :math:`f_j + \mathcal K^\dagger[f_j]` in the basis, with
    :math:`\mathcal K^\dagger` the adjoint of the map's Kramers--Moyal expansion to order 2 (exact here).

    Raises:
        TypeError: ``nesterov`` is not ``True`` or ``False``.
        ValueError: the moments do not close (they do for a linear map: a check of the engine).
    """
    update = momentum_update(_check_flag(nesterov))
    series = kramers_moyal(update, update.density(), 2)
    basis = moment_basis()
    rows = []
    for f in basis:
        image = sp.Poly(f + series.adjoint(f), y, v)
        if image.total_degree() > sp.Poly(f, y, v).total_degree():
            raise ValueError(f"the moment equations do not close at {f}")
        rows.append([image.coeff_monomial(m) for m in basis])
        left = sp.expand(image.as_expr() - sum((c * m for c, m in zip(rows[-1], basis)), sp.Integer(0)))
        if left != 0:
            raise ValueError(f"the moment equations do not close at {f}: {left}")
    return sp.ImmutableMatrix(rows).applyfunc(lambda e: sp.factor(sp.expand(e)))


def centred_basis() -> tuple[str, ...]:
    r"""The names of the state :func:`centred_matrix` moves: :math:`(1, m_y, m_v, m_y^2, m_y m_v, m_v^2,
    C_{yy}, C_{yv}, C_{vv})`, with :math:`m` the mean and :math:`C` the covariance of :math:`(y, v)`."""
    return ("1", "m_y", "m_v", "m_y^2", "m_y m_v", "m_v^2", "C_yy", "C_yv", "C_vv")


@_by_flag
def centred_matrix(nesterov: bool = False) -> sp.ImmutableMatrix:
    r"""The same recursion on the mean and the covariance kept apart: :math:`w_{k+1} = A_c w_k` with
    :math:`w = (1, m, m \otimes m, C)` (:func:`centred_basis`).

    The variance :math:`\mathbb{E}y^2 - (\mathbb{E}y)^2` of the raw moments cancels catastrophically when the
    mean is far larger than the spread (a weight-decayed mode pulled across the landscape); this form never
    subtracts. It is built from :func:`momentum_matrix` :math:`A` alone: :math:`A^0`, the map with its noise
    switched off (:math:`\Gamma = \rho = D = 0`), moves a point mass, so :math:`m \otimes m` follows the
    second-moment rows of :math:`A^0`, and :math:`C = S - m \otimes m` follows :math:`A - A^0` on
    :math:`(1, m, m \otimes m)` plus :math:`A`'s second-moment block on :math:`C`.

    Raises:
        TypeError: ``nesterov`` is not ``True`` or ``False``.
        ValueError: the first moments depend on the second (they cannot, for a linear map: a check).
    """
    raw = momentum_matrix(_check_flag(nesterov))
    if any(e != 0 for e in raw[1:3, 3:]):
        raise ValueError("the mean of the momentum map depends on its second moments")
    noiseless = raw.subs({Gamma: 0, rho: 0, D: 0})
    out = sp.zeros(9, 9)
    out[:3, :3] = raw[:3, :3]
    out[3:6, :6] = noiseless[3:, :]
    out[6:, :6] = (raw - noiseless)[3:, :].applyfunc(lambda e: sp.factor(sp.expand(e)))
    out[6:, 6:] = raw[3:, 3:]
    return sp.ImmutableMatrix(out)


def _reduced(expr: sp.Expr) -> sp.Expr:
    """``expr`` in the reduced parameters: lambda -> a/eta - omega, Gamma -> s/eta^2."""
    return sp.factor(sp.expand(expr.subs({lam: reduced_curvature / eta - omega, Gamma: reduced_noise / eta**2})))


@_by_flag
def second_moment_block(nesterov: bool = False) -> sp.ImmutableMatrix:
    r"""The block :math:`B` of :func:`momentum_matrix` that moves :math:`(\mathbb{E}y^2, \mathbb{E}yv,
    \mathbb{E}v^2)`, in :math:`a = \eta(\lambda + \omega)`, :math:`\beta`, :math:`s = \eta^2\Gamma`.

    Raises:
        TypeError: ``nesterov`` is not ``True`` or ``False``.
    """
    return sp.ImmutableMatrix(momentum_matrix(_check_flag(nesterov))[3:, 3:].applyfunc(_reduced))


@_by_flag
def second_moment_polynomial(nesterov: bool = False) -> sp.Poly:
    r"""The characteristic polynomial :math:`\det(zI - B)` of the second-moment block, in :math:`z`, with
    coefficients in :math:`a = \eta(\lambda + \omega)`, :math:`\beta`, :math:`s = \eta^2\Gamma` only.

    Raises:
        TypeError: ``nesterov`` is not ``True`` or ``False``.
        ValueError: the block depends on anything else (a check of the derivation).
    """
    block = second_moment_block(_check_flag(nesterov))
    poly = sp.Poly(sp.expand((reduced_root * sp.eye(3) - block).det()), reduced_root)
    extra = set().union(*(c.free_symbols for c in poly.all_coeffs())) - {reduced_curvature, reduced_noise, beta}
    if extra:
        raise ValueError(f"the second-moment map depends on {sorted(map(str, extra))} beyond (a, beta, s)")
    return poly


@_by_flag
def stability_conditions(nesterov: bool = False) -> tuple[sp.Expr, ...]:
    r"""Four polynomials in :math:`(a, \beta, s)` that are all positive exactly when :math:`q < 1`.

    For the monic cubic :math:`p(z) = z^3 + c_2 z^2 + c_1 z + c_0` of :func:`second_moment_polynomial`, the Jury
    conditions: :math:`p(1) > 0`, :math:`-p(-1) > 0`, :math:`1 - c_0^2 > 0` and
    :math:`(1 - c_0^2)^2 - (c_0 c_2 - c_1)^2 > 0`.

    Raises:
        TypeError: ``nesterov`` is not ``True`` or ``False``.
    """
    poly = second_moment_polynomial(_check_flag(nesterov))
    _, c2, c1, c0 = poly.all_coeffs()
    return tuple(sp.factor(sp.expand(e)) for e in (poly.eval(1), -poly.eval(-1), 1 - c0**2,
                                                    (1 - c0**2) ** 2 - (c0 * c2 - c1) ** 2))


@_by_flag
def critical_stationary_covariance(nesterov: bool = False) -> sp.ImmutableMatrix:
    r"""The stationary :math:`(\mathbb{E}y^2, \mathbb{E}yv, \mathbb{E}v^2)` at a critical point
    (:math:`\bar g = \rho = 0`, so the mean is 0 and these are the covariance), in :math:`a = \eta(\lambda +
    \omega)`, :math:`\beta`, :math:`s = \eta^2\Gamma` and the noise :math:`\eta^2 D`: the fixed point
    :math:`(I - B)^{-1}c` of the second-moment block (a :math:`3 \times 3` solve, where the general fixed point
    of :class:`~sgdfp.derive.mode.momentum_mode.MomentumMode` solves :math:`5 \times 5` in all seven
    parameters) by Cramer's rule. Valid where :math:`q < 1` (:func:`stability_conditions`).

    Raises:
        TypeError: ``nesterov`` is not ``True`` or ``False``.
    """
    raw = momentum_matrix(_check_flag(nesterov)).subs({gbar: 0, rho: 0})
    block = second_moment_block(nesterov)
    constant = raw[3:, 0].applyfunc(_reduced)
    system = sp.Matrix(sp.eye(3) - block)
    # Cramer's rule: polynomial determinants, factored apart (cancelling LU's nested fractions takes minutes)
    denominator = sp.factor(system.det(method="berkowitz"))
    entries = []
    for i in range(3):
        replaced = system.copy()
        replaced[:, i] = constant
        entries.append(sp.factor(replaced.det(method="berkowitz")) / denominator)
    return sp.ImmutableMatrix(entries)


@_by_flag
def flat_diffusion(nesterov: bool = False) -> sp.Expr:
    r"""The per-step diffusion coefficient of a flat mode (:math:`\lambda = \Gamma = \omega = 0`):
    :math:`\operatorname{Var} y_k \simeq 2\,\mathcal D_\mathrm{eff}\,k`.

    Derived from the recursion: with :math:`\ell` the left eigenvector of the flat second-moment block
    :math:`B_0` for the eigenvalue 1 (normalised to :math:`\ell_{y^2} = 1`) and :math:`c` the constant the
    noise adds, :math:`\ell\cdot z_{k+1} = \ell\cdot z_k + \ell\cdot c`, and :math:`\mathbb{E}yv,
    \mathbb{E}v^2` settle, so :math:`\mathbb{E}y^2` grows by :math:`\ell\cdot c` per step:
    :math:`\mathcal D_\mathrm{eff} = \ell\cdot c/2 = \eta^2 D/(2(1 - \beta)^2)`.

    Raises:
        TypeError: ``nesterov`` is not ``True`` or ``False``.
    """
    flat = momentum_matrix(_check_flag(nesterov)).subs({lam: 0, Gamma: 0, omega: 0, gbar: 0, rho: 0})
    block, constant = flat[3:, 3:], flat[3:, 0]
    (left,) = (block - sp.eye(3)).T.nullspace()
    left = left / left[0]
    return sp.factor(sp.simplify((left.T * constant)[0] / 2))


def effective_sgd() -> dict[sp.Symbol, sp.Expr]:
    r"""The plain-SGD mode a momentum mode is compared with: curvature :math:`\lambda + \omega` and learning rate
    :math:`\eta/(1 - \beta)` (``{lam: ..., eta: ...}``). It is the rule of thumb "momentum is SGD with a larger
    step", the parameters of the Langevin counterpart
    (:meth:`~sgdfp.derive.mode.momentum_mode.MomentumMode.langevin`), and at :math:`\beta = 0` exactly plain SGD
    with weight decay."""
    return {lam: lam + omega, eta: eta / (1 - beta)}


def _check_flag(nesterov) -> bool:
    if not isinstance(nesterov, bool):
        raise TypeError(f"nesterov must be True or False; got {type(nesterov).__name__} {nesterov!r}")
    return nesterov


def _parameter(value, name: str, upper: sp.Expr | None) -> sp.Expr:
    value = as_expr(value, name)
    if value.is_number:
        if value.is_real is False or value.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise ValueError(f"{name} must be a finite real number; got {value}")
        shown = float(value) if value.is_Float else value
        if value < 0 or (upper is not None and value >= upper):
            allowed = "0 <= momentum < 1" if upper is not None else "weight_decay >= 0"
            raise ValueError(f"{name} must satisfy {allowed}; got {shown}")
    return value


class Momentum:
    r"""The optimiser: heavy-ball (or Nesterov) momentum :math:`\beta` and coupled weight decay :math:`\omega`.

    Args:
        beta: the momentum, :math:`0 \le \beta < 1` (a number or a SymPy expression).
        nesterov: the gradient at the look-ahead point :math:`y + \beta v` (Nesterov) instead of at :math:`y`.
        weight_decay: :math:`\omega \ge 0`, added to the gradient as :math:`\omega y`.

    Raises:
        TypeError: text (never parsed), or ``nesterov`` not ``True``/``False``.
        ValueError: :math:`\beta` outside :math:`[0, 1)`, :math:`\omega < 0`, NaN or infinity.
    """

    def __init__(self, beta=0, nesterov: bool = False, weight_decay=0):
        self.beta = _parameter(beta, "momentum", sp.Integer(1))
        self.nesterov = _check_flag(nesterov)
        self.weight_decay = _parameter(weight_decay, "weight_decay", None)

    @property
    def name(self) -> str:
        """``"nesterov"`` or ``"heavy_ball"`` (the key in result files)."""
        return "nesterov" if self.nesterov else "heavy_ball"

    @property
    def label(self) -> str:
        """Name for prose."""
        return "Nesterov momentum" if self.nesterov else "heavy-ball momentum"

    def update(self) -> DiscreteUpdate:
        """The map on :math:`(y, v)` with symbolic :math:`\\beta, \\omega` (:func:`momentum_update`)."""
        return momentum_update(self.nesterov)

    def raw_matrix(self) -> sp.ImmutableMatrix:
        """The moment recursion with symbolic :math:`\\beta, \\omega` (:func:`momentum_matrix`)."""
        return momentum_matrix(self.nesterov)

    def values(self) -> dict[sp.Symbol, sp.Expr]:
        r"""``{beta: value, omega: value}``, floats as the exact rationals they are."""
        return {s: sp.Rational(x) if x.is_Float else x for s, x in ((beta, self.beta), (omega, self.weight_decay))}

    def __repr__(self) -> str:
        return f"Momentum(beta={self.beta}, nesterov={self.nesterov}, weight_decay={self.weight_decay})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Momentum) and (self.beta, self.nesterov, self.weight_decay) == (
            other.beta, other.nesterov, other.weight_decay)

    def __hash__(self) -> int:
        return hash(("Momentum", self.beta, self.nesterov, self.weight_decay))
