"""Arguments of public functions as SymPy objects, never by parsing text.

SymPy's ``sympify`` of a string runs ``eval``; every public entry point of :mod:`sgdfp.derive` takes
numbers, SymPy objects or arrays and goes through :func:`as_expr`, which refuses text with a
``TypeError`` that says what to pass instead.
"""

from __future__ import annotations

import numbers

import sympy as sp

__all__ = ["as_expr", "refuse_text"]


def refuse_text(value, name: str) -> None:
    """A ``TypeError`` for a string or bytes argument (it would be evaluated as code by ``sympify``)."""
    if isinstance(value, (str, bytes, bytearray)):
        raise TypeError(f"{name} must be a number or a SymPy expression, not text ({value!r}); build it with "
                        f"sympy.Symbol / sympy.Rational, or pass a float")


def as_expr(value, name: str) -> sp.Expr:
    """``value`` (a number, numpy scalar or SymPy expression) as a SymPy expression.

    Raises:
        TypeError: text, or anything that is not a number or expression.
    """
    refuse_text(value, name)
    if isinstance(value, sp.Basic):
        expr = value
    elif isinstance(value, bool):
        raise TypeError(f"{name} must be a number or a SymPy expression; got {value!r}")
    elif isinstance(value, numbers.Number) or hasattr(value, "dtype") and getattr(value, "shape", None) == ():
        expr = sp.sympify(value.item() if hasattr(value, "item") else value)
    else:
        raise TypeError(f"{name} must be a number or a SymPy expression; got {type(value).__name__} {value!r}")
    if not isinstance(expr, sp.Expr):
        raise TypeError(f"{name} must be a number or a SymPy expression; got {value!r}")
    return expr
