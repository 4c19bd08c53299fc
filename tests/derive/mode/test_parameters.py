"""The parameter table: one entry per argument of Mode, the same symbols everywhere, ranges, no SymPy on import."""

import inspect
import subprocess
import sys

import pytest

from sgdfp.derive import MODE_PARAMETERS, PARAMETERS, Mode, eta
from sgdfp.derive.mode import parameters


def test_the_table_is_mode_s_signature():
    signature = list(inspect.signature(Mode).parameters)
    assert [p.keyword for p in MODE_PARAMETERS] == signature[:6]
    mode = Mode(*[p.symbol for p in MODE_PARAMETERS])
    assert all(getattr(mode, p.keyword) == p.symbol for p in MODE_PARAMETERS)
    assert PARAMETERS["lr"].symbol == eta and parameters.lam == PARAMETERS["curvature"].symbol
    assert len({p.flag for p in MODE_PARAMETERS}) == 6 and all(p.flag == "--" + p.keyword.replace("_", "-")
                                                               for p in MODE_PARAMETERS)
    required = [p.keyword for p in MODE_PARAMETERS if p.default is None]
    assert required == [k for k, v in inspect.signature(Mode).parameters.items()
                        if v.default is inspect.Parameter.empty and v.kind is not inspect.Parameter.KEYWORD_ONLY]


def test_ranges_are_checked_with_what_is_allowed():
    assert PARAMETERS["curvature"].check(-2.5) == -2.5
    for keyword, value, message in [("grad_noise", -1.0, "cannot be negative"), ("lr", 0.0, "must be positive"),
                                    ("curvature", float("inf"), "finite"), ("cross", float("nan"), "finite")]:
        with pytest.raises(ValueError, match=message):
            PARAMETERS[keyword].check(value)


def test_importing_the_table_loads_no_sympy():
    code = "import sys, sgdfp.derive.mode.parameters as p; assert p.MODE_PARAMETERS; print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_checks_take_numbers_not_text():
    lr = PARAMETERS["lr"]
    with pytest.raises(TypeError, match="lr must be a number"):
        lr.check("0.1")
    with pytest.raises(TypeError, match="not text"):
        lr.admits("0.1")
    assert lr.check(0.25) == 0.25 and lr.admits(0.25) and not lr.admits(-0.25)
    with pytest.raises(ValueError, match="domain must be 'real', 'nonnegative' or 'positive'"):
        parameters.Parameter("x", "x", "--x", "X", "x", "x", "a parameter", "anything")
