"""Tests for dl_pipelines.datasets.KerasModelDataset."""

import keras
import numpy as np
import pytest
from kedro.io import DatasetError

from dl_pipelines.datasets import KerasModelDataset
from dl_pipelines.nn.losses import binary_cross_entropy


def _tiny_model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((3,)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    return model


@pytest.mark.parametrize("filepath", ["model.h5", "model", "model.keras.bak", "model.KERAS"])
def test_filepath_must_end_in_keras(tmp_path, filepath):
    with pytest.raises(DatasetError, match=r"must end in '\.keras'"):
        KerasModelDataset(str(tmp_path / filepath))


def test_round_trip_gives_identical_predictions(tmp_path):
    model = _tiny_model()
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    expected = model.predict(x, verbose=0)
    path = tmp_path / "models" / "m.keras"
    dataset = KerasModelDataset(str(path))
    assert not dataset.exists()
    dataset.save(model)
    assert dataset.exists()
    assert [p.name for p in path.parent.iterdir()] == ["m.keras"]  # no temp file left
    loaded = dataset.load()
    assert loaded is not model
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)
    assert not loaded.compiled  # compile=False by default


def test_load_args_compile_true_with_registered_loss(tmp_path):
    model = _tiny_model()
    model.compile(optimizer="sgd", loss=binary_cross_entropy)
    path = tmp_path / "m.keras"
    KerasModelDataset(str(path)).save(model)
    loaded = KerasModelDataset(str(path), load_args={"compile": True}).load()
    assert loaded.compiled
    x = np.ones((2, 3), dtype="float32")
    y = np.array([[1.0], [0.0]], dtype="float32")
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(
        model.evaluate(x, y, verbose=0), rel=1e-6
    )


def test_load_missing_file_mentions_kedro_run(tmp_path):
    path = tmp_path / "absent.keras"
    with pytest.raises(DatasetError, match="kedro run") as info:
        KerasModelDataset(str(path)).load()
    assert str(path) in str(info.value)


def test_optional_dataset_loads_none_while_the_file_is_missing(tmp_path):
    dataset = KerasModelDataset(str(tmp_path / "missing.keras"), optional=True)
    assert dataset.load() is None
    assert not dataset.exists()


def test_custom_modules_are_imported_before_loading(tmp_path, monkeypatch):
    import sys

    (tmp_path / "registers_a_layer.py").write_text(
        "import keras\n\n"
        "@keras.saving.register_keras_serializable(package='test_custom_modules')\n"
        "class Doubler(keras.layers.Layer):\n"
        "    def call(self, x):\n"
        "        return 2 * x\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "registers_a_layer", raising=False)
    path = tmp_path / "m.keras"
    KerasModelDataset(str(path)).save(_tiny_model())
    loaded = KerasModelDataset(str(path), custom_modules=["registers_a_layer"]).load()
    assert "registers_a_layer" in sys.modules and loaded is not None
    with pytest.raises(DatasetError, match="cannot import 'no_such_module_here'.*catalog"):
        KerasModelDataset(str(path), custom_modules=["no_such_module_here"]).load()
