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
import io
import numbers
from collections.abc import Mapping
from typing import Any

from kedro.pipeline import Node

from dl_pipelines.tracking.report_tables import anchor, escape, tables_html

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
        section = f'<section id="{anchor(name)}">'
        if _is_audio(value):
            audio.append(f"{section}{''.join(_clips(name, value, budget))}</section>")
        elif _is_figures(value):
            figures.append(f"{section}{''.join(_figures(name, value))}</section>")
        else:
            tables.append(f"{section}<h3>{escape(name)}</h3>{tables_html(name, value)}</section>")
    nav = " ".join(f'<a href="#{anchor(n)}">{escape(n)}</a>' for n in sections)
    body = [f"<h1>{escape(title)}</h1>", f"<nav>{nav}</nav>"]
    if tables:
        body += ["<h2>Metrics and reports</h2>", *tables]
    if figures:
        body += ["<h2>Figures</h2>", *figures]
    if audio:
        body += ["<h2>Audio</h2>", *audio]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
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
        f'<figure><img alt="{escape(caption)}" '
        f'src="data:image/png;base64,{data}"><figcaption>{escape(caption)}</figcaption></figure>'
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
            f"</audio><figcaption>{escape(caption)}{escape(_duration(wav))}</figcaption></figure>"
        )
    if left_out:
        parts.append(
            f'<p class="more">Not embedded (the page holds at most '
            f"{MAX_AUDIO_BYTES / 2**20:.0f} MiB of audio): {escape(', '.join(left_out))}</p>"
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
