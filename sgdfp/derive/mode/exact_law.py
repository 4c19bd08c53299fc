r"""The exact map's stationary law of one mode: Lyapunov exponent, almost-sure stability, Kesten tail index.

The mode map :math:`y' = A y + B`, :math:`A = 1 - \eta h`, :math:`B = -\eta g`, with :math:`(h, g)` drawn
afresh each step, is a random affine recursion. Its stationary law is decided by the law of :math:`h`
alone, not by its first two moments:

- **almost-sure stability**: the chain forgets its start and :math:`y_k` converges in law when the
  Lyapunov exponent :math:`\Lambda(\eta) = \mathbb{E}\log|1 - \eta h|` is negative (and :math:`\mathbb{E}
  \log^+|B| < \infty`). This is weaker than mean-square stability, :math:`\mathbb{E}(1 - \eta h)^2 < 1`, i.e.
  :math:`\eta < 2\lambda/(\lambda^2 + \Gamma)` (Jensen: :math:`2\Lambda \le \log\mathbb{E}A^2`): with curvature
  noise the map is almost surely stable beyond the mean-square threshold, with a stationary law of infinite
  variance;
- **Kesten's tail**: where :math:`\Lambda < 0` and :math:`P(|A| > 1) > 0`, the equation
  :math:`\mathbb{E}|1 - \eta h|^\alpha = 1` has one root :math:`\alpha > 0` (:math:`\alpha \mapsto \log
  \mathbb{E}|A|^\alpha` is convex, zero at 0, with slope :math:`\Lambda` there), and the stationary law has
  the power-law tail :math:`P(|y| > t) \sim c\,t^{-\alpha}` (Kesten--Goldie; :math:`c > 0` needs a
  non-degenerate :math:`B`, and for a lattice law of :math:`\log|A|` the tail is of order :math:`t^{-\alpha}`
  without a limit constant). :math:`\mathbb{E}|y|^n < \infty` exactly for :math:`n < \alpha`. Where
  :math:`|1 - \eta h| \le 1` almost surely there is no root: the multiplicative noise makes no power tail.

This tail is *not* the tail of the truncated discrete Fokker--Planck density
(:mod:`~sgdfp.derive.mode.density`), whose survival exponent is :math:`1 + 2\lambda/(\eta(\lambda^2 + \Gamma))`
whatever the law of :math:`h` beyond its variance; the two agree only as :math:`\eta \to 0`.

A law of :math:`h` is a :class:`CurvatureLaw`: :class:`GaussianCurvature` (the mode's :math:`\lambda, \Gamma`
taken Gaussian, closed form), :class:`DiscreteCurvature` (atoms: the exact law of a minibatch mean from
per-sample curvatures, :func:`minibatch_curvature_law`), :class:`DensityCurvature` (any density, by
quadrature; :meth:`DensityCurvature.gamma` for a scaled :math:`\chi^2`). Arrays of sampled minibatches are
:mod:`sgdfp.numerics.exact_law`'s. Numbers here are mpmath numbers at :data:`PRECISION` digits; results are
floats, and a quantity that does not exist is a :class:`MapResult` with ``value=None`` and its reason.
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations, combinations_with_replacement
from math import comb, factorial, prod

import mpmath
import sympy as sp

from sgdfp.derive.inputs import as_expr, refuse_text
from sgdfp.derive.mode.update import curvature_sample
from sgdfp.derive.symbols import eta

__all__ = ["CurvatureLaw", "GaussianCurvature", "DiscreteCurvature", "DensityCurvature", "MapResult",
           "minibatch_curvature_law", "lyapunov_exponent", "almost_sure_threshold", "tail_index",
           "kesten_equation", "lyapunov_condition", "Expectation", "tail_symbol", "PRECISION", "MAX_ATOMS"]

PRECISION = 30  # decimal digits of the quadratures and root searches
MAX_ATOMS = 200_000  # minibatches enumerated at most by minibatch_curvature_law
_GRID = 12  # points per decade of the scan for the first zero of the Lyapunov exponent (continuous laws)

#: The tail index :math:`\alpha` of the Kesten equation, as a symbol.
tail_symbol = sp.Symbol("alpha", positive=True)


class Expectation(sp.Function):
    r"""The expectation over the step's :math:`(h, g)`, kept unevaluated: prints :math:`\mathbb{E}[\cdot]`."""

    nargs = 1

    def _latex(self, printer) -> str:
        return r"\mathbb{E}\left[" + printer._print(self.args[0]) + r"\right]"


def kesten_equation() -> sp.Eq:
    r""":math:`\mathbb{E}|1 - \eta h|^\alpha = 1`, with the expectation over :math:`h` kept unevaluated."""
    h = curvature_sample
    return sp.Eq(Expectation(sp.Abs(1 - eta * h) ** tail_symbol), 1)


def lyapunov_condition() -> sp.StrictLessThan:
    r""":math:`\mathbb{E}\log|1 - \eta h| < 0`, the almost-sure stability of the mode map."""
    h = curvature_sample
    return sp.StrictLessThan(Expectation(sp.log(sp.Abs(1 - eta * h))), 0)


@dataclass(frozen=True)
class MapResult:
    """A quantity of the exact map that may not exist: ``value`` (a float), or ``None`` and the ``reason``.

    ``float(result)`` is the value; for a missing one it raises ``ValueError`` with the reason (never a
    silent NaN).
    """

    quantity: str
    value: float | None
    reason: str = ""

    def __post_init__(self):
        if self.value is None and not self.reason:
            raise ValueError(f"a missing {self.quantity} needs its reason")

    @property
    def exists(self) -> bool:
        return self.value is not None

    def __float__(self) -> float:
        if self.value is None:
            raise ValueError(f"no {self.quantity}: {self.reason}")
        return self.value


def _mp(value) -> mpmath.mpf:
    """A number (SymPy, Python, numpy) as an mpmath number; rationals rounded once."""
    if isinstance(value, mpmath.mpf):
        return value
    value = sp.Rational(value) if isinstance(value, float) else sp.sympify(value)
    if value.is_Rational:
        return mpmath.mpf(int(value.p)) / int(value.q)
    return mpmath.mpf(sp.Float(value, PRECISION + 10))


def _real(value, name: str, minimum: float | None = None, strict: bool = False) -> sp.Expr:
    """A finite real number as an exact SymPy number (floats exactly), or a clear error."""
    refuse_text(value, name)
    value = as_expr(value, name)
    if not value.is_number or value.is_real is not True or not value.is_finite:
        raise ValueError(f"{name} must be a finite real number; got {value}")
    if value.is_Float:
        value = sp.Rational(value)
    if minimum is not None and (value < minimum or strict and value == minimum):
        raise ValueError(f"{name} must be {'>' if strict else '>='} {minimum}; got {value}")
    return value


class CurvatureLaw(ABC):
    r"""The law of the curvature :math:`h` a minibatch draws for one mode.

    Subclasses give :meth:`power_mean` :math:`\mathbb{E}|1 - \eta h|^\alpha`, :meth:`log_mean`
    :math:`\mathbb{E}\log|1 - \eta h|`, :meth:`exceeds_one` (whether :math:`P(|1 - \eta h| > 1) > 0`), the
    mean and the variance, all for a learning rate ``lr`` as an mpmath number.
    """

    @abstractmethod
    def power_mean(self, alpha: mpmath.mpf, lr: mpmath.mpf) -> mpmath.mpf:
        r""":math:`\mathbb{E}|1 - \eta h|^\alpha` for :math:`\alpha > 0`."""

    @abstractmethod
    def log_mean(self, lr: mpmath.mpf) -> mpmath.mpf:
        r""":math:`\mathbb{E}\log|1 - \eta h|` (``-inf`` where :math:`1 - \eta h = 0` has positive probability)."""

    @abstractmethod
    def exceeds_one(self, lr: mpmath.mpf) -> bool:
        r"""Whether :math:`|1 - \eta h| > 1` with positive probability (:math:`h < 0` or :math:`h > 2/\eta`)."""

    @property
    @abstractmethod
    def mean(self) -> mpmath.mpf:
        r""":math:`\lambda = \mathbb{E}h`."""

    @property
    @abstractmethod
    def variance(self) -> mpmath.mpf:
        r""":math:`\Gamma = \operatorname{Var}h`."""

    def poles(self) -> tuple[mpmath.mpf, ...] | None:
        r"""The learning rates :math:`1/h_i` of the atoms :math:`h_i > 0`, sorted, for a discrete law; ``None`` otherwise.

        Between two poles :math:`\Lambda(\eta) = \sum_i w_i\log|1 - \eta h_i|` is concave, which makes the search
        for its first zero exact (:func:`almost_sure_threshold`)."""
        return None

    def log_mean_slope(self, lr: mpmath.mpf) -> mpmath.mpf:
        r""":math:`\partial_\eta\mathbb{E}\log|1 - \eta h|` (numerical by default)."""
        return mpmath.diff(self.log_mean, lr)


class GaussianCurvature(CurvatureLaw):
    r""":math:`h \sim \mathcal N(\lambda, \Gamma)`: the law a :class:`~sgdfp.derive.Mode` assumes from its
    second-order parameters.

    With :math:`X = 1 - \eta h \sim \mathcal N(\mu, \sigma^2)`, :math:`\mu = 1 - \eta\lambda`, :math:`\sigma^2 =
    \eta^2\Gamma`, the absolute moments are
    :math:`\mathbb{E}|X|^\alpha = \sigma^\alpha 2^{\alpha/2}\,\Gamma(\tfrac{\alpha+1}{2})/\sqrt\pi\;
    {}_1F_1(-\tfrac\alpha2; \tfrac12; -\tfrac{\mu^2}{2\sigma^2})` (checked against quadrature in the tests), and
    :math:`\mathbb{E}\log|X|` is their derivative at :math:`\alpha = 0`. :math:`\Gamma = 0` is the point mass.

    Raises:
        TypeError: text or a non-number.
        ValueError: a variance below 0, a value that is not a finite real number.
    """

    def __init__(self, mean, variance):
        self._mean, self._variance = _real(mean, "mean"), _real(variance, "variance", minimum=0)

    def __repr__(self) -> str:
        return f"GaussianCurvature(mean={self._mean}, variance={self._variance})"

    @property
    def mean(self) -> mpmath.mpf:
        return _mp(self._mean)

    @property
    def variance(self) -> mpmath.mpf:
        return _mp(self._variance)

    def _location(self, lr):
        return 1 - lr * self.mean, lr * mpmath.sqrt(self.variance)

    def power_mean(self, alpha, lr):
        mu, sigma = self._location(lr)
        if sigma == 0:
            return abs(mu) ** alpha
        return (sigma**alpha * mpmath.mpf(2) ** (alpha / 2) * mpmath.gamma((alpha + 1) / 2) / mpmath.sqrt(mpmath.pi)
                * mpmath.hyp1f1(-alpha / 2, mpmath.mpf(1) / 2, -mu**2 / (2 * sigma**2)))

    def log_mean(self, lr):
        mu, sigma = self._location(lr)
        if sigma == 0:
            return mpmath.log(abs(mu)) if mu != 0 else -mpmath.inf
        return mpmath.diff(lambda a: self.power_mean(a, lr), 0)

    def exceeds_one(self, lr):
        mu, sigma = self._location(lr)
        return bool(sigma > 0 or abs(mu) > 1)


class DiscreteCurvature(CurvatureLaw):
    r"""A law of :math:`h` with finitely many atoms :math:`h_i` of weights :math:`w_i` (exact sums).

    Args:
        values: the atoms (numbers; floats are taken as the exact rationals they are).
        weights: their probabilities, summing to 1 (equal weights when omitted: an empirical law).

    Raises:
        TypeError: text or a non-number.
        ValueError: no atoms, lengths that differ, negative weights, weights that do not sum to 1.
    """

    def __init__(self, values: Sequence, weights: Sequence | None = None):
        refuse_text(values, "values")
        refuse_text(weights, "weights")
        atoms = [_real(v, "an atom of the curvature law") for v in values]
        if not atoms:
            raise ValueError("a discrete curvature law needs at least one atom")
        if weights is None:
            probabilities = [sp.Rational(1, len(atoms))] * len(atoms)
        else:
            probabilities = [_real(w, "a weight of the curvature law", minimum=0) for w in weights]
            if len(probabilities) != len(atoms):
                raise ValueError(f"{len(atoms)} atoms but {len(probabilities)} weights")
            total = sum(probabilities)
            if abs(total - 1) > sp.Rational(1, 10**12):
                raise ValueError(f"the weights of the curvature law must sum to 1; they sum to {float(total)!r}")
        merged: dict[sp.Expr, sp.Expr] = {}
        for value, weight in zip(atoms, probabilities):
            if weight != 0:
                merged[value] = merged.get(value, sp.Integer(0)) + weight
        self.atoms: tuple[tuple[sp.Expr, sp.Expr], ...] = tuple(sorted(merged.items()))
        self._mp = [(_mp(v), _mp(w)) for v, w in self.atoms]

    def __repr__(self) -> str:
        return f"DiscreteCurvature({len(self.atoms)} atoms, mean={self.exact_mean})"

    @property
    def exact_mean(self) -> sp.Expr:
        """:math:`\\mathbb{E}h` as an exact number."""
        return sum((v * w for v, w in self.atoms), sp.Integer(0))

    @property
    def exact_variance(self) -> sp.Expr:
        """:math:`\\operatorname{Var}h` as an exact number."""
        return sum((v**2 * w for v, w in self.atoms), sp.Integer(0)) - self.exact_mean**2

    @property
    def mean(self):
        return _mp(self.exact_mean)

    @property
    def variance(self):
        return _mp(self.exact_variance)

    def power_mean(self, alpha, lr):
        return mpmath.fsum(w * abs(1 - lr * v) ** alpha for v, w in self._mp)

    def log_mean(self, lr):
        if any(1 - lr * v == 0 for v, _ in self._mp):
            return -mpmath.inf
        return mpmath.fsum(w * mpmath.log(abs(1 - lr * v)) for v, w in self._mp)

    def log_mean_slope(self, lr):
        return mpmath.fsum(-w * v / (1 - lr * v) for v, w in self._mp)

    def exceeds_one(self, lr):
        return any(abs(1 - lr * v) > 1 for v, _ in self._mp)

    def poles(self):
        return tuple(sorted({1 / v for v, _ in self._mp if v > 0}))


class DensityCurvature(CurvatureLaw):
    r"""A law of :math:`h` with a density, integrated by mpmath quadrature (split at :math:`h = 1/\eta`).

    Args:
        pdf: the density, a function of an mpmath number returning a number.
        support: ``(lower, upper)``, the interval outside which the density vanishes (``mpmath.inf`` allowed).

    Raises:
        TypeError: ``pdf`` not callable, text.
        ValueError: an empty support, or a density whose mass is not 1 (to 1e-10).
    """

    def __init__(self, pdf: Callable, support: tuple = (-mpmath.inf, mpmath.inf)):
        if not callable(pdf):
            raise TypeError(f"pdf must be a function of h; got {type(pdf).__name__}")
        refuse_text(support, "support")
        if not isinstance(support, tuple) or len(support) != 2:
            raise TypeError(f"support is a pair (lower, upper); got {support!r}")
        lower, upper = (mpmath.mpf(s) if isinstance(s, mpmath.mpf) or abs(s) == math.inf else _mp(s)
                        for s in support)
        if not lower < upper:
            raise ValueError(f"the support (lower, upper) needs lower < upper; got {support!r}")
        self.pdf, self.support = pdf, (lower, upper)
        with mpmath.workdps(PRECISION):
            mass = self._expect(lambda h: 1, None)
            self._mean = self._expect(lambda h: h, None)
            self._variance = self._expect(lambda h: (h - self._mean) ** 2, None)
        if abs(mass - 1) > 1e-10:
            raise ValueError(f"the density of h must integrate to 1; it integrates to {float(mass)!r}")

    @classmethod
    def gamma(cls, shape, scale) -> DensityCurvature:
        r"""The Gamma law of shape :math:`k` and scale :math:`\theta`; :math:`\chi^2_b/b` is ``gamma(b/2, 2/b)``:
        the curvature :math:`\frac1b\sum_{a\in B}x_a^2` of a minibatch of standard Gaussian features.

        Raises:
            ValueError: a shape or scale that is not positive.
        """
        k, theta = _mp(_real(shape, "shape", 0, strict=True)), _mp(_real(scale, "scale", 0, strict=True))
        norm = mpmath.gamma(k) * theta**k
        return cls(lambda h: h ** (k - 1) * mpmath.exp(-h / theta) / norm, (mpmath.mpf(0), mpmath.inf))

    def __repr__(self) -> str:
        return f"DensityCurvature(support={tuple(map(float, self.support))}, mean={float(self._mean)})"

    def _expect(self, f, lr):
        lower, upper = self.support
        points = [lower, upper]
        if lr is not None and lower < 1 / lr < upper:  # |1 - eta h|^alpha and log|1 - eta h| are singular there
            points = [lower, 1 / lr, upper]
        return mpmath.quad(lambda h: f(h) * self.pdf(h), points)

    @property
    def mean(self):
        return self._mean

    @property
    def variance(self):
        return self._variance

    def power_mean(self, alpha, lr):
        return self._expect(lambda h: abs(1 - lr * h) ** alpha, lr)

    def log_mean(self, lr):
        return self._expect(lambda h: mpmath.log(abs(1 - lr * h)) if 1 - lr * h != 0 else 0, lr)

    def exceeds_one(self, lr):
        lower, upper = self.support
        return bool(lower < 0 or upper > 2 / lr)


def minibatch_curvature_law(curvatures: Sequence, batch_size: int, sampling: str = "with",
                            max_atoms: int = MAX_ATOMS) -> DiscreteCurvature:
    r"""The exact law of the minibatch mean :math:`h_B = \frac1b\sum_{s=1}^b h_{a(s)}` of per-sample curvatures.

    With replacement the :math:`b` draws are i.i.d. uniform over the :math:`N` samples: each multiset of
    samples has the multinomial weight :math:`b!/(\prod_a m_a!\,N^b)`; without replacement every
    :math:`b`-subset has weight :math:`1/\binom{N}{b}`. Equal means are merged into one atom.

    Args:
        curvatures: the per-sample curvatures :math:`h_a` of the mode (e.g. :math:`x_a^2` for least squares).
        batch_size: :math:`b \ge 1` (at most :math:`N` without replacement).
        sampling: ``"with"`` or ``"without"`` replacement.
        max_atoms: the most minibatches enumerated; beyond, sample minibatches instead
            (:func:`sgdfp.numerics.sampled_minibatch_curvature`).

    Raises:
        TypeError: text or non-numbers.
        ValueError: bad batch size or sampling, or more minibatches than ``max_atoms``.
    """
    refuse_text(curvatures, "curvatures")
    values = [_real(v, "a per-sample curvature") for v in curvatures]
    n = len(values)
    if n == 0:
        raise ValueError("curvatures must hold at least one per-sample curvature")
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer; got {batch_size!r}")
    if sampling not in ("with", "without"):
        raise ValueError(f"sampling must be 'with' or 'without' (replacement); got {sampling!r}")
    b = int(batch_size)
    if sampling == "without" and b > n:
        raise ValueError(f"without replacement the batch size ({b}) cannot exceed the number of samples ({n})")
    count = comb(n + b - 1, b) if sampling == "with" else comb(n, b)
    if count > max_atoms:
        raise ValueError(f"{count} minibatches are too many to enumerate (max_atoms={max_atoms}); sample them "
                         "with sgdfp.numerics.sampled_minibatch_curvature")
    atoms, weights = [], []
    if sampling == "with":
        for batch in combinations_with_replacement(range(n), b):
            multiplicities = [batch.count(a) for a in set(batch)]
            weights.append(sp.Rational(factorial(b), prod(factorial(m) for m in multiplicities) * n**b))
            atoms.append(sum((values[a] for a in batch), sp.Integer(0)) / b)
    else:
        for batch in combinations(range(n), b):
            weights.append(sp.Rational(1, count))
            atoms.append(sum((values[a] for a in batch), sp.Integer(0)) / b)
    return DiscreteCurvature(atoms, weights)


def _check_law(law) -> CurvatureLaw:
    if not isinstance(law, CurvatureLaw):
        raise TypeError(f"law must be a sgdfp.derive.CurvatureLaw (GaussianCurvature, DiscreteCurvature, "
                        f"DensityCurvature, ...); got {type(law).__name__}")
    return law


def _lr(lr) -> mpmath.mpf:
    return _mp(_real(lr, "lr", 0, strict=True))


def lyapunov_exponent(law: CurvatureLaw, lr) -> float:
    r"""The Lyapunov exponent :math:`\Lambda = \mathbb{E}\log|1 - \eta h|` of the mode map at learning rate ``lr``.

    Negative: almost surely stable (``-inf`` where :math:`1 - \eta h = 0` with positive probability).

    Raises:
        TypeError: ``law`` not a :class:`CurvatureLaw`; text.
        ValueError: ``lr`` not a positive number.
    """
    law, rate = _check_law(law), _lr(lr)
    with mpmath.workdps(PRECISION):
        return float(law.log_mean(rate))


def _bisect(f, low, high):
    """The zero of ``f`` between ``low`` (f < 0) and ``high`` (f >= 0), to the working precision."""
    return mpmath.findroot(f, (low, high), solver="anderson", tol=mpmath.mpf(10) ** (-2 * PRECISION // 3),
                           verify=False)


def almost_sure_threshold(law: CurvatureLaw) -> MapResult:
    r"""The learning rate :math:`\eta_{\mathrm{as}}` where the Lyapunov exponent first reaches zero:
    :math:`\mathbb{E}\log|1 - \eta h| < 0` for every :math:`0 < \eta < \eta_{\mathrm{as}}`.

    Since :math:`\Lambda(\eta) = -\eta\lambda - \tfrac{\eta^2}{2}\mathbb{E}h^2 + O(\eta^3)`, the interval exists for
    :math:`\lambda > 0`, and for :math:`\lambda = 0` with curvature noise. It is wider than the mean-square one,
    :math:`\eta < 2\lambda/(\lambda^2 + \Gamma)` (Jensen), and a discrete law has more stable windows beyond it,
    about each :math:`\eta = 1/h_i` (where :math:`\Lambda \to -\infty`); the threshold is the edge of the first.
    For a discrete law the search is exact (:math:`\Lambda` is concave between the poles :math:`1/h_i`); for a
    continuous law it is the first sign change on a grid of 12 points per decade in
    :math:`\eta\sqrt{\lambda^2 + \Gamma} \in [10^{-2}, 10^{3}]` (:math:`\Lambda` is smooth there), refined to the working precision.

    Returns:
        A :class:`MapResult`; ``value=None`` with the reason where the small learning rates are not stable
        (:math:`\lambda < 0`, or :math:`h = 0` almost surely) or no zero is found.

    Raises:
        TypeError: ``law`` not a :class:`CurvatureLaw`.
    """
    law = _check_law(law)
    name = "almost-sure stability threshold"
    with mpmath.workdps(PRECISION):
        mean, second = law.mean, law.variance + law.mean**2
        if second == 0:
            return MapResult(name, None, "h = 0 almost surely: |1 - eta h| = 1 and the mode is a random walk at "
                                         "every learning rate")
        if mean < 0:
            return MapResult(name, None, f"E h = {float(mean):.6g} < 0: E log|1 - eta h| = -eta E h + O(eta^2) > 0 "
                                         "at small learning rates (a saddle direction escapes)")
        poles = law.poles()
        if poles is not None:
            root = _discrete_first_zero(law, list(poles))
        else:
            root = _scanned_first_zero(law, 1 / mpmath.sqrt(second))
        if root is None:
            return MapResult(name, None, "E log|1 - eta h| has no zero on the scanned range of learning rates")
        return MapResult(name, float(root))


def _discrete_first_zero(law: CurvatureLaw, poles: list):
    """First zero of the concave-between-poles Lyapunov exponent of a discrete law."""
    f, slope = law.log_mean, law.log_mean_slope
    edges = [mpmath.mpf(0)] + poles
    # (0, first pole): concave, zero at 0 with slope -E h <= 0: negative throughout
    for left, right in zip(edges[1:], edges[2:]):
        width = right - left
        lo, hi = left + width * mpmath.mpf(10) ** (-PRECISION // 2), right - width * mpmath.mpf(10) ** (-PRECISION // 2)
        peak = _bisect(slope, hi, lo) if slope(lo) > 0 > slope(hi) else (lo if slope(lo) <= 0 else hi)
        if f(peak) >= 0:
            return _bisect(f, lo, peak)
    start = edges[-1]
    step = max(start, 1 / mpmath.sqrt(law.variance + law.mean**2))
    low = start + step * mpmath.mpf(10) ** (-PRECISION // 2) if poles else step * mpmath.mpf(10) ** -3
    high = start + step
    for _ in range(200):  # beyond the last pole Lambda is concave and grows like log(eta): increasing
        if f(high) >= 0:
            return _bisect(f, low, high)
        low, high = high, start + 2 * (high - start)
    return None


def _scanned_first_zero(law: CurvatureLaw, scale):
    grid = [scale * mpmath.mpf(10) ** (mpmath.mpf(i) / _GRID - 2) for i in range(5 * _GRID + 1)]
    previous = grid[0]
    for rate in grid:
        if law.log_mean(rate) >= 0:
            return _bisect(law.log_mean, previous, rate) if rate != grid[0] else None
        previous = rate
    return None


def tail_index(law: CurvatureLaw, lr) -> MapResult:
    r"""Kesten's tail index: the root :math:`\alpha > 0` of :math:`\mathbb{E}|1 - \eta h|^\alpha = 1`.

    The stationary law of :math:`y' = (1 - \eta h)y - \eta g` then has :math:`P(|y| > t) \sim c\,t^{-\alpha}` (for a
    non-degenerate :math:`g`), and :math:`\mathbb{E}|y|^n` is finite exactly for :math:`n < \alpha`. The root is
    bracketed by doubling (:math:`\log\mathbb{E}|A|^\alpha` is convex in :math:`\alpha`) and refined to the
    working precision.

    Returns:
        A :class:`MapResult`: ``value=None`` with the reason where the map is not almost surely stable at
        ``lr`` (no stationary law), where :math:`|1 - \eta h| \le 1` almost surely (no root: no multiplicative
        power tail), or where the root lies beyond :math:`\alpha = 2^{12}`.

    Raises:
        TypeError: ``law`` not a :class:`CurvatureLaw`; text.
        ValueError: ``lr`` not a positive number.
    """
    law, rate = _check_law(law), _lr(lr)
    name = "tail index"
    with mpmath.workdps(PRECISION):
        exponent = law.log_mean(rate)
        if exponent >= 0:
            return MapResult(name, None, f"E log|1 - eta h| = {float(exponent):.6g} >= 0 at eta = {float(rate):.6g}: "
                                         "the map is not almost surely stable and has no stationary law")
        if not law.exceeds_one(rate):
            return MapResult(name, None, "|1 - eta h| <= 1 almost surely: E|1 - eta h|^alpha < 1 for every "
                                         "alpha > 0, the curvature noise makes no power-law tail")

        def excess(alpha):
            return mpmath.log(law.power_mean(alpha, rate))

        high = mpmath.mpf(1)
        while excess(high) < 0:
            high *= 2
            if high > 2**12:
                return MapResult(name, None, "E|1 - eta h|^alpha < 1 up to alpha = 4096: the tail index is beyond "
                                             "what is searched")
        low = high / 2
        while excess(low) >= 0:
            low /= 2
        return MapResult(name, float(_bisect(excess, low, high)))
