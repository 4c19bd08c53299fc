r"""Stationarity and diffusion: fluctuation--dissipation relations and the two-time moments of a mode.

**Fluctuation--dissipation relations** (Yaida 2018). With minibatches drawn independently of the state,
every observable :math:`O` obeys :math:`\mathbb{E}[O_{k+1}] - \mathbb{E}[O_k] = \mathbb{E}[\mathcal K^\dagger O]`,
with :math:`\mathcal K^\dagger` the adjoint of the update's Kramers--Moyal expansion (exact at order
:math:`n` for a polynomial observable of degree :math:`n` in a state the update moves linearly in its
noise). At a stationary law the left side is zero. The update here is written with the *force*
:math:`F` the optimiser applies along a mode (the minibatch gradient, plus :math:`\omega p` with weight
decay) as its random symbol, whose conditional moments :math:`\mathbb{E}[F \mid \text{state}]`,
:math:`\mathbb{E}[F^2 \mid \text{state}]` are left unspecified: a product of a state monomial and a
conditional moment is, by the tower property, a joint moment of the run (:math:`y\,\mathbb{E}[F\mid y]
\to \langle yF\rangle`), and the relation holds for *any* loss, not only near a critical point.

- :func:`fdr_relations` derives, per mode and summed over modes, for SGD (:math:`O = y^2`:
  :math:`2\langle yF\rangle = \eta\langle F^2\rangle`) and for heavy-ball or Nesterov momentum
  (:math:`v' = \beta v - \eta F`, :math:`y' = y + v'`; :math:`O \in \{y^2, yv, v^2\}`, the unmeasured
  :math:`\langle yv\rangle` eliminated): :math:`2(1-\beta)\langle yF\rangle + 2\beta\langle vF\rangle =
  \eta\langle F^2\rangle` and :math:`2\eta\langle yF\rangle = (1+\beta)\langle v^2\rangle`; Nesterov's
  force is taken at the look-ahead point, which changes the law of :math:`F` but not the relation.
- :func:`fdr_estimators`: the per-replica products whose means are the two sides (what a run sums).
- :func:`energy_relation`: Yaida's second relation, from :math:`O = L(\theta)` on SGD in :math:`d`
  dimensions, :math:`\langle|\nabla L|^2\rangle = \tfrac{\eta}{2}\langle\partial_i\partial_jL\,
  (\Sigma_{ij} + \partial_iL\,\partial_jL)\rangle` (exact for a quadratic loss; derived, not measured).

**Two-time moments of one mode** :math:`y' = (1 - \eta h)y - \eta g`. With :math:`z = y_k` frozen and
:math:`d = y_{k+t} - y_k`, the map on :math:`(d, z)` is linear, and the adjoint gives a closed,
lower-triangular recursion of :math:`(1, z, z^2, d, dz, d^2)` (:func:`displacement_matrix`), solved in
divided-difference form by Opitz's formula (:func:`~sgdfp.derive.powers.triangular_power`): the mean
squared displacement :math:`\mathrm{MSD}(k, \tau) = \mathbb{E}[(y_{k+\tau} - y_k)^2]` as a function of the
one-time moments :math:`m_k, V_k` at step :math:`k` without any subtraction of large numbers
(:func:`two_time_moments`), the two-time covariance :math:`(1 - \eta\lambda)^\tau V_k`, the stationary
form :math:`2V_\infty(1 - (1-\eta\lambda)^\tau)` (:func:`stationary_msd`), the flat form
:math:`\eta^2(D\tau + \bar g^2\tau^2)` (:func:`diffusive_msd`) and the local exponent
:math:`\alpha(\tau) = d\log\mathrm{MSD}/d\log\tau` (:func:`local_exponent`). :func:`stationarity_equations`
collects them all as :class:`~sgdfp.derive.Equation` objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from sgdfp.derive.fokker_planck import kramers_moyal
from sgdfp.derive.inputs import refuse_text
from sgdfp.derive.mode.dynamics import raw_discrete_matrix
from sgdfp.derive.mode.equations import Equation
from sgdfp.derive.mode.parameters import Gamma, beta, gbar, lam, rho, v, y
from sgdfp.derive.mode.update import curvature_sample, gradient_sample, mode_update
from sgdfp.derive.noise import Noise
from sgdfp.derive.powers import PowerDivDiff, triangular_power
from sgdfp.derive.symbols import eta
from sgdfp.derive.update import DiscreteUpdate, symbolic_sgd

__all__ = ["OPTIMIZER_FAMILIES", "force", "lag", "mean_k", "var_k", "stationary_var", "stationary_mean",
           "joint_moment", "stationary_expectation", "fdr_relations", "fdr_estimators", "energy_relation",
           "displacement_update", "displacement_matrix", "TwoTimeMoments", "two_time_moments", "stationary_msd",
           "diffusive_msd", "local_exponent", "stationarity_equations"]

#: The optimiser families the relations are derived for: plain SGD, and momentum (heavy ball and Nesterov alike).
OPTIMIZER_FAMILIES = ("sgd", "momentum")

#: The force along a mode (the minibatch gradient, plus the weight decay's pull), the lag in steps, the one-time
#: moments at step k, and the stationary moments (placeholders of the displayed forms).
force = sp.Symbol("F", real=True)
lag = sp.Symbol("tau", integer=True, nonnegative=True)
mean_k = sp.Symbol("m_k", real=True)
var_k = sp.Symbol("V_k", nonnegative=True)
stationary_var = sp.Symbol("V_infty", positive=True)
stationary_mean = sp.Symbol("m_infty", real=True)

# the conditional moments E[F | state], E[F^2 | state] of the force: left unspecified (any loss)
_force_mean, _force_square = sp.symbols("mu_F mu_FF", real=True)
_displacement, _frozen = sp.symbols("d z", real=True)


def _factors(monomial: sp.Expr) -> list[tuple[sp.Symbol, int]]:
    """The factors of a monomial, the state first and the force last (``<yF>``, ``<vF>``)."""
    return sorted(monomial.as_powers_dict().items(), key=lambda p: (p[0] == force, str(p[0])))


def _name(monomial: sp.Expr) -> str:
    return "".join(f"{s}" * int(e) for s, e in _factors(monomial))


@cache
def joint_moment(monomial: sp.Expr) -> sp.Symbol:
    r"""The placeholder :math:`\langle \cdot \rangle` of a joint moment of the stationary law, e.g. ``<yF>``.

    Raises:
        TypeError: text (never parsed) or a monomial that is not a product of Symbols.
    """
    refuse_text(monomial, "monomial")
    if not isinstance(monomial, sp.Expr) or not all(isinstance(b, sp.Symbol) and e.is_Integer and e > 0
                                                    for b, e in monomial.as_powers_dict().items()):
        raise TypeError(f"a joint moment is of a monomial in Symbols; got {monomial!r}")
    return sp.Symbol(f"<{_name(monomial)}>", real=True)


def _latex_name(monomial: sp.Expr) -> str:
    parts = []
    for base, exponent in _factors(monomial):
        parts.append(sp.latex(base) + (f"^{{{exponent}}}" if exponent != 1 else ""))
    return r"\langle " + " ".join(parts) + r" \rangle"


def stationary_expectation(update: DiscreteUpdate, observable: sp.Expr, conditional: dict[sp.Symbol, sp.Expr],
                           order: int = 2) -> tuple[sp.Expr, dict[sp.Symbol, str]]:
    r""":math:`\mathbb{E}[\mathcal K^\dagger O]` in joint moments: zero at a stationary law.

    Args:
        update: an update whose noise moments are the placeholder Symbols in ``conditional``.
        observable: :math:`O`, a polynomial in the state.
        conditional: maps each placeholder conditional moment (``mu_F``) to the noise monomial it is the
            conditional expectation of (``F``).
        order: the Kramers--Moyal order kept (exact for ``order`` = the degree of ``O`` when the update is linear
            in its noise).

    Returns:
        The expectation, with every product (state monomial) x (conditional moment of the noise) replaced by the
        joint moment of the product (tower property: the noise is drawn independently of the state), and the
        LaTeX names of those joint moments.

    Raises:
        ValueError: a term holds two conditional moments (then it is no joint moment of the run).
    """
    change = kramers_moyal(update, update.density(), order).adjoint(observable)
    generators = list(update.state) + list(conditional)
    poly = sp.Poly(change, *generators)
    total, names = sp.Integer(0), {}
    for exponents, coefficient in poly.terms():
        state_part = sp.Mul(*[s**e for s, e in zip(update.state, exponents)])
        noise_part = [(c, e) for c, e in zip(conditional, exponents[len(update.state):]) if e]
        if len(noise_part) > 1 or noise_part and noise_part[0][1] > 1:
            raise ValueError(f"the term {coefficient}*{poly.as_expr()} holds a product of conditional moments")
        monomial = state_part * (conditional[noise_part[0][0]] if noise_part else 1)
        if monomial == 1:
            total += coefficient
            continue
        symbol = joint_moment(monomial)
        names[symbol] = _latex_name(monomial)
        total += coefficient * symbol
    return sp.expand(total), names


def _check_family(optimizer: str) -> str:
    """The optimiser family, a name of :data:`OPTIMIZER_FAMILIES` (anything else is refused, never parsed)."""
    if not isinstance(optimizer, str) or optimizer not in OPTIMIZER_FAMILIES:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZER_FAMILIES)} (heavy ball and Nesterov are "
                         f"'momentum'); got {optimizer!r}")
    return optimizer


@cache
def _force_update(optimizer: str) -> tuple[DiscreteUpdate, dict[sp.Symbol, sp.Expr]]:
    """The optimiser on one mode with the force F as its random symbol (conditional moments unspecified)."""
    noise = Noise.from_moments([force], {force: _force_mean, force**2: _force_square})
    conditional = {_force_mean: force, _force_square: force**2}
    if optimizer == "sgd":
        return DiscreteUpdate([y], [-eta * force], noise, eta), conditional
    velocity = beta * v - eta * force
    return DiscreteUpdate([y, v], [velocity, velocity - v], noise, eta), conditional


@cache
def _relations(optimizer: str) -> tuple[tuple[sp.Expr, sp.Expr, str], ...]:
    """``(dissipation, fluctuation, observables)`` per relation, each ``dissipation = fluctuation``."""
    update, conditional = _force_update(_check_family(optimizer))
    yF, vF, FF = (joint_moment(m) for m in (y * force, v * force, force**2))
    observables = (y**2,) if optimizer == "sgd" else (y**2, y * v, v**2)
    changes = [stationary_expectation(update, f, conditional)[0] for f in observables]
    if optimizer == "sgd":
        unknowns: list[sp.Symbol] = [yF]
    else:  # the unmeasured <yv> and <v^2> are eliminated: a relation among the force moments only
        unknowns = [joint_moment(y * v), joint_moment(v**2), yF]
    solution = sp.solve(changes, unknowns, dict=True)
    if len(solution) != 1:
        raise AssertionError(f"the stationarity conditions of {optimizer} have no unique solution")
    # <yF> = c1 <vF> + c2 <F^2>: written (eta/c2)(<yF> - c1 <vF>) = eta <F^2>, dissipation = fluctuation
    value = sp.expand(solution[0][yF])
    c1, c2 = value.coeff(vF), value.coeff(FF)
    if sp.expand(value - c1 * vF - c2 * FF) != 0:
        raise AssertionError(f"<yF> is not linear in the force moments: {value}")
    scale = sp.factor(eta / c2)
    dissipation = sp.collect(sp.expand(scale * (yF - c1 * vF)), [yF, vF], sp.factor)
    relations = [(dissipation, eta * FF, ", ".join(map(str, observables)))]
    if optimizer != "sgd":  # <yF> against the velocity's spread: eliminate <yv>, <vF>, <F^2> instead
        solved = sp.solve(changes, [joint_moment(y * v), vF, yF], dict=True)
        if len(solved) != 1 or solved[0][yF].has(FF):
            raise AssertionError(f"the velocity form of the momentum FDR does not follow: {solved}")
        relations.append((2 * eta * yF, sp.factor(2 * eta * solved[0][yF]), ", ".join(map(str, observables))))
    return tuple(relations)


def fdr_relations(optimizer: str = "sgd") -> tuple[Equation, ...]:
    r"""Yaida's first fluctuation--dissipation relation for ``optimizer``, per mode and summed over modes.

    Args:
        optimizer: ``"sgd"`` (with or without weight decay) or ``"momentum"`` (heavy ball or Nesterov, with or
            without weight decay); :math:`F` is the force the optimiser applies (the minibatch gradient at the
            point it is taken, plus :math:`\omega p`).

    Returns:
        :class:`~sgdfp.derive.Equation` objects ``dissipation = fluctuation`` in the joint moments of the stationary
        law: SGD :math:`2\langle yF\rangle = \eta\langle F^2\rangle`; momentum
        :math:`2(1-\beta)\langle yF\rangle + 2\beta\langle vF\rangle = \eta\langle F^2\rangle` and
        :math:`2\eta\langle yF\rangle = (1 + \beta)\langle v^2\rangle`; then the same summed over the modes
        (:math:`O = |\theta - \theta^*|^2`, the relations of a :math:`d`-dimensional state are the per-mode ones
        added up, since the update acts on each coordinate alike).

    Raises:
        ValueError: an unknown optimiser family.
    """
    relations = _relations(_check_family(optimizer))
    names = {}
    for monomial in (y * force, v * force, force**2, v**2):
        names[joint_moment(monomial)] = _latex_name(monomial)
    summed = {joint_moment(y * force): r"\langle (\theta - \theta^*)\cdot F \rangle",
              joint_moment(v * force): r"\langle v \cdot F \rangle", joint_moment(force**2): r"\langle |F|^2 \rangle",
              joint_moment(v**2): r"\langle |v|^2 \rangle"}
    out = []
    for index, (dissipation, fluctuation, observables) in enumerate(relations):
        note = (f"stationarity of E[{observables}] (Yaida's FDR1), exact for any loss with minibatches drawn "
                f"independently of the state")
        for scope, labels in (("mode", names), ("summed", summed)):
            lhs = sp.latex(dissipation, symbol_names=labels)
            out.append(Equation(f"fdr-{optimizer}-{index + 1}-{scope}", "stationarity", lhs, fluctuation,
                                note=note + ("" if scope == "mode" else "; summed over modes"), derived=fluctuation,
                                names=labels))
    return tuple(out)


def fdr_estimators(optimizer: str = "sgd") -> tuple[sp.Expr, sp.Expr, tuple[sp.Symbol, ...]]:
    r"""``(dissipation, fluctuation, args)``: the per-replica products whose replica means estimate the two sides of
    the first relation of :func:`fdr_relations` (each joint moment :math:`\langle yF\rangle` replaced by the
    product :math:`yF` of one replica), as expressions in ``args = (y, v, F, eta, beta)``.

    Raises:
        ValueError: an unknown optimiser family.
    """
    dissipation, fluctuation, _ = _relations(_check_family(optimizer))[0]
    products = {joint_moment(m): m for m in (y * force, v * force, force**2)}
    return dissipation.xreplace(products), fluctuation.xreplace(products), (y, v, force, eta, beta)


def energy_relation(dim: int = 2) -> Equation:
    r"""Yaida's second relation, from :math:`O = L(\theta)` on SGD in ``dim`` dimensions (:func:`~sgdfp.derive.symbolic_sgd`):
    :math:`\langle|\nabla L|^2\rangle = \tfrac{\eta}{2}\langle\partial_i\partial_jL\,(\Sigma_{ij} +
    \partial_iL\,\partial_jL)\rangle`, the :math:`\eta^1` and :math:`\eta^2` terms of
    :math:`\mathbb{E}[\mathcal K^\dagger L] = 0` (exact for a quadratic loss, whose third derivatives vanish).

    Raises:
        ValueError: ``dim`` not a positive integer.
    """
    if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise ValueError(f"dim must be a positive integer; got {dim!r}")
    update = symbolic_sgd(dim)
    loss = sp.Function("L")(*update.state)
    change = sp.expand(kramers_moyal(update, update.density(), 2).adjoint(loss))
    first, second = change.coeff(eta, 1), change.coeff(eta, 2)
    if sp.expand(change - first * eta - second * eta**2) != 0:
        raise AssertionError("the adjoint on L has terms beyond eta^2 at order 2")  # cannot happen
    # -eta <|grad L|^2> + eta^2 <...> = 0: solve for <|grad L|^2> = -first
    return Equation(f"fdr-energy-{dim}d", "stationarity", r"\langle |\nabla L|^2 \rangle", sp.expand(eta * second),
                    note="stationarity of E[L] (Yaida's FDR2) to O(eta^2), exact for a quadratic loss; "
                         "expectations over the stationary law", derived=sp.expand(-first))


# ---------------------------------------------------------------------------------------------- two-time moments
@cache
def displacement_update() -> DiscreteUpdate:
    r"""The mode map on :math:`(d, z)`: :math:`z = y_k` frozen, :math:`d = y_{k+t} - y_k`,
    :math:`d' = d - \eta(h(d + z) + g)` (the mode's noise of :func:`~sgdfp.derive.mode_update`)."""
    h, g = curvature_sample, gradient_sample
    return DiscreteUpdate([_displacement, _frozen], [-eta * (h * (_displacement + _frozen) + g), sp.Integer(0)],
                          mode_update().noise, eta)


def _basis() -> tuple[sp.Expr, ...]:
    d, z = _displacement, _frozen
    return (sp.Integer(1), z, z**2, d, d * z, d**2)


@cache
def displacement_matrix() -> sp.ImmutableMatrix:
    r"""The exact recursion :math:`w_{t+1} = A w_t` of :math:`w = (1, \mathbb{E}z, \mathbb{E}z^2, \mathbb{E}d,
    \mathbb{E}dz, \mathbb{E}d^2)`, from the adjoint of :func:`displacement_update` (order 2, exact); lower
    triangular, diagonal :math:`(1, 1, 1, 1 - \eta\lambda, 1 - \eta\lambda, q)`.

    Raises:
        ValueError: the moments do not close or the matrix is not lower triangular (a check of the engine).
    """
    update = displacement_update()
    series = kramers_moyal(update, update.density(), 2)
    basis = _basis()
    rows = []
    for f in basis:
        image = sp.Poly(f + series.adjoint(f), _displacement, _frozen)
        row = [image.coeff_monomial(m) for m in basis]
        left = sp.expand(image.as_expr() - sum((c * m for c, m in zip(row, basis)), sp.Integer(0)))
        if left != 0:
            raise ValueError(f"the displacement moments do not close at {f}: {left}")
        rows.append([sp.factor(sp.expand(c)) for c in row])
    matrix = sp.ImmutableMatrix(rows)
    if any(matrix[i, j] != 0 for i in range(6) for j in range(i + 1, 6)):
        raise ValueError("the displacement recursion is not lower triangular")
    return matrix


@dataclass(frozen=True)
class TwoTimeMoments:
    r"""The two-time moments of a mode between steps :math:`k` and :math:`k + \tau`, in the one-time moments
    :math:`m_k` (:data:`mean_k`) and :math:`V_k` (:data:`var_k`) at step :math:`k` and the lag :math:`\tau`
    (:data:`lag`), in divided-difference form (:class:`~sgdfp.derive.powers.PowerDivDiff`).

    Attributes:
        msd: :math:`\mathbb{E}[(y_{k+\tau} - y_k)^2]`.
        mean_displacement: :math:`\mathbb{E}[y_{k+\tau} - y_k]`.
        correlation: :math:`\mathbb{E}[y_{k+\tau}y_k]`.
        covariance: :math:`\operatorname{Cov}(y_{k+\tau}, y_k)`.
    """

    msd: sp.Expr
    mean_displacement: sp.Expr
    correlation: sp.Expr
    covariance: sp.Expr


@cache
def two_time_moments() -> TwoTimeMoments:
    r"""The two-time moments of the SGD mode map for generic :math:`\lambda, D, \Gamma, \bar g, \rho`: the
    propagator :math:`A^\tau` of :func:`displacement_matrix` (Opitz's formula) applied to
    :math:`(1, m_k, V_k + m_k^2, 0, 0, 0)`."""
    propagator = triangular_power(displacement_matrix(), lag)
    start = sp.Matrix([1, mean_k, var_k + mean_k**2, 0, 0, 0])
    w = propagator * start

    def tidy(e):  # one factored coefficient per divided difference; the nodes stay factored (masked from expand)
        atoms = {PowerDivDiff(a.args[0], *[sp.factor(u) for u in a.args[1:]]) for a in e.atoms(PowerDivDiff)}
        e = e.xreplace({a: PowerDivDiff(a.args[0], *[sp.factor(u) for u in a.args[1:]]) for a in e.atoms(PowerDivDiff)})
        masks = {a: sp.Dummy() for a in atoms}
        terms = sp.collect(sp.expand(e.xreplace(masks)), list(masks.values()), evaluate=False)
        back = {mask: a for a, mask in masks.items()}
        return sp.Add(*[sp.factor(c) * back.get(key, key) for key, c in terms.items()])

    msd, mean_d, cross = (tidy(w[i]) for i in (5, 3, 4))
    correlation = tidy(cross + var_k + mean_k**2)
    covariance = tidy(cross + var_k - mean_k * mean_d)
    return TwoTimeMoments(msd, mean_d, correlation, covariance)


def _explicit(expr: sp.Expr) -> sp.Expr:
    """The divided differences as explicit powers (each distinct one made explicit once)."""
    return expr.xreplace({atom: atom.doit() for atom in expr.atoms(PowerDivDiff)})


def stationary_msd(general: bool = True) -> sp.Expr:
    r"""The MSD at the stationary law of a confined mode, :math:`2V_\infty(1 - (1 - \eta\lambda)^\tau)`, written
    :math:`2V_\infty\,\eta\lambda\,(x^\tau)[1 - \eta\lambda, 1]` (no cancellation as :math:`\lambda \to 0`).

    Derived: :func:`two_time_moments` at :math:`m_k = m_\infty`, :math:`V_k = V_\infty`, the fixed point of the
    one-time recursion :func:`~sgdfp.derive.mode.dynamics.raw_discrete_matrix` (symbolic), made explicit and
    simplified; the :math:`q^\tau` terms cancel and what is left is divided by :math:`V_\infty`. ``general`` keeps
    :math:`\bar g, \rho` (else they are zero, the critical point); the form is the same.

    Raises:
        TypeError: ``general`` is not True or False.
        AssertionError: the derivation does not reduce to that form (cannot happen; a check).
    """
    if not isinstance(general, bool):
        raise TypeError(f"general must be True or False; got {general!r}")
    return _stationary_msd(general)


@cache
def _stationary_msd(general: bool) -> sp.Expr:
    # the fixed point of the one-time recursion (1, E y, E y^2) the engine derives for the mode map
    raw = raw_discrete_matrix(2)
    if not general:
        raw = raw.subs({gbar: 0, rho: 0})
    first, second = (sp.Matrix(raw[1:, 1:]) - sp.eye(2)).LUsolve(-sp.Matrix(raw[1:, 0]))
    m_inf, v_inf = sp.factor(first), sp.factor(sp.expand(second - first**2))
    msd = _explicit(two_time_moments().msd)
    if not general:
        msd = msd.subs({gbar: 0, rho: 0})
    msd = msd.subs({mean_k: m_inf, var_k: v_inf})
    a_power, q_power = sp.Symbol("A_tau"), sp.Symbol("Q_tau")
    a, q = 1 - eta * lam, sp.expand((1 - eta * lam) ** 2 + eta**2 * Gamma)
    msd = msd.replace(lambda e: e.is_Pow and e.exp == lag and sp.expand(e.base - a) == 0, lambda e: a_power)
    msd = msd.replace(lambda e: e.is_Pow and e.exp == lag and sp.expand(e.base - q) == 0, lambda e: q_power)
    ratio = sp.factor(sp.cancel(sp.together(msd / v_inf)))
    if ratio.has(q_power) or sp.expand(ratio.subs(a_power, 1)) != 0:
        raise AssertionError(f"the stationary MSD did not reduce: {ratio}")
    # ratio is c (1 - A_tau); write 1 - A_tau = eta*lambda * (x^tau)[1 - eta*lambda, 1]
    coefficient = sp.factor(sp.cancel(ratio / (1 - a_power)))
    if coefficient.has(a_power):
        raise AssertionError(f"the stationary MSD is not proportional to 1 - (1 - eta lambda)^tau: {ratio}")
    return coefficient * stationary_var * eta * lam * PowerDivDiff(lag, -eta * lam, 0)


@cache
def diffusive_msd() -> sp.Expr:
    r"""The MSD of a flat mode (:math:`\lambda = \Gamma = 0`, hence :math:`\rho = 0`) from any law at step :math:`k`:
    :math:`\eta^2(D\tau + \bar g^2\tau^2)`: diffusion plus the ballistic drift of the mean gradient."""
    flat = two_time_moments().msd.subs({lam: 0, Gamma: 0, rho: 0})
    return sp.factor(sp.expand(sp.expand_func(_explicit(flat))))


def local_exponent(msd: sp.Expr) -> sp.Expr:
    r""":math:`\alpha(\tau) = d\log\mathrm{MSD}/d\log\tau = \tau\,\partial_\tau\mathrm{MSD}/\mathrm{MSD}` of an MSD
    in the lag :data:`lag` (divided differences made explicit first): 1 for diffusion, :math:`\to 0` for a
    confined mode, 2 for ballistic drift.

    Raises:
        TypeError: text (never parsed) or not a SymPy expression.
    """
    refuse_text(msd, "msd")
    if not isinstance(msd, sp.Expr):
        raise TypeError(f"msd must be a SymPy expression in the lag; got {type(msd).__name__}")
    explicit = _explicit(msd)
    return sp.simplify(lag * sp.diff(explicit, lag) / explicit)


def stationarity_equations() -> tuple[Equation, ...]:
    """Every formula of this module as :class:`~sgdfp.derive.Equation` objects: the FDRs for SGD and momentum, the
    energy relation, the two-time covariance, the MSD (general, stationary, flat) and its local exponents."""
    moments = two_time_moments()
    names = {mean_k: "m_k", var_k: "V_k", stationary_var: r"V_\infty", lag: r"\tau"}
    stationary, flat = stationary_msd(), diffusive_msd()
    return (*fdr_relations("sgd"), *fdr_relations("momentum"), energy_relation(2),
            Equation("two-time-covariance", "displacement", r"\operatorname{Cov}(y_{k+\tau}, y_k)",
                     sp.simplify(_explicit(moments.covariance)),
                     note="h drawn afresh each step: the conditional mean decays, nothing else correlates",
                     derived=moments.covariance, names=names),
            Equation("msd", "displacement", r"\mathbb{E}[(y_{k+\tau} - y_k)^2]", moments.msd,
                     note="exact for the mode map, from the moments at step k", names=names),
            Equation("msd-stationary", "displacement", r"\mathrm{MSD}_\infty(\tau)", stationary,
                     note="at the stationary law of a confined mode", names=names),
            Equation("msd-flat", "displacement", r"\mathrm{MSD}_{\lambda = \Gamma = 0}(\tau)", flat,
                     note="a flat mode: diffusion plus the drift of the mean gradient", names=names),
            Equation("exponent-stationary", "displacement", r"\alpha_\infty(\tau)", local_exponent(stationary),
                     note="d log MSD / d log tau: 1 at short lags, to 0 as the mode is confined", names=names),
            Equation("exponent-flat", "displacement", r"\alpha_{\lambda = 0}(\tau)", local_exponent(flat),
                     note="1 for pure diffusion, to 2 where the drift dominates", names=names))
