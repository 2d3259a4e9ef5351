"""Figures of the trigger_word pipelines (built without pyplot)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure


def _spectrogram_panel(ax, x: np.ndarray, seconds: float) -> None:
    step = max(1, len(x) // 2000)  # at most ~2000 columns drawn
    ax.imshow(x[::step].T, origin="lower", aspect="auto", cmap="magma",
              extent=(0, seconds, 0, x.shape[1]), interpolation="nearest")
    ax.set_ylabel("frequency bin")


def examples_figure(examples: list[tuple[str, np.ndarray, np.ndarray]],
                    seconds: float) -> Figure:
    """For each example: its spectrogram above its label track."""
    fig = Figure(figsize=(10, 3.2 * max(1, len(examples))), layout="constrained")
    axes = fig.subplots(2 * max(1, len(examples)), 1, squeeze=False,
                        height_ratios=[3, 1] * max(1, len(examples)))[:, 0]
    for i, (title, x, y) in enumerate(examples):
        _spectrogram_panel(axes[2 * i], x, seconds)
        axes[2 * i].set_title(title)
        t = np.arange(len(y)) * seconds / len(y)
        axes[2 * i + 1].fill_between(t, y, step="post", color="tab:green")
        axes[2 * i + 1].set_xlim(0, seconds)
        axes[2 * i + 1].set_ylim(-0.05, 1.05)
        axes[2 * i + 1].set_ylabel("label")
        axes[2 * i + 1].set_xlabel("time (s)")
    return fig


def det_figure(det: dict[str, Any]) -> Figure:
    """False-reject rate against false accepts per hour, one curve per split."""
    fig = Figure(figsize=(6, 4.5), layout="constrained")
    ax = fig.subplots()
    chosen = det["chosen"]
    for split, style in (("val", "--"), ("test", "-")):
        fa = np.asarray(det[f"{split}_fa_per_hour"])
        frr = np.asarray(det[f"{split}_frr"])
        ax.plot(np.maximum(fa, 1e-2), frr, style, marker=".", ms=3, label=split)
        ax.plot(max(fa[chosen], 1e-2), frr[chosen], "o", ms=8, mfc="none",
                label=f"{split} at threshold {det['thresholds'][chosen]:.4g}")
    ax.set_xscale("log")
    ax.set_xlabel("false accepts per hour (0 drawn at 0.01)")
    ax.set_ylabel("false-reject rate")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    ax.set_title("DET curve over thresholds")
    return fig


def detection_figure(name: str, x: np.ndarray, scores: np.ndarray, threshold: float,
                     detections_s: list[float], seconds_per_step: float,
                     seconds: float) -> Figure:
    """Spectrogram, score track with the threshold, and the detections of one file."""
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[2, 1])
    _spectrogram_panel(top, x, seconds)
    top.set_title(f"{name}: {len(detections_s)} detection(s)")
    t = np.arange(len(scores)) * seconds_per_step
    bottom.plot(t, scores, lw=1, label="score")
    bottom.axhline(threshold, color="tab:red", ls="--", lw=1, label=f"threshold {threshold:.4g}")
    for d in detections_s:
        top.axvline(d, color="cyan", lw=1.5)
        bottom.axvline(d, color="tab:green", lw=1.5)
    bottom.set_ylim(-0.05, 1.05)
    bottom.set_xlabel("time (s)")
    bottom.set_ylabel("score")
    bottom.legend(loc="upper right")
    return fig
