"""The test FRR broken down: by background, SNR band, voice, and voice family (the
engines heard in training against the held-out ones)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from dl_pipelines.audio import events
from dl_pipelines.pipelines.trigger_word.clips import family
from dl_pipelines.pipelines.trigger_word.params import TriggerWordParams
from dl_pipelines.pipelines.trigger_word.scoring import tolerance_steps


def frr_by(
    hit: np.ndarray,
    groups: np.ndarray,
    order: list[str] | None = None,
    peaks: np.ndarray | None = None,
) -> dict[str, dict[str, float]]:
    """``{group: {"keywords": n, "frr": share missed}}`` over the keywords of each group,
    in ``order`` (groups without keywords left out) or sorted; with each keyword's best
    peak (``peaks``, :func:`~dl_pipelines.audio.events.best_peaks`), also the group's
    ``median_peak``."""
    hit, groups = np.asarray(hit, dtype=bool), np.asarray(groups)
    present = set(np.unique(groups).tolist())
    out = {}
    for g in order if order is not None else sorted(present):
        if g not in present:
            continue
        mine = groups == g
        out[str(g)] = {"keywords": int(np.sum(mine)), "frr": float(np.mean(~hit[mine]))}
        if peaks is not None:
            out[str(g)]["median_peak"] = float(np.median(np.asarray(peaks)[mine]))
    return out


def band_names(edges: tuple[float, ...]) -> list[str]:
    """``["0-5 dB", "5-10 dB", …]`` for band ``edges`` ``(0, 5, 10, …)``."""
    return [
        f"{low:g} to {high:g} dB" if low < 0 else f"{low:g}-{high:g} dB"
        for low, high in zip(edges, edges[1:], strict=False)
    ]


def snr_band(snr_db: np.ndarray, edges: tuple[float, ...]) -> np.ndarray:
    """Band name (:func:`band_names`) of each SNR; ``""`` outside ``edges`` or NaN."""
    names = np.asarray([*band_names(edges), ""])
    snr_db = np.asarray(snr_db, dtype=np.float64)
    index = np.searchsorted(np.asarray(edges, dtype=np.float64), snr_db, side="right") - 1
    inside = (index >= 0) & (index < len(edges) - 1) | (snr_db == edges[-1])
    return names[np.where(inside, np.minimum(index, len(edges) - 2), len(names) - 1)]


def frr_breakdown(
    data: dict[str, np.ndarray],
    peaks: tuple[list, list, list],
    threshold: float,
    p: TriggerWordParams,
) -> dict[str, Any]:
    """The test FRR at ``threshold`` by background, SNR band, background × band, voice;
    by voice also the median of its keywords' best peaks (``median_peak``: near the
    threshold, the voice is heard but scored under it; near 0, it is not heard)."""
    steps, values, ends = peaks
    tolerance = tolerance_steps(p)
    keyword_clips = [
        (s, v, e)
        for s, v, e, free in zip(steps, values, ends, data["free"], strict=True)
        if not free
    ]
    hit = [events.matched(s[v >= threshold], e, tolerance)[0] for s, v, e in keyword_clips]
    hit = np.concatenate(hit) if hit else np.zeros(0, dtype=bool)
    best = [events.best_peaks(s, v, e, tolerance) for s, v, e in keyword_clips]
    best = np.concatenate(best) if best else np.zeros(0, dtype=np.float32)
    keyword = data["ends"][~data["free"]] >= 0  # ends are sorted, padded at the end
    background = np.repeat(data["background"][~data["free"]], keyword.sum(axis=1))
    edges = p.evaluation.snr_bands_db
    band = snr_band(data["keyword_snr_db"][~data["free"]][keyword], edges)
    return {
        "threshold": threshold,
        "by_background": frr_by(hit, background),
        "by_snr": frr_by(hit[band != ""], band[band != ""], band_names(edges)),
        "by_background_and_snr": {
            str(b): frr_by(
                hit[(background == b) & (band != "")],
                band[(background == b) & (band != "")],
                band_names(edges),
            )
            for b in np.unique(background)
        },
        "by_voice": frr_by(hit, data["keyword_group"][~data["free"]][keyword], peaks=best),
    }


def family_frr(
    data: dict[str, np.ndarray],
    peaks: tuple[list, list, list],
    thresholds: np.ndarray,
    p: TriggerWordParams,
) -> dict[str, tuple[np.ndarray, int]]:
    """The FRR of each voice family (:func:`family`) at every threshold, and its
    number of keywords."""
    steps, values, ends = peaks
    keyword = np.flatnonzero(~data["free"])
    hits = events.hit_matrix(
        [values[i] for i in keyword],
        [steps[i] for i in keyword],
        [ends[i] for i in keyword],
        thresholds,
        tolerance_steps(p),
    )
    present = data["ends"][keyword] >= 0
    if "keyword_family" in data:
        families = np.asarray(data["keyword_family"])[keyword][present]
    else:  # model inputs made before families were recorded
        families = np.asarray(
            [family(str(g)) for g in np.asarray(data["keyword_group"])[keyword][present]]
        )
    return {
        str(f): (1.0 - hits[families == f].mean(axis=0), int(np.sum(families == f)))
        for f in np.unique(families)
    }


def trained_families(p: TriggerWordParams) -> set[str]:
    """The voice families heard in training: eSpeak NG (or the user's speakers) and
    every engine of ``default_data.engines`` in the train split."""
    return {"espeak", "user"} | {e.engine for e in p.default_data.engines if e.split == "train"}


def family_metrics(
    split: str, frr: dict[str, tuple[np.ndarray, int]], index: int, seen: set[str]
) -> dict[str, float]:
    """``<split>_frr_family_<f>`` at the chosen threshold, and the FRR over the families
    heard in training (``<split>_frr_seen_families``: new voices of them) and over the
    held-out engines (``<split>_frr_heldout_engine``), weighted by their keywords."""
    out = {f"{split}_frr_family_{f}": float(curve[index]) for f, (curve, _) in frr.items()}
    for name, chosen in (
        ("seen_families", [f for f in frr if f in seen]),
        ("heldout_engine", [f for f in frr if f not in seen]),
    ):
        total = sum(frr[f][1] for f in chosen)
        if total:
            out[f"{split}_frr_{name}"] = float(
                sum(frr[f][0][index] * frr[f][1] for f in chosen) / total
            )
    return out


def metric_name(text: str) -> str:
    """``text`` as an MLflow metric key (``5-10 dB`` → ``5-10dB``, other signs → ``_``)."""
    return re.sub(r"[^A-Za-z0-9_.\-/ ]", "_", text).replace(" dB", "dB").replace(" ", "_")
