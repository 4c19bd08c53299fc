"""Shared table of mode cases for parametrised tests (curvlinops' ``CASES`` pattern).

Each case is one mode of the random-quadratic map in a named regime, with every optional parameter
switched on, plus the steps at which it is checked and an initial mean ``y0``. Tests take
``MODE_CASES`` through ``pytest.mark.parametrize("case", MODE_CASES, ids=CASE_IDS)``.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ModeCase:
    name: str
    lam: float
    grad_noise: float
    lr: float
    curvature_noise: float
    mean_grad: float
    cross: float
    y0: float
    steps: tuple

    @property
    def parameters(self) -> dict:
        """The mode's keyword arguments (sgdfp.derive.Mode, mode_functions)."""
        return dict(curvature=self.lam, grad_noise=self.grad_noise, lr=self.lr, curvature_noise=self.curvature_noise,
                    mean_grad=self.mean_grad, cross=self.cross)


MODE_CASES = (
    ModeCase("confined", 1.0, 2.0, 0.3, 0.5, 0.4, 0.2, 0.5, (1, 5, 20, 100)),
    # lambda = Gamma = 0 (so rho = 0): q = 1 exactly; with curvature noise a flat mode grows geometrically
    ModeCase("diffusive", 0.0, 1.0, 0.1, 0.0, 0.5, 0.0, 0.0, (10, 100, 300)),
    ModeCase("unstable", 1.0, 1.0, 1.9, 0.5, 0.1, 0.0, 0.2, (1, 3, 6)),
    ModeCase("escaping", -0.5, 1.0, 0.2, 0.1, 0.0, 0.05, 0.1, (5, 15, 30)),
)
CASE_IDS = [case.name for case in MODE_CASES]
CASES = {case.name: case for case in MODE_CASES}
