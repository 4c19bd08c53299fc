"""The random-quadratic section: its moment recursions and the pair covariance, checked against the update
worked out by hand."""

import pytest
import sympy as sp

from sgdfp.derive import eta
from sgdfp.document.gather import Derived
from sgdfp.document.sections.quadratic import write_quadratic


@pytest.fixture(scope="module")
def written(record):
    """The section for two parameters, its rows recorded."""
    derived = Derived(2, 2)
    return derived, record(write_quadratic, derived)


def test_the_mean_and_second_moment_recursions_are_those_of_the_quadratic(written):
    dim, (_, recording) = 2, written
    mean_rows, _ = recording.rows["quadratic-mean"]
    second_rows, _ = recording.rows["quadratic-second-moment"]
    free = set().union(*(r.rhs.free_symbols for r in mean_rows + second_rows))
    named = {s.name: s for s in free}
    H = sp.Matrix(dim, dim, lambda i, j: named[f"H_{{{min(i, j) + 1}{max(i, j) + 1}}}"])
    C = sp.Matrix(dim, dim, lambda i, j: named.get(f"C_{{{min(i, j) + 1}{max(i, j) + 1}}}", 0))
    m = sp.Matrix([named[f"m_{i + 1}"] for i in range(dim)])
    g = sp.Matrix([named[f"gbar_{i + 1}"] for i in range(dim)])
    S = sp.Matrix(dim, dim, lambda i, j: named[f"S_{{{min(i, j) + 1}{max(i, j) + 1}}}"])
    # x' = (I - eta H) x - eta (gbar + xi): E x' and E x' x'^T with E xi = 0, E xi xi^T = C
    A = sp.eye(dim) - eta * H
    mean = A * m - eta * g
    second = A * S * A.T - eta * (A * m * g.T + g * m.T * A.T) + eta**2 * (g * g.T + C)
    assert [sp.expand(r.rhs - mean[i]) for i, r in enumerate(mean_rows)] == [0, 0]
    pairs = [(0, 0), (0, 1), (1, 1)]
    assert [r.lhs for r in second_rows] == ["S'_{11}", "S'_{12}", "S'_{22}"]
    assert [sp.expand(r.rhs - second[i, j]) for r, (i, j) in zip(second_rows, pairs)] == [0, 0, 0]


def test_two_modes_stay_correlated_through_their_noise(written):
    _, recording = written
    (row,), printer = recording.rows["mode-pair-covariance"]
    names = {text: symbol for symbol, text in printer.names.items()}
    cov, noise = names[r"\operatorname{Cov}_k(y_a, y_b)"], names[r"\tilde C_{ab}"]
    la, lb = sorted(row.rhs.free_symbols - {cov, noise, eta}, key=str)
    # y_a' = (1 - eta la) y_a - eta g_a, likewise b: Cov' = (1 - eta la)(1 - eta lb) Cov + eta^2 Cov(g_a, g_b)
    assert sp.expand(row.rhs - ((1 - eta * la) * (1 - eta * lb) * cov + eta**2 * noise)) == 0


def test_the_mode_map_and_its_noise_come_from_the_catalogue(written):
    derived, recording = written
    update = next(d for d in recording.displays if d.name == "mode-update")
    noise = next(d for d in recording.displays if d.name == "mode-noise")
    assert [s.name for s in update.sources] == ["mode-update"]
    assert [s.lhs for s in noise.sources] == [r"\mathbb{E}[h]", r"\mathbb{E}[g]", r"\mathbb{E}[h^{2}]",
                                              r"\mathbb{E}[g h]", r"\mathbb{E}[g^{2}]"]
    assert all(s in derived.general_mode for s in update.sources + noise.sources)
