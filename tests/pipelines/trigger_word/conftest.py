"""Fixtures of the trigger_word tests: one trained copy of the project for the module."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import KedroProject, make_project_copy

RATE = 16000


def tone(seconds: float, freq: float = 300.0, rate: int = RATE) -> np.ndarray:
    """A sine of amplitude 0.3: a stand-in word, background or recording."""
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def as_registered(model, tw_params: dict, threshold: float = 0.5) -> dict:
    """``model`` as ``trigger_word_registered_model`` loads a version: with the settings
    of ``tw_params`` (``trigger_word``) and ``threshold`` stored beside it."""
    from dl_pipelines.pipelines.trigger_word import detection
    from dl_pipelines.pipelines.trigger_word.params import parse_params

    settings = detection.version_settings(parse_params(tw_params), threshold)
    return {"model": model, detection.VERSION_KEY: settings}


def write_recording(
    folder: Path,
    name: str,
    words_at,
    voice: str,
    rate: int,
    seconds: float,
    stereo: bool = False,
    seed: int = 0,
) -> list[float]:
    """A held-out-voice recording written as WAV; returns the keyword end times."""
    from dl_pipelines.audio import io as audio_io
    from dl_pipelines.pipelines.trigger_word.synthesis import recording
    from dl_pipelines.runtime.seeding import rng

    samples, ends = recording(words_at, voice, rate, seconds, rng(seed, name), "activate")
    if stereo:
        samples = np.stack([samples, 0.5 * samples], axis=1)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(audio_io.wav_bytes(samples, rate))
    return ends


@pytest.fixture(scope="module")
def trained_trigger_word(tmp_path_factory: pytest.TempPathFactory) -> KedroProject:
    """A copy of the project in which ``kedro run --pipelines trigger_word`` has run once."""
    project = make_project_copy(tmp_path_factory.mktemp("trigger_word") / "project")
    project.run("--pipelines", "trigger_word")
    return project


def _merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        out[key] = (
            _merge(out[key], value)
            if isinstance(value, dict) and isinstance(out.get(key), dict)
            else value
        )
    return out


@pytest.fixture
def tw_params() -> dict:
    """``trigger_word`` parameters: conf/base merged with conf/test (what e2e runs use)."""
    import yaml

    from tests.conftest import PROJECT_ROOT

    base = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_trigger_word.yml").read_text())
    test = yaml.safe_load((PROJECT_ROOT / "conf/test/parameters_trigger_word.yml").read_text())
    return _merge(base, test)["trigger_word"]
