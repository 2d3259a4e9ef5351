"""Scores to events: the model's per-step scores, their peaks, and the hits, misses and
false accepts at every threshold of a grid (:mod:`dl_pipelines.audio.events`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from dl_pipelines.audio import events
from dl_pipelines.pipelines.trigger_word.params import TriggerWordParams


def predict_scores(model: Any, x: np.ndarray, batch_size: int = 16) -> np.ndarray:
    """Per-step scores (n, Ty) of spectrograms ``x`` (n, Tx, freqs)."""
    from dl_pipelines.nn.keras_data import ArrayBatches

    if len(x) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    out = model.predict(ArrayBatches(x, None, batch_size), verbose=0)
    return np.asarray(out, dtype=np.float32)[..., 0]


def tolerance_steps(p: TriggerWordParams) -> tuple[int, int]:
    """``evaluation.tolerance_s`` in output steps: how early and how late a detection may
    be and still hit a keyword's end."""
    e = p.evaluation
    return (
        int(np.floor(e.tolerance_s[0] / p.seconds_per_step)),
        int(np.ceil(e.tolerance_s[1] / p.seconds_per_step)),
    )


def event_counts(
    scores: np.ndarray, data: dict[str, np.ndarray], p: TriggerWordParams, thresholds: np.ndarray
) -> tuple[dict, dict, tuple[list, list, list]]:
    """Sweep counts on the keyword examples and on the keyword-free ones, and each
    example's peaks (steps, scores) and keyword end steps."""
    e = p.evaluation
    refractory = max(1, int(round(e.refractory_s / p.seconds_per_step)))
    tolerance = tolerance_steps(p)
    steps, values, ends = [], [], []
    for track, clip_ends in zip(events.hold(scores, p.hold_steps), data["ends"], strict=True):
        found = events.peaks(track, refractory)
        steps.append(found)
        values.append(track[found])
        ends.append(
            np.asarray(
                [int(v) * p.output_steps // p.audio.n_samples for v in clip_ends if v >= 0],
                dtype=np.int64,
            )
        )
    keyword = ~data["free"]
    pick = lambda mask, items: [items[i] for i in np.flatnonzero(mask)]  # noqa: E731
    with_kw = events.sweep(
        pick(keyword, values), pick(keyword, steps), pick(keyword, ends), thresholds, tolerance
    )
    without = events.sweep(
        pick(~keyword, values), pick(~keyword, steps), pick(~keyword, ends), thresholds, tolerance
    )
    return with_kw, without, (steps, values, ends)
