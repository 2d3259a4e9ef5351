"""Every export computes what the Keras model computes; sizes; bad requests."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.pipelines.shipping import exports, runtimes
from tests.pipelines.shipping.conftest import IMAGE_SHAPE, SPECTROGRAM_SHAPE

ALL = ["saved_model", "onnx", "tflite_float", "tflite_dynamic_range", "tflite_int8"]


@pytest.fixture(scope="module")
def classifier_files(classifier, images) -> dict[str, bytes]:
    return exports.export_all(classifier, IMAGE_SHAPE, ALL, 17, images)


def test_classifier_exports_match_keras(classifier, classifier_files, images) -> None:
    reference = classifier.predict(images, verbose=0)
    for fmt in ALL:
        outputs = runtimes.load(fmt, classifier_files)(images)
        assert outputs.shape == reference.shape, fmt
        tolerance = 0.05 if fmt == "tflite_int8" else 1e-5
        assert np.max(np.abs(outputs - reference)) <= tolerance, fmt


def test_int8_export_is_really_quantised(classifier_files) -> None:
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_content=classifier_files["model_int8.tflite"])
    types = {np.dtype(t["dtype"]) for t in interpreter.get_tensor_details()}
    assert np.dtype(np.int8) in types
    float_types = {np.dtype(t["dtype"]) for t in Interpreter(
        model_content=classifier_files["model_float.tflite"]).get_tensor_details()}
    assert np.dtype(np.int8) not in float_types


def test_detector_exports_match_keras_without_training_layers(detector, spectrograms) -> None:
    files = exports.export_all(detector, SPECTROGRAM_SHAPE,
                               ["saved_model", "onnx", "tflite_float", "tflite_dynamic_range"],
                               17, None)
    reference = detector.predict(spectrograms, verbose=0)
    assert reference.shape == (6, 14, 1)
    for fmt in ("keras", "saved_model", "onnx", "tflite_float"):
        outputs = runtimes.load(fmt, files)(spectrograms)
        assert np.max(np.abs(outputs - reference)) <= 1e-5, fmt
    quantised = runtimes.load("tflite_dynamic_range", files)(spectrograms)
    assert np.max(np.abs(quantised - reference)) <= 0.05


def test_file_sizes_by_format(classifier_files) -> None:
    sizes = exports.file_sizes(classifier_files)
    assert set(sizes) == {"keras", *ALL}
    assert sizes["saved_model"] == sum(len(v) for k, v in classifier_files.items()
                                       if k.startswith("saved_model/"))
    assert sizes["onnx"] == len(classifier_files["model.onnx"])


def test_bad_requests_are_rejected(classifier, classifier_files) -> None:
    with pytest.raises(ValueError, match="Unknown export format.*'coreml'"):
        exports.export_all(classifier, IMAGE_SHAPE, ["coreml"], 17, None)
    with pytest.raises(ValueError, match="int8 quantisation needs representative inputs"):
        exports.tflite_bytes(classifier, IMAGE_SHAPE, "int8", None)
    with pytest.raises(ValueError, match="no onnx file"):
        runtimes.load("onnx", {"model.keras": classifier_files["model.keras"]})
