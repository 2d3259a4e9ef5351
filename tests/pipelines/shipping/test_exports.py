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
    float_types = {
        np.dtype(t["dtype"])
        for t in Interpreter(
            model_content=classifier_files["model_float.tflite"]
        ).get_tensor_details()
    }
    assert np.dtype(np.int8) not in float_types


def test_detector_exports_match_keras_without_training_layers(detector, spectrograms) -> None:
    files = exports.export_all(
        detector,
        SPECTROGRAM_SHAPE,
        ["saved_model", "onnx", "tflite_float", "tflite_dynamic_range"],
        17,
        None,
    )
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
    assert sizes["saved_model"] == sum(
        len(v) for k, v in classifier_files.items() if k.startswith("saved_model/")
    )
    assert sizes["onnx"] == len(classifier_files["model.onnx"])


def test_bad_requests_are_rejected(classifier, classifier_files) -> None:
    with pytest.raises(ValueError, match="Unknown export format.*'coreml'"):
        exports.export_all(classifier, IMAGE_SHAPE, ["coreml"], 17, None)
    with pytest.raises(ValueError, match="int8 quantisation needs representative inputs"):
        exports.tflite_bytes(classifier, IMAGE_SHAPE, "int8", None)
    with pytest.raises(ValueError, match="no onnx file"):
        runtimes.load("onnx", {"model.keras": classifier_files["model.keras"]})


@pytest.mark.parametrize("chunk_steps", [1, 4, 14, 20])
def test_streaming_step_model_scores_like_the_whole_sequence(
    detector, spectrograms, chunk_steps
) -> None:
    """Chunks fed in order from zero states: the whole model's scores, for chunk sizes
    that divide the 14 steps, do not, or exceed them."""
    from dl_pipelines.ship.litert import StreamingLiteRTModel

    reference = detector.predict(spectrograms, verbose=0)
    blob = exports.tflite_streaming_bytes(detector, chunk_steps)
    streamed = StreamingLiteRTModel(blob, *exports.conv_geometry(detector)).predict(spectrograms)
    assert streamed.shape == reference.shape
    assert np.max(np.abs(streamed - reference)) <= 1e-5


def test_a_band_limited_detector_streams_like_the_whole_sequence(spectrograms) -> None:
    """Its first layers drop the bins above its band, frame by frame: the streaming
    step model keeps them, and scores as the whole model does."""
    from dl_pipelines.pipelines.trigger_word.model import build_trigger_word_model
    from dl_pipelines.ship.litert import StreamingLiteRTModel

    band = build_trigger_word_model(
        SPECTROGRAM_SHAPE[1], 6, 7, 4, [5], 0.1, 0.01, 3.0, heard_freqs=SPECTROGRAM_SHAPE[1] // 2
    )
    reference = band.predict(spectrograms, verbose=0)
    blob = exports.tflite_streaming_bytes(band, 4)
    streamed = StreamingLiteRTModel(blob, *exports.conv_geometry(band)).predict(spectrograms)
    assert np.max(np.abs(streamed - reference)) <= 1e-5


def test_streaming_carries_state_across_steps(detector, spectrograms) -> None:
    """Scoring chunk by chunk by hand (as a live app would) gives the same scores."""
    from dl_pipelines.ship.litert import StreamingLiteRTModel

    model = StreamingLiteRTModel(exports.tflite_streaming_bytes(detector, 7, "float"), 7, 4)
    states = model.initial_states()
    first, states = model.step(spectrograms[0, : model.chunk_frames], states)
    second, _ = model.step(spectrograms[0, 28 : 28 + model.chunk_frames], states)
    reference = detector.predict(spectrograms[:1], verbose=0)[0, :, 0]
    np.testing.assert_allclose(np.concatenate([first, second]), reference, atol=1e-5)
    fresh, _ = model.step(spectrograms[0, 28 : 28 + model.chunk_frames], model.initial_states())
    assert np.max(np.abs(fresh - second)) > 1e-4  # the state matters


def test_only_causal_chunkable_models_stream() -> None:
    import keras

    two_convs = keras.Sequential(
        [
            keras.Input((None, 5)),
            keras.layers.Conv1D(3, 3),
            keras.layers.Conv1D(3, 3),
            keras.layers.GRU(2, return_sequences=True),
        ]
    )
    with pytest.raises(ValueError, match="mixes time steps"):
        exports.streaming_step_model(two_convs, 4)
    backwards = keras.Sequential(
        [
            keras.Input((None, 5)),
            keras.layers.Conv1D(3, 3),
            keras.layers.GRU(2, return_sequences=True, go_backwards=True),
        ]
    )
    with pytest.raises(ValueError, match="must run forward"):
        exports.streaming_step_model(backwards, 4)
    with pytest.raises(ValueError, match="float or dynamic_range"):
        exports.tflite_streaming_bytes(backwards, 4, "int8")
