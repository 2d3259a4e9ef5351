"""A tiny trigger-word detector, its LiteRT export, model.json and WAV files to run it on.

The detector's settings come from the ``trigger_word`` parameters (conf/base) with short
windows, so that the pipeline's own ``detect_folder`` and the on-device runner can be
compared on the same files: 100-step windows overlapping by 25 steps, a 0.15 s
refractory period and a threshold of 0 (every score peak is a detection, a random
tiny model gives several per file).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.audio.test_io import write_pcm_wav
from tests.conftest import PROJECT_ROOT

N_FREQS = 101
CHUNK_STEPS = 10  # a streaming step: 10 output steps (not a divisor of 100)


def noisy_bursts(seconds: float, rate: int, seed: int) -> np.ndarray:
    """Quiet noise with a few loud tone bursts: scores vary from step to step (no ties)."""
    generator = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    x = generator.normal(0, 0.01, len(t))
    for begin in generator.uniform(0, seconds - 0.3, 3):
        inside = (t >= begin) & (t < begin + 0.25)
        x[inside] += 0.4 * np.sin(2 * np.pi * generator.uniform(300, 3000) * t[inside])
    return x.astype(np.float32)


@pytest.fixture(scope="package")
def tw_params() -> dict:
    """``trigger_word`` parameters with the short detection windows of these tests."""
    import yaml

    params = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_trigger_word.yml").read_text())[
        "trigger_word"
    ]
    params["model"]["conv_stride"] = 4  # the tiny detectors below: Conv1D 15 / 4,
    params["mixing"]["label_steps"] = 50  # the course's steps of 7.3 ms
    params["detect"].update(window_seconds=0.7256, overlap_seconds=0.18, threshold=0.0)
    params["evaluation"]["refractory_s"] = 0.15
    return params


@pytest.fixture(scope="package")
def detector(tw_params):
    from dl_pipelines.pipelines.trigger_word.detection import make_detector
    from dl_pipelines.pipelines.trigger_word.params import parse_params

    found = make_detector(parse_params(tw_params), tw_params["detect"]["threshold"])
    assert (found.window_steps, found.overlap_steps) == (100, 25)
    return found


@pytest.fixture(scope="package")
def keras_detector():
    """A tiny, untrained detector (Conv1D 8 × 15 / 4, one GRU of 8), seeded."""
    import keras

    from dl_pipelines.pipelines.trigger_word.model import build_trigger_word_model

    keras.utils.set_random_seed(3)
    return build_trigger_word_model(N_FREQS, 8, 15, 4, [8], 0.0, 1e-3, 1.0)


@pytest.fixture(scope="package")
def detector_tflite(keras_detector, detector) -> bytes:
    """The LiteRT export of the tiny detector, one window of input."""
    from dl_pipelines.pipelines.shipping.exports import tflite_bytes

    return tflite_bytes(keras_detector, (detector.window_frames, N_FREQS), "float")


@pytest.fixture(scope="package")
def detector_manifest(detector) -> dict:
    from dl_pipelines.ship.manifest import detector_sections

    return {
        "model": "trigger_word",
        "version": "1",
        "task": "keyword_detector",
        "input": {"shape": [1, detector.window_frames, N_FREQS], "dtype": "float32"},
        "files": {"float": "model_float.tflite", "streaming_float": "model_streaming_float.tflite"},
        "streaming": {"chunk_steps": CHUNK_STEPS},
        **detector_sections(detector),
    }


@pytest.fixture(scope="package")
def streaming_tflite(keras_detector) -> bytes:
    """The tiny detector's streaming step model (CHUNK_STEPS steps per step)."""
    from dl_pipelines.pipelines.shipping.exports import tflite_streaming_bytes

    return tflite_streaming_bytes(keras_detector, CHUNK_STEPS, "float")


@pytest.fixture(scope="package")
def shipped(tmp_path_factory, detector_tflite, streaming_tflite, detector_manifest) -> Path:
    """A folder as the shipping pipeline leaves it: ``model_float.tflite``,
    ``model_streaming_float.tflite``, ``model.json``; the path of the first."""
    folder = tmp_path_factory.mktemp("shipped")
    (folder / "model_streaming_float.tflite").write_bytes(streaming_tflite)
    (folder / "model_float.tflite").write_bytes(detector_tflite)
    (folder / "model.json").write_text(json.dumps(detector_manifest, indent=2))
    return folder / "model_float.tflite"


@pytest.fixture(scope="package")
def wavs(tmp_path_factory) -> list[Path]:
    """16 kHz mono 16-bit, 44.1 kHz stereo 24-bit and 22.05 kHz mono 32-bit PCM files."""
    folder = tmp_path_factory.mktemp("wavs")
    stereo = noisy_bursts(2.6, 44100, 1)
    return [
        write_pcm_wav(folder / "mono_16k.wav", noisy_bursts(2.5, 16000, 0), 16000, 2),
        write_pcm_wav(
            folder / "stereo_44k.wav", np.stack([stereo, 0.3 * stereo[::-1]], 1), 44100, 3
        ),
        write_pcm_wav(folder / "mono_22k_32bit.wav", noisy_bursts(1.9, 22050, 2), 22050, 4),
    ]
