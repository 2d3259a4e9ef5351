"""One self-contained HTML page per application: its headline tables, every figure and
its audio examples.

Each training application ends in one ``report_page_node`` that reads the reports and
figures nobody else reads and writes ``<app>_report_page``
(``data/08_reporting/<app>/report.html``, also an artifact of the application's MLflow
run). Besides giving a user one page to open, this keeps kedro-viz readable: the
outputs of a modular pipeline that no node reads are drawn outside its box, so an
application whose reports all end in its page collapses to one box.

:func:`report_page` is pure (data in, HTML out); :func:`report_page_node` wires it::

    report_page_node("day_night", "Day or night", "day_night_split_report", ...)
"""

from __future__ import annotations

import base64
import html
import io
import math
import numbers
from collections.abc import Mapping, Sequence
from typing import Any

from kedro.pipeline import Node

#: Rows of a table shown before "… n more rows".
MAX_ROWS = 50
#: Items of an inline list shown before "… (n items)".
MAX_INLINE = 12
#: Columns of a table of similar dicts; wider ones are listed key by key.
MAX_COLUMNS = 16
#: WAV bytes one page embeds in all (about 4/3 of that in base64); the clips beyond are
#: named, not embedded. trigger_word's three 10 s examples at 44.1 kHz are 2.6 MB.
MAX_AUDIO_BYTES = 4 * 2**20

_PNG = b"\x89PNG\r\n\x1a\n"

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { border-bottom: 2px solid #444; padding-bottom: .2em; }
h2 { margin-top: 2em; } h3 { margin-bottom: .3em; }
table { border-collapse: collapse; margin: .5em 0 1.5em; font-size: 90%; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1em 0 2em; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-family: monospace; color: #555; margin-top: .3em; }
figure audio { width: 100%; max-width: 40em; display: block; }
nav a { margin-right: 1em; } p.more { color: #777; font-style: italic; }
div.table { overflow-x: auto; }
"""


def report_page(title: str, **sections: Any) -> str:
    """An HTML page of ``sections``, each under its name (the dataset's name).

    Tables come first, then figures, then audio, each group in the order of
    ``sections``.

    Args:
        title: The page's title.
        **sections: ``{name: value}``. Figures: PNG ``bytes``, or a dict/list of them (a
            ``FigureDataset`` holding several figures). Audio: WAV ``bytes`` or
            ``(samples, sample rate)`` (float samples in [-1, 1]), or a dict/list of
            them (an ``AudioFolderDataset``), each clip a player; past
            :data:`MAX_AUDIO_BYTES` of WAV in all, clips are named, not embedded.
            Tables: a pandas ``DataFrame``; a dict (nested dicts flattened to ``a.b``
            keys; a dict of similar dicts, a list of dicts and a list of rows become
            tables of their own); a list.

    Returns:
        A self-contained HTML document (figures embedded as base64 PNG, audio as
        base64 WAV).

    Raises:
        TypeError: A section of another type, or bytes that are neither PNG nor WAV.
    """
    tables, figures, audio = [], [], []
    budget = [MAX_AUDIO_BYTES]  # WAV bytes the page may still embed
    for name, value in sections.items():
        section = f'<section id="{_id(name)}">'
        if _is_audio(value):
            audio.append(f"{section}{''.join(_clips(name, value, budget))}</section>")
        elif _is_figures(value):
            figures.append(f"{section}{''.join(_figures(name, value))}</section>")
        else:
            tables.append(f"{section}<h3>{_e(name)}</h3>{_tables(name, value)}</section>")
    nav = " ".join(f'<a href="#{_id(n)}">{_e(n)}</a>' for n in sections)
    body = [f"<h1>{_e(title)}</h1>", f"<nav>{nav}</nav>"]
    if tables:
        body += ["<h2>Metrics and reports</h2>", *tables]
    if figures:
        body += ["<h2>Figures</h2>", *figures]
    if audio:
        body += ["<h2>Audio</h2>", *audio]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def report_page_node(app: str, title: str, *datasets: str) -> Node:
    """The node that writes ``<app>_report_page`` from ``datasets`` (in this order).

    Add it to the application's pipeline (inside its namespace) with the reports and
    figures that no other node reads; each dataset's name is its section's caption.
    """

    def build_report_page(**sections: Any) -> str:
        return report_page(title, **sections)

    return Node(
        func=build_report_page,
        inputs={dataset: dataset for dataset in datasets},
        outputs=f"{app}_report_page",
        name="report_page_node",
    )


# ----------------------------------------------------------------------------- figures
def _is_figures(value: Any) -> bool:
    if isinstance(value, bytes | bytearray):
        return True
    items = list(value.values()) if isinstance(value, Mapping) else value
    return (
        isinstance(items, list | tuple)
        and len(items) > 0
        and all(isinstance(item, bytes | bytearray) for item in items)
    )


def _figures(name: str, value: Any) -> list[str]:
    if isinstance(value, bytes | bytearray):
        return [_figure(name, value)]
    items = value.items() if isinstance(value, Mapping) else enumerate(value)
    return [_figure(f"{name} / {key}", png) for key, png in items]


def _figure(caption: str, png: bytes) -> str:
    if bytes(png[:8]) != _PNG:
        raise TypeError(f"report_page: '{caption}' is bytes but not a PNG image (nor a WAV).")
    data = base64.b64encode(bytes(png)).decode("ascii")
    return (
        f'<figure><img alt="{_e(caption)}" '
        f'src="data:image/png;base64,{data}"><figcaption>{_e(caption)}</figcaption></figure>'
    )


# ------------------------------------------------------------------------------- audio
def _is_clip(value: Any) -> bool:
    """WAV bytes, or ``(samples, sample rate)`` as an ``AudioFolderDataset`` loads."""
    if isinstance(value, bytes | bytearray):
        return bytes(value[:4]) == b"RIFF" and bytes(value[8:12]) == b"WAVE"
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and hasattr(value[0], "ndim")
        and isinstance(value[1], numbers.Integral)
    )


def _is_audio(value: Any) -> bool:
    if _is_clip(value):
        return True
    items = list(value.values()) if isinstance(value, Mapping) else value
    return isinstance(items, list) and len(items) > 0 and all(_is_clip(item) for item in items)


def _clips(name: str, value: Any, budget: list[int]) -> list[str]:
    if _is_clip(value):
        items: Any = [(name, value)]
    else:
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        items = [(f"{name} / {key}", clip) for key, clip in items]
    parts, left_out = [], []
    for caption, clip in items:
        wav = _wav(clip)
        if len(wav) > budget[0]:
            left_out.append(caption)
            continue
        budget[0] -= len(wav)
        data = base64.b64encode(wav).decode("ascii")
        parts.append(
            f'<figure><audio controls preload="metadata" src="data:audio/wav;base64,{data}">'
            f"</audio><figcaption>{_e(caption)}{_e(_duration(wav))}</figcaption></figure>"
        )
    if left_out:
        parts.append(
            f'<p class="more">Not embedded (the page holds at most '
            f"{MAX_AUDIO_BYTES / 2**20:.0f} MiB of audio): {_e(', '.join(left_out))}</p>"
        )
    return parts


def _wav(clip: Any) -> bytes:
    if isinstance(clip, bytes | bytearray):
        return bytes(clip)
    from dl_pipelines.audio.io import wav_bytes

    samples, rate = clip
    return wav_bytes(samples, int(rate))


def _duration(wav: bytes) -> str:
    """`` · 3.0 s, 16000 Hz`` from the WAV header; empty if the stdlib cannot read it."""
    import wave

    try:
        with wave.open(io.BytesIO(wav)) as file:
            rate = file.getframerate()
            return f" · {file.getnframes() / rate:.1f} s, {rate} Hz"
    except (wave.Error, EOFError, ZeroDivisionError):
        return ""


# ------------------------------------------------------------------------------ tables
def _tables(name: str, value: Any) -> str:
    """``value`` as one or more HTML tables."""
    import pandas as pd  # here: the kedro CLI imports this module to list the pipelines

    if isinstance(value, pd.DataFrame):
        return _grid(list(map(str, value.columns)), value.to_numpy().tolist())
    if isinstance(value, Mapping):
        rows: list[tuple[str, Any]] = []
        subtables: list[tuple[str, str]] = []
        _flatten("", value, rows, subtables)
        parts = [_grid(["key", "value"], rows)] if rows else []
        parts += [f"<h4>{_e(title)}</h4>{table}" if title else table for title, table in subtables]
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
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = []
    for row in rows[:MAX_ROWS]:
        cells = "".join(
            f'<td class="n">{_e(_cell(v))}</td>' if _is_number(v) else f"<td>{_e(_cell(v))}</td>"
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


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _id(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)
