"""Trade-offs of the formats on this CPU: size, load time, latency, throughput.

Same process, same inputs, one format after the other; the table and the chart put a
server's formats beside the on-device ones.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from dl_pipelines.pipelines.shipping import exports, runtimes

logger = logging.getLogger(__name__)

#: The figures measured per format (MLflow metrics ``<figure>_<format>``).
FIGURES = ("size_mb", "load_s", "latency_p50_ms", "latency_p95_ms", "throughput_per_s")


def measure(
    shipped: dict[str, bytes], formats: list[str], x: np.ndarray, timing: dict[str, Any]
) -> list[dict[str, Any]]:
    """One row of :data:`FIGURES` per format: the Keras model first, then ``formats``.

    Latency is of one input (``timing.repeats`` calls after ``timing.warmup`` untimed
    ones); throughput is over the whole batch ``x``.
    """
    sizes = exports.file_sizes(shipped)
    rows = []
    for fmt in ["keras", *formats]:
        start = time.perf_counter()
        predict = runtimes.load(fmt, shipped)
        load_s = time.perf_counter() - start
        latency = _latencies_ms(predict, x[:1], int(timing["warmup"]), int(timing["repeats"]))
        start = time.perf_counter()
        predict(x)
        throughput = len(x) / (time.perf_counter() - start)
        rows.append(
            {
                "format": fmt,
                "size_mb": sizes[fmt] / 1e6,
                "load_s": load_s,
                "latency_p50_ms": float(np.percentile(latency, 50)),
                "latency_p95_ms": float(np.percentile(latency, 95)),
                "throughput_per_s": throughput,
            }
        )
        logger.info(
            "%s: %.2f MB, load %.2f s, p50 %.1f ms, p95 %.1f ms, %.1f inputs/s",
            fmt,
            rows[-1]["size_mb"],
            load_s,
            rows[-1]["latency_p50_ms"],
            rows[-1]["latency_p95_ms"],
            throughput,
        )
    return rows


def _latencies_ms(
    predict: runtimes.Predict, one: np.ndarray, warmup: int, repeats: int
) -> np.ndarray:
    for _ in range(warmup):
        predict(one)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        predict(one)
        times.append((time.perf_counter() - start) * 1000.0)
    return np.asarray(times)


def metrics(rows: list[dict[str, Any]]) -> dict[str, float]:
    """``<figure>_<format>`` for every figure of every row."""
    return {f"{key}_{row['format']}": row[key] for row in rows for key in FIGURES}


def markdown(config: dict[str, Any], rows: list[dict[str, Any]], n: int) -> str:
    """The table of the rows, under the model's name and version."""
    lines = [
        f"# Shipping `{config['model']}` version {config['version']}",
        "",
        f"Input {tuple(config['input']['shape'][1:])}; this machine's CPU, one process; "
        f"latency of one input (p50/p95), throughput over {n} test inputs.",
        "",
        "| format | size (MB) | load (s) | p50 latency (ms) | p95 latency (ms) | "
        "throughput (inputs/s) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['format']} | {row['size_mb']:.3f} | {row['load_s']:.2f} | "
            f"{row['latency_p50_ms']:.2f} | {row['latency_p95_ms']:.2f} | "
            f"{row['throughput_per_s']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def chart(config: dict[str, Any], rows: list[dict[str, Any]]) -> Figure:
    """Size and p50 latency per format, side by side."""
    figure = Figure(figsize=(10, 4), layout="constrained")
    names = [row["format"] for row in rows]
    for ax, key, label in zip(
        figure.subplots(1, 2),
        ("size_mb", "latency_p50_ms"),
        ("size (MB)", "p50 latency of one input (ms)"),
        strict=True,
    ):
        values = [row[key] for row in rows]
        bars = ax.barh(names, values, color="tab:blue")
        ax.bar_label(bars, fmt="%.2f", padding=2)
        ax.invert_yaxis()
        ax.set_xlabel(label)
        ax.margins(x=0.2)
    figure.suptitle(f"{config['model']} v{config['version']}: server formats vs on-device")
    return figure
