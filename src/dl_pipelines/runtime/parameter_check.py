"""Every parameter a run will use, validated before its first node runs.

Each pipeline parses its parameters at its edge, in the node that uses them
(``parse(TrainingParams, params, "day_night.training")``, ``parse_params(params)``) or
through a typed argument (``seed: int``, ``min_test_accuracy: float``). Run one node at a
time, that finds a bad value only when its node is reached: after training has run and
overwritten the model. :func:`check_pipeline_parameters` does the same parsing for every
node of the run up front, reading from the node functions themselves what each one does
with its ``params:`` inputs, so that no list of sections is kept beside the pipelines:

* an argument annotated with a dataclass, or a scalar, list or tuple type, is converted as
  :func:`dl_pipelines.runtime.config.parse` converts a field;
* an argument annotated ``dict``/``Any`` is given to the parsers the function body calls
  with it: ``parse(SomeParams, argument, "section")`` and ``parse_…``/``load_config``
  functions of the project (``parse_params(params)``).

Nothing here runs a node; the parsers are pure.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import logging
import textwrap
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from dl_pipelines.runtime import config
from dl_pipelines.runtime.config import ParameterError

logger = logging.getLogger(__name__)

_SCALARS = (int, float, str, bool)


def check_pipeline_parameters(
    pipeline: Any, params: Mapping[str, Any], runtime_params: Mapping[str, Any] | None = None
) -> int:
    """Parse every ``params:`` input of every node of ``pipeline``.

    Args:
        pipeline: A Kedro ``Pipeline``.
        params: The run's parameters (``context.params``: files and ``--params`` merged).
        runtime_params: The ``--params`` of the run, named in the error when the bad
            value came from there.

    Returns:
        How many (node input, parser) checks ran.

    Raises:
        ParameterError: for the first bad value, naming the key, the file and, when it
            was given on the command line, the ``--params`` override.
    """
    runtime = _flatten(runtime_params or {})
    done: set[tuple[str, str]] = set()
    for node in pipeline.nodes:
        for key, label, check in _node_checks(node):
            if (key, label) in done:
                continue
            done.add((key, label))
            try:
                value = _lookup(params, key)
            except KeyError:
                continue  # Kedro itself reports a missing params: dataset
            try:
                check(value)
            except ParameterError as error:
                raise ParameterError(str(error) + _override_note(key, runtime)) from None
            except (TypeError, ValueError) as error:  # a parser's own check
                raise ParameterError(
                    f"Parameter '{key}' (used by node '{node.name}'): {error}. Fix it in "
                    f"{config.parameter_file(key)} (or your environment's override)."
                    + _override_note(key, runtime)
                ) from None
    return len(done)


# ------------------------------------------------------------------------------ per node
def _node_checks(node: Any) -> Iterator[tuple[str, str, Callable[[Any], Any]]]:
    """``(params key, label, check)`` for each ``params:`` input of ``node`` it can check."""
    func, bound = _function_and_arguments(node)
    if func is None:
        return
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # noqa: BLE001 - an annotation that does not resolve: no hints
        hints = {}
    calls = None
    for argument, dataset in bound:
        if not dataset.startswith("params:"):
            continue
        key = dataset.removeprefix("params:")
        hint = hints.get(argument, Any)
        if _convertible(hint):
            yield key, f"type {hint}", functools.partial(_convert, hint, key=key)
            continue
        if calls is None:
            calls = _parser_calls(func)
        for label, parser in calls.get(argument, ()):
            yield key, label, parser(key)


def _function_and_arguments(node: Any) -> tuple[Callable | None, list[tuple[str, str]]]:
    """The node's function and ``(argument name, dataset name)`` pairs."""
    func = inspect.unwrap(node.func)
    skip = 0
    while isinstance(func, functools.partial):
        skip += len(func.args)
        func = inspect.unwrap(func.func)
    if not inspect.isfunction(func):
        return None, []
    names = list(inspect.signature(func).parameters)[skip:]
    inputs = node._inputs  # the node's declaration: str, list or {argument: dataset}
    if inputs is None:
        return func, []
    if isinstance(inputs, str):
        inputs = [inputs]
    if isinstance(inputs, dict):
        return func, [(arg, ds) for arg, ds in inputs.items() if isinstance(ds, str)]
    return func, list(zip(names, inputs, strict=False))


def _convertible(hint: Any) -> bool:
    """Whether ``config``'s field conversion checks ``hint`` fully on its own."""
    if dataclasses.is_dataclass(hint) or hint in _SCALARS:
        return True
    origin = typing.get_origin(hint)
    args = [a for a in typing.get_args(hint) if a is not type(None) and a is not Ellipsis]
    if origin in (tuple, list, typing.Union, types.UnionType):
        return bool(args) and all(_convertible(a) for a in args)
    return False


def _convert(hint: Any, value: Any, key: str) -> Any:
    if dataclasses.is_dataclass(hint):
        return config.parse(hint, value, key)
    return config._convert(hint, value, key)


def _parser_calls(func: Callable) -> dict[str, list[tuple[str, Callable[[str], Callable]]]]:
    """Per argument of ``func``: ``(label, check factory)`` of each parser its body calls
    with that argument."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return {}
    found: dict[str, list[tuple[str, Callable[[str], Callable]]]] = {}
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call) or not call.args:
            continue
        callee = _resolve(call.func, func.__globals__)
        if callee is config.parse and len(call.args) >= 2 and isinstance(call.args[1], ast.Name):
            cls = _resolve(call.args[0], func.__globals__)
            section = call.args[2] if len(call.args) > 2 else None
            literal = (
                section.value
                if isinstance(section, ast.Constant) and isinstance(section.value, str)
                else None
            )
            if dataclasses.is_dataclass(cls):
                found.setdefault(call.args[1].id, []).append(
                    (
                        f"{cls.__module__}.{cls.__qualname__}",
                        functools.partial(_dataclass_check, cls, literal),
                    )
                )
        elif _is_project_parser(callee) and isinstance(call.args[0], ast.Name):
            found.setdefault(call.args[0].id, []).append(
                (f"{callee.__module__}.{callee.__qualname__}", lambda key, f=callee: f)
            )
    return found


def _dataclass_check(cls: type, section: str | None, key: str) -> Callable[[Any], Any]:
    return functools.partial(config.parse, cls, section=section or key)


def _is_project_parser(obj: Any) -> bool:
    return (
        inspect.isfunction(obj)
        and obj.__module__.startswith("dl_pipelines.")
        and (obj.__name__.startswith("parse") or obj.__name__ == "load_config")
    )


def _resolve(expr: ast.expr, namespace: dict[str, Any]) -> Any:
    """The object a ``Name`` or ``a.b.c`` expression names in ``namespace``, else None."""
    if isinstance(expr, ast.Name):
        return namespace.get(expr.id)
    if isinstance(expr, ast.Attribute):
        base = _resolve(expr.value, namespace)
        return getattr(base, expr.attr, None) if base is not None else None
    return None


# --------------------------------------------------------------------------- messages
def _lookup(params: Mapping[str, Any], key: str) -> Any:
    if key in params:
        return params[key]
    value: Any = params
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise KeyError(key)
        value = value[part]
    return value


def _flatten(params: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, Mapping) and value:
            flat.update(_flatten(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


def _override_note(key: str, runtime: Mapping[str, Any]) -> str:
    """Where ``key`` (or a key in or above it) was given with ``--params``."""
    given = sorted(
        name
        for name in runtime
        if name == key or name.startswith(key + ".") or key.startswith(name + ".")
    )
    if not given:
        return ""
    return (
        " It was given on the command line: --params "
        + ",".join(f"{name}={runtime[name]}" for name in given)
        + "."
    )
