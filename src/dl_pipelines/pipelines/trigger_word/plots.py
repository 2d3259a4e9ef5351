"""Figures of the trigger_word pipelines (built without pyplot)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure


def _spectrogram_panel(ax, x: np.ndarray, seconds: float) -> None:
    step = max(1, len(x) // 2000)  # at most ~2000 columns drawn
    ax.imshow(
        x[::step].T,
        origin="lower",
        aspect="auto",
        cmap="magma",
        extent=(0, seconds, 0, x.shape[1]),
        interpolation="nearest",
    )
    ax.set_ylabel("frequency bin")


def examples_figure(examples: list[tuple[str, np.ndarray, np.ndarray]], seconds: float) -> Figure:
    """For each example: its spectrogram above its label track."""
    fig = Figure(figsize=(10, 3.2 * max(1, len(examples))), layout="constrained")
    axes = fig.subplots(
        2 * max(1, len(examples)), 1, squeeze=False, height_ratios=[3, 1] * max(1, len(examples))
    )[:, 0]
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
        ax.plot(
            max(fa[chosen], 1e-2),
            frr[chosen],
            "o",
            ms=8,
            mfc="none",
            label=f"{split} at threshold {det['thresholds'][chosen]:.4g}",
        )
    # Each voice family's FRR against its split's FA/h (keyword-free audio is shared).
    trained = set(det.get("trained_families", ()))
    for split, style in (("val", "--"), ("test", "-")):
        fa = np.maximum(np.asarray(det[f"{split}_fa_per_hour"]), 1e-2)
        for name, frr in det.get(f"{split}_frr_by_family", {}).items():
            kind = "trained" if name in trained else "held-out engine"
            ax.plot(fa, frr, style, lw=0.9, alpha=0.7, label=f"{split} {name} ({kind})")
    ax.set_xscale("log")
    ax.set_xlabel("false accepts per hour (0 drawn at 0.01)")
    ax.set_ylabel("false-reject rate")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    ax.set_title("DET curve over thresholds, all voices and by family")
    return fig


def detection_figure(
    name: str,
    x: np.ndarray,
    scores: np.ndarray,
    threshold: float,
    detections_s: list[float],
    seconds_per_step: float,
    seconds: float,
) -> Figure:
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


def breakdown_figure(breakdown: dict[str, Any]) -> Figure:
    """Where the detector misses: the test FRR at the chosen threshold by background ×
    SNR band (each cell annotated with its number of keywords) and by voice, each voice
    with the median of its keywords' best peaks (a voice missed with peaks near the
    threshold is heard but scored under it; with peaks near 0, it is not heard)."""
    backgrounds = sorted(breakdown["by_background"])
    bands = list(breakdown["by_snr"])  # in band order
    cell = breakdown["by_background_and_snr"]
    frr = np.full((len(backgrounds), len(bands) + 1), np.nan)
    count = np.zeros_like(frr, dtype=int)
    for i, background in enumerate(backgrounds):
        for j, band in enumerate(bands):
            if band in cell.get(background, {}):
                frr[i, j] = cell[background][band]["frr"]
                count[i, j] = cell[background][band]["keywords"]
        frr[i, -1] = breakdown["by_background"][background]["frr"]
        count[i, -1] = breakdown["by_background"][background]["keywords"]
    voices = sorted(breakdown["by_voice"], key=lambda v: -breakdown["by_voice"][v]["frr"])
    fig = Figure(figsize=(11, 0.45 * max(len(backgrounds), 6) + 2.5), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    image = left.imshow(frr, cmap="Reds", vmin=0, vmax=1, aspect="auto")
    for (i, j), value in np.ndenumerate(frr):
        if count[i, j]:
            left.text(
                j,
                i,
                f"{value:.2f}\n({count[i, j]})",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if value > 0.6 else "black",
            )
    left.set_xticks(range(len(bands) + 1), [*bands, "all"])
    left.set_yticks(range(len(backgrounds)), backgrounds)
    left.set_xlabel("keyword SNR over the background")
    left.set_title(f"test FRR at threshold {breakdown['threshold']:.4g} (keywords)")
    fig.colorbar(image, ax=left, label="false-reject rate", shrink=0.8)
    shown = voices[:30]
    by_voice = breakdown["by_voice"]
    right.barh(range(len(shown)), [by_voice[v]["frr"] for v in shown], color="tab:red")
    right.set_yticks(
        range(len(shown)), [f"{v} ({by_voice[v]['keywords']})" for v in shown], fontsize=8
    )
    for i, v in enumerate(shown):
        if "median_peak" in by_voice[v]:
            peak = by_voice[v]["median_peak"]
            right.text(
                1.02, i, f"{peak:.3f}", va="center", fontsize=7,
                color="tab:red" if peak < 0.5 else "black",
            )  # fmt: skip
    right.invert_yaxis()
    right.set_xlim(0, 1)
    right.set_xlabel("false-reject rate (at right: its keywords' median peak)")
    right.set_title("by voice / speaker" + (f" (worst {len(shown)})" if len(voices) > 30 else ""))
    return fig
