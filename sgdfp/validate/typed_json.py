"""Dataclasses to strict JSON and back, checked against their type annotations.

:func:`to_json` writes a dataclass as plain JSON values: NaN and infinities become ``null`` (any JSON
parser reads the file), and every ``null`` that stands for an undefined number gets its reason in the
object's ``"undefined"`` map -- from the instance's own ``undefined`` field, else from the class's
``UNDEFINED`` table, else a generic one. :func:`from_json` reads it back and checks every field
against its annotation (``int``, ``float``, ``bool``, ``str``, ``X | None``, ``list[X]``,
``dict[str, X]``, nested dataclasses), so a malformed file fails with one line that names the file,
the field and what was expected. Field names in JSON can differ from the attribute (``metadata={"json":
"class"}``).
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from typing import Any, Union

from sgdfp.errors import InputError

__all__ = ["ResultError", "to_json", "from_json", "json_name"]


class ResultError(InputError):
    """A result file that does not match its schema; the message names the file and the field."""


def json_name(field: dataclasses.Field) -> str:
    return field.metadata.get("json", field.name)


def _plain(value, path: str, nulls: dict):
    """A JSON value; NaN/inf become None and their paths are collected in ``nulls``."""
    import numpy as np  # here: reading results (the report) should not pay for numpy

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_json(value)
    if isinstance(value, (np.ndarray, list, tuple)):
        items = value.tolist() if isinstance(value, np.ndarray) else value
        return [_plain(v, path, nulls) for v in items]
    if isinstance(value, dict):
        return {str(k): _plain(v, path, nulls) for k, v in value.items()}
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if not math.isfinite(number):
            nulls.setdefault(path, "nan" if math.isnan(number) else "inf")
            return None
        return number
    return value


def to_json(obj) -> dict:
    """``obj`` (a dataclass instance) as a dict of plain JSON values, with an ``"undefined"`` map of reasons."""
    out: dict[str, Any] = {}
    nulls: dict[str, str] = {}
    given = dict(getattr(obj, "undefined", None) or {})
    defaults = getattr(type(obj), "UNDEFINED", {})
    for field in dataclasses.fields(obj):
        if field.name == "undefined":
            continue
        value = getattr(obj, field.name)
        name = json_name(field)
        out[name] = _plain(value, name, nulls)
        if value is None and name in defaults:
            nulls.setdefault(name, "none")
    reasons = {}
    for name, kind in nulls.items():
        reasons[name] = given.get(name) or defaults.get(name) or (
            "not a number (NaN) in the computation" if kind == "nan" else
            "infinite in the computation" if kind == "inf" else "not measured")
    reasons.update({k: v for k, v in given.items() if k not in reasons})
    if reasons or any(f.name == "undefined" for f in dataclasses.fields(obj)):
        out["undefined"] = reasons
    return out


def _describe(kind) -> str:
    origin = typing.get_origin(kind)
    if kind is type(None):
        return "null"
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(k) for k in typing.get_args(kind))
    if origin is list:
        return f"a list of {_describe(typing.get_args(kind)[0])}"
    if origin is dict:
        return f"an object of {_describe(typing.get_args(kind)[1])}"
    if origin is typing.Literal:
        return " or ".join(repr(v) for v in typing.get_args(kind))
    if dataclasses.is_dataclass(kind):
        return "an object"
    return {int: "an integer", float: "a number", bool: "true or false", str: "a string",
            Any: "a value"}.get(kind, getattr(kind, "__name__", str(kind)))


def _found(value) -> str:
    if value is None:
        return "null"
    text = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _read(kind, value, where: str, file: str):
    def fail():
        raise ResultError(f"'{file}': field '{where}': expected {_describe(kind)}, found {_found(value)}")

    origin = typing.get_origin(kind)
    if kind is Any:
        return value
    if kind is type(None):
        if value is not None:
            fail()
        return None
    if origin in (Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None:
            if type(None) in options:
                return None
            fail()
        for option in options:
            if option is type(None):
                continue
            try:
                return _read(option, value, where, file)
            except ResultError:
                continue
        fail()
    if origin is typing.Literal:
        if value not in typing.get_args(kind):
            fail()
        return value
    if origin is list:
        if not isinstance(value, list):
            fail()
        (item,) = typing.get_args(kind)
        return [_read(item, v, f"{where}[{i}]", file) for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            fail()
        _, item = typing.get_args(kind)
        return {k: _read(item, v, f"{where}.{k}", file) for k, v in value.items()}
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            fail()
        return from_json(kind, value, where, file)
    if kind is bool:
        if not isinstance(value, bool):
            fail()
        return value
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            fail()
        return value
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail()
        return float(value)
    if kind is str:
        if not isinstance(value, str):
            fail()
        return value
    raise TypeError(f"no reader for {kind!r}")  # a schema this module does not support: a bug here


def from_json(cls, data: dict, where: str = "", file: str = "results.json"):
    """An instance of the dataclass ``cls`` from ``data``, every field checked (missing optional fields take
    their defaults; unknown keys are ignored, so newer files stay readable).

    Raises:
        ResultError: one line naming ``file``, the dotted field path and what was expected.
    """
    if not isinstance(data, dict):
        raise ResultError(f"'{file}': field '{where or '(top level)'}': expected an object, found {_found(data)}")
    hints = typing.get_type_hints(cls)
    values = {}
    for field in dataclasses.fields(cls):
        name = json_name(field)
        path = f"{where}.{name}" if where else name
        if name not in data and field.name != "undefined":
            if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise ResultError(f"'{file}': missing field '{path}'")
            continue
        if field.name == "undefined":
            values["undefined"] = _read(dict[str, str], data.get("undefined", {}), path, file)
            continue
        values[field.name] = _read(hints[field.name], data[name], path, file)
    return cls(**values)
