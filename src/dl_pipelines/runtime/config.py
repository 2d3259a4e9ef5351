"""Typed parameters: each pipeline validates its YAML section once, at its edge.

Kedro hands parameters to nodes as plain dicts; a typo or a missing key would
otherwise surface deep inside a node as a ``KeyError``. A pipeline declares its
parameters as frozen dataclasses and calls :func:`parse` on the dict, which fails
with a message naming the YAML key and the file to fix.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")


class ParameterError(ValueError):
    """A parameter is missing, unknown, of the wrong type or out of range."""


def parse(cls: type[T], raw: Any, section: str) -> T:
    """Build the dataclass ``cls`` from the parameter mapping found at ``section``.

    Nested dataclass fields are parsed recursively; ``int`` is accepted where
    ``float`` is asked for; lists are accepted for tuples.

    Args:
        cls: A dataclass describing the section.
        raw: The mapping from the parameters YAML.
        section: Dotted YAML path of ``raw`` (e.g. ``day_night.training``), for errors.

    Raises:
        ParameterError: naming every missing and unknown key, or the first bad value.
    """
    if not isinstance(raw, Mapping):
        raise ParameterError(
            f"Parameter '{section}' must be a mapping, got {raw!r}. {_hint(section)}"
        )
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    missing = [
        name
        for name, f in fields.items()
        if name not in raw
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    unknown = sorted(set(raw) - set(fields))
    if missing or unknown:
        problems = []
        if missing:
            problems.append("missing " + ", ".join(f"'{section}.{m}'" for m in missing))
        if unknown:
            problems.append("unknown " + ", ".join(f"'{section}.{u}'" for u in unknown))
        raise ParameterError(f"Parameters: {'; '.join(problems)}. {_hint(section)}")
    values = {
        name: _convert(hints[name], raw[name], f"{section}.{name}")
        for name in fields
        if name in raw
    }
    try:
        return cls(**values)
    except (TypeError, ValueError) as error:
        raise ParameterError(f"Parameter '{section}': {error}. {_hint(section)}") from error


#: Top-level parameter keys not kept in ``conf/base/parameters_<key>.yml``.
PARAMETER_FILES = {
    "seed": "conf/base/parameters.yml",
    "style_transfer_apply": "conf/base/parameters_style_transfer.yml",
}


def parameter_file(section: str) -> str:
    """The YAML file that defines the parameter ``section`` (a dotted key)."""
    top = section.split(".")[0].split("[")[0].split(" ")[0]
    return PARAMETER_FILES.get(top, f"conf/base/parameters_{top}.yml")


def _hint(section: str) -> str:
    return f"Fix it in {parameter_file(section)} (or your environment's override)."


def _convert(hint: Any, value: Any, key: str) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        return parse(hint, value, key)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(option, value, key)
            except ParameterError:
                continue
        raise ParameterError(f"Parameter '{key}' = {value!r} is not a {hint}. {_hint(key)}")
    if origin in (tuple, list):
        if not isinstance(value, list | tuple):
            raise ParameterError(f"Parameter '{key}' must be a list, got {value!r}. {_hint(key)}")
        args = typing.get_args(hint)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(args) != len(value):
                raise ParameterError(
                    f"Parameter '{key}' must have {len(args)} items, got {value!r}. {_hint(key)}"
                )
            return tuple(
                _convert(a, v, f"{key}[{i}]")
                for i, (a, v) in enumerate(zip(args, value, strict=True))
            )
        item = args[0] if args else Any
        items = [_convert(item, v, f"{key}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict or hint is dict:
        if not isinstance(value, Mapping):
            raise ParameterError(
                f"Parameter '{key}' must be a mapping, got {value!r}. {_hint(key)}"
            )
        return dict(value)
    if hint is Any:
        return value
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint in (int, float) and isinstance(value, bool):
        raise ParameterError(f"Parameter '{key}' must be a number, got {value!r}. {_hint(key)}")
    if isinstance(hint, type) and not isinstance(value, hint):
        raise ParameterError(
            f"Parameter '{key}' must be {hint.__name__}, got {value!r}. {_hint(key)}"
        )
    return value
