"""The on-device runner: the pipeline's detections from a LiteRT model, clear errors."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from dl_pipelines.ship.run_tflite import main
from tests.audio.test_io import write_pcm_wav
from tests.conftest import PROJECT_ROOT
from tests.pipelines.trigger_word.conftest import as_registered
from tests.ship.conftest import noisy_bursts


def run(*argv: str | Path) -> tuple[int, list[list[str]]]:
    out = io.StringIO()
    code = main([str(a) for a in argv], out=out)
    return code, list(csv.reader(io.StringIO(out.getvalue())))


@pytest.mark.parametrize("model_file", ["model_float.tflite", "model_streaming_float.tflite"])
@pytest.mark.parametrize("which", ["made", "shipped"])
def test_runner_gives_the_pipeline_detections(
    shipped, wavs, keras_detector, tw_params, which, model_file
):
    """Same rows as ``trigger_word_detect``'s detect_folder with the Keras model (its
    loader, SciPy resampler and the Keras predict): on 16 kHz mono, 44.1 kHz stereo 24-bit
    and 22.05 kHz 32-bit files, and on the recordings shipped in
    data/01_raw/trigger_word/detect; each several windows long; with the whole-window
    model and with the streaming step model."""
    from dl_pipelines.audio import io as audio_io
    from dl_pipelines.pipelines.trigger_word import nodes

    if which == "shipped":
        wavs = sorted((PROJECT_ROOT / "data/01_raw/trigger_word/detect").glob("*.wav"))
        assert len(wavs) >= 2
    code, rows = run(shipped.with_name(model_file), *wavs)
    assert code == 0
    assert rows[0] == ["file", "time_s", "score"]
    files = {path.name: audio_io.load_audio(path, mono=False) for path in wavs}
    table, _, _ = nodes.detect_folder(
        as_registered(keras_detector, tw_params, 0.0), files, tw_params
    )
    assert len(table) >= 2 * len(wavs)  # several detections in each file
    assert [Path(r[0]).name for r in rows[1:]] == table["file"].tolist()
    assert [float(r[1]) for r in rows[1:]] == table["time_s"].tolist()
    np.testing.assert_allclose([float(r[2]) for r in rows[1:]], table["score"], atol=1e-4)


def test_threshold_option_and_config_option(shipped, wavs, tmp_path):
    code, rows = run(shipped, wavs[0], "--threshold", "1.01")
    assert (code, rows) == (0, [["file", "time_s", "score"]])
    moved = tmp_path / "elsewhere.json"
    shutil.copy(shipped.with_name("model.json"), moved)
    alone = tmp_path / "alone.tflite"
    shutil.copy(shipped, alone)
    assert run(alone, wavs[0], "--config", moved) == run(shipped, wavs[0])


def _float_wav(path: Path) -> Path:
    from scipy.io import wavfile

    wavfile.write(path, 16000, noisy_bursts(1.0, 16000, 0))
    return path


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing model", "No LiteRT model at .*missing.tflite"),
        ("corrupt model", "garbled.tflite' is not a valid LiteRT model"),
        ("no model.json", r"No model description at .*model.json.*--config"),
        ("model.json without a key", "has no 'detector.threshold' key"),
        (
            "model.json of another model",
            r"takes inputs of shape \[1, 411, 101\] but its "
            "model.json says",
        ),
        ("float WAV", "float.wav': it is a floating-point WAV.*convert it to 16-bit PCM"),
        ("not a WAV", "notes.wav': it is not a PCM WAV file"),
        ("missing WAV", "Audio file '.*absent.wav' does not exist"),
        ("too short", "short.wav' lasts 5 ms, shorter than the 30 ms the detector needs"),
    ],
)
def test_errors_name_the_file_and_exit_with_2(shipped, wavs, tmp_path, capsys, case, message):
    model, inputs = tmp_path / "model_float.tflite", [wavs[0]]
    shutil.copy(shipped, model)
    manifest = json.loads(shipped.with_name("model.json").read_text())
    if case == "model.json without a key":
        del manifest["detector"]["threshold"]
    if case == "model.json of another model":
        manifest["detector"]["window_steps"] = 90
        manifest["input"]["shape"] = [1, 371, 101]
    if case != "no model.json":
        (tmp_path / "model.json").write_text(json.dumps(manifest))
    if case == "missing model":
        model = tmp_path / "missing.tflite"
    if case == "corrupt model":
        model = tmp_path / "garbled.tflite"
        model.write_bytes(b"\x00" * 1000)
    if case == "float WAV":
        inputs = [_float_wav(tmp_path / "float.wav")]
    if case == "not a WAV":
        (tmp_path / "notes.wav").write_text("not audio at all")
        inputs = [tmp_path / "notes.wav"]
    if case == "missing WAV":
        inputs = [tmp_path / "absent.wav"]
    if case == "too short":
        inputs = [write_pcm_wav(tmp_path / "short.wav", np.zeros(80), 16000)]
    code, _ = run(model, *inputs)
    error = capsys.readouterr().err
    assert code == 2 and error.startswith("run_tflite: error: ")
    assert re.search(message, error), error


@pytest.fixture(scope="module")
def classifier_shipped(tmp_path_factory):
    """A tiny sigmoid classifier of (5, 3) inputs, exported with its model.json."""
    import keras

    from dl_pipelines.pipelines.shipping.exports import tflite_bytes

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [keras.Input((5, 3)), keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid")]
    )
    folder = tmp_path_factory.mktemp("classifier")
    (folder / "model_float.tflite").write_bytes(tflite_bytes(model, (5, 3), "float"))
    (folder / "model.json").write_text(
        json.dumps(
            {
                "model": "tiny",
                "version": "1",
                "task": "binary_classifier",
                "input": {"shape": [1, 5, 3], "dtype": "float32"},
                "files": {"float": "model_float.tflite"},
                "classifier": {"threshold": 0.5, "labels": ["day", "night"]},
            }
        )
    )
    return model, folder / "model_float.tflite"


def test_classifier_scores_and_labels_npy_arrays(classifier_shipped, tmp_path, capsys):
    model, shipped = classifier_shipped
    x = np.random.default_rng(0).normal(0, 3, (6, 5, 3)).astype(np.float32)
    np.save(tmp_path / "batch.npy", x)
    np.save(tmp_path / "one.npy", x[0])
    code, rows = run(shipped, tmp_path / "batch.npy", tmp_path / "one.npy")
    assert code == 0 and rows[0] == ["file", "index", "score", "label"]
    expected = model.predict(x, verbose=0)[:, 0]
    assert len(rows) == 1 + 6 + 1
    np.testing.assert_allclose([float(r[2]) for r in rows[1:7]], expected, atol=1e-4)
    assert [r[3] for r in rows[1:7]] == ["night" if s >= 0.5 else "day" for s in expected]
    assert [r[1] for r in rows[1:]] == ["0", "1", "2", "3", "4", "5", "0"]
    assert {r[3] for r in rows[1:7]} == {"day", "night"}
    np.save(tmp_path / "wrong.npy", x[:, :4])
    assert run(shipped, tmp_path / "wrong.npy")[0] == 2
    assert "holds an array of shape (6, 4, 3); the model takes (n, 5, 3)" in capsys.readouterr().err
