"""Each registered ``trigger_word`` version carries the threshold chosen on validation and
the settings it was trained with, and ``trigger_word_detect`` detects with that version's,
not with the last local training run's ``test_metrics.json`` nor today's parameters."""

from __future__ import annotations

import copy
import json
import logging

import numpy as np
import pandas as pd
import pytest

from dl_pipelines.pipelines.trigger_word import detection, nodes
from dl_pipelines.pipelines.trigger_word.params import parse_params
from tests.conftest import KedroProject, make_project_copy
from tests.pipelines.trigger_word.conftest import RATE, tone
from tests.registry_checks import scored_with


def constant_detector(score: float):
    """A conf/test-shaped detector (Conv1D 15 / 4 over 101 bins) that scores ``score`` at
    every step: one detection per file (at its first step) above ``score``, none below."""
    from dl_pipelines.pipelines.trigger_word.model import build_trigger_word_model

    model = build_trigger_word_model(101, 2, 15, 4, [2], 0.0, 1e-3, 1.0)
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    kernel, _ = model.get_layer("score").get_weights()
    model.get_layer("score").set_weights([kernel, np.array([np.log(score / (1 - score))])])
    return model


def _report(threshold: float) -> dict:
    return {"metrics": {"test_frr": 0.1}, "threshold": np.float64(threshold)}


def test_the_gate_registers_the_threshold_and_settings_with_the_model(tw_params) -> None:
    registered = nodes.gate_for_registry(constant_detector(0.6), _report(0.83), tw_params)
    assert set(registered) == {"model", "trigger_word_detection"}
    assert "spec_augment" not in [layer.name for layer in registered["model"].layers]
    stored = registered["trigger_word_detection"]
    assert json.loads(json.dumps(stored)) == stored  # MLmodel metadata: plain values
    assert stored["threshold"] == 0.83 and type(stored["threshold"]) is float
    assert (stored["sample_rate"], stored["conv_stride"], stored["keyword"]) == (
        16000,
        4,
        "activate",
    )
    assert stored["spectrogram"]["nfft"] == 200
    assert detection.detector_from(stored, parse_params(tw_params).detect) == (
        detection.make_detector(parse_params(tw_params), 0.83)
    )


def test_a_version_is_detected_with_its_own_settings_not_the_parameters(tw_params, caplog) -> None:
    """Parameters changed since the version was trained (rate, stride, event logic,
    keyword): its stored ones are used, each difference a warning."""
    stored = detection.version_settings(parse_params(tw_params), 0.7)
    changed = copy.deepcopy(tw_params)
    changed["audio"]["sample_rate"] = 44100
    changed["model"]["conv_stride"] = 8
    changed["evaluation"]["refractory_s"] = 0.5
    changed["keyword"] = "jarvis"
    with caplog.at_level(logging.INFO, logger=detection.__name__):
        detector = detection.registered_detector(stored, parse_params(changed))
    assert detector == detection.make_detector(parse_params(tw_params), 0.7)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 4
    assert any("audio.sample_rate 16000, the parameters now say 44100" in w for w in warnings)
    assert any("model.conv_stride 4" in w for w in warnings)
    assert any("evaluation.refractory_s 1.0" in w for w in warnings)
    assert any("keyword activate, the parameters now say jarvis" in w for w in warnings)
    assert "Threshold 0.7: the one chosen on validation for this version" in caplog.text


def test_detect_threshold_replaces_the_versions_and_says_so(tw_params, caplog) -> None:
    stored = detection.version_settings(parse_params(tw_params), 0.7)
    fixed = copy.deepcopy(tw_params)
    fixed["detect"]["threshold"] = 0.3
    with caplog.at_level(logging.INFO, logger=detection.__name__):
        detector = detection.registered_detector(stored, parse_params(fixed))
    assert detector.threshold == 0.3
    assert "Threshold 0.3 (trigger_word.detect.threshold), not 0.7" in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_version_without_a_setting_is_refused_naming_the_fix(tw_params) -> None:
    stored = detection.version_settings(parse_params(tw_params), 0.7)
    del stored["hold_s"]
    with pytest.raises(
        ValueError, match=r"no hold_s in its 'trigger_word_detection'.*model_version"
    ):
        detection.registered_detector(stored, parse_params(tw_params))


def _catalog_entry(project: KedroProject):
    """``trigger_word_registered_model`` of the project's catalog, saving to its store."""
    import yaml

    from dl_pipelines.datasets import MlflowKerasModelDataset

    catalog = yaml.safe_load((project.path / "conf/base/catalog_trigger_word.yml").read_text())
    config = catalog["trigger_word_registered_model"]
    kwargs = {k: v for k, v in config.items() if k not in ("type", "metadata", "model_version")}
    return MlflowKerasModelDataset(**kwargs)


@pytest.mark.e2e
def test_each_version_is_detected_with_its_own_threshold(tmp_path, tw_params) -> None:
    """Version 1 (threshold 0.5), then version 2 (0.7, the new champion, whose training
    run wrote test_metrics.json last) of one detector scoring 0.6 everywhere: with
    ``model_version=1`` the file has its detection (v1's 0.5), not none (v2's 0.7)."""
    import mlflow

    project = make_project_copy(tmp_path / "project")
    run_ids = []
    with project.tracking():
        mlflow.set_experiment("dl_pipelines")
        for threshold in (0.5, 0.7):
            with mlflow.start_run() as run:
                registered = nodes.gate_for_registry(
                    constant_detector(0.6), _report(threshold), tw_params
                )
                _catalog_entry(project).save(registered)
            run_ids.append(run.info.run_id)
        stored = [
            mlflow.models.get_model_info(f"models:/trigger_word/{v}").metadata for v in (1, 2)
        ]
        champion = _catalog_entry(project).load()  # version 2: nothing reaches its 0.7
        table, _, _ = nodes.detect_folder(champion, {"a.wav": (tone(2.0), RATE)}, tw_params)
    assert [s["trigger_word_detection"]["threshold"] for s in stored] == [0.5, 0.7]
    assert table.empty
    report = project.path / "data/08_reporting/trigger_word/test_metrics.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps({"threshold": 0.7}))  # the last local run's: version 2's
    folder = tmp_path / "audio"
    folder.mkdir()
    from dl_pipelines.audio import io as audio_io

    (folder / "a.wav").write_bytes(audio_io.wav_bytes(tone(2.0), RATE))
    project.run(
        "--pipelines", "trigger_word_detect", "--params", f"input_dir={folder},model_version=1"
    )
    assert scored_with(project, "trigger_word_detect", "trigger_word") == (
        "trigger_word v1",
        run_ids[0],
    )
    table = pd.read_csv(project.path / "data/07_model_output/trigger_word/detections.csv")
    assert table["file"].tolist() == ["a.wav"]
    assert table["score"].tolist() == pytest.approx([0.6])
