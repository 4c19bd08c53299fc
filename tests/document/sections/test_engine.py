"""The engine's sections: every display prints an object of the derive layer for SGD on a symbolic loss."""

import pytest
import sympy as sp
from sympy.core.function import AppliedUndef

from sgdfp.derive import discrete_fokker_planck, eta, jump_moment, latex, symbolic_sgd
from sgdfp.document import build_document
from sgdfp.document.gather import Derived
from sgdfp.document.sections.engine import series_rows, update_rows, write_master, write_update


def test_the_update_rows_are_the_updates_state_and_increment():
    update = symbolic_sgd(2)
    rows, printer = update_rows(update)
    assert [row.lhs for row in rows] == [r"\theta_{1}^{(k+1)}", r"\theta_{2}^{(k+1)}"]
    for row, state, increment in zip(rows, update.state, update.increment):
        (now,) = row.rhs.free_symbols - increment.free_symbols - set(update.state)
        assert sp.expand(row.rhs - now - increment) == 0
        assert printer.tex(now) == rf"{latex(state)}^{{(k)}}"
        # the increment keeps its own variables: the gradient at theta, not at a placeholder
        assert rf"\partial_{{{latex(state)}}} L" in printer.tex(row.rhs)


def test_a_series_is_one_row_with_one_group_per_derivative_order():
    update = symbolic_sgd(1)
    series = discrete_fokker_planck(update, update.density(), 3)
    (row,) = series_rows(series)
    orders = [{sum(c for _, c in t.variable_count) for t in group} for group in row.rhs]
    assert orders == [{1}, {2}, {3}]
    assert sum(len(g) for g in row.rhs) == len(series.terms()) and row.lhs == series.lhs


def test_the_displays_print_the_derive_layers_results(displays):
    update = symbolic_sgd(2)
    density = update.density()
    fp = displays["discrete-fokker-planck"].tex
    terms = discrete_fokker_planck(update, density, 2).terms()
    assert len(terms) == 5
    for term in terms:
        assert latex(term) in fp
    second = jump_moment(update, 2)
    assert latex(sp.factor_terms(second[0, 1])) in displays["jump-moments-2"].tex
    for name in ("sgd-update", "gradient-noise", "master-equation", "kramers-moyal", "langevin-step",
                 "langevin-generator", "step-difference", "flow-difference", "modified-equation"):
        assert displays[name].sources == ()  # derive results, not catalogue equations


def test_the_noise_and_the_jump_moments_are_the_models(recording):
    derived = Derived(2, 2)
    write_update(recording, derived)
    write_master(recording, derived)
    update = derived.engine["update"]
    rows, _ = recording.rows["gradient-noise"]
    xi = update.noise.symbols
    assert [r.rhs for r in rows[:2]] == [0, 0]  # mean zero
    sigma = {row.lhs: row.rhs for row in rows[2:]}
    assert sigma[rf"\mathbb{{E}}[{latex(xi[0] * xi[1])}]"].func.__name__ == "Sigma_12"
    (loss,) = [f for f in update.increment[0].atoms(AppliedUndef) if f.func.__name__ == "L"]
    rows, _ = recording.rows["jump-moments-1"]
    assert len(rows) == 2
    for row, theta in zip(rows, update.state):  # M1 = E[-eta (grad L + xi)] = -eta grad L
        assert sp.expand(row.rhs + eta * sp.Derivative(loss, theta)) == 0


@pytest.mark.parametrize("K", [2, 3])
def test_the_eta_order_changes_the_derived_equations(K):
    update = symbolic_sgd(1)
    density = update.density()
    doc = build_document(dim=1, eta_order=K)
    fp = next(e.tex for e in doc.equations if e.name == "discrete-fokker-planck")
    third = [t for t in discrete_fokker_planck(update, density, 3).terms() if t.variable_count[0][1] == 3]
    assert len(third) == 1
    assert (latex(third[0]) in fp) == (K == 3)
    assert (r"\partial_{\theta_{1}}^{3}" in fp) == (K == 3)
    assert [e.name for e in doc.equations if e.name.startswith("jump-moments")] == [
        f"jump-moments-{n}" for n in range(1, K + 1)]
    assert (r"\mathbb{E}[y^{3}]_{k+1}" in doc.tex) == (K == 3)
