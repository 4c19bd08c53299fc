"""sgdfp demo: derive SGD's discrete Fokker--Planck equation and show what Langevin misses.

Run with ``make demo`` (or ``python examples/demo.py``).
"""

import sympy as sp

from sgdfp.derive import (discrete_fokker_planck, eta, langevin_flow_difference, langevin_step_difference,
                          minibatch_covariance, modified_equation, symbolic_sgd)


def main() -> None:
    print("sgdfp demo -- SGD at finite learning rate\n")
    update = symbolic_sgd(2)
    density = update.density()
    print("1. Discrete Fokker-Planck equation of SGD in 2-D, to O(eta^2), derived from the jump moments:")
    print(discrete_fokker_planck(update, density).latex(), "\n")
    print("2. What the per-step Langevin model misses (the squared drift):")
    print(langevin_step_difference(update, density).latex(), "\n")
    print("3. Against the Langevin flow over one step of time eta: the SME-2 drift correction")
    print(langevin_flow_difference(update, density).latex(), "\n")
    sme = modified_equation(update, 2)
    print("4. The second-order stochastic modified equation (drift b, diffusion a):")
    print(sme.latex(), "\n")
    b, N = sp.symbols("b N", positive=True, integer=True)
    sigma1 = sp.Symbol("Sigma_1")
    print("5. Per-step gradient noise from the per-sample covariance Sigma_1:")
    print("   with replacement:   ", minibatch_covariance([[sigma1]], "with", b)[0])
    print("   without replacement:", minibatch_covariance([[sigma1]], "without", b, N)[0])
    print("\n6. Numbers: on L = lam x^2 / 2 the mean decays per step by (1 - eta lam), a log-rate of")
    lam = sp.Symbol("lambda", positive=True)
    theta = update.state[0]
    quadratic = {sp.Function("L")(*update.state): lam / 2 * theta**2}
    at = {eta: sp.Rational(1, 2), lam: 1}
    for order in (1, 2):
        drift = modified_equation(update, order).drift[0].subs(quadratic).doit()
        rate = float((-eta * drift / theta).subs(at))
        print(f"   SME-{order} (drift {sp.factor(drift)}): {rate:.4f} per step at eta*lam = 1/2")
    print(f"   the discrete map itself: {-float(sp.log(1 - sp.Rational(1, 2))):.4f}")


if __name__ == "__main__":
    main()
