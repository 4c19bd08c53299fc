"""sgdfp.testing.plugin: the entry point, the theory marker, the theory_check fixture and the end-of-run summary."""

import subprocess
import sys
from importlib import metadata

pytest_plugins = ["pytester"]


def test_the_pytest11_entry_point_is_the_plugin_module():
    (entry,) = [e for e in metadata.entry_points(group="pytest11") if e.name == "sgdfp"]
    assert entry.value == "sgdfp.testing.plugin"
    plugin = entry.load()
    assert callable(plugin.pytest_terminal_summary) and callable(plugin.theory_check)


def test_importing_the_package_or_the_plugin_loads_neither_torch_nor_scipy_nor_sympy():
    for module in ("sgdfp.testing", "sgdfp.testing.plugin"):
        code = (f"import sys, {module}; "
                "print(sorted(m for m in ('torch', 'scipy', 'sympy') if m in sys.modules))")
        loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        assert loaded.strip() == "[]", module


_USER_TESTS = """
import numpy as np
import pytest
from sgdfp.testing import assert_variance_matches

@pytest.mark.theory
def test_right():
    rng = np.random.default_rng(0)
    assert_variance_matches(rng.normal(0.0, 2.0, size=(1200, 4)), np.full(4, 4.0), label="exact")

@pytest.mark.theory
def test_wrong():
    rng = np.random.default_rng(0)
    assert_variance_matches(rng.normal(0.0, 2.0, size=(1200, 4)), np.full(4, 4.8))

def test_fixture(theory_check):
    rng = np.random.default_rng(1)
    check = theory_check.variance(rng.normal(size=(500, 2)), [1.0, 1.0])
    assert theory_check.checks == [check]

def test_expected_failure():
    rng = np.random.default_rng(2)
    with pytest.raises(AssertionError):
        assert_variance_matches(rng.normal(size=(1200, 3)), np.full(3, 1.5), label="meant to fail")

def test_unrelated():
    assert True
"""


def test_plugin_marker_summary_and_fixture(pytester):
    pytester.makepyfile(test_user=_USER_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines([
        "*measured variances disagree with the prediction*",
        "*= sgdfp: theory vs experiment =*",
        "check*kind*modes*replicas*worst*pooled ratio*failing*result",
        "test_user.py::test_expected_failure [[]meant to fail[]]*3/3*disagrees (expected by the test)",
        "test_user.py::test_fixture*variance*2*500*|log r|*0/2*agrees",
        "test_user.py::test_right [[]exact[]]*variance*4*1200*agrees",
        "test_user.py::test_wrong*variance*4*1200*4/4*DISAGREES",
        "4 checks: 2 agree, 2 disagree (1 as their tests expected)*",
    ])
    assert "test_unrelated" not in result.stdout.str().split("sgdfp: theory vs experiment")[1]
    selected = pytester.runpytest("-p", "no:cacheprovider", "-m", "theory")  # the fixture marks its test
    selected.assert_outcomes(passed=2, failed=1, deselected=2)
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.theory: a theory-vs-experiment check*"])


_REGIME_TESTS = """
import numpy as np
from sgdfp.testing import assert_regime

def test_flat_mode_in_two_checks(theory_check):
    rng = np.random.default_rng(3)
    walk = np.cumsum(rng.standard_normal((100, 1200, 2)), axis=0)[[49, 99]]  # a random walk: variance k
    theory_check.regime([50, 100], walk, "diffusive", label="random walk")
    theory_check.variance(walk[-1], [100.0, 100.0], label="variance 100")
    assert [check.record()["kind"] for check in theory_check.checks] == ["regime", "variance"]

def test_a_walk_is_not_confined():
    rng = np.random.default_rng(4)
    walk = np.cumsum(rng.standard_normal((100, 1200, 2)), axis=0)[[49, 99]]
    assert_regime([50, 100], walk, "confined")
"""


def test_summary_lists_regime_checks_in_the_order_they_ran(pytester):
    pytester.makepyfile(test_walk=_REGIME_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*= sgdfp: theory vs experiment =*",
        "test_walk.py::test_a_walk_is_not_confined*regime*2*1200*miss*-*2/2*DISAGREES",
        "test_walk.py::test_flat_mode_in_two_checks [[]random walk[]]*regime*2*1200*miss 0.000*0/2*agrees",
        "test_walk.py::test_flat_mode_in_two_checks [[]variance 100[]]*variance*agrees",
        "3 checks: 2 agree, 1 disagree*",
    ])


def test_plugin_prints_nothing_without_checks(pytester):
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "theory vs experiment" not in result.stdout.str()


def test_checks_go_to_the_innermost_running_test():
    """Records nest (pytester runs pytest inside a test): a check goes to the innermost open record only."""
    import numpy as np

    from sgdfp.testing import assert_variance_matches
    from sgdfp.testing.recording import recording

    samples = np.random.default_rng(5).normal(size=(50, 2))
    with recording("outer") as outer:
        first = assert_variance_matches(samples, [1.0, 1.0])
        with recording("inner") as inner:
            second = assert_variance_matches(samples, [1.0, 1.0], label="inner")
        third = assert_variance_matches(samples, [1.0, 1.0])
    assert [id(check) for check in outer.checks] == [id(first), id(third)]
    assert [id(check) for check in inner.checks] == [id(second)]
    assert [row["test"] for row in outer.pending] == ["outer", "outer"] and inner.pending[0]["label"] == "inner"
    assert outer.pending[0]["order"] < inner.pending[0]["order"] < outer.pending[1]["order"]
