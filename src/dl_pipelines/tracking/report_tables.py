"""HTML tables of a report page's reports (:mod:`.report_page`): a dict as key/value rows
(nested dicts as their own tables, similar dicts side by side), a list of dicts or a
pandas DataFrame as a grid; long tables and lists are cut with a note of what is left.
"""

from __future__ import annotations

import html
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

#: Rows of a table shown before "… n more rows".
MAX_ROWS = 50
#: Items of an inline list shown before "… (n items)".
MAX_INLINE = 12
#: Columns of a table of similar dicts; wider ones are listed key by key.
MAX_COLUMNS = 16


def tables_html(name: str, value: Any) -> str:
    """Section ``name``'s ``value`` (a dict, a list or a pandas DataFrame) as one or more
    HTML tables."""
    import pandas as pd  # here: the kedro CLI imports this module to list the pipelines

    if isinstance(value, pd.DataFrame):
        return _grid(list(map(str, value.columns)), value.to_numpy().tolist())
    if isinstance(value, Mapping):
        rows: list[tuple[str, Any]] = []
        subtables: list[tuple[str, str]] = []
        _flatten("", value, rows, subtables)
        parts = [_grid(["key", "value"], rows)] if rows else []
        parts += [
            f"<h4>{escape(title)}</h4>{table}" if title else table for title, table in subtables
        ]
        return "".join(parts) or "<p>(empty)</p>"
    if isinstance(value, list | tuple):
        return _list_table(value) or _grid(["value"], [[_inline(value)]])
    raise TypeError(
        f"report_page: section '{name}' is a {type(value).__name__}; expected PNG or WAV "
        "bytes (or a dict/list of them), a dict, a list or a pandas DataFrame."
    )


def _flatten(
    prefix: str, value: Mapping, rows: list[tuple[str, Any]], subtables: list[tuple[str, str]]
) -> None:
    """Scalars of nested dicts as ``(a.b, value)`` rows; similar dicts side by side (a
    split report's train, val, test), lists of dicts, lists of rows and series
    (equal-length lists) as tables of their own."""
    title = prefix.rstrip(".")
    siblings = {key: item for key, item in value.items() if isinstance(item, Mapping)}
    records = _records_table(siblings)
    series, in_series = _series_table(value)
    for key, item in value.items():
        if key in in_series or (records and key in siblings):
            continue
        path = f"{prefix}{key}"
        if isinstance(item, Mapping):
            _flatten(f"{path}.", item, rows, subtables)
        elif isinstance(item, list | tuple) and (table := _list_table(item)):
            subtables.append((path, table))
        else:
            rows.append((path, _inline(item)))
    if records:
        subtables.append((title, records))
    if series:
        subtables.append((title, series))


def _records_table(value: Mapping) -> str | None:
    """``{row: {column: scalar}}``, two rows or more sharing most columns, as one table;
    nested dicts become ``a.b`` columns."""
    if len(value) < 2 or not all(isinstance(v, Mapping) and v for v in value.values()):
        return None
    flat = {key: _flat_row(v) for key, v in value.items()}
    if any(row is None for row in flat.values()):
        return None
    columns = list(dict.fromkeys(c for row in flat.values() for c in row))
    shared = set.intersection(*(set(row) for row in flat.values()))
    if len(columns) > MAX_COLUMNS or 2 * len(shared) < len(columns):
        return None  # not alike: {"metrics": {...}, "history": {...}} stays two tables
    rows = [[key, *(_inline(row.get(c)) for c in columns)] for key, row in flat.items()]
    return _grid(["", *columns], rows)


def _flat_row(value: Mapping, prefix: str = "") -> dict[str, Any] | None:
    """``{"a": {"b": 1}}`` as ``{"a.b": 1}``; None if a value is not a scalar, a list of
    scalars or a dict of them."""
    row: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, Mapping):
            nested = _flat_row(item, f"{prefix}{key}.")
            if nested is None:
                return None
            row.update(nested)
        elif _is_scalar(item) or _is_flat(item):
            row[f"{prefix}{key}"] = item
        else:
            return None
    return row


def _series_table(value: Mapping) -> tuple[str | None, set[str]]:
    """Three or more lists of scalars of one length (``step``, ``loss``, … of a training
    history) as the columns of one table, and their keys."""
    by_length: dict[int, list[str]] = {}
    for key, item in value.items():
        if _is_flat(item) and len(item) > 1:
            by_length.setdefault(len(item), []).append(key)
    keys = max(by_length.values(), key=len, default=[])
    if len(keys) < 3:
        return None, set()
    rows = [list(row) for row in zip(*(value[key] for key in keys), strict=True)]
    return _grid(list(map(str, keys)), rows), set(keys)


def _list_table(value: Sequence) -> str | None:
    """A list of dicts (records) or of equal-length rows (a matrix) as a table."""
    if value and all(isinstance(v, Mapping) for v in value):
        columns = list(dict.fromkeys(c for v in value for c in v))
        rows = [[_inline(v.get(c)) for c in columns] for v in value]
        return _grid(list(map(str, columns)), rows)
    if (
        value
        and all(isinstance(v, list | tuple) and all(_is_scalar(x) for x in v) for v in value)
        and len({len(v) for v in value}) == 1
    ):
        return _grid([str(i) for i in range(len(value[0]))], [list(v) for v in value])
    return None


def _grid(columns: list[str], rows: list[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = []
    for row in rows[:MAX_ROWS]:
        cells = "".join(
            f'<td class="n">{escape(_cell(v))}</td>'
            if _is_number(v)
            else f"<td>{escape(_cell(v))}</td>"
            for v in row
        )
        body.append(f"<tr>{cells}</tr>")
    more = len(rows) - MAX_ROWS
    tail = f'<p class="more">… {more} more rows</p>' if more > 0 else ""
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f'<div class="table">{table}</div>{tail}'


def _inline(value: Any) -> Any:
    """A scalar as it is; a short list as ``a, b, c``; anything else as its text."""
    if _is_scalar(value):
        return value
    if isinstance(value, list | tuple):
        shown = ", ".join(str(_cell(v)) for v in value[:MAX_INLINE])
        more = f", … ({len(value)} items)" if len(value) > MAX_INLINE else ""
        return f"[{shown}{more}]"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    return str(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        v = float(value)
        return str(v) if math.isnan(v) or math.isinf(v) else f"{v:.4g}"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | numbers.Number)


def _is_flat(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(_is_scalar(x) for x in value)


def escape(text: Any) -> str:
    """``text`` as HTML text or attribute value."""
    return html.escape(str(text), quote=True)


def anchor(text: str) -> str:
    """``text`` as an HTML id."""
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)
