r"""Code generation: SymPy expressions to vectorised numpy and torch functions.

:func:`compile` prints the expressions (after common-subexpression elimination across all of them)
into the source of one Python function, executes it in a namespace holding the array module and the
stable kernels of :mod:`sgdfp.numerics.stable`, and caches the result per
``(expressions, arguments, backend)`` for the life of the process (no disk cache: nothing is ever
unpickled).

- numpy: arguments become float64 arrays and broadcast against each other.
- torch: tensors keep their device and dtype (others are converted to match the first tensor, float64
  by default); the function is differentiable by autograd.
- The divided differences :class:`~sgdfp.derive.powers.PowerDivDiff` and
  :class:`~sgdfp.derive.powers.ExpDivDiff`, which carry the closed forms of the mode theory, print
  as calls to the stable kernels; the numerically naive explicit form is what ``.doit()`` gives.
- SymPy's stock torch printer passes Python numbers to ``torch.max``/``torch.min``/``torch.where``;
  here they are wrapped into tensors of the right dtype and device.
"""

from __future__ import annotations

import builtins
import numbers
from collections.abc import Callable, Sequence

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.pytorch import TorchPrinter

from sgdfp.derive.inputs import as_basic, refuse_text
from sgdfp.numerics import stable
from sgdfp.numerics.backends import BACKENDS, check_backend, get_backend

__all__ = ["compile", "BACKENDS", "CompiledFunction", "clear_cache", "NumpyCodePrinter", "TorchCodePrinter"]

_CACHE: dict = {}


class _StablePrinting:
    """Printing of the structured closed forms as calls to the stable kernels."""

    def _print_PowerDivDiff(self, expr):
        k, *offsets = expr.args
        if len(offsets) > 4:
            raise NotImplementedError("divided differences of more than three nodes are not compiled yet")
        return f"pow_dd{len(offsets) - 1}({', '.join(self._print(a) for a in (k, *offsets))})"

    def _print_ExpDivDiff(self, expr):
        t, *nodes = expr.args
        if len(nodes) > 4:
            raise NotImplementedError("divided differences of more than three nodes are not compiled yet")
        return f"exp_dd{len(nodes) - 1}({', '.join(self._print(a) for a in (t, *nodes))})"


class NumpyCodePrinter(_StablePrinting, NumPyPrinter):
    """NumPy printing with the stable kernels."""


class TorchCodePrinter(_StablePrinting, TorchPrinter):
    """Torch printing with the stable kernels, and numbers wrapped as tensors where torch wants tensors."""

    def _print_expm1(self, expr):
        return f"torch.expm1({self._print(expr.args[0])})"

    def _tensor(self, expr):
        return f"_T({self._print(expr)})"

    def _print_Max(self, expr):
        return self._fold("torch.maximum", expr.args)

    def _print_Min(self, expr):
        return self._fold("torch.minimum", expr.args)

    def _fold(self, op, args):
        out = self._tensor(args[0])
        for arg in args[1:]:
            out = f"{op}({out}, {self._tensor(arg)})"
        return out

    def _print_Piecewise(self, expr):
        value, condition = expr.args[-1].args
        if condition != sp.true:
            out = "_T(float('nan'))"
            pieces = expr.args
        else:
            out = self._tensor(value)
            pieces = expr.args[:-1]
        for value, condition in reversed(pieces):
            out = f"torch.where(_T({self._print(condition)}, torch.bool), {self._tensor(value)}, {out})"
        return out

    def _print_Float(self, expr):
        return repr(float(expr))


class CompiledFunction:
    """A compiled, vectorised function. Call it with one value or array per argument, positionally
    or by argument name; it returns one array per expression (a tuple when several were compiled)."""

    def __init__(self, function: Callable, args: tuple[sp.Symbol, ...], exprs: tuple[sp.Expr, ...],
                 backend: str, source: str, several: bool):
        if not callable(function):
            raise TypeError(f"function must be callable (compile() builds CompiledFunctions); got {function!r}")
        if not all(isinstance(a, sp.Symbol) for a in args) or not all(isinstance(e, sp.Basic) for e in exprs):
            raise TypeError("args must be SymPy Symbols and exprs SymPy expressions (use compile())")
        check_backend(backend)
        if not isinstance(source, str) or not isinstance(several, bool):
            raise TypeError("source is the generated code (text, kept for reading) and several a bool")
        self._function, self.args, self.exprs = function, args, exprs
        self.backend, self.source, self._several = backend, source, several
        self._names = [str(a) for a in args]

    def __call__(self, *values, **named):
        if len(values) > len(self.args):
            raise TypeError(f"expected {len(self.args)} arguments ({', '.join(self._names)}); got {len(values)}")
        given = dict(zip(self._names, values))
        for name, value in named.items():
            if name not in self._names:
                raise TypeError(f"unknown argument {name!r}; the arguments are {', '.join(self._names)}")
            if name in given:
                raise TypeError(f"argument {name!r} given twice")
            given[name] = value
        missing = [n for n in self._names if n not in given]
        if missing:
            raise TypeError(f"missing argument(s): {', '.join(missing)}")
        try:
            # a Piecewise evaluates every branch: the one not taken may divide by zero, and nan marks
            # "undefined" on purpose (e.g. no stationary law), so numpy need not warn
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                result = self._function(*[given[n] for n in self._names])
        except ValueError as exc:
            if "broadcast" in str(exc) or "shape" in str(exc):
                raise ValueError(f"argument shapes do not broadcast together: {exc}") from None
            raise
        except RuntimeError as exc:  # torch reports shape mismatches as RuntimeError
            if "size" in str(exc) or "shape" in str(exc):
                raise ValueError(f"argument shapes do not broadcast together: {exc}") from None
            raise
        return result if self._several else result[0]

    def __repr__(self) -> str:
        return f"CompiledFunction({self.backend}; args={self._names}; {len(self.exprs)} expression(s))"


def _identifier(i: int) -> sp.Symbol:
    return sp.Symbol(f"_a{i}")


def _prepare_exprs(exprs) -> tuple[sp.Basic, ...]:
    # binomial(k, m) from all-confluent divided differences: a polynomial in k
    def expand_binomial(e):
        return e.replace(lambda x: isinstance(x, sp.binomial) and x.args[1].is_Integer,
                         lambda x: sp.expand_func(x))
    return tuple(expand_binomial(as_basic(e, "each expression")) for e in exprs)


def compile(exprs, args: Sequence[sp.Symbol], backend: str = "numpy") -> CompiledFunction:  # noqa: A001
    r"""Compile one expression or several (sharing common subexpressions) into a vectorised function.

    Args:
        exprs: a SymPy expression (or a number), or a list or tuple of them; never text, which would
            have to be parsed (``eval``) -- build expressions with ``sympy.Symbol`` instead.
        args: the argument symbols, in call order; every free symbol of ``exprs`` must be among them.
        backend: ``"numpy"`` or ``"torch"``.

    Returns:
        A :class:`CompiledFunction`. Compiling the same expressions again returns the cached one.

    Raises:
        ValueError: unknown backend, a free symbol missing from ``args``, repeated arguments.
        TypeError: text or another non-SymPy object among ``exprs``, an argument that is not a Symbol.

    Example:
        >>> x, y = sp.symbols("x y")
        >>> f = compile(x**2 + y, [x, y])
        >>> f(np.array([1.0, 2.0]), 1.0)
        array([2., 5.])
    """
    check_backend(backend)
    refuse_text(exprs, "exprs")
    several = not isinstance(exprs, (sp.Basic, numbers.Number))
    if several and not isinstance(exprs, (list, tuple)):
        raise TypeError(f"exprs must be a SymPy expression or a list or tuple of them; got {type(exprs).__name__}")
    exprs = _prepare_exprs(exprs if several else [exprs])
    if isinstance(args, sp.Basic):
        args = [args]
    refuse_text(args, "args")
    if not isinstance(args, (list, tuple)):
        raise TypeError(f"args must be a list or tuple of SymPy Symbols; got {type(args).__name__}")
    args = tuple(args)
    for a in args:
        if not isinstance(a, sp.Symbol):
            raise TypeError(f"arguments must be SymPy Symbols; got {a!r}")
    if len(set(args)) != len(args):
        raise ValueError(f"arguments must be distinct; got {args}")
    free = set().union(*(e.free_symbols for e in exprs)) - set(args)
    if free:
        raise ValueError(f"the expression needs {', '.join(sorted(map(str, free)))}, which "
                         f"{'is' if len(free) == 1 else 'are'} not among the arguments")
    key = (exprs, args, backend)
    if key not in _CACHE:
        _CACHE[key] = _build(exprs, args, backend, several)
    return _CACHE[key]


def clear_cache() -> None:
    """Forget every compiled function (for benchmarks of cold compilation)."""
    _CACHE.clear()


def _build(exprs, args, backend, several) -> CompiledFunction:
    names = {a: _identifier(i) for i, a in enumerate(args)}
    renamed = [e.xreplace(names) for e in exprs]
    replacements, reduced = sp.cse(renamed, symbols=sp.numbered_symbols("_x"))
    array_backend = get_backend(backend)
    printer = array_backend.printer()
    params = ", ".join(str(names[a]) for a in args)
    lines = [f"def _generated({params}):"]
    # _prepare converts the arguments; _T wraps a number into the arguments' kind of array where needed
    lines.append(f"    ({params}{',' if args else ''}), _T = _prepare({params})")
    for symbol, value in replacements:
        lines.append(f"    {symbol} = {printer.doprint(value)}")
    outputs = [printer.doprint(e) for e in reduced]
    lines.append(f"    return _finish(({', '.join(outputs)},), ({params}{',' if args else ''}))")
    source = "\n".join(lines)
    namespace = {name: getattr(stable, name) for name in stable.__all__}
    namespace.update(array_backend.namespace())
    exec(builtins.compile(source, "<sgdfp.numerics>", "exec"), namespace)  # noqa: S102 (our own printed code)
    return CompiledFunction(namespace["_generated"], args, exprs, backend, source, several)
