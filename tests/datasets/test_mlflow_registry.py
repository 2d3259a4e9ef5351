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
