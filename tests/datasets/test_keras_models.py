"""KerasModelsDataset: a folder of named .keras models, loaded lazily."""

import keras
import numpy as np
import pytest
from kedro.io import DatasetError

from dl_pipelines.datasets import KerasModelsDataset


def _model(units: int):
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(units)])


def test_saves_loads_lazily_and_drops_stale_models(tmp_path):
    dataset = KerasModelsDataset(path=str(tmp_path / "zoo"))
    assert not dataset.exists()
    first = {"a": _model(2), "b": _model(4)}
    dataset.save(first)
    assert sorted(p.name for p in (tmp_path / "zoo").iterdir()) == ["a.keras", "b.keras"]
    loaders = dataset.load()
    assert sorted(loaders) == ["a", "b"] and all(callable(f) for f in loaders.values())
    x = np.ones((1, 3), dtype="float32")
    np.testing.assert_allclose(np.asarray(loaders["b"]()(x)), np.asarray(first["b"](x)), rtol=1e-6)
    dataset.save({"c": _model(1)})  # a later run with other members
    assert sorted(dataset.load()) == ["c"]


def test_errors_name_the_folder(tmp_path):
    with pytest.raises(DatasetError, match="No trained models"):
        KerasModelsDataset(path=str(tmp_path)).load()
    with pytest.raises(DatasetError, match="non-empty dict"):
        KerasModelsDataset(path=str(tmp_path)).save({})
    with pytest.raises(DatasetError, match="cannot be a file name"):
        KerasModelsDataset(path=str(tmp_path)).save({"../x": _model(1)})
