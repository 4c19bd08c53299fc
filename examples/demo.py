"""sgdfp demo: derive SGD's discrete Fokker--Planck equation and the mode theory near a critical point,
compute and check the formulas, validate them on real SGD, and export a LaTeX document and a report.

Run with ``make demo`` (or ``python examples/demo.py``).
"""

import sympy as sp

from sgdfp.derive import (
    Mode,
    discrete_fokker_planck,
    eta,
    langevin_flow_difference,
    langevin_step_difference,
    minibatch_covariance,
    modified_equation,
    symbolic_sgd,
)
from sgdfp.derive.mode.parameters import D, lam
from sgdfp.numerics import QuadraticModel


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
    curvature = sp.Symbol("lambda", positive=True)
    theta = update.state[0]
    quadratic = {sp.Function("L")(*update.state): curvature / 2 * theta**2}
    at = {eta: sp.Rational(1, 2), curvature: 1}
    for order in (1, 2):
        drift = modified_equation(update, order).drift[0].subs(quadratic).doit()
        rate = float((-eta * drift / theta).subs(at))
        print(f"   SME-{order} (drift {sp.factor(drift)}): {rate:.4f} per step at eta*lam = 1/2")
    print(f"   the discrete map itself: {-float(sp.log(1 - sp.Rational(1, 2))):.4f}")

    print("\n7. One mode near a critical point, y' = (1 - eta h) y - eta g (derived moment recursion):")
    print(Mode(lam, D, eta).latex())
    print("\n   stationary variance, discrete SGD vs Langevin, for D = 1:")
    print(f"   {'eta*lam':>8s} {'regime':>10s} {'discrete':>10s} {'Langevin':>10s} {'ratio':>7s}")
    for eta_lam in (0.01, 0.1, 0.5, 1.0, 1.5, 1.9, 2.1):
        mode = Mode(1, 1, eta_lam)
        discrete, langevin = mode.stationary_variance(), mode.langevin_stationary_variance()
        ratio = f"{float(discrete / langevin):7.3f}" if discrete != sp.nan else "    n/a"
        print(f"   {eta_lam:8.2f} {mode.regime():>10s} {float(discrete):10.4f} {float(langevin):10.4f} {ratio}")
    flat = Mode(0, 1, 0.05)
    print(f"   a flat mode diffuses: Var_k = {float(flat.variance(1000)):.4f} after 1000 steps at eta = 0.05, "
          f"diffusion coefficient {float(flat.diffusion_coefficient().per_time):g} per unit time (= eta D / 2)")

    print("\n8. A 3-D random quadratic whose Hessian and noise do not commute:")
    import numpy as np

    hessian = np.array([[2.0, 0.6, 0.0], [0.6, 1.0, 0.3], [0.0, 0.3, 0.1]])
    noise = np.array([[1.0, 0.3, 0.1], [0.3, 0.5, 0.0], [0.1, 0.0, 0.2]])
    model = QuadraticModel(hessian, noise, 0.4)
    decomposition = model.modes()
    print(f"   {decomposition.grad_noise_offdiagonal:.1%} of the noise lies off the diagonal in H's eigenbasis")
    for a, mode in enumerate(decomposition.modes):
        print(f"   mode {a}: lambda = {float(mode.curvature):.4f}, regime over 100 steps: "
              f"{mode.regime(horizon=100)}, stationary variance {float(mode.stationary_variance()):.4f}")
    print(f"   exact cross-covariance of modes 0 and 1 at stationarity: {model.cross_covariance(0, 1):.5f}")

    print("\n9. Compiled and checked: the variance formula as a numpy function, against the simulated map")
    import time

    from sgdfp.numerics import mode_functions, simulate_mode

    functions = mode_functions("numpy")
    curvatures = np.logspace(-12, 0.3, 100_000)[:, None]
    start = time.perf_counter()
    table = functions.variance(curvatures, 1.0, 0.1, np.arange(1, 101)[None, :])
    print(f"   variance of 10^5 modes x 100 steps in {time.perf_counter() - start:.2f} s "
          f"(flattest mode at step 100: {table[0, -1]:.6f} = eta^2 D k)")
    sim = simulate_mode(1.0, 2.0, 0.3, steps=[50], curvature_noise=0.5, mean_grad=0.4, chains=100_000, seed=0)
    predicted = functions.variance(1.0, 2.0, 0.3, 50, curvature_noise=0.5, mean_grad=0.4)
    print(f"   a confined mode with curvature noise: simulated variance {sim.variance[0]:.4f} "
          f"+- {sim.standard_error['variance'][0]:.4f}, formula {float(predicted):.4f}")

    print("\n10. Validated on real SGD: the published MLP on MNIST digits (quick settings)")
    from sgdfp.validate.run import preset_config, run_validation, write_results

    results = run_validation(preset_config("mnist-mlp", quick=True))
    out = write_results(results, "out/demo-validate", force=True)
    summary = results.runs[0].summary
    print(f"   {results.model.parameters} parameters, {results.config.ensemble.replicas} replicas x "
          f"{results.config.ensemble.steps} steps in {results.wall_seconds:.1f} s: log-correlation over all modes "
          f"{summary.log_corr_all:.3f}, median |log(measured/predicted)| {summary.median_abs_log_ratio_all:.3f} "
          f"(sampling-noise floor {summary.noise_floor_abs_log_ratio:.3f}); figures in {out}/")

    print("\n11. Exported: every derivation as a LaTeX document, and the validation as a report")
    from sgdfp.document import write_document
    from sgdfp.report import write_report
    from sgdfp.tex import find_engine

    document = write_document("out/demo-latex", force=True, pdf=find_engine() is not None)
    print(f"   {document.tex}: {document.equations} numbered equations, one snippet each in {document.snippets_dir}/"
          + (f"; compiled to {document.pdf}" if document.pdf else " (no TeX engine: no PDF)"))
    report = write_report([out], "out/demo-report", force=True)
    print(f"   {report.html}" + (f" and {report.pdf}" if report.pdf else f" ({report.pdf_note})"))


if __name__ == "__main__":
    main()
