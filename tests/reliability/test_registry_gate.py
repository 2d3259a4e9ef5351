"""The gate before the file (issue #29): a model that a run trains replaces the model file
the prediction pipelines use only when the whole run succeeds, so a model the registry
gate rejects never reaches ``day_night_predict``."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from dl_pipelines.datasets import KerasModelDataset
from tests.conftest import KedroProject


def _model(bias: float):
    import keras

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.layers[0].set_weights([np.zeros((2, 1)), np.full((1,), bias)])
    return model


def _read(path: Path):
    import keras

    return keras.saving.load_model(path, compile=False)


def _bias(model) -> float:
    return float(model.layers[0].get_weights()[1][0])


def test_a_failed_run_keeps_its_model_aside_and_the_old_one_in_place(tmp_path: Path) -> None:
    dataset = KerasModelDataset(str(tmp_path / "model.keras"))
    dataset.save(_model(1.0))  # outside a run: written in place

    dataset.begin_run()
    dataset.save(_model(2.0))
    assert _bias(dataset.load()) == 2.0  # the run's later nodes see its model
    assert _bias(_read(tmp_path / "model.keras")) == 1.0
    dataset.end_run(succeeded=False)
    assert _bias(dataset.load()) == 1.0  # the file prediction pipelines read
    assert _bias(_read(tmp_path / "model.candidate.keras")) == 2.0

    dataset.begin_run()
    dataset.save(_model(3.0))
    dataset.end_run(succeeded=True)
    assert _bias(dataset.load()) == 3.0 and not (tmp_path / "model.candidate.keras").exists()


@pytest.mark.e2e
def test_a_model_the_gate_rejects_never_replaces_the_model_file(project: KedroProject) -> None:
    project.run("--pipelines", "day_night")
    model = project.path / "data/06_models/day_night/model.keras"
    before = hashlib.sha256(model.read_bytes()).hexdigest()

    rejected = project.run(
        "--pipelines",
        "day_night",
        "--params",
        "seed=7,day_night.registry.min_test_accuracy=1.01",
        check=False,
    )
    project.assert_failed_cleanly(
        rejected, "day_night", "is below day_night.registry.min_test_accuracy"
    )
    assert hashlib.sha256(model.read_bytes()).hexdigest() == before
    assert model.with_name("model.candidate.keras").is_file()
    assert "is still the last successful run's" in rejected.stderr


def test_another_entry_on_the_same_file_reads_the_runs_candidate(tmp_path: Path) -> None:
    """A run saves a model file that a second, optional entry on the same file loads."""
    trained = KerasModelDataset(str(tmp_path / "stylizer.keras"))
    applied = KerasModelDataset(str(tmp_path / "stylizer.keras"), optional=True)
    for dataset in (trained, applied):
        dataset.begin_run()
    assert applied.load() is None
    trained.save(_model(5.0))
    assert _bias(applied.load()) == 5.0
    for dataset in (trained, applied):
        dataset.end_run(succeeded=True)
    assert _bias(applied.load()) == 5.0
