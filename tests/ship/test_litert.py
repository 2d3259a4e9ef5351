"""LiteRTModel: the same outputs as the Keras model, clear errors for bad files and inputs."""

from __future__ import annotations

import numpy as np
import pytest

from dl_pipelines.ship.litert import LiteRTError, LiteRTModel
from tests.ship.conftest import N_FREQS


def test_predict_matches_keras(keras_detector, detector_tflite, detector):
    model = LiteRTModel(detector_tflite)
    assert model.input_shape == (1, detector.window_frames, N_FREQS)
    assert model.output_shape == (1, detector.window_steps, 1)
    x = np.random.default_rng(0).normal(size=(3, detector.window_frames, N_FREQS))
    got = model.predict(x)
    expected = keras_detector.predict(x.astype(np.float32), verbose=0)
    assert got.shape == expected.shape == (3, detector.window_steps, 1)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert model.predict(x[:0]).shape == (0, detector.window_steps, 1)


def test_wrong_input_shape_is_named(detector_tflite, detector):
    model = LiteRTModel(detector_tflite)
    with pytest.raises(
        LiteRTError,
        match=rf"takes inputs of shape \(n, "
        rf"{detector.window_frames}, 101\), got \(2, 50, 101\)",
    ):
        model.predict(np.zeros((2, 50, N_FREQS)))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No LiteRT model at .*missing.tflite.*export one"),
        (b"", "bad.tflite' is empty"),
        (b"not a flatbuffer" * 40, "bad.tflite' is not a valid LiteRT model"),
        ("half", "bad.tflite' is not a valid LiteRT model"),
    ],
)
def test_missing_and_corrupt_files_are_named(tmp_path, detector_tflite, content, message):
    path = tmp_path / ("missing.tflite" if content is None else "bad.tflite")
    if content is not None:
        path.write_bytes(
            detector_tflite[: len(detector_tflite) // 2] if content == "half" else content
        )
    with pytest.raises(LiteRTError, match=message):
        LiteRTModel(path)


def test_streaming_model_checks_its_geometry(streaming_tflite, detector_tflite) -> None:
    from dl_pipelines.ship.litert import LiteRTError, StreamingLiteRTModel

    with pytest.raises(LiteRTError, match="a Conv1D of kernel 15 and stride 3 does not"):
        StreamingLiteRTModel(streaming_tflite, 15, 3)
    with pytest.raises(LiteRTError, match="not a streaming step model"):
        StreamingLiteRTModel(detector_tflite, 15, 4)
    model = StreamingLiteRTModel(streaming_tflite, 15, 4)
    with pytest.raises(LiteRTError, match="takes spectrograms"):
        model.predict(np.zeros((1, 10, 101), np.float32))
