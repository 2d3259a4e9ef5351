"""MlflowRegisteredModelDataset: latest or a given version, with its run; clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from kedro.io import DatasetError

from dl_pipelines.datasets import MlflowKerasModelDataset, MlflowRegisteredModelDataset


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """A sqlite registry with two versions of `tiny` (outputs 1 and 2) and their runs."""
    import keras
    import mlflow

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    for value in (1.0, 2.0):
        model = keras.Sequential(
            [
                keras.Input((3,)),
                keras.layers.Dense(
                    1,
                    kernel_initializer="zeros",
                    bias_initializer=keras.initializers.Constant(value),
                ),
            ]
        )
        with mlflow.start_run():
            mlflow.log_metric("threshold", value / 10)
            MlflowKerasModelDataset(
                save_args={
                    "name": "model",
                    "registered_model_name": "tiny",
                    "pip_requirements": ["keras"],
                }
            ).save(model)
    yield uri
    mlflow.set_tracking_uri(None)


def test_latest_version_with_its_run_metrics(registry) -> None:
    loaded = MlflowRegisteredModelDataset("tiny").load()
    assert (loaded.version, loaded.uri) == ("2", "models:/tiny/2")
    assert loaded.run_metrics["threshold"] == pytest.approx(0.2)
    assert loaded.tags["source_model_uri"] == "models:/tiny/2"
    assert loaded.signature.inputs.inputs[0].shape == (-1, 3)
    assert float(loaded.model.predict(np.zeros((1, 3)), verbose=0)[0, 0]) == 2.0


def test_a_given_version(registry) -> None:
    loaded = MlflowRegisteredModelDataset("tiny", model_version=1).load()
    assert loaded.version == "1"
    assert float(loaded.model.predict(np.zeros((1, 3)), verbose=0)[0, 0]) == 1.0


def test_unknown_name_and_version_are_named_with_the_fix(registry) -> None:
    with pytest.raises(
        DatasetError,
        match=r"No registered model named 'nope'.*registered: "
        r"tiny.*--params model=<name>",
    ):
        MlflowRegisteredModelDataset("nope").load()
    with pytest.raises(DatasetError, match=r"'tiny' has no version 7 \(versions: 1, 2\)"):
        MlflowRegisteredModelDataset("tiny", model_version=7).load()
    with pytest.raises(DatasetError, match="read-only"):
        MlflowRegisteredModelDataset("tiny").save("a model")


def _tiny(value: float):
    import keras

    return keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(
                1, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant(value)
            ),
        ]
    )


def _log(model, name: str, alias: str | None = None, epochs: int = 0) -> None:
    import mlflow

    with mlflow.start_run():
        for step in range(epochs):
            mlflow.log_metric("val_loss", 1.0 / (step + 1), step=step)
        MlflowKerasModelDataset(
            alias=alias,
            save_args={"name": "model", "registered_model_name": name, "pip_requirements": []},
        ).save(model)


def test_a_version_comes_with_its_mlmodel_metadata(registry) -> None:
    """What a training pipeline stored with a version (``model_metadata``) is loaded with
    it; a version stored without any has none."""
    import mlflow

    with mlflow.start_run():
        MlflowKerasModelDataset(
            model_metadata=["settings"],
            save_args={"name": "model", "registered_model_name": "tiny", "pip_requirements": []},
        ).save({"model": _tiny(3.0), "settings": {"rate": 16000, "spec": {"nfft": 200}}})
    loaded = MlflowRegisteredModelDataset("tiny", model_version="latest").load()
    assert loaded.version == "3"
    assert loaded.metadata["settings"] == {"rate": 16000, "spec": {"nfft": 200}}
    assert "settings" not in MlflowRegisteredModelDataset("tiny", model_version=1).load().metadata


def test_a_version_by_alias_and_the_alias_moves_with_each_version(registry) -> None:
    import mlflow

    _log(_tiny(3.0), "gated", alias="champion")
    _log(_tiny(4.0), "gated", alias="champion")
    loaded = MlflowRegisteredModelDataset("gated", model_version="champion").load()
    assert loaded.version == "2"
    assert float(loaded.model.predict(np.zeros((1, 3)), verbose=0)[0, 0]) == 4.0
    client = mlflow.MlflowClient()
    assert str(client.get_model_version_by_alias("gated", "champion-previous").version) == "1"


def test_an_unknown_alias_is_named_with_the_aliases_there_are(registry) -> None:
    _log(_tiny(3.0), "gated", alias="champion")
    with pytest.raises(
        DatasetError, match=r"no alias 'best' \(aliases: champion → 1; versions: 1\)"
    ):
        MlflowRegisteredModelDataset("gated", model_version="best").load()


def test_a_model_without_aliases_falls_back_to_its_latest_version(registry, caplog) -> None:
    loaded = MlflowRegisteredModelDataset("tiny", model_version="champion").load()
    assert loaded.version == "2"
    assert "has no aliases" in caplog.text


def test_the_model_is_logged_at_the_last_training_step(registry) -> None:
    import mlflow

    _log(_tiny(3.0), "stepped", epochs=5)
    version = mlflow.MlflowClient().get_model_version("stepped", "1")
    run = mlflow.get_run(version.run_id)
    (output,) = run.outputs.model_outputs
    assert output.step == 4


def test_a_run_registers_its_model_once(registry) -> None:
    """A retried node (an Airflow task run again) does not add a second version."""
    import mlflow

    dataset = MlflowKerasModelDataset(
        save_args={"name": "model", "registered_model_name": "once", "pip_requirements": []}
    )
    with mlflow.start_run():
        dataset.save(_tiny(1.0))
        dataset.save(_tiny(1.0))
    assert len(mlflow.MlflowClient().search_model_versions("name = 'once'")) == 1
