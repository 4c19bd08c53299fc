"""What the document derives: the engine's objects for SGD and the mode catalogues it prints from."""

import pytest
import sympy as sp

from sgdfp.derive import Mode, jump_moment, symbolic_sgd
from sgdfp.document import derivations
from sgdfp.document.gather import Derived, check_sizes, select


def test_derivations_gather_the_engine_objects_up_to_the_order():
    derived = derivations(1, 3)
    assert set(derived) == {"update", "density", "jump_moments", "discrete_fokker_planck", "langevin_fokker_planck",
                            "step_difference", "flow_difference", "langevin", "modified_equation"}
    assert sorted(derived["jump_moments"]) == [1, 2, 3]
    update = symbolic_sgd(1)
    assert sp.simplify(derived["jump_moments"][3][0, 0, 0] - jump_moment(update, 3)[0, 0, 0]) == 0


@pytest.mark.parametrize("dim, order", [(0, 2), (2, 0), (True, 2), (2, 1.5), ("2", 2)])
def test_bad_sizes_are_errors(dim, order):
    with pytest.raises(ValueError, match="must be a positive integer"):
        check_sizes(dim, order)
    with pytest.raises(ValueError, match="must be a positive integer"):
        derivations(dim, order)


def test_the_modes_are_the_ones_the_document_names():
    derived = Derived(1, 3)
    assert derived.moment_order == 3 and Derived(1, 1).moment_order == 2
    names = {e.name for e in derived.critical_mode}
    assert "mode-stationary-mean" not in names  # at a critical point the mean settles at zero
    assert "mode-stationary-mean" in {e.name for e in derived.general_mode}
    recursion = select(derived.general_mode, "moment-recursion")
    assert [e.name for e in recursion] == ["moment-recursion-1", "moment-recursion-2", "moment-recursion-3"]
    flat = {e.name: e for e in derived.flat_mode}
    assert flat["mode-contraction"].rhs == 1  # lambda = Gamma = 0
    assert derived.critical_mode is derived.critical_mode  # derived once


def test_select_keeps_catalogue_order_and_names_what_is_missing():
    from sgdfp.derive.mode.parameters import D, lam
    from sgdfp.derive.symbols import eta

    catalogue = Mode(lam, D, eta).equations()
    chosen = select(catalogue, "mode-stationary-variance", "mode-contraction")
    assert [e.name for e in chosen] == ["mode-contraction", "mode-stationary-variance",
                                        "mode-langevin-stationary-variance", "mode-sme2-stationary-variance"]
    with pytest.raises(LookupError, match="no equation no-such-label"):
        select(catalogue, "mode-contraction", "no-such-label")
