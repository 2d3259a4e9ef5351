"""The export node end to end for a keyword detector (no MLflow): ``model.json``, every
format of conf/base, parity with streaming."""

from __future__ import annotations

import json

import numpy as np

from dl_pipelines.pipelines.shipping import nodes


def _base_params(name: str) -> dict:
    import yaml

    from tests.conftest import PROJECT_ROOT

    path = PROJECT_ROOT / f"conf/base/parameters_{name}.yml"
    return yaml.safe_load(path.read_text())[name]


def test_keyword_detector_is_exported_for_one_scoring_window_and_streams() -> None:
    """The detector path end to end without MLflow: model.json (window input, streaming
    chunk, the run's threshold), every format of conf/base, parity with streaming."""
    import keras

    from dl_pipelines.datasets.mlflow_keras import keras_signature
    from dl_pipelines.datasets.mlflow_registry import RegisteredModel
    from dl_pipelines.pipelines.trigger_word.model import build_trigger_word_model
    from dl_pipelines.ship.manifest import detector_of

    keras.utils.set_random_seed(4)
    model = build_trigger_word_model(101, 4, 15, 4, [4], 0.0, 1e-3, 1.0)
    registered = RegisteredModel(
        "trigger_word",
        "3",
        None,
        "models:/trigger_word/3",
        model,
        keras_signature(model),
        {"threshold": 0.5},
    )
    shipping, trigger_word = _base_params("shipping"), _base_params("trigger_word")
    trigger_word["model"]["conv_stride"] = 4  # the model above: Conv1D 15 / 4, the
    trigger_word["mixing"]["label_steps"] = 50  # course's steps of 7.3 ms
    trigger_word["detect"].update(window_seconds=0.29, overlap_seconds=0.05)
    shipping["parity"]["examples"] = 3
    data = {"x": np.random.default_rng(5).normal(size=(3, 150, 101)).astype(np.float32)}

    candidate = nodes.export_model(registered, data, shipping, trigger_word)
    config = json.loads(candidate["model.json"])
    detector = detector_of(config)
    assert (detector.window_steps, detector.threshold) == (40, 0.5)
    assert config["input"]["shape"] == [1, detector.window_frames, 101] == [1, 171, 101]
    assert config["streaming"] == {"chunk_steps": 25}
    assert config["files"]["streaming_dynamic_range"] == "model_streaming_dynamic_range.tflite"
    assert "model_int8.tflite" not in candidate  # not offered for the detector

    _, metrics, report = nodes.check_parity(candidate, data, shipping)
    for fmt in ("onnx", "tflite_float", "tflite_streaming_float"):
        assert metrics[f"parity_max_abs_{fmt}"]["value"] <= 1e-4
    assert set(report["formats"]) == set(shipping["models"]["trigger_word"]["formats"])
