"""Parity: decisions counted by hand; an export that disagrees stops the run."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dl_pipelines.pipelines.shipping import exports, nodes, parity
from tests.pipelines.shipping.conftest import IMAGE_SHAPE

PARAMS = {
    "parity": {
        "examples": 12,
        "max_abs_tolerance": 1e-4,
        "min_quantised_agreement": 0.95,
        "detection_tolerance_steps": 2,
    },
    "models": {
        "tiny": {
            "task": "binary_classifier",
            "input_key": "images",
            "threshold": 0.5,
            "labels": ["day", "night"],
            "formats": ["onnx", "tflite_float"],
        }
    },
}


def test_classifier_decisions_are_labels_at_the_threshold() -> None:
    config = {"task": "binary_classifier", "classifier": {"threshold": 0.5}}
    reference = np.array([[0.2], [0.7], [0.9], [0.5]])
    other = np.array([[0.3], [0.4], [0.95], [0.49]])
    assert parity.decisions_agreement(config, reference, other, PARAMS) == (2, 2)


def test_detector_decisions_are_detections_matched_within_the_tolerance() -> None:
    config = {
        "task": "keyword_detector",
        "detector": {"threshold": 0.5, "refractory_steps": 3, "hold_steps": 1},
    }
    reference = np.zeros((2, 30, 1))
    other = np.zeros((2, 30, 1))
    reference[0, 5], reference[0, 15] = 0.9, 0.8  # two detections …
    other[0, 6] = 0.9  # … one found 1 step later, one missed
    other[1, 20] = 0.7  # an extra one in the second clip
    reference[1, 25] = other[1, 28] = 0.6  # 3 steps apart: beyond ±2
    assert parity.decisions_agreement(config, reference, other, PARAMS) == (1, 4)
    # held for 2 steps, the one-step peaks of both are gone: nothing to agree on
    config["detector"]["hold_steps"] = 2
    assert parity.decisions_agreement(config, reference, other, PARAMS) == (0, 0)


def _candidate(model, images) -> dict[str, bytes]:
    files = exports.export_all(model, IMAGE_SHAPE, ["onnx", "tflite_float"], 17, None)
    files["model.json"] = json.dumps(
        {
            "model": "tiny",
            "version": "1",
            "task": "binary_classifier",
            "input": {"shape": [1, *IMAGE_SHAPE]},
            "classifier": {"threshold": 0.5},
        }
    ).encode()
    return files


def test_agreeing_exports_pass_with_their_metrics(classifier, images) -> None:
    candidate = _candidate(classifier, images)
    passed, metrics, report = nodes.check_parity(candidate, {"images": images}, PARAMS)
    assert passed is candidate
    assert metrics["parity_agreement_onnx"]["value"] == 1.0
    assert metrics["parity_max_abs_tflite_float"]["value"] <= 1e-4
    assert report["formats"]["onnx"]["decisions_alike"] == len(images)


def test_a_float_export_that_disagrees_stops_the_run(classifier, images) -> None:
    import keras

    other = keras.models.clone_model(classifier)  # same graph, other weights
    other.set_weights([w + 0.5 for w in classifier.get_weights()])
    candidate = _candidate(classifier, images)
    candidate["model_float.tflite"] = exports.tflite_bytes(other, IMAGE_SHAPE)
    with pytest.raises(ValueError, match=r"tflite_float: max \|Δ\| .*Nothing was written"):
        nodes.check_parity(candidate, {"images": images}, PARAMS)
