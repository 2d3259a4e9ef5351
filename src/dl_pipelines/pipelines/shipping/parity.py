"""Parity: every export against the Keras model on the same test inputs.

Float exports must match the Keras outputs within a tolerance and make every decision
alike; quantised ones must make enough of the same decisions. A decision is a label
at the threshold (a classifier) or a detection (a keyword detector).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from dl_pipelines.pipelines.shipping import runtimes

logger = logging.getLogger(__name__)

#: Exports held to the float tolerance (the others are quantised).
FLOAT_FORMATS = ("keras", "saved_model", "onnx", "tflite_float", "tflite_streaming_float")


def decisions_agreement(
    config: dict[str, Any], reference: np.ndarray, other: np.ndarray, params: dict[str, Any]
) -> tuple[int, int]:
    """``(decisions made alike, decisions only one of the two made)``.

    A classifier: inputs with the same label, inputs with another. A keyword detector:
    detections matched within ``parity.detection_tolerance_steps``, and detections of
    the Keras model or of the export that the other does not make.
    """
    if config["task"] == "binary_classifier":
        threshold = config["classifier"]["threshold"]
        same = int(
            np.sum(
                (reference.reshape(len(reference), -1)[:, 0] >= threshold)
                == (other.reshape(len(other), -1)[:, 0] >= threshold)
            )
        )
        return same, len(reference) - same
    from dl_pipelines.audio import events

    detector = config["detector"]
    tolerance = int(params["parity"]["detection_tolerance_steps"])
    matched = unmatched = 0
    for ref_scores, scores in zip(reference[..., 0], other[..., 0], strict=True):
        ref, found = (
            events.detect(
                s, detector["threshold"], detector["refractory_steps"], detector["hold_steps"]
            )
            for s in (ref_scores, scores)
        )
        hits, misses, extra = events.match(found, ref, (-tolerance, tolerance))
        matched += hits
        unmatched += misses + extra
    return matched, unmatched


def compare(
    candidate: dict[str, bytes],
    config: dict[str, Any],
    formats: list[str],
    x: np.ndarray,
    params: dict[str, Any],
) -> dict[str, Any]:
    """Run the Keras model and each export of ``formats`` on ``x``; report each one.

    Returns:
        ``{"model", "version", "examples", "formats": {format: {"max_abs", "agreement",
        "decisions_alike", "decisions_differing"}}}``.

    Raises:
        ValueError: when an export fails its tolerance (see ``nodes.check_parity``).
    """
    reference = runtimes.load("keras", candidate)(x)
    report: dict[str, Any] = {
        "model": config["model"],
        "version": config["version"],
        "examples": len(x),
        "formats": {},
    }
    failures = []
    for fmt in formats:
        outputs = runtimes.load(fmt, candidate)(x)
        max_abs = float(np.max(np.abs(outputs - reference)))
        same, different = decisions_agreement(config, reference, outputs, params)
        agreement = 1.0 if same + different == 0 else same / (same + different)
        report["formats"][fmt] = {
            "max_abs": max_abs,
            "agreement": agreement,
            "decisions_alike": same,
            "decisions_differing": different,
        }
        logger.info(
            "Parity of %s: max |Δ| %.2e, decision agreement %.4f (%d alike, %d differing)",
            fmt,
            max_abs,
            agreement,
            same,
            different,
        )
        if fmt in FLOAT_FORMATS:
            if max_abs > float(params["parity"]["max_abs_tolerance"]) or agreement < 1.0:
                failures.append(f"{fmt}: max |Δ| {max_abs:.2e}, agreement {agreement:.4f}")
        elif agreement < float(params["parity"]["min_quantised_agreement"]):
            failures.append(f"{fmt}: agreement {agreement:.4f}")
    if failures:
        raise ValueError(
            f"Exports of {config['model']} v{config['version']} disagree with the Keras "
            f"model on {len(x)} test inputs — {'; '.join(failures)} (tolerances: "
            f"shipping.parity.max_abs_tolerance {params['parity']['max_abs_tolerance']} for "
            "float exports, which must also agree on every decision; "
            f"min_quantised_agreement {params['parity']['min_quantised_agreement']}). "
            "Nothing was written."
        )
    return report


def metrics(report: dict[str, Any]) -> dict[str, float]:
    """``parity_max_abs_<format>`` and ``parity_agreement_<format>`` of a report."""
    values = {}
    for fmt, figures in report["formats"].items():
        values[f"parity_max_abs_{fmt}"] = figures["max_abs"]
        values[f"parity_agreement_{fmt}"] = figures["agreement"]
    return values
