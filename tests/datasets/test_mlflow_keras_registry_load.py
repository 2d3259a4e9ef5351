"""MlflowKerasModelDataset loads what it registers: the registry's version by alias
(``champion``), by number or ``latest``, as a Keras model; a wrong version, alias or
model is a clear error. The prediction pipelines read their model this way."""

from __future__ import annotations

import numpy as np
import pytest
from kedro.io import DatasetError

from dl_pipelines.datasets import MlflowKerasModelDataset, MlflowRegisteredModelDataset
from dl_pipelines.hooks import _provenance


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


def _entry(**kwargs) -> MlflowKerasModelDataset:
    """The shape of ``day_night_registered_model`` in the catalog."""
    kwargs.setdefault("alias", "champion")
    return MlflowKerasModelDataset(
        save_args={"name": "model", "registered_model_name": "gated", "pip_requirements": []},
        **kwargs,
    )


def _output(model) -> float:
    return float(model.predict(np.zeros((1, 3)), verbose=0)[0, 0])


@pytest.fixture
def registry(tmp_path, monkeypatch):
    """Versions 1, 2 (champion) of `gated`, outputs 1 and 2, and version 3 (output 3),
    which its gate did not accept (registered without the alias)."""
    import mlflow

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    mlflow.set_tracking_uri(uri)
    for value in (1.0, 2.0):
        with mlflow.start_run():
            _entry().save(_tiny(value))
    with mlflow.start_run():
        _entry(alias=None).save(_tiny(3.0))
    yield uri
    mlflow.set_tracking_uri(None)


def test_the_champion_by_default(registry) -> None:
    dataset = _entry()
    assert _output(dataset.load()) == 2.0
    assert dataset.last_loaded.version == "2"
    assert dataset.last_loaded.label == "gated v2 (champion)"


def test_an_explicit_version_latest_or_another_alias(registry) -> None:
    assert _output(_entry(model_version=1).load()) == 1.0
    assert _output(_entry(model_version="1").load()) == 1.0
    assert _output(_entry(model_version="latest").load()) == 3.0
    previous = _entry(model_version="champion-previous")
    assert _output(previous.load()) == 1.0
    assert previous.last_loaded.label == "gated v1 (champion-previous)"
    numbered = _entry(model_version=1)
    numbered.load()
    assert numbered.last_loaded.label == "gated v1"


def test_a_wrong_version_names_the_model_versions_and_aliases(registry) -> None:
    with pytest.raises(DatasetError) as error:
        _entry(model_version=9).load()
    message = str(error.value)
    assert "'gated' has no version 9 (versions: 1, 2, 3)" in message
    assert "champion → 2" in message and "champion-previous → 1" in message
    assert "--params model_version=" in message
    with pytest.raises(DatasetError, match=r"no alias 'best' \(aliases: champion → 2, "):
        _entry(model_version="best").load()


def test_no_such_model_names_the_training_pipeline_to_run(registry) -> None:
    dataset = MlflowKerasModelDataset(
        alias="champion",
        training_pipeline="day_night",
        save_args={"name": "model", "registered_model_name": "day_night"},
    )
    with pytest.raises(DatasetError) as error:
        dataset.load()
    message = str(error.value)
    assert "No registered model named 'day_night'" in message
    assert "registered: gated" in message
    assert "`kedro run --pipelines day_night` first" in message
    assert "--params model=" not in message  # shipping's hint: not for a fixed model


def test_the_version_loaded_is_the_runs_provenance(registry) -> None:
    dataset = _entry()
    assert _provenance("gated_registered_model", dataset) == {}  # not loaded yet
    dataset.load()
    tags = _provenance("gated_registered_model", dataset)
    assert tags["input.gated_registered_model"] == "gated v2 (champion)"
    assert tags["input.gated_registered_model.source_run_id"] == dataset.last_loaded.run_id
    shipping = MlflowRegisteredModelDataset("gated", model_version=3)
    shipping.load()
    assert _provenance("shipped", shipping)["input.shipped"] == "gated v3"


def test_without_a_registered_name_it_loads_what_it_logged(registry) -> None:
    """kedro-mlflow's own behaviour is kept for an entry that registers nothing."""
    import mlflow

    dataset = MlflowKerasModelDataset(save_args={"name": "model", "pip_requirements": []})
    with mlflow.start_run():
        dataset.save(_tiny(5.0))
    assert _output(dataset.load()) == 5.0


def _with_threshold(**kwargs) -> MlflowKerasModelDataset:
    return MlflowKerasModelDataset(
        alias="champion",
        model_metadata=["threshold"],
        save_args={"name": "model", "registered_model_name": "scored", "pip_requirements": []},
        **kwargs,
    )


def test_values_saved_with_a_version_load_with_that_version(registry) -> None:
    """A value the model's output needs (a threshold, a decoding spec) is kept in each
    version's MLmodel metadata: version 1 comes back with its own, not the newest."""
    import mlflow

    for value, threshold in ((1.0, 0.3), (2.0, 0.7)):
        with mlflow.start_run():
            _with_threshold().save({"model": _tiny(value), "threshold": threshold})
    champion = _with_threshold().load()
    assert (_output(champion["model"]), champion["threshold"]) == (2.0, 0.7)
    first = _with_threshold(model_version=1).load()
    assert (_output(first["model"]), first["threshold"]) == (1.0, 0.3)
    info = mlflow.models.get_model_info("models:/scored/1")
    assert info.metadata == {"threshold": 0.3}


def test_a_version_without_the_values_or_a_bare_model_is_refused(registry) -> None:
    import mlflow

    with mlflow.start_run():
        MlflowKerasModelDataset(
            save_args={"name": "model", "registered_model_name": "scored", "pip_requirements": []}
        ).save(_tiny(1.0))
    with pytest.raises(DatasetError) as error:
        _with_threshold(model_version=1, training_pipeline="scoring").load()
    message = str(error.value)
    assert "models:/scored/1 was logged without threshold" in message
    assert "`kedro run --pipelines scoring`" in message
    with mlflow.start_run(), pytest.raises(DatasetError, match="keeps \\['threshold'\\]"):
        _with_threshold().save(_tiny(1.0))
    with mlflow.start_run(), pytest.raises(DatasetError, match="lacks \\['threshold'\\]"):
        _with_threshold().save({"model": _tiny(1.0)})


def test_a_single_image_input_is_named_in_the_provenance(tmp_path) -> None:
    """faces_verify's two photos: the run says which files it compared."""
    from dl_pipelines.datasets import ImageFileDataset

    photo = ImageFileDataset(filepath=str(tmp_path / "a.png"))
    assert _provenance("faces_verify_image_a", photo) == {
        "input.faces_verify_image_a": str(tmp_path / "a.png")
    }
