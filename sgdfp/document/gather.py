r"""What the document prints, derived once: the engine's objects for SGD on a symbolic loss, and the mode catalogue.

:func:`derivations` gathers the derive-layer objects for ``sgdfp derive`` and the document alike.
:class:`Derived` holds them for one document together with the catalogues
(:func:`sgdfp.derive.mode_equations`) of the modes the document shows: the general mode (all six
parameters), the mode at a critical point with curvature noise, without it, and the flat mode. Each is
derived on first use, so a section pays only for what it prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property

__all__ = ["derivations", "check_sizes", "Derived", "select", "STAGES"]


def check_sizes(dim: object, eta_order: object) -> None:
    """Raise a ``ValueError`` unless ``dim`` and ``eta_order`` are positive integers."""
    for name, value in (("dim", dim), ("eta_order", eta_order)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")


#: The stages of :func:`derivations`, in order: what a progress bar counts.
STAGES = ("update", "jump moments", "discrete Fokker-Planck", "Langevin form", "step difference",
          "flow difference", "modified equations")


def derivations(dim: int, eta_order: int, progress: Callable[[str], object] | None = None) -> dict:
    """The derive-layer objects for SGD on a symbolic loss in ``dim`` dimensions, truncated at ``eta**eta_order``.

    One gathering for ``sgdfp derive`` (:func:`sgdfp.cli.derive_report`) and the document, as objects:
    ``update``, ``density``, ``jump_moments`` (``{n: tensor}``), ``discrete_fokker_planck``,
    ``langevin_fokker_planck``, ``step_difference``, ``flow_difference`` (Kramers--Moyal series), and the
    modified equations ``langevin`` (weak order 1) and ``modified_equation`` (weak order 2).

    Args:
        progress: called with the name of each of :data:`STAGES` when it is done (e.g. a progress bar's update).

    Raises:
        ValueError: ``dim`` or ``eta_order`` is not a positive integer.
    """
    check_sizes(dim, eta_order)
    from sgdfp import derive

    done = progress or (lambda stage: None)
    out: dict = {}
    out["update"] = update = derive.symbolic_sgd(dim)
    out["density"] = density = update.density()
    done(STAGES[0])
    out["jump_moments"] = {n: derive.jump_moment(update, n) for n in range(1, eta_order + 1)}
    done(STAGES[1])
    out["discrete_fokker_planck"] = derive.discrete_fokker_planck(update, density, eta_order)
    done(STAGES[2])
    out["langevin_fokker_planck"] = derive.langevin_fokker_planck(update, density)
    done(STAGES[3])
    out["step_difference"] = derive.langevin_step_difference(update, density, eta_order)
    done(STAGES[4])
    out["flow_difference"] = derive.langevin_flow_difference(update, density, eta_order)
    done(STAGES[5])
    out["langevin"] = derive.modified_equation(update, order=1)
    out["modified_equation"] = derive.modified_equation(update, order=2)
    done(STAGES[6])
    return out


def _catalogue(*values, moment_order: int = 2) -> tuple:
    from sgdfp.derive import Mode, mode_equations

    return mode_equations(Mode(*values), moment_order=moment_order)


class Derived:
    """The objects one document prints, each derived on first use.

    Args:
        dim: number of parameters of the loss.
        eta_order: truncation order :math:`K` in :math:`\\eta`; the moment recursion shows
            :math:`\\max(2, K)` moments.
    """

    def __init__(self, dim: int, eta_order: int):
        check_sizes(dim, eta_order)
        self.dim, self.eta_order = dim, eta_order

    @property
    def moment_order(self) -> int:
        return max(2, self.eta_order)

    @cached_property
    def engine(self) -> dict:
        """:func:`derivations` for this document's size."""
        return derivations(self.dim, self.eta_order)

    @cached_property
    def general_mode(self) -> tuple:
        r"""The catalogue of :math:`\mathrm{Mode}(\lambda, D, \eta, \Gamma, \bar g, \rho)` (all six parameters)."""
        from sgdfp.derive.mode.parameters import D, Gamma, gbar, lam, rho
        from sgdfp.derive.symbols import eta

        return _catalogue(lam, D, eta, Gamma, gbar, rho, moment_order=self.moment_order)

    @cached_property
    def critical_mode(self) -> tuple:
        r"""The catalogue of :math:`\mathrm{Mode}(\lambda, D, \eta, \Gamma)`: a mode at a critical point
        (:math:`\bar g = \rho = 0`)."""
        from sgdfp.derive.mode.parameters import D, Gamma, lam
        from sgdfp.derive.symbols import eta

        return _catalogue(lam, D, eta, Gamma)

    @cached_property
    def additive_mode(self) -> tuple:
        r"""The catalogue of :math:`\mathrm{Mode}(\lambda, D, \eta)`: no curvature noise (:math:`\Gamma = 0`)."""
        from sgdfp.derive.mode.parameters import D, lam
        from sgdfp.derive.symbols import eta

        return _catalogue(lam, D, eta)

    @cached_property
    def flat_mode(self) -> tuple:
        r"""The catalogue of :math:`\mathrm{Mode}(0, D, \eta)`: a flat mode without curvature noise."""
        from sgdfp.derive.mode.parameters import D
        from sgdfp.derive.symbols import eta

        return _catalogue(0, D, eta)


def select(equations: Iterable, *labels: str) -> tuple:
    """The catalogue equations of the given displays (their ``label``) or names, in catalogue order.

    Raises:
        LookupError: a label matches nothing (the catalogue no longer has it: a bug, not user input).
    """
    equations = tuple(equations)
    chosen = tuple(e for e in equations if e.label in labels or e.name in labels)
    missing = [label for label in labels if not any(label in (e.label, e.name) for e in chosen)]
    if missing:
        raise LookupError(f"the mode catalogue has no equation {', '.join(missing)}")
    return chosen
