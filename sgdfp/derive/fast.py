r"""An optional fast path for ``expand`` and ``diff``: symengine inside, SymPy objects out.

With the ``fast`` extra (``pip install sgdfp[fast]``, i.e. symengine) :func:`expand` and :func:`diff`
hand a large expression (an expansion of :data:`LARGE_EXPANSION` terms or more) to symengine's C++ core and
convert the result back; smaller ones, where the two conversions cost more than SymPy's own work, and every
expression without the extra, go to ``sympy.expand`` and ``sympy.diff``, and nothing is said about the missing
package. An expression that is already expanded is returned as it is, on either path. Both paths give the
same SymPy expression, exactly: symengine is used only for expressions built from sums, products,
integer powers, rational numbers, symbols and undefined functions of symbols with their derivatives,
where an expanded polynomial has one canonical SymPy form; anything else (``sin``, floats, ``sqrt``,
assumptions on functions, two symbols of the same name) goes to SymPy. Symbols keep their assumptions
(symengine has none, so they are put back by name).

:func:`use_symengine` switches the fast path off and on (for tests and benchmarks), and the environment
variable ``SGDFP_SYMENGINE=0`` switches it off for a whole run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from math import comb, prod
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef, UndefinedFunction

__all__ = ["available", "enabled", "use_symengine", "expand", "diff", "LARGE_EXPANSION"]

_ENABLED = os.environ.get("SGDFP_SYMENGINE", "1").strip().lower() not in ("0", "false", "no", "off")


@lru_cache(maxsize=1)
def _symengine() -> Any:
    try:
        import symengine
    except ImportError:  # the fast path is optional: SymPy does the same work, only slower
        return None
    return symengine


def available() -> bool:
    """True when symengine is installed."""
    return _symengine() is not None


def enabled() -> bool:
    """True when :func:`expand` and :func:`diff` use symengine (installed and not switched off)."""
    return _ENABLED and available()


@contextmanager
def use_symengine(flag: bool) -> Iterator[None]:
    """Within the block, use symengine (``True``, where installed) or SymPy only (``False``)."""
    global _ENABLED
    before, _ENABLED = _ENABLED, bool(flag)
    try:
        yield
    finally:
        _ENABLED = before


@lru_cache(maxsize=1024)
def _plain_function(func: UndefinedFunction) -> bool:
    """An undefined function without assumptions (symengine's functions have none)."""
    return func == sp.Function(func.__name__)


def _scan(expr: sp.Basic) -> tuple[dict[str, sp.Symbol], bool] | None:
    """``({name: symbol}, expanded)`` of ``expr`` when symengine gives exactly SymPy's result for it, else ``None``.

    ``expanded`` is true for a sum of products of rational numbers and integer powers of atoms (symbols,
    undefined functions and their derivatives): ``sympy.expand`` gives such an expression back unchanged.
    """
    symbols: dict[str, sp.Symbol] = {}
    expanded = True
    stack: list[tuple[sp.Basic, int]] = [(expr, 0)]  # depth: 0 the top, 1 a term, 2 a factor, 3 a power's base
    while stack:
        node, depth = stack.pop()
        if isinstance(node, sp.Add):
            expanded = expanded and depth == 0
            stack.extend((a, 1) for a in node.args)
        elif isinstance(node, sp.Mul):
            expanded = expanded and depth <= 1
            stack.extend((a, 2) for a in node.args)
        elif isinstance(node, sp.Pow):
            if not node.exp.is_Integer:
                return None
            expanded = expanded and node.exp > 0
            stack.append((node.base, 3))
        elif isinstance(node, sp.Symbol):
            if isinstance(node, sp.Dummy) or symbols.setdefault(node.name, node) != node:
                return None
        elif isinstance(node, sp.Rational):
            expanded = expanded and depth != 3
        elif isinstance(node, AppliedUndef):
            if not _plain_function(node.func) or not all(isinstance(a, sp.Symbol) for a in node.args):
                return None
            stack.extend((a, 4) for a in node.args)
        elif isinstance(node, sp.Derivative):
            if not isinstance(node.expr, AppliedUndef):
                return None
            stack.append((node.expr, 4))
            stack.extend((v, 4) for v in node.variables)
        else:
            return None
    return symbols, expanded


def _to_sympy(result: Any, symbols: dict[str, sp.Symbol]) -> sp.Expr:
    """SymPy's form of a symengine result, built node by node with SymPy's own (evaluating) constructors:
    symbols with their assumptions, derivatives in SymPy's order of variables."""
    se = _symengine()
    renamed = {sp.Symbol(name): s for name, s in symbols.items() if s != sp.Symbol(name)}
    atoms: dict[Any, sp.Basic] = {}

    def convert(node: Any) -> sp.Basic:
        if isinstance(node, se.Add):
            return sp.Add(*[convert(a) for a in node.args])
        if isinstance(node, se.Mul):
            return sp.Mul(*[convert(a) for a in node.args])
        if isinstance(node, se.Pow):
            return sp.Pow(convert(node.args[0]), convert(node.args[1]))
        if isinstance(node, se.Integer):
            return sp.Integer(int(node))
        if isinstance(node, se.Rational):
            return sp.Rational(int(node.p), int(node.q))
        atom = atoms.get(node)
        if atom is None:  # a symbol, a function or a derivative: converted once
            atom = node._sympy_()
            atom = atom.xreplace(renamed) if renamed else atom
            atoms[node] = atom.canonical if isinstance(atom, sp.Derivative) else atom
        return atoms[node]

    return convert(result)


#: Expansions of fewer terms than this stay with SymPy: converting to symengine and back costs more than it saves.
LARGE_EXPANSION = 64


def _terms_bound(expr: sp.Basic) -> int:
    """An upper bound on the number of terms of ``expr`` expanded (multinomial counts of products and powers)."""
    if isinstance(expr, sp.Add):
        return sum(_terms_bound(a) for a in expr.args)
    if isinstance(expr, sp.Mul):
        return prod(_terms_bound(a) for a in expr.args)
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer and expr.exp > 0:
        n = int(expr.exp)
        return comb(_terms_bound(expr.base) + n - 1, n)
    return 1


def expand(expr: sp.Basic) -> sp.Expr:
    """``sympy.expand(expr)``: through symengine where that is exact, symengine is enabled and the expansion is
    large (:data:`LARGE_EXPANSION`); an expression that is already expanded comes back as it is."""
    if isinstance(expr, sp.Basic):
        scanned = _scan(expr)
        if scanned is not None:
            symbols, expanded = scanned
            if expanded:
                return expr
            if _terms_bound(expr) >= LARGE_EXPANSION and enabled():  # (enabled() imports symengine)
                se = _symengine()
                return _to_sympy(se.expand(se.sympify(expr)), symbols)
    return sp.expand(expr)


def diff(expr: sp.Basic, *variables: sp.Symbol) -> sp.Expr:
    """``sympy.diff(expr, *variables)`` (Symbols, repeated for higher orders), expanded, through symengine
    where that is exact, symengine is enabled and ``expr`` is large (:data:`LARGE_EXPANSION` terms)."""
    if isinstance(expr, sp.Basic) and _terms_bound(expr) >= LARGE_EXPANSION and enabled():
        scanned = _scan(expr)
        if scanned is not None and all(isinstance(v, sp.Symbol) and scanned[0].get(v.name, v) == v
                                       for v in variables):
            symbols = dict(scanned[0], **{v.name: v for v in variables})
            se = _symengine()
            result = se.sympify(expr)
            for v in variables:
                result = result.diff(se.Symbol(v.name))
            return _to_sympy(se.expand(result), symbols)
    return sp.expand(sp.diff(expr, *variables))
