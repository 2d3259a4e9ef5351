"""Event-level evaluation: per-step scores → detections → false rejects and false accepts.

A detection is a peak of the score track: a step whose score is the highest within
``refractory`` steps on either side (the first of a plateau), at or above the
threshold. The track may first be *held* (:func:`hold`): each step then scores the
lowest of the last few, so the score must stay up a while to count. Peaks do not
depend on the threshold, so a whole DET curve costs one peak search per clip. A
detection matches a true keyword end when it lies within ``[end + tolerance[0],
end + tolerance[1]]`` steps; each end and each detection is matched at most once.
Unmatched ends are false rejects, unmatched detections false accepts.
"""

from __future__ import annotations

import numpy as np


def threshold_grid(count: int, low: float, high: float) -> np.ndarray:
    """``count`` thresholds from ``low`` to ``high``, evenly spaced in log-odds.

    As fine near 0 and 1 as in the middle: a confident detector's false accepts score
    0.99+, and a linear grid that stops at 0.995 cannot go past them.
    """
    logits = np.linspace(np.log(low / (1 - low)), np.log(high / (1 - high)), count)
    return 1.0 / (1.0 + np.exp(-logits))


def peaks(scores: np.ndarray, refractory: int) -> np.ndarray:
    """Steps of the local maxima of a 1-D score track, at least ``refractory`` apart."""
    scores = np.asarray(scores, dtype=np.float32).reshape(-1)
    if scores.size == 0:
        return np.zeros(0, dtype=np.int64)
    local = running_max(scores, refractory)
    # the first step of a rise (scores are ≥ 0: a flat zero track has no peak)
    rising = np.concatenate([[scores[0] > 0], scores[1:] > scores[:-1]])
    candidates = np.flatnonzero((scores >= local) & rising)
    kept: list[int] = []
    for step in candidates:  # equal maxima closer than refractory: keep the first
        if not kept or step - kept[-1] > refractory:
            kept.append(int(step))
    return np.asarray(kept, dtype=np.int64)


def hold(scores: np.ndarray, steps: int) -> np.ndarray:
    """The lowest score of the last ``steps`` steps (fewer at the start), at every step.

    A keyword keeps the score up for about the ``label_steps`` it was trained on; a near
    miss or a noise burst often spikes for a few steps only. Peaks of the held track are
    steps where the score stayed up for ``steps`` steps, at that level. Causal (a step
    uses earlier steps only), so a stream is held the same way; along the last axis;
    ``steps`` = 1 is the identity.
    """
    if steps < 1:
        raise ValueError(f"hold steps must be >= 1, got {steps}")
    scores = np.asarray(scores, dtype=np.float32)
    held = scores.copy()
    for k in range(1, min(steps, scores.shape[-1])):
        np.minimum(held[..., k:], scores[..., :-k], out=held[..., k:])
    return held


def running_max(values: np.ndarray, radius: int) -> np.ndarray:
    """``max(values[i - radius : i + radius + 1])`` at every ``i`` (nothing beyond the ends).

    Van Herk / Gil-Werman: cut the track, padded with −∞, into blocks of the window's
    length ``2·radius + 1``; a window then spans the tail of one block and the head of
    the next, so its maximum is the larger of a running maximum from the right in the
    first block and one from the left in the second. O(n) whatever the radius, NumPy only.
    """
    if radius < 0:
        raise ValueError(f"radius must be >= 0, got {radius}")
    values = np.asarray(values).reshape(-1)
    size = 2 * radius + 1
    blocks = -(-(len(values) + 2 * radius) // size)
    padded = np.full(blocks * size, -np.inf, dtype=np.result_type(values, np.float32))
    padded[radius : radius + len(values)] = values
    grid = padded.reshape(blocks, size)
    from_left = np.maximum.accumulate(grid, axis=1).reshape(-1)
    from_right = np.maximum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    # window i covers padded[i : i + size]
    return np.maximum(from_right[: len(values)], from_left[size - 1 : size - 1 + len(values)])


def detect(
    scores: np.ndarray, threshold: float, refractory: int, hold_steps: int = 1
) -> np.ndarray:
    """Detections: peaks of the track held for ``hold_steps`` (:func:`hold`) whose held
    score is at least ``threshold``."""
    held = hold(scores, hold_steps)
    found = peaks(held, refractory)
    return found[held[found] >= threshold]


def matched(
    detections: np.ndarray, ends: np.ndarray, tolerance: tuple[int, int]
) -> tuple[np.ndarray, int]:
    """Which keyword ends are detected (bool, in the order of ``ends``), and the
    number of detections left unmatched (false accepts), for one clip.

    Greedy in time: each keyword end takes the earliest unmatched detection inside
    its window.
    """
    detections = np.sort(np.asarray(detections, dtype=np.int64))
    ends = np.asarray(ends, dtype=np.int64)
    used = np.zeros(len(detections), dtype=bool)
    hit = np.zeros(len(ends), dtype=bool)
    for index in np.argsort(ends, kind="stable"):
        end = ends[index]
        window = ~used & (detections >= end + tolerance[0]) & (detections <= end + tolerance[1])
        if window.any():
            used[np.flatnonzero(window)[0]] = True
            hit[index] = True
    return hit, int((~used).sum())


def best_peaks(
    steps: np.ndarray, values: np.ndarray, ends: np.ndarray, tolerance: tuple[int, int]
) -> np.ndarray:
    """The highest peak score inside each keyword end's window (0 where no peak is), in
    the order of ``ends``, for one clip: how near the keyword came to being detected. A
    keyword missed with a best peak just under the threshold was heard; one near 0 was
    not."""
    steps, values = np.asarray(steps, dtype=np.int64), np.asarray(values, dtype=np.float32)
    ends = np.asarray(ends, dtype=np.int64)
    inside = (steps[None, :] >= ends[:, None] + tolerance[0]) & (
        steps[None, :] <= ends[:, None] + tolerance[1]
    )
    return np.where(inside, values[None, :], 0.0).max(axis=1, initial=0.0).astype(np.float32)


def match(
    detections: np.ndarray, ends: np.ndarray, tolerance: tuple[int, int]
) -> tuple[int, int, int]:
    """``(true positives, false rejects, false accepts)`` for one clip (see :func:`matched`)."""
    hit, false_accepts = matched(detections, ends, tolerance)
    hits = int(hit.sum())
    return hits, len(hit) - hits, false_accepts


def sweep(
    peak_scores: list[np.ndarray],
    peak_steps: list[np.ndarray],
    ends: list[np.ndarray],
    thresholds: np.ndarray,
    tolerance: tuple[int, int],
) -> dict[str, np.ndarray]:
    """Counts over clips for every threshold: ``hits``, ``misses``, ``false_accepts``."""
    hits = np.zeros(len(thresholds), dtype=np.int64)
    misses = np.zeros_like(hits)
    false_accepts = np.zeros_like(hits)
    for scores, steps, clip_ends in zip(peak_scores, peak_steps, ends, strict=True):
        for t, threshold in enumerate(thresholds):
            h, m, f = match(steps[scores >= threshold], clip_ends, tolerance)
            hits[t] += h
            misses[t] += m
            false_accepts[t] += f
    return {"hits": hits, "misses": misses, "false_accepts": false_accepts}


def hit_matrix(
    peak_scores: list[np.ndarray],
    peak_steps: list[np.ndarray],
    ends: list[np.ndarray],
    thresholds: np.ndarray,
    tolerance: tuple[int, int],
) -> np.ndarray:
    """Whether each keyword end is detected at each threshold: bool (keywords,
    thresholds), the keywords in clip order then in each clip's order of ``ends``
    (the matching of :func:`sweep`, kept per keyword)."""
    rows = []
    for scores, steps, clip_ends in zip(peak_scores, peak_steps, ends, strict=True):
        if len(clip_ends):
            rows.append(
                np.stack(
                    [matched(steps[scores >= t], clip_ends, tolerance)[0] for t in thresholds],
                    axis=1,
                )
            )
    return np.concatenate(rows) if rows else np.zeros((0, len(thresholds)), dtype=bool)


def rates(
    counts: dict[str, np.ndarray], hours_free: float, free_false_accepts: np.ndarray
) -> dict[str, np.ndarray]:
    """FRR, FA/h (on keyword-free audio), precision, recall and F1 per threshold."""
    events = counts["hits"] + counts["misses"]
    recall = counts["hits"] / np.maximum(events, 1)
    detected = counts["hits"] + counts["false_accepts"]
    precision = np.where(detected > 0, counts["hits"] / np.maximum(detected, 1), 1.0)
    f1 = np.where(
        precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0
    )
    return {
        "frr": 1.0 - recall,
        "fa_per_hour": free_false_accepts / hours_free,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }
