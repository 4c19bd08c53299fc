"""LaTeX and plain-text output."""

import pytest
import sympy as sp

from sgdfp.derive import align, discrete_fokker_planck, latex, modified_equation, symbolic_sgd, text


def test_symbols_render_in_the_usual_notation():
    update = symbolic_sgd(2)
    fp = discrete_fokker_planck(update, update.density())
    tex = fp.latex()
    assert tex.startswith("\\begin{align*}") and tex.endswith("\\end{align*}")
    for piece in (r"\eta", r"\Sigma_{12}", r"\partial_{\theta_{1}}", r"\partial_{\theta_{1}}\partial_{\theta_{2}}",
                  "P_{k+1} - P_k"):
        assert piece in tex, piece
    assert "theta_{1}, \\theta_{2}" not in tex  # undefined functions print without argument lists
    assert fp._repr_latex_().startswith("$\\displaystyle")
    assert tex.count("\\\\") == len(fp.coefficients) - 1  # one term per line


def test_lambda_and_derivative_powers():
    x, lam = sp.symbols("x lambda")
    f = sp.Function("L")(x)
    assert latex(lam * x) == r"\lambda x"
    assert latex(sp.Derivative(f, (x, 2))) == r"\partial_{x}^{2} L"
    assert latex(sp.Derivative(x**2 * f, x)) == r"\partial_{x} \left[x^{2} L\right]"


def test_align_breaks_lists_of_terms_over_lines():
    x = sp.Symbol("x")
    block = align([("a", [x, -x**2, "c"]), (sp.Symbol("b"), x)])
    assert block == "\\begin{align*}\na &= x \\\\\n  &\\quad - x^{2} \\\\\n  &\\quad + c \\\\\nb &= x\n\\end{align*}"
    assert align([("a", x)], starred=False).startswith("\\begin{align}")


def test_text_printer_is_compact_and_unambiguous():
    update = symbolic_sgd(1)
    assert text(update.increment[0]) == "-eta*(xi_1 + d_theta_1(L))"
    loss = sp.Function("L")(*update.state)
    assert text(sp.Derivative(loss, update.state[0]) ** 2 * update.density()) == "P*d_theta_1(L)**2"


def test_modified_equation_and_update_latex():
    update = symbolic_sgd(1)
    sme = modified_equation(update, 2)
    assert "b_{1} &=" in sme.latex() and r"\eta \Sigma_{11}" in sme.latex()
    assert r"\theta_{1}^{(k+1)}" in update.latex()
    assert "_{1}_" not in update.latex()  # no double subscripts


def test_text_is_printed_by_align_as_latex_and_refused_by_latex_and_text(tmp_path, monkeypatch):
    """align() copies LaTeX sides verbatim (never parsed); latex() and text() print SymPy objects only."""
    monkeypatch.chdir(tmp_path)
    payload = "__import__('os').system('touch PWNED')"
    x = sp.Symbol("x")
    assert align([(payload, x), ("b", r"\propto", [payload, x])]).count(payload) == 2
    for printer in (latex, text):
        with pytest.raises(TypeError, match=r"prints SymPy expressions, not text"):
            printer(payload)
    with pytest.raises(TypeError, match="symbol_names maps SymPy symbols"):
        latex(x, symbol_names="x")
    for rows, error, message in ((payload, TypeError, "iterable of"), ([payload], TypeError, "each row"),
                                 ([("a",)], ValueError, "got 1 entries"), ([("a", 1, x)], TypeError, "relation")):
        with pytest.raises(error, match=message):
            align(rows)
    assert not (tmp_path / "PWNED").exists()
