"""Event-level evaluation: the threshold chosen on validation, the test FRR and false
accepts per hour at it, the DET curves, and the test FRR at lower recording rates.

Frame accuracy is logged too, never the headline: a detector is judged by the keywords
it misses (FRR) and the false alarms it raises per hour of keyword-free audio (FA/h).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from dl_pipelines.audio import events, spectrograms
from dl_pipelines.pipelines.trigger_word import channel
from dl_pipelines.pipelines.trigger_word.breakdown import (
    family_frr,
    family_metrics,
    frr_breakdown,
    metric_name,
    trained_families,
)
from dl_pipelines.pipelines.trigger_word.model_inputs import banks, mix_one
from dl_pipelines.pipelines.trigger_word.params import TriggerWordParams
from dl_pipelines.pipelines.trigger_word.scoring import event_counts, predict_scores

logger = logging.getLogger(__name__)

SPLIT_NAMES = ("val", "test")


def evaluate(
    model: Any, val: dict[str, np.ndarray], test: dict[str, np.ndarray], p: TriggerWordParams
) -> tuple[dict[str, float], dict[str, Any], dict[str, Any]]:
    """The metrics, the JSON report and the DET curves of the trained ``model`` (see
    :func:`~dl_pipelines.pipelines.trigger_word.nodes.evaluate_model`)."""
    e = p.evaluation
    thresholds = events.threshold_grid(e.thresholds, *e.threshold_range)
    curves, at, peaks, by_family = {}, {}, {}, {}
    for name, data in (("val", val), ("test", test)):
        start = time.perf_counter()
        scores = predict_scores(model, data["x"], e.batch_size)
        logger.info(
            "Scored %d %s examples in %.1f s.", len(scores), name, time.perf_counter() - start
        )
        with_kw, without, peaks[name] = event_counts(scores, data, p, thresholds)
        by_family[name] = family_frr(data, peaks[name], thresholds, p)
        hours = float(data["free"].sum()) * p.audio.clip_seconds / 3600.0
        counts = {k: with_kw[k] + (without[k] if k == "false_accepts" else 0) for k in with_kw}
        curves[name] = {
            **events.rates(counts, hours, without["false_accepts"]),
            "hours_free": hours,
        }
        keyword = ~data["free"]
        at[name] = {
            "frame_accuracy": float(np.mean((scores[keyword] >= 0.5) == (data["y"][keyword] == 1)))
        }
    index = choose_threshold(curves["val"]["fa_per_hour"], thresholds, e.max_fa_per_hour)
    threshold = float(thresholds[index])
    test_c, val_c = curves["test"], curves["val"]
    metrics = {
        "test_frr": float(test_c["frr"][index]),
        "test_fa_per_hour": float(test_c["fa_per_hour"][index]),
        "test_precision": float(test_c["precision"][index]),
        "test_recall": float(test_c["recall"][index]),
        "test_f1": float(test_c["f1"][index]),
        "threshold": threshold,
        "val_frr_at_threshold": float(val_c["frr"][index]),
        "val_fa_per_hour_at_threshold": float(val_c["fa_per_hour"][index]),
        "test_frame_accuracy": at["test"]["frame_accuracy"],
        "test_hours_keyword_free": float(test_c["hours_free"]),
    }
    seen = trained_families(p)
    for split in SPLIT_NAMES:
        metrics.update(family_metrics(split, by_family[split], index, seen))
    logger.info(
        "Test at threshold %.4g: %s",
        threshold,
        ", ".join(f"{k}={v:.4f}" for k, v in metrics.items()),
    )
    breakdown = frr_breakdown(test, peaks["test"], threshold, p)
    for by, prefix in (("by_background", "test_frr_background_"), ("by_snr", "test_frr_snr_")):
        metrics.update(
            {metric_name(prefix + group): value["frr"] for group, value in breakdown[by].items()}
        )
    logger.info(
        "Test FRR at the threshold by background: %s; by SNR: %s",
        *(
            ", ".join(f"{g} {v['frr']:.3f} ({v['keywords']})" for g, v in breakdown[by].items())
            for by in ("by_background", "by_snr")
        ),
    )
    unheard = {
        v: g["median_peak"] for v, g in breakdown["by_voice"].items() if g["median_peak"] < 0.5
    }
    if unheard:
        logger.info(
            "Test voices the detector does not hear (their keywords' median best peak < 0.5, "
            "whatever the threshold): %s",
            ", ".join(f"{v} {peak:.3f}" for v, peak in sorted(unheard.items())),
        )
    report = {
        "metrics": metrics,
        "threshold": threshold,
        "keyword": p.keyword,
        "sample_rate": p.audio.sample_rate,
        "refractory_s": e.refractory_s,
        "hold_s": e.hold_s,
        "tolerance_s": list(e.tolerance_s),
        "events": {
            split: {
                "keywords": int(np.sum(data["ends"] >= 0)),
                "examples": int(len(data["free"])),
                "keyword_free_hours": curves[split]["hours_free"],
            }
            for split, data in (("val", val), ("test", test))
        },
        "test_frr_breakdown": breakdown,
        "trained_families": sorted(seen),
        "frr_by_family": {
            split: {
                f: {"keywords": n, "frr": float(c[index])} for f, (c, n) in by_family[split].items()
            }
            for split in SPLIT_NAMES
        },
    }
    logger.info(
        "FRR at the threshold by voice family (trained on %s): %s",
        sorted(seen),
        "; ".join(
            f"{split} "
            + ", ".join(f"{f} {v['frr']:.3f} ({v['keywords']})" for f, v in fams.items())
            for split, fams in report["frr_by_family"].items()
        ),
    )
    return metrics, report, det_curves(thresholds, index, curves, by_family, seen)


def choose_threshold(
    val_fa_per_hour: np.ndarray, thresholds: np.ndarray, max_fa_per_hour: float
) -> int:
    """The index of the lowest threshold whose validation false accepts per hour are at
    most ``max_fa_per_hour``; the highest threshold, with a warning, when none is."""
    ok = np.flatnonzero(val_fa_per_hour <= max_fa_per_hour)
    if ok.size:
        return int(ok[0])
    index = len(thresholds) - 1
    logger.warning(
        "No threshold keeps the validation FA/h at or below %.2f; using %.4g.",
        max_fa_per_hour,
        thresholds[index],
    )
    return index


def det_curves(
    thresholds: np.ndarray,
    index: int,
    curves: dict[str, dict[str, Any]],
    by_family: dict[str, dict[str, tuple[np.ndarray, int]]],
    seen: set[str],
) -> dict[str, Any]:
    """The DET curves of the figure (JSON): FRR and FA/h per threshold of each split, the
    FRR of each voice family, and the chosen threshold's ``index``."""
    return {
        "thresholds": thresholds.tolist(),
        "chosen": index,
        **{
            f"{split}_{k}": np.asarray(curves[split][k]).tolist()
            for split in SPLIT_NAMES
            for k in ("frr", "fa_per_hour")
        },
        **{
            f"{split}_frr_by_family": {
                f: np.asarray(c).tolist() for f, (c, _) in by_family[split].items()
            }
            for split in SPLIT_NAMES
        },
        "trained_families": sorted(seen),
    }


def recording_rate_frr(
    model: Any, clips: dict[str, np.ndarray], threshold: float, p: TriggerWordParams, seed: int
) -> dict[str, float]:
    """``test_frr_<rate>hz`` for each of ``evaluation.recording_rates`` below the audio's
    rate and ``test_frr_full_rate``, at ``threshold``; ``{}`` when there is no such rate
    (see :func:`~dl_pipelines.pipelines.trigger_word.nodes.evaluate_recording_rates`)."""
    clip_banks = banks(clips)
    rates = [r for r in p.evaluation.recording_rates if r < p.audio.sample_rate]
    if not rates:
        return {}
    mixed = [mix_one(clip_banks, p, "test", i, False, seed) for i in range(p.mixing.test_examples)]
    ends = np.full((len(mixed), p.mixing.max_positives), -1, dtype=np.int64)
    for i, example in enumerate(mixed):
        ends[i, : len(example.ends)] = example.ends
    data = {"ends": ends, "free": np.zeros(len(mixed), dtype=bool)}
    grid = np.asarray([threshold])
    frr = {}
    for rate in [p.audio.sample_rate, *rates]:
        scores = []
        for begin in range(0, len(mixed), p.mixing.chunk):  # bounded memory
            batch = np.stack(
                [
                    channel.band_limit(m.samples, p.audio.sample_rate, rate)
                    for m in mixed[begin : begin + p.mixing.chunk]
                ]
            )
            x = spectrograms.spectrogram(batch, **p.spectrogram.kwargs()).astype(np.float16)
            scores.append(predict_scores(model, x, p.evaluation.batch_size))
        counts, _, _ = event_counts(np.concatenate(scores), data, p, grid)
        name = "full_rate" if rate == p.audio.sample_rate else f"{rate}hz"
        frr[f"test_frr_{name}"] = float(
            counts["misses"][0] / max(1, counts["hits"][0] + counts["misses"][0])
        )
    logger.info(
        "Test FRR at threshold %.4g by recording rate: %s",
        threshold,
        ", ".join(f"{k} {v:.3f}" for k, v in frr.items()),
    )
    return frr
