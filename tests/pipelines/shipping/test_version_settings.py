"""A registered ``trigger_word`` version is shipped with the settings stored with it
(``trigger_word_detection`` in its MLmodel metadata), not with today's parameters; a
version registered before those were stored is shipped with the parameters, warned."""

from __future__ import annotations

import copy
import logging

import pytest

from dl_pipelines.datasets import MlflowKerasModelDataset, MlflowRegisteredModelDataset
from dl_pipelines.pipelines.shipping import runner_config
from dl_pipelines.pipelines.trigger_word import detection
from dl_pipelines.pipelines.trigger_word.params import parse_params
from dl_pipelines.ship.manifest import detector_of
from tests.conftest import PROJECT_ROOT

DATA_SHAPE = (150, 101)  # frames × bins of nfft 200


def _base(name: str) -> dict:
    import yaml

    return yaml.safe_load((PROJECT_ROOT / f"conf/base/parameters_{name}.yml").read_text())[name]


def _trained_with() -> dict:
    """Settings A: the tiny model's Conv1D 15 / 4, 16 kHz, noverlap 100, its own events."""
    params = _base("trigger_word")
    params["audio"]["sample_rate"] = 16000
    params["spectrogram"]["noverlap"] = 100
    params["model"]["conv_stride"] = 4
    params["mixing"]["label_steps"] = 50
    params["evaluation"].update(refractory_s=0.4, hold_s=0.05)
    params["detect"].update(window_seconds=0.5, overlap_seconds=0.1)
    return params


def _params_now() -> dict:
    """Settings B, today's parameters: 44.1 kHz, noverlap 120, stride 8, other events,
    a ``detect.threshold`` for trigger_word_detect."""
    params = copy.deepcopy(_trained_with())
    params["audio"]["sample_rate"] = 44100
    params["spectrogram"]["noverlap"] = 120
    params["model"]["conv_stride"] = 8
    params["evaluation"].update(refractory_s=1.0, hold_s=0.2)
    params["detect"]["threshold"] = 0.1
    return params


@pytest.fixture
def store(tmp_path, monkeypatch):
    import mlflow

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    yield uri
    mlflow.set_tracking_uri(None)


def _tiny_detector():
    import keras

    from dl_pipelines.pipelines.trigger_word.model import build_trigger_word_model

    keras.utils.set_random_seed(4)
    return build_trigger_word_model(DATA_SHAPE[1], 4, 15, 4, [4], 0.0, 1e-3, 1.0)


def _register(threshold: float, stored: dict | None) -> None:
    """A version of ``trigger_word`` as its training pipeline registers it (with its
    settings) or as it did before (without); its run logs the ``threshold`` metric."""
    import mlflow

    save_args = {"name": "model", "registered_model_name": "trigger_word", "pip_requirements": []}
    with mlflow.start_run():
        mlflow.log_metric("threshold", threshold)
        if stored is None:
            MlflowKerasModelDataset(save_args=save_args).save(_tiny_detector())
        else:
            MlflowKerasModelDataset(
                model_metadata=[detection.VERSION_KEY], save_args=save_args
            ).save({"model": _tiny_detector(), detection.VERSION_KEY: stored})


def _model_json(version: str, trigger_word: dict) -> dict:
    registered = MlflowRegisteredModelDataset("trigger_word", model_version=version).load()
    settings = _base("shipping")["models"]["trigger_word"]
    return runner_config.build(
        registered, settings, DATA_SHAPE, list(settings["formats"]), trigger_word
    )


def test_a_version_is_shipped_with_the_settings_it_was_trained_with(store, caplog) -> None:
    """Trained with A, registered with A; the parameters now say B: model.json is A's
    (its rate, spectrogram, Conv1D, events and threshold), with B's differences logged."""
    a = _trained_with()
    stored = detection.version_settings(parse_params(a), 0.8)
    _register(0.8, stored)

    with caplog.at_level(logging.INFO):
        config = _model_json("1", _params_now())

    assert config["audio"]["sample_rate"] == 16000
    assert config["audio"]["spectrogram"]["noverlap"] == 100
    assert (config["detector"]["kernel"], config["detector"]["stride"]) == (15, 4)
    assert detector_of(config) == detection.make_detector(parse_params(a), 0.8)
    assert config["detector"]["threshold"] == 0.8  # not detect.threshold's 0.1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("audio.sample_rate 16000, the parameters now say 44100" in w for w in warnings)
    assert any("model.conv_stride 4" in w for w in warnings)
    assert "trigger_word.detect.threshold (0.1) is not shipped" in caplog.text


def test_a_version_registered_without_its_settings_is_shipped_with_the_parameters(
    store, caplog
) -> None:
    """Today's behaviour for an older version: the parameters' settings at its run's
    threshold, with a warning that says so and how to avoid it."""
    a = _trained_with()
    _register(0.6, None)
    with caplog.at_level(logging.WARNING):
        config = _model_json("latest", a)
    assert detector_of(config) == detection.make_detector(parse_params(a), 0.6)
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert "trigger_word v1 (latest) was registered without its settings" in warning
    assert "'trigger_word_detection' in its MLmodel metadata" in warning
    assert "16000 Hz" in warning and "kedro run --pipelines trigger_word" in warning

    # the parameters' Conv1D must still be the model's (B's stride 8 is not)
    with pytest.raises(ValueError, match="kernel 15 and stride 4.*conv_stride 8"):
        _model_json("1", _params_now())


def test_incomplete_settings_are_refused(store) -> None:
    """Stored settings that lack one are not filled in from the parameters."""
    stored = detection.version_settings(parse_params(_trained_with()), 0.8)
    del stored["hold_s"]
    _register(0.8, stored)
    with pytest.raises(ValueError, match=r"no hold_s in its 'trigger_word_detection'"):
        _model_json("1", _params_now())
