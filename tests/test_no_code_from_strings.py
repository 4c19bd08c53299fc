"""No string is ever evaluated as code: the payload fed to every argument of every public callable.

SymPy's ``sympify`` of a string is ``eval``. Every public function, class and public method of the packages
below gets, at each of its parameters in turn, the payload ``__import__('os').system('touch PWNED')`` in
place of one argument of an otherwise valid call (:mod:`payload_calls` holds the valid calls), run in an
empty directory. The payload goes in bare and, where the valid argument is a container, as its first
entry (``[payload]``, ``{payload: ...}``, ``{key: payload}``); for ``*args`` as an extra argument and for
``**kwargs`` as the value of each listed keyword and as a keyword itself. Each case asserts that

(a) no file ``PWNED`` appeared, and
(b) the call raised a ``TypeError`` or ``ValueError`` -- or, where the parameter legitimately takes
    text (a label, a path, a name looked up in a table, LaTeX for a side of ``align``, any field of a
    plain record), returned or refused it (a path that does not exist may also be an ``OSError``).

One test case per (callable, parameter): the pytest totals are the argument positions tried and passed.
A public callable missing from the table fails :func:`test_every_public_callable_has_a_valid_call`.
"""

from __future__ import annotations

import importlib
import inspect
import os

import pytest
from payload_calls import CALLS
from payload_context import NO_ARGUMENTS, Context

PAYLOAD = "__import__('os').system('touch PWNED')"
PACKAGES = ("sgdfp.derive", "sgdfp.derive.mode", "sgdfp.numerics", "sgdfp.stats", "sgdfp.validate", "sgdfp.testing",
            "sgdfp.report", "sgdfp.document", "sgdfp.sweep", "sgdfp.sweep.execute")
REFUSALS = (TypeError, ValueError)

#: Positions known to fail, "callable:parameter" -> the reason (each a strict xfail, so a fixed one must be
#: removed from here). None are left.
KNOWN: dict[str, str] = {}


def _callable(obj) -> bool:
    import sympy

    return callable(obj) and not isinstance(obj, sympy.Basic)  # a Symbol is callable (it makes a function)


def public_callables() -> dict[str, object]:
    """Every public function and class of :data:`PACKAGES` and every public method its classes define.

    Keyed by the first package that exports it (``sgdfp.derive.Mode`` and ``sgdfp.derive.mode.Mode`` are one)."""
    found: dict[str, object] = {}
    seen: set[int] = set()
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            obj = getattr(module, name)
            if not _callable(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            found[f"{package}.{name}"] = obj
            if inspect.isclass(obj):
                for attr in vars(obj):
                    raw = inspect.getattr_static(obj, attr)
                    if attr.startswith("_") or not (inspect.isfunction(raw) or isinstance(raw, (classmethod,
                                                                                              staticmethod))):
                        continue
                    found[f"{package}.{name}.{attr}"] = getattr(obj, attr)
    return found


PUBLIC = public_callables()


def _parameters(target) -> list[inspect.Parameter]:
    if inspect.isclass(target) and issubclass(target, BaseException):  # the message
        return [inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL)]
    params = list(inspect.signature(target).parameters.values())
    return [p for p in params if not (p.name in ("self", "cls") and p is params[0])]


def _positions():
    for key, target in PUBLIC.items():
        entry = CALLS.get(key)
        if entry is None or entry.make == NO_ARGUMENTS:
            continue
        for parameter in _parameters(target):
            position = f"{key}:{parameter.name}"
            marks = [pytest.mark.xfail(strict=True, reason=KNOWN[position])] if position in KNOWN else []
            yield pytest.param(key, parameter.name, id=position, marks=marks)


def test_every_public_callable_has_a_valid_call():
    missing = sorted(set(PUBLIC) - set(CALLS))
    stale = sorted(set(CALLS) - set(PUBLIC))
    assert not missing, f"public callables without a valid call in tests/payload_calls.py: {missing}"
    assert not stale, f"entries of tests/payload_calls.py that are not public callables (any more): {stale}"
    for key, entry in CALLS.items():
        if entry.make == NO_ARGUMENTS:
            assert not _parameters(PUBLIC[key]), f"{key} takes arguments: give it a valid call"
        if "." in key.removeprefix("sgdfp.").split(".", 1)[-1]:  # a method
            assert entry.on is not None, f"{key} is a method: say which instance it is called on"


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    return Context(tmp_path_factory.mktemp("payload-context"))


def _nested(value):
    """Copies of a container ``value`` with the payload in place of its first entry, at every depth, and (for a
    mapping) in place of its first key."""
    if isinstance(value, (list, tuple)) and value:
        rest = list(value[1:])
        return [type(value)([entry, *rest]) for entry in (PAYLOAD, *_nested(value[0]))]
    if isinstance(value, dict) and value:
        (key, first), *others = value.items()
        rest = dict(others)
        return [{PAYLOAD: first, **rest}, *({key: entry, **rest} for entry in (PAYLOAD, *_nested(first)))]
    return []


def _variants(target, parameter: inspect.Parameter, args: tuple, kwargs: dict, keys: tuple):
    """(label, args, kwargs, tags) with the payload at ``parameter``; ``tags`` are the names under which the
    table may allow text there (``name``, ``name[]`` for an entry of a container, ``name.key`` for a keyword)."""
    name = parameter.name
    if parameter.kind is parameter.VAR_POSITIONAL:
        yield "extra positional", (*args, PAYLOAD), kwargs, (name,)
        return
    if parameter.kind is parameter.VAR_KEYWORD:
        for key in keys:
            yield f"{key}=payload", args, {**kwargs, key: PAYLOAD}, (name, f"{name}.{key}")
        yield "payload as a keyword", args, {**kwargs, PAYLOAD: 1}, (name,)
        return
    index = [p.name for p in _parameters(target)].index(name)
    if parameter.kind is not parameter.KEYWORD_ONLY and index < len(args):
        yield "bare", (*args[:index], PAYLOAD, *args[index + 1:]), kwargs, (name,)
        for nested in _nested(args[index]):
            yield "nested", (*args[:index], nested, *args[index + 1:]), kwargs, (name, f"{name}[]")
    else:
        yield "bare", args, {**kwargs, name: PAYLOAD}, (name,)
        for nested in _nested(kwargs.get(name)):
            yield "nested", args, {**kwargs, name: nested}, (name, f"{name}[]")


@pytest.mark.parametrize("key, name", list(_positions()))
def test_the_payload_never_runs(key, name, context, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    entry = CALLS[key]
    target = PUBLIC[key]
    if entry.on is not None:
        target = getattr(entry.on(context), key.rsplit(".", 1)[1])
    parameter = next(p for p in _parameters(PUBLIC[key]) if p.name == name)
    args, kwargs = entry.make(context)
    problems, tried = [], 0
    for label, a, k, tags in _variants(PUBLIC[key], parameter, args, kwargs, entry.keys):
        tried += 1
        text = entry.record or any(tag in entry.text for tag in tags)
        try:
            target(*a, **k)
        except REFUSALS:
            pass
        except OSError as exc:  # a path that does not exist
            if not text:
                problems.append(f"{label}: OSError for a parameter that takes no path: {exc}")
        except Exception as exc:  # noqa: BLE001 -- anything but a clear refusal is a finding
            problems.append(f"{label}: {type(exc).__name__} instead of a TypeError or ValueError: {exc}")
        else:
            if not text:
                problems.append(f"{label}: accepted where text is not allowed")
        assert not os.path.exists(tmp_path / "PWNED"), f"{key}({name}: {label}) ran the payload as code"
    assert tried and not problems, f"{key}({name}): " + "; ".join(problems)


def test_the_payload_is_code_that_would_run(tmp_path, monkeypatch):
    """The check itself works: SymPy's sympify of the payload runs it (this is what every case guards against)."""
    import sympy

    monkeypatch.chdir(tmp_path)
    sympy.sympify(PAYLOAD)
    assert (tmp_path / "PWNED").exists()
