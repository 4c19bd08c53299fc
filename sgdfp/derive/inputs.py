"""Arguments of public functions as SymPy objects, never by parsing text.

SymPy's ``sympify`` of a string runs ``eval``; every public entry point of :mod:`sgdfp.derive` takes
numbers, SymPy objects or arrays and goes through these helpers, which refuse text -- anywhere in a
nested argument, since ``sp.Matrix([["1", "2"]])`` sympifies its entries too -- with a ``TypeError``
that says what to pass instead.
"""

from __future__ import annotations

import numbers

import sympy as sp

__all__ = ["as_expr", "as_basic", "as_symbol", "as_integer", "as_matrix", "as_array", "refuse_text"]

TEXT = (str, bytes, bytearray)


def refuse_text(value, name: str) -> None:
    """A ``TypeError`` for a string or bytes argument (it would be evaluated as code by ``sympify``)."""
    if isinstance(value, TEXT):
        raise TypeError(f"{name} must be a number or a SymPy expression, not text ({value!r}); build it with "
                        f"sympy.Symbol / sympy.Rational, or pass a float")


def as_expr(value, name: str) -> sp.Expr:
    """``value`` (a number, numpy scalar or SymPy expression) as a SymPy expression.

    Raises:
        TypeError: text, or anything that is not a number or expression.
    """
    expr = as_basic(value, name)
    if not isinstance(expr, sp.Expr):
        raise TypeError(f"{name} must be a number or a SymPy expression; got {value!r}")
    return expr


def as_basic(value, name: str) -> sp.Basic:
    """``value`` as a SymPy object: SymPy objects as they are (conditions included), numbers converted.

    Raises:
        TypeError: text, a bool, or anything that is neither a number nor a SymPy object.
    """
    refuse_text(value, name)
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise TypeError(f"{name} must be a number or a SymPy expression; got {value!r}")
    if isinstance(value, numbers.Number) or hasattr(value, "dtype") and getattr(value, "shape", None) == ():
        item = value.item() if hasattr(value, "item") else value
        if isinstance(item, (TEXT, bool)):  # a 0-d numpy array of text or booleans
            return as_basic(item, name)
        return sp.sympify(item)
    raise TypeError(f"{name} must be a number or a SymPy expression; got {type(value).__name__} {value!r}")


def as_symbol(value, name: str) -> sp.Symbol:
    """``value`` if it is a SymPy ``Symbol`` (a name given as text is refused: build it with ``sympy.Symbol``)."""
    if not isinstance(value, sp.Symbol):
        raise TypeError(f"{name} must be a SymPy Symbol (sympy.Symbol('x')); got {type(value).__name__} {value!r}")
    return value


def as_integer(value, name: str, minimum: int | None = None) -> int:
    """``value`` as a Python ``int`` (integers and integral SymPy or numpy numbers), at least ``minimum``.

    Raises:
        TypeError: text, a bool, a float or anything else that is not an integer.
        ValueError: an integer below ``minimum``.
    """
    refuse_text(value, name)
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise TypeError(f"{name} must be an integer; got {value!r}")
    if isinstance(value, sp.Integer):
        number = int(value)
    elif isinstance(value, numbers.Integral):
        number = int(value)
    else:
        raise TypeError(f"{name} must be an integer; got {type(value).__name__} {value!r}")
    if minimum is not None and number < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {number}")
    return number


def _leaves(value, name: str):
    """Nested lists/tuples (or a numpy array) as nested lists of SymPy expressions, text refused everywhere."""
    if hasattr(value, "tolist") and not isinstance(value, (sp.Basic, sp.MatrixBase)):
        value = value.tolist()  # a numpy array (of numbers, or of objects that are checked below)
    if isinstance(value, (list, tuple)):
        return [_leaves(v, name) for v in value]
    return as_expr(value, f"every entry of {name}")


def as_matrix(value, name: str) -> sp.ImmutableMatrix:
    """A SymPy matrix from a matrix or from nested rows of numbers and expressions (text refused in any entry).

    Raises:
        TypeError: text (the whole argument or any entry), or entries that are not numbers or expressions.
        ValueError: rows of different lengths.
    """
    refuse_text(value, name)
    if isinstance(value, sp.MatrixBase):
        return sp.ImmutableMatrix(value)
    if isinstance(value, sp.NDimArray) and value.rank() == 2:
        return sp.ImmutableMatrix(value.tolist())
    rows = _leaves(value, name) if isinstance(value, (list, tuple)) or hasattr(value, "tolist") else None
    if rows is None or not all(isinstance(row, list) for row in rows):
        raise TypeError(f"{name} must be a SymPy matrix or a list of rows of numbers and expressions; "
                        f"got {type(value).__name__}")
    if len({len(row) for row in rows}) > 1:
        raise ValueError(f"{name}: the rows have different lengths")
    return sp.ImmutableMatrix(rows)


def as_array(value, name: str) -> sp.ImmutableDenseNDimArray:
    """A SymPy N-dimensional array from an array, a matrix or nested lists (text refused in any entry)."""
    refuse_text(value, name)
    if isinstance(value, sp.NDimArray):
        return sp.ImmutableDenseNDimArray(value)
    if isinstance(value, sp.MatrixBase):
        return sp.ImmutableDenseNDimArray(value.tolist())
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        return sp.ImmutableDenseNDimArray(_leaves(value, name))
    raise TypeError(f"{name} must be a SymPy array or nested lists of numbers and expressions; "
                    f"got {type(value).__name__}")
