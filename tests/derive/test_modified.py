"""Stochastic modified equations derived by moment matching."""

import pytest
import sympy as sp

from sgdfp.derive import DiscreteUpdate, Noise, eta, modified_equation, sgd_update, symbolic_sgd


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_sgd_sme2_is_the_gradient_of_the_modified_loss(dim):
    update = symbolic_sgd(dim)
    L = sp.Function("L")(*update.state)
    modified_loss = L + eta / 4 * sum(L.diff(x) ** 2 for x in update.state)
    sme2, sme1 = modified_equation(update, 2), modified_equation(update, 1)
    for i, x in enumerate(update.state):
        assert sp.expand(sme2.drift[i] + modified_loss.diff(x)) == 0
        assert sp.expand(sme1.drift[i] + L.diff(x)) == 0
        for j in range(dim):
            sigma = sp.Function(f"Sigma_{min(i, j) + 1}{max(i, j) + 1}")(*update.state)
            assert sp.expand(sme2.diffusion[i, j] - eta * sigma) == 0
            assert sp.expand(sme1.diffusion[i, j] - eta * sigma) == 0


def test_concrete_non_quadratic_loss():
    x1, x2 = sp.symbols("x1 x2")
    loss = sp.cos(x1) * x2**2 + x1**4
    update = sgd_update(loss, [x1, x2], eta, [[1 + x2**2, 0], [0, 2]])
    grad = [loss.diff(v) for v in (x1, x2)]
    modified_loss = loss + eta / 4 * (grad[0] ** 2 + grad[1] ** 2)
    sme = modified_equation(update, 2)
    assert all(sp.simplify(sme.drift[i] + modified_loss.diff(v)) == 0 for i, v in enumerate((x1, x2)))


def test_random_quadratic_mode_sme2_reproduces_the_discrete_mean_to_second_order():
    """y' = y - eta (h y + g): b = -(lam y + gbar)(1 + eta lam / 2), a = eta (Gamma y^2 + 2 rho y + D)."""
    y, h, g = sp.symbols("y h g")
    lam, G, rho, D, gbar = sp.symbols("lambda Gamma rho D gbar")
    noise = Noise.from_cumulants([h, g], {h: lam, g: gbar, h**2: G, h * g: rho, g**2: D}, zero_above=2)
    sme = modified_equation(DiscreteUpdate([y], [-eta * (h * y + g)], noise, eta), 2)
    assert sp.expand(sme.drift[0] + (lam * y + gbar) * (1 + eta * lam / 2)) == 0
    assert sp.expand(sme.diffusion[0, 0] - eta * (G * y**2 + 2 * rho * y + D)) == 0
    # the linear SDE's mean after time eta: y0 exp(-lam (1 + eta lam/2) eta) = y0 (1 - eta lam) + O(eta^3)
    t_mean = sp.series(sp.exp(-lam * (1 + eta * lam / 2) * eta), eta, 0, 3).removeO()
    assert sp.expand(t_mean - (1 - eta * lam)) == 0


def _plain_sympy(monkeypatch):
    """Every coefficient refused by the differential-polynomial ring: the matching runs on SymPy alone."""
    from sgdfp.derive.jets import JetRing, NotDifferentialPolynomial

    def refuse(self, expr, expanded=False):
        raise NotDifferentialPolynomial("plain SymPy for this test")

    monkeypatch.setattr(JetRing, "poly", refuse)


def _mode():
    y, h, g = sp.symbols("y h g")
    lam, G, rho, D, gbar = sp.symbols("lambda Gamma rho D gbar")
    noise = Noise.from_cumulants([h, g], {h: lam, g: gbar, h**2: G, h * g: rho, g**2: D}, zero_above=2)
    return DiscreteUpdate([y], [-eta * (h * y + g)], noise, eta)


@pytest.mark.parametrize("build", [lambda: symbolic_sgd(2), lambda: symbolic_sgd(3), _mode])
def test_differential_polynomials_and_plain_sympy_match_the_same_sde(build, monkeypatch):
    fast = [modified_equation(build(), order) for order in (1, 2)]
    _plain_sympy(monkeypatch)
    assert [modified_equation(build(), order) for order in (1, 2)] == fast


def test_one_derivation_per_update_and_order():
    update = symbolic_sgd(2)
    assert modified_equation(update, 2) is modified_equation(update, 2)
    assert modified_equation(update, 1) is not modified_equation(update, 2)


PAYLOAD = "__import__('os').system('touch PWNED')"


def test_text_is_refused_and_never_run(tmp_path, monkeypatch):
    from sgdfp.derive import ModifiedEquation

    monkeypatch.chdir(tmp_path)
    update = symbolic_sgd(1)
    sme = modified_equation(update, 1)
    with pytest.raises(TypeError, match="not text"):
        modified_equation(update, PAYLOAD)
    with pytest.raises(TypeError, match="not text"):
        sme.generator(PAYLOAD)
    for field in ("state", "lr", "order", "drift", "diffusion"):
        values = {"state": sme.state, "lr": sme.lr, "order": 1, "drift": sme.drift, "diffusion": sme.diffusion}
        values[field] = PAYLOAD if field != "drift" else [PAYLOAD]
        with pytest.raises(TypeError, match="not text"):
            ModifiedEquation(**values)
    assert not (tmp_path / "PWNED").exists()
